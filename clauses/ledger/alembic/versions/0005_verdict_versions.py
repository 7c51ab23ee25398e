"""Register changes reach lines already received (SPEC §4, §6; issue 12 point 10).

`heures` keeps the identity as written (to match a line again once the participant is in the
register) and, for a verdict given again, its version, cause and time; `registres` records the
registers each pass checked against, so the next pass knows they changed.

Revision ID: 0005_verdict_versions
Revises: 0004_file_months
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_verdict_versions"
down_revision = "0004_file_months"
branch_labels = None
depends_on = None

_HOUR_COLUMNS = (
    ("id_declare", sa.String), ("nom", sa.String), ("prenom", sa.String),
    ("date_naissance", sa.Date), ("version", sa.Integer), ("cause", sa.String),
    ("evalue_le", sa.DateTime),
)


def upgrade() -> None:
    with op.batch_alter_table("heures") as batch:
        for name, kind in _HOUR_COLUMNS:
            batch.add_column(sa.Column(name, kind, nullable=True))
    op.create_table(
        "registres",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("empreinte", sa.String(64), nullable=False),
        sa.Column("feuilles", sa.String, nullable=False),
        sa.Column("vu_le", sa.DateTime, nullable=False),
        sa.Column("lignes_reevaluees", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("registres")
    with op.batch_alter_table("heures") as batch:
        for name, _kind in reversed(_HOUR_COLUMNS):
            batch.drop_column(name)
