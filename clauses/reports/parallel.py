"""Workbooks written on every core (issue 14.4): a report run computes its figures once, then
writes hundreds of workbooks — pure Python in xlsxwriter, one core each, most of a national
month's time. The writes are independent: each goes to its own staging file.

Forked workers inherit the figures already in memory (nothing is pickled but an index), write
their share, and exit; the caller then keeps or discards each edition in order, as before. Should
anything go wrong in a worker, every write is done again here, one after the other, so that the
error a person reads is the one a single process gives (an unwritable folder, a full disk)."""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor

# Below this many workbooks a worker costs more to start than it saves.
MIN_PER_WORKER = 8
MAX_WORKERS = 4

_WRITES: Sequence[Callable[[], object]] = ()


def _write(index: int) -> None:
    # No automatic collection while a workbook is written (it ran dozens of times per
    # workbook, each walking the workbook's cells): one collection after it, for its cycles,
    # of the youngest generation only (everything the write made, not what the worker had).
    gc.disable()
    try:
        _WRITES[index]()
    finally:
        gc.collect(0)
        gc.enable()


def worker_count(writes: int) -> int:
    return max(1, min(os.cpu_count() or 1, MAX_WORKERS, writes // MIN_PER_WORKER))


def write_all(writes: Sequence[Callable[[], object]]) -> None:
    """Run every write, on up to `worker_count` forked processes."""
    global _WRITES
    workers = worker_count(len(writes))
    if workers > 1 and "fork" in multiprocessing.get_all_start_methods():
        _WRITES = writes
        # Everything the parent holds (the report's figures: millions of objects) is left out of
        # the workers' garbage collections: a full collection walks every tracked object, and
        # in a forked worker touching them also copies their memory pages. Writing the national
        # semester report, each worker spent half of its time collecting (issue 14.4).
        gc.freeze()
        try:
            # An executor, not multiprocessing.Pool: a worker killed (out of memory) breaks it
            # with an error, where Pool.map would wait for that worker for ever.
            with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
                list(pool.map(_write, range(len(writes)),
                              chunksize=max(1, len(writes) // (workers * 8))))
            return
        except Exception:  # noqa: BLE001 — done again below, where its error is the usual one
            pass
        finally:
            gc.unfreeze()
            _WRITES = ()
    for write in writes:
        write()
