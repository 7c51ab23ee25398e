"""A corpus of bad input, as a hostile sender or a clumsy structure would drop it (issue 13).

Each kind is one file (name, folder, bytes) and what the pass must make of it: its status, its
reason code and words of its French sentence. `python tests/hostile_corpus.py DIR` writes the
corpus under DIR/inbox (to try it by hand); tests/test_intake_hostile.py ingests it in one pass.
Every file is built here from scratch (or from tests/data/soumissions, files written by real office
suites): nothing is downloaded.
"""

from __future__ import annotations

import codecs
import io
import os
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import xlsxwriter

SUBMISSIONS = Path(__file__).parent / "data" / "soumissions"
# The corpus pass runs with these limits, so that "too many lines" and "too heavy" stay small.
SETTINGS = {"depot": {"lignes_max": 1000, "taille_max_mo": 5}}
HEADER = ["N° participant", "Code marché", "Date de début de mission", "Heures", "Type de contrat"]
LINE = ["P001", "M-001", "01/10/2026", "7", "CDDI"]


@dataclass(frozen=True)
class Kind:
    """One kind of bad input and the verdict expected."""

    folder: str  # under inbox/
    name: str  # file name (may hold any bytes, through os.fsdecode)
    content: bytes
    statut: str  # "traité" | "quarantaine" | "déjà reçu" | "ignoré" (left alone in the inbox)
    code: str | None = None
    words: tuple[str, ...] = ()


# --- builders ----------------------------------------------------------------------------------


def statement_xlsx(rows: list[list[object]] | None = None, *, title: str = "Période : octobre 2026",
                   far_blank: bool = False) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False})
    sheet = book.add_worksheet("Relevé")
    sheet.write(0, 0, title)
    sheet.write_row(2, 0, HEADER)
    for number, row in enumerate(rows if rows is not None else [LINE], start=3):
        sheet.write_row(number, 0, row)
    if far_blank:  # a formatted empty cell far away: the reader skips it
        sheet.write_blank(1048575, 16383, None, book.add_format({"bold": True}))
    book.close()
    return buffer.getvalue()


def statement_csv(lines: list[list[str]] | None = None, *, separator: str = ";",
                  encoding: str = "utf-8") -> str | bytes:
    rows = [["Période : octobre 2026"], [], HEADER, *(lines if lines is not None else [LINE])]
    text = "\n".join(separator.join(row) for row in rows) + "\n"
    return text.encode(encoding)


_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
    'package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.'
    'openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="'
    'application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.'
    'openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/'
    'worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.'
    'spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="'
    'application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
_RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
         'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://'
         'schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="'
         'xl/workbook.xml"/></Relationships>')
_WORKBOOK = ('<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.'
             'openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats'
             '.org/officeDocument/2006/relationships"><sheets><sheet name="Relevé" sheetId="1" '
             'r:id="rId1"/></sheets></workbook>')
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.'
    'org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
    'openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/'
    'sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/'
    'officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
    '</Relationships>')
_SHEET = ('<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats'
          '.org/spreadsheetml/2006/main"><sheetData>{}</sheetData></worksheet>')


