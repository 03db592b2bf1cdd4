"""Benchmark of the population report: DuckDB end to end, Spark on two and one cores, the floor.

For each size N, a seeded synthetic export of N patients (``write_synthetic_export``, written
before timing) is read by:

- ``floor``: DuckDB reading the same NDJSON (``read_ndjson_objects``) and grouping it by
  patient (the Patient's id or the subject's reference) with no per-patient work;
- ``duckdb``: :func:`population_report` with the DuckDB engine, end to end (staging, the
  out-of-core sort, ``read_bundle`` (validation level ``elements``, the report's default)
  and ``plan`` for every patient, the rows written to a Parquet file, the report);
- ``spark local[2]`` and ``spark local[1]``: the same with the Spark engine, the session
  started before timing (its start-up is shown apart).

Each measurement runs in a fresh subprocess, so that its peak RSS (``ru_maxrss`` of that
Python process, DuckDB included as it runs in-process) is its own. With ``--workers N`` the
DuckDB engine is also run with its per-patient work in N processes (``workers=N``); the
largest worker's peak is shown apart. For Spark it is the driver's only: the JVM and its
Python workers are not counted.
Ratios are of wall times in the same run.

Targets (issue 27, on 1,000,000 patients, 2 cores): DuckDB within 3x the floor; peak memory
under 2 GiB and flat in N; Spark within 2x of DuckDB; local[2] at least 1.6x faster than
local[1].

    python benchmarks/population.py --patients 10000,30000,100000 --no-spark --workers 2
    python benchmarks/population.py --patients 10000 --workers 2    # with Spark
    python benchmarks/population.py --small                         # 300 patients, DuckDB only
"""

import argparse
import datetime
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

AS_OF = datetime.date(2025, 1, 1)

FLOOR_SQL = """
SELECT patient, count(*) AS resources FROM (
    SELECT CASE WHEN json_extract_string(json, '$.resourceType') = 'Patient'
                THEN 'Patient/' || json_extract_string(json, '$.id')
                ELSE json_extract_string(json, '$.subject.reference') END AS patient
    FROM read_ndjson_objects(?)
) GROUP BY patient
"""


def _measure(kind: str, manifest: str) -> dict[str, Any]:
    """Run one measurement in this process (the child); return its times."""
    found: dict[str, Any] = {}
    if kind == "floor":
        import duckdb

        start = time.perf_counter()
        folder = str(Path(manifest).parent / "*.ndjson")
        connection = duckdb.connect()
        connection.execute("SET enable_progress_bar = false")
        groups = len(connection.execute(FLOOR_SQL, [folder]).fetchall())
        found["seconds"] = time.perf_counter() - start
        found["groups"] = groups
        return found
    from painmodalities.population import population_report

    spark = None
    if kind.startswith("spark"):
        from painmodalities.population._engines import local_spark

        start = time.perf_counter()
        spark = local_spark(kind.removeprefix("spark "))
        found["startup"] = time.perf_counter() - start
    workers = int(kind.removeprefix("duckdb workers=")) if "workers=" in kind else 1
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as scratch:
        report = population_report(
            manifest,
            as_of=AS_OF,
            engine="spark" if spark else "duckdb",
            spark=spark,
            rows_to=Path(scratch) / "rows.parquet",
            workers=workers,
        )
        found["seconds"] = time.perf_counter() - start
    found["rows"] = report.row_count
    found["patients"] = report.patients
    return found


def _child(kind: str, manifest: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, "--child", kind, manifest],
        capture_output=True,
        text=True,
        check=True,
    )
    found: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--patients", default="10000,30000,100000", help="sizes, comma-separated")
    parser.add_argument("--small", action="store_true", help="300 patients, DuckDB and floor")
    parser.add_argument("--no-spark", action="store_true", help="leave Spark out")
    parser.add_argument(
        "--workers", type=int, default=0, help="also run DuckDB with this many processes"
    )
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        found = _measure(*args.child)
        found["peak_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
        # The largest process this one started and waited for (a pool's worker), if any.
        found["child_mib"] = round(
            resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1
        )
        print(json.dumps(found))
        return
    from painmodalities.population import write_synthetic_export

    sizes = [300] if args.small else [int(n) for n in args.patients.split(",")]
    kinds = ["floor", "duckdb"]
    if args.workers > 1:
        kinds.append(f"duckdb workers={args.workers}")
    if not (args.small or args.no_spark):
        kinds += ["spark local[2]", "spark local[1]"]
    print(f"{os.cpu_count()} cores; times are wall seconds, peak is the Python process's max RSS")
    print(f"load average before: {' '.join(f'{n:.2f}' for n in os.getloadavg())}", flush=True)
    for size in sizes:
        with tempfile.TemporaryDirectory() as scratch:
            manifest = str(write_synthetic_export(scratch, size, seed=0, as_of=AS_OF))
            results = {kind: _child(kind, manifest) for kind in kinds}
        line = [f"N={size:>8}"]
        for kind, found in results.items():
            startup = f" (+{found['startup']:.1f} s start-up)" if "startup" in found else ""
            child = f" (largest worker {found['child_mib']} MiB)" if "workers" in kind else ""
            line.append(
                f"{kind}: {found['seconds']:.2f} s{startup}, peak {found['peak_mib']} MiB{child}"
            )
        print("; ".join(line))
        duck, floor = results["duckdb"]["seconds"], results["floor"]["seconds"]
        ratios = [f"duckdb/floor {duck / floor:.1f}x"]
        if len(kinds) > 2 and "workers" in kinds[2]:
            pooled = results[kinds[2]]["seconds"]
            ratios.append(f"{kinds[2]}/floor {pooled / floor:.1f}x")
        if "spark local[2]" in results:
            two, one = results["spark local[2]"]["seconds"], results["spark local[1]"]["seconds"]
            ratios += [
                f"spark local[2]/duckdb {two / duck:.2f}x",
                f"local[1]/local[2] {one / two:.2f}x",
            ]
        print("           " + ", ".join(ratios), flush=True)
        print(f"           load average: {' '.join(f'{n:.2f}' for n in os.getloadavg())}")


if __name__ == "__main__":
    main()
