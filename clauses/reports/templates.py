"""Pre-filled relevé d'heures templates, one per structure and month (SPEC §11 `templates`).

Fewer mistakes at the source: each structure gets a workbook with the participants whose
latest mission runs in the month already identified, with the marché, mission start and
contract type of their last line carried over (issue 16.3), the month already written,
drop-down lists for the marchés in progress and the contract types, and a check on hours, so
most control rules of SPEC §6 cannot be broken by a slip of the keyboard.
The column labels are those the reader recognises (SPEC §5.2).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
import xlsxwriter
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from clauses.atomic import atomic_path
from clauses.config import Config
from clauses.periods import deadline_of, french_date, month_end, month_label, month_start
from clauses.reading.notations import fold_text
from clauses.reading.submission import TEMPLATE_LISTS_SHEET as LISTS_SHEET
from clauses.reading.submission import TEMPLATE_NOTICE_SHEET as NOTICE_SHEET
from clauses.registers.load import Registers
from clauses.reports.missions import FACTS, KEY, missions
from clauses.vocabulary import CONTRACT_TYPES

# Column label → column pre-filled from the register's identity and the latest mission
# (None: left empty).
COLUMNS: dict[str, str | None] = {
    "Identifiant": "id_participant",
    "Nom": "nom",
    "Prénom": "prenom",
    "Date de naissance": "date_naissance",
    "Code marché": "code_marche",
    "Mois": None,
    "Date de début de mission": "date_debut_mission",
    "Date de fin de mission": None,
    "Heures": None,
    "Entreprise": None,
    "Type de contrat": "type_contrat",
    "Poste": None,
}
LABELS = list(COLUMNS)
RELEVE_SHEET = "Relevé"  # the notice and lists sheets are how the reader recognises a template
HEADER_ROW = 4  # 0-based: title, period, deadline, blank line, then the header
SPARE_ROWS = 60  # empty rows below the participants that keep the drop-downs and checks
# One A4 landscape width at print (issue 16.1): about 155 characters in all.
WIDTHS = (12, 16, 14, 11, 12, 9, 11, 11, 8, 20, 16, 14)


def write_templates(config: Config, registers: Registers, month: str,
                    lines: pd.DataFrame | None = None, tracking: pd.DataFrame | None = None,
                    out_dir: Path | None = None) -> list[Path]:
    """Write `<code_structure>-releve-<month>.xlsx` for every structure of the register, by
    default in `outbox/modeles/<month>/`; returns the paths written. `lines`: the ledger's
    current relevé lines, `tracking`: its current tableau de suivi lines (None: none known)."""
    out_dir = out_dir if out_dir is not None else config.outbox / "modeles" / month
    out_dir.mkdir(parents=True, exist_ok=True)
    markets = active_markets(registers.markets, registers.companies, month)
    paths = []
    for _, structure in registers.structures.iterrows():
        code = str(structure["code_structure"])
        participants = running_participants(registers.participants, lines, tracking,
                                            code, month)
        path = out_dir / f"{_file_safe(code)}-releve-{month}.xlsx"
        with _atomic_workbook(path) as workbook:
            _write_releve(workbook, structure, participants, markets, month, config)
            _write_notice(workbook, markets, month, config)
            _write_lists(workbook, markets)
        paths.append(path)
    return paths


def running_participants(participants: pd.DataFrame, lines: pd.DataFrame | None,
                         tracking: pd.DataFrame | None, code_structure: str,
                         month: str) -> pd.DataFrame:
    """The structure's participants whose latest known mission (relevé lines and current
    tableau de suivi, by precedence of `clauses.reports.missions`) runs in `month`: started by
    its end, not ended nor exited before its start. One row each, with the register's identity
    and the `code_marche`, `date_debut_mission`, `type_contrat` of that mission."""
    if lines is None:
        lines = pd.DataFrame(columns=[*KEY, "mois", *FACTS])
    facts = missions(_of_structure(lines, code_structure),
                     None if tracking is None else _of_structure(tracking, code_structure))
    for column in ("date_debut_mission", "date_fin_mission", "date_sortie"):
        facts[column] = pd.to_datetime(facts[column])
    # A participant's latest mission: the latest start (the marché code breaks a tie, so the
    # template is the same from one run to the next).
    latest = (facts.sort_values(["id_participant", "date_debut_mission", "code_marche"],
                                na_position="first", kind="stable")
              .groupby("id_participant", as_index=False).tail(1))
    first, last = pd.Timestamp(month_start(month)), pd.Timestamp(month_end(month))
    start, end, exit_ = (latest["date_debut_mission"], latest["date_fin_mission"],
                         latest["date_sortie"])
    running = latest[(start <= last) & (end.isna() | (end >= first)) & ~(exit_ < first)]
    identity = participants[["id_participant", "nom", "prenom", "date_naissance"]]
    identity = identity.drop_duplicates("id_participant")
    chosen = running[["id_participant", "code_marche", "date_debut_mission", "type_contrat"]]
    rows = chosen.merge(identity, on="id_participant", how="left")
    return rows.sort_values(["nom", "prenom", "id_participant"], key=fold_text,
                            na_position="last").reset_index(drop=True)


def _of_structure(frame: pd.DataFrame, code_structure: str) -> pd.DataFrame:
    """`frame`'s rows of one structure (a frame without lines may have no columns at all)."""
    if frame.empty:
        return pd.DataFrame(columns=[*KEY, "mois", *FACTS])
    return frame[frame["code_structure"] == code_structure]


