"""What the ``painmodalities`` command prints: tables, JSON, rankings and evidence lines.

Tables use rich (the ``cli`` extra) when it is installed and the output is a terminal,
and plain aligned text otherwise; ``NO_COLOR`` turns colour off.
"""

import io
import os
import re
import shutil
import textwrap
from collections import Counter
from collections.abc import Sequence
from types import MappingProxyType
from typing import IO, Any, Final

import attrs
import orjson

from painmodalities import _words
from painmodalities.catalog import Catalog
from painmodalities.evidence import Finding, Recommendation
from painmodalities.grid import OptionGrid
from painmodalities.modalities import Modality
from painmodalities.plans import CarePlan, PlanItem
from painmodalities.ranking import Entry, RankedOption, Ranking, UnrankedOption
from painmodalities.scoring import Score
from painmodalities.sensitivity import Acceptability, Stability
from painmodalities.serialization import SCHEMA_VERSION, converter
from painmodalities.summary import SummaryOfFindings
from painmodalities.vocabulary import Comparator, Criterion, Horizon

# -- output --------------------------------------------------------------------------------

# Text from data (a catalog's names and summaries, a bundle's ids) reaches the terminal, so
# its control characters are escaped as JSON escapes them (``\u001b``): an escape sequence
# in a modality's name must not recolour or rewrite the screen, and a bidirectional
# override must not reorder what is shown. JSON output means the same escaped or not.
_CONTROL: Final = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)
_LINE_BREAK: Final = re.compile("[\n\t]")


def _escaped(match: "re.Match[str]") -> str:
    return f"\\u{ord(match.group()):04x}"


def terminal_safe(text: str) -> str:
    """``text`` with every control character but a line break or tab escaped (``\u001b``)."""
    return _CONTROL.sub(_escaped, text)


def one_line(text: str) -> str:
    """``text`` from data, as one line: line breaks and tabs escaped too (names, ids)."""
    return _LINE_BREAK.sub(_escaped, text)


class TerminalSafe(io.TextIOBase):
    """A text stream that writes to ``stream`` with control characters escaped.

    The command writes through it, so no text from data reaches the terminal raw;
    :func:`rich_console` draws on :attr:`stream` itself (rich writes its own escapes, and
    the cells it is given are escaped first).
    """

    def __init__(self, stream: IO[str]) -> None:
        super().__init__()
        self.stream = stream

    def write(self, text: str) -> int:
        self.stream.write(terminal_safe(text))
        return len(text)

    def flush(self) -> None:
        self.stream.flush()

    def isatty(self) -> bool:
        return self.stream.isatty()

    def fileno(self) -> int:
        return self.stream.fileno()

    def writable(self) -> bool:
        return True


#: The width assumed when the output is not a terminal and ``COLUMNS`` is not set, so that
#: what a pipe or a file receives does not depend on the terminal the command ran in.
DEFAULT_WIDTH: Final = 80
_MIN_WIDTH: Final = 40
_MIN_WRAPPED: Final = 8
_GAP: Final = "  "


@attrs.frozen
class Table:
    """Rows to print under headers, as a rich table or as aligned plain text.

    Both forms fit the output's width (:func:`output_width`): the columns in ``wrap`` wrap
    their text onto more lines, narrowest last, so that no line is wider than the output.
    """

    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    title: str = ""
    right: frozenset[int] = frozenset()
    """The columns aligned right (numbers)."""
    wrap: frozenset[int] = frozenset()
    """The columns whose text may wrap onto more lines (names, sentences)."""
    caption: str = ""
    """Printed under the table, wrapped: what its columns mean."""


def no_color() -> bool:
    return bool(os.environ.get("NO_COLOR"))


