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
  "schema_version": "2.1",
...
0
"""

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from typing import IO, Any, Final, cast

import attrs
import orjson

from painmodalities import _words
from painmodalities._builtin import default_catalog
from painmodalities._cli_errors import CliError
from painmodalities._cli_inputs import (
    fhir_module,
    load_catalog_of,
    one_stdin,
    path_shown,
    read_bundle,
    read_text,
)
from painmodalities._cli_output import (
    Table,
    TerminalSafe,
    family_fields,
    finding_line,
    grid_summary,
    list_entry,
    one_line,
    print_grid,
    print_json,
    print_plan,
    print_ranking,
    print_summary,
    print_sureness,
    print_table,
    recommendation_line,
    say,
    shared_ranks,
)
from painmodalities._cli_parser import PROG, Handler, UsageError, compare_request
from painmodalities._cli_parser import build_parser as _build_parser
from painmodalities.catalog import Catalog
from painmodalities.errors import MissingExtraError, PainModalitiesError, ValidationError
from painmodalities.evidence import PainType
from painmodalities.grid import compare
from painmodalities.plans import plan
from painmodalities.ranking import Patient, Ranking, rank
from painmodalities.schema import json_schema
from painmodalities.scoring import ScoringPolicy
from painmodalities.sensitivity import Acceptability, Stability, acceptability, stability
from painmodalities.serialization import (
    DOCUMENT_TYPES,
    SCHEMA_VERSION,
    converter,
    from_json,
    load_catalog,
    to_json,
)
from painmodalities.summary import summarize
from painmodalities.vocabulary import (
    Activity,
    Outcome,
    Phase,
)

__all__ = [
    "EXIT_BROKEN_PIPE",
    "EXIT_ERROR",
    "EXIT_OK",
    "EXIT_USAGE",
    "CliError",
    "build_parser",
    "main",
]

#: The request succeeded.
EXIT_OK = 0
#: The library refused the request: a missing or invalid file, an unknown id, a missing extra.
EXIT_ERROR = 1
#: The command line is malformed: see ``--help``.
EXIT_USAGE = 2
#: The reader of the output closed the pipe (the shell's code for a ``SIGPIPE`` death).
EXIT_BROKEN_PIPE = 141
_EXIT_INTERRUPTED = 130


# -- rank ----------------------------------------------------------------------------------


def _pain_types(
    args: argparse.Namespace, stderr: IO[str]
) -> tuple[list[PainType], Any, str | None]:
    """The pain types to rank for, the FHIR bundle's import (or ``None``), and its patient."""
    phase: Phase | None = args.phase
    if args.phase is not None and args.weeks is not None:
        raise UsageError("give PHASE or --weeks, not both", args.usage)
    phase = args.weeks if phase is None else phase
    if args.condition is None and phase is not None:
        raise UsageError("--weeks needs CONDITION", args.usage)
    if args.fhir is None:
        if args.patient is not None:
            raise UsageError("--patient needs --fhir BUNDLE", args.usage)
        if args.condition is None:
            raise UsageError("rank needs CONDITION and PHASE (or --weeks N)", args.usage)
        if phase is None:
            raise UsageError(f"rank {args.condition.value} needs PHASE or --weeks N", args.usage)
        return [PainType(args.condition, phase)], None, None
    if args.condition is not None:
        raise UsageError(
            "give CONDITION and PHASE or --fhir BUNDLE, not both: the bundle names the "
            "patient's pain types",
            args.usage,
        )
    found = read_bundle(args)
    if not args.quiet:  # --quiet: what the bundle holds that is not used goes unsaid
        for problem in found.problems:
            print(f"{PROG}: warning: {path_shown(args.fhir)}: {problem}", file=stderr)
        for note in found.notes:
            print(f"{PROG}: note: {path_shown(args.fhir)}: {note}", file=stderr)
    pain_types = list(found.pain_types)
    if not pain_types:
        raise CliError(
            f"{path_shown(args.fhir)}: the bundle names no pain condition the catalog knows"
        )
    return pain_types, found, found.subject


def _patient(args: argparse.Namespace) -> Patient:
    return Patient(
        precautions=frozenset(args.precaution),
        covered=None if args.covered is None else frozenset(args.covered),
        max_session_minutes=args.max_minutes,
        exclude=frozenset(args.exclude),
        precautions_known=args.precautions_checked or bool(args.precaution),
    )


