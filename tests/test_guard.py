"""The guarded worker pool (clauses/ingest/guard.py): what one item does never stops the others."""

from __future__ import annotations

import os
import signal
import time

import pytest

from clauses.ingest.guard import Failure, GuardedPool, Limits

LIMITS = Limits(memory_bytes=256 * 1024 * 1024, seconds=5)
BEHAVIOURS = {
    "abort": lambda: os.abort(),  # what calamine does on a far-away cell
    "killed": lambda: os.kill(os.getpid(), signal.SIGKILL),
    "memory": lambda: bytearray(1024 * 1024 * 1024),  # 1 GiB, beyond the worker's limit
    "error": lambda: 1 / 0,
}


def work(item):
    if item in BEHAVIOURS:
        BEHAVIOURS[item]()
    return item * 2


@pytest.mark.parametrize("bad, cause", [("abort", "arrêt"), ("killed", "arrêt"),
                                        ("memory", "mémoire"), ("error", "erreur")],
                         ids=["native-abort", "sigkill", "memory-error", "exception"])
def test_one_bad_item_fails_alone_and_the_others_come_back_in_order(bad, cause):
    with GuardedPool(work, workers=2, limits=LIMITS) as pool:
        results = list(pool.map([1, 2, bad, 3, 4, 5]))
    assert results[:2] + results[3:] == [2, 4, 6, 8, 10]
    assert isinstance(results[2], Failure) and results[2].cause == cause


def test_an_item_over_the_time_limit_is_given_up_and_its_worker_replaced():
    def slow(item):
        if item == "slow":
            time.sleep(60)
        return item

    with GuardedPool(slow, workers=1, limits=Limits(LIMITS.memory_bytes, 1)) as pool:
        started = time.monotonic()
        results = list(pool.map(["a", "slow", "b"]))
    assert results[0] == "a" and results[2] == "b" and results[1].cause == "temps"
    # Only "given up long before the 60 s sleep ends": a loaded machine may be slow to restart.
    assert time.monotonic() - started < 45


def test_a_worker_that_dies_is_replaced_and_the_pool_goes_on():
    with GuardedPool(work, workers=1, limits=LIMITS) as pool:
        assert list(pool.map(["abort", 1])) [1] == 2
        assert list(pool.map([2, 3])) == [4, 6]
        assert pool.restarts >= 2  # the file was tried twice before it was given up


def test_native_messages_go_to_the_log_not_the_terminal(tmp_path, capfd):
    log = tmp_path / "erreurs-lecture.log"
    with GuardedPool(work, workers=1, limits=LIMITS, log=log) as pool:
        list(pool.map(["abort"]))
    os.write(2, b"")
    assert capfd.readouterr().err == ""


def test_the_workers_are_fed_while_the_pass_records(tmp_path):
    """Each time the pass comes back for a result, the workers' finished files are taken and
    replaced first: a slow recording never leaves the workers idle with work waiting."""
    log = tmp_path / "started.log"

    def logged(item):
        with open(log, "a", encoding="utf-8") as handle:
            handle.write(f"{item}\n")
        return item

    items = list(range(16))
    started_when_handed = []
    with GuardedPool(logged, workers=2, limits=LIMITS) as pool:
        for result in pool.map(items):
            started_when_handed.append(len(log.read_text(encoding="utf-8").split()))
            assert result == len(started_when_handed) - 1
            time.sleep(0.2)  # the pass records this file: the workers finish theirs meanwhile
    # By the 4th file handed over, the workers had had three chances to be given more, each
    # time with their two files in hand finished: far more than the first round's four.
    assert started_when_handed[3] >= 10, started_when_handed
