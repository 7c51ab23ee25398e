"""The direct cell paths of clauses/reports/xlsx.py write the very bytes xlsxwriter writes.

Each workbook is written twice, once by stock xlsxwriter one cell at a time (`_write_string`
for a text, as reports always wrote them: an empty text stays an empty text, not a blank;
`write` for anything else), once through `FastWorkbook`/`FastWorksheet` and
`write_formatted_column`; the two files must be identical byte for byte (same creation date,
so the archives are deterministic)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter
from hypothesis import given, settings
from hypothesis import strategies as st

from clauses.reports.xlsx import FastWorkbook, FastWorksheet

CREATED = datetime(2026, 11, 9, 7, 0)
OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False, "in_memory": True,
           "remove_timezone": True}

# Texts that each take a different path in xlsxwriter: XML escapes, Excel's _xHHHH_ escape of
# control characters and of text that looks like one, spaces kept at either end, the "<r>"
# rich-string shortcut, characters beyond the BMP, and a text over Excel's 32 767 limit.
AWKWARD_TEXTS = [
    "Ordinaire", "", " espace devant", "espace derrière ", "\ttab", "fin\n", "a & b", "<b>",
    "x > y", 'guillemets "doubles"', "_x0041_", "sous_tiret", "contrôle\x01ici", "\x1f",
    "<r>riche</r>", "émoji 😀 ok", "ligne\nsuivante", "\ufffe", "a\uffffb", "=SOMME(A1)",
    "https://exemple.fr", "x" * 40_000, "é" * 16_384,
]
VALUES: list[Any] = [*AWKWARD_TEXTS, None, 0, -1, 3.5, 1e-9, 123456789.123, True,
                     datetime(2026, 10, 31, 14, 30), date(2026, 10, 1)]


def _write(path: Path, fast: bool, columns: list[list[Any]], *, styled: bool = True,
           extras: bool = True) -> bytes:
    book = (FastWorkbook if fast else xlsxwriter.Workbook)(str(path), OPTIONS)
    book.set_properties({"created": CREATED})
    sheet = book.add_worksheet("Feuille", worksheet_class=FastWorksheet if fast else None)
    plain = book.add_format({"valign": "top", "bottom": 1})
    red = book.add_format({"bg_color": "#FFC7CE"})
    dates = book.add_format({"num_format": "dd/mm/yyyy"})
    sheet.write(0, 0, "Titre", book.add_format({"bold": True}))
    sheet.write(1, 0, "sans format")  # unformatted cells take xlsxwriter's own path
    sheet.write(1, 1, 42)
    for col, values in enumerate(columns):
        formats = [(red if styled and row % 3 == 0 else
                    dates if isinstance(value, date) else plain)
                   for row, value in enumerate(values)]
        if fast:
            sheet.write_formatted_column(3, col, values, formats)
        else:
            for row, (value, fmt) in enumerate(zip(values, formats, strict=True), start=3):
                if value.__class__ is str:
                    sheet._write_string(row, col, value, fmt)
                else:
                    sheet.write(row, col, value, fmt)
    if extras:
        bottom = 3 + max((len(v) for v in columns), default=0)
        sheet.set_row(bottom + 2, 30)  # a row with a height and no cell
        sheet.set_row(4, 45)
        sheet.write_formula(bottom + 3, 0, "=1+1", plain, 2)
        sheet.merge_range(bottom + 4, 0, bottom + 4, 3, "fusion & co", plain)
        sheet.write_boolean(bottom + 5, 0, False, plain)
        sheet.set_column(0, 0, 30)
    book.close()
    return path.read_bytes()


def _same(tmp_path: Path, columns: list[list[Any]], **kwargs: Any) -> None:
    stock = _write(tmp_path / "stock.xlsx", False, columns, **kwargs)
    fast = _write(tmp_path / "fast.xlsx", True, columns, **kwargs)
    assert fast == stock


def test_every_kind_of_cell_and_text_gives_the_same_bytes(tmp_path: Path) -> None:
    _same(tmp_path, [VALUES, list(reversed(VALUES)), AWKWARD_TEXTS * 3])


@pytest.mark.parametrize("styled", [True, False])
def test_a_report_like_table_gives_the_same_bytes(tmp_path: Path, styled: bool) -> None:
    lines = 500
    columns = [[f"P{i:06d}" for i in range(lines)], [float(i % 70) / 2 for i in range(lines)],
               [datetime(2026, 10, 1 + i % 28) for i in range(lines)],
               ["Rejetée" if i % 7 == 0 else None for i in range(lines)]]
    _same(tmp_path, columns, styled=styled)


def test_a_comment_or_an_empty_sheet_falls_back_to_xlsxwriter(tmp_path: Path) -> None:
    _same(tmp_path, [], extras=False)
    for fast in (False, True):  # a comment switches the row loop back to xlsxwriter's
        book = (FastWorkbook if fast else xlsxwriter.Workbook)(
            str(tmp_path / f"{fast}.xlsx"), OPTIONS)
        book.set_properties({"created": CREATED})
        sheet = book.add_worksheet(worksheet_class=FastWorksheet if fast else None)
        sheet.write(0, 0, "x & y", book.add_format({"bold": True}))
        sheet.write_comment(2, 2, "une note")
        book.close()
    assert (tmp_path / "True.xlsx").read_bytes() == (tmp_path / "False.xlsx").read_bytes()


@settings(max_examples=40, deadline=None)
@given(st.lists(st.one_of(st.text(max_size=30), st.none(),
                          st.floats(allow_nan=False, allow_infinity=False),
                          st.integers(min_value=-10**15, max_value=10**15)),
                min_size=1, max_size=40))
def test_any_text_or_number_gives_the_same_bytes(tmp_path_factory: pytest.TempPathFactory,
                                                 values: list[Any]) -> None:
    _same(tmp_path_factory.mktemp("cells"), [values], extras=False)
