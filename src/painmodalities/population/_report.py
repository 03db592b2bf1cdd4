"""The population report: per-patient rows, skips, counts per measure, and the MeasureReport."""

import contextlib
import datetime
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final, Literal

import attrs

from painmodalities._json_text import MAX_DOCUMENT_BYTES
from painmodalities.catalog import Catalog
from painmodalities.errors import invalid
from painmodalities.fhir._elements import LEVELS
from painmodalities.fhir._write import CANONICAL_BASE
from painmodalities.population._bulk import export_files, export_size, stage
from painmodalities.population._engines import (
    ENGINES,
    local_spark,
    run_duckdb,
    run_spark,
    spark_runner,
)
from painmodalities.population._grouped import Options, row_schema
from painmodalities.population._measures import (
    DEFAULT_LOOKBACK_MONTHS,
    MEASURES,
    PatientRow,
    PatientSkip,
    lookback_start,
)
from painmodalities.population._results import Results
from painmodalities.population._workers import check_workers, pool, pool_runner, workers_for

__all__ = ["MEASURE_URL", "MeasureCount", "PopulationReport", "population_report"]

#: The canonical URL the MeasureReport names as its measure.
MEASURE_URL: Final = f"{CANONICAL_BASE}/Measure/nondrug-pain-care-gaps"
_GROUPS: Final = f"{CANONICAL_BASE}/CodeSystem/population-measure"
_POPULATION: Final = "http://terminology.hl7.org/CodeSystem/measure-population"


@attrs.frozen(kw_only=True)
class MeasureCount:
    """One measure for one pain type: how many patients have the pain type, how many meet it.

    Attributes:
        measure: the measure's id (:data:`MEASURES`).
        pain_type: the pain type.
        denominator: the patients with the pain type (also the initial population).
        numerator: those among them who meet the measure.
    """

    measure: str
    pain_type: str
    denominator: int
    numerator: int

    @property
    def share(self) -> float:
        """The numerator as a share of the denominator."""
        return self.numerator / self.denominator if self.denominator else 0.0


