"""The ledger's tables (SPEC §7), declared once with SQLAlchemy Core.

Only portable types (`String`, `Integer`, `Boolean`, `Date`, and `UtcDateTime` for instants,
`Hundredths` for hours, built on them) so the same
declarations create the embedded SQLite database and a PostgreSQL one unchanged. Column names are
the French data names of the glossary (SPEC §2), except the send log whose API speaks English.

These declarations are the *current* schema, used to query. They do NOT create anything: Alembic
owns the schema (`alembic/versions/`). Changing a table here goes with a new revision doing the same
change (`NNNN_topic` on top of the head); a test checks both agree.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from clauses.hours import HUNDREDTHS

METADATA = sa.MetaData()


class Hundredths(sa.types.TypeDecorator[float]):
    """Hours, stored as whole hundredths of an hour (SPEC §6: exact, no binary floating point in
    the ledger): the code gives and gets hours (a float equal to the decimal value), the
    database holds the integer, rounded half up (`clauses.hours.to_hundredths`)."""

    impl = sa.Integer
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: sa.Dialect) -> int | None:
        if value is None or value != value:  # None or NaN
            return None
        # `clauses.hours.to_hundredths` for one value, without numpy (one call per row).
        cleaned = round(abs(float(value)) * HUNDREDTHS, 6)
        return int(math.copysign(math.floor(cleaned + 0.5), float(value)))

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> float | None:
        return None if value is None else int(value) / HUNDREDTHS


class UtcDateTime(sa.types.TypeDecorator[datetime]):
    """An instant, stored in UTC (SPEC §7; STYLE « time is data »): `timestamptz` on PostgreSQL,
    UTC wall-clock text on SQLite. It takes and gives aware datetimes only: a naive one has no
    instant (`clauses.ledger.rows.instant` puts it in the workspace's zone first)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"instant sans fuseau horaire pour le registre : {value}")
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# One row per received file, quarantined ones and pièces justificatives included. `sha256` is not
# unique: a same-bytes re-send is logged as its own "déjà reçu" row (SPEC §6 FICHIER_DEJA_RECU).
fichiers = sa.Table(
    "fichiers",
    METADATA,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("code_structure", sa.String, nullable=False),
    sa.Column("nom_fichier", sa.String, nullable=False),
    sa.Column("chemin_archive", sa.String, nullable=False),
    sa.Column("taille", sa.BigInteger, nullable=False),
    sa.Column("modifie_le", UtcDateTime, nullable=False),  # the file's mtime (never lateness)
    sa.Column("recu_le", UtcDateTime, nullable=False),
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
    # When the file arrived in the inbox (SPEC §6 « arrives »): lateness is judged on it. Always
    # written; nullable only for SQLite's ALTER TABLE (revision 0006).
    sa.Column("arrive_le", UtcDateTime, nullable=True),
    sa.Index("ix_fichiers_sha256", "sha256"),
    sa.Index("ix_fichiers_mois", "mois"),
    # The same bytes are counted once, whatever the number of passes running (issue 13.4).
    sa.Index("uq_fichiers_sha256_traite", "sha256", unique=True,
             sqlite_where=sa.text("statut = 'traité'"),
             postgresql_where=sa.text("statut = 'traité'")),
)

# Every relevé line, rejected ones too (the audit trail keeps them). `actif` turns false when a
# later relevé of the same structure covers the same month (a correction, SPEC §7); nothing is
# deleted.
heures = sa.Table(
    "heures",
    METADATA,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("fichier_id", sa.Integer, sa.ForeignKey("fichiers.id"), nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("code_structure", sa.String, nullable=False),
    sa.Column("feuille", sa.String, nullable=False),
    sa.Column("ligne", sa.Integer, nullable=False),
    sa.Column("id_participant", sa.String, nullable=True),
    sa.Column("code_marche", sa.String, nullable=True),
    # NULL only for a rejected line whose month cell could not be read.
    sa.Column("mois", sa.String(7), nullable=True),
    # Whole hundredths of an hour in the database (`Hundredths`). NULL only for a rejected line
    # whose hours are unreadable.
    sa.Column("heures", Hundredths, nullable=True),
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
    sa.Column("recu_le", UtcDateTime, nullable=False),
    sa.Column("actif", sa.Boolean, nullable=False),
    # The identity as the structure wrote it, so a line can be matched again once the register
    # knows the participant (SPEC §6: register changes reach lines already received).
    sa.Column("id_declare", sa.String, nullable=True),
    sa.Column("nom", sa.String, nullable=True),
    sa.Column("prenom", sa.String, nullable=True),
    sa.Column("date_naissance", sa.Date, nullable=True),
    # A verdict given again after the registers changed is a new row (version 2, 3…) with its
    # cause (« décision du 12/11/2026 », « registre modifié ») and when it was given; the row it
    # replaces keeps its verdict, `actif` false. NULL on a line's first verdict.
    sa.Column("version", sa.Integer, nullable=True),
    sa.Column("cause", sa.String, nullable=True),
    sa.Column("evalue_le", UtcDateTime, nullable=True),
    # The two questions every report asks: one structure's month, and everything up to a month.
    sa.Index("ix_heures_structure_mois_actif", "code_structure", "mois", "actif"),
    sa.Index("ix_heures_mois_actif", "mois", "actif"),
    # What other structures declared for a relevé's participants (SPEC §6), asked per file.
    sa.Index("ix_heures_participant_mois", "id_participant", "mois"),
)

# One row per received relevé and month it holds lines of (SPEC §6, §7). Lateness, counts and
# corrections are judged per month: a file with September and October lines can be late for
# September and on time for October. `declare`: the file declares the month (its period, or lines
# not rejected for their month), so it replaced the structure's earlier lines of that month; the
# `avant` columns then say what it replaced (NULL when nothing was there before).
fichiers_mois = sa.Table(
    "fichiers_mois",
    METADATA,
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
    sa.Column("heures", Hundredths, nullable=False),  # counted hours of the month in this file
    sa.Column("remplace", sa.String, nullable=True),  # replaced files' names, " ; "-joined
    sa.Column("remplace_recu_le", UtcDateTime, nullable=True),  # newest of them
    sa.Column("lignes_avant", sa.Integer, nullable=True),
    sa.Column("heures_avant", Hundredths, nullable=True),
    sa.Column("participants_retires", sa.String, nullable=True),  # ";"-joined identifiers
    sa.Column("a_examiner", sa.Boolean, nullable=False),
    sa.Index("ix_fichiers_mois_structure_mois", "code_structure", "mois"),
    sa.Index("ix_fichiers_mois_fichier", "fichier_id"),
)

# The registers each pass checked lines against: one row per change (SPEC §6). A pass whose
# registers differ from the last row re-evaluates the lines whose verdict can change.
registres = sa.Table(
    "registres",
    METADATA,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("empreinte", sa.String(64), nullable=False),  # SHA-256 of the sheets' empreintes
    sa.Column("feuilles", sa.String, nullable=False),  # "Sheet=sha256" lines, one per sheet
    sa.Column("vu_le", UtcDateTime, nullable=False),
    sa.Column("lignes_reevaluees", sa.Integer, nullable=False),
)

# Tableau de suivi lines; the newest table of a structure is its current picture (SPEC §5.2).
suivi = sa.Table(
    "suivi",
    METADATA,
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
    sa.Column("recu_le", UtcDateTime, nullable=False),
    sa.Column("actif", sa.Boolean, nullable=False),
    sa.Index("ix_suivi_structure_actif", "code_structure", "actif"),
)

# The send log before revision 0004: one row per address and attempt series. Kept as history;
# nothing writes it any more (see `courriels`).
envois = sa.Table(
    "envois",
    METADATA,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("key", sa.String, nullable=False),
    sa.Column("recipient", sa.String, nullable=False),
    sa.Column("subject", sa.String, nullable=False),
    sa.Column("attachment", sa.String, nullable=True),
    sa.Column("status", sa.String, nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("error", sa.String, nullable=True),
    sa.Column("at", UtcDateTime, nullable=False),
    sa.Index("ix_envois_key_recipient", "key", "recipient"),
)

# Send log (SPEC §9): one row per message (`key`: report edition or control report), recipient
# role (« destinataire », « copie-guichet ») and `round` (0, then 1, 2… for each resend the
# facilitator asks for). The row is claimed (« en cours ») in its own transaction BEFORE the
# message leaves, so two runs never both send it; an address change does not make it new.
courriels = sa.Table(
    "courriels",
    METADATA,
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

# Who holds a workspace-wide lock (the ingest pass): on SQLite the row is the lock, on PostgreSQL
# an advisory lock is and the row names its holder for the message the next run prints.
verrous = sa.Table(
    "verrous",
    METADATA,
    sa.Column("nom", sa.String, primary_key=True),
    sa.Column("jeton", sa.String(32), nullable=False),
    sa.Column("machine", sa.String, nullable=False),
    sa.Column("pid", sa.Integer, nullable=False),
    sa.Column("depuis", sa.DateTime, nullable=False),
)

# Report editions (SPEC §7, §8): one row per written report, never updated. A re-run whose content
# is unchanged records nothing; a changed one is the next `numero` (its file `…-edN.xlsx`).
# `heures` keeps the hours the edition showed per marché and month (JSON, hundredths of an hour),
# so a later « Rectificatif » note compares with exactly what the recipient was sent.
editions = sa.Table(
    "editions",
    METADATA,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("type", sa.String, nullable=False),
    sa.Column("periode", sa.String(7), nullable=False),
    sa.Column("destinataire", sa.String, nullable=False),
    sa.Column("numero", sa.Integer, nullable=False),
    sa.Column("chemin", sa.String, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("empreinte", sa.String(64), nullable=False),
    sa.Column("arrete_au", UtcDateTime, nullable=False),
    sa.Column("heures", sa.Text, nullable=True),
    sa.Column("note", sa.Text, nullable=True),
    # Two runs at once cannot both record the same edition of a report.
    sa.UniqueConstraint("type", "periode", "destinataire", "numero",
                        name="uq_editions_rapport_numero"),
)

# Columns of `heures` a caller's frame must hold; the ledger fills the others it owns
# (fichier_id, sha256, code_structure, recu_le, actif) and leaves absent optional ones empty.
HOUR_REQUIRED: tuple[str, ...] = ("feuille", "ligne", "statut")
TRACKING_REQUIRED: tuple[str, ...] = ("feuille", "ligne")
