"""Report editions (SPEC §7, §8; issue 16.2, issue 12.7): a written report is never overwritten.

Each report written for a recipient and a period is an *edition*, recorded in the ledger (kind,
period, recipient, as-of instant, file hash, and the hours it showed per marché and month). Its
file name begins with the recipient's code (or `bilan-annuel`, `suivi-depots`) and carries the
period: `CAN-rapport-mensuel-2026-10.xlsx`; a later edition of the same report adds `-ed2`,
`-ed3`… and a note saying what changed since the previous one and why.

Re-running a report whose content is unchanged (the same tables, only the edition stamp would
differ) writes no new edition: the previous one stays the current one, and nothing is e-mailed
again. « Rectificatif » notes compare the hours shown now with the previous *recorded* edition
for the same recipient and name it (« depuis le rapport du 11/10/2026 … ») instead of assuming
when it ran.

Provisional reports (`--provisoire`) are working drafts for the guichet, never sent: they are
written as `…-provisoire.xlsx`, replaced at each run, and not recorded as editions.
"""

from __future__ import annotations

import hashlib
import json
import re
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pandas as pd

from clauses.periods import month_label
from clauses.reports.formatting import FINGERPRINT_PROPERTY

# Kinds of edition: (ledger `type`, file-name pattern). `{who}` is the recipient's code.
MONTHLY_BUYER = "rapport-mensuel-mo"
MONTHLY_COMPANY = "rapport-mensuel-entreprise"
DEPOSITS = "suivi-depots"
SEMESTER = "tableau-semestriel"
ANNUAL = "bilan-annuel"
FILE_STEMS: dict[str, str] = {
    MONTHLY_BUYER: "{who}-rapport-mensuel-{period}",
    MONTHLY_COMPANY: "{who}-rapport-mensuel-{period}",
    DEPOSITS: "suivi-depots-{period}",
    SEMESTER: "{who}-salaries-{period}",
    ANNUAL: "bilan-annuel-{period}",
}
# The recipient recorded for the reports that have no recipient code in their name.
NAMED_FILES = 5  # files named in an edition's note; beyond, counted
GUICHET = "guichet"
DDETS = "DDETS-PP"

_EDITION_SUFFIX = re.compile(r"^(?P<stem>.+?)(?:-ed(?P<number>\d+))?$")
_CUSTOM_PROPERTY = re.compile(
    r'name="' + FINGERPRINT_PROPERTY + r'"><vt:lpwstr>([0-9a-f]{64})</vt:lpwstr>')

Figures = dict[str, dict[str, int]]  # code_marche → month → hundredths of an hour


@dataclass(frozen=True)
class Edition:
    """One recorded edition of a report (a row of the ledger's `editions` table)."""

    type: str
    periode: str
    destinataire: str
    numero: int
    chemin: str  # relative to the outbox
    sha256: str  # of the file as written
    empreinte: str  # of its content, without the edition stamp and notes
    arrete_au: datetime  # the instant whose ledger the edition shows
    heures: Figures = field(default_factory=dict)
    note: str | None = None

    @property
    def file_name(self) -> str:
        return Path(self.chemin).name


def wall_clock(moment: datetime) -> datetime:
    """The workspace's wall-clock time of an instant, as the ledger keeps it (naive)."""
    if hasattr(moment, "to_pydatetime"):
        moment = moment.to_pydatetime()
    return moment.replace(tzinfo=None)


def edition_stem(kind: str, period: str, recipient: str, number: int = 1) -> str:
    """`CAN-rapport-mensuel-2026-10`, `…-2026-10-ed2` for the second edition."""
    stem = FILE_STEMS[kind].format(who=recipient, period=period)
    return stem if number == 1 else f"{stem}-ed{number}"


def edition_number(path: Path) -> int:
    """The edition number a file name carries (1 without an `-edN` suffix)."""
    found = _EDITION_SUFFIX.match(path.stem)
    return int(found["number"]) if found and found["number"] else 1


def recipient_of(path: Path, kind: str, period: str) -> str | None:
    """The recipient code a report's file name begins with, or None if it is not such a name."""
    stem = _EDITION_SUFFIX.match(path.stem)["stem"]  # type: ignore[index]
    tail = FILE_STEMS[kind].format(who="", period=period)
    if not stem.endswith(tail) or len(stem) == len(tail):
        return None
    return stem[: -len(tail)]


