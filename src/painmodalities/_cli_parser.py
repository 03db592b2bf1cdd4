"""The grammar of the ``painmodalities`` command: its subcommands and their options.

Each option reads its value with an argument type (:mod:`painmodalities._cli_types`) that
names what is allowed, and the parser raises :class:`UsageError` instead of exiting, so
that :func:`painmodalities.cli.main` prints it and returns the exit code.
"""

import argparse
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import IO, Any, NoReturn

from painmodalities import __version__
from painmodalities import _cli_types as arg
from painmodalities import _rules as check
from painmodalities.evidence import PainType
from painmodalities.modalities import FAMILIES
from painmodalities.serialization import DOCUMENT_TYPES
from painmodalities.vocabulary import (
    Activity,
    Certainty,
    Condition,
    Phase,
    Precaution,
)

__all__ = ["EPILOG", "PROG", "Handler", "Parser", "UsageError", "build_parser"]

#: The command's name, as it appears in usage lines and error messages.
PROG = "painmodalities"

#: What runs a subcommand: its parsed arguments, stdout and stderr in; the exit code out.
Handler = Callable[[argparse.Namespace, IO[str], IO[str]], int]

EPILOG = """\
examples:
  painmodalities compare low_back chronic exercise.therapeutic massage.swedish
  painmodalities plot timeline low_back chronic -o timeline.png
  painmodalities rank low_back chronic --explain
  painmodalities rank neck --weeks 20 --precaution blood_clot --top 5
  painmodalities rank low_back chronic --weights function=0.6,pain=0 --format json
  painmodalities rank knee_osteoarthritis chronic --plot ranking.png
  painmodalities rank low_back chronic --stability --acceptability
  painmodalities plan neck chronic --precaution blood_clot
  painmodalities list --kind massage
  painmodalities show massage.swedish
  painmodalities sources
  painmodalities export > catalog.json && painmodalities validate catalog.json

exit codes: 0 ok, 1 library error (bad file, unknown id, missing extra),
2 usage error, 141 output pipe closed early.
Evidence summaries for learning and software; not medical advice.
"""


class UsageError(Exception):
    """Raised by the parser instead of exiting, so that :func:`main` returns the code."""

    def __init__(self, message: str, usage: str) -> None:
        super().__init__(message)
        self.usage = usage


