"""Ingest the inbox (SPEC §5–§7): archive, classify, check, record, report back.

`ingest_candidate` handles ONE file from the inbox to the ledger; `ingest_inbox` runs it for every
ready file. The Prefect flow `ingest-inbox` runs the same function as one task per file.
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pandas as pd

from clauses.archive import archive_content, quarantine_file, remove_from_inbox
from clauses.config import Config
from clauses.errors import ClausesError, FileRejected
from clauses.formats import french_number
from clauses.inbox import Candidate, scan_inbox
from clauses.ledger import FileRecord, Ledger
from clauses.matching import match_participants
from clauses.periods import deadline_of
from clauses.reading import SPREADSHEET_SUFFIXES, read_submission
from clauses.registers import Registers, load_registers
from clauses.reports.control import control_report_path, write_control_report
from clauses.rule_facts import RegisterIndex
from clauses.rules import check_lines
from clauses.vocabulary import FILE_REASONS, Kind, LineStatus


@dataclass
class FileResult:
    """What happened to one received file: one row of the run's table artifact."""

    structure: str
    name: str
    statut: str  # "traité" | "quarantaine" | "déjà reçu" | "erreur"
    kind: str | None = None
    mois: str | None = None
    lignes: int = 0
    acceptees: int = 0
    alertes: int = 0
    rejetees: int = 0
    heures: float = 0.0
    en_retard: bool = False
    motif: str | None = None
    message: str | None = None
    motifs: dict[str, int] = field(default_factory=dict)  # reason code → lines
    control_report: Path | None = None
    sha256: str | None = None


@dataclass
class IngestRun:
    """Everything one pass over the inbox needs, loaded once."""

    config: Config
    registers: Registers
    ledger: Ledger
    now: datetime
    index: RegisterIndex  # the registers' lookups, built once for every file of the pass

    @classmethod
    def open(cls, config: Config, now: datetime | None = None) -> IngestRun:
        registers = load_registers(config.registers_path, extra_aliases=config.entetes)
        return cls(config, registers, Ledger.from_config(config), now or datetime.now(),
                   RegisterIndex.of(registers))

    @property
    def known_structures(self) -> set[str]:
        return set(self.registers.structures["code_structure"])


def late_mask(months: pd.Series, modified: datetime, jour_limite: int) -> pd.Series:
    """A line is late when its file was modified after the deadline of its month (SPEC §6)."""
    late = {m: modified.date() > deadline_of(m, jour_limite) for m in months.dropna().unique()}
    return months.map(late).fillna(False).astype(bool)


def _record(run: IngestRun, candidate: Candidate, sha: str, archived: Path, **fields) -> FileRecord:
    defaults = dict(type=None, mois=None, motif=None, message=None, en_retard=False)
    defaults.update(fields)
    return FileRecord(
        sha256=sha,
        code_structure=candidate.structure,
        nom_fichier=candidate.name,
        chemin_archive=str(archived.relative_to(run.config.root))
        if archived.is_relative_to(run.config.root)
        else str(archived),
        taille=candidate.size,
        modifie_le=candidate.modified,
        recu_le=run.now,
        **defaults,
    )


def _control_path(run: IngestRun, candidate: Candidate, sha: str) -> Path:
    return control_report_path(
        run.config.outbox, candidate.structure or "_sans_structure", candidate.name, run.now, sha
    )


def _file_report(run: IngestRun, candidate: Candidate, sha: str, code: str, message: str,
                 kind: str | None = None) -> Path:
    return write_control_report(
        _control_path(run, candidate, sha), structure=candidate.structure, file_name=candidate.name,
        kind=kind, received=run.now, late=False, raw=None, file_reason=code,
        file_message=message, territory=run.config.territoire,
    )


