"""One ingest pass at a time per workspace, whoever starts it and on whichever machine
(issues 13.4, 14.3): the lock lives in the ledger database, the one thing every run shares.

- PostgreSQL: a session advisory lock (`pg_try_advisory_lock`) on a connection kept open for the
  whole pass; the server releases it when that connection ends, crash included. The `verrous` row
  only names the holder for the message the next run prints.
- SQLite: the `verrous` row IS the lock, written under SQLite's exclusive write lock. A holder that
  died (same machine, pid gone) is taken over; one on another machine is never guessed dead.

A second run raises `PassInProgress`: « une relève est déjà en cours depuis HH:MM (machine,
pid …) », exit code 5.
"""

from __future__ import annotations

import os
import socket
import uuid
import zlib
from datetime import datetime

import sqlalchemy as sa

from clauses.errors import PassInProgress
from clauses.ledger.engine import writing
from clauses.ledger.tables import verrous

INGEST = "relève"
# High half of the advisory key: "Clau"; the low half is the lock name's CRC-32.
_KEY_PREFIX = 0x436C6175 << 32


def _advisory_key(name: str) -> int:
    key = _KEY_PREFIX | zlib.crc32(name.encode())
    return key - (1 << 64) if key >= 1 << 63 else key  # PostgreSQL's bigint is signed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    return True


class PassLock:
    """A held lock; `release()` (idempotent) gives it back."""

    def __init__(self, engine: sa.Engine, name: str, token: str,
                 connection: sa.Connection | None) -> None:
        self._engine, self.name = engine, name
        self._token: str | None = token
        self._connection = connection  # PostgreSQL: the session holding the advisory lock

    def release(self) -> None:
        if self._token is None:
            return
        token, self._token = self._token, None
        try:
            with writing(self._engine) as connection:
                connection.execute(verrous.delete().where(verrous.c.nom == self.name,
                                                          verrous.c.jeton == token))
        finally:
            if self._connection is not None:
                connection, self._connection = self._connection, None
                try:
                    connection.execute(sa.text("SELECT pg_advisory_unlock(:key)"),
                                       {"key": _advisory_key(self.name)})
                finally:
                    connection.close()


def _busy(row: sa.Row | None) -> PassInProgress:
    if row is None:  # PostgreSQL: the holder has not written its row yet
        return PassInProgress("Une relève est déjà en cours : celle-ci n'a rien fait. "
                              "Relancez-la une fois la précédente terminée.")
    since = row.depuis
    day = "" if since.date() == datetime.now().date() else f" le {since:%d/%m/%Y}"
    return PassInProgress(
        f"Une relève est déjà en cours depuis {since:%H:%M}{day} ({row.machine}, pid "
        f"{row.pid}) : celle-ci n'a rien fait. Relancez-la une fois la précédente terminée.")


def acquire(engine: sa.Engine, name: str = INGEST) -> PassLock:
    """Take the named workspace lock or raise `PassInProgress` naming its holder."""
    token = uuid.uuid4().hex
    me = {"nom": name, "jeton": token, "machine": socket.gethostname(), "pid": os.getpid(),
          "depuis": datetime.now().replace(microsecond=0)}
    held: sa.Connection | None = None
    if engine.dialect.name == "postgresql":
        held = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        got = held.execute(sa.text("SELECT pg_try_advisory_lock(:key)"),
                           {"key": _advisory_key(name)}).scalar()
        if not got:
            holder = held.execute(sa.select(verrous).where(verrous.c.nom == name)).first()
            held.close()
            raise _busy(holder)
    try:
        with writing(engine) as connection:
            holder = connection.execute(sa.select(verrous).where(verrous.c.nom == name)).first()
            if holder is not None and held is None and not _stale(holder):
                raise _busy(holder)
            # PostgreSQL: the advisory lock is ours, so any row left is from a dead session.
            connection.execute(verrous.delete().where(verrous.c.nom == name))
            connection.execute(verrous.insert().values(**me))
    except BaseException:
        if held is not None:
            held.close()
        raise
    return PassLock(engine, name, token, held)


def _stale(holder: sa.Row) -> bool:
    """A SQLite lock row whose process is gone (same machine only: a pid elsewhere means
    nothing here, and a live pass must never be taken over)."""
    return holder.machine == socket.gethostname() and not _alive(holder.pid)