class Parser(argparse.ArgumentParser):
    """An argument parser whose errors read ``painmodalities: error: ...`` and never exit."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(message, self.format_usage())


def add_pain_type_arguments(parser: argparse.ArgumentParser, *, or_weeks: bool = False) -> None:
    """The pain type as CONDITION and PHASE, each read by its argument type.

    With ``or_weeks`` both may be left out (``--weeks`` gives the phase, a FHIR Bundle both),
    and an unknown phase's error says so; without, it does not mention ``--weeks``.
    """
    phase = arg.phase if or_weeks else arg.phase_only
    optional: dict[str, Any] = {"nargs": "?"} if or_weeks else {}
    parser.add_argument(
        "condition",
        metavar="CONDITION",
        type=arg.condition,
        help=f"one of {check.choices(Condition, quoted=False)}",
        **optional,
    )
    parser.add_argument(
        "phase",
        metavar="PHASE",
        type=phase,
        help=f"one of {check.choices(Phase, quoted=False)}"
        + (" (or give --weeks)" if or_weeks else ""),
        **optional,
    )


def add_patient_arguments(parser: argparse.ArgumentParser) -> None:
    """The patient's constraints: ``--precaution``, ``--precautions-checked``, ``--covered``...

    ... and ``--exclude``, for every command that reads for one patient.
    """
    parser.add_argument(
        "--precaution",
        action="append",
        type=arg.precaution,
        default=[],
        metavar="NAME",
        help="a patient circumstance that rules options out (repeatable): "
        + check.choices(Precaution, quoted=False),
    )
    parser.add_argument(
        "--precautions-checked",
        action="store_true",
        help="the patient was checked for every precaution: those given with --precaution "
        "are all that apply (none given: none apply). Without it and without --precaution, "
        "the output says that precautions were not checked and lists what to check",
    )
    parser.add_argument(
        "--covered",
        action="append",
        type=arg.modality_id,
        metavar="ID",
        help="a modality id the patient's insurance pays for (repeatable); "
        "when given, every other modality is ruled out",
    )
    parser.add_argument(
        "--max-minutes",
        type=arg.positive_int,
        metavar="N",
        help="the longest session the patient can attend",
    )
    parser.add_argument(
        "--exclude",
        action="append",
        type=arg.modality_id,
        default=[],
        metavar="ID",
        help="rule out an id (repeatable)",
    )


# -- the parser ----------------------------------------------------------------------------


def add_scoring_arguments(parser: argparse.ArgumentParser) -> None:
    """How findings are scored and weighed: ``--min-certainty`` and ``--weights``."""
    parser.add_argument(
        "--min-certainty",
        type=arg.certainty,
        metavar="LEVEL",
        help="the lowest certainty a finding needs to be scored (default low): "
        + check.choices(Certainty, quoted=False),
    )
    parser.add_argument(
        "--weights",
        type=arg.weights,
        metavar="NAME=W,...",
        help="criterion weights, such as function=0.4,durability=0.25,activity=0.25,pain=0.1 "
        "(unnamed criteria keep these defaults)",
    )


def _add_serve(
    commands: "argparse._SubParsersAction[Parser]", with_catalog: Parser, handler: Handler
) -> None:
    """The ``serve`` subcommand: the CDS Hooks service."""
    serving = commands.add_parser(
        "serve",
        parents=[with_catalog],
        help="run the CDS Hooks service (the service extra)",
        description="Serve the CDS Hooks 2.0 services over HTTP until interrupted.",
    )
    serving.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serving.add_argument("--port", type=arg.port, default=8080, help="port to listen on")
    serving.add_argument(
        "--public-url",
        metavar="URL",
        help="the base URL clients call, for the tokens' aud (default: as each request says)",
    )
    serving.add_argument(
        "--docs-url",
        metavar="URL",
        help="where the cards' links find the published docs (default: a placeholder on the "
        "reserved example.org domain)",
    )
    serving.add_argument(
        "--max-token-lifetime",
        type=arg.positive_int,
        default=3600,
        metavar="SECONDS",
        help="refuse tokens whose exp is more than SECONDS ahead (default: 3600)",
    )
    serving.add_argument(
        "--cors-origin",
        action="append",
        metavar="ORIGIN",
        help="a browser origin allowed to call, such as https://sandbox.cds-hooks.org "
        "(repeatable; default: any origin)",
    )
    serving.add_argument(
        "--fhir-server",
        action="append",
        metavar="URL",
        help="with --allow-unauthenticated: a FHIR server base URL the service may read when "
        "a prefetch lacks data (repeatable; https unless on loopback)",
    )
    serving.add_argument(
        "--feedback-db",
        type=Path,
        metavar="PATH",
        help="the SQLite database feedback is kept in (default: "
        "$XDG_STATE_HOME/painmodalities/feedback.sqlite3)",
    )
    who = serving.add_mutually_exclusive_group(required=True)
    who.add_argument(
        "--trusted-clients",
        metavar="FILE",
        type=Path,
        help='JSON file {"clients": [{"iss": ..., "jwks": {...}}]} of the CDS clients trusted',
    )
    who.add_argument(
        "--allow-unauthenticated",
        action="store_true",
        help="accept calls without a signed token (sandboxes only)",
    )
    serving.set_defaults(handler=handler)


def _add_feedback(commands: "argparse._SubParsersAction[Parser]", handler: Handler) -> None:
    """The ``feedback`` subcommand: the service's feedback, summed per card kind."""
    reporting = commands.add_parser(
        "feedback",
        help="how often the service's cards were accepted or overridden, and why",
        description="Sum the CDS Hooks feedback kept by painmodalities serve, per service and "
        "card kind (the service extra).",
    )
    reporting.add_argument(
        "--db",
        type=Path,
        metavar="PATH",
        help="the feedback database (default: $XDG_STATE_HOME/painmodalities/feedback.sqlite3)",
    )
    reporting.set_defaults(handler=handler)


