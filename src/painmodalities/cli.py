"""The ``painmodalities`` command line: a thin shell over the library.

Each subcommand parses its arguments, calls the public API, and prints. Library errors
become one line on stderr and an exit code, never a traceback:

- ``0``: success;
- ``1``: the library refused the request (a missing or invalid file, an unknown id, an
  optional extra that is not installed);
- ``2``: the command line itself is wrong (an unknown option, condition or phase, a
  negative duration, malformed weights): ``--help`` shows the right form;
- ``130``: interrupted with Ctrl-C;
- ``141``: the reader of the output went away (``painmodalities list | head -1``), as a
  process killed by ``SIGPIPE`` reports in the shell, with nothing printed on stderr.

Tables use rich (the ``cli`` extra) when it is installed and the output is a terminal,
and plain aligned text otherwise; ``NO_COLOR`` turns colour off. Optional parts (``rich``,
``matplotlib``, FHIR, JSON Schema) are imported only by the subcommands that need them, so
that the command starts fast.

>>> main(["rank", "low_back", "chronic", "--top", "1", "--format", "json"])  # doctest: +ELLIPSIS
{
  "schema_version": "1.0",
...
0
"""

import argparse
import datetime
import importlib
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from types import ModuleType
from typing import IO, Any, NoReturn, TypeVar

import attrs
import orjson

from painmodalities import __version__
from painmodalities._validate import ID_PATTERN
from painmodalities.catalog import Catalog, default_catalog
from painmodalities.errors import PainModalitiesError, ValidationError
from painmodalities.evidence import Finding, PainType, Recommendation
from painmodalities.modalities import FAMILIES, Modality
from painmodalities.ranking import Patient, Ranking, rank
from painmodalities.schema import json_schema
from painmodalities.scoring import ScoringPolicy, Weights
from painmodalities.serialization import (
    DOCUMENT_TYPES,
    SCHEMA_VERSION,
    converter,
    load_catalog,
    to_json,
)
from painmodalities.vocabulary import (
    Activity,
    Certainty,
    Condition,
    Criterion,
    Effect,
    Outcome,
    Phase,
    Precaution,
    RankedEnum,
)

__all__ = ["EXIT_BROKEN_PIPE", "EXIT_ERROR", "EXIT_OK", "EXIT_USAGE", "CliError", "main"]

#: The command's name, as it appears in usage lines and error messages.
PROG = "painmodalities"

#: The request succeeded.
EXIT_OK = 0
#: The library refused the request: a missing or invalid file, an unknown id, a missing extra.
EXIT_ERROR = 1
#: The command line is malformed: see ``--help``.
EXIT_USAGE = 2
#: The reader of the output closed the pipe (the shell's code for a ``SIGPIPE`` death).
EXIT_BROKEN_PIPE = 141
_EXIT_INTERRUPTED = 130

_FHIR_EXTRA = "FHIR support needs the fhir extra: pip install 'painmodalities[fhir]'"


_EPILOG = """\
examples:
  painmodalities rank low_back chronic --explain
  painmodalities rank neck --weeks 20 --precaution blood_clot --top 5
  painmodalities rank low_back chronic --weights function=0.6,pain=0 --format json
  painmodalities rank knee_osteoarthritis chronic --plot ranking.png
  painmodalities list --kind massage
  painmodalities show massage.swedish
  painmodalities sources
  painmodalities export > catalog.json && painmodalities validate catalog.json

exit codes: 0 ok, 1 library error (bad file, unknown id, missing extra),
2 usage error, 141 output pipe closed early.
Evidence summaries for learning and software; not medical advice.
"""


class CliError(PainModalitiesError):
    """A request the command line cannot carry out, such as a missing optional extra."""


