"""One ingest pass at a time per structure, whoever starts it and on whichever machine
(issues 13.4, 14.2, 14.3): the lock lives in the ledger database, the one thing every run shares.

A pass over the whole inbox holds the workspace; a batch run (`structures`, issue 14.2) holds
only its structures, so batches of disjoint structures run together on several workers while a
structure's files are still recorded by one run at a time, in drop order. A whole pass and a
batch exclude each other; two batches sharing a structure exclude each other.

- PostgreSQL: session advisory locks on a connection kept open for the whole pass (the server
  releases them when that connection ends, crash included): the workspace key exclusive for a
  whole pass, shared for a batch, plus one exclusive key per structure of the batch. The
  `verrous` rows only name the holder for the message the next run prints.
- SQLite: the `verrous` rows ARE the lock (`relève` for a whole pass, `relève:<STRUCTURE>` for
  each structure of a batch), written under SQLite's exclusive write lock. A holder that died
  (same machine, pid gone) is taken over; one on another machine is never guessed dead.

`depuis` holds UTC (naive, like the send log), shown in the workspace's zone. A refused run
raises `PassInProgress` (exit code 5): « Une relève est déjà en cours depuis HH:MM (machine,
pid …) », or for a structure « Une relève de AI-NIORT est déjà en cours depuis … ».
"""

from __future__ import annotations

import os
import socket
import time
import uuid
import zlib
from collections.abc import Collection
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from clauses.clock import DEFAULT_ZONE, zone_of
from clauses.errors import PassInProgress
from clauses.ledger.engine import writing
from clauses.ledger.tables import verrous

INGEST = "relève"
# Taken in turn by the batches of one pass while they re-evaluate after a register change and
# gather what each structure's control report must tell (issue 14.2): a batch that gathered
# before another had recorded its re-evaluation would never tell it (see `wait_for`).
REEVALUATION = "réévaluation"
# High half of the advisory key: "Clau"; the low half is the lock name's CRC-32.
_KEY_PREFIX = 0x436C6175 << 32


def _advisory_key(name: str) -> int:
    key = _KEY_PREFIX | zlib.crc32(name.encode())
    return key - (1 << 64) if key >= 1 << 63 else key  # PostgreSQL's bigint is signed


def structure_lock(name: str, structure: str) -> str:
    """The lock (and `verrous` row) of one structure within the workspace lock `name`."""
    return f"{name}:{structure}"


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
        self._connection = connection  # PostgreSQL: the session holding the advisory locks

    def release(self) -> None:
        if self._token is None:
            return
        token, self._token = self._token, None
        try:
            with writing(self._engine) as connection:
                connection.execute(verrous.delete().where(verrous.c.jeton == token))
        finally:
            if self._connection is not None:
                connection, self._connection = self._connection, None
                _let_go(connection)


_AGAIN = "celle-ci n'a rien fait. Relancez-la une fois la précédente terminée."
_WAITS = ("celle-ci n'a rien fait : ses fichiers restent dans le dépôt pour la relève "
          "suivante.")


def _busy(row: sa.Row | None, name: str, zone: ZoneInfo, batch: bool) -> PassInProgress:
    after = _WAITS if batch else _AGAIN
    if row is None:  # PostgreSQL: the holder has not written its row yet
        return PassInProgress(f"Une relève est déjà en cours : {after}")
    since = row.depuis.replace(tzinfo=UTC).astimezone(zone)
    day = "" if since.date() == datetime.now(zone).date() else f" le {since:%d/%m/%Y}"
    structure = row.nom.removeprefix(f"{name}:") if row.nom != name else None
    what = f"Une relève de {structure}" if structure else "Une relève"
    return PassInProgress(f"{what} est déjà en cours depuis {since:%H:%M}{day} ({row.machine}, "
                          f"pid {row.pid}) : {after}")


