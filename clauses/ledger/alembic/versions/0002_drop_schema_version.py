"""Alembic's `alembic_version` replaces the pre-Alembic `schema_version` table.

The ledger serialised its writers by locking the `schema_version` row; it now takes a PostgreSQL
advisory lock instead (`clauses.ledger.engine.writer_lock`), so the table has no use left.

Revision ID: 0002_drop_schema_version
Revises: 0001_initial
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_drop_schema_version"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_table("schema_version")


def downgrade() -> None:
    op.create_table(
        "schema_version",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("applied_at", sa.DateTime, nullable=False),
    )