def latest_editions(paths: Iterable[Path]) -> list[Path]:
    """The newest edition of each report among `paths` (visible `.xlsx` files), sorted."""
    newest: dict[tuple[Path, str], Path] = {}
    for path in paths:
        if path.name.startswith("."):
            continue  # a workbook being written
        stem = _EDITION_SUFFIX.match(path.stem)["stem"]  # type: ignore[index]
        key = (path.parent, stem)
        if key not in newest or edition_number(path) > edition_number(newest[key]):
            newest[key] = path
    return sorted(newest.values())


def provisional_path(folder: Path, kind: str, period: str, recipient: str) -> Path:
    return folder / f"{edition_stem(kind, period, recipient)}-provisoire.xlsx"


def hours_text(hours: float) -> str:
    """162.5 → "+162,50 h" (sentences; cells use number formats instead)."""
    text = f"{hours:+,.2f}".replace(",", " ").replace(".", ",").replace("-", "−")
    return f"{text} h"


def figures_of(hours: pd.DataFrame, codes: Iterable[str]) -> Figures:
    """The hours per marché and month a report shows, in exact hundredths (for later notes)."""
    wanted = set(codes)
    lines = hours[hours["code_marche"].isin(wanted) & hours["mois"].notna()]
    sums = lines.groupby(["code_marche", "mois"])["heures"].sum()
    shown: Figures = {code: {} for code in sorted(wanted)}
    for (code, month), value in zip(sums.index.tolist(), sums.tolist(), strict=True):
        hundredths = Decimal(str(value)).scaleb(2).quantize(Decimal(1), ROUND_HALF_UP)
        shown[str(code)][str(month)] = int(hundredths)
    return shown


def fingerprint_of(path: Path) -> str | None:
    """The content fingerprint `ReportWorkbook` stored in a workbook's custom properties."""
    try:
        with zipfile.ZipFile(path) as archive:
            found = _CUSTOM_PROPERTY.search(archive.read("docProps/custom.xml").decode())
    except (OSError, KeyError, zipfile.BadZipFile):
        return None
    return found[1] if found else None


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def edition_from_row(row: Mapping) -> Edition:
    heures = row.get("heures")
    return Edition(
        type=str(row["type"]), periode=str(row["periode"]), destinataire=str(row["destinataire"]),
        numero=int(row["numero"]), chemin=str(row["chemin"]), sha256=str(row["sha256"]),
        empreinte=str(row["empreinte"]), arrete_au=pd.Timestamp(row["arrete_au"]).to_pydatetime(),
        heures=json.loads(heures) if isinstance(heures, str) and heures else {},
        note=row.get("note") if isinstance(row.get("note"), str) else None)


@dataclass
class Planned:
    """An edition about to be written: where, and what came before it."""

    type: str
    periode: str
    destinataire: str
    numero: int
    path: Path  # the final name; the workbook is first written to `staging`
    previous: Edition | None  # the newest edition of this same report (same period)
    before: Edition | None  # the newest edition for this recipient (any earlier period too)

    @property
    def staging(self) -> Path:
        return self.path.with_name(f".{self.path.stem}.en-cours.xlsx")


