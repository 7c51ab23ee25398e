"""Bringing a workspace's ledger to the schema this code expects: Alembic owns the schema.

The revisions live in `alembic/versions/` (one file each, `NNNN_topic`, never edited once landed).
`upgrade` runs at every `Ledger(url)`: when the database is already at the head it costs one
SELECT; otherwise every missing revision runs in ONE write transaction under the migration lock, so
concurrent openers take turns and a failed revision leaves the previous one intact.

A ledger created before Alembic carries a `schema_version` table instead of `alembic_version`: its
version 1 is revision `0001_initial` (the same tables), so it is stamped there and upgraded, data
kept.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from clauses.errors import ClausesError
from clauses.ledger.engine import lock, writing

_SCRIPTS = Path(__file__).with_name("alembic")
# The pre-Alembic code's version 1 (its only version) is exactly revision 0001_initial.
_LEGACY_VERSIONS = {1: "0001_initial"}
_LEGACY_TABLE = "schema_version"


@cache
def _scripts() -> ScriptDirectory:
    return ScriptDirectory(str(_SCRIPTS))


def head() -> str:
    """The revision this code expects."""
    found = _scripts().get_current_head()
    assert found is not None, "clauses/ledger/alembic/versions/ has no revision"
    return found


def current_revision(connection: sa.Connection) -> str | None:
    """The revision recorded in the database (None for an empty or pre-Alembic one)."""
    return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: sa.Engine, *, zone: str = "Europe/Paris") -> str:
    """Bring the database to the head revision; return it. `zone`: the workspace's time zone,
    in which times written before revision 0006 (naive wall-clock times) are read."""
    target = head()
    with engine.connect() as connection:
        if current_revision(connection) == target:
            return target
    with writing(engine) as connection:
        lock(connection, "migration")
        current = current_revision(connection) or _adopt_legacy(connection)
        if current is not None and not _is_known(current):
            raise ClausesError(
                f"La base du registre des heures est à la révision « {current} », plus récente "
                "que celles que connaît cette version de Clauses : mettez Clauses à jour."
            )
        _run_upgrade(connection, target, zone)
    return target


def _is_known(revision: str) -> bool:
    try:
        return _scripts().get_revision(revision) is not None
    except Exception:  # alembic raises its own ResolutionError subclasses for unknown ids
        return False


def _adopt_legacy(connection: sa.Connection) -> str | None:
    """Stamp a pre-Alembic ledger at the revision matching its `schema_version`; None if the
    database has no such table (a new one)."""
    if not sa.inspect(connection).has_table(_LEGACY_TABLE):
        return None
    version = connection.execute(sa.text(f"SELECT max(version) FROM {_LEGACY_TABLE}")).scalar()
    if not version:
        # The old code created `schema_version` first and the tables in a later transaction:
        # version 0 means no ledger table exists yet, so start from nothing.
        connection.execute(sa.text(f"DROP TABLE {_LEGACY_TABLE}"))
        return None
    if version not in _LEGACY_VERSIONS:
        raise ClausesError(
            f"La base du registre des heures est en version {version}, plus récente que celle "
            "que connaît cette version de Clauses : mettez Clauses à jour."
        )
    revision = _LEGACY_VERSIONS[version]
    MigrationContext.configure(connection).stamp(_scripts(), revision)
    return revision


def _run_upgrade(connection: sa.Connection, target: str, zone: str) -> None:
    # No alembic.ini at run time: the configuration is these settings.
    config = AlembicConfig()
    config.set_main_option("script_location", str(_SCRIPTS))
    config.attributes["connection"] = connection
    config.attributes["zone"] = zone
    command.upgrade(config, target)