@attrs.frozen(kw_only=True)
class PopulationReport:
    """The population care-gap report of a bulk export, as of a date.

    Attributes:
        as_of: the date the measures were taken on.
        lookback_months: the look-back window, in calendar months.
        rows: one row per patient and pain type (a ``pyarrow.Table`` of
            :class:`PatientRow` fields), by patient then pain type: personal data.
            ``None`` when the rows were not kept (``keep_rows=False``, the default when
            they are written to ``rows_to``).
        counts: each measure for each pain type, in measure then pain-type order.
        skips: examples of what was not used, with file and line, by rule then place: the
            first :data:`~painmodalities.population.SKIP_EXAMPLES` of each rule (in that
            order); :meth:`skip_counts` counts them all.
        not_read: the other resource types of the export and how many of each were left
            alone.
        files: the export's files, in reading order.
        lines: how many lines were read.
        patients: how many patients have at least one row.
        row_count: how many rows there are.
        skip_totals: how many things each skip rule left out, by rule.
        rows_file: where the rows were written (``rows_to``), if they were.
    """

    as_of: datetime.date
    lookback_months: int
    rows: Any = attrs.field(eq=False)
    counts: tuple[MeasureCount, ...]
    skips: tuple[PatientSkip, ...]
    not_read: tuple[tuple[str, int], ...]
    files: tuple[str, ...]
    lines: int
    patients: int
    row_count: int
    skip_totals: tuple[tuple[str, int], ...]
    rows_file: Path | None = None

    def _kept(self) -> Any:
        if self.rows is None:
            raise invalid(
                "$.rows",
                "rows kept in the report (population_report(..., keep_rows=True))",
                f"rows not kept (written to {self.rows_file})"
                if self.rows_file
                else "rows not kept",
                "rows_not_kept",
            )
        return self.rows

    def row_objects(self) -> tuple[PatientRow, ...]:
        """The rows as :class:`PatientRow` objects (for small reports).

        Raises:
            ValidationError: when the rows were not kept (rule ``rows_not_kept``).
        """
        return tuple(PatientRow(**row) for row in self._kept().to_pylist())

    def skip_counts(self) -> dict[str, int]:
        """How many things each skip rule left out (all of them, not only the examples)."""
        return dict(self.skip_totals)

    def measure_report(self) -> dict[str, Any]:
        """The report as a FHIR R4B ``MeasureReport`` (type ``summary``), as JSON.

        One group per measure and pain type, with initial-population, denominator and
        numerator counts and the score (numerator over denominator).
        """
        return {
            "resourceType": "MeasureReport",
            "status": "complete",
            "type": "summary",
            "measure": MEASURE_URL,
            "period": {
                "start": lookback_start(self.as_of, self.lookback_months).isoformat(),
                "end": self.as_of.isoformat(),
            },
            "group": [
                {
                    "id": f"{count.measure}.{count.pain_type.replace(':', '.')}",
                    "code": {
                        "coding": [
                            {"system": _GROUPS, "code": f"{count.measure}/{count.pain_type}"}
                        ],
                        "text": f"{_title(count.measure)}: {count.pain_type}",
                    },
                    "population": [
                        {
                            "code": {"coding": [{"system": _POPULATION, "code": code}]},
                            "count": number,
                        }
                        for code, number in (
                            ("initial-population", count.denominator),
                            ("denominator", count.denominator),
                            ("numerator", count.numerator),
                        )
                    ],
                    **(
                        {"measureScore": {"value": round(count.share, 6)}}
                        if count.denominator
                        else {}
                    ),
                }
                for count in self.counts
            ],
        }

    def write_rows(self, path: str | os.PathLike[str]) -> None:
        """Write the rows kept to ``path``: Parquet for ``.parquet``, else CSV.

        For a large export, pass ``rows_to`` to :func:`population_report` instead: the rows
        are then written as they are made, and never held.

        Raises:
            ValidationError: when the rows were not kept (rule ``rows_not_kept``).
        """
        import pyarrow.csv  # noqa: PLC0415 (an extra's, where used)
        import pyarrow.parquet  # noqa: PLC0415 (an extra's, where used)

        rows, target = self._kept(), Path(path)
        if target.suffix == ".parquet":
            pyarrow.parquet.write_table(rows, target)
        else:
            pyarrow.csv.write_csv(rows, target)

    def table(self) -> str:
        """The counts as a plain-text table: counts and percentages per measure and pain type."""
        lines = [f"{'measure':<26} {'pain type':<30} {'numerator':>9} {'of':>9} {'%':>6}"]
        lines += [
            f"{count.measure:<26} {count.pain_type:<30} {count.numerator:>9} "
            f"{count.denominator:>9} {100 * count.share:>6.1f}"
            for count in self.counts
        ]
        skipped = self.skip_counts()
        if skipped:
            lines.append("skipped: " + ", ".join(f"{rule} {n}" for rule, n in skipped.items()))
        if self.not_read:
            lines.append("not read: " + ", ".join(f"{kind} {n}" for kind, n in self.not_read))
        return "\n".join(lines)


def _title(measure: str) -> str:
    return next(found.title for found in MEASURES if found.id == measure)


def _counts(results: Results) -> tuple[MeasureCount, ...]:
    return tuple(
        MeasureCount(
            measure=found.id,
            pain_type=pain_type,
            denominator=results.denominators[pain_type],
            numerator=results.numerators[found.id, pain_type],
        )
        for found in MEASURES
        for pain_type in sorted(results.denominators)
    )


