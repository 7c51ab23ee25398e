"""Control report (compte rendu de contrôle) sent back to a structure for each file (SPEC §6, §8).

Sheet `Lignes`: every line as sent, plus `Statut` and `Motifs` (each code, then the French
sentence a structure understands); rejected lines red, lines with an alert orange. Sheet `Résumé`:
the file, its deadline, counts by status and by reason, hours counted, and what to do next. A
quarantined file gets a `Résumé` only, saying what to fix and resend.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from clauses.checking.months import replacement_sentence
from clauses.hours import sum_hours
from clauses.periods import month_label
from clauses.reports.missions import PRECEDENCE
from clauses.reports.workbook import ReportWorkbook, Sheet
from clauses.vocabulary import FILE_REASONS, REASON_LABELS, LineStatus

TITLE = "Compte rendu de contrôle"
STATUS_STYLES = {LineStatus.REJECTED.value: "red", LineStatus.ALERT.value: "orange"}

# Short labels for the Résumé's count by reason (the long sentence per line comes from the rules).

# What the structure should do for each file-level reason before sending the file again.
FILE_FIXES: dict[str, str] = {
    "FICHIER_ILLISIBLE": "Enregistrez le fichier au format .xlsx, .ods ou .csv, sans mot de passe, "
    "puis déposez-le à nouveau.",
    "TYPE_INCONNU": "Utilisez le modèle de relevé d'heures fourni par le guichet (une ligne par "
    "participant, marché et mois) ou un tableau de suivi, puis déposez-le à nouveau.",
    "COLONNES_MANQUANTES": "Ajoutez les colonnes manquantes indiquées ci-dessus, puis déposez "
    "le fichier à nouveau.",
    "PERIODE_INCONNUE": "Indiquez le mois des heures dans une colonne « Mois » ou dans une cellule "
    "« Période : octobre 2025 » au-dessus du tableau, puis déposez le fichier à nouveau.",
    "STRUCTURE_INCONNUE": "Déposez le fichier dans le dossier de votre structure, ou demandez au "
    "guichet de vous inscrire au registre des structures.",
    "FICHIER_TROP_VOLUMINEUX": "Découpez le fichier (un fichier par mois) ou retirez les feuilles "
    "inutiles, puis déposez-le à nouveau.",
    "FICHIER_DEJA_RECU": "Aucune action n'est nécessaire.",
}


def control_report_path(outbox: Path, structure: str, file_name: str, received: datetime,
                        sha256: str) -> Path:
    """`outbox/controles/<STRUCTURE>/<YYYY-MM-DD>-<original stem>-<8 hex>-controle.xlsx`.

    The start of the file's SHA-256 tells apart two files with one stem received the same day
    (`septembre/releve.xlsx` and `octobre/releve.xlsx`, or a correction sent under the same name)."""
    stem = Path(file_name).stem
    name = f"{received:%Y-%m-%d}-{stem}-{sha256[:8]}-controle.xlsx"
    return outbox / "controles" / structure / name


def reason_text(codes: str, explanations: str) -> str:
    """Each code followed by its French sentence, one per line ("CODE — phrase")."""
    code_list = [c.strip() for c in str(codes or "").split(";") if c.strip()]
    sentences = [s.strip() for s in str(explanations or "").split(" ; ") if s.strip()]
    if not code_list:
        return ""
    if len(sentences) != len(code_list):  # sentences cannot be paired: keep them whole
        return f"{', '.join(code_list)} — {' ; '.join(sentences)}".rstrip(" —")
    return "\n".join(f"{c} — {s}" for c, s in zip(code_list, sentences, strict=True))


def lines_table(raw: pd.DataFrame, checked: pd.DataFrame | None) -> pd.DataFrame:
    """The lines as sent (row number, sheet if several, original columns) + Statut and Motifs."""
    lines = raw.copy(deep=False)  # copy-on-write: new columns never reach `raw`
    if "Feuille" in lines and lines["Feuille"].nunique(dropna=True) <= 1:
        lines = lines.drop(columns="Feuille")
    if checked is None:
        return lines
    # A structure's own "Statut" column must not hide ours.
    clashing = {c: f"{c} (fichier)" for c in ("Statut", "Motifs") if c in lines.columns}
    if clashing:
        lines = lines.rename(columns=clashing)
    if not checked.index.equals(raw.index):
        checked = checked.reindex(raw.index)
    lines["Statut"] = checked["statut"].to_numpy()
    # Most lines have no reason: a plain loop with that shortcut beats any pandas string method
    # on a file's few hundred lines.
    lines["Motifs"] = [reason_text(c, e) if c else "" for c, e in
                       zip(checked["motifs"].tolist(), checked["explications"].tolist(),
                           strict=True)]
    return lines


def status_counts(checked: pd.DataFrame) -> pd.DataFrame:
    """Lines and hours per status, every status shown even when zero."""
    hours = pd.to_numeric(checked["heures"], errors="coerce").to_numpy(dtype=float)
    hours = np.where(np.isnan(hours), 0.0, hours)  # unreadable hours count as none
    statuses = checked["statut"].to_numpy(dtype=object)
    rows = [(s.value, int(np.count_nonzero(statuses == s.value)),
             sum_hours(hours[statuses == s.value])) for s in LineStatus]
    return pd.DataFrame(rows, columns=["Statut", "Lignes", "Heures déclarées"])


def reason_counts(checked: pd.DataFrame) -> pd.DataFrame:
    """Lines per reason code with its French label, most frequent first."""
    counts = Counter(code.strip() for codes in checked["motifs"].dropna()
                     for code in str(codes).split(";") if code.strip())
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return pd.DataFrame({"Code": [c for c, _ in ordered],
                         "Motif": [REASON_LABELS.get(c, "") for c, _ in ordered],
                         "Lignes": [n for _, n in ordered]})


def _period(checked: pd.DataFrame | None, received: datetime) -> str:
    if checked is not None and "mois" in checked:
        months = sorted(m for m in checked["mois"].dropna().unique() if m)
        if months:
            return ", ".join(month_label(m) for m in months)
    return f"fichier reçu le {received:%d/%m/%Y}"


def _delay(late: bool) -> str:
    return "Hors délai" if late else "Dans les délais"


def _file_pairs(structure: str, file_name: str, kind: str | None, received: datetime,
                late: bool | None, arrived: datetime | None = None,
                late_by_month: Mapping[str, bool] | None = None) -> list[tuple[object, ...]]:
    pairs: list[tuple[object, ...]] = [
        ("Fichier", file_name),
        ("Structure", structure),
        ("Type de fichier", kind or "non reconnu"),
        ("Reçu le", received, "date"),
    ]
    if arrived is not None:
        # SPEC §6: lateness is judged on this moment, Clauses' own record of the drop, in the
        # workspace's zone (never the file's modification date, which a copy keeps).
        pairs.append(("Arrivé dans le dépôt le", f"{arrived:%d/%m/%Y à %H:%M}"))
    if late is None:  # a file refused as a whole has no month to be late for
        return pairs
    if late_by_month and len(late_by_month) > 1:
        # SPEC §6: each month is judged against its own deadline.
        pairs += [(f"Délai de dépôt — {month_label(m)}", _delay(bool(v)))
                  for m, v in sorted(late_by_month.items())]
    else:
        pairs.append(("Délai de dépôt", _delay(late)))
    return pairs


def _write_reexamined(sheet: Sheet, lines: pd.DataFrame) -> None:
    """Lines received earlier whose verdict changed with the registers (SPEC §6)."""
    sheet.heading("Lignes déjà reçues réexaminées")
    sheet.paragraph("Le référentiel du guichet a changé (décision d'un maître d'ouvrage, "
                    "participant ou marché ajouté ou corrigé) : ces lignes de vos relevés "
                    "précédents ont un nouveau statut.")
    sheet.table(reexamined_table(lines), kinds={"Heures": "hours", "Ligne": "row",
                                                "Motifs": "wrap"})


def reexamined_table(lines: pd.DataFrame) -> pd.DataFrame:
    """One row per line given a new verdict: where it is, before → after, and why."""
    return pd.DataFrame({
        "Mois": [month_label(str(m)) if isinstance(m, str) else "" for m in lines["mois"]],
        "Feuille": lines["feuille"], "Ligne": lines["ligne"],
        "Participant": lines["id_participant"].fillna(""),
        "Code marché": lines["code_marche"].fillna(""), "Heures": lines["heures"],
        "Statut avant": lines["statut_avant"], "Statut": lines["statut"],
        "Cause": lines["cause"],
        "Motifs": [reason_text(c, e) for c, e in zip(lines["motifs"].fillna(""),
                                                     lines["explications"].fillna(""),
                                                     strict=True)],
    })


def _write_replacements(sheet: Sheet, replaced: pd.DataFrame) -> None:
    sheet.heading("Remplacement des relevés précédents")
    sheet.table(pd.DataFrame({
        "Mois": [month_label(str(m)) for m in replaced["mois"]],
        "Relevé remplacé": replaced["remplace"],
        "Reçu le": pd.to_datetime(replaced["remplace_recu_le"]),
        "Lignes avant": replaced["lignes_avant"].astype(int),
        "Heures avant": replaced["heures_avant"].astype(float),
        "Lignes après": replaced["lignes"].astype(int),
        "Heures après": replaced["heures"].astype(float),
        "Participants qui n'y figurent plus": replaced["participants_retires"].fillna(
            "").str.replace(";", ", "),
    }), kinds={"Reçu le": "date", "Heures avant": "hours", "Heures après": "hours"})
    for _, row in replaced.iterrows():
        sheet.paragraph(replacement_sentence(row))
    sheet.paragraph("Ce relevé remplace les lignes précédentes de votre structure pour ces "
                    "mois : seules ses lignes comptent désormais.")


def _write_quarantine(sheet: Sheet, code: str, message: str | None) -> None:
    sheet.heading("Fichier non traité")
    sheet.pairs([("Motif", code), ("Explication", message or FILE_REASONS.get(code, ""))])
    sheet.paragraph("Aucune ligne de ce fichier n'a été comptée. "
                    + FILE_FIXES.get(code, "Corrigez le fichier puis déposez-le à nouveau."))


def _shown(value: object) -> object:
    return f"{value:%d/%m/%Y}" if isinstance(value, datetime | pd.Timestamp) else value


def _write_disagreements(sheet: Sheet, gaps: pd.DataFrame) -> None:
    """Where the tableau de suivi and the relevés differ, and which one the reports use."""
    sheet.heading("Écarts avec vos relevés d'heures")
    sheet.paragraph(f"{len(gaps)} donnée(s) de ce tableau de suivi diffèrent de vos relevés "
                    "d'heures. " + PRECEDENCE + " Corrigez le document qui se trompe.")
    sheet.table(pd.DataFrame({
        "Identifiant": gaps["id_participant"], "Code marché": gaps["code_marche"],
        "Donnée": gaps["fait"], "Relevé d'heures (retenu)": gaps["releve"].map(_shown),
        "Tableau de suivi": gaps["suivi"].map(_shown)}))


def _write_checked_summary(sheet: Sheet, checked: pd.DataFrame,
                           file_alert: str | None = None) -> None:
    statuses = status_counts(checked)
    rejected = LineStatus.REJECTED.value
    rows = list(statuses.itertuples(index=False, name=None))  # (statut, lignes, heures)
    counted = sum(hours for status, _, hours in rows if status != rejected)
    sheet.pairs([("Lignes lues", len(checked), "integer"),
                 ("Heures comptées", float(counted), "hours")])
    if file_alert:  # a fact about the file, said once (issue 15): the lines keep their status
        sheet.heading("Alerte sur le fichier")
        sheet.pairs([("TOTAL_INCOHERENT", REASON_LABELS["TOTAL_INCOHERENT"])])
        sheet.paragraph(file_alert)
    sheet.heading("Lignes par statut")
    sheet.table(statuses, kinds={"Heures déclarées": "hours"}, row_styles=[
        STATUS_STYLES.get(status) for status, _, _ in rows],
        totals={"Statut": "Total", "Lignes": "sum", "Heures déclarées": "sum"})
    reasons = reason_counts(checked)
    if len(reasons):
        sheet.heading("Lignes par motif")
        sheet.table(reasons)
    if any(lines for status, lines, _ in rows if status == rejected):
        # SPEC §7: a new relevé replaces the structure's lines for that month, so resend it whole.
        sheet.paragraph("Les lignes rejetées ne sont pas comptées. Corrigez-les dans le relevé "
                        "et renvoyez le relevé complet du mois : il remplacera celui-ci.")


def write_control_report(path: Path, *, structure: str, file_name: str, kind: str | None,
                         received: datetime, late: bool, raw: pd.DataFrame | None,
                         checked: pd.DataFrame | None = None, file_reason: str | None = None,
                         file_message: str | None = None, territory: str = "",
                         generated_at: datetime | None = None,
                         arrived: datetime | None = None,
                         late_by_month: Mapping[str, bool] | None = None,
                         replaced: pd.DataFrame | None = None,
                         reexamined: pd.DataFrame | None = None,
                         file_alert: str | None = None,
                         disagreements: pd.DataFrame | None = None) -> Path:
    """Write the control report of one received file; returns `path`.

    `raw` is the reader's lines as sent; `checked` the CheckedHourLine frame on the same index
    (None for a tableau de suivi); `file_reason` the file-level code of a quarantined file, with
    `file_message` its specific French sentence (for instance naming the missing columns).
    `late_by_month`: lateness of each month of a relevé covering several (SPEC §6);
    `replaced`: what the relevé replaced (`clauses.checking.months.replacements`);
    `file_alert` the sentence of an alert about the whole file (a wrong `Total` line);
    `disagreements`: where a tableau de suivi differs from the structure's relevés
    (`clauses.reports.missions.disagreements`).
    """
    with ReportWorkbook(path, territory=territory or "Guichet unique des clauses sociales",
                        title=f"{TITLE} — {Path(file_name).name}",
                        period=_period(checked, received),
                        generated_at=generated_at or received,
                        fingerprint=False) as book:  # one per file: never re-edited
        summary = book.sheet("Résumé")  # first: what a structure should read before the lines
        summary.pairs(_file_pairs(structure, file_name, kind, received,
                                  None if file_reason is not None else late, arrived,
                                  late_by_month))
        if file_reason is not None:
            _write_quarantine(summary, file_reason, file_message)
        elif checked is not None:
            _write_checked_summary(summary, checked, file_alert)
            if replaced is not None and len(replaced):
                _write_replacements(summary, replaced)
            if reexamined is not None and len(reexamined):
                _write_reexamined(summary, reexamined)
        else:
            summary.pairs([("Lignes lues", 0 if raw is None else len(raw), "integer")])
            if disagreements is not None and len(disagreements):
                _write_disagreements(summary, disagreements)
            summary.paragraph("Un tableau de suivi n'est pas contrôlé ligne à ligne : il remplace "
                              "le tableau précédent de la structure.")
        if file_reason is None and raw is not None:
            lines = lines_table(raw, checked)
            styles = None if checked is None else [STATUS_STYLES.get(s) for s in lines["Statut"]]
            book.sheet("Lignes").table(lines, kinds={"Ligne": "row", "Motifs": "wrap"},
                                       row_styles=styles,
                                       freeze=True)
    return path
