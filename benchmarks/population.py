"""Benchmark of the population report: DuckDB end to end, Spark on two and one cores, the floor.

For each size N, a seeded synthetic export of N patients (``write_synthetic_export``, written
before timing) is read by:

- ``floor``: DuckDB reading the same NDJSON (``read_ndjson_objects``) and grouping it by
  patient (the Patient's id or the subject's reference) with no per-patient work;
- ``duckdb``: :func:`population_report` with the DuckDB engine, end to end (staging, one
  file of the export per task, the out-of-core sort, ``read_bundle`` (validation level
  ``elements``, the report's default) and ``plan`` for every patient, the rows written to a
  Parquet file, the report);
- ``spark local[2]`` and ``spark local[1]``: the same with the Spark engine (staging too
  runs in Spark's tasks, on two cores or one), the session started before timing (its
  start-up is shown apart).

Each measurement runs in a fresh subprocess, so that its peak RSS (``ru_maxrss`` of that
Python process, DuckDB included as it runs in-process) is its own. With ``--workers N`` the
DuckDB engine is also run with its staging and per-patient work in N processes
(``workers=N``, what the command line does on an N-core machine); then the figure for the
memory target is the peak of the whole process tree (the resident memory of the process
and its workers, summed, sampled every 0.1 s from ``/proc``; a worker's own ``ru_maxrss``
would count the parent's memory it was forked with before ``exec``). For Spark it is the
driver's only: the JVM and its Python workers are not counted. Ratios are of wall times in
the same run.

With ``--cache DIR`` each export is written once to ``DIR/patients-N-seed-0`` and read from
there by later runs (delete the directory after a change to the synthetic generator).

The full run (sizes 100,000, 300,000 and 1,000,000; DuckDB with one process
and with one per core; Spark ``local[2]`` and ``local[1]`` at 100,000 patients only):

    python benchmarks/population.py --full --cache /work/bulk-cache

Targets (issue 27, on 1,000,000 patients, 2 cores): DuckDB within 3x the floor; peak memory
under 2 GiB and flat in N; Spark within 2x of DuckDB; local[2] at least 1.6x faster than
local[1].

    python benchmarks/population.py --patients 10000,30000,100000 --no-spark --workers 2
    python benchmarks/population.py --patients 100000 --spark-max 100000 --cache DIR
    python benchmarks/population.py --patients 10000 --workers 2    # with Spark
    python benchmarks/population.py --small                         # 300 patients, DuckDB only
"""

import argparse
import contextlib
import datetime
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
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


def _tree_rss(pid: int) -> int:
    """The resident memory of process ``pid`` and all its descendants, in KiB (Linux)."""
    total = 0
    try:
        status = Path(f"/proc/{pid}/status").read_text()
        total += next(
            int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")
        )
        for task in Path(f"/proc/{pid}/task").iterdir():
            for child in (task / "children").read_text().split():
                total += _tree_rss(int(child))
    except (OSError, StopIteration):  # the process ended meanwhile
        pass
    return total


@contextlib.contextmanager
def _tree_peak(found: dict[str, Any]) -> Iterator[None]:
    """Sample this process tree's resident memory while the block runs: its peak, in MiB."""
    peak = [0]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.1):
            peak[0] = max(peak[0], _tree_rss(os.getpid()))

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()
        found["tree_mib"] = round(peak[0] / 1024, 1)


def _child(kind: str, manifest: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, "--child", kind, manifest],
        capture_output=True,
        text=True,
        check=True,
    )
    found: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return found


@contextlib.contextmanager
def _export(size: int, cache: str | None) -> Iterator[str]:
    """The manifest of the seeded export of ``size`` patients: cached, or in a scratch dir."""
    from painmodalities.population import write_synthetic_export

    if cache is None:
        with tempfile.TemporaryDirectory() as scratch:
            yield str(write_synthetic_export(scratch, size, seed=0, as_of=AS_OF))
        return
    folder = Path(cache) / f"patients-{size}-seed-0"
    if not (folder / "manifest.json").is_file():
        partial = folder.with_name(f".partial-{folder.name}")
        write_synthetic_export(partial, size, seed=0, as_of=AS_OF)
        partial.rename(folder)  # only a complete export is ever found there
    yield str(folder / "manifest.json")