def _policy(args: argparse.Namespace) -> ScoringPolicy:
    if args.min_certainty is None:
        return ScoringPolicy()
    return ScoringPolicy(min_certainty=args.min_certainty)


def _sureness(
    args: argparse.Namespace, rankings: list[Ranking], catalog: Catalog
) -> list[tuple[Stability | None, Acceptability | None]]:
    """Each ranking's stability and acceptability, as ``--stability``/``--acceptability`` ask."""
    if (args.stability or args.acceptability) and args.format not in ("table", "json"):
        raise UsageError(
            "--stability and --acceptability work with --format table or json", args.usage
        )
    return [
        (
            stability(ranking) if args.stability else None,
            acceptability(
                ranking.pain_type, catalog=catalog, patient=ranking.patient, policy=ranking.policy
            )
            if args.acceptability
            else None,
        )
        for ranking in rankings
    ]


def _ranking_json(
    ranking: Ranking, found_stability: Stability | None, found_acceptability: Acceptability | None
) -> Any:
    """``rank --format json``: the ranking document, which ``from_json(text, Ranking)`` reads.

    With ``--stability`` or ``--acceptability`` it is ``{"ranking": ..., "stability": ...,
    "acceptability": ...}``, each value a document of its own type.
    """
    document = orjson.loads(to_json(ranking))
    extra = {
        name: orjson.loads(to_json(found))
        for name, found in (("stability", found_stability), ("acceptability", found_acceptability))
        if found is not None
    }
    return {"ranking": document, **extra} if extra else document


def _prior_care(record: Any, ranking: Ranking, catalog: Catalog) -> list[tuple[str, str]]:
    """What the record says was already referred or done, per modality of the ranking."""
    if record is None:
        return []
    fhir = fhir_module()
    # One line per item of the record: a family-level referral ("for psychotherapy")
    # concerns several modalities, and is one referral, marked as not naming any of them.
    concerned: dict[str, tuple[Any, list[str]]] = {}
    for entry in ranking.entries:
        for item in fhir.prior_care_for(record, entry.modality.id, catalog=catalog):
            concerned.setdefault(item.path, (item, []))[1].append(entry.modality.id)
    lines = []
    for item, ids in concerned.values():
        label = ", ".join(sorted(ids))
        if item.modality_id is None:
            label += f" (family-level, approximate: the record names {item.family} care)"
        elif item.approximate:
            label += " (approximate: the record names a provider or a broad therapy)"
        lines.append((label, item.words))
    return lines


def _top(ranking: Ranking, count: int) -> Ranking:
    """The ranking cut to its ``count`` best options and every option tied with the last.

    An option that shares the last rank kept is as good as it: cutting between them would
    drop it silently, so ``--top 4`` over five options tied at =4 shows all five.
    """
    kept = ranking.top(count)
    if kept and len(ranking.options) > len(kept):
        last = kept[-1].rank
        kept = tuple(option for option in ranking.options if option.rank <= last)
    return attrs.evolve(ranking, options=kept)


def _rank(args: argparse.Namespace, stdout: IO[str], stderr: IO[str]) -> int:
    one_stdin(args.catalog, args.extend, args.fhir)
    pain_types, record, subject = _pain_types(args, stderr)
    catalog = load_catalog_of(args)
    policy = _policy(args)
    rankings = [
        rank(
            pain_type, catalog=catalog, patient=_patient(args), weights=args.weights, policy=policy
        )
        for pain_type in pain_types
    ]
    sureness = _sureness(args, rankings, catalog)  # of the whole rankings, before --top
    shared = [shared_ranks(r) for r in rankings]  # of the whole ranking, before --top
    if args.top:  # --top applies to every output: table, JSON, FHIR and the plot
        rankings = [_top(r, args.top) for r in rankings]
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
        fhir = fhir_module()
        bundles = [
            fhir.export_ranking(r, version=args.fhir_version, subject=subject) for r in rankings
        ]
        print_json(bundles[0] if len(bundles) == 1 else bundles, stdout)
    elif args.format == "json":
        documents = [_ranking_json(r, *sure) for r, sure in zip(rankings, sureness, strict=True)]
        if args.fhir is None:
            print_json(documents[0], stdout)
        else:
            print_json(
                {
                    "schema_version": SCHEMA_VERSION,
                    "rankings": documents,
                    "tried": list(record.tried),
                    "prior_care": [
                        {
                            "target": item.target,
                            "kind": item.kind,
                            "approximate": item.approximate,
                            "date": None if item.date is None else item.date.isoformat(),
                            "words": item.words,
                        }
                        for item in record.prior_care
                    ],
                },
                stdout,
            )
    else:
        for number, (ranking, ties) in enumerate(zip(rankings, shared, strict=True)):
            if number:
                print("", file=stdout)
            print_ranking(
                ranking,
                stdout,
                explain=args.explain,
                prior=_prior_care(record, ranking, catalog),
                full=args.full,
                ids=args.ids,
                shared=ties,
            )
            print_sureness(*sureness[number], stdout)
    return EXIT_OK


