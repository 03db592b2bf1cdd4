"""What the ``painmodalities`` command prints: tables, JSON, rankings and evidence lines.

Tables use rich (the ``cli`` extra) when it is installed and the output is a terminal,
and plain aligned text otherwise; ``NO_COLOR`` turns colour off.
"""

import os
import textwrap
from collections.abc import Sequence
from types import MappingProxyType
from typing import IO, Any, Final

import attrs
import orjson

from painmodalities import _words
from painmodalities.catalog import Catalog
from painmodalities.evidence import Finding, Recommendation
from painmodalities.modalities import Modality
from painmodalities.plans import Acceptability, CarePlan, Stability
from painmodalities.ranking import Entry, RankedOption, Ranking, UnrankedOption
from painmodalities.scoring import Score
from painmodalities.serialization import SCHEMA_VERSION, converter
from painmodalities.vocabulary import Criterion, Direction

# -- output --------------------------------------------------------------------------------


@attrs.frozen
class Table:
    """Rows to print under headers, as a rich table or as aligned plain text."""

    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    title: str = ""
    right: frozenset[int] = frozenset()
    """The columns aligned right (numbers)."""


def no_color() -> bool:
    return bool(os.environ.get("NO_COLOR"))


def rich_console(stream: IO[str]) -> Any:
    """A rich console for ``stream`` if rich is installed and ``stream`` is a terminal."""
    if not stream.isatty():
        return None
    try:
        from rich.console import Console  # noqa: PLC0415 (only when printing a table)
    except ImportError:
        return None
    return Console(file=stream, no_color=no_color(), highlight=False)


def print_table(table: Table, stream: IO[str]) -> None:
    console = rich_console(stream)
    if console is not None:
        from rich.table import Table  # noqa: PLC0415 (only when printing a table)

        shown = Table(title=table.title or None, title_justify="left", header_style="bold cyan")
        for column, header in enumerate(table.headers):
            shown.add_column(
                header,
                justify="right" if column in table.right else "left",
                overflow="fold",  # never hide part of an id: fold it onto the next line
            )
        for row in table.rows:
            shown.add_row(*row)
        console.print(shown)
        return
    if table.title:
        print(table.title, file=stream)
    widths = [
        max(len(cell) for cell in column)
        for column in zip(table.headers, *table.rows, strict=True)
    ]
    for row in (table.headers, *table.rows):
        line = "  ".join(
            cell.rjust(width) if column in table.right else cell.ljust(width)
            for column, (cell, width) in enumerate(zip(row, widths, strict=True))
        )
        print(line.rstrip(), file=stream)


def print_json(document: object, stream: IO[str]) -> None:
    print(orjson.dumps(document, option=orjson.OPT_INDENT_2).decode("utf-8"), file=stream)


def _entry_summary(entry: Entry) -> dict[str, Any]:
    """What every summary entry says: which modality, and what guidelines say of it."""
    return {
        "id": entry.modality.id,
        "name": entry.modality.name,
        "kind": entry.modality.kind,
        "activity": entry.modality.activity.value,
        "guidance": list(entry.guidance),
        "warnings": list(entry.warnings),
    }


def _scored_summary(entry: RankedOption | UnrankedOption) -> dict[str, Any]:
    return {
        "score": float(entry.score),
        "has_benefit": entry.score.has_benefit,
        "components": {
            criterion.value: float(value) for criterion, value in entry.score.components.items()
        },
        "expected_benefit": lasts(entry.score),
        "without": [omission.explain() for omission in entry.without],
        "explanation": entry.score.explain(),
    }


def ranking_summary(ranking: Ranking) -> dict[str, Any]:
    """The ranking as a JSON-ready summary: stable keys, floats for scores.

    Its ``document`` key tells it from the full ranking document (``--format document``).
    """
    unstructure = converter().unstructure
    return {
        "schema_version": SCHEMA_VERSION,
        "document": "ranking-summary",
        "pain_type": unstructure(ranking.pain_type),
        "label": ranking.pain_type.label,
        "summary": ranking.summary,
        "weights": unstructure(ranking.weights),
        "policy": unstructure(ranking.policy),
        "patient": unstructure(ranking.patient),
        "options": [
            {"rank": option.rank, **_entry_summary(option), **_scored_summary(option)}
            for option in ranking
        ],
        "unranked": [
            {**_entry_summary(entry), **_scored_summary(entry)} for entry in ranking.unranked
        ],
        "excluded": [
            {
                **_entry_summary(exclusion),
                "reasons": [
                    {"code": reason.code.value, "detail": reason.detail}
                    for reason in exclusion.reasons
                ],
            }
            for exclusion in ranking.excluded
        ],
    }