def _holders(name: str, structures: list[str] | None) -> sa.ColumnElement[bool]:
    """The rows a run conflicts with: a whole pass with every row of the workspace lock; a
    batch with a whole pass and with its own structures."""
    if structures is None:
        return sa.or_(verrous.c.nom == name, verrous.c.nom.startswith(f"{name}:"))
    return verrous.c.nom.in_([name, *(structure_lock(name, s) for s in structures)])


def acquire(engine: sa.Engine, name: str = INGEST, structures: Collection[str] | None = None,
            zone: ZoneInfo | str = DEFAULT_ZONE) -> PassLock:
    """Take the workspace lock `name` (all of it, or only `structures`' part of it) or raise
    `PassInProgress` naming a run that holds it."""
    zone = zone if isinstance(zone, ZoneInfo) else zone_of(zone)
    wanted = None if structures is None else sorted(set(structures))
    token = uuid.uuid4().hex
    names = [name] if wanted is None else [structure_lock(name, s) for s in wanted]
    me = {"jeton": token, "machine": socket.gethostname(), "pid": os.getpid(),
          "depuis": datetime.now(UTC).replace(microsecond=0, tzinfo=None)}
    held: sa.Connection | None = None
    if engine.dialect.name == "postgresql":
        held = _advisory(engine, name, wanted, zone)
    try:
        with writing(engine) as connection:
            if held is None:
                holders = connection.execute(sa.select(verrous).where(_holders(name, wanted))
                                             .order_by(verrous.c.depuis)).all()
                alive = [row for row in holders if not _stale(row)]
                if alive:
                    raise _busy(alive[0], name, zone, wanted is not None)
            # Any row left is a dead holder's (PostgreSQL: the advisory locks are ours).
            connection.execute(verrous.delete().where(_holders(name, wanted)))
            connection.execute(verrous.insert(), [{"nom": n, **me} for n in names])
    except BaseException:
        if held is not None:
            _let_go(held)
        raise
    return PassLock(engine, name, token, held)


def wait_for(engine: sa.Engine, name: str, zone: ZoneInfo | str = DEFAULT_ZONE, *,
             seconds: float, poll: float = 0.2) -> PassLock:
    """Take the whole lock `name`, waiting up to `seconds` for its holder to give it back;
    then raise `PassInProgress` like `acquire`."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            return acquire(engine, name, None, zone)
        except PassInProgress:
            if time.monotonic() >= deadline:
                raise
            time.sleep(poll)


def _let_go(held: sa.Connection) -> None:
    """Give back every advisory lock of the session before it returns to the pool (a pooled
    connection's session lives on, and would keep them). A broken connection holds nothing:
    the server ended its session."""
    try:
        held.execute(sa.text("SELECT pg_advisory_unlock_all()"))
    except sa.exc.DBAPIError:
        held.invalidate()  # never back to the pool
    finally:
        held.close()


def _advisory(engine: sa.Engine, name: str, wanted: list[str] | None,
              zone: ZoneInfo) -> sa.Connection:
    """PostgreSQL: the session that holds the advisory locks for the whole pass."""
    held = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
    try:
        if wanted is None:
            keys = [("pg_try_advisory_lock", name)]
        else:
            keys = [("pg_try_advisory_lock_shared", name),
                    *(("pg_try_advisory_lock", structure_lock(name, s)) for s in wanted)]
        for function, key in keys:
            got = held.execute(sa.text(f"SELECT {function}(:key)"),
                               {"key": _advisory_key(key)}).scalar()
            if not got:
                # The holder: the named row for a structure or a whole pass; for a whole pass
                # refused by batches, the oldest batch.
                where = (_holders(name, None) if key == name and wanted is None
                         else verrous.c.nom == key)
                holder = held.execute(sa.select(verrous).where(where)
                                      .order_by(verrous.c.depuis)).first()
                raise _busy(holder, name, zone, wanted is not None)
    except BaseException:
        _let_go(held)
        raise
    return held


def _stale(holder: sa.Row) -> bool:
    """A SQLite lock row whose process is gone (same machine only: a pid elsewhere means
    nothing here, and a live pass must never be taken over)."""
    return holder.machine == socket.gethostname() and not _alive(holder.pid)
