"""Sample files and small workbooks for the reading tests (formats, headers, reading,
registers). The committed files under tests/data are made by tests/data/make_fixtures.py."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from openpyxl import Workbook, load_workbook

DATA = Path(__file__).parent / "data"
SUBMISSIONS = DATA / "soumissions"
REGISTER = DATA / "registres" / "referentiel.xlsx"


def workbook(path: Path, sheets: dict[str, Iterable[Iterable[object]]]) -> Path:
    """Write a small workbook: sheet name → rows (from A1)."""
    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(list(row))
    book.save(path)
    return path


def edited_register(
    path: Path,
    cells: dict[tuple[str, str], object] | None = None,
    *,
    without_sheets: Iterable[str] = (),
    without_rows: dict[str, int] | None = None,
) -> Path:
    """A copy of the valid register with some cells changed (sheet, "B3") or sheets removed
    (sheet names as written in the workbook: "MARCHÉS", "Maitres d'ouvrage", "Decisions")."""
    book = load_workbook(REGISTER)
    for (sheet, cell), value in (cells or {}).items():
        book[sheet][cell] = value
    for sheet, first_row in (without_rows or {}).items():
        book[sheet].delete_rows(first_row, book[sheet].max_row)
    for sheet in without_sheets:
        book.remove(book[sheet])
    book.save(path)
    return path
