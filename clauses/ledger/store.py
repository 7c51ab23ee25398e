"""The ledger (SPEC §7): every received file and every relevé line, kept for good.

A file is recorded in ONE transaction (its `fichiers` row, the superseding of earlier lines and all
its own lines, or nothing), so a crash at any point leaves either the whole file or none of it and
re-running the ingestion is always safe. Corrections never delete: earlier lines get `actif` false.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import sqlalchemy as sa

from clauses.clock import DEFAULT_ZONE, zone_of
from clauses.config import Config
from clauses.errors import WorkspaceError
from clauses.ledger import passlock, sendlog, sums
from clauses.ledger.engine import create_ledger_engine, insert_many, lock, unreachable, writing
from clauses.ledger.migrations import current_revision, upgrade
from clauses.ledger.rows import (
    FILE_COLUMNS,
    FileRecord,
    collector_paused,
    instant,
    raw_frame,
    raw_query,
    shown,
    to_frame,
    to_rows,
)
from clauses.ledger.tables import (
    HOUR_REQUIRED,
    TRACKING_REQUIRED,
    editions,
    fichiers,
    fichiers_mois,
    heures,
    registres,
    suivi,
)
from clauses.periods import MONTH_PATTERN

# The statuses the rest of the product writes (SPEC §6, §9).
PROCESSED = "traité"
REJECTED = "rejetée"
SENT = "envoyé"

HOUR_COLUMNS: tuple[str, ...] = (
    "sha256", "code_structure", "feuille", "ligne", "id_participant", "code_marche", "mois",
    "heures", "date_debut_mission", "date_fin_mission", "type_contrat", "entreprise", "poste",
    "statut", "motifs", "en_retard", "recu_le", "actif",
    # Beyond the contract's list: the French explanation and the facilitator's decision, so a
    # control report can be rebuilt from the ledger alone.
    "explications", "decision",
    # A verdict given again after a register change (SPEC §6): its version (NaN for the first),
    # cause and when it was given (NaT for the first: `recu_le`).
    "version", "cause", "evalue_le",
)  # fmt: skip
TRACKING_COLUMNS: tuple[str, ...] = tuple(
    column.name for column in suivi.columns if column.name not in ("id", "fichier_id")
)
EDITION_COLUMNS: tuple[str, ...] = tuple(c.name for c in editions.columns if c.name != "id")
MONTH_COLUMNS: tuple[str, ...] = tuple(
    column.name for column in fichiers_mois.columns if column.name not in ("id", "fichier_id")
)
# A line as re-evaluation reads it (SPEC §6): its ledger id, the identity as written, its version.
REEVALUATION_COLUMNS: tuple[str, ...] = (
    "id", *HOUR_COLUMNS, "id_declare", "nom", "prenom", "date_naissance",
)
# What a new verdict version changes; the rest of the line is copied.
_VERDICT = ("id_participant", "code_marche", "statut", "motifs", "explications", "decision",
            "cause")
# What a file's month row overrides in its `fichiers` row when files are listed per month.
_PER_MONTH = ("mois", "en_retard", "lignes", "acceptees", "alertes", "rejetees")

# Rows fetched and converted at a time when a query returns many (see `Ledger._frame`).
CHUNK_ROWS = 100_000

_MONTH = re.compile(MONTH_PATTERN)


class AlreadyRecorded(Exception):
    """These bytes were recorded as processed by another pass meanwhile: nothing was written."""


@dataclass(frozen=True)
class JudgedElsewhere:
    """What a relevé was judged with across structures (SPEC §6): the other structures' current
    counted lines (`ids`) for its participants and months. `record_file` checks it is still
    what they declare, under the ledger's write lock (issue 14.2: batches record in parallel)."""

    participants: frozenset[str]
    months: frozenset[str]
    ids: frozenset[int] = frozenset()


class ElsewhereChanged(Exception):
    """Another structure's lines for the file's participants and months changed since the file
    was judged: nothing was written; `lines` is what they declare now (`declared_elsewhere`)."""

    def __init__(self, lines: pd.DataFrame) -> None:
        super().__init__("les déclarations des autres structures ont changé")
        self.lines = lines


_PROCESSED_QUERY = sa.select(fichiers.c.id).where(
    fichiers.c.sha256 == sa.bindparam("sha"), fichiers.c.statut == PROCESSED).limit(1)


def _one_writer_at_a_time(connection: sa.Connection) -> None:
    """Serialise file recordings. On PostgreSQL (READ COMMITTED) two workers recording files of
    one structure and month at once would each supersede only the lines committed before they
    started, leaving both new versions active: hours counted twice. The writer lock makes them
    take turns (a few ms each); SQLite needs nothing more than its BEGIN IMMEDIATE."""
    lock(connection, "writer")


