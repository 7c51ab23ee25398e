"""The shared workbook builder, read back with openpyxl (STYLE §8)."""

from __future__ import annotations

import zipfile
from datetime import datetime
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from clauses.reports.workbook import ReportWorkbook

GENERATED = datetime(2025, 11, 11, 7, 0)


def _book(path: Path) -> ReportWorkbook:
    return ReportWorkbook(path, territory="CA du Niortais", title="Rapport d'essai",
                          period="octobre 2025", generated_at=GENERATED)


def _frame() -> pd.DataFrame:
    return pd.DataFrame({
        "Code": ["M1", "M2", "M3"],
        "Heures": [1234.5, float("nan"), 10.0],
        "Taux": [0.45, float("inf"), 0.1],
        "Début": pd.to_datetime(["2025-10-01", None, "2025-03-15"]),
        "Lignes": [3, 4, 5],
    })


@pytest.fixture
def written(tmp_path: Path) -> openpyxl.Workbook:
    path = tmp_path / "rapport.xlsx"
    with _book(path) as book:
        sheet = book.sheet("Synthèse", notes=["Rectificatif : une correction."])
        sheet.table(_frame(), kinds={"Heures": "hours", "Taux": "percent"},
                    row_styles=["red", None, "orange"],
                    totals={"Code": "Total", "Heures": "sum",
                            "Taux": ("=SUBTOTAL(109,{Heures})/100", 12.445)}, freeze=True)
    return openpyxl.load_workbook(path)


def test_title_block_names_territory_period_and_generation_date(written: openpyxl.Workbook) -> None:
    ws = written["Synthèse"]
    assert [ws.cell(r, 1).value for r in range(1, 6)] == [
        "Rapport d'essai", "CA du Niortais", "Période : octobre 2025",
        "Édité le 11/11/2025 à 07:00", "Rectificatif : une correction."]


def test_table_has_header_filters_frozen_header_and_totals(written: openpyxl.Workbook) -> None:
    ws = written["Synthèse"]
    (table,) = ws.tables.values()
    assert table.ref == "A7:E11"  # header on row 7, three rows, totals row 11
    assert table.totalsRowCount == 1
    assert ws.freeze_panes == "A8"
    assert [c.value for c in ws[7]] == ["Code", "Heures", "Taux", "Début", "Lignes"]
    assert ws["A11"].value == "Total"
    assert ws["B11"].value == "=SUBTOTAL(109,B8:B10)"  # A1: LibreOffice reads it too
    assert ws["C11"].value == "=SUBTOTAL(109,B8:B10)/100"  # {Heures} placeholder replaced


@pytest.mark.parametrize(("cell", "value", "number_format"), [
    ("B8", 1234.5, '#,##0.00" h"'),
    ("C8", 0.45, "0 %"),
    ("D8", datetime(2025, 10, 1), "dd/mm/yyyy"),
    ("E8", 3, "#,##0"),
], ids=["hours", "percent", "date", "integer"])
def test_cells_carry_french_number_formats(written: openpyxl.Workbook, cell: str, value: object,
                                           number_format: str) -> None:
    ws = written["Synthèse"]
    assert ws[cell].value == value
    assert ws[cell].number_format == number_format


@pytest.mark.parametrize("cell", ["B9", "C9", "D9"], ids=["nan", "inf", "nat"])
def test_missing_values_are_written_blank(written: openpyxl.Workbook, cell: str) -> None:
    assert written["Synthèse"][cell].value is None


def test_row_styles_fill_whole_rows(written: openpyxl.Workbook) -> None:
    ws = written["Synthèse"]
    assert {ws.cell(8, c).fill.fgColor.rgb for c in range(1, 6)} == {"FFFFC7CE"}
    assert {ws.cell(10, c).fill.fgColor.rgb for c in range(1, 6)} == {"FFFCD5B4"}
    assert ws["A9"].fill.fill_type is None


