"""What the facilitator reads in the Prefect UI for each run: names, tables, decisions to take."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from uuid import UUID

import pandas as pd
from prefect import get_run_logger
from prefect.artifacts import create_link_artifact, create_markdown_artifact, create_table_artifact
from prefect.client.orchestration import get_client

from clauses.app.jobs import JobReport, reevaluation_summary
from clauses.app.review import month_reviews, months_of
from clauses.checking.months import replacement_sentence
from clauses.config import Config
from clauses.ingest import FileResult
from clauses.vocabulary import REASON_LABELS


def _sent(send) -> str:
    """« écrit (.eml) » when no SMTP server is configured: nothing left the machine."""
    return "écrit (.eml)" if getattr(send, "eml", None) and send.status == "envoyé" else send.status


def rename_flow_run(flow_run_id: str | None, results: list[FileResult]) -> None:
    """`ingest AI-NIORT 2026-10`: the run is named after what it processed (SPEC §10)."""
    if not flow_run_id or not results:
        return  # an empty pass keeps its name: "ingest <date> <heure>"
    structures = sorted({r.structure for r in results if r.structure})
    months = sorted({r.mois for r in results if r.mois})
    who = " ".join(structures[:3]) + (f" +{len(structures) - 3}" if len(structures) > 3 else "")
    name = f"ingest {who} {' '.join(months[-2:])}".strip()
    with get_client(sync_client=True) as client:
        client.update_flow_run(UUID(flow_run_id), name=name[:120])


def ingest_table(results: list[FileResult]) -> list[dict[str, object]]:
    return [
        {
            "Structure": r.structure,
            "Fichier": r.name,
            "Type": r.kind or "",
            "Période": r.mois or "",
            "Statut": r.statut,
            "Lignes": r.lignes,
            "Acceptées": r.acceptees,
            "Avec alerte": r.alertes,
            "Rejetées": r.rejetees,
            "Hors délai": ", ".join(r.mois_en_retard) or ("oui" if r.en_retard else "non"),
            "Remplace": " ; ".join(str(x["remplace"]) for x in r.remplacements),
            "Motif du fichier": r.motif or "",
            "Compte rendu": r.control_report.name if r.control_report else "",
        }
        for r in results
    ]


def decisions_markdown(results: list[FileResult], waiting: list[Path],
                       reevaluated: pd.DataFrame | None = None) -> str:
    """What needs a human: quarantined files, rejected lines, late files, replacements, lines
    re-evaluated after a register change, errors."""
    parts = ["# À examiner par le guichet\n"]
    quarantined = [r for r in results if r.statut in ("quarantaine", "erreur")]
    if quarantined:
        parts.append("## Fichiers refusés en entier\n")
        parts += [f"- **{r.structure or '?'}** / `{r.name}` — {r.motif or 'ERREUR'} : {r.message}"
                  for r in quarantined]
    reasons: Counter[str] = Counter()
    for r in results:
        reasons.update(r.motifs)
    if reasons:
        parts.append("\n## Lignes refusées ou en alerte, par motif\n")
        parts += [f"- `{code}` ({REASON_LABELS.get(code, code)}) : {n} ligne(s)"
                  for code, n in sorted(reasons.items())]
    if any(r.rejetees for r in results):
        parts.append(
            "\nUne décision du maître d'ouvrage peut valider des heures refusées : ajoutez-la à la "
            "feuille « Décisions » du référentiel : elle s'applique aux lignes déjà reçues dès le "
            "prochain passage, sans renvoi du relevé."
        )
    late = [r for r in results if r.en_retard or r.mois_en_retard]
    if late:
        parts.append("\n## Dépôts hors délai\n")
        parts += [f"- {r.structure} : `{r.name}` ({', '.join(r.mois_en_retard) or r.mois})"
                  for r in late]
    parts += _replacements_markdown(results)
    if reevaluated is not None and len(reevaluated):
        parts.append("\n## Lignes déjà reçues réexaminées (référentiel modifié)\n")
        parts += [f"- {line.strip()}" for line in reevaluation_summary(reevaluated)]
    if waiting:
        parts.append(f"\n{len(waiting)} fichier(s) en cours d'écriture, repris au prochain passage.")
    if len(parts) == 1:
        parts.append("Rien à signaler : tous les fichiers et toutes les lignes sont acceptés.")
    return "\n".join(parts)


def _replacements_markdown(results: list[FileResult]) -> list[str]:
    """Every replacement (SPEC §7), the large ones « à examiner » first."""
    found = [(r, x) for r in results for x in r.remplacements]
    if not found:
        return []
    parts = []
    large = [(r, x) for r, x in found if x.get("a_examiner")]
    if large:
        parts.append("\n## Remplacements à examiner\n")
        parts.append("Ces relevés retirent une grande part des heures déjà reçues pour le mois : "
                     "vérifiez avec la structure qu'il s'agit bien d'une correction complète.\n")
        parts += [f"- **{r.structure}** / `{r.name}` — {replacement_sentence(x)}" for r, x in large]
    others = [(r, x) for r, x in found if not x.get("a_examiner")]
    if others:
        parts.append("\n## Relevés remplacés\n")
        parts += [f"- {r.structure} / `{r.name}` — {replacement_sentence(x)}" for r, x in others]
    return parts


def publish_ingest_artifacts(results: list[FileResult], waiting: list[Path],
                             sends: list | None = None,
                             reevaluated: pd.DataFrame | None = None) -> None:
    if sends:
        create_table_artifact(
            key="comptes-rendus-envoyes",
            table=[{"Destinataire": s.recipient, "Objet": s.subject, "Statut": _sent(s),
                    "Erreur": s.error or ""} for s in sends],
            description="Comptes rendus de contrôle envoyés aux structures.",
        )
    if results:
        create_table_artifact(
            key="fichiers-recus", table=ingest_table(results),
            description="Fichiers reçus, leur statut et le décompte de leurs lignes.",
        )
    create_markdown_artifact(
        key="a-examiner", markdown=decisions_markdown(results, waiting, reevaluated),
        description="Ce qui demande une décision du guichet.",
    )


def publish_month_reviews(config: Config, results: list[FileResult], now) -> list[str]:
    """`a-examiner-<M>` for each month the pass touched: the month's open points, cumulated
    from the ledger (an artifact key keeps its history; the newest version is the page)."""
    return publish_reviews(config, months_of(results, now), now)


def publish_reviews(config: Config, months: list[str], now) -> list[str]:
    """`a-examiner-<M>` for each of `months`, from the ledger."""
    reviews = month_reviews(config, months, now)
    for month, markdown in reviews.items():
        create_markdown_artifact(
            key=f"a-examiner-{month}", markdown=markdown,
            description=f"Tout ce qui reste à examiner pour {month}, passage après passage.")
    return list(reviews)


def log_report(report: JobReport) -> None:
    """What the run did, in the run's log at INFO, in French (the UI otherwise shows « This
    run did not produce any logs »): its summary, each file written, each e-mail."""
    logger = get_run_logger()
    for line in report.lines:
        logger.info(line)
    for path in report.written:
        logger.info("Classeur : %s", path)
    for send in report.sends:
        log = logger.warning if send.failed else logger.info
        log("Courriel %s — %s : %s%s", _sent(send), send.recipient, send.subject,
            f" ({send.error})" if send.error else "")


def publish_job_artifacts(key: str, report: JobReport, config: Config) -> None:
    """The run's overview first (when it has one), then files written (with links) and e-mails
    sent or failed, for a report or mail flow."""
    if report.overview:
        create_markdown_artifact(key=f"{key}-apercu", markdown=report.overview,
                                 description="Le mois en une page : dépôts, rectificatifs, "
                                             "marchés en retard, courriels.")
    rows = [{"Fichier écrit": str(p.relative_to(config.root)) if p.is_relative_to(config.root)
             else str(p)} for p in report.written]
    if rows:
        create_table_artifact(key=f"{key}-fichiers", table=rows,
                              description="Classeurs écrits par cette exécution.")
        for path in report.written[:20]:
            create_link_artifact(link=path.resolve().as_uri(), link_text=path.name,
                                 description=f"Classeur écrit : {path.parent.name}/{path.name}")
    if report.sends:
        create_table_artifact(
            key=f"{key}-courriels",
            table=[{"Destinataire": s.recipient, "Objet": s.subject, "Statut": _sent(s),
                    "Tentatives": s.attempts, "Erreur": s.error or ""} for s in report.sends],
            description="Courriels de cette exécution (jamais deux fois le même).",
        )
    create_markdown_artifact(key=f"{key}-resume", markdown="\n".join(
        ["# Résumé", *[f"- {line}" for line in report.lines]]),
        description="Ce que cette exécution a fait, en une page.")
