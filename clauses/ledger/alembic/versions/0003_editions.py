"""Report editions (SPEC §7, §8; issues 12.7 and 16.2): each written report is recorded — kind,
period, recipient, edition number, path, file hash, content fingerprint, as-of instant and the
hours it showed per marché and month — so nothing sent is overwritten and « Rectificatif » notes
compare with the previous recorded edition.

Revision ID: 0003_editions
Revises: 0002_drop_schema_version
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_editions"
down_revision = "0002_drop_schema_version"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "editions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("type", sa.String, nullable=False),
        sa.Column("periode", sa.String(7), nullable=False),
        sa.Column("destinataire", sa.String, nullable=False),
        sa.Column("numero", sa.Integer, nullable=False),
        sa.Column("chemin", sa.String, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("empreinte", sa.String(64), nullable=False),
        sa.Column("arrete_au", sa.DateTime, nullable=False),
        sa.Column("heures", sa.Text, nullable=True),
        sa.Column("note", sa.Text, nullable=True),
        sa.UniqueConstraint("type", "periode", "destinataire", "numero",
                            name="uq_editions_rapport_numero"),
    )


def downgrade() -> None:
    op.drop_table("editions")
