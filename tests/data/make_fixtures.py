"""Regenerate the sample files of tests/data (committed; run by hand when they must change).

    .venv/bin/python tests/data/make_fixtures.py

Workbooks are written with openpyxl; the `.xls`, `.ods` and `.xlsm` files are converted by
LibreOffice (`soffice --headless --convert-to`), as a structure's office suite would write them.
Password-protected files: `protege.xls` is saved with a password by LibreOffice through UNO
(`/usr/bin/python3` with python3-uno); `protege.xlsx` (Office's encryption: an OLE2 container
holding an `EncryptedPackage` stream) needs `msoffcrypto-tool` in the running Python, because
LibreOffice 7.4 writes a password-less `.xlsx` whatever the filter options. When one of those
tools is missing, the committed file is kept.
"""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
import tempfile
from datetime import datetime, time, timedelta
from pathlib import Path

from openpyxl import Workbook

from clauses.siret import complete_siret

HERE = Path(__file__).parent
SUBMISSIONS = HERE / "soumissions"
REGISTERS = HERE / "registres"


def _save(book: Workbook, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


def _dated(cell, value, number_format: str = "dd/mm/yyyy") -> None:
    cell.value = value
    cell.number_format = number_format


def messy_hour_statement() -> Workbook:
    """A notice sheet, title rows, an empty first column, every notation, an empty row, an
    unreadable line and a Total line."""
    book = Workbook()
    notice = book.active
    notice.title = "Mode d'emploi"
    notice["A1"] = "Remplissez une ligne par participant, par marché et par mois."
    notice.append(["Colonne", "Contenu"])
    notice.append(["N° participant", "l'identifiant donné par le guichet"])
    notice.append(["Heures", "les heures d'insertion du mois"])
    sheet = book.create_sheet("Octobre 2026")
    sheet["B1"] = "Relevé mensuel des heures d'insertion"
    sheet["B2"] = "Structure : AI du Niortais"
    sheet["B3"] = "Période : octobre 2026"
    headers = ["N° participant", "NOM", "Prénom", "Date de naissance (jj/mm/aaaa)",
               "N° de marché", "Date de début de mission", "Date de fin", "Nb heures",
               "Type de contrat", "Entreprise", "Observations"]
    for column, header in enumerate(headers, start=2):
        sheet.cell(5, column, header)
    lines = [
        ["P-001", "Dupont", "Jean", datetime(1985, 5, 12), "M-2026-01", datetime(2026, 10, 1),
         None, 7.5, "CDDI", "BTP Sèvre", None],
        ["P-002", "LEFÈVRE", "Marie-Hélène", "12/05/1990", "M-2026-01", "03/10/2026",
         "31/10/2026", "7,5", "CDD d'insertion", "12345678900012", None],
        ["P-003", "N'Diaye", "Awa", "3/4/92", "M-2026-02", "2026-10-03", None, "151,67",
         "Intérim", None, None],
        ["P-004", "Martin", "Luc", "01.02.1970", "M-2026-02", "03.10.2026", None, "7h30",
         "mission interim", None, None],
        None,  # an empty row in the middle
        ["P-005", "Bernard", "Léa", "1988-07-14", "M-2026-01", "3-10-2026", None, "7 h",
         "contrat pro", None, "entrée tardive"],
        ["P-006", "Petit", "Noé", "14/07/88", "M-2026-01", 46298, None, "12\u00a0", "CDI",
         None, None],
        ["P-007", "Durand", "Inès", "14/07/1988", "M-2026-01", "03/10/2026", None, " 12 ",
         "Apprentissage", None, None],
        ["P-008", "Moreau", "Éric", "14/07/1988", "M-2026-01", "03/10/2026", None, "7.5",
         None, None, None],
        ["P-009", "Simon", "Zoé", "14/07/1988", "M-2026-01", "32/10/2026", None, "beaucoup",
         "stage", None, None],
        ["Total", None, None, None, None, None, None, 214.67, None, None, None],
    ]
    for row, line in enumerate(lines, start=6):
        for column, value in enumerate(line or [], start=2):
            cell = sheet.cell(row, column, value)
            if isinstance(value, datetime):
                _dated(cell, value)
    return book


def several_months() -> Workbook:
    """One sheet per month (the period of the first from its name, of the second from a
    `Période` column), a summary sheet without people, Total lines."""
    book = Workbook()
    book.active.title = "Notice"
    book.active["A1"] = "Une feuille par mois."
    september = book.create_sheet("Septembre 2026")
    september.append(["Identifiant", "Nom", "Prénom", "Code marché", "Début mission",
                      "Heures réalisées"])
    september.append(["P-001", "Dupont", "Jean", "M-2026-01", "01/09/2026", 35])
    september.append(["P-002", "Lefèvre", "Marie", "M-2026-01", "01/09/2026", 20.5])
    september.append([None, "TOTAL", None, None, None, 55.5])
    october = book.create_sheet("Octobre 2026")
    october.append(["ID", "Nom du salarié", "Prénom", "Marché", "Date de début", "Période",
                    "Nombre d'heures réalisées"])
    months = ["oct.-26", "10/2026", "octobre 2026", "2026-10", datetime(2026, 10, 1), None,
              "Octobre 2026", "oct-26", "oct. 2026"]
    for number, month in enumerate(months, start=1):
        october.append([f"P-{number:03d}", "Nom", "Prénom", "M-2026-01", "01/10/2026", month, 7])
        if isinstance(month, datetime):
            october.cell(october.max_row, 6).number_format = "mmmm yyyy"
    october.append(["Total", None, None, None, None, None, 63])
    summary = book.create_sheet("Synthèse")
    summary.append(["Marché", "Total heures"])
    summary.append(["M-2026-01", 118.5])
    return book


def office_suite_base() -> Workbook:
    """Written by openpyxl, then converted to .xls / .ods / .xlsm by LibreOffice."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Relevé"
    sheet["A1"] = "Relevé d'heures"
    sheet["A2"] = "Mois : 10/2026"
    sheet.append([])
    sheet.append(["N° participant", "Nom", "Prénom", "Date de naissance", "Code marché",
                  "Date de début de mission", "Heures", "Type de contrat"])
    lines = [
        ["P-001", "Dupont", "Jean", datetime(1985, 5, 12), "M-2026-01", datetime(2026, 10, 1),
         35, "CDDI"],
        ["P-002", "Lefèvre", "Marie-Hélène", datetime(1990, 5, 12), "M-2026-01",
         datetime(2026, 10, 3), 7.5, "Intérim"],
        ["P-003", "N'Diaye", "Awa", datetime(1992, 4, 3), "M-2026-02", datetime(2026, 10, 3),
         time(7, 30), "CDD"],
        ["P-004", "Martin", "Luc", datetime(1970, 2, 1), "M-2026-02", datetime(2026, 10, 3),
         timedelta(hours=151, minutes=40), "CDI"],
    ]
    for line in lines:
        sheet.append(line)
        row = sheet.max_row
        for column in (4, 6):
            sheet.cell(row, column).number_format = "dd/mm/yyyy"
        hours = sheet.cell(row, 7)
        hours.number_format = "[h]:mm" if isinstance(hours.value, timedelta) else (
            "h:mm" if isinstance(hours.value, time) else "General")
    sheet.append(["Total", None, None, None, None, None, 201.16666666666666])
    return book


def tracking_table() -> Workbook:
    book = Workbook()
    sheet = book.active
    sheet.title = "Suivi"
    sheet.append(["Tableau de suivi des parcours"])
    sheet.append([])
    sheet.append(["N° participant", "Nom", "Prénom", "Code marché", "Date de début",
                  "Date de fin", "Type de contrat", "Poste", "Date de sortie",
                  "Situation à la sortie", "Freins", "Accompagnement", "Formation"])
    sheet.append(["P-001", "Dupont", "Jean", "M-2026-01", datetime(2026, 3, 2),
                  datetime(2026, 9, 30), "CDD d'insertion", "Maçon", datetime(2026, 9, 30),
                  "Emploi durable (CDI)", "Mobilité ; logement", "Entretiens mensuels",
                  "CACES R482"])
    sheet.append(["P-002", "Lefèvre", "Marie", "M-2026-01", "01/04/2026", None,
                  "mission interim", "Peintre", None, None, "aucun", None, None])
    sheet.append(["P-003", "N'Diaye", "Awa", "M-2026-02", "2026-05-04", "30/06/2026",
                  "Contrat de professionnalisation", "Agent d'entretien", "30/06/2026",
                  "Formation qualifiante", "santé, langue", None, "FLE"])
    sheet.append(["P-004", "Martin", "Luc", "M-2026-02", "01/06/2026", None, "CDI", "Manœuvre",
                  None, "en cours", "garde d'enfants; vol", None, None])
    for row in sheet.iter_rows(min_row=4):
        for cell in row:
            if isinstance(cell.value, datetime):
                cell.number_format = "dd/mm/yyyy"
    return book


_CSV_LINES = [
    ["N° participant", "Nom", "Prénom", "Code marché", "Date de début de mission", "Heures"],
    ["P-001", "Dupont", "Jean", "M-2026-01", "01/10/2026", "7,5"],
    ["P-002", "Lefèvre", "Marie-Hélène", "M-2026-01", "03/10/2026", "151,67"],
    ["P-003", "N'Diaye", "Awa", "M-2026-02", "03/10/2026", "12"],
    ["Total", "", "", "", "", "171,17"],
]


def _csv_text(rows: list[list[str]], delimiter: str) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue()


def write_csv_files() -> None:
    title = [["Période : octobre 2026", "", "", "", "", ""]]
    (SUBMISSIONS / "releve_utf8_bom.csv").write_bytes(
        _csv_text(title + _CSV_LINES, ";").encode("utf-8-sig"))
    (SUBMISSIONS / "releve_windows1252.csv").write_bytes(
        _csv_text([r + ["octobre 2026" if i else "Mois"] for i, r in enumerate(_CSV_LINES)],
                  ";").encode("cp1252"))
    comma = [r[:-1] + [r[-1].replace(",", ".") if i % 2 else r[-1]] for i, r in
             enumerate(_CSV_LINES)]
    (SUBMISSIONS / "releve_virgule.csv").write_bytes(
        _csv_text(title + comma, ",").encode("utf-8"))
    (SUBMISSIONS / "releve_tabulation.csv").write_bytes(
        _csv_text(title + _CSV_LINES, "\t").encode("utf-8"))
    many = [_CSV_LINES[0] + ["Mois"]] + [
        [f"P-{n:03d}", "Nom", "Prénom", "M-2026-01", "01/10/2026", "7", "10/2026"]
        for n in range(60)]
    (SUBMISSIONS / "trop_de_lignes.csv").write_bytes(_csv_text(many, ";").encode("utf-8"))


def write_bad_files() -> None:
    (SUBMISSIONS / "corrompu.xlsx").write_bytes(b"PK\x03\x04" + bytes(range(256)) * 8)
    (SUBMISSIONS / "contrat.xlsx").write_bytes(
        b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
    _save(Workbook(), SUBMISSIONS / "classeur_vide.xlsx")
    unknown = Workbook()
    unknown.active.append(["Produit", "Prix", "Quantité"])
    unknown.active.append(["Ciment", 12.5, 3])
    _save(unknown, SUBMISSIONS / "sans_colonnes_connues.xlsx")
    missing = Workbook()
    missing.active.title = "Octobre 2026"
    missing.active.append(["N° participant", "Nom", "Prénom", "Date de début de mission",
                           "Mois"])
    missing.active.append(["P-001", "Dupont", "Jean", "01/10/2026", "10/2026"])
    _save(missing, SUBMISSIONS / "colonnes_manquantes.xlsx")
    no_period = Workbook()
    no_period.active.title = "Feuil1"
    no_period.active.append(["N° participant", "Nom", "Prénom", "Code marché",
                             "Date de début de mission", "Heures"])
    no_period.active.append(["P-001", "Dupont", "Jean", "M-2026-01", "01/10/2026", 7])
    _save(no_period, SUBMISSIONS / "sans_periode.xlsx")


def _soffice(source: Path, target_suffix: str, filter_name: str, folder: Path) -> Path:
    profile = Path(tempfile.mkdtemp(prefix="clauses-lo-"))
    try:
        subprocess.run(
            ["soffice", f"-env:UserInstallation=file://{profile}", "--headless",
             "--convert-to", f"{target_suffix}:{filter_name}", "--outdir", str(folder),
             str(source)], check=True, capture_output=True, timeout=180)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    return folder / f"{source.stem}.{target_suffix}"


_UNO_SAVE_WITH_PASSWORD = """
import subprocess, sys, time, uno
from com.sun.star.beans import PropertyValue
def prop(name, value):
    p = PropertyValue(); p.Name = name; p.Value = value; return p
source, target, profile = sys.argv[1:4]
office = subprocess.Popen(["soffice", "--headless", "--invisible", "--norestore",
    "-env:UserInstallation=file://" + profile, "--accept=pipe,name=clausesfixtures;urp;"])
try:
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext(
        "com.sun.star.bridge.UnoUrlResolver", local)
    for _ in range(150):
        try:
            context = resolver.resolve(
                "uno:pipe,name=clausesfixtures;urp;StarOffice.ComponentContext")
            break
        except Exception:
            time.sleep(0.2)
    desktop = context.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop",
                                                               context)
    document = desktop.loadComponentFromURL(uno.systemPathToFileUrl(source), "_blank", 0,
                                            (prop("Hidden", True),))
    document.storeToURL(uno.systemPathToFileUrl(target),
                        (prop("FilterName", "MS Excel 97"), prop("Password", "secret")))
    document.close(True)
    try:
        desktop.terminate()
    except Exception:
        pass
