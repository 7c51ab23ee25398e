"""The facilitator's review of a month in the Prefect UI (issue 16.4): `a-examiner-<M>`.

Built from the ledger, not from one pass: every open point of month M (files refused whole, lines
rejected, late relevés) with its state, so a quarantine seen at 10:00 is still listed at 10:05
after another structure's pass, and marked « réglé » once a corrected file is in. An empty pass
publishes nothing (flows/ingest.py), so it never replaces this page.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

import pandas as pd

from clauses.config import Config
from clauses.ledger import Ledger
from clauses.periods import month_label, previous_month
from clauses.registers.load import load_registers
from clauses.reports.coverage import coverage_of
from clauses.reports.monthly.deposits import deposit_followup
from clauses.reports.monthly.figures import month_figures
from clauses.vocabulary import REASON_LABELS

QUARANTINED, PROCESSED, REJECTED = "quarantaine", "traité", "rejetée"
OPEN, SETTLED = "à régler", "réglé"
REVIEW_COLUMNS = ("code_structure", "statut", "motifs", "decision")  # what a review reads


def months_of(results, now: datetime) -> list[str]:
    """The months a pass at `now` touched (FileResult list): each relevé's months; for a file
    without a month (refused whole, tableau de suivi), the month whose deposit window it is."""
    months: set[str] = set()
    for r in results:
        found = [m for m in [r.mois, *r.mois_en_retard] if m]
        months.update(found or [previous_month(now.date())])
    return sorted(months)


def _months_of_files(files: pd.DataFrame) -> pd.Series:
    """Each file's month: a relevé's own, else the month whose deposit window it arrived in
    (the month before its arrival), for every row at once (the whole history is read)."""
    month = files["mois"].where(files["mois"].notna() & (files["mois"].astype(str) != ""))
    received = pd.to_datetime(files["recu_le"])
    before = received.dt.year * 12 + received.dt.month - 2  # the month before arrival, counted
    window = (before // 12).astype(str).str.zfill(4) + "-" + (before % 12 + 1).astype(str).str.zfill(2)
    return month.fillna(window).astype(str)


def months_received_since(config: Config, since: datetime) -> list[str]:
    """The months of the files recorded at or after `since` (the workspace's wall-clock time):
    what the batch runs of a split pass touched (flows/ingest.py), read back from the ledger."""
    with Ledger.from_config(config) as ledger:
        files = ledger.files_by_month()
    recent = files[files["recu_le"] >= pd.Timestamp(since)]
    return sorted(set(_months_of_files(recent)))


def _day(moment) -> str:
    return f"{pd.Timestamp(moment):%d/%m/%Y à %H:%M}"


def quarantine_points(files: pd.DataFrame, month: str) -> list[str]:
    """Files of `month` refused whole, each « à régler » until a later relevé of that structure
    for the month is processed."""
    if files.empty:
        return []
    of_month = files[_months_of_files(files) == month]
    points = []
    row: Any  # a row of itertuples: its fields are the ledger's columns
    for row in of_month[of_month["statut"] == QUARANTINED].itertuples():
        later = of_month[(of_month["code_structure"] == row.code_structure)
                         & (of_month["statut"] == PROCESSED)
                         & (of_month["type"] != "pièce justificative")
                         & (pd.to_datetime(of_month["recu_le"]) > pd.Timestamp(row.recu_le))]
        state = (f"**{SETTLED}** : « {later.iloc[0]['nom_fichier']} » reçu le "
                 f"{_day(later.iloc[0]['recu_le'])}") if len(later) else f"**{OPEN}**"
        points.append(f"- {row.code_structure} / `{row.nom_fichier}` (reçu le "
                      f"{_day(row.recu_le)}) — {row.motif} : {row.message or ''} — {state}")
    return points


def rejected_points(lines: pd.DataFrame) -> list[str]:
    """Per structure, the current lines of the month still rejected (by reason), and those a
    decision settled."""
    if lines.empty:
        return []
    # Only the structures with a point are visited: a national month is 60 000 lines from 370
    # structures, most of them with nothing to examine.
    rejected = lines[lines["statut"] == REJECTED]
    decided = lines[(lines["statut"] != REJECTED) & lines["decision"].notna()
                    & (lines["decision"].astype(str).str.strip() != "")]
    rejected_by = {str(code): own for code, own in rejected.groupby("code_structure", sort=False)}
    decided_count = {str(code): int(n) for code, n in decided["code_structure"].value_counts().items()}
    points = []
    for structure in sorted(set(rejected_by) | set(decided_count)):
        own = rejected_by.get(structure)
        reasons: Counter[str] = Counter()
        for codes in ([] if own is None else own["motifs"].dropna()):
            reasons.update(c for c in str(codes).split(";") if c.strip())
        if reasons and own is not None:
            detail = ", ".join(f"`{c.strip()}` {REASON_LABELS.get(c.strip(), '')} ({n})"
                               for c, n in sorted(reasons.items()))
            points.append(f"- {structure} : {len(own)} ligne(s) rejetée(s) — {detail} — "
                          f"**{OPEN}** (relevé corrigé ou décision)")
        if decided_count.get(structure, 0):
            points.append(f"- {structure} : {decided_count[structure]} ligne(s) comptée(s) sur "
                          f"décision — **{SETTLED}**")
    return points


def late_points(files: pd.DataFrame, month: str) -> list[str]:
    late = files[(files["mois"] == month) & files["en_retard"].astype(bool)
                 & (files["statut"] == PROCESSED)]
    return [f"- {row.code_structure} / `{row.nom_fichier}` reçu le {_day(row.recu_le)} — "
            "heures comptées, signalées hors délai" for row in late.itertuples()]


def month_review(files: pd.DataFrame, lines: pd.DataFrame, month: str, at: datetime) -> str:
    """The markdown of `a-examiner-<month>`. `files` = `ledger.files_by_month()`, `lines` =
    `ledger.hours(month=month, counted_only=False)` (current versions)."""
    parts = [f"# À examiner — {month_label(month)}\n",
             f"État au {_day(at)} : tous les points du mois, réglés ou non (cumul de tous les "
             "passages).\n"]
    sections = [("Fichiers refusés en entier", quarantine_points(files, month)),
                ("Lignes rejetées (version en vigueur des relevés)", rejected_points(lines)),
                ("Relevés hors délai", late_points(files, month))]
    for title, points in sections:
        if points:
            parts += [f"\n## {title}\n", *points]
    if all(not points for _, points in sections):
        parts.append("Rien à examiner pour ce mois : fichiers et lignes acceptés, dans les délais.")
    return "\n".join(parts)


def month_reviews(config: Config, months: list[str], at: datetime) -> dict[str, str]:
    """`a-examiner-<M>` markdown for each of `months`, from the workspace's ledger."""
    with Ledger.from_config(config) as ledger:
        files = ledger.files_by_month()
        return {month: month_review(files, ledger.hours(month=month, counted_only=False,
                                                        columns=REVIEW_COLUMNS),
                                    month, at) for month in months}


def monthly_overview(month: str, followup: pd.DataFrame, synthesis: pd.DataFrame,
                     editions, sends: list, at: datetime) -> str:
    """The one page a monthly-reports run shows first (issue 16.4): structures missing or
    late, corrections since the previous editions, marchés behind, e-mails sent or failed.
    `followup`: the deposit follow-up of `month`; `synthesis`: every reported marché's row;
    `editions`: the run's `clauses.reports.editions.Editions`."""
    parts = [f"# Rapports mensuels — {month_label(month)}\n", f"Exécution du {_day(at)}.\n"]
    missing = followup[followup["Dépôt"] == "Manquant"]["Code structure"].tolist()
    late = followup[followup["Dépôt"] == "Hors délai"]["Code structure"].tolist()
    parts.append("## Dépôts\n")
    parts.append(f"- {len(followup) - len(missing) - len(late)} structure(s) dans les délais")
    parts.append(f"- Hors délai : {', '.join(late) or 'aucune'}")
    parts.append(f"- Relevé manquant : {', '.join(missing) or 'aucune'}")
    fixed = [e for e in editions.new if e.note and "Rectificatif" in e.note]
    parts.append("\n## Éditions\n")
    parts.append(f"- {len(editions.new)} nouvelle(s) édition(s), {len(editions.unchanged)} "
                 "inchangée(s) (ni réécrites ni renvoyées)")
    again = [e for e in editions.new if e.numero > 1]
    if again:
        parts.append("- Secondes éditions : " + ", ".join(f"`{e.file_name}`" for e in again[:10])
                     + (f" et {len(again) - 10} autres" if len(again) > 10 else ""))
    parts.append(f"- Rectificatifs depuis l'édition précédente : {len(fixed)} rapport(s)"
                 + (" — " + ", ".join(f"`{e.file_name}`" for e in fixed[:10]) if fixed else ""))
    behind = synthesis[synthesis["Avancement"] == "En retard"]
    parts.append("\n## Marchés\n")
    parts.append(f"- {len(synthesis)} marché(s) suivi(s), {len(behind)} en retard sur leur "
                 "objectif au prorata de leur durée"
                 + (" : " + ", ".join(behind["Code marché"].astype(str).head(15)) if len(behind)
                    else ""))
    sent = sum(1 for s in sends if s.status == "envoyé")
    failed = [s for s in sends if s.failed]
    parts.append("\n## Courriels\n")
    parts.append(f"- {sent} envoyé(s), {len(failed)} en échec")
    parts += [f"  - {s.recipient} : {s.error}" for s in failed[:10]]
    return "\n".join(parts)


def monthly_overview_of(config: Config, month: str, report, at: datetime) -> str:
    """`monthly_overview` for a monthly job's report (figures read again from the ledger: only
    Prefect runs ask for it, the command line stays as fast as before)."""
    registers = load_registers(config.registers_path, extra_aliases=config.entetes)
    with Ledger.from_config(config) as ledger:
        hours, files = ledger.hours(until_month=month), ledger.files_by_month()
    followup = deposit_followup(registers, hours[hours["mois"] == month], files, month)
    figures = month_figures(registers, hours, month, coverage_of(files, hours, registers.markets))
    return monthly_overview(month, followup, figures.synthesis, report.editions, report.sends, at)
