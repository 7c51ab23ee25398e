"""xlsxwriter with its slowest per-cell paths written straight: the same bytes, faster.

A control report is written for every file received (SPEC §6) and half of a file's check was
xlsxwriter turning cells into XML. Every cell a report writes is a shared string, a number or
a blank with a format, and most texts need no escaping: those take a direct path here, anything
else goes through xlsxwriter's own code. `tests/test_xlsx_fast.py` writes the same workbooks
with and without these paths and compares them byte for byte, for every kind of cell and text.
"""

from __future__ import annotations

import re
from typing import Any

from xlsxwriter.packager import Packager
from xlsxwriter.sharedstrings import SharedStrings
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import (
    CellBlankTuple,
    CellDatetimeTuple,
    CellNumberTuple,
    CellStringTuple,
    Worksheet,
)

__all__ = ["FastWorkbook", "FastWorksheet"]

# A text with none of these, and no space at either end, is written as it is: no XML escape
# (&, <, >), no control-character or "_x0000_" escape, no xml:space="preserve".
_NEEDS_CARE = re.compile("[&<>_\x00-\x1f\ufffe\uffff]")


class FastWorksheet(Worksheet):
    """A worksheet whose formatted strings, numbers and blanks skip the generic cell writer
    (a list of attributes, each escaped, and a switch on the cell type's name), and whose
    numeric attributes skip the escape (a caught TypeError each)."""

    def _escape_attributes(self, attribute: Any) -> Any:
        if attribute.__class__ is int or attribute.__class__ is float:
            return attribute
        return super()._escape_attributes(attribute)

    def _write_cell(self, row: int, col: int, cell: Any) -> None:
        xml = None if self.constant_memory else _cell_xml(xl_col_to_name(col), row + 1, cell)
        if xml is None:
            super()._write_cell(row, col, cell)
        else:
            self.fh.write(xml)

    def _write_rows(self) -> None:
        """xlsxwriter's row loop, each formatted string, number or blank written inline."""
        if self.comments or self.constant_memory:
            super()._write_rows()
            return
        self._calculate_spans()
        write, table, row_info, spans = self.fh.write, self.table, self.row_info, self.row_spans
        columns = [(col, xl_col_to_name(col))
                   for col in range(self.dim_colmin, self.dim_colmax + 1)]
        for row in range(self.dim_rowmin, self.dim_rowmax + 1):
            cells = table[row]
            if not cells:
                if row in row_info:  # a row with a height or format but no cell
                    self._write_empty_row(row, spans.get(row // 16), row_info[row])
                continue
            self._write_row(row, spans.get(row // 16), row_info.get(row))
            number = row + 1
            for col, letters in columns:
                cell = cells.get(col)
                if cell is None:
                    continue
                xml = _cell_xml(letters, number, cell)
                if xml is None:
                    super()._write_cell(row, col, cell)
                else:
                    write(xml)
            write("</row>")

    def write_formatted_column(self, first: int, col: int, values: list[Any],
                               formats: list[Any]) -> None:
        """`values` down column `col` from row `first`, each with its (non-None) format: as
        `write()` would store them, strings without its per-cell checks."""
        last = first + len(values) - 1
        rows = range(first, last + 1)
        if (not values or self.constant_memory or self._check_dimensions(first, col)
                or self._check_dimensions(last, col)):
            for row, value, fmt in zip(rows, values, formats, strict=True):
                if value.__class__ is str:
                    self._write_string(row, col, value, fmt)
                else:
                    self._write(row, col, value, fmt)
            return
        table, strings, longest = self.table, self.str_table, self.xls_strmax // 2
        index = strings.string_table
        for row, value, fmt in zip(rows, values, formats, strict=True):
            if value.__class__ is not str:
                self._write(row, col, value, fmt)  # None is a formatted blank
            elif len(value) > longest:  # may need truncating to Excel's limit
                self._write_string(row, col, value, fmt)
            else:  # SharedStringTable._get_shared_string_index, inline
                found = index.get(value)
                if found is None:
                    found = index[value] = strings.unique_count
                    strings.unique_count += 1
                strings.count += 1
                table[row][col] = CellStringTuple(found, fmt)


def _cell_xml(letters: str, number: int, cell: Any) -> str | None:
    """A formatted shared string, number or blank as xlsxwriter writes it; None otherwise."""
    kind, fmt = cell.__class__, cell.format
    if fmt is None:
        return None
    if kind is CellStringTuple:
        return f'<c r="{letters}{number}" s="{fmt._get_xf_index()}" t="s"><v>{cell.string}</v></c>'
    if kind is CellNumberTuple or kind is CellDatetimeTuple:
        return f'<c r="{letters}{number}" s="{fmt._get_xf_index()}"><v>{cell.number:.16G}</v></c>'
    if kind is CellBlankTuple:
        return f'<c r="{letters}{number}" s="{fmt._get_xf_index()}"/>'
    return None


class _SharedStrings(SharedStrings):
    def _write_sst_strings(self) -> None:
        write, careful = self.fh.write, self._write_si
        for string in self.string_table.string_array:
            if (_NEEDS_CARE.search(string) is None and string
                    and not string[0].isspace() and not string[-1].isspace()):
                write(f"<si><t>{string}</t></si>")
            else:
                careful(string)


class _Packager(Packager):
    def _write_shared_strings_file(self) -> None:
        table = self.workbook.str_table
        if not table.count:
            return
        sst = _SharedStrings()
        sst.string_table = table
        sst._set_xml_writer(self._filename("xl/sharedStrings.xml"))
        sst._assemble_xml_file()


class FastWorkbook(Workbook):
    """A workbook whose shared strings are written through the direct path."""

    def _get_packager(self) -> Packager:
        return _Packager()
