"""Check one received spreadsheet, up to its control report (SPEC §5, §6, §8 first row).

Everything here works on files and frames only — no ledger — so that several files can be
checked in parallel worker processes while the ledger records them one by one, in order
(clauses/ingest/inbox_pass.py). The control report and any quarantine copy are written before the ledger
row: a crash in between only means doing it again on the next pass.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd

from clauses.checking.elsewhere import CODE as DOUBLE_DECLARATION
from clauses.checking.elsewhere import earlier_flags
from clauses.checking.facts import RegisterIndex
from clauses.checking.matching import match_participants
from clauses.checking.months import late_months, month_records
from clauses.checking.rules import check_lines, severities, total_message
from clauses.config import Config
from clauses.errors import FileRejected
from clauses.hours import sum_hours
from clauses.reading.sizes import ReadLimits
from clauses.reading.submission import Submission, read_submission
from clauses.reports.control import control_report_path, write_control_report
from clauses.vocabulary import Kind, LineStatus
from clauses.workspace.archive import quarantine_file
from clauses.workspace.inbox import Candidate


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
    mois_en_retard: list[str] = field(default_factory=list)  # months whose lines arrived late
    # What the file replaced, one dict per month (clauses.checking.months.REPLACEMENT_COLUMNS).
    remplacements: list[dict[Hashable, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class Received:
    """A file archived and ready to be read."""

    candidate: Candidate
    sha: str
    archived: Path


@dataclass(frozen=True)
class CheckContext:
    """What checking a file needs, loaded once per pass (and sent once to each worker)."""

    config: Config
    index: RegisterIndex
    now: datetime
    # Per structure, lines given a new verdict since its last file (the registers changed,
    # SPEC §6): its next control report tells them.
    untold: Mapping[str, pd.DataFrame] = field(default_factory=dict)
    limits: ReadLimits = ReadLimits()  # what a file may hold once read (issue 13)


@dataclass
class Checked:
    """A checked file, ready for the ledger: its result and what to record."""

    received: Received
    result: FileResult
    hours: pd.DataFrame | None = None
    tracking: pd.DataFrame | None = None
    months: pd.DataFrame | None = None  # per month of a relevé: clauses.checking.months
    raw: pd.DataFrame | None = None  # the lines as sent, to rewrite the control report
    periods: tuple[str, ...] = ()  # the period the file declares (Submission.periods)
    submission: Submission | None = None  # a relevé as read, to check it again at commit time
    # Other structures' lines this relevé also declares, with DOUBLE_DECLARATION added
    # (`checking/elsewhere.earlier_flags`, for `Ledger.record_file(revised=…)`).
    revised: pd.DataFrame | None = None


def main_month(months: pd.Series) -> str | None:
    """The month a relevé is for: the one most of its lines are in (the newest on a tie), so
    that a stray line of another month does not move the whole file (SPEC §8 suivi des dépôts)."""
    counts = months.dropna().value_counts()
    if counts.empty:
        return None
    return str(counts[counts == counts.max()].index.max())


def reason_counts(motifs: pd.Series) -> dict[str, int]:
    codes = motifs[motifs != ""].str.split(";").explode()
    return {str(k): int(v) for k, v in codes.value_counts().sort_index().items()}


def control_path(context: CheckContext, received: Received) -> Path:
    candidate = received.candidate
    return control_report_path(context.config.outbox, candidate.structure or "_sans_structure",
                               candidate.name, context.now, received.sha)


def file_report(context: CheckContext, received: Received, code: str, message: str,
                kind: str | None = None) -> Path:
    """The control report of a file refused or already received as a whole."""
    candidate = received.candidate
    return write_control_report(
        control_path(context, received), structure=candidate.structure, file_name=candidate.name,
        kind=kind, received=context.now, late=False, raw=None, file_reason=code,
        file_message=message, territory=context.config.territoire, arrived=candidate.arrived,
    )


def refuse(context: CheckContext, received: Received, error: FileRejected,
           kind: str | None = None) -> Checked:
    """File-level failure: report and quarantine copy on disk; the ledger gets one row."""
    candidate = received.candidate
    report = file_report(context, received, error.code, error.message, kind)
    quarantine_file(context.config.quarantine, received.archived, candidate.structure,
                    candidate.name, f"{error.code} — {error.message}")
    return Checked(received, FileResult(
        candidate.structure, candidate.name, "quarantaine", kind=kind, motif=error.code,
        message=error.message, control_report=report, sha256=received.sha))


def check_spreadsheet(context: CheckContext, received: Received) -> Checked:
    """Read, match, apply the rules and write the control report of one spreadsheet."""
    try:
        # The archived copy: exactly the bytes hashed and recorded, whatever happens to the
        # inbox file meanwhile; the messages quote the name the structure gave it.
        submission = read_submission(
            received.archived, extra_aliases=context.config.entetes,
            max_lines=context.config.depot.lignes_max,
            name=Path(received.candidate.name).name, limits=context.limits,
        )
    except FileRejected as error:
        return refuse(context, received, error)
    if submission.kind == Kind.RELEVE:
        return _hour_statement(context, received, submission)
    return _tracking_table(context, received, submission)


def _hour_statement(context: CheckContext, received: Received, submission: Submission,
                    elsewhere: pd.DataFrame | None = None) -> Checked:
    candidate, config = received.candidate, context.config
    lines = match_participants(submission.lines, context.index.participants)
    checked = check_lines(
        lines, registers=context.index, rules=config.regles,
        code_structure=candidate.structure, unreadable=submission.unreadable,
        declared_total=submission.declared_total, today=context.now.date(),
        elsewhere=elsewhere,
    )
    # Lateness is judged once per month (SPEC §6); each line takes its month's verdict.
    # `arrived` is optional on a Candidate only for tests that build one by hand: scan_inbox
    # always sets it (issue 13 owns lateness, and this type).
    months = month_records(checked, arrived=candidate.arrived,  # type: ignore[arg-type]
                           jour_limite=config.depot.jour_limite, periods=submission.periods)
    late_by_month = dict(zip(months["mois"], months["en_retard"], strict=True))
    checked["en_retard"] = checked["mois"].map(late_by_month).fillna(False).astype(bool)
    # A wrong Total is a fact about the file: one alert, not one per line (issue 15).
    total_alert = total_message(lines, submission.declared_total, config.regles)
    reasons = reason_counts(checked["motifs"])
    if total_alert:
        reasons["TOTAL_INCOHERENT"] = 1
    counts = checked["statut"].value_counts()
    counted = checked["statut"] != LineStatus.REJECTED.value
    month = main_month(checked["mois"])
    late = bool(late_by_month.get(month, False)) if month else False
    result = FileResult(
        candidate.structure, candidate.name, "traité", kind=Kind.RELEVE.value, mois=month,
        lignes=len(checked), acceptees=int(counts.get(LineStatus.ACCEPTED.value, 0)),
        alertes=int(counts.get(LineStatus.ALERT.value, 0)),
        rejetees=int(counts.get(LineStatus.REJECTED.value, 0)),
        heures=sum_hours(checked.loc[counted, "heures"]), en_retard=late,
        motifs=reasons, sha256=received.sha,
        mois_en_retard=late_months(months),
        motif="TOTAL_INCOHERENT" if total_alert else None, message=total_alert,
    )
    result.control_report = statement_report(context, received, submission.raw, checked, months,
                                             file_alert=total_alert)
    return Checked(received, result, hours=checked, months=months, raw=submission.raw,
                   periods=submission.periods, submission=submission)


def statement_report(context: CheckContext, received: Received, raw: pd.DataFrame,
                     checked: pd.DataFrame, months: pd.DataFrame,
                     replaced: pd.DataFrame | None = None, file_alert: str | None = None) -> Path:
    """The control report of a relevé: lateness per month, what it replaced if known, and an
    alert about the whole file (a wrong `Total` line) if any."""
    candidate = received.candidate
    late_by_month = dict(zip(months["mois"], months["en_retard"], strict=True))
    month = main_month(checked["mois"])
    return write_control_report(
        control_path(context, received), structure=candidate.structure,
        file_name=candidate.name, kind=Kind.RELEVE.value, received=context.now,
        late=bool(late_by_month.get(month, False)) if month else False,
        raw=raw, checked=checked, territory=context.config.territoire,
        late_by_month=late_by_month, replaced=replaced,
        reexamined=context.untold.get(candidate.structure),
        arrived=candidate.arrived, file_alert=file_alert,
    )


def participant_months(checked: Checked) -> tuple[set[str], set[str]]:
    """The participants and months a checked relevé declares (what to look up elsewhere)."""
    if checked.hours is None or checked.hours.empty:
        return set(), set()
    lines = checked.hours
    return (set(lines["id_participant"].dropna().astype(str)),
            set(lines["mois"].dropna().astype(str)))


def across_structures(context: CheckContext, checked: Checked,
                      elsewhere: pd.DataFrame, *, rewrite: bool = False) -> Checked:
    """A relevé checked again with what other structures declared for its participants and
    months (SPEC §6: HEURES_HORS_LIMITES on the participant's month, DOUBLE_DECLARATION on
    both lines), its control report rewritten; the other structures' lines it also declares
    come back in `revised`. Runs at commit time, in drop order, with the ledger's answer.
    `rewrite`: its control report was already rewritten with other lines, rewrite it even when
    nothing is declared elsewhere any more."""
    if (elsewhere.empty and not rewrite) or checked.submission is None:
        return checked
    again = _hour_statement(context, checked.received, checked.submission, elsewhere)
    if again.hours is None:  # a relevé's check always has its lines; for the type checker
        return again
    severity = severities(context.config.regles)[DOUBLE_DECLARATION]
    again.revised = earlier_flags(again.hours, elsewhere, checked.received.candidate.structure,
                                  severity)
    return again


def _tracking_table(context: CheckContext, received: Received,
                    submission: Submission) -> Checked:
    candidate = received.candidate
    lines = match_participants(submission.lines, context.index.participants)
    report = write_control_report(
        control_path(context, received), structure=candidate.structure,
        file_name=candidate.name, kind=Kind.SUIVI.value, received=context.now, late=False,
        raw=submission.raw, territory=context.config.territoire, arrived=candidate.arrived,
    )
    return Checked(received, FileResult(
        candidate.structure, candidate.name, "traité", kind=Kind.SUIVI.value,
        lignes=len(lines), control_report=report, sha256=received.sha), tracking=lines,
        raw=submission.raw)


def tracking_report(context: CheckContext, received: Received, raw: pd.DataFrame,
                    disagreements: pd.DataFrame) -> Path:
    """The control report of a tableau de suivi, with where it disagrees with the relevés."""
    candidate = received.candidate
    return write_control_report(
        control_path(context, received), structure=candidate.structure,
        file_name=candidate.name, kind=Kind.SUIVI.value, received=context.now, late=False,
        raw=raw, territory=context.config.territoire, arrived=candidate.arrived,
        disagreements=disagreements,
    )