class Editions:
    """The editions recorded so far (from the ledger) and those written by this run."""

    def __init__(self, outbox: Path, recorded: Iterable[Edition] = ()) -> None:
        self.outbox = outbox
        self.recorded = list(recorded)
        self.new: list[Edition] = []
        self.unchanged: list[Edition] = []

    @classmethod
    def from_frame(cls, outbox: Path, frame: pd.DataFrame | None) -> Editions:
        rows = [] if frame is None else frame.to_dict("records")
        return cls(outbox, [edition_from_row(row) for row in rows])

    def latest(self, kind: str, recipient: str, period: str | None = None,
               until: str | None = None) -> Edition | None:
        """The newest edition of `kind` for `recipient`: of `period`, or of any period up to
        `until` (periods of one kind compare as text: `2026-09` < `2026-10`)."""
        found = [e for e in [*self.recorded, *self.new]
                 if e.type == kind and e.destinataire == recipient
                 and (period is None or e.periode == period)
                 and (until is None or e.periode <= until)]
        return max(found, key=lambda e: (e.arrete_au, e.periode, e.numero), default=None)

    def plan(self, kind: str, period: str, recipient: str, folder: Path) -> Planned:
        """The next edition's name: one past the last recorded, and past any file already on
        disk (a run that crashed between writing and recording never gets overwritten)."""
        previous = self.latest(kind, recipient, period)
        number = previous.numero + 1 if previous else 1
        while (folder / f"{edition_stem(kind, period, recipient, number)}.xlsx").exists():
            number += 1
        return Planned(kind, period, recipient, number,
                       folder / f"{edition_stem(kind, period, recipient, number)}.xlsx",
                       previous, self.latest(kind, recipient, until=period))

    def keep(self, planned: Planned, *, as_of: datetime, figures: Figures | None = None,
             note: str | None = None) -> Path:
        """After the workbook was written to `planned.staging`: the previous edition's path if
        the content is the same (the draft is dropped), else the new edition under its name."""
        written = planned.staging
        fingerprint = fingerprint_of(written) or file_sha256(written)
        previous = planned.previous
        if previous is not None and previous.empreinte == fingerprint \
                and (self.outbox / previous.chemin).is_file():
            written.unlink()
            self.unchanged.append(previous)
            return self.outbox / previous.chemin
        written.replace(planned.path)
        edition = Edition(
            type=planned.type, periode=planned.periode, destinataire=planned.destinataire,
            numero=planned.numero, chemin=planned.path.relative_to(self.outbox).as_posix(),
            sha256=file_sha256(planned.path), empreinte=fingerprint, arrete_au=wall_clock(as_of),
            heures=figures or {}, note=note)
        self.new.append(edition)
        return planned.path


def edition_note(planned: Planned, files: pd.DataFrame | None, months: Iterable[str] = (),
                 structure: str | None = None) -> list[str]:
    """The note of an edition after the first: which one it replaces, and why (the files
    received since, for the months it covers, else a change in the registers)."""
    previous = planned.previous
    if previous is None:
        return []
    if files is not None and structure is not None:
        files = files[files["code_structure"] == structure]
    since = _files_since(files, previous.arrete_au, set(months))
    shown = ", ".join(since[:NAMED_FILES])
    if len(since) > NAMED_FILES:
        shown += f" et {len(since) - NAMED_FILES} autres"
    why = (f"fichiers reçus depuis : {shown}") if since else (
        "registres du guichet modifiés depuis (décisions, marchés ou participants)")
    return [f"Édition {planned.numero} — remplace l'édition du "
            f"{previous.arrete_au:%d/%m/%Y à %H:%M} ({previous.file_name}). Motif : {why}."]


def _files_since(files: pd.DataFrame | None, moment: datetime, months: set[str]) -> list[str]:
    if files is None or files.empty:
        return []
    received = pd.to_datetime(files["recu_le"])
    if getattr(received.dt, "tz", None) is not None:
        received = received.dt.tz_localize(None)
    chosen = files[(received > pd.Timestamp(wall_clock(moment))) & (files["statut"] == "traité")
                   & (files["type"] != "pièce justificative")]
    if months:
        chosen = chosen[chosen["mois"].isin(months) | chosen["mois"].isna()]
    if "sha256" in chosen:  # a relevé listed once per month it holds lines of is one file
        chosen = chosen.drop_duplicates("sha256")
    return [f"{row['code_structure']} « {row['nom_fichier']} » le "
            f"{pd.Timestamp(row['recu_le']):%d/%m/%Y}" for row in chosen.to_dict("records")]


def correction_notes(before: Edition | None, now: Figures, *, until: str) -> dict[str, str]:
    """One « Rectificatif » sentence per marché whose hours of months already reported differ
    from what the previous recorded edition for this recipient showed (SPEC §8, issue 12.7)."""
    if before is None:
        return {}
    notes = {}
    for code, months in now.items():
        then = before.heures.get(code, {})
        changed = []
        for month in sorted(set(months) | set(then)):
            if month > before.periode or month > until:
                continue
            gap = months.get(month, 0) - then.get(month, 0)
            if gap:
                changed.append(f"{month_label(month)} {hours_text(gap / 100)}")
        if changed:
            notes[code] = (
                f"Rectificatif — marché {code} : depuis le rapport du "
                f"{before.arrete_au:%d/%m/%Y} ({before.file_name}) : {', '.join(changed)}.")
    return notes