# -- plan ----------------------------------------------------------------------------------


def _plan(args: argparse.Namespace, stdout: IO[str], _stderr: IO[str]) -> int:
    care = plan(
        PainType(args.condition, args.phase),
        catalog=load_catalog_of(args),
        patient=_patient(args),
        weights=args.weights,
        policy=_policy(args),
    )
    if args.format == "fhir":
        print_json(fhir_module().export_plan(care, version=args.fhir_version), stdout)
    elif args.format == "json":
        print(to_json(care, indent=True), file=stdout)
    else:
        print_plan(care, stdout)
    return EXIT_OK


# -- list, show, sources -------------------------------------------------------------------


def _list(args: argparse.Namespace, stdout: IO[str], _stderr: IO[str]) -> int:
    catalog = load_catalog_of(args)
    activity = None if args.activity is None else Activity(args.activity)
    chosen = catalog.select(kind=args.kind, activity=activity)
    if args.format == "json":
        print_json(
            {"schema_version": SCHEMA_VERSION, "modalities": [list_entry(m) for m in chosen]},
            stdout,
        )
        return EXIT_OK
    print_table(
        Table(
            headers=("name", "activity", "min", "coverage", "id"),
            rows=tuple(
                (
                    one_line(m.name),
                    m.activity.value,
                    "-" if m.session_minutes is None else str(m.session_minutes),
                    m.coverage.value,
                    m.id,
                )
                for m in chosen
            ),
            right=frozenset({2}),
            wrap=frozenset({0}),
            caption="min: a session's length in minutes (- when the dossier records none); "
            "coverage: an insurance hint, never a promise.",
        ),
        stdout,
    )
    return EXIT_OK


def _show(args: argparse.Namespace, stdout: IO[str], _stderr: IO[str]) -> int:
    catalog = load_catalog_of(args)
    modality = catalog[args.id]
    if args.format == "json":
        print(to_json(modality, indent=True), file=stdout)
        return EXIT_OK
    out: list[str] = [f"{one_line(modality.name)} ({modality.id})"]
    precautions = _words.precautions_text(modality)
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
        *family_fields(modality),
    ]
    out += [f"  {name}: {value}" for name, value in attributes]
    if modality.summary:
        out.append(f"  summary: {modality.summary}")
    pain_types = sorted({finding.pain_type for finding in modality.findings})
    out.append(
        "\nExpected benefit (longest horizon shown at low certainty or above, "
        "against an inactive control):"
    )
    if not pain_types:
        out.append("  no findings")
    for pain_type in pain_types:
        lasts = {outcome: modality.expected_benefit(pain_type, outcome) for outcome in Outcome}
        parts = ", ".join(
            f"{outcome.value} {'not shown' if horizon is None else horizon.value}"
            for outcome, horizon in sorted(lasts.items(), key=lambda item: -item[0].rank)
        )
        out.append(f"  {pain_type.label}: {parts}")
    out.append("\nFindings (against an inactive control unless marked):")
    for pain_type in pain_types:
        out.append(f"  {pain_type.label}:")
        out += [finding_line(f, catalog) for f in modality.findings_for(pain_type)]
    if not pain_types:
        out.append("  none")
    out.append("\nGuideline recommendations (shown, not scored):")
    out += [recommendation_line(r, modality.name, catalog) for r in modality.recommendations] or [
        "  none"
    ]
    for line in "\n".join(out).split("\n"):  # each line wrapped to the width, indent kept
        text = line.lstrip(" ")
        say(text, stdout, indent=line[: len(line) - len(text)], hanging="    ")
    return EXIT_OK