finally:
    try:
        office.wait(timeout=30)
    except subprocess.TimeoutExpired:
        office.kill()
"""


def write_protected_files(base: Path) -> None:
    profile = Path(tempfile.mkdtemp(prefix="clauses-lo-"))
    try:
        subprocess.run(["/usr/bin/python3", "-c", _UNO_SAVE_WITH_PASSWORD, str(base),
                        str(SUBMISSIONS / "protege.xls"), str(profile)],
                       check=True, capture_output=True, timeout=180)
    except (OSError, subprocess.SubprocessError) as error:
        print(f"protege.xls gardé tel quel ({error})")
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    try:
        from msoffcrypto.format.ooxml import OOXMLFile
    except ImportError:
        print("protege.xlsx gardé tel quel (msoffcrypto-tool absent)")
        return
    with base.open("rb") as plain, (SUBMISSIONS / "protege.xlsx").open("wb") as encrypted:
        OOXMLFile(plain).encrypt("secret", encrypted)


def register_workbook() -> Workbook:
    """A valid register, written the way a facilitator would: sheet names without accents or
    in capitals, a title row, SIRETs with spaces, oui/non, dates as text."""
    company_a, company_b = complete_siret("4123456780001"), complete_siret("5234567890001")
    structure = complete_siret("3345678900001")
    spaced = f"{company_a[:3]} {company_a[3:6]} {company_a[6:9]} {company_a[9:]}"
    sheets = {
        "Structures": [["Registre des structures"], [],
                       ["Code structure", "Nom", "Type", "SIRET", "Courriel"],
                       ["AI-NIORT", "AI du Niortais", "AI", structure, "ai@example.org"],
                       ["ETTI-SEVRE", "ETTI Sèvre Intérim", "etti", None, None]],
        "Maitres d'ouvrage": [["Code MO", "Nom", "E-mail"],
                              ["CAN", "Communauté d'Agglomération du Niortais", None],
                              ["NIORT", "Ville de Niort", "marches@example.org"]],
        "Entreprises": [["SIRET", "Nom", "Courriel"], [spaced, "BTP Sèvre", None],
                        [int(company_b), "Nettoyage Niortais", "contact@example.org"]],
        "MARCHÉS": [["Code marché", "Intitulé", "Code MO", "SIRET attributaire",
                     "Date de début", "Date de fin", "Heures objectif"],
                    ["M-2026-01", "Construction école", "CAN", company_a,
                     datetime(2026, 1, 1), datetime(2027, 6, 30), 1200],
                    ["M-2026-02", "Nettoyage des locaux", "NIORT", company_b, "01/03/2026",
                     "28/02/2027", "850,5"]],
        "Participants": [["Identifiant", "Nom", "Prénom", "Date de naissance", "Sexe",
                          "Commune", "QPV", "Niveau de formation", "Critères", "Prescripteur",
                          "Date de prescription", "Date de validation", "Code structure"],
                         ["P-001", "Dupont", "Jean", datetime(1985, 5, 12), "M", "Niort",
                          "Oui", "infra 3", "DELD;RSA", "France Travail", "01/09/2025",
                          "15/09/2025", "AI-NIORT"],
                         ["P-002", "Lefèvre", "Marie-Hélène", "12/05/1990", "F", "Niort",
                          "non", 4, "rqth", "Cap emploi", "2025-10-01", None, None]],
        "Decisions": [["Identifiant", "Code marché", "Mois", "Motif", "Décision", "Auteur",
                       "Date", "Commentaire"],
                      ["P-002", "M-2026-01", "oct.-26", "ELIGIBILITE_NON_VALIDEE", "Valider",
                       "C. Martin", "05/11/2026", "accord du maître d'ouvrage"]],
    }
    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
        for line in sheet.iter_rows():
            for cell in line:
                if isinstance(cell.value, datetime):
                    cell.number_format = "dd/mm/yyyy"
    return book


def main() -> None:
    SUBMISSIONS.mkdir(parents=True, exist_ok=True)
    REGISTERS.mkdir(parents=True, exist_ok=True)
    _save(messy_hour_statement(), SUBMISSIONS / "releve_desordonne.xlsx")
    _save(several_months(), SUBMISSIONS / "releve_plusieurs_mois.xlsx")
    _save(tracking_table(), SUBMISSIONS / "suivi.xlsx")
    _save(register_workbook(), REGISTERS / "referentiel.xlsx")
    write_csv_files()
    write_bad_files()
    with tempfile.TemporaryDirectory() as folder:
        base = _save(office_suite_base(), Path(folder) / "releve_suite_bureautique.xlsx")
        for suffix, filter_name in (("xls", "MS Excel 97"), ("ods", "calc8"),
                                    ("xlsm", "Calc MS Excel 2007 VBA XML")):
            converted = _soffice(base, suffix, filter_name, Path(folder))
            shutil.copy(converted, SUBMISSIONS / converted.name)
        write_protected_files(base)


if __name__ == "__main__":
    main()
