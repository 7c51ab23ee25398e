"""Work on received files under a guard: one poison pill never stops the others (issue 13).

Spreadsheets are read by native code (calamine) that can abort the whole process: a 1.5 kB xlsx
declaring a cell at XFD1048576 asks for 512 GiB and ends in SIGABRT. So each file is worked on in
a worker process that has

- a memory limit (`RLIMIT_AS`, the address space it may add to what it had when forked): a
  Python `MemoryError` or a native allocation failure stays inside that worker;
- a time limit per file: a worker over it is killed;
- its standard error sent to a log file: a native abort's message never reaches the user.

The pool outlives its workers: a dead worker is replaced at once, and the file it held is tried
once more in a fresh worker (it may have been killed from outside), then given up as a `Failure`
that the caller turns into a French reason. Workers are forked: they inherit the registers of the
pass without pickling, and start in milliseconds; they are reused from file to file (a process
per file would cost more than the check itself).

`GuardedPool.map(items)` yields, in the order of `items`, either what `work(item)` returned or a
`Failure`; it takes paths or any picklable item, so the CLI pass and the Prefect flow use it alike.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import resource
import signal
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any, Generic, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")

# A file that killed its worker is tried once more in a fresh one before it is given up.
ATTEMPTS = 2
# Files sent ahead to each worker: it starts the next one while the pass records the last.
AHEAD = 2


@dataclass(frozen=True)
class Limits:
    """What one worker may use for one file."""

    memory_bytes: int  # address space a worker may add to what it had when forked
    seconds: float  # time for one file


@dataclass(frozen=True)
class Failure:
    """A file whose work did not come back."""

    cause: str  # "mémoire" (MemoryError), "temps" (killed after the time limit),
    #             "arrêt" (the worker died twice on it: native abort, signal), "erreur"
    detail: str  # for the error log: traceback, exit code


def address_space() -> int:
    """This process's current address space, in bytes (Linux)."""
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[0]) * resource.getpagesize()


def resident_memory() -> int:
    """This process's current resident memory, in bytes (Linux)."""
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize()


def _serve(connection: Connection, inherited: list[Connection], work: Callable[[Any], Any],
           memory: int, log: Path | None) -> None:
    """A worker's life: one item at a time until the pool closes the pipe (or dies)."""
    for other in inherited:  # the pool's ends, forked along: the pipe ends when the pool goes
        other.close()
    # What the worker inherited (the pass's registers and indexes: half a million objects for a
    # national network) is never garbage: out of the collector's sight, a full collection
    # neither walks it nor writes to its pages (which the fork shares with the pass).
    gc.freeze()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the pass's to handle
    if log is not None:
        log.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        os.dup2(descriptor, 2)
        os.close(descriptor)
    limit = address_space() + memory
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    while True:
        try:
            item = connection.recv()
        except (EOFError, OSError):
            return
        try:
            reply: tuple[str, Any] = ("ok", work(item))
        except MemoryError:
            reply = ("mémoire", "MemoryError")
        except Exception:  # noqa: BLE001 — the pass decides what an error means for the file
            reply = ("erreur", traceback.format_exc())
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        try:
            connection.send((*reply, peak))
        except MemoryError:  # the result itself too large to send
            connection.send(("mémoire", "MemoryError (résultat)", peak))


@dataclass
class _Worker:
    process: Any  # multiprocessing.Process (fork context)
    connection: Connection
    outstanding: deque[int] = field(default_factory=deque)  # indexes sent, oldest in progress
    started: float = 0.0  # when the oldest outstanding item started