def _refuse(
    run: IngestRun, candidate: Candidate, sha: str, archived: Path, error: FileRejected,
    kind: str | None = None,
) -> FileResult:
    """File-level failure: nothing enters the ledger but the file's row; file kept in quarantine."""
    # Everything on disk first, the ledger row last: a crash in between only means doing it
    # again on the next pass (same report path, same quarantine copy).
    report = _file_report(run, candidate, sha, error.code, error.message, kind)
    reason = f"{error.code} — {error.message}"
    quarantine_file(run.config.quarantine, archived, candidate.structure, candidate.name, reason)
    run.ledger.record_file(
        _record(run, candidate, sha, archived, type=kind, statut="quarantaine",
                motif=error.code, message=error.message)
    )
    return FileResult(candidate.structure, candidate.name, "quarantaine", kind=kind,
                      motif=error.code, message=error.message, control_report=report, sha256=sha)


def _already_received(
    run: IngestRun, candidate: Candidate, sha: str, archived: Path
) -> FileResult:
    message = FILE_REASONS["FICHIER_DEJA_RECU"]
    report = _file_report(run, candidate, sha, "FICHIER_DEJA_RECU", message)
    run.ledger.record_file(
        _record(run, candidate, sha, archived, statut="déjà reçu",
                motif="FICHIER_DEJA_RECU", message=message)
    )
    return FileResult(candidate.structure, candidate.name, "déjà reçu", motif="FICHIER_DEJA_RECU",
                      message=message, control_report=report, sha256=sha)


def _supporting_document(
    run: IngestRun, candidate: Candidate, sha: str, archived: Path
) -> FileResult:
    """A PDF contract or an evaluation sheet: archived and logged, never rejected (SPEC §5.1).
    It belongs to the month before the one it arrived in, like the relevés sent on the 10th."""
    month = (pd.Period(candidate.modified, freq="M") - 1).strftime("%Y-%m")
    run.ledger.record_file(
        _record(run, candidate, sha, archived, type=Kind.PIECE.value, mois=month, statut="traité")
    )
    return FileResult(candidate.structure, candidate.name, "traité", kind=Kind.PIECE.value,
                      mois=month, sha256=sha)


def _hour_statement(run, candidate, sha, archived, submission) -> FileResult:
    lines = match_participants(submission.lines, run.index.participants)
    checked = check_lines(
        lines, registers=run.index, rules=run.config.regles,
        code_structure=candidate.structure, unreadable=submission.unreadable,
        declared_total=submission.declared_total, today=run.now.date(),
    )
    checked["en_retard"] = late_mask(checked["mois"], candidate.modified,
                                     run.config.depot.jour_limite)
    counts = checked["statut"].value_counts()
    counted = checked["statut"] != LineStatus.REJECTED.value
    month = _main_month(checked["mois"])
    late = bool(checked.loc[checked["mois"] == month, "en_retard"].any()) if month else False
    result = FileResult(
        candidate.structure, candidate.name, "traité", kind=Kind.RELEVE.value, mois=month,
        lignes=len(checked), acceptees=int(counts.get(LineStatus.ACCEPTED.value, 0)),
        alertes=int(counts.get(LineStatus.ALERT.value, 0)),
        rejetees=int(counts.get(LineStatus.REJECTED.value, 0)),
        heures=float(checked.loc[counted, "heures"].sum()), en_retard=late, sha256=sha,
        motifs=_reason_counts(checked["motifs"]),
    )
    result.control_report = write_control_report(
        _control_path(run, candidate, sha), structure=candidate.structure, file_name=candidate.name,
        kind=Kind.RELEVE.value, received=run.now, late=late, raw=submission.raw, checked=checked,
        territory=run.config.territoire,
    )
    run.ledger.record_file(
        _record(run, candidate, sha, archived, type=Kind.RELEVE.value, mois=month,
                statut="traité", en_retard=late, lignes=result.lignes,
                acceptees=result.acceptees, alertes=result.alertes, rejetees=result.rejetees),
        hours=checked,
    )
    return result


def _main_month(months: pd.Series) -> str | None:
    """The month a relevé is for: the one most of its lines are in (the newest on a tie), so
    that a stray line of another month does not move the whole file (SPEC §8 suivi des dépôts)."""
    counts = months.dropna().value_counts()
    if counts.empty:
        return None
    return str(counts[counts == counts.max()].index.max())


def _reason_counts(motifs: pd.Series) -> dict[str, int]:
    codes = motifs[motifs != ""].str.split(";").explode()
    return {str(k): int(v) for k, v in codes.value_counts().sort_index().items()}


