"""Who receives which workbook (SPEC §9): the messages due after each job, and all messages due.

The send log refuses doubles, so `due_messages` may list everything already written: only what
has not left yet is sent.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd

from clauses.config import Config
from clauses.ledger import FileRecord
from clauses.mail.messages import (
    annual_messages,
    control_report_key,
    control_report_message,
    monthly_buyer_message,
    monthly_company_message,
    quarantine_message,
    semester_message,
)
from clauses.mail.sending import RECIPIENTS, SENDING, SENT, Message
from clauses.periods import is_period_over
from clauses.registers.load import Registers
from clauses.reports.control import control_report_path
from clauses.reports.editions import (
    MONTHLY_BUYER,
    MONTHLY_COMPANY,
    SEMESTER,
    latest_editions,
    recipient_of,
)
from clauses.vocabulary import Kind


def _by(frame: pd.DataFrame, column: str) -> dict[str, pd.Series]:
    return {str(row[column]): row for _, row in frame.iterrows()}


def monthly_messages(config: Config, registers: Registers, month: str,
                     written: list[Path]) -> list[Message]:
    """The MO and company reports among `written`, each to the recipient its name begins with."""
    buyers = _by(registers.buyers, "code_mo")
    companies = _by(registers.companies, "siret")
    messages = []
    for path in written:
        if path.parent.name == "maitres-ouvrage":
            buyer = buyers.get(recipient_of(path, MONTHLY_BUYER, month) or "")
            if buyer is not None:
                messages.append(monthly_buyer_message(config, buyer, month, path))
        elif path.parent.name == "entreprises":
            company = companies.get(recipient_of(path, MONTHLY_COMPANY, month) or "")
            if company is not None:
                messages.append(monthly_company_message(config, company, month, path))
    return messages


def semester_messages(config: Config, registers: Registers, period: str,
                      written: list[Path]) -> list[Message]:
    structures = _by(registers.structures, "code_structure")
    messages = []
    for path in written:
        structure = structures.get(recipient_of(path, SEMESTER, period) or "")
        if structure is not None:
            messages.append(semester_message(config, structure, period, path))
    return messages


def file_messages(config: Config, registers: Registers, files: pd.DataFrame,
                  months: pd.DataFrame | None = None) -> list[Message]:
    """Control reports back to the structures, for the ledger's `fichiers` rows given;
    `months` (`Ledger.file_months`) tells what each relevé replaced (SPEC §7)."""
    structures = _by(registers.structures, "code_structure")
    replaced = months[months["remplace"].notna()] if months is not None else None
    # Each relevé's replaced months, looked up by hash: a pass mails hundreds of reports.
    by_sha = {} if replaced is None else {
        sha: part for sha, part in replaced.groupby("sha256", sort=False)}
    messages = []
    for row in files.to_dict("records"):
        structure = structures.get(str(row["code_structure"]))
        if structure is None or row["statut"] not in ("traité", "quarantaine"):
            continue
        if row["type"] == "pièce justificative":
            continue
        received = pd.Timestamp(row["recu_le"]).to_pydatetime()
        report = control_report_path(config.outbox, row["code_structure"], row["nom_fichier"],
                                     received, row["sha256"])
        if not report.exists():
            continue
        record = FileRecord.from_row(row)
        if row["statut"] == "quarantaine":
            messages.append(quarantine_message(config, structure, record, report))
            continue
        own = None if replaced is None else by_sha.get(row["sha256"], replaced.iloc[:0])
        messages.append(control_report_message(config, structure, record, report, own))
    return messages


def unsent_files(ledger) -> pd.DataFrame:
    """The ledger's files whose control report (or quarantine notice) no run has sent yet —
    this pass's, and those an earlier pass left when it crashed between recording a file and
    mailing its report (issue 13.6). One query for the files, one for the send log."""
    files = ledger.files()
    if files.empty:
        return files
    keys = [control_report_key(statut, structure, sha) for statut, structure, sha in zip(
        files["statut"], files["code_structure"], files["sha256"], strict=True)]
    states = ledger.send_states(keys)
    served = {key for (key, role), (_, status) in states.items()
              if role == RECIPIENTS and status in (SENT, SENDING)}
    due = [key not in served and statut in ("traité", "quarantaine") and kind != Kind.PIECE.value
           for key, statut, kind in zip(keys, files["statut"], files["type"], strict=True)]
    return files[due]


def due_messages(config: Config, registers: Registers, ledger, today: date) -> list[Message]:
    """Every message Clauses owes from what is in the ledger and the outbox: the newest edition
    of each report (an older one replaced before it left is not sent). A provisional semester
    table or bilan (period not over on `today`) is for the guichet's eyes only."""
    messages = file_messages(config, registers, ledger.files(), ledger.file_months())
    outbox = config.outbox
    for folder in sorted(p for p in outbox.glob("[0-9][0-9][0-9][0-9]-[0-9][0-9]") if p.is_dir()):
        written = latest_editions([*folder.glob("maitres-ouvrage/*.xlsx"),
                                   *folder.glob("entreprises/*.xlsx")])
        messages += monthly_messages(config, registers, folder.name, written)
    for folder in sorted(outbox.glob("[0-9][0-9][0-9][0-9]-S[12]")):
        if is_period_over(folder.name, today):
            messages += semester_messages(config, registers, folder.name,
                                          latest_editions(folder.glob("structures/*.xlsx")))
    for report in latest_editions(outbox.glob("[0-9][0-9][0-9][0-9]/bilan-annuel-*.xlsx")):
        if is_period_over(report.parent.name, today) and not report.stem.endswith("provisoire"):
            messages += annual_messages(config, registers.structures, report.parent.name,
                                        report)
    return messages