class GuardedPool(Generic[Item, Result]):
    """Worker processes under memory and time limits, replaced when they die."""

    def __init__(self, work: Callable[[Item], Result], *, workers: int, limits: Limits,
                 log: Path | None = None) -> None:
        self._work = work
        self._size = max(1, workers)
        self.limits = limits
        self._log = log
        self._context = multiprocessing.get_context("fork")
        self._workers: list[_Worker] = []
        self.peak_bytes = 0  # largest resident memory a worker reached
        self.restarts = 0

    def __enter__(self) -> GuardedPool[Item, Result]:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _start(self) -> _Worker:
        ours, theirs = self._context.Pipe()
        process = self._context.Process(
            target=_serve, args=(theirs, [ours, *(w.connection for w in self._workers)],
                                 self._work, self.limits.memory_bytes, self._log),
            daemon=True)
        process.start()
        theirs.close()
        worker = _Worker(process, ours)
        self._workers.append(worker)
        return worker

    def _stop(self, worker: _Worker, *, kill: bool = False) -> None:
        self._workers.remove(worker)
        worker.connection.close()
        if kill and worker.process.is_alive():
            worker.process.kill()
        worker.process.join(5)
        if worker.process.is_alive():
            worker.process.kill()
            worker.process.join()

    def close(self) -> None:
        for worker in list(self._workers):
            self._stop(worker)

    def map(self, items: Iterable[Item]) -> Iterator[Result | Failure]:
        """What `work` returned for each item, or its Failure, in the order of `items`;
        each is yielded as soon as it and those before it are done."""
        items = list(items)
        queue: deque[int] = deque(range(len(items)))
        done: dict[int, Result | Failure] = {}
        attempts = [0] * len(items)
        following = 0
        while following < len(items):
            # Whatever the workers finished meanwhile is taken and replaced by new files before
            # a result is handed over: a worker never waits while the pass records.
            self._collect(done, queue, attempts, block=following not in done)
            self._send(items, queue)
            if following in done:
                yield done.pop(following)
                following += 1

    def _send(self, items: list[Item], queue: deque[int]) -> None:
        for worker in list(self._workers):
            if not worker.outstanding and not worker.process.is_alive():
                self._stop(worker)  # died idle (killed from outside): replaced below
                self.restarts += 1
        while len(self._workers) < self._size and queue:
            self._start()
        for worker in list(self._workers):
            while queue and len(worker.outstanding) < AHEAD:
                index = queue.popleft()
                try:
                    worker.connection.send(items[index])
                except OSError:  # died before it took it: not the item's fault
                    queue.appendleft(index)
                    break
                if not worker.outstanding:
                    worker.started = time.monotonic()
                worker.outstanding.append(index)

    def _collect(self, done: dict[int, Any], queue: deque[int], attempts: list[int], *,
                 block: bool = True) -> None:
        """Results and deaths of the busy workers: waits for the first (up to the oldest
        file's time limit) when `block`, takes only those already there otherwise."""
        busy = [w for w in self._workers if w.outstanding]
        if not busy:  # every send failed: dead workers are replaced on the next round
            return
        deadline = min(w.started for w in busy) + self.limits.seconds
        ready = wait([w.connection for w in busy] + [w.process.sentinel for w in busy],
                     timeout=max(0.0, deadline - time.monotonic()) if block else 0)
        for worker in busy:
            if worker.connection in ready and self._receive(worker, done):
                continue
            if worker.process.sentinel in ready or not worker.process.is_alive():
                self._died(worker, done, queue, attempts)
            elif time.monotonic() - worker.started > self.limits.seconds:
                index = worker.outstanding.popleft()
                done[index] = Failure("temps", f"plus de {self.limits.seconds:g} s")
                self._stop(worker, kill=True)
                queue.extendleft(reversed(worker.outstanding))
                self.restarts += 1

    def _receive(self, worker: _Worker, done: dict[int, Any]) -> bool:
        """Every result the worker has sent (it may have finished all its files meanwhile);
        False when its pipe broke (it died: its sentinel says so)."""
        while worker.outstanding:
            try:
                status, payload, peak = worker.connection.recv()
            except (EOFError, OSError):
                return False
            index = worker.outstanding.popleft()
            worker.started = time.monotonic()
            self.peak_bytes = max(self.peak_bytes, peak)
            done[index] = payload if status == "ok" else Failure(status, payload)
            try:
                if not worker.connection.poll():
                    break
            except (EOFError, OSError):
                break
        return True

    def _died(self, worker: _Worker, done: dict[int, Any], queue: deque[int],
              attempts: list[int]) -> None:
        self._stop(worker)
        self.restarts += 1
        culprit, *others = worker.outstanding
        queue.extendleft(reversed(others))
        attempts[culprit] += 1
        if attempts[culprit] < ATTEMPTS:
            queue.appendleft(culprit)
        else:
            code = worker.process.exitcode
            cause = f"signal {-code}" if code is not None and code < 0 else f"code {code}"
            done[culprit] = Failure("arrêt", f"processus de lecture arrêté ({cause})")