def _sources(args: argparse.Namespace, stdout: IO[str], _stderr: IO[str]) -> int:
    catalog = load_catalog_of(args)
    cited: dict[str, set[str]] = {source.key: set() for source in catalog.sources}
    for modality in catalog:
        keys = [f.source for f in modality.findings] + [r.source for r in modality.recommendations]
        for key in keys:
            cited[key].add(modality.id)
    if args.format == "json":
        unstructure = converter().unstructure
        print_json(
            {
                "schema_version": SCHEMA_VERSION,
                "sources": [
                    {**unstructure(source), "cited_by": sorted(cited[source.key])}
                    for source in catalog.sources
                ],
            },
            stdout,
        )
        return EXIT_OK
    print_table(
        Table(
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
            wrap=frozenset({2, 4}),
        ),
        stdout,
    )
    return EXIT_OK


# -- schema, validate, export ----------------------------------------------------------------


def _schema(args: argparse.Namespace, stdout: IO[str], _stderr: IO[str]) -> int:
    print_json(json_schema(args.type), stdout)
    return EXIT_OK


#: The key that tells each document type apart, for ``validate`` without ``--type``.
_SAYS_WHAT_IT_IS: Final = (
    ("modalities", "catalog"),
    ("options", "ranking"),
    ("kind", "modality"),
)


def _document_type(args: argparse.Namespace, text: str) -> str:
    """The type to validate as: ``--type``, else what the document says, else a catalog."""
    if args.type is not None:
        return str(args.type)
    try:
        document = orjson.loads(text)
    except orjson.JSONDecodeError:
        return "catalog"  # the catalog reader reports where the JSON breaks
    if isinstance(document, dict):
        for key, kind in _SAYS_WHAT_IT_IS:
            if key in document and kind in DOCUMENT_TYPES:
                return kind
    return "catalog"


def _validate(args: argparse.Namespace, stdout: IO[str], stderr: IO[str]) -> int:
    text = read_text(args.file)
    name = path_shown(args.file)
    kind = _document_type(args, text)
    if args.extend and kind != "catalog":
        raise UsageError(f"--extend checks a catalog, not a {kind}", args.usage)
    try:
        if kind == "catalog":
            base = default_catalog() if args.extend else None
            catalog = load_catalog(text.encode(), base=base)
        else:
            from_json(text, DOCUMENT_TYPES[kind])
    except ValidationError as error:
        for problem in error.problems:
            print(f"{name}: {problem}", file=stdout)
        count = len(error.problems)
        print(
            f"{PROG}: error: {name} is not a valid {_words.plain(kind)}: "
            f"{count} problem{'s' if count != 1 else ''}",
            file=stderr,
        )
        return EXIT_ERROR
    if kind == "catalog":
        print(
            f"{name}: valid catalog: {len(catalog)} modalities, {len(catalog.sources)} sources",
            file=stdout,
        )
    else:
        print(f"{name}: valid {_words.plain(kind)}", file=stdout)
    return EXIT_OK


def _export(args: argparse.Namespace, stdout: IO[str], _stderr: IO[str]) -> int:
    catalog = load_catalog_of(args)
    if args.format == "fhir":
        fhir = fhir_module()
        print_json(fhir.export_catalog(catalog, version=args.fhir_version), stdout)
    else:
        print(to_json(catalog, indent=True), file=stdout)
    return EXIT_OK


# -- evidence, compare, plot ----------------------------------------------------------------


def _evidence(args: argparse.Namespace, stdout: IO[str], _stderr: IO[str]) -> int:
    catalog = load_catalog_of(args)
    summary = summarize(PainType(args.condition, args.phase), catalog=catalog)
    if args.format == "json":
        print_json(summary.to_document(), stdout)
    else:
        print_summary(summary, catalog, stdout)
    return EXIT_OK


