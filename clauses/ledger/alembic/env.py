"""Alembic's environment for the ledger (SPEC §7): Alembic owns the schema.

At run time Clauses calls this through `clauses.ledger.migrations.upgrade`, which hands over an
open connection already inside its write transaction (under the migration lock) in
`config.attributes["connection"]`: every revision then runs in that one transaction, so a failed
upgrade leaves the database at its previous revision (transactional DDL, on SQLite too thanks to
the engine's own BEGIN). From a shell, `alembic -x url=sqlite:///state/clauses.sqlite upgrade head`
(the `[tool.alembic]` table of pyproject.toml points here) does the same on a URL.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context


def _run(connection: sa.Connection) -> None:
    context.configure(
        connection=connection,
        # SQLite cannot ALTER most things: batch mode rebuilds the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


def _main() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = context.get_x_argument(as_dictionary=True).get("url") or context.config.get_main_option(
        "sqlalchemy.url"
    )
    if not url:
        raise SystemExit("Indiquez la base du registre : alembic -x url=URL …")
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            _run(connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise SystemExit("Le registre des heures ne se migre qu'en ligne (pas de mode --sql).")
_main()