def active_markets(markets: pd.DataFrame, companies: pd.DataFrame, month: str) -> pd.DataFrame:
    """Marchés in progress during `month`, with the attributaire's name to recognise them."""
    period = pd.Period(month, freq="M")
    active = markets[(markets["date_debut"] <= period.end_time)
                     & (markets["date_fin"] >= period.start_time)]
    names = companies.set_index("siret")["nom"]
    return pd.DataFrame({
        "code_marche": active["code_marche"],
        "intitule": active["intitule"],
        "entreprise": active["siret"].map(names).fillna(active["siret"]),
    }).sort_values("code_marche").reset_index(drop=True)


def _file_safe(code: str) -> str:
    # Codes are the inbox folder names, so already file-safe; keep them as the facilitator
    # wrote them, only replacing what Windows or a path would not accept.
    return re.sub(r'[<>:"/\\|?*\x00-\x1f]', "_", code).strip(" .") or "structure"


@contextmanager
def _atomic_workbook(path: Path) -> Iterator[Workbook]:
    """A reader of the outbox never sees half a workbook: write aside, then rename."""
    with atomic_path(path) as temporary:
        workbook = xlsxwriter.Workbook(temporary)
        yield workbook
        workbook.close()


def _write_releve(workbook: Workbook, structure: pd.Series, participants: pd.DataFrame,
                  markets: pd.DataFrame, month: str, config: Config) -> None:
    sheet = workbook.add_worksheet(RELEVE_SHEET)
    styles = _styles(workbook)
    due = deadline_of(month, config.depot.jour_limite)
    sheet.write(0, 0, f"Relevé d'heures d'insertion — {structure['nom']} "
                      f"({structure['code_structure']})", styles["title"])
    sheet.write(1, 0, f"Période : {month_label(month)}", styles["bold"])
    sheet.write(2, 0, f"À déposer au plus tard le {french_date(due)} "
                      "(voir la feuille « Mode d'emploi »).")
    for column, (label, width) in enumerate(zip(LABELS, WIDTHS, strict=True)):
        sheet.write_string(HEADER_ROW, column, label, styles["header"])
        sheet.set_column(column, column, width, _column_style(label, styles))
    for offset, (_, person) in enumerate(participants.iterrows(), start=HEADER_ROW + 1):
        _write_person(sheet, offset, person, month, styles)
    sheet.freeze_panes(HEADER_ROW + 1, 0)
    sheet.set_row(HEADER_ROW, 45)  # labels on up to three lines, clear of the first person
    _print_setup(sheet, f"Relevé d'heures — {structure['code_structure']} — "
                        f"{month_label(month)}")
    sheet.repeat_rows(HEADER_ROW)
    last = HEADER_ROW + len(participants) + SPARE_ROWS
    _add_validations(sheet, HEADER_ROW + 1, last, markets, config)
    sheet.activate()