def lasts(result: Score) -> str | None:
    """How long the scored evidence shows a function benefit lasting, as its horizon's value."""
    horizon = result.lasts
    return None if horizon is None else horizon.value


def print_ranking(
    ranking: Ranking,
    stream: IO[str],
    *,
    explain: bool,
    prior: Sequence[tuple[str, str]] = (),
) -> None:
    """Print the ranking as a table, then the explanations if ``explain``.

    Then the guideline warnings, the unranked options, the exclusions, and what the record
    (a FHIR bundle) says was already referred or done (``prior``: modality id and words).
    When nothing is ranked it says so in words.
    """
    rows = tuple(
        (
            str(option.rank),
            option.modality.id,
            f"{float(option.score):.3f}",
            *(f"{float(option.score.components[c]):.3f}" for c in Criterion),
            option.modality.activity.value,
            lasts(option.score) or "-",
            guideline_column(option),
        )
        for option in ranking
    )
    title = f"Ranking for {ranking.pain_type.label}, best for long-term function first"
    if not ranking.options:
        print(title, file=stream)
        print(ranking.summary, file=stream)
    else:
        print_table(
            Table(
                headers=(
                    "#",
                    "id",
                    "score",
                    *(c.value for c in Criterion),
                    "active?",
                    "lasts",
                    "guideline",
                ),
                rows=rows,
                title=title,
                right=frozenset({0, *range(2, 3 + len(Criterion))}),
            ),
            stream,
        )
    if explain:
        print("", file=stream)
        for option in ranking:
            print(option.explain(), file=stream)
    print_ranking_notes(ranking, stream, explain=explain)
    if prior:
        print("\nAlready in the record (FHIR bundle):", file=stream)
        for modality_id, words in prior:
            print(f"- {modality_id}: {words}", file=stream)


#: The guideline column's words for each direction, most important first.
_DIRECTION_SHORT: Final = MappingProxyType(
    {
        Direction.AGAINST: "AGAINST",
        Direction.ONLY_WITH_EXERCISE: "with exercise",
        Direction.FOR: "for",
    }
)


def guideline_column(entry: Entry) -> str:
    """What guidelines say of an option, in a few words: ``AGAINST``, ``for``, or ``-``."""
    directions = sorted({advice.direction for advice in entry.recommendations})
    return ", ".join(_DIRECTION_SHORT[direction] for direction in directions) or "-"


def _unranked_line(unranked: UnrankedOption) -> str:
    shown = len(unranked.score.unscored)
    tail = f" ({shown} finding(s) shown, not scored)" if shown else ""
    omitted = "".join(f", {omission.explain()}" for omission in unranked.without)
    return f"{unranked.modality.id}{omitted}{tail}"


def print_ranking_notes(ranking: Ranking, stream: IO[str], *, explain: bool) -> None:
    """Print what the table does not show, after it.

    Programmes ranked without a component, guideline warnings, the unranked options and the
    exclusions.
    """
    reduced = [option for option in ranking if option.without]
    if reduced:
        print("\nRanked without a component the patient may not have:", file=stream)
        for option in reduced:
            omitted = "; ".join(omission.explain() for omission in option.without)
            print(f"- {option.modality.id}: {omitted}", file=stream)
    warned = [entry for entry in ranking.entries if entry.warnings]
    if warned:
        print("\nGuideline warnings:", file=stream)
        for entry in warned:
            for warning in entry.warnings:
                print(f"- {entry.modality.id}: {warning}", file=stream)
    if ranking.unranked:
        print("\nNot ranked (no scored finding of benefit):", file=stream)
        for unranked in ranking.unranked:
            line = unranked.explain() if explain else _unranked_line(unranked)
            print(f"- {line}", file=stream)
    if ranking.excluded:
        print("\nRuled out:", file=stream)
        for exclusion in ranking.excluded:
            print(f"- {exclusion.explain()}", file=stream)


def family_fields(modality: Modality) -> list[tuple[str, str]]:
    base = {field.name for field in attrs.fields(Modality)}
    shown = []
    for field in attrs.fields(type(modality)):
        if field.name in base or not field.init:
            continue
        value = getattr(modality, field.name)
        if isinstance(value, tuple):
            text = ", ".join(str(item) for item in value)
        elif isinstance(value, bool):
            text = "yes" if value else "no"
        else:
            text = _words.plain(getattr(value, "value", str(value)))
        shown.append((_words.plain(field.name), text))
    return shown


