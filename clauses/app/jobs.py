"""The jobs behind each CLI command and each Prefect flow, with their French summaries.

Each job loads what it needs once (config → registers → ledger), calls the pure pipeline
functions and returns the lines a person reads. The Prefect flows run these same jobs; when a
Prefect server is already up, the CLI runs the flow instead so that the run is recorded in the UI
(`flows/commands.py`).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import pandas as pd
from rich import box
from rich.console import Console
from rich.table import Table

from clauses.checking.months import replacement_sentence
from clauses.clock import now_or
from clauses.config import Config
from clauses.ingest import FileResult, ingest_inbox
from clauses.ingest.inbox_pass import register_context
from clauses.ledger import Ledger
from clauses.mail.dispatch import (
    due_messages,
    file_messages,
    monthly_messages,
    semester_messages,
    unsent_files,
)
from clauses.mail.messages import annual_messages, count
from clauses.mail.reminders import (
    reminder_messages,
    structures_for_template,
    structures_to_remind,
    template_messages,
)
from clauses.mail.sending import send_messages
from clauses.periods import (
    PeriodNotOver,
    deadline_of,
    french_date,
    is_period_over,
    month_end,
    month_label,
    parse_month,
    parse_semester,
    period_months,
    previous_month,
    semester_code,
)
from clauses.reading.notations import french_hours, french_number
from clauses.registers.load import Registers
from clauses.reports.annual.activity import balances_of_year
from clauses.reports.annual.writer import LINE_COLUMNS as ANNUAL_COLUMNS
from clauses.reports.annual.writer import write_annual_report
from clauses.reports.annual.year import Earlier
from clauses.reports.editions import Editions
from clauses.reports.monthly import history
from clauses.reports.monthly.arrivals import received_since
from clauses.reports.monthly.deposits import LATE, MISSING, ON_TIME, deposit_followup
from clauses.reports.monthly.writer import late_since, write_monthly_reports
from clauses.reports.semester import LINE_COLUMNS as SEMESTER_COLUMNS
from clauses.reports.semester import write_semester_reports
from clauses.reports.templates import write_templates


def summarise_ingest(results: list[FileResult], waiting: list[Path], config: Config) -> list[str]:
    """A short French account of one pass over the inbox."""
    if not results and not waiting:
        return ["Aucun fichier à traiter dans le dossier de dépôt."]
    by_status = Counter(r.statut for r in results)
    parts = [count(by_status.get("traité", 0), "traité", "traités"),
             f"{by_status.get('quarantaine', 0)} en quarantaine",
             count(by_status.get("déjà reçu", 0), "déjà reçu", "déjà reçus")]
    if by_status.get("erreur"):
        parts.append(count(by_status["erreur"], "laissé dans le dépôt après une erreur",
                           "laissés dans le dépôt après une erreur"))
    lines = [f"{count(len(results), 'fichier reçu', 'fichiers reçus')} : {', '.join(parts)}."]
    accepted = sum(r.acceptees for r in results)
    alerts = sum(r.alertes for r in results)
    rejected = sum(r.rejetees for r in results)
    if accepted or alerts or rejected:
        hours = sum(r.heures for r in results)
        lines.append(
            f"Lignes d'heures : {accepted} acceptées, {alerts} avec alerte, {rejected} rejetées "
            f"— {french_number(hours)} h comptées."
        )
    reasons: Counter[str] = Counter()
    for r in results:
        reasons.update(r.motifs)
    if reasons:
        lines.append("Motifs : " + ", ".join(f"{c} ({n})" for c, n in sorted(reasons.items())))
    for r in results:
        if r.statut == "quarantaine":
            lines.append(f"  Quarantaine — {r.structure or '?'}/{r.name} : {r.motif}, {r.message}")
    late = sorted({f"{r.structure} ({month})" for r in results for month in r.mois_en_retard}
                  | {f"{r.structure} ({r.mois})" for r in results
                     if r.en_retard and not r.mois_en_retard})
    if late:
        lines.append("Hors délai : " + ", ".join(late))
    lines += replacement_lines(results)
    if waiting:
        lines.append(f"{count(len(waiting), 'fichier', 'fichiers')} en cours d'écriture, "
                     "repris au passage suivant.")
    lines.append(f"Comptes rendus de contrôle : {config.outbox / 'controles'}")
    return lines


def replacement_lines(results: list[FileResult]) -> list[str]:
    """Every replacement of the pass, one line each (SPEC §7: a correction is never silent);
    « à examiner » when it removes more than `controles.remplacement_alerte` of the hours."""
    lines = []
    for r in results:
        for replaced in r.remplacements:
            mark = " — À EXAMINER" if replaced.get("a_examiner") else ""
            lines.append(f"  Remplacement — {r.structure}/{r.name} : "
                         f"{replacement_sentence(replaced)}{mark}")
    if lines:
        lines.insert(0, f"Relevés remplaçant des lignes déjà reçues : {len(lines)}.")
    return lines


def reevaluation_lines(config: Config, at: datetime) -> list[str]:
    """What the pass at `at` re-evaluated after a register change (SPEC §6), in French."""
    with Ledger.from_config(config) as ledger:
        changed = ledger.reevaluated(at=at)
    return reevaluation_summary(changed)


def reevaluation_summary(changed: pd.DataFrame) -> list[str]:
    """« Référentiel modifié : 2 lignes déjà reçues réexaminées — 1 désormais comptée (+20,00 h),
    1 retirée (−7,50 h) » and one line per re-evaluated line."""
    if changed.empty:
        return []
    rejected = "rejetée"
    now_counted = (changed["statut"] != rejected) & (changed["statut_avant"] == rejected)
    removed = (changed["statut"] == rejected) & (changed["statut_avant"] != rejected)
    hours = changed["heures"].fillna(0.0)
    what = count(len(changed), "ligne déjà reçue réexaminée", "lignes déjà reçues réexaminées")
    lines = [f"Référentiel modifié : {what}"
             f" — {count(int(now_counted.sum()), 'désormais comptée', 'désormais comptées')} "
             f"(+{french_hours(float(hours[now_counted].sum()))}), "
             f"{count(int(removed.sum()), 'retirée', 'retirées')} "
             f"(−{french_hours(float(hours[removed].sum()))})."]
    row: Any  # a row of itertuples: its fields are the frame's columns
    for row in changed.itertuples(index=False):
        lines.append(f"  {row.code_structure} {row.mois} {row.id_participant or '?'} "
                     f"{row.code_marche or '?'} : {row.statut_avant} → {row.statut} "
                     f"({row.cause})")
    return lines


def send_control_reports(config: Config, results: list[FileResult],
                         now: datetime) -> list:
    """E-mail each structure the control report of each file it sent (SPEC §9): this pass's,
    and any an earlier pass recorded but could not mail (it crashed, the server was down)."""
    ledger = Ledger.from_config(config)
    try:
        files = unsent_files(ledger)
        if files.empty:
            return []
        registers, _ = register_context(config)
        shas = set(files["sha256"])
        messages = file_messages(config, registers, files, ledger.file_months(sha256s=shas))
        return send_messages(messages, config=config, ledger=ledger, now=now)
    finally:
        ledger.close()


def ingest_and_send(config: Config, *, now: datetime | None = None):
    """One pass over the inbox, then the control reports by e-mail."""
    now = now_or(now, config.zone)
    results, waiting = ingest_inbox(config, now=now)
    return results, waiting, send_control_reports(config, results, now)


def run_ingest(config: Config, *, now: datetime | None = None) -> list[str]:
    """One pass over the inbox and its e-mails, run directly; the lines a person reads."""
    now = now_or(now, config.zone)
    results, waiting, sends = ingest_and_send(config, now=now)
    lines = summarise_ingest(results, waiting, config) + reevaluation_lines(config, now)
    if sends:
        failed = sum(1 for s in sends if s.failed)
        lines.append(f"Comptes rendus envoyés aux structures : {len(sends) - failed} courriel(s), "
                     f"{failed} en échec.")
    return lines


@dataclass
class JobReport:
    """What a report or mail job did: lines for the terminal, files and sends for the UI."""

    lines: list[str] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)
    sends: list = field(default_factory=list)  # clauses.mail.sending.SendResult
    editions: Any = None  # clauses.reports.editions.Editions of a report job
    overview: str | None = None  # one page of markdown, shown first in the Prefect UI

    def __iter__(self) -> Iterator[str]:
        return iter(self.lines)


def _open(config: Config):
    # Cached per register version (clauses/ingest): a national register takes 10 s to load.
    return register_context(config)[0], Ledger.from_config(config)


def _send(config: Config, ledger, messages, now: datetime, report: JobReport,
          resend=None) -> None:
    results = send_messages(messages, config=config, ledger=ledger, now=now, resend=resend)
    report.sends += results
    sent = sum(1 for r in results if r.status == "envoyé")
    failed = [r for r in results if r.failed]
    where = "écrits en .eml" if not config.courriel.smtp.hote else "envoyés"
    report.lines.append(f"Courriels : {sent} {where}, {len(failed)} en échec.")
    for r in failed:
        report.lines.append(f"  Échec vers {r.recipient} ({r.subject}) : {r.error}")


def _editions(config: Config, ledger: Ledger) -> Editions:
    return Editions.from_frame(config.outbox, ledger.editions())


def _edition_count(editions) -> str:
    """« 3 nouvelles éditions, 52 inchangées » for the summary of a report run."""
    new, same = len(editions.new), len(editions.unchanged)
    text = count(new, "nouvelle édition", "nouvelles éditions")
    return f"{text}, {count(same, 'inchangée', 'inchangées')}" if same else text


def in_lot(code: str, lot: int, lots: int) -> bool:
    """Whether a recipient's reports belong to batch `lot` of `lots`: a stable hash of its code,
    so every worker agrees without talking to the others and each report is written once."""
    digest = hashlib.sha256(code.encode("utf-8")).digest()
    return int.from_bytes(digest[:4], "big") % lots == lot


def run_monthly(config: Config, month: str, *, now: datetime | None = None,
                send: bool = True, lot: int | None = None, lots: int = 1) -> JobReport:
    """The month's workbooks and their e-mails; with `lot`, only that batch of recipients (of
    `lots`; the deposit follow-up goes with one of them), the others left to other workers."""
    parse_month(month)
    now = now_or(now, config.zone)
    if not is_period_over(month, now.date()):
        raise PeriodNotOver(
            f"Le mois {month} n'est pas terminé : son rapport mensuel ne peut être écrit "
            f"qu'à partir du {french_date(month_end(month) + timedelta(days=1))}, et de "
            "préférence après le jour limite de dépôt des relevés.")
    registers, ledger = _open(config)
    report = JobReport()
    try:
        editions = _editions(config, ledger)
        files = ledger.files_by_month()
        # M's lines, and sums of the months before: not every line since the beginning.
        late = received_since(files, late_since(config, editions, month, now))
        past = history.from_ledger(ledger, month, registers.markets, late)
        written = write_monthly_reports(
            config, registers, past, files, month,
            generated_at=now, tracking=ledger.tracking(), editions=editions,
            recipients=None if lot is None else (lambda code: in_lot(code, lot, lots)),
        )
        ledger.record_editions(editions.new)
        report.written += written
        report.editions = editions
        batch = "" if lot is None else f" (lot {lot + 1} sur {lots})"
        report.lines.append(f"Rapports mensuels de {month}{batch} : {_edition_count(editions)} "
                            f"dans {config.outbox / month}.")
        if send:
            _send(config, ledger, monthly_messages(config, registers, month, written), now, report)
    finally:
        ledger.close()
    return report


def run_semester(config: Config, period: str, *, provisoire: bool = False,
                 now: datetime | None = None, send: bool = True) -> JobReport:
    now = now_or(now, config.zone)
    registers, ledger = _open(config)
    report = JobReport()
    try:
        editions = _editions(config, ledger)
        # The half-year's lines, and each participant's hours up to its end summed by the
        # database: nothing after it counts, and nothing before it is read line by line.
        last = parse_semester(period)[1]
        totals = ledger.hour_sums(["id_participant"], until_month=last).dropna(
            subset=["id_participant"])
        written = write_semester_reports(
            config, registers,
            ledger.hours(months=period_months(semester_code(period)), columns=SEMESTER_COLUMNS),
            ledger.tracking(), period, generated_at=now,
            today=now.date(), provisoire=provisoire, editions=editions, files=ledger.files(),
            cumulated=totals.set_index("id_participant")["heures"],
        )
        ledger.record_editions(editions.new)
        report.written += written
        report.editions = editions
        detail = "provisoires" if provisoire else _edition_count(editions)
        report.lines.append(f"Tableaux semestriels {period} : {len(written)} structures "
                            f"({detail}), dans {config.outbox / period / 'structures'}.")
        if send and not provisoire:
            _send(config, ledger, semester_messages(config, registers, period, written), now,
                  report)
    finally:
        ledger.close()
    return report


def annual_earlier(ledger: Ledger, registers: Registers, year: int) -> Earlier:
    """What a bilan of `year` needs of the months before it, summed by the database."""
    first = f"{int(year):04d}-01"
    # The lines an opening balance taken over by the end of the year holds are in it already.
    through = balances_of_year(registers.markets, int(year))["mois_reprise"].dropna()
    return Earlier(
        first_months=ledger.first_months(before_month=first),
        cumulated=ledger.hour_sums(["code_marche"], before_month=first,
                                   balances={str(c): str(m) for c, m in through.items()}),
        first_month=ledger.first_line_month(before_month=first))


def run_annual(config: Config, year: int, *, provisoire: bool = False,
               now: datetime | None = None, send: bool = True) -> JobReport:
    now = now_or(now, config.zone)
    registers, ledger = _open(config)
    report = JobReport()
    try:
        editions = _editions(config, ledger)
        # The year's lines only, read once: the counted lines are the others less the rejected
        # ones (SPEC §6). Of the years before, the database sums what the bilan needs.
        every = ledger.hours(months=period_months(str(year)), counted_only=False,
                             columns=ANNUAL_COLUMNS)
        path = write_annual_report(
            config, registers, every[every["statut"] != "rejetée"].reset_index(drop=True),
            ledger.tracking(), year, generated_at=now, today=now.date(),
            provisoire=provisoire, editions=editions, files=ledger.files_by_month(),
            all_hours=every, earlier=annual_earlier(ledger, registers, int(year)),
        )
        ledger.record_editions(editions.new)
        report.written.append(path)
        report.editions = editions
        mark = " (provisoire)" if provisoire else ""
        report.lines.append(f"Bilan annuel {year}{mark} : {path}")
        if send and not provisoire:
            _send(config, ledger, annual_messages(config, registers.structures, str(year), path),
                  now, report)
    finally:
        ledger.close()
    return report


def run_reminders(config: Config, *, now: datetime | None = None) -> JobReport:
    now = now_or(now, config.zone)
    registers, ledger = _open(config)
    report = JobReport()
    try:
        month = previous_month(now.date())
        files = ledger.files_by_month()
        _send_templates(config, registers, ledger, files, month, now, report)
        to_remind = structures_to_remind(
            registers.structures, files, month, now.date(),
            config.relances.jour_rappel, config.depot.jour_limite,
        )
        if to_remind.empty:
            report.lines.append(f"Aucune relance à faire aujourd'hui pour {month}.")
            return report
        report.lines.append(f"Relevés de {month} manquants : {len(to_remind)} structure(s).")
        _send(config, ledger, reminder_messages(config, to_remind), now, report)
        if not any(s.status == "envoyé" for s in report.sends):
            report.lines.append("Chacune a déjà reçu ce rappel : aucun nouveau courriel.")
    finally:
        ledger.close()
    return report


def _send_templates(config: Config, registers: Registers, ledger: Ledger,
                    files: pd.DataFrame, month: str, now: datetime, report: JobReport) -> None:
    """A few days before the deadline, each structure whose relevé has not arrived gets its
    pre-filled template of the month by e-mail, once (issue 16.3)."""
    to_send = structures_for_template(registers.structures, files, month, now.date(),
                                      config.relances.modele_jours_avant,
                                      config.depot.jour_limite)
    if to_send.empty:
        return
    written = write_templates(config, registers, month, ledger.hours(until_month=month),
                              ledger.tracking())
    # write_templates writes one workbook per row of the structures register, in its order.
    paths = dict(zip(registers.structures["code_structure"].astype(str), written, strict=True))
    report.lines.append(f"Modèles pré-remplis de {month} : {len(to_send)} structure(s) sans "
                        "relevé.")
    _send(config, ledger, template_messages(config, to_send, paths), now, report)


def run_send(config: Config, *, now: datetime | None = None,
             resend: list[str] | None = None) -> JobReport:
    """Send what is due and not sent yet; `resend`: message keys (or their beginnings, e.g.
    « rapport-mensuel-mo/2026-10 ») the facilitator wants sent again, to today's addresses."""
    now = now_or(now, config.zone)
    registers, ledger = _open(config)
    report = JobReport()
    prefixes = [p.strip().rstrip("/") for p in resend or [] if p.strip()]

    def asked(key: str) -> bool:
        return any(key == p or key.startswith(f"{p}/") for p in prefixes)

    try:
        messages = due_messages(config, registers, ledger, now.date())
        if prefixes and not any(asked(m.key) for m in messages):
            report.lines.append("Aucun courriel dû ne correspond à « "
                                + " », « ".join(prefixes) + " » : rien n'est renvoyé.")
        _send(config, ledger, messages, now, report, resend=asked if prefixes else None)
    finally:
        ledger.close()
    return report


