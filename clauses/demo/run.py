"""`clauses demo DIR`: build the demo territory, then live its year as the schedules would.

Files are dropped into the inbox when each structure sends them (file dates set to that
moment), the inbox is polled every few minutes as `clauses serve` does (a file arrives at the
pass that first sees it), the monthly reports run on the 11th, the reminders on their days, the
semester tables in January and July and the annual report in January; e-mails are written as
`.eml` files. The summary printed at the end says where to look.
"""

from __future__ import annotations

import os
import sys
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from clauses.app.jobs import ingest_and_send, run_annual, run_monthly, run_reminders, run_semester
from clauses.clock import in_zone
from clauses.config import load_config
from clauses.demo import build_demo
from clauses.errors import WorkspaceError
from clauses.ingest import FileResult
from clauses.mail.messages import count
from clauses.periods import previous_month


def _drop_files(inbox: Path, drops, zone: ZoneInfo) -> None:
    for drop in drops:
        target = inbox / drop.structure / drop.name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(drop.content)
        # A planned drop time is the territory's wall-clock time (clauses/clock.py). The file
        # arrives in the inbox at the evening's pass (its clock), whatever this mtime says.
        stamp = in_zone(drop.at, zone).timestamp()
        os.utime(target, (stamp, stamp))


def _passes(drops: list, config) -> list[tuple[datetime, list]]:
    """The day's drops grouped by the polling pass that first sees them (every
    `ingestion_minutes`, once a file has been still for `delai_stabilite_secondes`): that pass's
    clock is when each file arrives (SPEC §6), as in a real deployment."""
    step = timedelta(minutes=config.planification.ingestion_minutes)
    still = timedelta(seconds=config.depot.delai_stabilite_secondes)
    passes: dict[datetime, list] = defaultdict(list)
    for drop in drops:
        ready = drop.at + still
        midnight = datetime.combine(ready.date(), time())
        passes[midnight + step * -((midnight - ready) // step)].append(drop)
    return sorted(passes.items(), key=lambda item: item[0])


def _calendar(first: date, last: date) -> Iterator[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def run_demo(
    directory: Path, *, participants: int = 600, months: int = 12, seed: int = 2026,
    last_month: str = "2026-10",
) -> list[str]:
    if (directory / "config.yaml").exists():
        raise WorkspaceError(
            f"{directory} contient déjà un espace de travail : choisissez un dossier neuf "
            "(la démonstration ne remplace jamais des données existantes)."
        )
    plan = build_demo(directory, seed=seed, participants=participants, months=months,
                      last_month=last_month)
    config = load_config(directory / "config.yaml")
    by_day: dict[date, list] = defaultdict(list)
    for drop in plan.drops:
        by_day[drop.at.date()].append(drop)
    first = min(by_day)
    last = max(by_day)
    results: list[FileResult] = []
    written: Counter[str] = Counter()
    for day in _calendar(first, last):
        for at, drops in _passes(by_day.get(day, []), config):
            _drop_files(config.inbox, drops, config.zone)
            batch, _, _ = ingest_and_send(config, now=at)
            results += batch
        morning = datetime.combine(day, time(7, 0))
        if day.day == config.relances.jour_rappel or day.day == config.depot.jour_limite + 1:
            run_reminders(config, now=morning)
        if day.day == 11 and previous_month(day) in plan.months:
            run_monthly(config, previous_month(day), now=morning)
            written["mensuel"] += 1
        if day.day == 15 and day.month in (1, 7):
            half = f"{day.year - (day.month == 1)}-S{2 if day.month == 1 else 1}"
            run_semester(config, half, now=morning)
            written["semestriel"] += 1
        if day.day == 20 and day.month == 1:
            run_annual(config, day.year - 1, now=morning)
    end = datetime.combine(last + timedelta(days=1), time(7, 0))
    run_annual(config, int(last_month[:4]), provisoire=True, now=end)
    return _summary(config, plan, results)


def _clauses_command() -> str:
    """The `clauses` of this installation, callable without activating its virtualenv."""
    beside = Path(sys.executable).with_name("clauses")
    return str(beside) if beside.exists() else "clauses"


def _summary(config, plan, results: list[FileResult]) -> list[str]:
    statuses = Counter(r.statut for r in results)
    lines: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    for r in results:
        lines["acceptées"] += r.acceptees
        lines["avec alerte"] += r.alertes
        lines["rejetées"] += r.rejetees
        reasons.update(r.motifs)
    quarantine = Counter(r.motif for r in results if r.statut == "quarantaine")
    out = [
        f"Démonstration prête dans {config.root} — {config.territoire}, "
        f"{plan.months[0]} à {plan.months[-1]}.",
        f"Reçus : {len(results)} fichiers ({count(statuses.get('traité', 0), 'traité', 'traités')}, "
        f"{statuses.get('quarantaine', 0)} en quarantaine, "
        f"{count(statuses.get('déjà reçu', 0), 'déjà reçu', 'déjà reçus')}).",
        f"Lignes d'heures : {lines['acceptées']} acceptées, {lines['avec alerte']} avec alerte, "
        f"{lines['rejetées']} rejetées.",
    ]
    if reasons:
        out.append("Motifs de rejet ou d'alerte (lignes) : "
                   + ", ".join(f"{code} ({n})" for code, n in sorted(reasons.items())))
    if quarantine:
        out.append("Fichiers en quarantaine : "
                   + ", ".join(f"{code} ({n})" for code, n in sorted(quarantine.items())))
    outbox = config.outbox
    out += [
        "Où regarder :",
        f"  comptes rendus de contrôle   {outbox / 'controles'}",
        f"  rapports mensuels            {outbox / plan.months[-1]}",
        f"  tableaux semestriels         {outbox}/<AAAA-Sn>/structures",
        f"  bilan annuel (provisoire)    "
        f"{outbox / plan.months[-1][:4] / f'bilan-annuel-{plan.months[-1][:4]}-provisoire.xlsx'}",
        f"  courriels (.eml)             {outbox / 'courriels'}",
        f"  fichiers refusés             {config.quarantine}",
        f"Pour l'interface Prefect : {_clauses_command()} --config {config.source} serve",
    ]
    return out