def output_width(stream: IO[str]) -> int:
    """The width to fit: the terminal's (or ``COLUMNS``) on a terminal, else ``COLUMNS`` or 80."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return max(int(columns), _MIN_WIDTH)
    if stream.isatty():
        return max(shutil.get_terminal_size((DEFAULT_WIDTH, 24)).columns, _MIN_WIDTH)
    return DEFAULT_WIDTH


def wrapped(text: str, stream: IO[str], *, indent: str = "", hanging: str = "  ") -> str:
    """``text`` wrapped to the output's width (words longer than a line are never split).

    The first line is indented by ``indent``, the others by ``indent + hanging``.
    """
    return textwrap.fill(
        text,
        width=output_width(stream),
        initial_indent=indent,
        subsequent_indent=indent + hanging,
        break_long_words=False,
        break_on_hyphens=False,
    )


def say(text: str, stream: IO[str], *, indent: str = "", hanging: str = "  ") -> None:
    """Print ``text`` wrapped to the output's width (see :func:`wrapped`)."""
    print(wrapped(text, stream, indent=indent, hanging=hanging), file=stream)


def rich_console(stream: IO[str]) -> Any:
    """A rich console for ``stream`` if rich is installed and ``stream`` is a terminal."""
    if not stream.isatty():
        return None
    try:
        from rich.console import Console  # noqa: PLC0415 (only when printing a table)
    except ImportError:
        return None
    target = stream.stream if isinstance(stream, TerminalSafe) else stream
    return Console(file=target, no_color=no_color(), highlight=False, width=output_width(stream))


def _print_rich(table: Table, console: Any) -> None:
    from rich import box  # noqa: PLC0415 (only when printing a table)
    from rich.table import Table as RichTable  # noqa: PLC0415
    from rich.text import Text  # noqa: PLC0415

    shown = RichTable(
        title=table.title or None,
        title_justify="left",
        header_style="bold cyan",
        box=box.SIMPLE_HEAVY,
        show_edge=False,
        pad_edge=False,
        caption=table.caption or None,
        caption_justify="left",
    )
    for column, header in enumerate(table.headers):
        shown.add_column(
            header,
            justify="right" if column in table.right else "left",
            no_wrap=column not in table.wrap,
            overflow="fold",  # never hide part of an id: fold it onto the next line
        )
    for row in table.rows:  # as Text: a cell's brackets are not rich markup
        shown.add_row(*(Text(terminal_safe(cell)) for cell in row))
    console.print(shown)


def _fitted_widths(table: Table, width: int) -> list[int]:
    """Each column's width: its widest cell, the wrapping columns narrowed to fit ``width``."""
    widths = [
        max(len(line) for cell in column for line in cell.splitlines() or [""])
        for column in zip(table.headers, *table.rows, strict=True)
    ]
    floors = [
        min(widths[column], max(_MIN_WRAPPED, *(len(word) for word in _words_of(table, column))))
        if column in table.wrap
        else widths[column]
        for column in range(len(widths))
    ]
    while sum(widths) + len(_GAP) * (len(widths) - 1) > width:
        narrowable = [c for c in table.wrap if widths[c] > floors[c]]
        if not narrowable and any(floors[c] > _MIN_WRAPPED for c in table.wrap):
            # a long word ("Rheumatology/Arthritis") may not hold the table past the width:
            # it is split across lines rather than overflow
            floors = [_MIN_WRAPPED if c in table.wrap else floors[c] for c in range(len(floors))]
            continue
        if not narrowable:
            break
        # The last wrapping column (short words, such as guideline marks) gives way first,
        # then the widest: names keep as much room as the other columns leave them.
        spare = [c for c in narrowable if c != min(table.wrap)]
        widest = max(spare or narrowable, key=lambda c: (widths[c], -c))
        widths[widest] -= 1
    return widths


def _words_of(table: Table, column: int) -> list[str]:
    return [word for row in (table.headers, *table.rows) for word in row[column].split()]


def _cell_lines(text: str, width: int, wrap: bool) -> list[str]:
    if not wrap:
        return text.splitlines() or [""]
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        # a word is split only where it is longer than the column (see _fitted_widths)
        lines += textwrap.wrap(
            paragraph, width=width, break_long_words=True, break_on_hyphens=False
        ) or [""]
    return lines