def _compare(args: argparse.Namespace, stdout: IO[str], _stderr: IO[str]) -> int:
    catalog = load_catalog_of(args)
    patient = _patient(args)
    pain_type, ids = compare_request(args)
    grid = compare(
        ids,
        pain_type,
        patient=None if patient == Patient() else patient,
        catalog=catalog,
    )
    if args.format == "json":
        print_json(grid_summary(grid), stdout)
    elif args.format == "markdown":
        print(grid.to_markdown(), file=stdout)
    else:
        print_grid(grid, catalog, stdout)
    return EXIT_OK


def _plot(args: argparse.Namespace, _stdout: IO[str], stderr: IO[str]) -> int:
    from painmodalities import plot  # noqa: PLC0415 (matplotlib on demand)

    catalog = load_catalog_of(args)
    if args.picture == "timeline":
        plot.plot_timeline(PainType(args.condition, args.phase), args.output, catalog=catalog)
    else:
        plot.plot_map(args.output, catalog=catalog)
    print(f"{PROG}: wrote {args.output}", file=stderr)
    return EXIT_OK


# -- serve ---------------------------------------------------------------------------------


def _serve(args: argparse.Namespace, _stdout: IO[str], _stderr: IO[str]) -> int:
    """Run the CDS Hooks service until interrupted (the ``service`` extra)."""
    try:
        service = importlib.import_module("painmodalities.service")
        uvicorn = importlib.import_module("uvicorn")
    except ImportError:
        raise MissingExtraError.for_extra("service", "the CDS Hooks service") from None
    clients = None
    if args.trusted_clients is not None:
        try:
            clients = service.load_trusted_clients(read_text(args.trusted_clients))
        except ValidationError as error:
            raise CliError(
                f"{args.trusted_clients}: not a trusted-clients file: {error}"
            ) from None
    config = service.ServiceConfig(
        catalog=load_catalog_of(args),
        trusted_clients=clients,
        allow_unauthenticated=args.allow_unauthenticated,
        public_url=args.public_url,
        max_token_lifetime=float(args.max_token_lifetime),
        cors_origins=tuple(args.cors_origin or ["*"]),
        fhir_servers=tuple(args.fhir_server or ()),
        feedback_db=args.feedback_db or service.default_feedback_db(),
        **({} if args.docs_url is None else {"docs_url": args.docs_url}),
    )
    try:
        app = service.create_app(config)
    except ValidationError as error:
        raise CliError(str(error)) from None
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        log_level="info",
        access_log=False,
        timeout_graceful_shutdown=5,
    )
    return EXIT_OK


def _feedback(args: argparse.Namespace, stdout: IO[str], _stderr: IO[str]) -> int:
    """Print the feedback kept by the service, per service and card kind."""
    try:
        service = importlib.import_module("painmodalities.service")
    except ImportError:
        raise MissingExtraError.for_extra("service", "the CDS Hooks service") from None
    path = args.db or service.default_feedback_db()
    try:
        print(service.feedback_report(path), file=stdout)
    except FileNotFoundError:
        raise CliError(f"{path}: no feedback database (see serve --feedback-db)") from None
    return EXIT_OK


def _population(args: argparse.Namespace, stdout: IO[str], stderr: IO[str]) -> int:
    from painmodalities.population._cli import run  # noqa: PLC0415 (the extra's own import)

    return run(args, stdout, stderr)


# -- entry point -----------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``painmodalities`` command, with every subcommand."""
    handlers: dict[str, Handler] = {
        "rank": _rank,
        "plan": _plan,
        "list": _list,
        "show": _show,
        "sources": _sources,
        "schema": _schema,
        "validate": _validate,
        "export": _export,
        "evidence": _evidence,
        "compare": _compare,
        "plot": _plot,
        "serve": _serve,
        "feedback": _feedback,
        "population": _population,
    }
    return _build_parser(handlers)


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
    # Everything the command writes goes through TerminalSafe: no control character from
    # data (a catalog's names, a bundle's ids, a value in an error) reaches the terminal raw.
    stdout: IO[str] = cast("IO[str]", TerminalSafe(sys.stdout))
    stderr: IO[str] = cast("IO[str]", TerminalSafe(sys.stderr))
    parser = build_parser()
    try:
        try:
            args = parser.parse_args(argv)
        except SystemExit as done:  # only --help and --version exit: they print, then stop
            return done.code if isinstance(done.code, int) else EXIT_OK
        handler: Handler = args.handler
        code = handler(args, stdout, stderr)
        stdout.flush()
    except UsageError as error:
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
