"""Schema versions: an ordered list of migrations, each applied once, each in its own transaction.

Version N is reached by running `MIGRATIONS[N - 1]`; `schema_version` (one row, id 1) records the
last one applied. Opening a ledger applies whatever is missing, so upgrading Clauses upgrades the
database with no manual step. Never edit a released migration: append a new one.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import sqlalchemy as sa

from clauses.errors import ClausesError
from clauses.ledger.engine import writing
from clauses.ledger.tables import METADATA, envois, fichiers, heures, schema_version, suivi

Migration = Callable[[sa.Connection], None]


def _create_tables(connection: sa.Connection) -> None:
    """Version 1: the whole ledger (fichiers, heures, suivi, envois) and its indexes."""
    METADATA.create_all(connection, tables=[fichiers, heures, suivi, envois])


MIGRATIONS: tuple[Migration, ...] = (_create_tables,)


def _ensure_version_row(engine: sa.Engine) -> None:
    """Create `schema_version` with its row at version 0 if this is a new database."""
    # Two processes opening a new PostgreSQL ledger at once may both try to create it: the loser
    # fails, and finds the table and its row there on its second try.
    for attempt in (1, 2):
        try:
            with writing(engine) as connection:
                schema_version.create(connection, checkfirst=True)
                if connection.execute(sa.select(schema_version.c.id)).first() is None:
                    connection.execute(
                        schema_version.insert().values(id=1, version=0, applied_at=datetime.now())
                    )
            return
        except sa.exc.DBAPIError:
            if attempt == 2:
                raise


def _locked_version(connection: sa.Connection) -> int:
    # FOR UPDATE serialises concurrent migrators on PostgreSQL; SQLite is already serialised by
    # BEGIN IMMEDIATE (SQLAlchemy leaves FOR UPDATE out there).
    query = sa.select(schema_version.c.version).where(schema_version.c.id == 1).with_for_update()
    return int(connection.execute(query).scalar_one())


def migrate(engine: sa.Engine) -> int:
    """Bring the database to the latest version; return it."""
    latest = len(MIGRATIONS)
    _ensure_version_row(engine)
    for number, step in enumerate(MIGRATIONS, start=1):
        with writing(engine) as connection:
            version = _locked_version(connection)
            if version > latest:
                raise ClausesError(
                    f"La base du registre des heures est en version {version}, plus récente "
                    f"que celle que connaît cette version de Clauses ({latest}) : "
                    "mettez Clauses à jour."
                )
            if version >= number:
                continue
            step(connection)
            connection.execute(
                schema_version.update()
                .where(schema_version.c.id == 1)
                .values(version=number, applied_at=datetime.now())
            )
    return latest


def schema_version_of(engine: sa.Engine) -> int:
    """The version recorded in the database (0 if never migrated)."""
    with engine.connect() as connection:
        if not sa.inspect(connection).has_table(schema_version.name):
            return 0
        found = connection.execute(sa.select(schema_version.c.version)).scalar_one_or_none()
        return int(found or 0)
