"""Exactly-once in the database (issues 13.4–13.5, 14.3): the pass lock, one processed row per
file content, and a send log keyed by message and recipient role.

- `verrous`: who holds the workspace's ingest lock (holder, machine, pid, since). On SQLite the
  row IS the lock; on PostgreSQL an advisory lock is, and the row says who holds it.
- `fichiers`: at most one `traité` row per sha256 (a partial unique index). Rows recorded twice by
  concurrent passes before this revision are relabelled `déjà reçu` (the later ones; their lines
  stay as they are), so the index can be built.
- `courriels`: one row per (message key, recipient role, round), claimed before sending. The old
  `envois` (one row per address) stays as history; its delivered messages are copied here so an
  upgrade sends nothing again.

Revision ID: 0007_exactly_once
Revises: 0006_exact_time
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_exactly_once"
down_revision = "0006_exact_time"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "verrous",
        sa.Column("nom", sa.String, primary_key=True),
        sa.Column("jeton", sa.String(32), nullable=False),
        sa.Column("machine", sa.String, nullable=False),
        sa.Column("pid", sa.Integer, nullable=False),
        sa.Column("depuis", sa.DateTime, nullable=False),
    )
    op.execute(
        "UPDATE fichiers SET statut = 'déjà reçu', motif = 'FICHIER_DEJA_RECU' "
        "WHERE statut = 'traité' AND id NOT IN "
        "(SELECT min(id) FROM fichiers WHERE statut = 'traité' GROUP BY sha256)")
    op.create_index("uq_fichiers_sha256_traite", "fichiers", ["sha256"], unique=True,
                    sqlite_where=sa.text("statut = 'traité'"),
                    postgresql_where=sa.text("statut = 'traité'"))
    op.create_table(
        "courriels",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("key", sa.String, nullable=False),
        sa.Column("role", sa.String, nullable=False),
        sa.Column("round", sa.Integer, nullable=False),
        sa.Column("recipients", sa.String, nullable=False),
        sa.Column("subject", sa.String, nullable=False),
        sa.Column("attachment", sa.String, nullable=True),
        sa.Column("status", sa.String, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("error", sa.String, nullable=True),
        sa.Column("claimed_by", sa.String, nullable=True),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("key", "role", "round", name="uq_courriels_message_role_round"),
    )
    # A message already delivered to any address counts as delivered to its role; the guichet's
    # copy too (when none was configured, no copy is owed for the past).
    for role in ("destinataire", "copie-guichet"):
        op.execute(
            "INSERT INTO courriels (key, role, round, recipients, subject, attachment, status, "
            "attempts, error, claimed_by, at) "
            f"SELECT key, '{role}', 0, min(recipient), min(subject), min(attachment), 'envoyé', "
            "1, NULL, NULL, max(at) FROM envois WHERE status = 'envoyé' GROUP BY key")


def downgrade() -> None:
    op.drop_table("courriels")
    op.drop_index("uq_fichiers_sha256_traite", "fichiers")
    op.drop_table("verrous")