def run_templates(config: Config, month: str) -> JobReport:
    parse_month(month)
    registers, ledger = _open(config)
    try:
        lines, tracking = ledger.hours(until_month=month), ledger.tracking()
    finally:
        ledger.close()
    out = config.outbox / "modeles" / month
    written = write_templates(config, registers, month, lines, tracking, out)
    return JobReport([f"{len(written)} relevés pré-remplis pour {month} dans {out}."], written)


def deposit_table(followup: pd.DataFrame, month: str, deadline) -> Table:
    """The deposit follow-up for an 80-column terminal, in the workbook's words and formats
    (« Dans les délais », « 2 250,50 h »), with the deadline and a total row."""
    counts = followup["Dépôt"].value_counts()
    caption = (f"Date limite de dépôt : {deadline:%d/%m/%Y} — "
               + ", ".join(f"{state} : {int(counts.get(state, 0))}"
                           for state in (ON_TIME, LATE, MISSING))
               + ".\nLignes : acceptées/avec alerte/rejetées.")
    table = Table(title=f"Suivi des dépôts — {month_label(month)}", title_justify="left",
                  caption=caption, caption_justify="left", show_footer=True,
                  box=box.SIMPLE_HEAD, show_edge=False, padding=0)
    lines = followup[["Lignes acceptées", "Lignes avec alerte", "Lignes rejetées"]].sum()
    footers = {"Structure": "Total", "Lignes": "/".join(str(int(n)) for n in lines),
               "Heures": french_hours(float(pd.to_numeric(followup["Heures comptées"]).sum())),
               "Pièces": str(int(followup["Pièces justificatives"].sum())),
               "Quarant.": str(int(followup["Fichiers en quarantaine"].sum()))}
    columns: tuple[tuple[str, Literal["left", "right"]], ...] = (
        ("Structure", "left"), ("Dépôt", "left"), ("Le", "left"), ("Lignes", "right"),
        ("Heures", "right"), ("Pièces", "right"), ("Quarant.", "right"))
    for heading, justify in columns:
        table.add_column(heading, justify=justify, no_wrap=True, footer=footers.get(heading, ""))
    colours = {LATE: "yellow", MISSING: "red"}
    for _, row in followup.iterrows():
        deposited = row["Déposé le"]
        table.add_row(
            str(row["Code structure"]), str(row["Dépôt"]),
            "" if pd.isna(deposited) else f"{pd.Timestamp(deposited):%d/%m}",
            f"{row['Lignes acceptées']}/{row['Lignes avec alerte']}/{row['Lignes rejetées']}",
            french_hours(float(row["Heures comptées"] or 0)),
            str(row["Pièces justificatives"]), str(row["Fichiers en quarantaine"]),
            style=colours.get(row["Dépôt"]),
        )
    return table


