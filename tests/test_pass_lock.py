"""One ingest pass at a time per workspace, on any machine (issues 13.4, 14.3): the lock lives in
the ledger database. Every test runs on SQLite and on PostgreSQL (throwaway cluster)."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from clauses.errors import PassInProgress
from clauses.ledger import Ledger
from clauses.ledger.tables import verrous

REPO = Path(__file__).parent.parent
BUSY = re.compile(r"^Une relève est déjà en cours depuis (\d\d:\d\d) \((.+), pid (\d+)\)")



def test_a_second_pass_is_refused_naming_the_first(url: str) -> None:
    with Ledger(url) as first, Ledger(url) as second:
        first.lock_pass()
        with pytest.raises(PassInProgress) as busy:
            second.lock_pass()
    found = BUSY.match(str(busy.value))
    assert found, str(busy.value)
    assert found.group(2) == socket.gethostname()
    assert int(found.group(3)) == os.getpid()
    assert busy.value.exit_code == 5


def test_the_lock_is_free_again_once_the_pass_ends(url: str) -> None:
    with Ledger(url) as first:
        first.lock_pass()
    with Ledger(url) as second:
        second.lock_pass()  # no error
    with Ledger(url) as third:
        third.lock_pass()


@pytest.mark.parametrize("structures", [None, ["AI-NIORT"]], ids=["relève", "lot"])
def test_a_pass_killed_mid_way_does_not_block_the_next_one(url: str, tmp_path: Path,
                                                           structures: list[str] | None) -> None:
    ready = tmp_path / "pret"
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time, pathlib; from clauses.ledger import Ledger; "
         "ledger = Ledger(sys.argv[1]); "
         "ledger.lock_pass(structures=sys.argv[3].split(',') if sys.argv[3] else None); "
         "pathlib.Path(sys.argv[2]).touch(); time.sleep(120)", url, str(ready),
         ",".join(structures or [])],
        cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)})
    try:
        deadline = time.monotonic() + 60
        while not ready.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert ready.exists(), "le processus témoin n'a pas pris le verrou"
        with Ledger(url) as blocked, pytest.raises(PassInProgress, match=f"pid {holder.pid}"):
            blocked.lock_pass(structures=structures)
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=30)
    # SIGKILL: no clean-up ran. PostgreSQL ended the session (and its lock); on SQLite the row of
    # a dead process on this machine is taken over.
    deadline = time.monotonic() + 30
    while True:
        try:
            with Ledger(url) as after:
                after.lock_pass(structures=structures)
            with Ledger(url) as whole:  # and nothing of the dead holder is left
                whole.lock_pass()
            break
        except PassInProgress:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_a_lock_held_on_another_machine_is_never_taken_over(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'clauses.sqlite'}"
    with Ledger(url) as ledger:
        engine = sa.create_engine(url)
        with engine.begin() as connection:
            # Stored in UTC like every instant of the ledger: 08:05 UTC is 09:05 in Paris.
            connection.execute(verrous.insert().values(
                nom="relève", jeton="x" * 32, machine="serveur-b", pid=1,
                depuis=datetime(2026, 11, 12, 8, 5)))
        engine.dispose()
        with pytest.raises(PassInProgress) as busy:
            ledger.lock_pass()
    assert str(busy.value).startswith(
        "Une relève est déjà en cours depuis 09:05 le 12/11/2026 (serveur-b, pid 1)")


def test_the_holder_start_is_stored_in_utc(url: str) -> None:
    with Ledger(url) as ledger:
        ledger.lock_pass(structures=["AI-NIORT"])
        engine = sa.create_engine(url)
        try:
            with engine.connect() as connection:
                [since] = connection.execute(sa.select(verrous.c.depuis)).scalars()
        finally:
            engine.dispose()
    utc_now = datetime.now(UTC).replace(tzinfo=None)
    assert abs((utc_now - since.replace(tzinfo=None)).total_seconds()) < 60


# --- batches (issue 14.2): one pass at a time per structure ----------------------------------

BATCH_BUSY = re.compile(r"^Une relève de (\S+) est déjà en cours depuis (\d\d:\d\d) \((.+), pid "
                        r"(\d+)\) : celle-ci n'a rien fait : ses fichiers restent dans le dépôt "
                        r"pour la relève suivante\.$")


def test_batches_of_other_structures_hold_their_locks_together(url: str) -> None:
    with Ledger(url) as first, Ledger(url) as second:
        first.lock_pass(structures=["AI-NIORT", "ACI-EST"])
        second.lock_pass(structures=["ETTI-SUD"])  # no error


def test_a_batch_sharing_a_structure_is_refused_naming_it(url: str) -> None:
    with Ledger(url) as first, Ledger(url) as second:
        first.lock_pass(structures=["AI-NIORT", "ETTI-SUD"])
        with pytest.raises(PassInProgress) as busy:
            second.lock_pass(structures=["ACI-EST", "ETTI-SUD"])
        third_free = Ledger(url)
        try:
            third_free.lock_pass(structures=["ACI-EST"])  # the refused batch kept nothing
        finally:
            third_free.close()
    found = BATCH_BUSY.match(str(busy.value))
    assert found, str(busy.value)
    assert found.group(1) == "ETTI-SUD"
    assert (found.group(3), int(found.group(4))) == (socket.gethostname(), os.getpid())
    assert busy.value.exit_code == 5


@pytest.mark.parametrize("first_whole", [True, False], ids=["relève-puis-lot", "lot-puis-relève"])
def test_a_whole_pass_and_a_batch_exclude_each_other(url: str, first_whole: bool) -> None:
    whole, batch = {"structures": None}, {"structures": ["ETTI-SUD"]}
    with Ledger(url) as first, Ledger(url) as second:
        first.lock_pass(**(whole if first_whole else batch))
        with pytest.raises(PassInProgress) as busy:
            second.lock_pass(**(batch if first_whole else whole))
    if first_whole:
        assert str(busy.value).startswith("Une relève est déjà en cours depuis "), busy.value
        assert str(busy.value).endswith("ses fichiers restent dans le dépôt pour la relève "
                                        "suivante."), busy.value
    else:
        assert str(busy.value).startswith(
            "Une relève de ETTI-SUD est déjà en cours depuis "), busy.value
    with Ledger(url) as after:  # both released
        after.lock_pass()
