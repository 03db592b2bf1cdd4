"""The engines: DuckDB on one machine, Spark beyond it, over the same staged resources.

Both sort the staged resources by patient (DuckDB out of core, Spark by hashing the patient
key into partitions and sorting each), then hand the sorted record batches to the same
function, :func:`~painmodalities.population._grouped.grouped`, which cuts them into patients
and runs the per-patient function on each (DuckDB's, in a pool of processes for a large
export). The rows and skips come out in one Arrow schema, sorted the same way by both.
"""

import contextlib
import os
import pickle
import sys
import warnings
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any, Final

from painmodalities.errors import invalid
from painmodalities.population._bulk import PARTS, Runner
from painmodalities.population._grouped import BATCH_ROWS, Options, grouped, result_schema
from painmodalities.population._workers import in_workers

__all__ = [
    "CONFLICTS",
    "ENGINES",
    "PLACES",
    "local_spark",
    "run_duckdb",
    "run_spark",
    "spark_runner",
]

#: The engines, by name.
ENGINES: Final = ("duckdb", "spark")

#: Two resources of one type and id that differ (the same query runs on both engines): an
#: aggregate of one pass, by type and id, with no distinct count (Spark's plan for
#: ``count(DISTINCT digest)`` sorts and shuffles twice, and cost about three times the CPU).
CONFLICTS: Final = """
SELECT rtype, rid
FROM staging
WHERE rid IS NOT NULL
GROUP BY rtype, rid
HAVING min(digest) <> max(digest)
ORDER BY rtype, rid
LIMIT 1
"""
#: Where the export first and last holds a type and id that CONFLICTS found (rarely run).
PLACES: Final = """
SELECT min_by(place, seq), max_by(place, seq) FROM staging WHERE rtype = ? AND rid = ?
"""


def _conflict(found: Any, places: Callable[[list[str]], Any]) -> None:
    """Raise for the type and id ``found`` (if any), at the places ``places`` finds it."""
    if found:
        rtype, rid = found
        first, last = places([rtype, rid])
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
    memory_limit: str = "256MB",
    processes: ProcessPoolExecutor | None = None,
    workers: int = 1,
) -> None:
    """The results with DuckDB: an out-of-core sort by patient, streamed in batches.

    Each record batch of results goes to ``sink`` as it is made, in patient order: nothing
    is held. With a pool of ``processes`` (of ``workers``), the per-patient work runs there.
    """
    import duckdb  # noqa: PLC0415 (an extra's, where used)

    connection = duckdb.connect(str(staging / "work.duckdb"))
    try:
        connection.execute(f"SET memory_limit = '{memory_limit}'")
        connection.execute(f"SET temp_directory = '{staging / 'spill'}'")
        connection.execute("SET preserve_insertion_order = false")
        connection.execute("SET enable_progress_bar = false")
        connection.read_parquet(str(staging / PARTS / "*.parquet")).create_view("staging")
        _conflict(
            connection.execute(CONFLICTS).fetchone(),
            lambda key: connection.execute(PLACES, key).fetchone(),
        )
        relation = connection.sql(
            "SELECT patient, rtype, rid, place, resource FROM staging ORDER BY patient, seq"
        )
        reader = relation.to_arrow_reader(batch_size=BATCH_ROWS)

        def counted() -> Iterator[Any]:
            done = 0
            for batch in reader:
                yield batch
                done += batch.num_rows
                if progress is not None:
                    progress(done)

        if processes is not None:
            in_workers(counted(), options, processes, workers, sink)
        else:
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
        .config("spark.sql.execution.arrow.maxRecordsPerBatch", str(BATCH_ROWS))
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    return session


def spark_runner(spark: Any) -> Runner:
    """Run a function on each task as one Spark task each: the results in the tasks' order.

    Staging runs so on the executors (each needs to read the export's files and write to
    the staging directory), on as many cores as Spark has. It runs through ``mapInArrow``,
    as the per-patient work does: Spark then reuses the same Python workers for both
    (it keeps the workers of Python SQL functions apart from those of RDD functions).
    """

    def run(function: Callable[[Any], Any], tasks: Sequence[Any]) -> list[Any]:
        given = list(tasks)

        def each(batches: Iterator[Any]) -> Iterator[Any]:
            import pyarrow as pa  # noqa: PLC0415 (on the executor)

            for batch in batches:
                for index in batch.column(0).to_pylist():
                    result = pickle.dumps(function(given[index]))
                    yield pa.RecordBatch.from_pydict({"index": [index], "result": [result]})

        with _arrow_only():
            rows = (
                spark.range(len(given), numPartitions=max(1, len(given)))
                .mapInArrow(each, "index long, result binary")
                .collect()
            )
        # Pickled by the function above, on this run's executors.
        found = {row["index"]: pickle.loads(row["result"]) for row in rows}  # noqa: S301
        return [found[index] for index in range(len(given))]

    return run


@contextlib.contextmanager
def _arrow_only() -> Iterator[None]:
    with warnings.catch_warnings():
        # PySpark warns that it "does not yet fully support pandas >= 3"; Arrow, not pandas,
        # carries the data here.
        warnings.filterwarnings("ignore", "PySpark does not yet fully support pandas")
        yield


def run_spark(staging: Path, options: Options, spark: Any, sink: Callable[[Any], None]) -> None:
    """The results with Spark: hash the patient key into partitions, sort each, map in Arrow.

    ``staging`` must be a path every executor can read (on a cluster: shared storage). The
    results come back to the driver as one Arrow table, sorted as DuckDB gives them, and go
    to ``sink`` a batch at a time.
    """
    frame = spark.read.parquet(str(staging / PARTS))
    frame.createOrReplaceTempView("staging")
    found = spark.sql(CONFLICTS).collect()
    _conflict(
        tuple(found[0]) if found else None,
        lambda key: tuple(spark.sql(PLACES, args=key).collect()[0]),
    )
    # One partition per core: hashing patients spreads them evenly, and more partitions
    # measured slower (each task pays the JVM's and the worker's set-up).
    partitions = max(1, int(spark.sparkContext.defaultParallelism))
    schema = result_schema()

    def run(batches: Iterator[Any]) -> Iterator[Any]:
        return grouped(batches, options)

    with _arrow_only():
        table = (
            frame.repartition(partitions, "patient")
            .sortWithinPartitions("patient", "seq")
            .select("patient", "rtype", "rid", "place", "resource")
            .mapInArrow(run, _spark_schema(schema))
            .toArrow()
        )
    for batch in _sorted(table.cast(schema)).to_batches(max_chunksize=BATCH_ROWS):
        sink(batch)


def _spark_schema(schema: Any) -> str:
    names = {"bool": "boolean", "string": "string"}
    return ", ".join(f"{field.name} {names[str(field.type)]}" for field in schema)