def _print_plain(table: Table, stream: IO[str]) -> None:
    if table.title:
        say(table.title, stream)
    widths = _fitted_widths(table, output_width(stream))
    for row in (table.headers, *table.rows):
        cells = [
            _cell_lines(cell, width, column in table.wrap)
            for column, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        for number in range(max(len(lines) for lines in cells)):
            line = _GAP.join(
                (
                    lines[number].rjust(width)
                    if column in table.right
                    else lines[number].ljust(width)
                )
                if number < len(lines)
                else " " * width
                for column, (lines, width) in enumerate(zip(cells, widths, strict=True))
            )
            print(line.rstrip(), file=stream)
    if table.caption:
        say(table.caption, stream, hanging="")


def print_table(table: Table, stream: IO[str]) -> None:
    """Print ``table`` with rich on a terminal (when installed), else as plain text."""
    console = rich_console(stream)
    if console is not None:
        _print_rich(table, console)
    else:
        _print_plain(table, stream)


def print_json(document: object, stream: IO[str]) -> None:
    print(orjson.dumps(document, option=orjson.OPT_INDENT_2).decode("utf-8"), file=stream)


def lasts(result: Score) -> str | None:
    """How long the scored evidence shows a function benefit lasting, as its horizon's value."""
    horizon = result.lasts
    return None if horizon is None else horizon.value


#: How long a benefit lasts, in the rank table's narrow column (the AHRQ bands).
_LASTS_SHORT: Final = MappingProxyType(
    {
        Horizon.IMMEDIATE: "<1 mo",
        Horizon.SHORT: "1-6 mo",
        Horizon.INTERMEDIATE: "6-12 mo",
        Horizon.LONG: "12+ mo",
    }
)
#: The criterion columns' short headers.
_CRITERION_SHORT: Final = MappingProxyType(
    {
        Criterion.FUNCTION: "func",
        Criterion.DURABILITY: "dur",
        Criterion.ACTIVITY: "act",
        Criterion.PAIN: "pain",
    }
)
RANK_CAPTION: Final = (
    "func, dur, act, pain: the weighted contributions of function, durability, activity "
    "and pain, which add up to the score. lasts: how long a function benefit is shown to "
    "last after the course (<1 mo, 1-6 mo, 6-12 mo, 12+ mo). =N: a rank shared by equal "
    "scores."
)
#: How many findings ``--explain`` lists per line group before "and N more" (``--full``: all).
EXPLAIN_LISTED: Final = 3


def shared_ranks(ranking: Ranking) -> frozenset[int]:
    """The rank numbers two or more of ``ranking``'s options share."""
    counts = Counter(option.rank for option in ranking)
    return frozenset(number for number, count in counts.items() if count > 1)


def rank_label(option: RankedOption, shared: frozenset[int]) -> str:
    """The option's rank as printed: ``=1`` when options share it (``shared``), else ``1``."""
    return f"={option.rank}" if option.rank in shared else str(option.rank)


def _option_name(entry: Entry) -> str:
    return f"{one_line(entry.modality.name)} ({entry.modality.activity.value})"


def rank_table(
    ranking: Ranking, *, ids: bool = False, shared: frozenset[int] | None = None
) -> Table:
    """The ranking's options as a table: names first, then the score and its parts.

    ``shared``: the rank numbers shared in the whole ranking (when ``ranking`` keeps only
    the best few), by default those shared among its options.
    """
    shared = shared_ranks(ranking) if shared is None else shared
    rows = tuple(
        (
            rank_label(option, shared),
            _option_name(option),
            *((option.modality.id,) if ids else ()),
            f"{float(option.score):.3f}",
            *(f"{float(option.score.components[c]):.3f}" for c in Criterion),
            "-" if option.score.lasts is None else _LASTS_SHORT[option.score.lasts],
            guideline_column(option),
        )
        for option in ranking
    )
    first_number = 3 if ids else 2
    return Table(
        headers=(
            "#",
            "option",
            *(("id",) if ids else ()),
            "score",
            *(_CRITERION_SHORT[c] for c in Criterion),
            "lasts",
            "guideline",
        ),
        rows=rows,
        title=f"Ranking for {ranking.pain_type.label}, best scored first",
        right=frozenset({0, *range(first_number, first_number + 1 + len(Criterion))}),
        wrap=frozenset({1, len(rows[0]) - 1} if rows else {1}),
        caption=RANK_CAPTION,
    )


def print_ranking(
    ranking: Ranking,
    stream: IO[str],
    *,
    explain: bool,
    prior: Sequence[tuple[str, str]] = (),
    full: bool = False,
    ids: bool = False,
    shared: frozenset[int] | None = None,
) -> None:
    """Print the ranking as a table, then the explanations if ``explain``.

    Then the guideline warnings, the unranked options, the exclusions, and what the record
    (a FHIR bundle) says was already referred or done (``prior``: modality id and words).
    When nothing is ranked it says so in words. ``full`` lists every finding in the
    explanations; ``ids`` adds an id column; ``shared`` names the rank numbers shared in the
    whole ranking (see :func:`rank_table`).
    """
    shared = shared_ranks(ranking) if shared is None else shared
    table = rank_table(ranking, ids=ids, shared=shared)
    before = (*ranking.before, *ranking.unchecked)
    if before:  # the phase's reason, the assessments, what to check: before the options
        say(table.title, stream)
        for line in before:
            say(line, stream)
        table = attrs.evolve(table, title="")
    if not ranking.options:
        if table.title:
            say(table.title, stream)
        say(ranking.summary, stream)
    else:
        print_table(table, stream)
    if explain:
        for option in ranking:
            print("", file=stream)
            print_explained(option, stream, full=full, label=rank_label(option, shared) + ".")
    print_ranking_notes(ranking, stream, explain=explain, full=full)
    if prior:
        print("\nAlready in the record (FHIR bundle):", file=stream)
        for modality_id, words in prior:
            say(f"- {modality_id}: {words}", stream, hanging="  ")


def _finding_lines(
    findings: Sequence[Finding], stream: IO[str], *, full: bool, indent: str
) -> None:
    """One wrapped line per finding, each naming its source; "and N more" unless ``full``."""
    shown = findings if full else findings[:EXPLAIN_LISTED]
    for finding in shown:
        say(f"- {_words.describe(finding)}", stream, indent=indent)
    hidden = len(findings) - len(shown)
    if hidden:
        say(f"- and {hidden} more (--full lists every finding)", stream, indent=indent)


def print_explained(
    entry: RankedOption | UnrankedOption, stream: IO[str], *, full: bool, label: str = ""
) -> None:
    """An option's score as indented lines: each criterion, then one line per finding.

    The findings shown but not scored follow, grouped by why, then what guidelines say.
    """
    omitted = "".join(f", {omission.explain()}" for omission in entry.without)
    head = f"{label} " if label else ""
    result = entry.score
    if result.has_benefit:
        say(f"{head}{_option_name(entry)}{omitted}: score {float(result):.3f}", stream)
        for part in result.contributions:
            number = f"{part.criterion.value} {float(part.value):.3f}"
            if part.criterion is Criterion.ACTIVITY:
                say(f"{number}: {entry.modality.activity.value}", stream, indent="    ")
            elif not part.findings:
                say(f"{number}: no scored finding shows benefit", stream, indent="    ")
            else:
                say(f"{number}, from:", stream, indent="    ")
                _finding_lines(part.findings, stream, full=full, indent="      ")
    else:
        say(
            f"{head}{_option_name(entry)}{omitted}: not ranked: no scored finding shows "
            f"benefit for {result.pain_type.label}",
            stream,
        )
    why: dict[str, list[Finding]] = {}
    for finding in result.unscored:
        why.setdefault(result.policy.why_unscored(finding) or "not scored", []).append(finding)
    for reason, findings in why.items():
        say(f"not scored, {reason}:", stream, indent="    ")
        _finding_lines(findings, stream, full=full, indent="      ")
    for advice in entry.guidance:
        say(f"guideline: {advice}", stream, indent="    ")


def guideline_column(entry: Entry) -> str:
    """What guidelines say of an option, in their own verbs (``do not offer; consider``).

    Against first, ``-`` for none; the notes under the table give each one whole.
    """
    return "; ".join(_words.verbs(entry.recommendations)) or "-"


def _unranked_line(unranked: UnrankedOption) -> str:
    shown = len(unranked.score.unscored)
    tail = f" ({shown} finding{'s' if shown != 1 else ''} shown, not scored)" if shown else ""
    omitted = "".join(f", {omission.explain()}" for omission in unranked.without)
    return f"{_option_name(unranked)}{omitted}{tail}"


def print_ranking_notes(
    ranking: Ranking, stream: IO[str], *, explain: bool, full: bool = False
) -> None:
    """Print what the table does not show, after it, wrapped to the output's width.

    Programmes ranked without a component, guideline warnings, the unranked options and the
    exclusions.
    """
    reduced = [option for option in ranking if option.without]
    if reduced:
        print("\nRanked without a component the patient may not have:", file=stream)
        for option in reduced:
            omitted = "; ".join(omission.explain() for omission in option.without)
            say(f"- {option.modality.name} ({option.modality.id}): {omitted}", stream)
    warned = [entry for entry in ranking.entries if entry.warnings]
    if warned:
        print("\nGuideline warnings:", file=stream)
        for entry in warned:
            for warning in entry.warnings:
                say(f"- {entry.modality.id}: {warning}", stream)
    if ranking.unranked:
        print("\nNot ranked (no scored finding of benefit):", file=stream)
        for unranked in ranking.unranked:
            if explain:
                print_explained(unranked, stream, full=full, label="-")
            else:
                say(f"- {_unranked_line(unranked)}", stream)
    if ranking.excluded:
        print("\nRuled out:", file=stream)
        for exclusion in ranking.excluded:
            say(f"- {exclusion.explain()}", stream)


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
    if finding.comparator is not Comparator.INACTIVE:
        via += " (compared with active treatments too: not scored by default)"
    note = f"; {finding.note}" if finding.note else ""
    figures = "" if finding.statistic is None else f": {_words.figures(finding.statistic)}"
    return (
        f"    - {finding.outcome.value}, {finding.horizon.value} horizon: "
        f"{_words.effect_size(finding.effect)} effect, {_words.word(finding.certainty)} "
        f"certainty{via}{figures}"
        f"{note}\n      {cite(catalog, finding.source)}"
    )


def print_summary(summary: SummaryOfFindings, catalog: Catalog, stream: IO[str]) -> None:
    """A summary of findings as a table that fits the output's width, then its sources.

    A modality's name is given on the first of its rows only, wrapped to a fifth of the
    width, so that the effect and its figures keep the most room; sources are numbered.
    """
    label = summary.pain_type.label
    if summary.note:
        say(f"{summary.note[0].upper()}{summary.note[1:]}.", stream)
    if not summary.rows:
        say(f"No finding in the evidence dossier for {label}: no evidence.", stream)
        return
    numbers = {
        key: number
        for number, key in enumerate(dict.fromkeys(r.finding.source for r in summary.rows), 1)
    }
    name_width = max(_MIN_WRAPPED + 4, output_width(stream) // 5)
    rows, previous = [], ""
    for row in summary.rows:
        finding = row.finding
        mixed = finding.comparator is not Comparator.INACTIVE
        rows.append(
            (
                ""
                if row.names == previous
                else "\n".join(textwrap.wrap(row.names, name_width, break_long_words=False)),
                f"{finding.outcome.value}\n{finding.horizon.value}",
                row.effect + (" *" if mixed else ""),
                _words.word(finding.certainty),
                f"[{numbers[finding.source]}]",
            )
        )
        previous = row.names
    print_table(
        Table(
            headers=("Modality", "Outcome", "Effect (figures)", "Certainty", "Source"),
            rows=tuple(rows),
            title=f"Summary of findings for {label}",
            wrap=frozenset({2}),
            caption="Outcome: what was measured, then when (horizon: time after the course "
            "ends). Effect: its size, then the source's figures (SMD standardised mean "
            "difference; MD mean difference on the scale named; 95% CI), against "
            f"{_words.COMPARATOR_WORDS[Comparator.INACTIVE]}; * against "
            f"{_words.COMPARATOR_WORDS[Comparator.MIXED]} (not scored by default).",
        ),
        stream,
    )
    print("\nSources:", file=stream)
    for key, number in numbers.items():
        say(f"[{number}] {cite(catalog, key)}", stream, hanging="    ")


def recommendation_line(recommendation: Recommendation, name: str, catalog: Catalog) -> str:
    """A recommendation in the guideline's words, then its note and its source."""
    note = f"; {recommendation.note}" if recommendation.note else ""
    return (
        f"  - {_words.guidance(recommendation, name)}{note}\n"
        f"    {cite(catalog, recommendation.source)}"
    )


# -- care plans, stability and acceptability ---------------------------------------------------


def print_plan(care: CarePlan, stream: IO[str]) -> None:
    """Print a care plan: the summary, the core and adjuncts as tables, labels and notes."""
    print(f"Care plan for {care.pain_type.label}", file=stream)
    say(care.summary, stream)
    for found in care.assessments:
        say(f"Assess first: {_words.guideline(found.source)}: {found.note}.", stream)
    parts = (
        ("Active core (it carries long-term care)", care.core_choices),
        (
            "Adjuncts (may be added for relief)"
            if care.core_choices
            else "Symptom relief only (no active option has scored evidence)",
            care.adjuncts,
        ),
    )
    for title, items in parts:
        if items:
            _print_members(title, items, stream)
    blocks = (
        care.unchecked,
        _titled(_words.CONFLICTS_TITLE, care.disagreements),
        _titled(_words.LEFT_OUT_TITLE, care.left_out),
        tuple(note for note in care.notes if note not in care.summary),
    )
    for block in blocks:
        if block:
            print("", file=stream)
            for line in block:
                say(line, stream)


def _titled(title: str, lines: tuple[str, ...]) -> tuple[str, ...]:
    """``title`` then ``lines`` as a list; nothing when there are no lines."""
    return (title, *(f"- {line}" for line in lines)) if lines else ()


def _print_members(title: str, items: tuple[PlanItem, ...], stream: IO[str]) -> None:
    """A part of a plan as a table, then what the plan says of each member."""
    print("", file=stream)
    print_table(
        Table(
            headers=("#", "id", "score", "function", "pain"),
            rows=tuple(
                (
                    "-" if item.rank is None else str(item.rank),
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
        if item.why:
            notes.append(f"in the plan because: {item.why}")
        if item.guidance_note:
            notes.append(item.guidance_note)
        if notes:
            say(f"- {item.modality.id}: {'; '.join(notes)}", stream)


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
            say(line, stream)


# -- list and the option grid --------------------------------------------------------------


def list_entry(modality: Modality) -> dict[str, Any]:
    """A modality's row of ``list --format json``: what the table shows, and its kind."""
    return {
        "id": modality.id,
        "name": modality.name,
        "kind": modality.kind,
        "activity": modality.activity.value,
        "session_minutes": modality.session_minutes,
        "coverage": modality.coverage.value,
        "precautions": _words.precautions_text(modality),
    }


def grid_summary(grid: OptionGrid) -> dict[str, Any]:
    """The option grid as JSON: the options, then each question with a cited answer each."""
    return {
        "schema_version": SCHEMA_VERSION,
        "document": "option-grid",
        "pain_type": converter().unstructure(grid.pain_type),
        "label": grid.pain_type.label,
        "options": [{"id": m.id, "name": m.name} for m in grid.modalities],
        "rows": [
            {
                "key": row.key,
                "question": row.question,
                "answers": [
                    {"id": modality.id, "text": cell.text, "sources": list(cell.sources)}
                    for modality, cell in zip(grid.modalities, row.cells, strict=True)
                ],
            }
            for row in grid.rows
        ],
    }


def print_grid(grid: OptionGrid, catalog: Catalog, stream: IO[str]) -> None:
    """The option grid as a table (questions down, options across), then its sources."""
    numbers = {key: number for number, key in enumerate(grid.sources, start=1)}
    rows = tuple(
        (
            row.question,
            *(
                cell.text + ("".join(f" [{numbers[key]}]" for key in cell.sources))
                for cell in row.cells
            ),
        )
        for row in grid.rows
    )
    print_table(
        Table(
            headers=("", *(modality.name for modality in grid.modalities)),
            rows=rows,
            title=f"Option grid for {grid.pain_type.label}",
            wrap=frozenset(range(len(grid.modalities) + 1)),
        ),
        stream,
    )
    if numbers:
        print("\nSources:", file=stream)
        for key, number in numbers.items():
            say(f"[{number}] {cite(catalog, key)}", stream, hanging="    ")
