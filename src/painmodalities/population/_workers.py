"""The per-patient work on several processes, for the DuckDB engine.

DuckDB sorts and streams on every core, but the per-patient function is Python: in one
process it uses one core. Here the sorted stream is cut into chunks that each hold whole
patients, each chunk is worked in a process of a pool (the same :func:`grouped` as in one
process), and the results are handed on in the order of the chunks, so that the output is
the same as in one process. At most two chunks per process are in flight: memory does not
grow with the export. The processes are started with ``spawn`` (DuckDB's threads run in the
calling process, which must not be forked): a script that asks for workers must guard its
entry point with ``if __name__ == "__main__":``.
"""

import multiprocessing
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

from painmodalities.errors import invalid
from painmodalities.population._grouped import Options, grouped

__all__ = ["check_workers", "chunks", "in_workers"]


def check_workers(workers: object) -> None:
    """Raise unless ``workers`` is a whole number of at least 1."""
    if type(workers) is not int or workers < 1:
        raise invalid("$.workers", "a whole number of processes, at least 1", workers, "range")


def chunks(batches: Iterable[Any]) -> Iterator[list[Any]]:
    """The record batches, sorted by patient, regrouped so that no patient straddles two."""
    import pyarrow.compute as pc  # noqa: PLC0415 (an extra's, where used)

    pending: list[Any] = []
    for batch in batches:
        if not batch.num_rows:
            continue
        patients = batch.column("patient")
        last = pc.sum(pc.equal(patients, patients[-1])).as_py()
        cut = batch.num_rows - last  # the last patient's rows are the batch's last ones
        if cut:
            yield [*pending, batch.slice(0, cut)]
            pending = []
        pending.append(batch.slice(cut))
    if pending:
        yield pending


def _work(batches: list[Any], options: Options) -> list[Any]:
    """One chunk's results (in a process of the pool)."""
    return list(grouped(iter(batches), options))


def in_workers(
    batches: Iterable[Any], options: Options, workers: int, sink: Callable[[Any], None]
) -> None:
    """Run the per-patient function over ``batches`` in ``workers`` processes, in order."""
    # "spawn": DuckDB's threads run in this process, and forking a threaded process is unsafe.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        flight: deque[Future[list[Any]]] = deque()
        for chunk in chunks(batches):
            flight.append(pool.submit(_work, chunk, options))
            if len(flight) >= 2 * workers:
                for batch in flight.popleft().result():
                    sink(batch)
        while flight:
            for batch in flight.popleft().result():
                sink(batch)
