"""The engines: DuckDB on one machine, Spark beyond it, over the same staged resources.

Both sort the staged resources by patient (DuckDB out of core, Spark by hashing the patient
key into partitions and sorting each), then hand the sorted record batches to the same
function, :func:`grouped`, which cuts them into patients and runs the per-patient function
on each. The rows and skips come out in one Arrow schema, sorted the same way by both.
"""

import datetime
import os
import sys
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Final, Literal

import attrs
import orjson

from painmodalities._builtin import default_catalog
from painmodalities.catalog import Catalog
from painmodalities.errors import invalid
from painmodalities.population._measures import (
    PatientResult,
    PatientRow,
    PatientSkip,
    _Plans,
    read_patient,
)

__all__ = [
    "CONFLICTS",
    "ENGINES",
    "Options",
    "grouped",
    "result_schema",
    "row_schema",
    "run_duckdb",
    "run_spark",
]

#: The engines, by name.
ENGINES: Final = ("duckdb", "spark")

#: Two resources of one type and id that differ (the same query runs on both engines).
CONFLICTS: Final = """
SELECT rtype, rid, min_by(place, seq) AS first_place, max_by(place, seq) AS last_place
FROM staging
WHERE rid IS NOT NULL
GROUP BY rtype, rid
HAVING count(DISTINCT digest) > 1
ORDER BY rtype, rid
LIMIT 1
"""

_ROW_FIELDS: Final = tuple(field.name for field in attrs.fields(PatientRow))
_SKIP_FIELDS: Final = ("skip_rule", "skip_where", "skip_detail")
_BATCH_ROWS: Final = 4096


@attrs.frozen(kw_only=True)
class Options:
    """What every patient is read with (sent to Spark's workers, so it pickles)."""

    as_of: datetime.date
    lookback_months: int
    catalog: Catalog | None = None
    validate: Literal["resources", "elements"] = "elements"


def row_schema() -> Any:
    """The Arrow schema of the rows: a :class:`PatientRow`'s fields."""
    import pyarrow as pa  # noqa: PLC0415 (an extra's, where used)

    schema = result_schema()
    return pa.schema([schema.field(name) for name in _ROW_FIELDS])


def result_schema() -> Any:
    """The Arrow schema of the engines' output: a row's fields, then a skip's."""
    import pyarrow as pa  # noqa: PLC0415 (an extra's, where used)

    types = {bool: pa.bool_(), str: pa.string()}
    return pa.schema(
        [(field.name, types[field.type]) for field in attrs.fields(PatientRow)]  # type: ignore[index]
        + [(name, pa.string()) for name in _SKIP_FIELDS]
    )


def _records(result: PatientResult) -> Iterator[dict[str, Any]]:
    # By pain type as written, the order every engine's output has (DuckDB's and Arrow's
    # sort compare strings by their bytes, as Python compares them by code points).
    for row in sorted(result.rows, key=lambda row: row.pain_type):
        yield attrs.asdict(row)
    for skip in result.skips:
        yield {"skip_rule": skip.rule, "skip_where": skip.where, "skip_detail": skip.detail}


def _patient(
    patient: str, group: list[tuple[str, str | None, str, bytes]], options: Options, plans: _Plans
) -> PatientResult:
    """One patient's result, from their staged resources in export order."""
    seen: set[tuple[str, str]] = set()
    resources, places, duplicates = [], [], []
    for rtype, rid, place, resource in group:
        if rid is not None:
            if (rtype, rid) in seen:  # identical: CONFLICTS found no two that differ
                duplicates.append(
                    PatientSkip(
                        rule="duplicate",
                        where=place,
                        detail=f"{rtype}/{rid} again, identical: read once",
                    )
                )
                continue
            seen.add((rtype, rid))
        resources.append(orjson.loads(resource))
        places.append(place)
    found = read_patient(
        patient,
        resources,
        as_of=options.as_of,
        lookback_months=options.lookback_months,
        places=places,
        catalog=options.catalog,
        plans=plans,
        validate=options.validate,
    )
    return PatientResult(rows=found.rows, skips=(*found.skips, *duplicates))