def _inserted_id(result: sa.CursorResult[Any]) -> int:
    """The id the database gave the row just inserted. Without it the file's lines would be
    recorded against no file: fail the whole transaction instead."""
    key = result.inserted_primary_key
    if key is None or key[0] is None:
        raise RuntimeError("la base n'a pas renvoyé l'identifiant du fichier enregistré")
    return int(key[0])


_COUNT_OF = {"acceptée": "acceptees", "acceptée avec alerte": "alertes", REJECTED: "rejetees"}


def _recount(connection: sa.Connection, before: list[dict[str, Any]],
             after: list[dict[str, Any]]) -> None:
    """Keep each file's counts per month and per file (what the deposit follow-up and
    `clauses status` show) in step with the verdicts given again (SPEC §6)."""
    deltas: dict[tuple[int, str | None], dict[str, float]] = {}
    for old, new in zip(before, after, strict=True):
        delta = deltas.setdefault((old["fichier_id"], old["mois"]), {})
        for row, sign in ((old, -1), (new, 1)):
            column = _COUNT_OF.get(row["statut"])
            if column:
                delta[column] = delta.get(column, 0) + sign
            if row["statut"] != REJECTED:
                delta["heures"] = delta.get("heures", 0.0) + sign * float(row["heures"] or 0.0)
    for (file_id, month), delta in deltas.items():
        counts = {c: n for c, n in delta.items() if c != "heures" and n}
        if month is not None:
            values = {c: fichiers_mois.c[c] + n for c, n in counts.items()}
            if delta.get("heures"):
                values["heures"] = fichiers_mois.c.heures + round(delta["heures"], 2)
            if values:
                connection.execute(fichiers_mois.update().where(
                    fichiers_mois.c.fichier_id == file_id, fichiers_mois.c.mois == month)
                    .values(**values))
        if counts:
            connection.execute(fichiers.update().where(fichiers.c.id == file_id).values(
                **{c: fichiers.c[c] + n for c, n in counts.items()}))


def _new_versions(connection: sa.Connection, verdicts: pd.DataFrame, columns: Collection[str],
                  at: datetime) -> tuple[list[dict[str, Any]], bool]:
    """Each current line of `verdicts` (`id`) copied as version n+1 with the verdict's text
    `columns` (a missing value stored as NULL) and `evalue_le` = `at` (UTC); the old row stays,
    inactive (SPEC §7: nothing is deleted), and the files' counts follow. A line superseded
    meanwhile (a correction) is left alone. Returns the rows written, and whether some lines
    were no longer current (the verdicts were judged on an older state)."""
    if not len(verdicts):
        return [], False
    names = [c.name for c in heures.columns if c.name != "id"]
    ids = [int(i) for i in verdicts["id"]]
    query = sa.select(heures.c.id, *(heures.c[n] for n in names)).where(
        heures.c.id.in_(ids), heures.c.actif)
    current = {row.id: row._asdict() for row in connection.execute(query)}
    before, rows = [], []
    for verdict in verdicts.to_dict("records"):
        old = current.get(int(verdict["id"]))
        if old is None:
            continue
        row = {n: old[n] for n in names}
        row.update({n: verdict[n] if isinstance(verdict[n], str) else None for n in columns})
        row["version"] = int(old["version"] or 1) + 1
        row["evalue_le"] = at
        before.append(old)
        rows.append(row)
    if rows:
        connection.execute(heures.update().where(heures.c.id.in_(list(current)))
                           .values(actif=False))
        connection.execute(heures.insert(), rows)
        _recount(connection, before, rows)
    return rows, len(current) < len(set(ids))


def _checked_month(month: str) -> str:
    # A malformed month would silently compare wrong as text ("2026-9" > "2026-10").
    if not _MONTH.match(month):
        raise ValueError(f"mois attendu au format AAAA-MM, et non « {month} »")
    return month