def _print_setup(sheet: Worksheet, footer: str) -> None:
    """A4 landscape, one page wide, page numbers: as the reports print (issue 16.1)."""
    sheet.set_landscape()
    sheet.set_paper(9)
    sheet.fit_to_pages(1, 0)
    sheet.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.6)
    sheet.set_footer(f"&L{footer.replace('&', '&&')}&RPage &P / &N")


def _styles(workbook: Workbook) -> dict[str, Any]:
    return {
        "title": workbook.add_format({"bold": True, "font_size": 14}),
        "bold": workbook.add_format({"bold": True}),
        "header": workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1,
                                       "text_wrap": True, "valign": "top"}),
        "date": workbook.add_format({"num_format": "dd/mm/yyyy"}),
        "hours": workbook.add_format({"num_format": "0.00"}),
        "text": workbook.add_format({"num_format": "@"}),
    }


def _column_style(label: str, styles: dict[str, Any]) -> Any:
    if label.startswith("Date"):
        return styles["date"]
    return styles["hours"] if label == "Heures" else styles["text"]


def _write_person(sheet: Worksheet, row: int, person: pd.Series, month: str,
                  styles: dict[str, Any]) -> None:
    for column, label in enumerate(LABELS):
        field = COLUMNS[label]
        value = person.get(field) if field else None
        if label == "Mois":
            sheet.write_string(row, column, month)
        elif isinstance(value, pd.Timestamp | datetime) and not pd.isna(value):
            sheet.write_datetime(row, column, pd.Timestamp(value).to_pydatetime(),
                                 styles["date"])
        elif value is not None and not pd.isna(value):
            # As text: an identifier like "000123" must not lose its zeros.
            sheet.write_string(row, column, str(value))


def _add_validations(sheet: Worksheet, first: int, last: int, markets: pd.DataFrame,
                     config: Config) -> None:
    column = {label: index for index, label in enumerate(LABELS)}
    if len(markets):
        sheet.data_validation(first, column["Code marché"], last, column["Code marché"], {
            "validate": "list", "source": f"={LISTS_SHEET}!$A$2:$A${len(markets) + 1}",
            "error_type": "warning", "error_title": "Code marché inconnu",
            "error_message": "Ce code n'est pas celui d'un marché en cours ce mois-ci. "
                             "Choisissez-le dans la liste déroulante.",
        })
    sheet.data_validation(first, column["Type de contrat"], last, column["Type de contrat"], {
        "validate": "list", "source": f"={LISTS_SHEET}!$E$2:$E${len(CONTRACT_TYPES) + 1}",
        "error_title": "Type de contrat inconnu",
        "error_message": "Choisissez le type de contrat dans la liste déroulante.",
    })
    maximum = config.regles.max_heures_mois
    sheet.data_validation(first, column["Heures"], last, column["Heures"], {
        "validate": "decimal", "criteria": "between", "minimum": 0.01, "maximum": maximum,
        "error_title": "Nombre d'heures invalide",
        "error_message": f"Les heures du mois sur ce marché doivent être un nombre supérieur "
                         f"à 0 et au plus égal à {maximum:g}, par exemple 35 ou 151,67.",
    })
    for label in ("Date de début de mission", "Date de fin de mission"):
        sheet.data_validation(first, column[label], last, column[label], {
            "validate": "date", "criteria": ">=", "value": datetime(2000, 1, 1),
            "error_title": "Date invalide",
            "error_message": "Saisissez une date au format jj/mm/aaaa, par exemple 03/10/2026.",
        })


