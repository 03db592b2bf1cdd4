"""The population report: per-patient rows, skips, counts per measure, and the MeasureReport."""

import datetime
import os
import tempfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

import attrs

from painmodalities.catalog import Catalog
from painmodalities.errors import invalid
from painmodalities.fhir._write import CANONICAL_BASE
from painmodalities.population._bulk import export_files, stage
from painmodalities.population._engines import ENGINES, Options, local_spark, run_duckdb, run_spark
from painmodalities.population._measures import (
    DEFAULT_LOOKBACK_MONTHS,
    MEASURES,
    PatientRow,
    PatientSkip,
    lookback_start,
)

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
        counts: each measure for each pain type, in measure then pain-type order.
        skips: what was not used, with file and line, by rule then place.
        not_read: the other resource types of the export and how many of each were left
            alone.
        files: the export's files, in reading order.
        lines: how many lines were read.
    """

    as_of: datetime.date
    lookback_months: int
    rows: Any = attrs.field(eq=False)
    counts: tuple[MeasureCount, ...]
    skips: tuple[PatientSkip, ...]
    not_read: tuple[tuple[str, int], ...]
    files: tuple[str, ...]
    lines: int

    @property
    def patients(self) -> int:
        """How many patients have at least one row."""
        return len(set(self.rows.column("patient").to_pylist()))

    def row_objects(self) -> tuple[PatientRow, ...]:
        """The rows as :class:`PatientRow` objects (for small reports)."""
        return tuple(PatientRow(**row) for row in self.rows.to_pylist())

    def skip_counts(self) -> dict[str, int]:
        """How many things each skip rule left out."""
        return dict(sorted(Counter(skip.rule for skip in self.skips).items()))

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
        """Write the rows to ``path``: Parquet for ``.parquet``, else CSV."""
        import pyarrow.csv  # noqa: PLC0415 (an extra's, where used)
        import pyarrow.parquet  # noqa: PLC0415 (an extra's, where used)

        target = Path(path)
        if target.suffix == ".parquet":
            pyarrow.parquet.write_table(self.rows, target)
        else:
            pyarrow.csv.write_csv(self.rows, target)

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


def _counts(rows: Any) -> tuple[MeasureCount, ...]:
    pain_types = rows.column("pain_type").to_pylist()
    flags = {found.id: rows.column(found.id).to_pylist() for found in MEASURES}
    denominators = Counter(pain_types)
    return tuple(
        MeasureCount(
            measure=found.id,
            pain_type=pain_type,
            denominator=denominators[pain_type],
            numerator=sum(
                1
                for shown, met in zip(pain_types, flags[found.id], strict=True)
                if shown == pain_type and met
            ),
        )
        for found in MEASURES
        for pain_type in sorted(denominators)
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
) -> PopulationReport:
    """The care-gap report of a FHIR Bulk Data export, as of ``as_of``.

    Each patient's Patient, Conditions, Procedures and ServiceRequests are read by the
    single-patient FHIR import (:func:`~painmodalities.fhir.read_bundle`), planned with
    :func:`~painmodalities.plan`, and measured (:data:`MEASURES`).

    Args:
        bulk: a directory of ``.ndjson`` files, or an ``$export`` manifest.
        as_of: the date the measures are taken on.
        lookback_months: the look-back window, in calendar months (12 by default).
        engine: ``"duckdb"`` (one machine, the ``population`` extra) or ``"spark"`` (the
            ``spark`` extra).
        spark: the SparkSession to run on (a cluster's); ``None``: a ``local[*]`` one.
        catalog: the catalog to plan with (the built-in one by default).
        staging: a directory for the staged resources (on a Spark cluster, one every
            executor reads); ``None``: a temporary directory, removed afterwards.
        max_line_bytes: the longest line read (longer ones are skipped and counted).
        progress: called with the number of resources grouped so far (DuckDB only).

    Raises:
        ValidationError: for an export that cannot be read (a file that is not NDJSON, two
            files disagreeing about one id: each with its file and line) or a bad argument.
        MissingExtraError: when the engine's extra is not installed.
    """
    if engine not in ENGINES:
        raise invalid("$.engine", " or ".join(ENGINES), engine, "enum")
    if isinstance(as_of, datetime.datetime) or not isinstance(as_of, datetime.date):
        raise invalid("$.as_of", "a datetime.date", as_of, "type")
    lookback_start(as_of, lookback_months)
    _extra(engine)
    files = export_files(bulk)
    options = Options(as_of=as_of, lookback_months=lookback_months, catalog=catalog)
    with tempfile.TemporaryDirectory(prefix="painmodalities-population-") as scratch:
        where = Path(scratch if staging is None else staging)
        where.mkdir(parents=True, exist_ok=True)
        limits = {} if max_line_bytes is None else {"max_line_bytes": max_line_bytes}
        staged = stage(files, where, **limits)
        if engine == "duckdb":
            table = run_duckdb(where, options, progress=progress)
        else:
            table = run_spark(where, options, local_spark() if spark is None else spark)
    is_row = table.column("skip_rule").is_null()
    rows = table.filter(is_row).select([field.name for field in attrs.fields(PatientRow)])
    found_skips = [
        PatientSkip(rule=skip["skip_rule"], where=skip["skip_where"], detail=skip["skip_detail"])
        for skip in table.filter(_not(is_row)).to_pylist()
    ]
    skips = sorted((*staged.skips, *found_skips), key=lambda s: (s.rule, s.where, s.detail))
    return PopulationReport(
        as_of=as_of,
        lookback_months=lookback_months,
        rows=rows,
        counts=_counts(rows),
        skips=tuple(skips),
        not_read=staged.not_read,
        files=staged.files,
        lines=staged.lines,
    )


def _not(mask: Any) -> Any:
    import pyarrow.compute as pc  # noqa: PLC0415 (an extra's, where used)

    return pc.invert(mask)


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
