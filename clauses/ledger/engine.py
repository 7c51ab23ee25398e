"""The database connection: one SQLAlchemy engine, SQLite tuned for a single-machine ledger.

The same code runs on PostgreSQL unchanged (SPEC §7): everything SQLite-specific lives in the two
event hooks below and is only attached when the URL is a SQLite one.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa

from clauses.errors import ConfigError, DatabaseError

# Execution option marking a connection that is about to write (see `_sqlite_begin`).
_WRITE = "clauses_write"


def shown_url(url: str) -> str:
    """The URL as a person may read it: never the password."""
    try:
        return sa.make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return "?"


def unreachable(url: str, error: BaseException) -> DatabaseError:
    """The French sentence for a database that refused or never answered the connection."""
    detail = str(getattr(error, "orig", None) or error).strip().splitlines()
    if url.startswith("sqlite"):
        return DatabaseError(
            f"La base du registre des heures ({shown_url(url)}) ne peut pas être ouverte : "
            "vérifiez que son dossier existe et qu'il est accessible en écriture (détail : "
            f"{detail[0] if detail else '?'}).")
    return DatabaseError(
        f"La base du registre des heures ({shown_url(url)}) ne répond pas : vérifiez que le "
        "serveur est démarré et joignable, et l'utilisateur et le mot de passe de "
        f"« base_de_donnees » dans config.yaml (détail : {detail[0] if detail else '?'}).")


def create_ledger_engine(url: str) -> sa.Engine:
    """An engine for `url`; on SQLite with WAL, synchronous=FULL, foreign keys and real BEGINs.

    Raises ConfigError for a URL that cannot be parsed, DatabaseError for a missing driver."""
    try:
        backend = sa.make_url(url).get_backend_name()
        if backend != "sqlite":
            return sa.create_engine(url, pool_pre_ping=True)
    except sa.exc.NoSuchModuleError as exc:
        raise DatabaseError(
            f"La base « {shown_url(url)} » n'est pas d'un type que Clauses sait ouvrir : "
            "utilisez une URL « postgresql+psycopg://… » ou laissez « base_de_donnees » vide "
            "(SQLite dans le dossier d'état).") from exc
    except sa.exc.ArgumentError as exc:
        raise ConfigError(
            "Réglage invalide dans config.yaml : « base_de_donnees » doit être une URL "
            "SQLAlchemy lisible (ex. postgresql+psycopg://utilisateur@serveur/clauses).") from exc
    except ImportError as exc:
        raise DatabaseError(
            f"Le pilote de la base « {shown_url(url)} » n'est pas installé (module Python "
            f"« {exc.name} » introuvable) : installez-le, par exemple « pip install "
            "clauses[postgres] » pour « postgresql+psycopg:// ».") from exc
    # A report and an ingestion may run at once: wait for the writer rather than fail at once.
    engine = sa.create_engine(url, connect_args={"timeout": 30})
    sa.event.listen(engine, "connect", _sqlite_connect)
    sa.event.listen(engine, "begin", _sqlite_begin)
    return engine


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # Python's sqlite3 (before 3.16) only BEGINs before DML, so DDL and reads would run outside the
    # transaction; we take BEGIN over (SQLAlchemy's documented recipe) to make migrations atomic.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    # WAL: reports read while a file is being recorded. FULL: a commit is on disk when it
    # returns, so the ingest may then delete the inbox copy (with NORMAL a power cut could undo a
    # commit whose file is already gone from the inbox: archived, never counted). The other way,
    # unlinking only after a checkpoint, would keep files in the inbox across passes and need a
    # list of "done, not yet removed" files; FULL costs one WAL fsync per file, as much as the
    # fsync of its archived copy, measured within noise on bench/ingest.py.
    _switch_to_wal(cursor)
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _switch_to_wal(cursor: Any) -> None:
    # Switching a new database to WAL needs it alone for a moment, and SQLite answers « database
    # is locked » at once instead of calling its busy handler: two processes opening a new
    # ledger together would fail. Wait for the other one as the busy timeout would.
    deadline = time.monotonic() + 30
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _sqlite_begin(connection: sa.Connection) -> None:
    # A writer takes the write lock up front (IMMEDIATE): a deferred transaction that read first
    # could not upgrade once another writer committed, and would fail instead of waiting.
    writing_ = connection.get_execution_options().get(_WRITE, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if writing_ else "BEGIN")


# Keys of the PostgreSQL advisory locks (any stable 64-bit numbers, unique to Clauses).
_LOCKS = {"migration": 0x436C617573657301, "writer": 0x436C617573657302}


def lock(connection: sa.Connection, name: str) -> None:
    """Hold the named lock until the transaction ends. On PostgreSQL (READ COMMITTED) an advisory
    transaction lock makes concurrent holders take turns; SQLite is already serialised by the
    BEGIN IMMEDIATE of `writing`, so there is nothing to do there."""
    if connection.dialect.name == "postgresql":
        connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCKS[name]})


@contextmanager
def writing(engine: sa.Engine) -> Iterator[sa.Connection]:
    """A connection inside one write transaction: committed on exit, rolled back on any error."""
    with engine.connect() as connection:
        connection.execution_options(**{_WRITE: True})
        with connection.begin():
            yield connection


def insert_many(connection: sa.Connection, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    """Insert `rows` (dicts with the same keys) in one DBAPI executemany. Each column's values go
    through its type's bind processor, as SQLAlchemy's own insert would do, but a column at a
    time: SQLAlchemy builds and processes every row's parameters one by one, which cost more than
    the database itself (12 ms for a relevé of 162 lines, the largest cost of recording it)."""
    if not rows:
        return
    dialect = connection.dialect
    names = list(rows[0])
    values: list[list[Any]] = []
    for name in names:
        column = [row[name] for row in rows]
        process = table.c[name].type.bind_processor(dialect)
        values.append(column if process is None else [process(value) for value in column])
    quote = dialect.identifier_preparer.quote
    marker = "?" if dialect.paramstyle == "qmark" else "%s"
    statement = (f"INSERT INTO {quote(table.name)} ({', '.join(quote(n) for n in names)}) "
                 f"VALUES ({', '.join([marker] * len(names))})")
    connection.exec_driver_sql(statement, list(zip(*values, strict=True)))