EDITION_KINDS = {"rapport-mensuel-mo": "rapports MO", "rapport-mensuel-entreprise":
                 "rapports entreprises", "suivi-depots": "suivi des dépôts",
                 "tableau-semestriel": "tableaux semestriels", "bilan-annuel": "bilan annuel"}


def editions_summary(editions: pd.DataFrame, sends: pd.DataFrame) -> str:
    """The month's report editions and where each went (the send log names its attachment):
    a count per kind, then every later edition (`-ed2`…) with its recipients."""
    if editions.empty:
        return "Aucun rapport édité pour ce mois."
    sent = sends[sends["status"] == "envoyé"] if not sends.empty else sends
    went: dict[str, list[str]] = {}
    for row in sent.itertuples():
        for name in str(row.attachment or "").split(", "):
            went.setdefault(name, []).append(str(row.recipient))
    names = editions["chemin"].map(lambda c: Path(c).name)
    unsent = int((~names.isin(list(went))).sum())
    kinds = editions["type"].value_counts()
    lines = ["Éditions : " + ", ".join(f"{n} {EDITION_KINDS.get(str(kind), kind)}"
                                       for kind, n in sorted(kinds.items()))
             + f" ; {len(editions) - unsent} envoyée(s), {unsent} non envoyée(s)."]
    for name, number in zip(names, editions["numero"], strict=True):
        if number > 1:
            lines.append(f"  {name} → {', '.join(went.get(name, [])) or 'non envoyée'}")
    return "\n".join(lines)


def show_status(config: Config, month: str, *, now: datetime | None = None) -> None:
    """`clauses status M`: the deposit follow-up in the terminal, and e-mails in failure."""

    parse_month(month)
    registers, ledger = _open(config)
    try:
        followup = deposit_followup(registers, ledger.hours(month=month),
                                    ledger.files_by_month(), month)
        sends = ledger.sends()
        editions = ledger.editions(period=month)
    finally:
        ledger.close()
    console = Console()
    console.print(deposit_table(followup, month, deadline_of(month, config.depot.jour_limite)))
    console.print(editions_summary(editions, sends))
    failed = sends[sends["status"] == "échec"] if not sends.empty else sends
    if failed.empty:
        console.print("Aucun courriel en échec.")
    else:
        console.print(f"[red]{len(failed)} courriel(s) en échec[/red] — relancez « clauses send » :")
        for _, send in failed.iterrows():
            console.print(f"  {send['recipient']} — {send['subject']} : {send['error']}")