def _cores() -> int:
    from painmodalities.population._workers import cores

    return cores()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--patients", default="10000,30000,100000", help="sizes, comma-separated")
    parser.add_argument("--small", action="store_true", help="300 patients, DuckDB and floor")
    parser.add_argument(
        "--full",
        action="store_true",
        help="the full run: 100k, 300k and 1M patients, --workers one per core, "
        "Spark at 100k only",
    )
    parser.add_argument("--no-spark", action="store_true", help="leave Spark out")
    parser.add_argument(
        "--spark-max", type=int, default=0, help="run Spark only up to this size (0: every size)"
    )
    parser.add_argument(
        "--workers", type=int, default=0, help="also run DuckDB with this many processes"
    )
    parser.add_argument("--cache", help="a directory keeping the generated exports across runs")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    return parser


def _show(size: int, results: dict[str, dict[str, Any]], pooled: str | None) -> float:
    """Print one size's times and ratios; return the DuckDB engine's peak memory (MiB)."""
    line = [f"N={size:>8}"]
    for kind, found in results.items():
        startup = f" (+{found['startup']:.1f} s start-up)" if "startup" in found else ""
        child = ""
        if "workers" in kind:
            child = f" (with its workers: {found['tree_mib']} MiB)"
        line.append(
            f"{kind}: {found['seconds']:.2f} s{startup}, peak {found['peak_mib']} MiB{child}"
        )
    print("; ".join(line))
    duck, floor = results["duckdb"]["seconds"], results["floor"]["seconds"]
    ratios = [f"duckdb/floor {duck / floor:.1f}x"]
    best, peak = duck, results["duckdb"]["peak_mib"]
    if pooled is not None:
        found = results[pooled]
        best = min(duck, found["seconds"])
        ratios.append(f"{pooled}/floor {found['seconds'] / floor:.1f}x")
        peak = max(peak, found["tree_mib"])
    if "spark local[2]" in results:
        two, one = results["spark local[2]"]["seconds"], results["spark local[1]"]["seconds"]
        ratios += [
            f"spark local[2]/best duckdb {two / best:.2f}x",
            f"local[1]/local[2] {one / two:.2f}x",
        ]
    print("           " + ", ".join(ratios), flush=True)
    print(f"           load average: {' '.join(f'{n:.2f}' for n in os.getloadavg())}")
    return float(peak)


def main() -> None:
    args = _parser().parse_args()
    if args.child:
        sampled: dict[str, Any] = {}
        with _tree_peak(sampled):
            found = _measure(*args.child)
        found.update(sampled)
        found["peak_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
        print(json.dumps(found))
        return
    if args.full:
        args.patients, args.workers = "100000,300000,1000000", max(2, _cores())
        args.spark_max = args.spark_max or 100_000
    sizes = [300] if args.small else [int(n) for n in args.patients.split(",")]
    pooled = f"duckdb workers={args.workers}" if args.workers > 1 else None
    base = ["floor", "duckdb", *([pooled] if pooled else [])]
    spark = [] if args.small or args.no_spark else ["spark local[2]", "spark local[1]"]
    print(f"{os.cpu_count()} cores; times are wall seconds, peak is the Python process's max RSS")
    print(f"load average before: {' '.join(f'{n:.2f}' for n in os.getloadavg())}", flush=True)
    peaks: dict[int, float] = {}
    for size in sizes:
        kinds = base + (spark if not args.spark_max or size <= args.spark_max else [])
        with _export(size, args.cache) as manifest:
            results = {kind: _child(kind, manifest) for kind in kinds}
        peaks[size] = _show(size, results, pooled)
    if len(peaks) > 1:
        low, high = min(peaks), max(peaks)
        print(
            f"peak memory of the DuckDB engine (all its processes): {peaks[low]:.0f} MiB at "
            f"N={low}, {peaks[high]:.0f} MiB at N={high} ({peaks[high] / peaks[low]:.2f}x; "
            "target: under 2048 MiB and flat)"
        )


if __name__ == "__main__":
    main()
