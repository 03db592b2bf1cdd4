"""The staging and the per-patient work on several processes, for the DuckDB engine.

DuckDB sorts and streams on every core, but staging and the per-patient function are
Python: in one process they use one core. One pool of processes does both: it stages the
export's files (one task per file, :func:`pool_runner`), then works the sorted stream, cut
into chunks that each hold whole patients (the same :func:`grouped` as in one process), and
the results are handed on in the order of the chunks, so that the output is the same as in
one process. At most two chunks per process are in flight: memory does not grow with the
export. The processes are started with ``spawn`` (DuckDB's threads run in the calling
process, which must not be forked): a script that asks for workers must guard its entry
point with ``if __name__ == "__main__":``.
"""

import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any, Final

from painmodalities.errors import invalid
from painmodalities.population._bulk import Runner
from painmodalities.population._grouped import Options, grouped

__all__ = [
    "AUTO_MIN_BYTES",
    "CHUNK_ROWS",
    "check_workers",
    "chunks",
    "cores",
    "in_workers",
    "pool",
    "pool_runner",
    "workers_for",
]

#: The smallest export (its NDJSON files' bytes) for which ``workers=None`` starts
#: processes: below it (about 10,000 patients of the synthetic export, a few seconds of
#: work) their start-up (a ``spawn``ed Python importing the library and, for the
#: per-patient work, the FHIR models: about a second each) costs more than they win.
AUTO_MIN_BYTES: Final = 12 << 20
#: How many staged resources a chunk sent to a process holds, at least (a chunk pays a
#: round trip and the plans of its pain types: a few milliseconds).
CHUNK_ROWS: Final = 16_384


def check_workers(workers: object) -> None:
    """Raise unless ``workers`` is ``None`` (automatic) or a whole number of at least 1."""
    if workers is not None and (type(workers) is not int or workers < 1):
        raise invalid(
            "$.workers", "a whole number of processes, at least 1, or None", workers, "range"
        )


def cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on every platform
        return os.cpu_count() or 1


def workers_for(workers: int | None, size: int) -> int:
    """How many processes stage and work an export of ``size`` bytes.

    ``workers`` itself, or when ``None``: one per core for an export of at least
    :data:`AUTO_MIN_BYTES`, else 1.
    """
    if workers is not None:
        return workers
    return cores() if size >= AUTO_MIN_BYTES else 1


def pool(workers: int) -> ProcessPoolExecutor:
    """A pool of ``workers`` processes, started with ``spawn``."""
    # "spawn": DuckDB's threads run in this process, and forking a threaded process is unsafe.
    return ProcessPoolExecutor(
        max_workers=workers, mp_context=multiprocessing.get_context("spawn")
    )


def pool_runner(
    processes: ProcessPoolExecutor,
) -> Runner:
    """Run a function on each task in ``processes``: the results in the tasks' order."""

    def run(function: Callable[[Any], Any], tasks: Sequence[Any]) -> list[Any]:
        return list(processes.map(function, tasks))

    return run


def chunks(batches: Iterable[Any], rows: int = CHUNK_ROWS) -> Iterator[list[Any]]:
    """The record batches, sorted by patient, regrouped so that no patient straddles two.

    Every chunk but the last holds at least ``rows`` resources.
    """
    import pyarrow.compute as pc  # noqa: PLC0415 (an extra's, where used)

    pending: list[Any] = []
    held = 0
    for batch in batches:
        if not batch.num_rows:
            continue
        patients = batch.column("patient")
        last = pc.sum(pc.equal(patients, patients[-1])).as_py()
        cut = batch.num_rows - last  # the last patient's rows are the batch's last ones
        rest = batch
        if cut and held + cut >= rows:
            yield [*pending, batch.slice(0, cut)]
            pending, held, rest = [], 0, batch.slice(cut)
        pending.append(rest)
        held += rest.num_rows
    if pending:
        yield pending


def _work(batches: list[Any], options: Options) -> list[Any]:
    """One chunk's results (in a process of the pool)."""
    return list(grouped(iter(batches), options))


def in_workers(
    batches: Iterable[Any],
    options: Options,
    processes: ProcessPoolExecutor,
    workers: int,
    sink: Callable[[Any], None],
    *,
    chunk_rows: int = CHUNK_ROWS,
) -> None:
    """Run the per-patient function over ``batches`` in the pool ``processes``, in order.

    The batches are sent in :func:`chunks` of at least ``chunk_rows`` resources, at most two
    per process (the pool has ``workers``) in flight.
    """
    flight: deque[Future[list[Any]]] = deque()
    for chunk in chunks(batches, chunk_rows):
        flight.append(processes.submit(_work, chunk, options))
        if len(flight) >= 2 * workers:
            for batch in flight.popleft().result():
                sink(batch)
    while flight:
        for batch in flight.popleft().result():
            sink(batch)