def test_totals_keep_their_computed_value(tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    with _book(path) as book:
        book.sheet("S").table(_frame(), totals={"Code": "Total", "Lignes": "sum",
                                                "Taux": ("=1+1", 2.0)})
    ws = openpyxl.load_workbook(path, data_only=True)["S"]
    assert ws["C10"].value == 2.0  # a custom total keeps the value given
    assert ws["E10"].value == 3 + 4 + 5  # sums are cached: LibreOffice shows them as written


def test_page_is_a4_landscape_fit_to_width_with_repeated_header(written: openpyxl.Workbook) -> None:
    ws = written["Synthèse"]
    assert ws.page_setup.orientation == "landscape"
    assert int(ws.page_setup.paperSize) == 9
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.page_setup.fitToWidth in (None, 1)  # 1 is the default, left implicit
    assert ws.page_setup.fitToHeight == 0
    assert ws.print_title_rows == "$7:$7"


def test_columns_are_as_wide_as_their_content(tmp_path: Path) -> None:
    path = tmp_path / "w.xlsx"
    with _book(path) as book:
        book.sheet("S").table(pd.DataFrame({"A": ["x" * 30], "B": ["y" * 200]}))
    ws = openpyxl.load_workbook(path)["S"]
    assert 30 < ws.column_dimensions["A"].width < 40
    assert ws.column_dimensions["B"].width <= 61  # long text wraps instead
    assert ws["B7"].alignment.wrap_text


def test_text_starting_with_equals_stays_text(tmp_path: Path) -> None:
    path = tmp_path / "f.xlsx"
    with _book(path) as book:
        book.sheet("S").table(pd.DataFrame({"Nom": ["=HYPERLINK(\"http://x\")"]}))
    cell = openpyxl.load_workbook(path)["S"]["A7"]
    assert cell.data_type == "s"


def test_duplicate_and_empty_headers_get_distinct_names(tmp_path: Path) -> None:
    path = tmp_path / "h.xlsx"
    frame = pd.DataFrame([[1, 2, 3]], columns=["Nom", "nom", ""])
    with _book(path) as book:
        book.sheet("S").table(frame)
    ws = openpyxl.load_workbook(path)["S"]
    assert [c.value for c in ws[6]] == ["Nom", "nom (2)", "Colonne 3"]


def test_chart_is_a_native_excel_chart(tmp_path: Path) -> None:
    path = tmp_path / "c.xlsx"
    frame = pd.DataFrame({"Mois": ["2025-09", "2025-10"], "Cumul": [10.0, 25.0],
                          "Objectif": [100.0, 100.0]})
    with _book(path) as book:
        sheet = book.sheet("Évolution")
        table = sheet.table(frame)
        sheet.chart(table, categories="Mois", series=[("Cumul", "column"),
                                                      ("Objectif", "line")], title="Cumul")
    with zipfile.ZipFile(path) as archive:
        chart = archive.read("xl/charts/chart1.xml").decode()
    assert "<c:barChart>" in chart and "<c:lineChart>" in chart
    assert "Évolution!$B$7:$B$8" in chart


def test_failed_write_keeps_previous_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    path = tmp_path / "r.xlsx"
    path.write_bytes(b"previous")
    with pytest.raises(RuntimeError), _book(path) as book:
        book.sheet("S").table(_frame())
        raise RuntimeError("crash while building")
    assert path.read_bytes() == b"previous"
    assert [p.name for p in tmp_path.iterdir()] == ["r.xlsx"]


def test_same_content_gives_same_bytes(tmp_path: Path) -> None:
    paths = [tmp_path / "a.xlsx", tmp_path / "b.xlsx"]
    for path in paths:
        with _book(path) as book:
            book.sheet("S").table(_frame())
    assert paths[0].read_bytes() == paths[1].read_bytes()


def test_empty_frame_still_writes_a_valid_table(tmp_path: Path) -> None:
    path = tmp_path / "e.xlsx"
    with _book(path) as book:
        book.sheet("S").table(pd.DataFrame({"Code": pd.Series([], dtype=str)}))
    ws = openpyxl.load_workbook(path)["S"]
    assert ws["A6"].value == "Code"
    assert len(ws.tables) == 1


def test_markup_characters_in_headers_and_rows_survive_the_xml(tmp_path: Path) -> None:
    path = tmp_path / "x.xlsx"
    frame = pd.DataFrame({'Heures "R&D" <brutes>': [1.5], "Nom": ["Dupont & Fils <SARL>"]})
    with _book(path) as book:
        sheet = book.sheet("S")
        sheet.table(frame, totals={"Nom": "Total & reste", 'Heures "R&D" <brutes>': "sum"})
        sheet.ws.set_row(sheet.row, 22.5)  # a float attribute, written as is
    ws = openpyxl.load_workbook(path)["S"]
    assert [c.value for c in ws[6]] == ['Heures "R&D" <brutes>', "Nom"]
    assert ws["B7"].value == "Dupont & Fils <SARL>"
    assert ws["B8"].value == "Total & reste"
    assert ws.row_dimensions[sheet.row + 1].height == 22.5