def cite(catalog: Catalog, key: str) -> str:
    source = catalog.source(key)
    year = f", {source.year}" if source.year else ""
    return f"[{key}] {source.title}{year}"


def finding_line(finding: Finding, catalog: Catalog) -> str:
    via = f" (via {finding.component})" if finding.component else ""
    note = f"; {finding.note}" if finding.note else ""
    return (
        f"    - {finding.outcome.value}, {finding.horizon.value} horizon: "
        f"{_words.effect_size(finding.effect)} effect, {_words.word(finding.certainty)} "
        f"certainty{via}"
        f"{note}\n      {cite(catalog, finding.source)}"
    )


def recommendation_line(recommendation: Recommendation, catalog: Catalog) -> str:
    phase, condition = recommendation.phase, recommendation.condition
    scope = (
        f"{'any phase' if phase is None else phase.value} "
        f"{'any condition' if condition is None else _words.word(condition)}"
    )
    certainty = (
        ""
        if recommendation.certainty is None
        else f", {_words.word(recommendation.certainty)} certainty"
    )
    note = f": {recommendation.note}" if recommendation.note else ""
    return (
        f"  - {_words.word(recommendation.direction)} ({recommendation.strength.value}"
        f"{certainty}), {scope}{note}\n    {cite(catalog, recommendation.source)}"
    )


# -- care plans, stability and acceptability ---------------------------------------------------

#: The width plan, stability and acceptability texts are wrapped to.
WIDTH: Final = 80


def _wrapped(text: str, stream: IO[str], indent: str = "") -> None:
    """Print ``text`` wrapped to :data:`WIDTH` columns, continuation lines indented."""
    print(
        textwrap.fill(text, WIDTH, subsequent_indent=indent + "  ", break_on_hyphens=False),
        file=stream,
    )


def print_plan(care: CarePlan, stream: IO[str]) -> None:
    """Print a care plan: the summary, the core and adjuncts as tables, labels and notes."""
    print(f"Care plan for {care.pain_type.label}", file=stream)
    _wrapped(care.summary, stream)
    parts = (
        ("Active core (choose one; it carries long-term care)", care.core_choices),
        (
            "Adjuncts (may be added for relief)"
            if care.core_choices
            else "Symptom relief only (no active option has scored evidence)",
            care.adjuncts,
        ),
    )
    for title, items in parts:
        if not items:
            continue
        print("", file=stream)
        print_table(
            Table(
                headers=("#", "id", "score", "function", "pain"),
                rows=tuple(
                    (
                        str(item.rank),
                        item.modality.id,
                        f"{float(item.score):.3f}",
                        "-" if item.function_lasts is None else item.function_lasts.value,
                        "-" if item.pain_lasts is None else item.pain_lasts.value,
                    )
                    for item in items
                ),
                title=f"{title}; benefit shown up to:",
                right=frozenset({0, 2}),
            ),
            stream,
        )
        for item in items:
            notes = [*item.labels, *(o.explain() for o in item.option.without)]
            notes += list(item.option.warnings)
            if notes:
                _wrapped(f"- {item.modality.id}: {'; '.join(notes)}", stream)
    notes = [note for note in care.notes if note not in care.summary]
    if notes:
        print("", file=stream)
        for note in notes:
            _wrapped(note, stream)


def print_sureness(
    found_stability: Stability | None, found_acceptability: Acceptability | None, stream: IO[str]
) -> None:
    """Print what ``--stability`` and ``--acceptability`` ask for, after a ranking."""
    for found in (found_stability, found_acceptability):
        if found is None:
            continue
        print("", file=stream)
        title = "Stability of first place" if found is found_stability else "Acceptability"
        print(f"{title}:", file=stream)
        for line in found.explain().splitlines():
            _wrapped(line, stream)


def sureness_summary(
    found_stability: Stability | None, found_acceptability: Acceptability | None
) -> dict[str, Any]:
    """The ``stability`` and ``acceptability`` keys of a ranking summary, when asked for."""
    unstructure = converter().unstructure
    found: dict[str, Any] = {}
    if found_stability is not None:
        found["stability"] = {
            **unstructure(found_stability),
            "explanation": found_stability.explain(),
        }
    if found_acceptability is not None:
        found["acceptability"] = {
            "samples": found_acceptability.samples,
            "seed": found_acceptability.seed,
            "first_rank": {
                modality_id: float(share)
                for modality_id, share in found_acceptability.first_rank.items()
            },
            "explanation": found_acceptability.explain(),
        }
    return found