def _write_notice(workbook: Workbook, markets: pd.DataFrame, month: str,
                  config: Config) -> None:
    sheet = workbook.add_worksheet(NOTICE_SHEET)
    sheet.set_column(0, 0, 110, workbook.add_format({"text_wrap": True, "valign": "top"}))
    _print_setup(sheet, f"Mode d'emploi — {month_label(month)}")
    sheet.write(0, 0, f"Mode d'emploi du relevé d'heures — {month_label(month)}",
                workbook.add_format({"bold": True, "font_size": 14}))
    lines = _notice_lines(month, config)
    lines += ["", f"Marchés en cours en {month_label(month)} :"]
    lines += [f"• {m.code_marche} — {m.intitule} ({m.entreprise})"
              for m in markets.itertuples()] or ["• aucun marché en cours"]
    for row, text in enumerate(lines, start=2):
        sheet.write_string(row, 0, text)


def _notice_lines(month: str, config: Config) -> list[str]:
    due = french_date(deadline_of(month, config.depot.jour_limite))
    return [
        "1. Une ligne par participant, par marché et par mois. Les participants de votre "
        "structure dont la mission est en cours ce mois-ci sont déjà inscrits, avec le marché, "
        "la date de début de mission et le type de contrat de leur dernière ligne : vérifiez-les, "
        "saisissez les heures, et supprimez les lignes de ceux qui n'ont pas travaillé ce "
        "mois-ci.",
        "2. Un participant qui a travaillé sur plusieurs marchés : copiez sa ligne, une par "
        "marché.",
        "3. Un participant absent de la liste : ajoutez une ligne avec son identifiant, ou ses "
        "nom, prénom et date de naissance. Ses heures ne comptent que si le guichet a validé "
        "son éligibilité avant le début de sa mission.",
        "4. Code marché : choisissez-le dans la liste déroulante (marchés en cours, ci-dessous).",
        "5. Heures : heures travaillées dans le mois sur ce marché, plus de 0 et au plus "
        f"{config.regles.max_heures_mois:g} (par exemple 35 ou 151,67).",
        "6. Dates au format jj/mm/aaaa : la date de début de mission est obligatoire, la date "
        "de fin seulement si la mission est terminée.",
        f"7. Type de contrat : l'un de {', '.join(CONTRACT_TYPES)}.",
        "8. Entreprise : nom ou SIRET de l'entreprise où le participant a travaillé "
        "(attributaire ou sous-traitant).",
        "9. Ne modifiez ni les intitulés de colonnes ni la cellule « Période ».",
        f"10. Déposez le fichier au plus tard le {due} dans votre dossier de dépôt ; un compte "
        "rendu de contrôle vous est renvoyé. Un nouveau relevé pour le même mois remplace le "
        "précédent : il doit donc être complet.",
    ]


def _write_lists(workbook: Workbook, markets: pd.DataFrame) -> None:
    """The drop-down sources, on a hidden sheet; headers chosen not to look like a relevé."""
    sheet = workbook.add_worksheet(LISTS_SHEET)
    for column, label in enumerate(("Marchés en cours", "Intitulé du marché", "Titulaire du marché")):
        sheet.write_string(0, column, label)
    for row, market in enumerate(markets.itertuples(), start=1):
        sheet.write_string(row, 0, str(market.code_marche))
        sheet.write_string(row, 1, str(market.intitule))
        sheet.write_string(row, 2, str(market.entreprise))
    sheet.write_string(0, 4, "Types de contrat")
    for row, contract in enumerate(CONTRACT_TYPES, start=1):
        sheet.write_string(row, 4, contract)
    sheet.hide()
