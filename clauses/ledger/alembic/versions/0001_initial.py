"""The ledger as Clauses created it before Alembic (the old « migration 1 »), frozen.

Never edit this file: a database at this revision has exactly these tables. A schema change is a
new revision on top of the head (`NNNN_topic`). `schema_version` is the table the pre-Alembic code
kept its version in; a database it created is adopted by stamping it here (see
`clauses.ledger.migrations`), and the next revision drops it.

Revision ID: 0001_initial
Revises:
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_initial"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "schema_version",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("applied_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "fichiers",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("code_structure", sa.String, nullable=False),
        sa.Column("nom_fichier", sa.String, nullable=False),
        sa.Column("chemin_archive", sa.String, nullable=False),
        sa.Column("taille", sa.BigInteger, nullable=False),
        sa.Column("modifie_le", sa.DateTime, nullable=False),
        sa.Column("recu_le", sa.DateTime, nullable=False),
        sa.Column("type", sa.String, nullable=True),
        sa.Column("mois", sa.String(7), nullable=True),
        sa.Column("statut", sa.String, nullable=False),
        sa.Column("motif", sa.String, nullable=True),
        sa.Column("message", sa.String, nullable=True),
        sa.Column("en_retard", sa.Boolean, nullable=False),
        sa.Column("lignes", sa.Integer, nullable=False),
        sa.Column("acceptees", sa.Integer, nullable=False),
        sa.Column("alertes", sa.Integer, nullable=False),
        sa.Column("rejetees", sa.Integer, nullable=False),
    )
    op.create_index("ix_fichiers_sha256", "fichiers", ["sha256"])
    op.create_index("ix_fichiers_mois", "fichiers", ["mois"])
    op.create_table(
        "heures",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("fichier_id", sa.Integer, sa.ForeignKey("fichiers.id"), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("code_structure", sa.String, nullable=False),
        sa.Column("feuille", sa.String, nullable=False),
        sa.Column("ligne", sa.Integer, nullable=False),
        sa.Column("id_participant", sa.String, nullable=True),
        sa.Column("code_marche", sa.String, nullable=True),
        sa.Column("mois", sa.String(7), nullable=True),
        sa.Column("heures", sa.Float, nullable=True),
        sa.Column("date_debut_mission", sa.Date, nullable=True),
        sa.Column("date_fin_mission", sa.Date, nullable=True),
        sa.Column("type_contrat", sa.String, nullable=True),
        sa.Column("entreprise", sa.String, nullable=True),
        sa.Column("poste", sa.String, nullable=True),
        sa.Column("statut", sa.String, nullable=False),
        sa.Column("motifs", sa.String, nullable=True),
        sa.Column("explications", sa.String, nullable=True),
        sa.Column("decision", sa.String, nullable=True),
        sa.Column("en_retard", sa.Boolean, nullable=False),
        sa.Column("recu_le", sa.DateTime, nullable=False),
        sa.Column("actif", sa.Boolean, nullable=False),
    )
    op.create_index("ix_heures_structure_mois_actif", "heures", ["code_structure", "mois", "actif"])
    op.create_index("ix_heures_mois_actif", "heures", ["mois", "actif"])
    op.create_table(
        "suivi",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("fichier_id", sa.Integer, sa.ForeignKey("fichiers.id"), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("code_structure", sa.String, nullable=False),
        sa.Column("feuille", sa.String, nullable=False),
        sa.Column("ligne", sa.Integer, nullable=False),
        sa.Column("id_participant", sa.String, nullable=True),
        sa.Column("nom", sa.String, nullable=True),
        sa.Column("prenom", sa.String, nullable=True),
        sa.Column("date_naissance", sa.Date, nullable=True),
        sa.Column("code_marche", sa.String, nullable=True),
        sa.Column("date_debut_mission", sa.Date, nullable=True),
        sa.Column("date_fin_mission", sa.Date, nullable=True),
        sa.Column("type_contrat", sa.String, nullable=True),
        sa.Column("poste", sa.String, nullable=True),
        sa.Column("date_sortie", sa.Date, nullable=True),
        sa.Column("situation_sortie", sa.String, nullable=True),
        sa.Column("freins", sa.String, nullable=True),
        sa.Column("accompagnement", sa.String, nullable=True),
        sa.Column("formation", sa.String, nullable=True),
        sa.Column("recu_le", sa.DateTime, nullable=False),
        sa.Column("actif", sa.Boolean, nullable=False),
    )
    op.create_index("ix_suivi_structure_actif", "suivi", ["code_structure", "actif"])
    op.create_table(
        "envois",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("key", sa.String, nullable=False),
        sa.Column("recipient", sa.String, nullable=False),
        sa.Column("subject", sa.String, nullable=False),
        sa.Column("attachment", sa.String, nullable=True),
        sa.Column("status", sa.String, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("error", sa.String, nullable=True),
        sa.Column("at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_envois_key_recipient", "envois", ["key", "recipient"])


def downgrade() -> None:
    for table in ("envois", "suivi", "heures", "fichiers", "schema_version"):
        op.drop_table(table)
