"""`fichiers_mois`: a relevé's lateness, counts and replacement per month (SPEC §6, §7).

A file with September and October lines is late for one month and on time for the other; a
correction replaces only the months it declares and says what it replaced. Files recorded
before this revision have no row here: the ledger then reads their `fichiers` row as before.

Revision ID: 0004_file_months
Revises: 0003_editions
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_file_months"
down_revision = "0003_editions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "fichiers_mois",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("fichier_id", sa.Integer, sa.ForeignKey("fichiers.id"), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("code_structure", sa.String, nullable=False),
        sa.Column("mois", sa.String(7), nullable=False),
        sa.Column("declare", sa.Boolean, nullable=False),
        sa.Column("en_retard", sa.Boolean, nullable=False),
        sa.Column("lignes", sa.Integer, nullable=False),
        sa.Column("acceptees", sa.Integer, nullable=False),
        sa.Column("alertes", sa.Integer, nullable=False),
        sa.Column("rejetees", sa.Integer, nullable=False),
        sa.Column("heures", sa.Float, nullable=False),
        sa.Column("remplace", sa.String, nullable=True),
        sa.Column("remplace_recu_le", sa.DateTime, nullable=True),
        sa.Column("lignes_avant", sa.Integer, nullable=True),
        sa.Column("heures_avant", sa.Float, nullable=True),
        sa.Column("participants_retires", sa.String, nullable=True),
        sa.Column("a_examiner", sa.Boolean, nullable=False),
    )
    op.create_index("ix_fichiers_mois_structure_mois", "fichiers_mois", ["code_structure", "mois"])
    op.create_index("ix_fichiers_mois_fichier", "fichiers_mois", ["fichier_id"])


def downgrade() -> None:
    op.drop_table("fichiers_mois")