class _UsageError(Exception):
    """Raised by the parser instead of exiting, so that :func:`main` returns the code."""

    def __init__(self, message: str, usage: str) -> None:
        super().__init__(message)
        self.usage = usage


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors read ``painmodalities: error: ...`` and never exit."""

    def error(self, message: str) -> NoReturn:
        raise _UsageError(message, self.format_usage())


# -- argument types: each turns a bad value into a usage error naming what is allowed ----


def _choices(values: Iterable[str]) -> str:
    return ", ".join(values)


E = TypeVar("E", bound=RankedEnum)


def _member(enum_type: type[E], noun: str, hint: str = "") -> Callable[[str], E]:
    """An argparse type reading a member of ``enum_type`` by its value, or naming the choices."""

    def parse(text: str) -> E:
        try:
            return enum_type(text)
        except ValueError:
            choices = _choices(member.value for member in enum_type)
            raise argparse.ArgumentTypeError(
                f"unknown {noun} {text!r} (choose from {choices}{hint})"
            ) from None

    return parse


_condition = _member(Condition, "condition")
_phase = _member(Phase, "phase", ", or give --weeks N")
_precaution = _member(Precaution, "precaution")
_certainty = _member(Certainty, "certainty")


def _weeks(text: str) -> Phase:
    try:
        weeks = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of weeks, got {text!r}") from None
    try:
        return Phase.from_weeks(weeks)
    except ValidationError:
        raise argparse.ArgumentTypeError(
            f"expected a finite number of weeks, 0 or more, got {text}"
        ) from None


def _positive_int(text: str) -> int:
    try:
        number = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number, 1 or more, got {number}")
    return number


def _weights(text: str) -> Weights:
    """Read ``function=0.4,pain=0.1``: the criteria not named keep their defaults."""
    names = [criterion.value for criterion in Criterion]
    given: dict[str, float] = {}
    for item in text.split(","):
        name, sep, value = (part.strip() for part in item.partition("="))
        if not sep or not name or not value:
            raise argparse.ArgumentTypeError(
                f"malformed weights {text!r}: expected NAME=NUMBER pairs separated by commas, "
                "such as function=0.4,durability=0.25"
            )
        if name not in names:
            raise argparse.ArgumentTypeError(
                f"unknown weight {name!r} (choose from {_choices(names)})"
            )
        if name in given:
            raise argparse.ArgumentTypeError(f"weight {name!r} is given twice")
        try:
            given[name] = float(value)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"weight {name!r} needs a number, got {value!r}"
            ) from None
    try:
        return Weights(**given)
    except ValidationError as error:
        raise argparse.ArgumentTypeError(f"invalid weights {text!r}: {error}") from None


def _modality_id(text: str) -> str:
    if ID_PATTERN.fullmatch(text) is None:
        raise argparse.ArgumentTypeError(
            f"expected a modality id such as massage.swedish, got {text!r}"
        )
    return text


def _plot_path(text: str) -> Path:
    path = Path(text)
    if path.suffix.lower() not in (".png", ".svg"):
        raise argparse.ArgumentTypeError(f"--plot writes a .png or .svg file, got {text!r}")
    return path


def _date(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a date such as 2026-01-31, got {text!r}"
        ) from None


# -- the parser ----------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``painmodalities`` command, with every subcommand."""
    parser = _Parser(
        prog=PROG,
        description="Rank and explore non-drug pain-care modalities by their cited evidence.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.required = True

    with_catalog = _Parser(add_help=False)
    with_catalog.add_argument(
        "--catalog",
        metavar="FILE",
        type=Path,
        help="use the catalog in this JSON file instead of the built-in one",
    )
    with_catalog.add_argument(
        "--extend",
        metavar="FILE",
        type=Path,
        help="add the modalities and sources in this JSON file to the catalog "
        "(they may cite its sources and use its modalities as components)",
    )

    ranking = commands.add_parser(
        "rank",
        parents=[with_catalog],
        help="rank the modalities for one pain type, best for long-term function first",
        description="Rank the modalities for CONDITION in PHASE (or --weeks N of pain), "
        "best for long-term function first.",
        epilog="examples:\n  painmodalities rank low_back chronic --explain\n"
        "  painmodalities rank neck --weeks 20 --covered exercise.therapeutic "
        "--covered acupuncture\n",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ranking.add_argument(
        "condition",
        metavar="CONDITION",
        nargs="?",
        type=_condition,
        help=f"one of {_choices(c.value for c in Condition)}",
    )
    ranking.add_argument(
        "phase",
        metavar="PHASE",
        nargs="?",
        type=_phase,
        help=f"one of {_choices(p.value for p in Phase)} (or give --weeks)",
    )
    ranking.add_argument(
        "--weeks", type=_weeks, metavar="N", help="how long the pain has lasted, in weeks"
    )
    ranking.add_argument(
        "--precaution",
        action="append",
        type=_precaution,
        default=[],
        metavar="NAME",
        help="a patient circumstance that rules options out (repeatable): "
        + _choices(p.value for p in Precaution),
    )
    ranking.add_argument(
        "--covered",
        action="append",
        type=_modality_id,
        metavar="ID",
        help="a modality id the patient's insurance pays for (repeatable); "
        "when given, every other modality is ruled out",
    )
    ranking.add_argument(
        "--max-minutes",
        type=_positive_int,
        metavar="N",
        help="the longest session the patient can attend",
    )
    ranking.add_argument(
        "--exclude",
        action="append",
        type=_modality_id,
        default=[],
        metavar="ID",
        help="rule out an id (repeatable)",
    )
    ranking.add_argument(
        "--min-certainty",
        type=_certainty,
        metavar="LEVEL",
        help="the lowest certainty a finding needs to be scored (default low): "
        + _choices(c.value for c in Certainty),
    )
    ranking.add_argument(
        "--weights",
        type=_weights,
        metavar="NAME=W,...",
        help="criterion weights, such as function=0.4,durability=0.25,activity=0.25,pain=0.1 "
        "(unnamed criteria keep these defaults)",
    )
    ranking.add_argument("--top", type=_positive_int, metavar="N", help="show only the N best")
    ranking.add_argument(
        "--explain", action="store_true", help="explain each score with its findings"
    )
    ranking.add_argument(
        "--format",
        choices=("table", "json", "document", "fhir"),
        default="table",
        help="output format: json is a summary for people and scripts; document is the "
        "full ranking document that from_json(text, Ranking) reads back",
    )
    ranking.add_argument(
        "--plot",
        type=_plot_path,
        metavar="FILE",
        help="also draw the scores as stacked bars into FILE.png or FILE.svg (plot extra)",
    )
    ranking.add_argument(
        "--fhir",
        type=Path,
        metavar="BUNDLE",
        help="rank for each pain condition in this FHIR Bundle (fhir extra); "
        "CONDITION and PHASE are then optional",
    )
    ranking.add_argument(
        "--as-of",
        type=_date,
        metavar="DATE",
        help="the date a FHIR Bundle is read at, YYYY-MM-DD (default today)",
    )
    ranking.add_argument(
        "--fhir-version", choices=("R4B", "R5"), default="R4B", help="FHIR version written"
    )
    ranking.set_defaults(handler=_rank, usage=ranking.format_usage())

    listing = commands.add_parser(
        "list", parents=[with_catalog], help="list the modalities in the catalog"
    )
    listing.add_argument(
        "--kind",
        choices=[family.kind for family in FAMILIES],
        help="only this family",
    )
    listing.add_argument(
        "--activity", choices=[a.value for a in Activity], help="only active or passive"
    )
    listing.set_defaults(handler=_list)

    showing = commands.add_parser(
        "show",
        parents=[with_catalog],
        help="show one modality: attributes, findings, recommendations, expected benefit",
    )
    showing.add_argument("id", metavar="ID", help="a modality id, such as massage.swedish")
    showing.set_defaults(handler=_show)

    sourcing = commands.add_parser(
        "sources", parents=[with_catalog], help="list the sources the catalog cites"
    )
    sourcing.set_defaults(handler=_sources)

    schema = commands.add_parser("schema", help="print the JSON Schema of a document type")
    schema.add_argument(
        "type",
        metavar="TYPE",
        type=lambda text: text.replace("-", "_"),
        choices=list(DOCUMENT_TYPES),
        help=_choices(DOCUMENT_TYPES),
    )
    schema.set_defaults(handler=_schema)

    validating = commands.add_parser(
        "validate", help="check a catalog JSON file and print every problem"
    )
    validating.add_argument("file", metavar="FILE", type=Path, help="the catalog JSON file")
    validating.add_argument(
        "--extend",
        action="store_true",
        help="check FILE as a partial catalog that extends the built-in one",
    )
    validating.set_defaults(handler=_validate)

    exporting = commands.add_parser(
        "export", parents=[with_catalog], help="print the catalog as JSON or as a FHIR Bundle"
    )
    exporting.add_argument("--format", choices=("json", "fhir"), default="json")
    exporting.add_argument("--fhir-version", choices=("R4B", "R5"), default="R4B")
    exporting.set_defaults(handler=_export)
    return parser


# -- output --------------------------------------------------------------------------------


@attrs.frozen
class _Table:
    """Rows to print under headers, as a rich table or as aligned plain text."""

    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    title: str = ""
    right: frozenset[int] = frozenset()
    """The columns aligned right (numbers)."""


def _no_color() -> bool:
    return bool(os.environ.get("NO_COLOR"))


def _rich_console(stream: IO[str]) -> Any:
    """A rich console for ``stream`` if rich is installed and ``stream`` is a terminal."""
    if not stream.isatty():
        return None
    try:
        from rich.console import Console  # noqa: PLC0415 (only when printing a table)
    except ImportError:
        return None
    return Console(file=stream, no_color=_no_color(), highlight=False)


def _print_table(table: _Table, stream: IO[str]) -> None:
    console = _rich_console(stream)
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


def _print_json(document: object, stream: IO[str]) -> None:
    print(orjson.dumps(document, option=orjson.OPT_INDENT_2).decode("utf-8"), file=stream)


# -- shared steps --------------------------------------------------------------------------


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise CliError(f"{path}: not UTF-8 text") from None


def _load_catalog(args: argparse.Namespace) -> Catalog:
    """The catalog to work on: built-in or ``--catalog FILE``, then ``--extend FILE``."""
    catalog = default_catalog()
    for path, extend in ((args.catalog, False), (args.extend, True)):
        if path is None:
            continue
        try:
            catalog = load_catalog(_read_text(path).encode(), base=catalog if extend else None)
        except ValidationError as error:
            raise CliError(f"{path}: not a valid catalog: {error}") from None
    return catalog


def _optional_module(name: str, missing: str) -> ModuleType:
    try:
        return importlib.import_module(name)
    except ImportError:
        raise CliError(missing) from None


def _label(value: str) -> str:
    return value.replace("_", " ")


# -- rank ----------------------------------------------------------------------------------


def _pain_types(
    args: argparse.Namespace, stderr: IO[str]
) -> tuple[list[PainType], list[str], str | None]:
    """The pain types to rank for, the ids a FHIR bundle says were tried, and its patient."""
    phase: Phase | None = args.phase
    if args.phase is not None and args.weeks is not None:
        raise _UsageError("give PHASE or --weeks, not both", args.usage)
    phase = args.weeks if phase is None else phase
    if args.condition is None and phase is not None:
        raise _UsageError("--weeks needs CONDITION", args.usage)
    if args.fhir is None:
        if args.condition is None:
            raise _UsageError("rank needs CONDITION and PHASE (or --weeks N)", args.usage)
        if phase is None:
            raise _UsageError(f"rank {args.condition.value} needs PHASE or --weeks N", args.usage)
        return [PainType(args.condition, phase)], [], None
    if args.condition is not None and phase is None:
        raise _UsageError(f"rank {args.condition.value} needs PHASE or --weeks N", args.usage)
    fhir = _optional_module("painmodalities.fhir", _FHIR_EXTRA)
    as_of = args.as_of or datetime.datetime.now(tz=datetime.timezone.utc).date()
    found = fhir.read_bundle(args.fhir, as_of=as_of)
    for problem in found.problems:
        print(f"{PROG}: warning: {args.fhir}: {problem}", file=stderr)
    pain_types = list(found.pain_types)
    if args.condition is not None and phase is not None:
        pain_types = [PainType(args.condition, phase)]
    if not pain_types:
        raise CliError(f"{args.fhir}: the bundle names no pain condition the catalog knows")
    return pain_types, [str(modality_id) for modality_id in found.tried], found.subject


def _patient(args: argparse.Namespace) -> Patient:
    return Patient(
        precautions=frozenset(args.precaution),
        covered=None if args.covered is None else frozenset(args.covered),
        max_session_minutes=args.max_minutes,
        exclude=frozenset(args.exclude),
    )


def _ranking_document(ranking: Ranking) -> dict[str, Any]:
    """The ranking as a JSON-ready summary: stable keys, floats for scores.

    Its ``document`` key tells it from the full ranking document (``--format document``).
    """
    unstructure = converter().unstructure
    return {
        "schema_version": SCHEMA_VERSION,
        "document": "ranking-summary",
        "pain_type": unstructure(ranking.pain_type),
        "label": ranking.pain_type.label,
        "weights": unstructure(ranking.weights),
        "policy": unstructure(ranking.policy),
        "patient": unstructure(ranking.patient),
        "options": [
            {
                "rank": option.rank,
                "id": option.modality.id,
                "name": option.modality.name,
                "kind": option.modality.kind,
                "activity": option.modality.activity.value,
                "score": float(option.score),
                "has_benefit": option.score.has_benefit,
                "components": {
                    criterion.value: float(value)
                    for criterion, value in option.score.components.items()
                },
                "expected_benefit": _benefit(option.modality, ranking),
                "explanation": option.score.explain(),
            }
            for option in ranking
        ],
        "excluded": [
            {
                "id": exclusion.modality.id,
                "name": exclusion.modality.name,
                "reasons": [
                    {"code": reason.code.value, "detail": reason.detail}
                    for reason in exclusion.reasons
                ],
            }
            for exclusion in ranking.excluded
        ],
    }


def _benefit(modality: Modality, ranking: Ranking) -> str | None:
    horizon = modality.expected_benefit(
        ranking.pain_type, min_certainty=ranking.policy.min_certainty
    )
    return None if horizon is None else horizon.value


def _print_ranking(
    ranking: Ranking, args: argparse.Namespace, tried: Sequence[str], stream: IO[str]
) -> None:
    rows = tuple(
        (
            str(option.rank),
            option.modality.id,
            f"{float(option.score):.3f}",
            *(f"{float(option.score.components[c]):.3f}" for c in Criterion),
            option.modality.activity.value,
            _benefit(option.modality, ranking) or "-",
        )
        for option in ranking
    )
    _print_table(
        _Table(
            headers=("#", "id", "score", *(c.value for c in Criterion), "active?", "lasts"),
            rows=rows,
            title=f"Ranking for {ranking.pain_type.label}, best for long-term function first",
            right=frozenset({0, *range(2, 3 + len(Criterion))}),
        ),
        stream,
    )
    if args.explain:
        print("", file=stream)
        for option in ranking:
            print(option.explain(), file=stream)
    if ranking.excluded:
        print("\nRuled out by the patient's constraints:", file=stream)
        for exclusion in ranking.excluded:
            print(f"- {exclusion.explain()}", file=stream)
    if tried:
        print(f"\nAlready tried, from the FHIR bundle: {', '.join(tried)}", file=stream)


def _rank(args: argparse.Namespace, stdout: IO[str], stderr: IO[str]) -> int:
    pain_types, tried, subject = _pain_types(args, stderr)
    catalog = _load_catalog(args)
    policy = (
        ScoringPolicy()
        if args.min_certainty is None
        else ScoringPolicy(min_certainty=args.min_certainty)
    )
    rankings = [
        rank(
            pain_type, catalog=catalog, patient=_patient(args), weights=args.weights, policy=policy
        )
        for pain_type in pain_types
    ]
    if args.top:  # --top applies to every output: table, JSON, FHIR and the plot
        rankings = [attrs.evolve(r, options=r.top(args.top)) for r in rankings]
    if args.plot is not None:
        from painmodalities.plot import plot_ranking  # noqa: PLC0415 (matplotlib on demand)

        for ranking in rankings:
            path = args.plot
            if len(rankings) > 1:
                pain_type = ranking.pain_type
                stem = f"{path.stem}-{pain_type.condition.value}-{pain_type.phase.value}"
                path = path.with_name(stem + path.suffix)
            plot_ranking(ranking, path)
            print(f"{PROG}: wrote {path}", file=stderr)
    if args.format == "fhir":
        fhir = _optional_module("painmodalities.fhir", _FHIR_EXTRA)
        bundles = [
            fhir.export_ranking(r, version=args.fhir_version, subject=subject) for r in rankings
        ]
        _print_json(bundles[0] if len(bundles) == 1 else bundles, stdout)
    elif args.format == "document":
        full = [orjson.loads(to_json(r)) for r in rankings]
        _print_json(full[0] if len(full) == 1 else full, stdout)
    elif args.format == "json":
        documents = [_ranking_document(r) for r in rankings]
        if args.fhir is None:
            _print_json(documents[0], stdout)
        else:
            _print_json(
                {"schema_version": SCHEMA_VERSION, "rankings": documents, "tried": tried}, stdout
            )
    else:
        for number, ranking in enumerate(rankings):
            if number:
                print("", file=stdout)
            _print_ranking(ranking, args, tried, stdout)
    return EXIT_OK


# -- list, show, sources -------------------------------------------------------------------


def _list(args: argparse.Namespace, stdout: IO[str], _stderr: IO[str]) -> int:
    catalog = _load_catalog(args)
    activity = None if args.activity is None else Activity(args.activity)
    chosen = catalog.select(kind=args.kind, activity=activity)
    _print_table(
        _Table(
            headers=("id", "kind", "activity", "minutes", "coverage", "name"),
            rows=tuple(
                (
                    m.id,
                    m.kind,
                    m.activity.value,
                    "-" if m.session_minutes is None else str(m.session_minutes),
                    m.coverage.value,
                    m.name,
                )
                for m in chosen
            ),
            right=frozenset({3}),
        ),
        stdout,
    )
    return EXIT_OK


def _family_fields(modality: Modality) -> list[tuple[str, str]]:
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
            text = _label(getattr(value, "value", str(value)))
        shown.append((_label(field.name), text))
    return shown


def _cite(catalog: Catalog, key: str) -> str:
    source = catalog.source(key)
    year = f", {source.year}" if source.year else ""
    return f"[{key}] {source.title}{year}"


def _effect(finding: Finding) -> str:
    return "no" if finding.effect is Effect.NONE else finding.effect.value


def _finding_line(finding: Finding, catalog: Catalog) -> str:
    via = f" (via {finding.component})" if finding.component else ""
    note = f"; {finding.note}" if finding.note else ""
    return (
        f"    - {finding.outcome.value}, {finding.horizon.value} horizon: "
        f"{_effect(finding)} effect, {_label(finding.certainty.value)} certainty{via}"
        f"{note}\n      {_cite(catalog, finding.source)}"
    )


def _recommendation_line(recommendation: Recommendation, catalog: Catalog) -> str:
    phase, condition = recommendation.phase, recommendation.condition
    scope = (
        f"{'any phase' if phase is None else phase.value} "
        f"{'any condition' if condition is None else _label(condition.value)}"
    )
    certainty = (
        ""
        if recommendation.certainty is None
        else f", {_label(recommendation.certainty.value)} certainty"
    )
    note = f": {recommendation.note}" if recommendation.note else ""
    return (
        f"  - {_label(recommendation.direction.value)} ({recommendation.strength.value}"
        f"{certainty}), {scope}{note}\n    {_cite(catalog, recommendation.source)}"
    )


def _show(args: argparse.Namespace, stdout: IO[str], _stderr: IO[str]) -> int:
    catalog = _load_catalog(args)
    modality = catalog[args.id]
    out: list[str] = [f"{modality.name} ({modality.id})"]
    precautions = ", ".join(_label(p.value) for p in sorted(modality.precautions)) or "none listed"
    attributes = [
        ("kind", modality.kind),
        ("activity", modality.activity.value),
        (
            "session",
            "length not given"
            if modality.session_minutes is None
            else f"{modality.session_minutes} minutes",
        ),
        ("coverage", f"{modality.coverage.value} (a hint, never a promise)"),
        ("precautions", precautions),
        *_family_fields(modality),
    ]
    out += [f"  {name}: {value}" for name, value in attributes]
    if modality.summary:
        out.append(f"  summary: {modality.summary}")
    pain_types = sorted({finding.pain_type for finding in modality.findings})
    out.append("\nExpected benefit (longest horizon shown at low certainty or above):")
    if not pain_types:
        out.append("  no findings")
    for pain_type in pain_types:
        lasts = {outcome: modality.expected_benefit(pain_type, outcome) for outcome in Outcome}
        parts = ", ".join(
            f"{outcome.value} {'not shown' if horizon is None else horizon.value}"
            for outcome, horizon in sorted(lasts.items(), key=lambda item: -item[0].rank)
        )
        out.append(f"  {pain_type.label}: {parts}")
    out.append("\nFindings (each against an inactive control):")
    for pain_type in pain_types:
        out.append(f"  {pain_type.label}:")
        out += [_finding_line(f, catalog) for f in modality.findings_for(pain_type)]
    if not pain_types:
        out.append("  none")
    out.append("\nGuideline recommendations (shown, not scored):")
    out += [_recommendation_line(r, catalog) for r in modality.recommendations] or ["  none"]
    print("\n".join(out), file=stdout)
    return EXIT_OK


def _sources(args: argparse.Namespace, stdout: IO[str], _stderr: IO[str]) -> int:
    catalog = _load_catalog(args)
    cited: dict[str, set[str]] = {source.key: set() for source in catalog.sources}
    for modality in catalog:
        keys = [f.source for f in modality.findings] + [r.source for r in modality.recommendations]
        for key in keys:
            cited[key].add(modality.id)
    _print_table(
        _Table(
            headers=("key", "year", "kind", "cited by", "title"),
            rows=tuple(
                (
                    source.key,
                    "-" if source.year is None else str(source.year),
                    source.kind or "-",
                    str(len(cited[source.key])),
                    source.title,
                )
                for source in catalog.sources
            ),
            right=frozenset({1, 3}),
        ),
        stdout,
    )
    return EXIT_OK


# -- schema, validate, export ----------------------------------------------------------------


def _schema(args: argparse.Namespace, stdout: IO[str], _stderr: IO[str]) -> int:
    _print_json(json_schema(args.type), stdout)
    return EXIT_OK


def _validate(args: argparse.Namespace, stdout: IO[str], stderr: IO[str]) -> int:
    text = _read_text(args.file)
    try:
        catalog = load_catalog(text.encode(), base=default_catalog() if args.extend else None)
    except ValidationError as error:
        for problem in error.problems:
            print(f"{args.file}: {problem}", file=stdout)
        count = len(error.problems)
        print(
            f"{PROG}: error: {args.file} is not a valid catalog: "
            f"{count} problem{'s' if count != 1 else ''}",
            file=stderr,
        )
        return EXIT_ERROR
    print(
        f"{args.file}: valid catalog: {len(catalog)} modalities, {len(catalog.sources)} sources",
        file=stdout,
    )
    return EXIT_OK


def _export(args: argparse.Namespace, stdout: IO[str], _stderr: IO[str]) -> int:
    catalog = _load_catalog(args)
    if args.format == "fhir":
        fhir = _optional_module("painmodalities.fhir", _FHIR_EXTRA)
        _print_json(fhir.export_catalog(catalog, version=args.fhir_version), stdout)
    else:
        print(to_json(catalog, indent=True), file=stdout)
    return EXIT_OK


# -- entry point -----------------------------------------------------------------------------

_Handler = Callable[[argparse.Namespace, IO[str], IO[str]], int]


def _error(message: str, stderr: IO[str]) -> None:
    print(f"{PROG}: error: {message}", file=stderr)


def _silence_stdout() -> None:
    """Point stdout at devnull so that the interpreter's final flush cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        return  # not a real file (a test's capture): nothing left to flush


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``painmodalities`` command with ``argv`` (default: ``sys.argv[1:]``).

    Args:
        argv: the arguments, without the program name.

    Returns:
        The exit code, as listed in the module docstring (0 means success).
    """
    stdout, stderr = sys.stdout, sys.stderr
    parser = build_parser()
    try:
        try:
            args = parser.parse_args(argv)
        except SystemExit as done:  # only --help and --version exit: they print, then stop
            return done.code if isinstance(done.code, int) else EXIT_OK
        handler: _Handler = args.handler
        code = handler(args, stdout, stderr)
        stdout.flush()
    except _UsageError as error:
        stderr.write(error.usage)
        _error(str(error), stderr)
        code = EXIT_USAGE
    except BrokenPipeError:
        _silence_stdout()
        code = EXIT_BROKEN_PIPE
    except KeyboardInterrupt:
        code = _EXIT_INTERRUPTED
    except OSError as error:
        where = f"{error.filename}: " if error.filename else ""
        _error(f"{where}{error.strerror or error}", stderr)
        code = EXIT_ERROR
    except PainModalitiesError as error:
        _error(str(error), stderr)
        code = EXIT_ERROR
    return code
