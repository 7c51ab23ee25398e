"""Exact time and exact hours (issue 12): instants in UTC, each file's arrival, hours in hundredths.

- Every instant column becomes `DateTime(timezone=True)` holding UTC (`timestamptz` on
  PostgreSQL; SQLite keeps the UTC wall-clock text). The values written before were naive
  wall-clock times of the workspace: they are read in its zone (`Europe/Paris` unless the
  migrating code says otherwise) and converted.
- `fichiers.arrive_le`: when the file arrived in the inbox, the moment lateness is judged on
  (SPEC §6). Files recorded before were judged on their mtime: `modifie_le` is their arrival.
- Hours (`heures.heures`, `fichiers_mois.heures`, `heures_avant`) were binary floats: they become
  whole hundredths of an hour, read half up from the old value (SPEC §6: no binary floating point
  in the ledger); the code still gives and gets hours (`tables.Hundredths`).

Revision ID: 0006_exact_time
Revises: 0005_verdict_versions
Create Date: 2026-11-26
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import context, op

revision = "0006_exact_time"
down_revision = "0005_verdict_versions"
branch_labels = None
depends_on = None

INSTANTS: dict[str, tuple[str, ...]] = {
    "fichiers": ("modifie_le", "recu_le"),
    "heures": ("recu_le", "evalue_le"),
    "suivi": ("recu_le",),
    "envois": ("at",),
    "editions": ("arrete_au",),
    "fichiers_mois": ("remplace_recu_le",),
    "registres": ("vu_le",),
}
HOURS: dict[str, tuple[tuple[str, bool], ...]] = {  # table → (column, nullable)
    "heures": (("heures", True),),
    "fichiers_mois": (("heures", False), ("heures_avant", True)),
}


def _zone() -> ZoneInfo:
    attributes = getattr(context.config, "attributes", {}) if context.config else {}
    return ZoneInfo(str(attributes.get("zone") or "Europe/Paris"))


def _hundredths(hours: float) -> int:
    cleaned = round(abs(hours) * 100, 6)
    return int(math.copysign(math.floor(cleaned + 0.5), hours))


def _update_each(table: str, columns: tuple[str, ...], convert) -> None:
    """Rewrite each non-NULL value of `columns` with `convert` (SQLite: no SQL for it)."""
    connection = op.get_bind()
    rows = connection.execute(sa.text(f"SELECT id, {', '.join(columns)} FROM {table}")).all()
    for row in rows:
        values = {c: convert(v) for c, v in zip(columns, row[1:], strict=True) if v is not None}
        if values:
            assignments = ", ".join(f"{column} = :{column}" for column in values)
            connection.execute(sa.text(f"UPDATE {table} SET {assignments} WHERE id = :id"),
                               {**values, "id": row[0]})


def _instants_to_utc(table: str, columns: tuple[str, ...], zone: ZoneInfo) -> None:
    if op.get_bind().dialect.name == "postgresql":
        for column in columns:
            op.execute(f"ALTER TABLE {table} ALTER COLUMN {column} TYPE TIMESTAMP WITH TIME ZONE "
                       f"USING {column} AT TIME ZONE '{zone.key}'")
        return

    def to_utc(value: object) -> str:
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
        return moment.replace(tzinfo=zone).astimezone(UTC).replace(tzinfo=None).isoformat(" ")

    # SQLite has one DATETIME affinity, zone or not: only the values change (rebuilding
    # `fichiers` would break the foreign keys of the tables that point at it).
    _update_each(table, columns, to_utc)


def _hours_to_hundredths(table: str, columns: tuple[tuple[str, bool], ...]) -> None:
    if op.get_bind().dialect.name == "postgresql":
        for column, _nullable in columns:
            op.execute(f"ALTER TABLE {table} ALTER COLUMN {column} TYPE INTEGER "
                       f"USING round(round(({column} * 100)::numeric, 6))")
        return
    _update_each(table, tuple(c for c, _ in columns), lambda v: _hundredths(float(v)))
    with op.batch_alter_table(table) as batch:  # nothing points at these tables
        for column, nullable in columns:
            batch.alter_column(column, type_=sa.Integer, existing_type=sa.Float,
                               existing_nullable=nullable)


def upgrade() -> None:
    zone = _zone()
    for table, columns in INSTANTS.items():
        _instants_to_utc(table, columns, zone)
    # Nullable only because SQLite cannot add a NOT NULL column without rebuilding the table:
    # every row has it (filled here, always written by the ledger).
    op.add_column("fichiers", sa.Column("arrive_le", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE fichiers SET arrive_le = modifie_le")
    for table, columns in HOURS.items():
        _hours_to_hundredths(table, columns)


def downgrade() -> None:
    for table, columns in HOURS.items():
        if op.get_bind().dialect.name == "postgresql":
            for column, _nullable in columns:
                op.execute(f"ALTER TABLE {table} ALTER COLUMN {column} TYPE DOUBLE PRECISION "
                           f"USING {column} / 100.0")
            continue
        _update_each(table, tuple(c for c, _ in columns), lambda v: int(v) / 100.0)
        with op.batch_alter_table(table) as batch:
            for column, nullable in columns:
                batch.alter_column(column, type_=sa.Float, existing_type=sa.Integer,
                                   existing_nullable=nullable)
    op.drop_column("fichiers", "arrive_le")
    # Instants stay in UTC: the old code reads them as naive wall-clock times.
    if op.get_bind().dialect.name == "postgresql":
        for table, columns in INSTANTS.items():
            for column in columns:
                op.execute(f"ALTER TABLE {table} ALTER COLUMN {column} TYPE TIMESTAMP "
                           f"USING {column} AT TIME ZONE 'UTC'")