def handmade_xlsx(rows_xml: str | list[bytes], shared: bytes = b"<sst/>",
                  shared_parts: list[bytes] | None = None) -> bytes:
    """An xlsx written by hand: the XML a hostile sender controls, cell by cell."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as book:
        book.writestr("[Content_Types].xml", _CONTENT_TYPES)
        book.writestr("_rels/.rels", _RELS)
        book.writestr("xl/workbook.xml", _WORKBOOK)
        book.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        before, after = _SHEET.encode().split(b"{}")
        with book.open("xl/worksheets/sheet1.xml", "w") as part:  # streamed: may be huge
            for piece in [before, *([rows_xml.encode()] if isinstance(rows_xml, str)
                                    else rows_xml), after]:
                part.write(piece)
        with book.open("xl/sharedStrings.xml", "w") as part:  # streamed: may be huge
            for piece in shared_parts or [shared]:
                part.write(piece)
    return buffer.getvalue()


def giant_shared_string(megabytes: int) -> bytes:
    """311 kB on disk, a 300 MB text once read (the issue's zip bomb)."""
    block = b"A" * (1024 * 1024)
    return handmade_xlsx(
        '<row r="1"><c r="A1" t="s"><v>0</v></c></row>',
        shared_parts=[b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                      b'count="1" uniqueCount="1"><si><t>', *([block] * megabytes),
                      b"</t></si></sst>"])


def ods_with_repeats(rows: int, columns: int) -> bytes:
    """An ods whose one valued cell is repeated over a huge rectangle."""
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:'
        'oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:'
        'opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text'
        ':1.0" office:version="1.2"><office:body><office:spreadsheet><table:table table:name='
        f'"Relevé"><table:table-row table:number-rows-repeated="{rows}"><table:table-cell '
        f'table:number-columns-repeated="{columns}" office:value-type="float" office:value="1">'
        '<text:p>1</text:p></table:table-cell></table:table-row></table:table></office:'
        'spreadsheet></office:body></office:document-content>')
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as book:
        book.writestr(zipfile.ZipInfo("mimetype"),
                      "application/vnd.oasis.opendocument.spreadsheet")
        book.writestr("content.xml", content)
        book.writestr("META-INF/manifest.xml", (
            '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:'
            'names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry manifest:full-path='
            '"/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
            '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/'
            'xml"/></manifest:manifest>'))
    return buffer.getvalue()


def real(name: str) -> bytes:
    return (SUBMISSIONS / name).read_bytes()


INJECTIONS = ["=cmd|' /C calc'!A0", "+SUM(1+1)", "-2+3", "@SUM(A1)", "=HYPERLINK(\"http://x\")"]
FAR = '<row r="1"><c r="A1" t="inlineStr"><is><t>N° participant</t></is></c></row>'