def _tracking_table(run, candidate, sha, archived, submission) -> FileResult:
    lines = match_participants(submission.lines, run.index.participants)
    report = write_control_report(
        _control_path(run, candidate, sha), structure=candidate.structure, file_name=candidate.name,
        kind=Kind.SUIVI.value, received=run.now, late=False, raw=submission.raw,
        territory=run.config.territoire,
    )
    run.ledger.record_file(
        _record(run, candidate, sha, archived, type=Kind.SUIVI.value, statut="traité",
                lignes=len(lines)),
        tracking=lines,
    )
    return FileResult(candidate.structure, candidate.name, "traité", kind=Kind.SUIVI.value,
                      lignes=len(lines), control_report=report, sha256=sha)


def _size_text(size: float) -> str:
    if size >= 1024 * 1024:
        return f"{french_number(size / 1024 / 1024)} Mo"
    return f"{french_number(size / 1024)} ko"


def ingest_candidate(run: IngestRun, candidate: Candidate) -> FileResult:
    """Archive one file, then route it; it leaves the inbox only once archived and recorded."""
    content = candidate.path.read_bytes()
    suffix = Path(candidate.name).suffix
    sha, archived = archive_content(run.config.archive, content, suffix)
    if run.ledger.is_known_file(sha):
        result = _already_received(run, candidate, sha, archived)
    elif candidate.structure not in run.known_structures:
        where = (f"Le dossier « {candidate.structure} » ne correspond à aucune structure du "
                 "registre" if candidate.structure else "Le fichier a été déposé à la racine du "
                 "dépôt, hors de tout dossier de structure")
        result = _refuse(run, candidate, sha, archived, FileRejected(
            "STRUCTURE_INCONNUE",
            f"{where} : déposez-le dans le dossier de votre structure.",
        ))
    elif candidate.size > run.config.depot.taille_max_mo * 1024 * 1024:
        result = _refuse(run, candidate, sha, archived, FileRejected(
            "FICHIER_TROP_VOLUMINEUX",
            f"Le fichier pèse {_size_text(candidate.size)}, au-delà de la limite de "
            f"{_size_text(run.config.depot.taille_max_mo * 1024 * 1024)}.",
        ))
    elif suffix.lower() not in SPREADSHEET_SUFFIXES:
        result = _supporting_document(run, candidate, sha, archived)
    else:
        try:
            # The inbox copy has the bytes just archived and the name the structure gave it,
            # which the reader's messages quote.
            submission = read_submission(
                candidate.path, extra_aliases=run.config.entetes,
                max_lines=run.config.depot.lignes_max,
            )
        except FileRejected as error:
            result = _refuse(run, candidate, sha, archived, error)
        else:
            handler = _hour_statement if submission.kind == Kind.RELEVE else _tracking_table
            result = handler(run, candidate, sha, archived, submission)
    remove_from_inbox(candidate.path, archived)
    return result


def failed_result(candidate: Candidate) -> FileResult:
    """An unexpected error on one file: the file stays in the inbox for the next pass."""
    return FileResult(
        candidate.structure, candidate.name, "erreur",
        message="Erreur inattendue pendant le traitement : le fichier reste dans le dépôt "
        "et sera repris au prochain passage.",
    )


def _ingest_safely(run: IngestRun, candidate: Candidate) -> FileResult:
    try:
        return ingest_candidate(run, candidate)
    except ClausesError:
        raise
    except Exception:  # noqa: BLE001 — one bad file must not stop the others
        log = run.config.state / "erreurs.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        with open(log, "a", encoding="utf-8") as handle:
            handle.write(f"--- {run.now} {candidate.path}\n{traceback.format_exc()}")
        return failed_result(candidate)


def ingest_inbox(
    config: Config, *, now: datetime | None = None
) -> tuple[list[FileResult], list[Path]]:
    """One pass over the inbox without Prefect: the results and the files left waiting."""
    run = IngestRun.open(config, now)
    try:
        candidates, waiting = scan_inbox(
            config.inbox, now=run.now, stable_seconds=config.depot.delai_stabilite_secondes
        )
        return [_ingest_safely(run, c) for c in candidates], waiting
    finally:
        run.ledger.close()

