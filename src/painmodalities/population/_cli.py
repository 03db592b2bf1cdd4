"""``painmodalities population``: the report of a bulk export, on the command line."""

import argparse
import datetime
from typing import IO, Final

import orjson

from painmodalities._cli_output import print_json
from painmodalities._cli_parser import PROG
from painmodalities.population._report import PopulationReport, population_report

#: How many skips are shown one by one before "and N more".
_SHOWN: Final = 10


def _summary(report: PopulationReport) -> dict[str, object]:
    return {
        "as_of": report.as_of.isoformat(),
        "lookback_months": report.lookback_months,
        "files": list(report.files),
        "lines": report.lines,
        "patients": report.patients,
        "counts": [
            {
                "measure": count.measure,
                "pain_type": count.pain_type,
                "numerator": count.numerator,
                "denominator": count.denominator,
                "share": round(count.share, 6),
            }
            for count in report.counts
        ],
        "skipped": report.skip_counts(),
        "not_read": dict(report.not_read),
    }


def run(args: argparse.Namespace, stdout: IO[str], stderr: IO[str]) -> int:
    """Run the report as ``args`` ask; the summary to ``stdout``, skips to ``stderr``."""
    terminal = stderr.isatty()

    def progress(done: int) -> None:
        print(f"\r{PROG}: grouped {done} resources", end="", file=stderr, flush=True)

    report = population_report(
        args.bulk,
        as_of=args.as_of or datetime.datetime.now(tz=datetime.timezone.utc).date(),
        lookback_months=args.lookback,
        engine=args.engine,
        progress=progress if terminal else None,
        rows_to=args.rows,
        keep_rows=False,
        workers=args.workers,
    )
    if terminal:
        print(file=stderr)
    problems = [skip for skip in report.skips if not skip.rule.startswith("import.")]
    for skip in problems[:_SHOWN]:
        print(f"{PROG}: warning: {skip.where}: {skip.rule}: {skip.detail}", file=stderr)
    total = sum(n for rule, n in report.skip_totals if not rule.startswith("import."))
    if total > _SHOWN:
        print(f"{PROG}: warning: and {total - _SHOWN} more skipped", file=stderr)
    if args.measure_report is not None:
        args.measure_report.write_bytes(
            orjson.dumps(report.measure_report(), option=orjson.OPT_INDENT_2)
        )
    if args.format == "json":
        print_json(_summary(report), stdout)
    else:
        print(report.table(), file=stdout)
    return 0