def _add_plan(
    commands: "argparse._SubParsersAction[Parser]", with_catalog: Parser, handler: Handler
) -> None:
    """The ``plan`` subcommand: an active core with passive adjuncts."""
    planning = commands.add_parser(
        "plan",
        parents=[with_catalog],
        help="a care plan: an active core, with passive adjuncts for relief",
        description="A care plan for CONDITION in PHASE: the best-ranked active option (with "
        "its equal choices) as the core, and passive options with scored evidence as "
        "adjuncts, each labelled with how long its benefit is shown to last.",
        epilog="examples:\n  painmodalities plan low_back chronic\n"
        "  painmodalities plan neck chronic --precaution blood_clot --format fhir\n",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_pain_type_arguments(planning)
    add_patient_arguments(planning)
    add_scoring_arguments(planning)
    planning.add_argument(
        "--format",
        choices=("table", "json", "fhir"),
        default="table",
        help="output format: json is the care plan document that from_json(text, CarePlan) "
        "reads back",
    )
    planning.add_argument(
        "--fhir-version", choices=("R4B", "R5"), default="R4B", help="FHIR version written"
    )
    planning.set_defaults(handler=handler, usage=planning.format_usage())


def _add_rank(
    commands: "argparse._SubParsersAction[Parser]", with_catalog: Parser, handler: Handler
) -> None:
    """The ``rank`` subcommand."""
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
    add_pain_type_arguments(ranking, or_weeks=True)
    ranking.add_argument(
        "--weeks", type=arg.weeks, metavar="N", help="how long the pain has lasted, in weeks"
    )
    add_patient_arguments(ranking)
    add_scoring_arguments(ranking)
    ranking.add_argument(
        "--top",
        type=arg.positive_int,
        metavar="N",
        help="show only the N best, and every option tied with the N-th",
    )
    ranking.add_argument(
        "--explain", action="store_true", help="explain each score with its findings"
    )
    add_reading_arguments(ranking)
    ranking.add_argument(
        "--format",
        choices=("table", "json", "fhir"),
        default="table",
        help="output format: json is the ranking document that from_json(text, Ranking) "
        "reads back; fhir is a FHIR Bundle",
    )
    ranking.add_argument(
        "--plot",
        type=arg.plot_path,
        metavar="FILE",
        help="also draw the scores as stacked bars into FILE.png or FILE.svg (plot extra)",
    )
    ranking.add_argument(
        "--fhir",
        type=Path,
        metavar="BUNDLE",
        help="rank for each pain condition of the patient in this FHIR Bundle (fhir extra), "
        "instead of CONDITION and PHASE; example:brenda_jackson or example:lois_lane reads "
        "a synthetic test patient shipped with the package",
    )
    ranking.add_argument(
        "--patient",
        metavar="ID",
        help="with --fhir: the patient to read, as Patient/ID or ID "
        "(needed when the bundle holds several)",
    )
    ranking.add_argument(
        "--as-of",
        type=arg.date,
        metavar="DATE",
        help="the date a FHIR Bundle is read at, YYYY-MM-DD (default today)",
    )
    ranking.add_argument(
        "--fhir-version", choices=("R4B", "R5"), default="R4B", help="FHIR version written"
    )
    ranking.add_argument(
        "--stability",
        action="store_true",
        help="also say how far each weight may move before first place changes",
    )
    ranking.add_argument(
        "--acceptability",
        action="store_true",
        help="also say how often each option ranks first across 10,000 weightings drawn "
        "uniformly (seeded: the same on every machine)",
    )
    ranking.set_defaults(handler=handler, usage=ranking.format_usage())


def _add_evidence(
    commands: "argparse._SubParsersAction[Parser]", with_catalog: Parser, handler: Handler
) -> None:
    """The ``evidence`` subcommand: a summary of findings for one pain type."""
    summary = commands.add_parser(
        "evidence",
        parents=[with_catalog],
        help="a summary of findings for one pain type: each effect with its figures",
        description="Print a GRADE-style summary of findings for CONDITION in PHASE: each "
        "finding's modality, outcome, horizon, effect with its figures (estimate, 95%% "
        "interval, studies and participants where the text read gave them), certainty "
        "and source.",
    )
    add_pain_type_arguments(summary)
    add_format_argument(summary)
    summary.set_defaults(handler=handler, usage=summary.format_usage())


def build_parser(handlers: Mapping[str, Handler]) -> argparse.ArgumentParser:
    """The argument parser of the ``painmodalities`` command, with every subcommand.

    Each subcommand's parsed arguments carry its function from ``handlers`` as ``handler``.
    """
    parser = Parser(
        prog=PROG,
        description="Rank and explore non-drug pain-care modalities by their cited evidence.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    commands.required = True

    with_catalog = Parser(add_help=False)
    with_catalog.add_argument(
        "--catalog",
        metavar="FILE",
        type=Path,
        help="use the catalog in this JSON file (- for standard input) instead of the "
        "built-in one",
    )
    with_catalog.add_argument(
        "--extend",
        metavar="FILE",
        type=Path,
        help="add the modalities and sources in this JSON file (- for standard input) to the "
        "catalog (they may cite its sources and use its modalities as components)",
    )

    _add_rank(commands, with_catalog, handlers["rank"])

    _add_plan(commands, with_catalog, handlers["plan"])

    _add_population(commands, handlers["population"])

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
    listing.set_defaults(handler=handlers["list"])

    showing = commands.add_parser(
        "show",
        parents=[with_catalog],
        help="show one modality: attributes, findings, recommendations, expected benefit",
    )
    showing.add_argument("id", metavar="ID", help="a modality id, such as massage.swedish")
    showing.set_defaults(handler=handlers["show"])

    sourcing = commands.add_parser(
        "sources", parents=[with_catalog], help="list the sources the catalog cites"
    )
    sourcing.set_defaults(handler=handlers["sources"])
    for reading in (listing, showing, sourcing):
        add_format_argument(reading)

    schema = commands.add_parser("schema", help="print the JSON Schema of a document type")
    schema.add_argument(
        "type",
        metavar="TYPE",
        type=lambda text: text.replace("-", "_"),
        choices=list(DOCUMENT_TYPES),
        help=check.choices(DOCUMENT_TYPES, quoted=False),
    )
    schema.set_defaults(handler=handlers["schema"])

    validating = commands.add_parser(
        "validate", help="check a JSON document (a catalog by default) and print every problem"
    )
    validating.add_argument(
        "file", metavar="FILE", type=Path, help="the JSON file (- for standard input)"
    )
    validating.add_argument(
        "--type",
        metavar="TYPE",
        type=lambda text: text.replace("-", "_"),
        choices=list(DOCUMENT_TYPES),
        help="the document type: "
        + check.choices(DOCUMENT_TYPES, quoted=False)
        + " (default: what the document says it is, else catalog)",
    )
    validating.add_argument(
        "--extend",
        action="store_true",
        help="check FILE as a partial catalog that extends the built-in one",
    )
    validating.set_defaults(handler=handlers["validate"], usage=validating.format_usage())

    exporting = commands.add_parser(
        "export", parents=[with_catalog], help="print the catalog as JSON or as a FHIR Bundle"
    )
    exporting.add_argument("--format", choices=("json", "fhir"), default="json")
    exporting.add_argument("--fhir-version", choices=("R4B", "R5"), default="R4B")
    exporting.set_defaults(handler=handlers["export"])
    _add_evidence(commands, with_catalog, handlers["evidence"])
    add_teaching_commands(commands, with_catalog, handlers)
    _add_serve(commands, with_catalog, handlers["serve"])
    _add_feedback(commands, handlers["feedback"])
    return parser


# -- teaching: the option grid and the pictures ------------------------------------------


def add_format_argument(parser: argparse.ArgumentParser) -> None:
    """``--format table|json`` for the commands that read the catalog."""
    parser.add_argument(
        "--format", choices=("table", "json"), default="table", help="output format"
    )


def add_reading_arguments(parser: argparse.ArgumentParser) -> None:
    """``--full`` and ``--ids`` for the ranking's table and explanations, and ``--quiet``."""
    parser.add_argument(
        "--full",
        action="store_true",
        help="with --explain, list every finding instead of the first few and 'and N more'",
    )
    parser.add_argument(
        "--ids", action="store_true", help="add a column with each option's id to the table"
    )
    parser.add_argument(
        "--quiet",
        action="store_true",
        help="do not print the FHIR import's warnings (what the bundle holds that is not used)",
    )


def compare_request(args: argparse.Namespace) -> tuple[PainType, list[str]]:
    """What ``compare`` was asked: ``CONDITION PHASE ID...``, or ``ID... --pain-type C:P``.

    Raises:
        UsageError: for a malformed condition, phase or id, or too few words.
    """
    words = list(args.words)
    try:
        if args.pain_type is not None:
            pain_type = args.pain_type
        elif len(words) < 3:
            raise UsageError("compare needs CONDITION PHASE and at least one ID", args.usage)
        else:
            pain_type = PainType(arg.condition(words[0]), arg.phase_only(words[1]))
            words = words[2:]
        return pain_type, [arg.modality_id(word) for word in words]
    except argparse.ArgumentTypeError as error:
        raise UsageError(str(error), args.usage) from None


def add_teaching_commands(
    commands: Any, with_catalog: argparse.ArgumentParser, handlers: Mapping[str, Handler]
) -> None:
    """The ``compare`` and ``plot`` subcommands."""
    comparing = commands.add_parser(
        "compare",
        parents=[with_catalog],
        usage=f"{PROG} compare [options] CONDITION PHASE ID [ID ...]",
        help="an option grid: the questions patients ask, answered for each option",
        description="Compare options side by side for one pain type, as an option grid: "
        "rows are the questions patients ask, columns the options; every answer cites its "
        "sources.",
    )
    comparing.add_argument(
        "words",
        metavar="CONDITION PHASE ID",
        nargs="+",
        help="the pain type, as rank takes it (low_back chronic), then the modality ids",
    )
    comparing.add_argument(
        "--pain-type",
        type=arg.pain_type,
        metavar="CONDITION:PHASE",
        help="the pain type in one word (the older form); then give only the ids",
    )
    add_patient_arguments(comparing)
    comparing.add_argument(
        "--format", choices=("table", "markdown", "json"), default="table", help="output format"
    )
    comparing.set_defaults(handler=handlers["compare"], usage=comparing.format_usage())

    plotting = commands.add_parser(
        "plot", help="draw a teaching picture into a PNG or SVG file (plot extra)"
    )
    pictures = plotting.add_subparsers(dest="picture", metavar="PICTURE", parser_class=Parser)
    pictures.required = True
    timeline = pictures.add_parser(
        "timeline",
        parents=[with_catalog],
        help="benefit over time for one pain type: each modality's effect at each horizon",
    )
    add_pain_type_arguments(timeline)
    evidence_map = pictures.add_parser(
        "map",
        parents=[with_catalog],
        help="the evidence map: modalities by pain types, the best scored effect in each cell",
    )
    for picture in (timeline, evidence_map):
        picture.add_argument(
            "-o",
            "--output",
            required=True,
            type=arg.picture_path,
            metavar="FILE",
            help="the file to write, .png or .svg",
        )
        picture.set_defaults(handler=handlers["plot"])


def _add_population(commands: "argparse._SubParsersAction[Parser]", handler: Handler) -> None:
    """The ``population`` subcommand: care-gap measures over a FHIR Bulk Data export."""
    population = commands.add_parser(
        "population",
        help="care-gap measures over a FHIR Bulk Data export (the population or spark extra)",
        description="Read a FHIR Bulk Data export (a directory of .ndjson files, or an $export "
        "manifest), read each patient as rank --fhir reads a bundle, plan each pain type, and "
        "count the care-gap measures per pain type.",
        epilog="examples:\n  painmodalities population export/ --as-of 2025-01-01\n"
        "  painmodalities population export/manifest.json --engine spark --rows rows.parquet "
        "--measure-report report.json\n",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    population.add_argument(
        "bulk", metavar="BULK", type=Path, help="the export's directory or manifest"
    )
    population.add_argument(
        "--as-of",
        type=arg.date,
        metavar="DATE",
        help="the date measured at, YYYY-MM-DD (default today)",
    )
    population.add_argument(
        "--lookback",
        type=arg.months,
        default=12,
        metavar="MONTHS",
        help="the look-back window in calendar months before the as-of date (default 12)",
    )
    population.add_argument(
        "--engine", choices=("duckdb", "spark"), default="duckdb", help="engine"
    )
    population.add_argument(
        "--rows",
        type=Path,
        metavar="FILE",
        help="write the per-patient rows (personal data) here: Parquet for .parquet, else CSV",
    )
    population.add_argument(
        "--measure-report", type=Path, metavar="FILE", help="write the FHIR R4B MeasureReport here"
    )
    population.add_argument(
        "--format", choices=("table", "json"), default="table", help="the summary's format"
    )
    population.add_argument(
        "--workers",
        type=arg.positive_int,
        metavar="N",
        help="processes staging the export and running the per-patient work with duckdb "
        "(default: one per core for an export of 12 MiB or more, else 1)",
    )
    population.set_defaults(handler=handler, usage=population.format_usage())