def kinds() -> dict[str, Kind]:
    """Every kind of the corpus, by id."""
    good = statement_xlsx()
    ai = "AI-NIORT"
    return {
        # --- read and counted, whatever the wrapping ------------------------------------------
        "good-xlsx": Kind(ai, "bon.xlsx", good, "traité"),
        "csv-utf8": Kind(ai, "utf8.csv", statement_csv(), "traité"),
        "csv-bom": Kind(ai, "bom.csv", codecs.BOM_UTF8 + statement_csv([["P002", "M-001",
                        "06/10/2026", "8", "CDDI"]]), "traité"),
        "csv-cp1252": Kind(ai, "windows.csv", statement_csv([["P002", "M-001", "07/10/2026",
                           "9", "mission d'intérim"]], encoding="cp1252"), "traité"),
        "csv-utf16": Kind(ai, "unicode.csv", codecs.BOM_UTF16_LE + statement_csv(
            [["P002", "M-001", "08/10/2026", "1", "CDDI"]], separator="\t",
            encoding="utf-16-le"), "traité"),
        "csv-comma": Kind(ai, "virgule.csv", statement_csv(
            [["P002", "M-001", "09/10/2026", "2", "CDDI"]], separator=","), "traité"),
        "formula-injection": Kind(ai, "injection.xlsx", statement_xlsx(
            [[payload, "M-001", "01/10/2026", "7", "CDDI"] for payload in INJECTIONS]), "traité"),
        "text-of-30-kb": Kind(ai, "texte-long.xlsx", statement_xlsx(  # Excel's cap: 32 767
            [["P" + "9" * 30_000, "M-001", "01/10/2026", "7", "CDDI"]]), "traité"),
        "csv-cell-of-1-mb": Kind(ai, "cellule-longue.csv", statement_csv(
            [["P" + "8" * (1 << 20), "M-001", "01/10/2026", "7", "CDDI"]]), "traité"),
        "formatted-far-blank": Kind(ai, "mise-en-forme.xlsx", statement_xlsx(
            [["P002", "M-002", "01/10/2026", "3", "CDDI"]], far_blank=True), "traité"),
        # These office files' Total line is 0,5 h off: processed, with that one file alert.
        "office-ods": Kind(ai, "calc.ods", real("releve_suite_bureautique.ods"), "traité",
                           "TOTAL_INCOHERENT", ("écart de 0,5 h",)),
        "office-xls": Kind("ETTI-SUD", "excel97.xls", real("releve_suite_bureautique.xls"),
                           "traité", "TOTAL_INCOHERENT", ("écart de 0,5 h",)),
        "macro-xlsm": Kind("ETTI-SUD", "macro.xlsm", real("releve_suite_bureautique.xlsm"),
                           "traité", "TOTAL_INCOHERENT", ("écart de 0,5 h",)),
        "deep-folders": Kind(ai, "/".join(["sous-dossier"] * 12) + "/profond.csv",
                             statement_csv([["P002", "M-002", "02/10/2026", "4", "CDDI"]]),
                             "traité"),
        "name-latin1-bytes": Kind(ai, os.fsdecode(b"relev\xe9 d\xe9cembre.csv"), statement_csv(
            [["P002", "M-002", "03/10/2026", "5", "CDDI"]]), "traité"),
        "name-crlf": Kind(ai, "relevé\r\nBcc: x@exemple.fr.csv", statement_csv(
            [["P002", "M-002", "04/10/2026", "6", "CDDI"]]), "traité"),
        "name-255-bytes": Kind(ai, "r" * 251 + ".csv", statement_csv(
            [["P002", "M-002", "05/10/2026", "7", "CDDI"]]), "traité"),
        "name-bidi-controls": Kind(ai, "fact\u202eslx.csv", statement_csv(
            [["P002", "M-002", "06/10/2026", "8", "CDDI"]]), "traité"),
        "tracking-table": Kind(ai, "suivi.xlsx", real("suivi.xlsx"), "traité"),
        "supporting-pdf": Kind(ai, "contrat.pdf", b"%PDF-1.4\n%\xe2\xe3\n1 0 obj\n", "traité"),
        "upper-case-pdf": Kind(ai, "SCAN.PDF", b"%PDF-1.7\n" + os.urandom(64), "traité"),
        "same-bytes-twice": Kind("ETTI-SUD", "copie.xlsx", good, "déjà reçu",
                                 "FICHIER_DEJA_RECU"),
        # --- left alone --------------------------------------------------------------------------
        "excel-lock": Kind(ai, "~$bon.xlsx", b"lock", "ignoré"),
        "libreoffice-lock": Kind(ai, ".~lock.calc.ods#", b"lock", "ignoré"),
        "hidden-file": Kind(ai, ".cache.xlsx", good, "ignoré"),
        # --- refused, kept in quarantine with a French reason ----------------------------------
        "far-away-cell": Kind(ai, "cellule-lointaine.xlsx", handmade_xlsx(
            FAR + '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'), "quarantaine",
            "FICHIER_TROP_VOLUMINEUX", ("cellules", "limite")),
        "far-away-empty-text": Kind(ai, "texte-lointain.xlsx", handmade_xlsx(
            FAR + '<row r="900000"><c r="ZZ900000" t="inlineStr"><is><t></t></is></c></row>'),
            "quarantaine", "FICHIER_TROP_VOLUMINEUX", ("cellules",)),
        "far-away-hidden-rows": Kind(ai, "lignes-sans-numero.xlsx", handmade_xlsx(
            '<row><c r="XFD1"><v>1</v></c></row><row><c r="A1048576"><v>1</v></c></row>'),
            "quarantaine", "FICHIER_ILLISIBLE", ("enregistrez-le à nouveau",)),
        "giant-shared-string": Kind(ai, "chaine-geante.xlsx", giant_shared_string(300),
                                    "quarantaine", "FICHIER_TROP_VOLUMINEUX", ("Mo",)),
        "giant-inline-text": Kind(ai, "texte-geant.xlsx", handmade_xlsx(
            [b'<row r="1"><c r="A1" t="inlineStr"><is><t>', *[b"B" * (1 << 20)] * 300,
             b"</t></is></c></row>"]), "quarantaine", "FICHIER_TROP_VOLUMINEUX", ("Mo",)),
        "ods-repeated-cells": Kind(ai, "repetitions.ods", ods_with_repeats(1_000_000, 1024),
                                   "quarantaine", "FICHIER_TROP_VOLUMINEUX", ("cellules",)),
        "csv-many-cells": Kind(ai, "cellules.csv", b";" * 4_000_000 + b"\n", "quarantaine",
                               "FICHIER_TROP_VOLUMINEUX", ("cellules",)),
        "too-many-lines": Kind(ai, "trop-long.csv", statement_csv(
            [["P001", "M-001", "01/10/2026", "1", "CDDI"]] * 1500), "quarantaine",
            "FICHIER_TROP_VOLUMINEUX", ("1500 lignes",)),
        "too-heavy": Kind(ai, "lourd.xlsx", b"PK" + os.urandom(6 * 1024 * 1024), "quarantaine",
                          "FICHIER_TROP_VOLUMINEUX", ("Mo",)),
        "corrupt-bytes": Kind(ai, "corrompu.xlsx", real("corrompu.xlsx"), "quarantaine",
                              "FICHIER_ILLISIBLE", ("endommagé",)),
        "truncated-xlsx": Kind(ai, "tronque.xlsx", good[: len(good) // 2], "quarantaine",
                               "FICHIER_ILLISIBLE", ("endommagé",)),
        "empty-xlsx": Kind(ai, "vide.xlsx", b"", "quarantaine", "FICHIER_ILLISIBLE", ("vide",)),
        "binary-csv": Kind(ai, "binaire.csv", b"\x00\x01\x02" * 1000, "quarantaine",
                           "FICHIER_ILLISIBLE", ("endommagé",)),
        "pdf-named-xlsx": Kind(ai, "scan.xlsx", b"%PDF-1.4\n" + b"x" * 500, "quarantaine",
                               "FICHIER_ILLISIBLE", ("PDF",)),
        "zip-not-xlsx": Kind(ai, "archive.xlsx", _plain_zip(), "quarantaine",
                             "FICHIER_ILLISIBLE", ("endommagé",)),
        "fake-ole2-xls": Kind(ai, "ancien.xls", bytes.fromhex("d0cf11e0a1b11ae1") + b"\0" * 4000,
                              "quarantaine", "FICHIER_ILLISIBLE", ("endommagé",)),
        "encrypted-xlsx": Kind(ai, "protege.xlsx", real("protege.xlsx"), "quarantaine",
                               "FICHIER_ILLISIBLE", ("mot de passe",)),
        "no-known-columns": Kind(ai, "inconnu.xlsx", real("sans_colonnes_connues.xlsx"),
                                 "quarantaine", "TYPE_INCONNU", ("relevé d'heures",)),
        "missing-columns": Kind(ai, "manque.xlsx", real("colonnes_manquantes.xlsx"),
                                "quarantaine", "COLONNES_MANQUANTES", ("« Heures »",)),
        "no-period": Kind(ai, "sans-mois.xlsx", real("sans_periode.xlsx"), "quarantaine",
                          "PERIODE_INCONNUE", ("mois",)),
        "unknown-structure": Kind("ACI-INCONNUE", "releve.csv", statement_csv(
            [["P003", "M-002", "01/10/2026", "1", "CDDI"]]), "quarantaine", "STRUCTURE_INCONNUE",
            ("registre",)),
        "structure-folder-latin1": Kind(os.fsdecode(b"STRUCTURE-\xe9"), "releve.csv",
                                        statement_csv([["P003", "M-002", "02/10/2026", "2",
                                                        "CDDI"]]), "quarantaine",
                                        "STRUCTURE_INCONNUE", ("registre",)),
        "inbox-root": Kind("", "perdu.csv", statement_csv([["P003", "M-002", "03/10/2026", "3",
                           "CDDI"]]), "quarantaine", "STRUCTURE_INCONNUE", ("racine",)),
    }


def _plain_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("photo.txt", "pas un classeur")
    return buffer.getvalue()


def write_corpus(inbox: Path, chosen: dict[str, Kind] | None = None) -> dict[str, Path]:
    """Drop every kind into `inbox` (mtime a day earlier than the files' own time does not
    matter: the caller sets it); the path of each kind."""
    paths = {}
    for key, kind in (chosen or kinds()).items():
        path = inbox / kind.folder / kind.name if kind.folder else inbox / kind.name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(kind.content)
        paths[key] = path
    return paths


if __name__ == "__main__":
    target = Path(sys.argv[1]) / "inbox"
    written = write_corpus(target)
    print(f"{len(written)} sortes de fichiers écrites sous {target}")
