"""A participant's month across structures, found by index (issue 14: no work growing with
the history when one file arrives).

Each relevé asks what other structures declared for its participants and months (SPEC §6,
HEURES_HORS_LIMITES and DOUBLE_DECLARATION). Without this index the question read every
current line of those months: the pass slowed down file after file as the month filled up.

Revision ID: 0008_participant_month
Revises: 0007_exactly_once
Create Date: 2026-11-26
"""

from __future__ import annotations

from alembic import op

revision = "0008_participant_month"
down_revision = "0007_exactly_once"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_heures_participant_mois", "heures", ["id_participant", "mois"])


def downgrade() -> None:
    op.drop_index("ix_heures_participant_mois", "heures")