def population_report(
    bulk: str | os.PathLike[str],
    *,
    as_of: datetime.date,
    lookback_months: int = DEFAULT_LOOKBACK_MONTHS,
    engine: str = "duckdb",
    spark: Any = None,
    catalog: Catalog | None = None,
    staging: str | os.PathLike[str] | None = None,
    max_line_bytes: int | None = None,
    progress: Callable[[int], None] | None = None,
    rows_to: str | os.PathLike[str] | None = None,
    keep_rows: bool | None = None,
    validate: Literal["resources", "elements"] = "elements",
    workers: int | None = 1,
) -> PopulationReport:
    """The care-gap report of a FHIR Bulk Data export, as of ``as_of``.

    Each patient's Patient, Conditions, Procedures and ServiceRequests are read by the
    single-patient FHIR import (:func:`~painmodalities.fhir.read_bundle`), planned with
    :func:`~painmodalities.plan`, and measured (:data:`MEASURES`). The rows are written to
    ``rows_to`` as they are made; the measures and the skips are counted as they come, so
    that the memory used does not grow with the export unless the rows are kept.

    Args:
        bulk: a directory of ``.ndjson`` files, or an ``$export`` manifest.
        as_of: the date the measures are taken on.
        lookback_months: the look-back window, in calendar months (12 by default).
        engine: ``"duckdb"`` (one machine, the ``population`` extra) or ``"spark"`` (the
            ``spark`` extra).
        spark: the SparkSession to run on (a cluster's); ``None``: a ``local[*]`` one.
        catalog: the catalog to plan with (the built-in one by default).
        staging: a directory for the staged resources (on a Spark cluster, one every
            executor reads and writes: the executors stage the export, so its files must
            be readable by every executor too); ``None``: a temporary directory, removed
            afterwards.
        max_line_bytes: the longest line read (longer ones are skipped and counted).
        progress: called with the number of resources grouped so far (DuckDB only).
        rows_to: a file to write the rows to as they are made: Parquet for a ``.parquet``
            name, else CSV.
        keep_rows: whether to keep the rows in the report (``report.rows``, which grows
            with the export); ``None``: kept unless ``rows_to`` is given.
        validate: how much of each resource the FHIR import checks (see
            :func:`~painmodalities.fhir.read_bundle`): ``"elements"`` (the default: the
            elements it reads; an export comes from a FHIR server that validated its
            resources) or ``"resources"`` (every element, several times slower).
        workers: how many processes stage the export's files and run the per-patient work
            with DuckDB (the results are the same): 1 (the default) runs both in this
            process; more use a pool of processes started with ``spawn``, so a script
            asking for them must guard its entry point with ``if __name__ == "__main__":``.
            ``None``: one per core for an export of at least 12 MiB (about 10,000 patients
            of the synthetic export), else 1 (what the command line does). Spark stages and
            works on its own executors.

    Raises:
        ValidationError: for an export that cannot be read (a file that is not NDJSON, two
            files disagreeing about one id: each with its file and line) or a bad argument.
        MissingExtraError: when the engine's extra is not installed.
    """
    if engine not in ENGINES:
        raise invalid("$.engine", " or ".join(ENGINES), engine, "enum")
    if validate not in LEVELS:
        raise invalid("$.validate", " or ".join(LEVELS), validate, "enum")
    check_workers(workers)
    if isinstance(as_of, datetime.datetime) or not isinstance(as_of, datetime.date):
        raise invalid("$.as_of", "a datetime.date", as_of, "type")
    lookback_start(as_of, lookback_months)
    _extra(engine)
    files = export_files(bulk)
    options = Options(
        as_of=as_of, lookback_months=lookback_months, catalog=catalog, validate=validate
    )
    results = Results(
        rows_to=rows_to,
        keep_rows=rows_to is None if keep_rows is None else keep_rows,
        row_schema=row_schema(),
    )
    complete = False
    try:
        with contextlib.ExitStack() as stack:
            scratch = stack.enter_context(
                tempfile.TemporaryDirectory(prefix="painmodalities-population-")
            )
            where = Path(scratch if staging is None else staging)
            where.mkdir(parents=True, exist_ok=True)
            limit = MAX_DOCUMENT_BYTES if max_line_bytes is None else max_line_bytes
            if engine == "duckdb":
                count = workers_for(workers, export_size(files))
                processes = stack.enter_context(pool(count)) if count > 1 else None
                run = None if processes is None else pool_runner(processes)
                staged = stage(files, where, run=run, max_line_bytes=limit)
                results.skips.merge(staged.skips)
                run_duckdb(
                    where,
                    options,
                    results.add,
                    progress=progress,
                    processes=processes,
                    workers=count,
                )
            else:
                session = local_spark() if spark is None else spark
                staged = stage(files, where, run=spark_runner(session), max_line_bytes=limit)
                results.skips.merge(staged.skips)
                run_spark(where, options, session, results.add)
        complete = True
    finally:
        results.close(complete=complete)
    return PopulationReport(
        as_of=as_of,
        lookback_months=lookback_months,
        rows=results.kept_rows(),
        counts=_counts(results),
        skips=results.skips.examples(),
        not_read=staged.not_read,
        files=staged.files,
        lines=staged.lines,
        patients=results.patients,
        row_count=results.row_count,
        skip_totals=tuple(sorted(results.skips.totals.items())),
        rows_file=results.rows_file,
    )


def _extra(engine: str) -> None:
    """Import the engine's packages, or raise the error naming its extra."""
    from painmodalities.errors import MissingExtraError  # noqa: PLC0415 (an extra's, where used)

    needed = ("duckdb", "pyarrow") if engine == "duckdb" else ("pyspark", "pyarrow")
    for name in needed:
        try:
            __import__(name)
        except ImportError:
            extra = "population" if engine == "duckdb" else "spark"
            raise MissingExtraError.for_extra(extra, f"the {engine} engine") from None