def grouped(batches: Iterator[Any], options: Options) -> Iterator[Any]:
    """The results of the patients in ``batches``, staged resources sorted by patient.

    A patient's resources may straddle batches: the last patient of a batch is finished
    with the next one. Yields record batches of :func:`result_schema`.
    """
    import pyarrow as pa  # noqa: PLC0415 (an extra's, where used)

    schema = result_schema()
    plans = _Plans(default_catalog() if options.catalog is None else options.catalog)
    out: list[dict[str, Any]] = []
    current: str | None = None
    group: list[tuple[str, str | None, str, bytes]] = []
    for batch in batches:
        columns = [
            batch.column(name).to_pylist()
            for name in ("patient", "rtype", "rid", "place", "resource")
        ]
        for patient, rtype, rid, place, resource in zip(*columns, strict=True):
            if patient != current:
                if current is not None:
                    out.extend(_records(_patient(current, group, options, plans)))
                current, group = patient, []
            group.append((rtype, rid, place, resource))
        if len(out) >= _BATCH_ROWS:
            yield pa.RecordBatch.from_pylist(out, schema=schema)
            out = []
    if current is not None:
        out.extend(_records(_patient(current, group, options, plans)))
    if out:
        yield pa.RecordBatch.from_pylist(out, schema=schema)


def _conflict(found: Any) -> None:
    if found:
        rtype, rid, first, last = found
        raise invalid(
            f"{first} and {last}",
            f"one {rtype}/{rid} (two files disagree about it)",
            "two different resources",
            "conflicting_id",
        )


def _sorted(table: Any) -> Any:
    return table.sort_by(
        [
            ("skip_rule", "ascending"),
            ("patient", "ascending"),
            ("pain_type", "ascending"),
            ("skip_where", "ascending"),
            ("skip_detail", "ascending"),
        ]
    )


def run_duckdb(
    staging: Path,
    options: Options,
    sink: Callable[[Any], None],
    *,
    progress: Callable[[int], None] | None = None,
    memory_limit: str = "1GB",
) -> None:
    """The results with DuckDB: an out-of-core sort by patient, streamed in batches.

    Each record batch of results goes to ``sink`` as it is made, in patient order: nothing
    is held.
    """
    import duckdb  # noqa: PLC0415 (an extra's, where used)

    connection = duckdb.connect(str(staging / "work.duckdb"))
    try:
        connection.execute(f"SET memory_limit = '{memory_limit}'")
        connection.execute(f"SET temp_directory = '{staging / 'spill'}'")
        connection.execute("SET preserve_insertion_order = false")
        connection.execute("SET enable_progress_bar = false")
        connection.read_parquet(str(staging / "resources.parquet")).create_view("staging")
        _conflict(connection.execute(CONFLICTS).fetchone())
        relation = connection.sql(
            "SELECT patient, rtype, rid, place, resource FROM staging ORDER BY patient, seq"
        )
        reader = relation.to_arrow_reader(batch_size=_BATCH_ROWS)

        def counted() -> Iterator[Any]:
            done = 0
            for batch in reader:
                yield batch
                done += batch.num_rows
                if progress is not None:
                    progress(done)

        for batch in grouped(counted(), options):
            sink(batch)
    finally:
        connection.close()


def local_spark(master: str = "local[*]") -> Any:
    """A local SparkSession for the Spark engine (Python workers: this interpreter)."""
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    from pyspark.sql import SparkSession  # noqa: PLC0415 (an extra's, where used)

    session = (
        SparkSession.builder.master(master)
        .appName("painmodalities-population")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", str(os.cpu_count() or 1))
        .config("spark.sql.execution.arrow.maxRecordsPerBatch", str(_BATCH_ROWS))
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    return session


def run_spark(staging: Path, options: Options, spark: Any, sink: Callable[[Any], None]) -> None:
    """The results with Spark: hash the patient key into partitions, sort each, map in Arrow.

    ``staging`` must be a path every executor can read (on a cluster: shared storage). The
    results come back to the driver as one Arrow table, sorted as DuckDB gives them, and go
    to ``sink`` a batch at a time.
    """
    frame = spark.read.parquet(str(staging / "resources.parquet"))
    frame.createOrReplaceTempView("staging")
    found = spark.sql(CONFLICTS).collect()
    _conflict(tuple(found[0]) if found else None)
    partitions = max(1, int(spark.sparkContext.defaultParallelism))
    schema = result_schema()

    def run(batches: Iterator[Any]) -> Iterator[Any]:
        return grouped(batches, options)

    with warnings.catch_warnings():
        # PySpark warns that it "does not yet fully support pandas >= 3"; Arrow, not pandas,
        # carries the data here.
        warnings.filterwarnings("ignore", "PySpark does not yet fully support pandas")
        table = (
            frame.repartition(partitions, "patient")
            .sortWithinPartitions("patient", "seq")
            .select("patient", "rtype", "rid", "place", "resource")
            .mapInArrow(run, _spark_schema(schema))
            .toArrow()
        )
    for batch in _sorted(table.cast(schema)).to_batches(max_chunksize=_BATCH_ROWS):
        sink(batch)


def _spark_schema(schema: Any) -> str:
    names = {"bool": "boolean", "string": "string"}
    return ", ".join(f"{field.name} {names[str(field.type)]}" for field in schema)