class Ledger:
    """The ledger database at a SQLAlchemy URL (SQLite by default, PostgreSQL unchanged)."""

    def __init__(self, url: str, *, zone: ZoneInfo | str = DEFAULT_ZONE) -> None:
        # The workspace's zone: naive times given are its wall-clock times, and instants are
        # given back as its wall-clock times (stored in UTC, clauses/ledger/tables.py).
        self.zone = zone if isinstance(zone, ZoneInfo) else zone_of(zone)
        self._engine = create_ledger_engine(url)
        # Alembic revision this code expects; the database is brought to it here.
        try:
            self.version = upgrade(self._engine, zone=self.zone.key)
        except (sa.exc.OperationalError, sa.exc.InterfaceError) as exc:
            self._engine.dispose()
            raise unreachable(url, exc) from exc
        self._locks: list[passlock.PassLock] = []

    @classmethod
    def from_config(cls, config: Config) -> Ledger:
        """The workspace's ledger; creates the state folder that holds the SQLite file."""
        try:
            config.state.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise WorkspaceError(
                f"Impossible de créer le dossier d'état {config.state} : {exc.strerror}."
            ) from exc
        return cls(config.database_url, zone=config.zone)

    def close(self) -> None:
        try:
            for held in reversed(self._locks):
                held.release()
        finally:
            self._locks.clear()
            self._engine.dispose()

    def lock_pass(self, name: str = passlock.INGEST,
                  structures: Collection[str] | None = None) -> None:
        """Hold the workspace's pass lock (only `structures`' part of it for a batch) until
        `close()`, or raise `PassInProgress` naming the run that holds it (on any machine: the
        lock lives in this database)."""
        self._locks.append(passlock.acquire(self._engine, name, structures, self.zone))

    @contextmanager
    def reevaluation_turn(self, *, seconds: float) -> Iterator[None]:
        """Hold the workspace's re-evaluation lock for the block, waiting up to `seconds` for
        another run (any machine) to finish its turn; `PassInProgress` past that."""
        held = passlock.wait_for(self._engine, passlock.REEVALUATION, self.zone, seconds=seconds)
        try:
            yield
        finally:
            held.release()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def schema_version(self) -> str | None:
        """The Alembic revision recorded in the database itself."""
        with self._engine.connect() as connection:
            return current_revision(connection)

    # --- files ----------------------------------------------------------------------------------

    def is_known_file(self, sha256: str) -> bool:
        """Whether these bytes were counted before (SPEC §6 FICHIER_DEJA_RECU). A quarantined
        file is not: once the register or the folder is put right, the structure drops the same
        file again, as its control report asks, and it must be read this time."""
        query = sa.select(fichiers.c.id).where(
            fichiers.c.sha256 == sha256, fichiers.c.statut == PROCESSED
        )
        with self._engine.connect() as connection:
            return connection.execute(query.limit(1)).first() is not None

    def record_file(
        self,
        record: FileRecord,
        *,
        hours: pd.DataFrame | None = None,
        tracking: pd.DataFrame | None = None,
        months: pd.DataFrame | None = None,
        revised: pd.DataFrame | None = None,
        elsewhere: JudgedElsewhere | None = None,
    ) -> None:
        """Record a file and its lines in one transaction (all or nothing).

        `hours`: CheckedHourLine lines (+ `en_retard`, else the file's). They supersede the
        structure's earlier active lines of the months the file declares (SPEC §7): the
        `months` rows with `declare` true, or, without `months`, every month of `hours`.
        `months`: one row per month of a relevé (`fichiers_mois` columns, see
        clauses/checking/months.py): its lateness, counts and what it replaced.
        `tracking`: TrackingLine lines; they supersede the structure's earlier tracking table.
        `revised`: earlier lines this file changes the verdict of (`id`, `statut`, `motifs`,
        `explications`, `cause`): another structure's line it also declares
        (DOUBLE_DECLARATION, clauses/checking/elsewhere.py); each gets a new version, the old
        one kept inactive (SPEC §7: nothing is deleted).
        `elsewhere`: what the lines were judged with across structures; when other structures'
        lines changed since, nothing is written and `ElsewhereChanged` says what they are now.
        """
        has_lines = any(frame is not None and len(frame) for frame in (hours, tracking))
        if has_lines and record.statut != PROCESSED:
            # A quarantined or already-received file counts nothing (SPEC §6).
            raise ValueError(f"un fichier au statut « {record.statut} » n'apporte aucune ligne")
        # Rows are built before the transaction opens, so the write lock is held only for SQL.
        hour_rows = self._hour_rows(record, hours) if hours is not None and len(hours) else []
        tracking_rows = (
            self._tracking_rows(record, tracking) if tracking is not None and len(tracking) else []
        )
        month_rows = self._month_rows(record, months) if months is not None and len(months) else []
        if month_rows:
            replaced = sorted(row["mois"] for row in month_rows if row["declare"])
        else:
            replaced = sorted({row["mois"] for row in hour_rows if row["mois"] is not None})
        try:
            self._record_file(record, hour_rows, tracking_rows, month_rows, replaced, revised,
                              elsewhere)
        except sa.exc.IntegrityError as exc:
            if record.statut == PROCESSED and self.is_known_file(record.sha256):
                raise AlreadyRecorded(record.sha256) from exc  # lost a race on the unique index
            raise

    def _record_file(self, record: FileRecord, hour_rows: list[dict[str, Any]],
                     tracking_rows: list[dict[str, Any]], month_rows: list[dict[str, Any]],
                     replaced: list[str], revised: pd.DataFrame | None,
                     elsewhere: JudgedElsewhere | None = None) -> None:
        with writing(self._engine) as connection:
            _one_writer_at_a_time(connection)
            # "Already received?" is asked again inside the recording transaction: another pass
            # may have recorded the same bytes since this one received them (issue 13.4).
            if record.statut == PROCESSED and connection.execute(
                    _PROCESSED_QUERY, {"sha": record.sha256}).first() is not None:
                raise AlreadyRecorded(record.sha256)
            if elsewhere is not None:
                # Read under the write lock: no other file is recorded between this read and
                # this file's lines, so two batches never miss each other's (SPEC §6).
                now = self.declared_elsewhere(record.code_structure, elsewhere.participants,
                                              elsewhere.months, connection=connection)
                if set(now["id"].astype(int)) != elsewhere.ids:
                    raise ElsewhereChanged(now)
            # Values as parameters, not in the statement: one cached compiled INSERT for all files.
            file_id = _inserted_id(connection.execute(fichiers.insert(), record.as_row(self.zone)))
            if month_rows:
                self._insert(connection, fichiers_mois, month_rows, file_id)
            if hour_rows:
                self._supersede_hours(connection, record.code_structure, replaced)
                self._insert(connection, heures, hour_rows, file_id)
            if revised is not None and len(revised):
                _new_versions(connection, revised, ("statut", "motifs", "explications", "cause"),
                              instant(record.recu_le, self.zone))
            if tracking_rows:
                connection.execute(
                    suivi.update()
                    .where(suivi.c.code_structure == record.code_structure, suivi.c.actif)
                    .values(actif=False)
                )
                self._insert(connection, suivi, tracking_rows, file_id)

    def _hour_rows(self, record: FileRecord, hours: pd.DataFrame) -> list[dict[str, Any]]:
        fixed: dict[str, Any] = {
            "fichier_id": None,  # known once the fichiers row is in
            "sha256": record.sha256,
            "code_structure": record.code_structure,
            "recu_le": instant(record.recu_le, self.zone),
            "actif": True,
        }
        if "en_retard" not in hours.columns:
            fixed["en_retard"] = bool(record.en_retard)
        rows = to_rows(hours, heures, fixed=fixed, required=HOUR_REQUIRED)
        for row in rows:
            if row["en_retard"] is None:
                row["en_retard"] = bool(record.en_retard)
        return rows

    def _tracking_rows(self, record: FileRecord, tracking: pd.DataFrame) -> list[dict[str, Any]]:
        fixed: dict[str, Any] = {
            "fichier_id": None,
            "sha256": record.sha256,
            "code_structure": record.code_structure,
            "recu_le": instant(record.recu_le, self.zone),
            "actif": True,
        }
        return to_rows(tracking, suivi, fixed=fixed, required=TRACKING_REQUIRED)

    @staticmethod
    def _month_rows(record: FileRecord, months: pd.DataFrame) -> list[dict[str, Any]]:
        fixed = {"fichier_id": None, "sha256": record.sha256,
                 "code_structure": record.code_structure}
        frame = months.assign(a_examiner=months["a_examiner"].fillna(False).astype(bool)) if (
            "a_examiner" in months.columns) else months.assign(a_examiner=False)
        return to_rows(frame, fichiers_mois, fixed=fixed,
                       required=("mois", "declare", "en_retard", "lignes", "heures"))

    @staticmethod
    def _supersede_hours(connection: sa.Connection, code_structure: str,
                         months: list[str]) -> None:
        # Only the months the file declares (SPEC §7): a stray line never wipes a month. Lines
        # with an unreadable month (rejected) supersede nothing and are never superseded.
        if months:
            connection.execute(
                heures.update()
                .where(
                    heures.c.code_structure == code_structure,
                    heures.c.mois.in_(months),
                    heures.c.actif,
                )
                .values(actif=False)
            )

    @staticmethod
    def _insert(connection: sa.Connection, table: sa.Table, rows: list[dict[str, Any]], file_id: int) -> None:
        for row in rows:
            row["fichier_id"] = file_id
        # One DBAPI executemany (psycopg pipelines it): no round trip per line.
        insert_many(connection, table, rows)

    def files(self, *, month: str | None = None,
              sha256s: Collection[str] | None = None) -> pd.DataFrame:
        """`fichiers` rows (FileRecord fields), in the order received; only those of `month`
        or with one of `sha256s` when given (a pass looks at its own files, not the history)."""
        query = sa.select(*(fichiers.c[name] for name in FILE_COLUMNS)).order_by(fichiers.c.id)
        if month is not None:
            query = query.where(fichiers.c.mois == _checked_month(month))
        if sha256s is not None:
            query = query.where(fichiers.c.sha256.in_(list(sha256s)))
        return self._frame(query, fichiers, FILE_COLUMNS)

    def file_months(self, *, month: str | None = None,
                    sha256s: Collection[str] | None = None) -> pd.DataFrame:
        """`fichiers_mois` rows (MONTH_COLUMNS), in the order received: a relevé's lateness,
        counts and replacement for each month it holds lines of."""
        query = sa.select(*(fichiers_mois.c[name] for name in MONTH_COLUMNS)).order_by(
            fichiers_mois.c.fichier_id, fichiers_mois.c.mois)
        if month is not None:
            query = query.where(fichiers_mois.c.mois == _checked_month(month))
        if sha256s is not None:
            query = query.where(fichiers_mois.c.sha256.in_(list(sha256s)))
        return self._frame(query, fichiers_mois, MONTH_COLUMNS)

    def files_by_month(self) -> pd.DataFrame:
        """`fichiers` rows (FILE_COLUMNS + `declare`), a relevé once per month it holds lines
        of, with that month's `mois`, lateness and counts (SPEC §6: per month everywhere);
        other files once, as recorded. What the deposit follow-up and the reminders read."""
        names = ("id", *FILE_COLUMNS)
        files = self._frame(sa.select(*(fichiers.c[n] for n in names)).order_by(fichiers.c.id),
                            fichiers, names)
        month_names = ("fichier_id", *_PER_MONTH, "declare")
        per_month = self._frame(sa.select(*(fichiers_mois.c[n] for n in month_names)),
                                fichiers_mois, month_names)
        merged = files.merge(per_month.rename(columns={n: f"m_{n}" for n in month_names[1:]}),
                             left_on="id", right_on="fichier_id", how="left", sort=False)
        split = merged["fichier_id"].notna().to_numpy()
        for name in _PER_MONTH:
            merged[name] = pd.Series(np.where(split, merged[f"m_{name}"].astype(object),
                                              merged[name].astype(object)),
                                     index=merged.index).astype(files[name].dtype)
        merged["declare"] = np.where(split, merged["m_declare"].astype(object), True).astype(bool)
        return merged[[*FILE_COLUMNS, "declare"]].reset_index(drop=True)

    # --- lines ----------------------------------------------------------------------------------

    def hours(
        self,
        *,
        until_month: str | None = None,
        month: str | None = None,
        current_only: bool = True,
        counted_only: bool = True,
        code_structure: str | None = None,
        months: Collection[str] | None = None,
        columns: Collection[str] | None = None,
    ) -> pd.DataFrame:
        """Relevé lines: `month` exactly, `until_month` inclusive, the current version only
        (`current_only`), accepted lines only (`counted_only`, SPEC §6: only they count); one
        structure's (`code_structure`), of some `months`, when given; only `columns` (of
        HOUR_COLUMNS, in that order) when given: a report reading a year of lines leaves out
        the per-line texts it never shows."""
        names = HOUR_COLUMNS if columns is None else tuple(
            name for name in HOUR_COLUMNS if name in set(columns))
        query = sa.select(*(heures.c[name] for name in names)).order_by(heures.c.id)
        if code_structure is not None:
            query = query.where(heures.c.code_structure == code_structure)
        if months is not None:
            query = query.where(heures.c.mois.in_([_checked_month(m) for m in months]))
        if until_month is not None:
            query = query.where(heures.c.mois <= _checked_month(until_month))
        if month is not None:
            query = query.where(heures.c.mois == _checked_month(month))
        if current_only:
            query = query.where(heures.c.actif)
        if counted_only:
            query = query.where(heures.c.statut != REJECTED)
        return self._frame(query, heures, names)

    # --- sums for the reports (issue 14.4: a report reads its period, and sums of the rest) ---

    def hour_sums(self, by: Sequence[str], *, until_month: str | None = None,
                  before_month: str | None = None, from_month: str | None = None,
                  balances: Mapping[str, str] | None = None,
                  positive_only: bool = False) -> pd.DataFrame:
        """Current counted hours summed in the database per `by` (columns of HOUR_COLUMNS):
        `by` then `heures`, one row per distinct `by` (a missing value is a group too), ordered
        by `by`; of months up to `until_month`, before `before_month`, from `from_month`;
        without the lines an opening balance holds (`balances`: marché → month of its
        `reprise_au`); only lines with hours above 0 when `positive_only`."""
        conditions = sums.counted(
            until_month=until_month and _checked_month(until_month),
            before_month=before_month and _checked_month(before_month),
            from_month=from_month and _checked_month(from_month))
        conditions += sums.after_balances(balances or {})
        query = sums.summed(by, conditions, positive_only=positive_only)
        return self._frame(query, heures, (*by, "heures"))

    def first_months(self, *, before_month: str) -> pd.DataFrame:
        """Each participant's first month of current counted lines before `before_month`
        (`id_participant`, `mois`), found by the database: a bilan reads its year's lines
        only and needs no more of the years before to tell its new participants."""
        month = sa.func.min(heures.c.mois).label("mois")
        query = (sa.select(heures.c.id_participant, month)
                 .where(*sums.counted(before_month=_checked_month(before_month)),
                        heures.c.id_participant.is_not(None))
                 .group_by(heures.c.id_participant).order_by(heures.c.id_participant))
        return self._frame(query, heures, ("id_participant", "mois"))

    def first_line_month(self, *, before_month: str) -> str | None:
        """The first month of any current line (rejected included) before `before_month`."""
        query = sa.select(sa.func.min(heures.c.mois)).where(
            heures.c.actif, heures.c.mois < _checked_month(before_month))
        with self._engine.connect() as connection:
            return connection.execute(query).scalar()

    def last_month_hours(self, key: Sequence[str], columns: Sequence[str], *,
                         before_month: str | None = None,
                         balances: Mapping[str, str] | None = None) -> pd.DataFrame:
        """Current counted lines of each `key`'s latest month (none of `key` missing; months
        before `before_month`, without the lines an opening balance holds), `key` and
        `columns`, in the order recorded: where a report finds each mission's latest facts."""
        conditions = sums.counted(before_month=before_month and _checked_month(before_month))
        conditions += sums.after_balances(balances or {})
        names = (*key, *(c for c in columns if c not in key))
        return self._frame(sums.last_month_lines(key, names, conditions), heures, names)

    def hours_of_files(self, sha256s: Collection[str], *, until_month: str | None = None,
                       late_only: bool = False,
                       columns: Collection[str] | None = None) -> pd.DataFrame:
        """Current counted lines of these files (of months up to `until_month`; flagged late
        only, when `late_only`), in the order recorded: the late lines a monthly report names
        come from the few files received since the previous one, not from the whole ledger."""
        names = HOUR_COLUMNS if columns is None else tuple(
            name for name in HOUR_COLUMNS if name in set(columns))
        wanted = sorted(set(sha256s))
        parts = []
        for start in range(0, max(len(wanted), 1), sums.CHUNK_KEYS):
            query = (sa.select(*(heures.c[name] for name in names))
                     .where(*sums.counted(until_month=until_month and _checked_month(until_month)),
                            heures.c.sha256.in_(wanted[start:start + sums.CHUNK_KEYS]))
                     .order_by(heures.c.id))
            if late_only:
                query = query.where(heures.c.en_retard)
            parts.append(self._frame(query, heures, names))
        return parts[0] if len(parts) == 1 else pd.concat(parts, ignore_index=True)

    def declared_elsewhere(self, code_structure: str, participants: Collection[str],
                           months: Collection[str], *,
                           connection: sa.Connection | None = None) -> pd.DataFrame:
        """The current counted lines other structures declared for these participants and
        months (SPEC §6: a participant's month is judged across structures), in one query:
        `clauses.checking.elsewhere.ELSEWHERE_COLUMNS`; inside `connection`'s transaction
        when given."""
        participants, months = sorted(set(participants)), sorted(set(months))
        names = ("id", "code_structure", "id_participant", "code_marche", "mois", "heures",
                 "statut", "motifs", "explications")
        if not participants or not months:
            return self._frame(sa.select(*(heures.c[n] for n in names)).where(sa.false()),
                               heures, names)
        months = [_checked_month(m) for m in months]
        # The months as a range, the exact list kept below: with `mois IN (…)` SQLite (no
        # statistics) preferred the (mois, actif) index and read every line of the month for
        # each file — 35 ms a file by the end of a national pass, growing as the month filled.
        query = (
            sa.select(*(heures.c[name] for name in names))
            .where(heures.c.actif, heures.c.statut != REJECTED,
                   heures.c.code_structure != code_structure,
                   heures.c.id_participant.in_(participants),
                   heures.c.mois >= months[0], heures.c.mois <= months[-1])
            .order_by(heures.c.id)
        )
        if connection is not None:
            rows = connection.execute(query).all()
        else:
            with self._engine.connect() as reading:
                rows = reading.execute(query).all()
        wanted = set(months)
        return to_frame([row for row in rows if row.mois in wanted], heures, names, self.zone)

    def tracking(self, *, current_only: bool = True) -> pd.DataFrame:
        """Tableau de suivi lines (+ sha256, code_structure, recu_le, actif); by default only each
        structure's newest table, its current picture (SPEC §5.2)."""
        query = sa.select(*(suivi.c[name] for name in TRACKING_COLUMNS)).order_by(suivi.c.id)
        if current_only:
            query = query.where(suivi.c.actif)
        return self._frame(query, suivi, TRACKING_COLUMNS)

    # --- register changes reach lines already received (SPEC §6) --------------------------------

    def register_fingerprint(self) -> str | None:
        """The registers' fingerprint the last pass recorded (None before the first)."""
        query = sa.select(registres.c.empreinte).order_by(registres.c.id.desc()).limit(1)
        with self._engine.connect() as connection:
            return connection.execute(query).scalar_one_or_none()

    def reevaluation_lines(self, decided_months: Collection[str] = ()) -> pd.DataFrame:
        """Current lines whose verdict a register change may alter: rejected ones, those a
        decision applied to, and those of a month some decision names (REEVALUATION_COLUMNS);
        `clauses.checking.reevaluation.candidates` narrows them down."""
        condition = sa.or_(heures.c.statut == REJECTED,
                           sa.and_(heures.c.decision.is_not(None), heures.c.decision != ""))
        months = sorted({m for m in decided_months if m and _MONTH.match(str(m))})
        if months:
            condition = sa.or_(condition, heures.c.mois.in_(months))
        query = (sa.select(*(heures.c[name] for name in REEVALUATION_COLUMNS))
                 .where(heures.c.actif, condition).order_by(heures.c.id))
        return self._frame(query, heures, REEVALUATION_COLUMNS)

    def record_reevaluation(self, verdicts: pd.DataFrame, *, fingerprint: str, sheets: str,
                            at: datetime) -> int:
        """In one transaction: each line of `verdicts` (`id` of the current row, new `statut`,
        `motifs`, `explications`, `decision`, `cause`) gets a new version — the current row
        stays, `actif` false, the new one copies it with the new verdict — and the registers'
        fingerprint is recorded. Returns the number of lines given a new verdict.

        When some lines are no longer current (another run corrected or re-evaluated them
        since they were read: ingest batches run in parallel, issue 14.2), the verdicts were
        judged on an older state: the fingerprint is not recorded, so the next pass looks again."""
        with writing(self._engine) as connection:
            _one_writer_at_a_time(connection)
            rows, stale = _new_versions(connection, verdicts, _VERDICT, instant(at, self.zone))
            if not stale:
                connection.execute(registres.insert(), {
                    "empreinte": fingerprint, "feuilles": sheets, "vu_le": instant(at, self.zone),
                    "lignes_reevaluees": len(rows)})
        return len(rows)

    def reevaluated(self, *, at: datetime | None = None,
                    code_structure: str | None = None) -> pd.DataFrame:
        """Verdicts given again after a register change (version 2 and later), with the
        verdict they replaced (`statut_avant`, `motifs_avant`), newest last; those given by
        the pass at `at` only, when given."""
        new, old = heures.alias("nouveau"), heures.alias("ancien")
        query = (sa.select(*(new.c[n] for n in HOUR_COLUMNS),
                           old.c.statut.label("statut_avant"), old.c.motifs.label("motifs_avant"))
                 .join(old, sa.and_(old.c.fichier_id == new.c.fichier_id,
                                    old.c.feuille == new.c.feuille, old.c.ligne == new.c.ligne,
                                    old.c.sha256 == new.c.sha256,
                                    sa.func.coalesce(old.c.version, 1) == new.c.version - 1))
                 .where(new.c.cause.is_not(None)).order_by(new.c.id))
        if at is not None:
            query = query.where(new.c.evalue_le == instant(at, self.zone))
        if code_structure is not None:
            query = query.where(new.c.code_structure == code_structure)
        with self._engine.connect() as connection:
            rows = connection.execute(query).all()
        names = HOUR_COLUMNS
        frame = to_frame([tuple(r)[:len(names)] for r in rows], heures, names, self.zone)
        frame["statut_avant"] = pd.array([r[len(names)] for r in rows], dtype="str")
        frame["motifs_avant"] = pd.array([r[len(names) + 1] for r in rows], dtype="str")
        return frame

    def reevaluations_untold(self) -> dict[str, pd.DataFrame]:
        """Per structure, the verdicts given again since its newest file was received: its
        next control report tells them (SPEC §6), so each is told once."""
        latest = (sa.select(fichiers.c.code_structure, sa.func.max(fichiers.c.recu_le))
                  .group_by(fichiers.c.code_structure))
        quick = sa.select(heures.c.id).where(heures.c.cause.is_not(None)).limit(1)
        with self._engine.connect() as connection:
            if connection.execute(quick).first() is None:  # the usual case: nothing re-evaluated
                return {}
            # As the frames give times: the workspace's wall-clock time (stored in UTC).
            last = {code: pd.Timestamp(at.astimezone(self.zone).replace(tzinfo=None))
                    for code, at in connection.execute(latest) if at is not None}
        found = self.reevaluated()
        if found.empty:
            return {}
        cutoff = found["code_structure"].map(last).astype("datetime64[us]")
        untold = found[cutoff.isna() | (found["evalue_le"] > cutoff)]
        return {str(code): group.reset_index(drop=True)
                for code, group in untold.groupby("code_structure", sort=True)}

    # --- send log (SPEC §9: a message is never sent twice) --------------------------------------

    def send_states(self, keys: Collection[str]) -> dict[tuple[str, str], tuple[int, str]]:
        """(message key, recipient role) → (latest round, status), in one query per batch."""
        return sendlog.latest_states(self._engine, keys)

    def claim_send(self, *, key: str, role: str, round_: int, recipients: str, subject: str,
                   attachment: str | None, at: datetime, claimed_by: str,
                   finishing: dict[str, Any] | None = None) -> bool:
        """Claim one delivery before sending it; False when it is someone else's or gone.
        `finishing`: `finish_send`'s arguments for this run's previous delivery, recorded in
        the same transaction."""
        if finishing is not None:
            finishing = {**finishing, "at": self._utc(finishing["at"])}
        return sendlog.claim(self._engine, key=key, role=role, round_=round_,
                             recipients=recipients, subject=subject, attachment=attachment,
                             at=self._utc(at), claimed_by=claimed_by, finishing=finishing)

    def finish_send(self, *, key: str, role: str, round_: int, status: str, attempts: int,
                    error: str | None, at: datetime) -> None:
        sendlog.finish(self._engine, key=key, role=role, round_=round_, status=status,
                       attempts=attempts, error=error, at=self._utc(at))

    def _utc(self, moment: datetime) -> datetime:
        # The send log's `at` is a plain DateTime holding UTC (like the instants elsewhere).
        return instant(moment, self.zone).replace(tzinfo=None)

    def sends(self) -> pd.DataFrame:
        """The send log, oldest first: one row per message, recipient role and round
        (`recipient` holds the addresses it went to)."""
        found = sendlog.rows(self._engine)
        frame = pd.DataFrame([tuple(row) for row in found], columns=list(sendlog.SEND_COLUMNS))
        frame["at"] = shown(frame["at"], self.zone)  # stored in UTC, read as wall-clock time
        return frame.rename(columns={"recipients": "recipient"})

    # --- report editions (SPEC §7: each edition recorded, never overwritten) ----------------------

    def record_editions(self, rows: Collection[Any]) -> None:
        """Record written editions (`clauses.reports.editions.Edition`), all or none."""
        if not rows:
            return
        values = [{
            "type": e.type, "periode": e.periode, "destinataire": e.destinataire,
            "numero": int(e.numero), "chemin": e.chemin, "sha256": e.sha256,
            "empreinte": e.empreinte, "arrete_au": instant(e.arrete_au, self.zone),
            "heures": json.dumps(e.heures, sort_keys=True) if e.heures else None, "note": e.note,
        } for e in rows]
        with writing(self._engine) as connection:
            connection.execute(editions.insert(), values)

    def editions(self, *, period: str | None = None) -> pd.DataFrame:
        """Recorded editions, oldest first; only those of `period` when given."""
        query = sa.select(*(editions.c[name] for name in EDITION_COLUMNS)).order_by(editions.c.id)
        if period is not None:
            query = query.where(editions.c.periode == period)
        return self._frame(query, editions, EDITION_COLUMNS)

    def _frame(self, query: sa.Select[Any], table: sa.Table, names: tuple[str, ...]) -> pd.DataFrame:
        """The query's rows as a typed frame, built chunk by chunk: a year of a national network
        is 720 000 lines, and holding them all as Python row objects and the frame at once
        doubled the peak memory of a report run."""
        with self._engine.connect() as connection, collector_paused():
            chunks: Iterable[Sequence[Any]]
            if connection.dialect.name == "sqlite":
                # sqlite3 reads the file as rows are fetched: its own rows, without a
                # SQLAlchemy Row object per line (1.5 s of a national year's 720 000).
                cursor = connection.execute(raw_query(query)).cursor
                chunks = iter(lambda: cursor.fetchmany(CHUNK_ROWS), [])
            else:  # a server-side cursor keeps the rows not fetched yet out of memory
                chunks = connection.execution_options(yield_per=CHUNK_ROWS).execute(
                    raw_query(query)).partitions()
            texts: dict[Any, Any] = {}  # equal texts of every chunk as one object
            parts = [raw_frame(chunk, table, names, self.zone, texts) for chunk in chunks]
        if not parts:
            return raw_frame([], table, names, self.zone)
        return parts[0] if len(parts) == 1 else pd.concat(parts, ignore_index=True)
