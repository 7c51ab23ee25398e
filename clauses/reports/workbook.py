"""The one workbook builder every report uses (STYLE §8): title block, Excel tables, French number
and date formats, widths, frozen header, A4 landscape print set-up, atomic write.

Report modules only say what their sheets hold; this module says how a sheet looks. API (stable,
used by control, monthly, semester and annual reports)::

    with ReportWorkbook(path, territory="CA du Niortais", title="Suivi des dépôts",
                        period="Octobre 2025", generated_at=datetime(2025, 11, 11, 7)) as book:
        sheet = book.sheet("Synthèse", notes=["Rectificatif : …"])   # title block + notes on top
        table = sheet.table(frame,                       # one native Excel table, filters, style
                            kinds={"Heures": "hours", "Taux": "percent"},  # else inferred
                            row_styles=["red", None, "orange"],   # one per row, or None
                            totals={"Code": "Total", "Heures": "sum",
                                    "Taux": ("=SUBTOTAL(109,{A})/SUBTOTAL(109,{B})", 0.45)},
                            freeze=True,                # freeze panes + repeat header when printed
                            min_widths={"Commentaire": 40})    # room to write by hand
        # totals: "sum"/"count" → SUBTOTAL over the column's A1 range, value cached; a label; or
        # (formula, cached value) where {Column} stands for that column's A1 data range.
        sheet.heading("Par motif"); sheet.pairs([("Fichier", "x.xlsx"), ("Heures", 7.5, "hours")])
        sheet.paragraph("Une phrase longue, renvoyée à la ligne.")
        sheet.chart(table, categories="Mois", series=[("Heures cumulées", "column"),
                                                       ("Objectif", "line")], title="…")
    # `path` appears only when the block ends without error (temp file in the same folder, then
    # os.replace), so a reader of outbox/ never sees half a workbook (STYLE, "Outputs written…").

Lower level, for what a report needs beyond this: `sheet.row` (next free row, zero-based),
`sheet.ws` (the xlsxwriter worksheet), `book.fmt(kind, style, **xlsxwriter_props)` (cached
format), `sheet.widen(col, width)` (a column at least this wide), `TableRange` (where a table is).

Period labels ("octobre 2025") come from `clauses.periods` (`month_label`, `period_label`).

Column kinds: "text", "wrap", "hours" (1 234,50 h), "percent" (45 %), "date" (31/10/2025),
"integer" (1 234), "number" (1 234,50), "row" (a row number, centred). Missing values (None,
NaN, NaT, inf, "") are written blank.
Number formats use Excel's invariant codes; Excel and LibreOffice show them with French separators.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from xlsxwriter.exceptions import FileCreateError
from xlsxwriter.utility import xl_range
from xlsxwriter.worksheet import Worksheet

from clauses.atomic import commit, temporary_beside
from clauses.clock import to_utc
from clauses.errors import WorkspaceError
from clauses.hours import sum_hours
from clauses.reports.formatting import (
    CHART_FONT,
    FINGERPRINT_PROPERTY,
    HEADER_FILL,
    MAX_WIDTH,
    NUMBER_FORMATS,
    PRINTED_HEIGHT,
    ROW_STYLES,
    TABLE_STYLE,
    fit_widths,
    header_width,
    infer_kind,
    is_missing,
    line_count,
    print_scale,
    python_values,
    text_width,
    unique_headers,
)
from clauses.reports.xlsx import FastWorkbook, FastWorksheet

__all__ = ["NUMBER_FORMATS", "ROW_STYLES", "ReportWorkbook", "Sheet", "TableRange", "Total"]

Total = str | tuple[str, float]
_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")


@dataclass(frozen=True)
class TableRange:
    """Where a table landed, for charts and for tests: zero-based rows, columns by header."""

    sheet: str
    header_row: int
    first_row: int
    last_row: int
    columns: dict[str, int]


def _unwritable(path: Path, error: Exception) -> WorkspaceError:
    """A read-only or full outbox stops the run with a sentence (SPEC §11), not a traceback."""
    cause = getattr(error, "strerror", None) or getattr(error.__context__, "strerror", None)
    return WorkspaceError(
        f"Impossible d'écrire {path.name} dans {path.parent}"
        f"{f' ({cause})' if cause else ''} : vérifiez que ce dossier existe et qu'il est "
        "accessible en écriture.")


class ReportWorkbook:
    """A report being written; use as a context manager (see module docstring)."""

    def __init__(self, path: Path | str, *, territory: str, title: str, period: str,
                 generated_at: datetime, fingerprint: bool = True) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise _unwritable(self.path, exc) from exc
        self.territory, self.title, self.period = territory, title, period
        self.generated_at = generated_at
        # Hidden, same folder (so the rename is atomic), unique per writer, normal permissions.
        self._temp = temporary_beside(self.path)
        # Structures' own text must never become a formula or a link (formula injection).
        # Excel cells hold no time zone: an aware time (clauses/clock.py) is written as the
        # wall-clock time of its own zone, the workspace's.
        self.book = FastWorkbook(self._temp, {
            "strings_to_formulas": False, "strings_to_urls": False, "in_memory": True,
            "remove_timezone": True})
        # A fixed creation date keeps the file identical for the same ledger and period; the
        # file format wants it in UTC.
        self.book.set_properties({"title": title, "company": territory,
                                  "created": to_utc(generated_at).replace(tzinfo=None)})
        self._formats: dict[tuple[str, str | None], Any] = {}
        self._sheets: list[Sheet] = []
        # What the report says, without its edition stamp and notes: two runs over the same
        # ledger give the same fingerprint, so no new edition is made (clauses.reports.editions).
        self._content = hashlib.sha256() if fingerprint else None

    def remember(self, *parts: Any) -> None:
        """Add what a block shows to the content fingerprint."""
        if self._content is not None:
            self._content.update(repr(parts).encode())

    def fmt(self, kind: str = "text", style: str | None = None, **extra: Any) -> Any:
        """A cached cell format: a column kind, an optional row style, optional extras."""
        key = (kind, style) if not extra else (kind, f"{style}|{sorted(extra.items())}")
        if key not in self._formats:
            props: dict[str, Any] = {"valign": "top", **ROW_STYLES.get(style or "", {})}
            # Light rules between rows, so printed tables stay readable without table styles.
            props.update(extra or {"bottom": 1, "bottom_color": "#D9D9D9"})
            if NUMBER_FORMATS.get(kind):
                props["num_format"] = NUMBER_FORMATS[kind]
            if kind == "wrap":
                props["text_wrap"] = True
            if kind == "row":
                props["align"] = "center"
            if kind in ("text", "wrap") and not extra:
                props["indent"] = 1  # keeps text off a right-aligned number just before it
            self._formats[key] = self.book.add_format(props)
        return self._formats[key]

    def sheet(self, name: str, *, notes: Sequence[str] = ()) -> Sheet:
        """A new sheet with the title block (territory, title, period, generation date) on top."""
        sheet = Sheet(self, self.book.add_worksheet(name, worksheet_class=FastWorksheet), name)
        self.remember("sheet", name)
        sheet.title_block(notes)
        self._sheets.append(sheet)
        return sheet

    def close(self) -> Path:
        """Write the workbook to its temporary file, then rename it onto `path` atomically."""
        for sheet in self._sheets:
            sheet.finish()
        if self._content is not None:
            self.book.set_custom_property(FINGERPRINT_PROPERTY, self._content.hexdigest())
        try:
            self.book.close()
            commit(self._temp, self.path)
        except (FileCreateError, OSError) as exc:
            raise _unwritable(self.path, exc) from exc
        finally:
            self._temp.unlink(missing_ok=True)
        return self.path

    def discard(self) -> None:
        self._temp.unlink(missing_ok=True)

    def __enter__(self) -> ReportWorkbook:
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is None:
            self.close()
        else:
            self.discard()


class Sheet:
    """One worksheet; blocks (pairs, tables, charts) are written downwards from a cursor."""

    def __init__(self, book: ReportWorkbook, worksheet: Worksheet, name: str) -> None:
        self.book, self.ws, self.name = book, worksheet, name
        self.row = 0
        self._widths: dict[int, int] = {}
        self._last_col = 0
        self._beside = 0  # width in pixels of a chart beside a table (widens the printed page)
        self._notes: list[tuple[int, str]] = []  # (row, text): wrapped to the page at the end
        self._blocks: list[tuple[int, float]] = []  # (first row, height in points): one page

    def title_block(self, notes: Sequence[str]) -> None:
        book = self.book
        self.ws.write_string(0, 0, book.title, book.fmt("text", None, bold=True, font_size=14))
        self.ws.write_string(1, 0, book.territory, book.fmt("text", None, bold=True))
        self.ws.write_string(2, 0, f"Période : {book.period}")
        # In the workspace's zone: the run's clock is (clauses/clock.py).
        stamp = book.generated_at.strftime("%d/%m/%Y à %H:%M")
        self.ws.write_string(3, 0, f"Édité le {stamp}", book.fmt("text", None, italic=True))
        self.row = 4
        for note in notes:
            self.ws.write_string(self.row, 0, note, book.fmt("text", None, font_color="#C00000"))
            self._notes.append((self.row, note))
            self.row += 1
        self.row += 1

    def widen(self, col: int, width: int) -> None:
        """Make column `col` at least `width` characters wide (applied when the book closes)."""
        self._widths[col] = max(self._widths.get(col, 0), width)
        self._last_col = max(self._last_col, col)

    _widen = widen  # early name, still used by semester.py

    def heading(self, text: str) -> None:
        self.book.remember("heading", text)
        self.ws.write_string(self.row, 0, text, self.book.fmt("text", None, bold=True,
                                                              font_size=12))
        self.row += 1

    def paragraph(self, text: str, *, columns: int = 6) -> None:
        """A long sentence wrapped over `columns` merged cells (row height estimated)."""
        self.book.remember("paragraph", text)
        fmt = self.book.fmt("wrap", None, text_wrap=True)  # no row rule under a sentence
        self.ws.merge_range(self.row, 0, self.row, columns - 1, text, fmt)
        self.ws.set_row(self.row, 15 * max(1, math.ceil(len(text) / 95)))
        self.row += 2

    def pairs(self, rows: Sequence[tuple[Any, ...]]) -> None:
        """Label / value lines: (label, value) or (label, value, kind)."""
        bold = self.book.fmt("text", None, bold=True)
        self.book.remember("pairs", [tuple(map(str, row)) for row in rows])
        for label, value, *kind in rows:
            kind_name = kind[0] if kind else ("date" if isinstance(value, date) else "text")
            self.ws.write_string(self.row, 0, str(label), bold)
            width = text_width([value], kind_name)
            if width > MAX_WIDTH:  # a long sentence wraps in its cell instead of widening the page
                kind_name, width = "wrap", MAX_WIDTH
                self.ws.set_row(self.row, 15 * line_count(value, MAX_WIDTH))
            if not is_missing(value):  # left-aligned: a value reads next to its label
                self.ws.write(self.row, 1, value, self.book.fmt(kind_name, None, align="left"))
            self.widen(0, len(str(label)))
            self.widen(1, width)
            self.row += 1
        self.row += 1

    def table(self, frame: pd.DataFrame, *, kinds: Mapping[str, str] | None = None,
              row_styles: Sequence[str | None] | None = None,
              totals: Mapping[str, Total] | None = None, freeze: bool = False,
              min_widths: Mapping[str, int] | None = None) -> TableRange:
        """Write `frame` as a native Excel table (header filters, banded style) at the cursor."""
        headers = unique_headers(frame.columns)
        columns = [series for _, series in frame.items()]
        col_kinds = [(kinds or {}).get(h) or infer_kind(s) for h, s in zip(headers, columns,
                                                                            strict=True)]
        values = [python_values(s) for s in columns]
        self.book.remember("table", headers, values, totals)
        top, first = self.row, self.row + 1
        last = first + max(len(frame), 1) - 1  # Excel tables need at least one data row
        widths = self._write_columns(first, headers, col_kinds, values, row_styles,
                                     min_widths or {})
        header_lines = max((line_count(h, w - 2) for h, w in zip(headers, widths, strict=True)),
                           default=1)
        if header_lines > 1:  # headers wrap rather than widen the page
            self.ws.set_row(top, 15 * header_lines)
        ranges = {h: xl_range(first, c, last, c) for c, h in enumerate(headers)}
        options = self._table_options(headers, col_kinds, values, ranges, totals or {})
        self.ws.add_table(top, 0, last + (1 if totals else 0), len(headers) - 1, options)
        if freeze:
            self.ws.freeze_panes(first, 0)
            self.ws.repeat_rows(top)
        self.row = last + (3 if totals else 2)
        return TableRange(self.name, top, first, last, {h: i for i, h in enumerate(headers)})

    def _write_columns(self, first: int, headers: list[str], kinds: list[str],
                       values: list[list[Any]], row_styles: Sequence[str | None] | None,
                       min_widths: Mapping[str, int]) -> list[int]:
        """Write every column; size it from its content, within the printed page's width
        (`fit_widths`); give wrapped rows their height."""
        lines = [1] * len(values[0]) if values else []
        wanted = []
        for col, (header, cells) in enumerate(zip(headers, values, strict=True)):
            content = text_width(cells, kinds[col]) + 2
            width = max(header_width(header, content), min_widths.get(header, 0))
            wanted.append(min(width, max(MAX_WIDTH, min_widths.get(header, 0))))
        widths = fit_widths(wanted, kinds, self._widths)
        for col, (width, cells) in enumerate(zip(widths, values, strict=True)):
            if kinds[col] == "text" and width < text_width(cells, "text") + 2:
                kinds[col] = "wrap"
            self.widen(col, width)
            self._write_column(first, col, cells, kinds[col], row_styles)
            if kinds[col] == "wrap":
                lines = [max(n, line_count(v, width)) for n, v in zip(lines, cells, strict=True)]
        # LibreOffice does not grow rows for wrapped text on opening: give them their height.
        for i, n in enumerate(lines):
            if n > 1:
                self.ws.set_row(first + i, 15 * n)
        return widths

    def _write_column(self, first: int, col: int, cells: list[Any], kind: str,
                      row_styles: Sequence[str | None] | None) -> None:
        # Formats resolved once per column and style, not once per cell; a whole column at once
        # (clauses/reports/xlsx.py).
        plain = self.book.fmt(kind)
        if row_styles:
            styled = {s: self.book.fmt(kind, s) for s in set(row_styles) if s}
            formats = [styled.get(s, plain) if s else plain for s in row_styles]
        else:
            formats = [plain] * len(cells)
        self.ws.write_formatted_column(first, col, cells, formats)

    def _table_options(self, headers: list[str], kinds: list[str], values: list[list[Any]],
                       ranges: dict[str, str], totals: Mapping[str, Total]) -> dict[str, Any]:
        header_fmt = self.book.fmt("wrap", None, bold=True, bg_color=HEADER_FILL,
                                   font_color="#FFFFFF")
        columns = []
        for header, kind, cells in zip(headers, kinds, values, strict=True):
            column: dict[str, Any] = {"header": header, "header_format": header_fmt,
                                      "format": self.book.fmt(kind)}
            total = totals.get(header)
            if isinstance(total, tuple):
                formula = _PLACEHOLDER.sub(lambda m: ranges.get(m[1], m[0]), total[0])
                column.update(total_function=formula, total_value=total[1])
            elif total in ("sum", "count"):
                # A1 ranges, not Excel's unqualified [Column] (LibreOffice shows Err:508); the
                # value is cached too, for readers that do not recalculate.
                numbers = [v for v in cells if isinstance(v, int | float)]
                code, cached = (109, sum(numbers)) if total == "sum" else (
                    103, len([v for v in cells if v is not None]))
                if kind == "hours":  # exact to the hundredth, as every hour (clauses/hours.py)
                    cached = sum_hours(np.asarray(numbers, dtype=float))
                column.update(total_function=f"=SUBTOTAL({code},{ranges[header]})",
                              total_value=cached)
            elif total:
                column["total_string"] = total
            columns.append(column)
        return {"columns": columns, "style": TABLE_STYLE, "total_row": bool(totals)}

    def chart(self, table: TableRange, *, categories: str, series: Sequence[tuple[str, str]],
              title: str, y_format: str = "hours", size: tuple[int, int] = (760, 340),
              beside: bool = False) -> None:
        """A native chart of table columns; the first series type is the base, others combined.
        Below the cursor, or `beside` the table (on its right, from its header row): a long table
        then keeps its chart on its first printed page instead of splitting it."""
        charts: dict[str, Any] = {}
        cat = table.columns[categories]
        for name, chart_type in series:
            if chart_type not in charts:
                charts[chart_type] = self.book.book.add_chart({"type": chart_type})
            col = table.columns[name]
            charts[chart_type].add_series({
                "name": [self.name, table.header_row, col],
                "categories": [self.name, table.first_row, cat, table.last_row, cat],
                "values": [self.name, table.first_row, col, table.last_row, col],
                "marker": {"type": "none"} if chart_type == "line" else None,
            })
        base, *others = charts.values()
        for other in others:
            base.combine(other)
        base.set_title({"name": title, "name_font": {"size": 12}})
        axis_format = NUMBER_FORMATS[y_format] or "General"
        # Explicit size: LibreOffice otherwise draws axis labels at 9 pt, under 7 pt at print.
        font = {"size": CHART_FONT}
        base.set_x_axis({"num_font": font})
        base.set_y_axis({"num_format": axis_format.replace(".00", ""), "min": 0,
                         "num_font": font})
        base.set_legend({"position": "bottom", "font": font})
        base.set_size({"width": size[0], "height": size[1]})
        rows = math.ceil(size[1] / 20) + 2
        if beside:
            self.ws.insert_chart(table.header_row, len(table.columns) + 1, base)
            self.widen(len(table.columns), 2)
            self._beside = max(self._beside, size[0])
            self.row = max(self.row, table.header_row + rows)
        else:
            self._blocks.append((self.row, size[1] * 0.75))
            self.ws.insert_chart(self.row, 0, base)
            self.row += rows

    def keep_together(self, first_row: int, last_row: int) -> None:
        """Rows a page break must not cut (a small table without a repeated header)."""
        self._blocks.append((first_row, sum(self._height(r) for r in range(first_row,
                                                                              last_row + 1))))

    def _height(self, row: int) -> float:
        """A row's height in points (15 unless set)."""
        found = self.ws.row_sizes.get(row)  # what set_row gave, in points
        return float(found[0]) if found and found[0] is not None else 15.0

    def finish(self) -> None:
        """Column widths from content, notes wrapped to the page, page breaks before a chart
        or small table a page would cut, A4 landscape fit to one page wide, footer."""
        widths = {col: max(width, 6) for col, width in self._widths.items()}
        for col, width in widths.items():
            self.ws.set_column(col, col, width)
        page = [widths.get(c, 8.43) for c in range(self._last_col + 1)]
        self._wrap_notes(page)
        self._break_pages(print_scale(page, self._beside))
        self.ws.set_landscape()
        self.ws.set_paper(9)  # A4
        self.ws.fit_to_pages(1, 0)
        self.ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.6)
        title = self.book.title.replace("&", "&&")[:120]
        self.ws.set_footer(f"&L{title}&RPage &P / &N")

    def _wrap_notes(self, page: list[float]) -> None:
        """A note longer than the table's width is wrapped over the whole width (an overflowing
        line would be cut at the printed page's edge or widen it)."""
        wide = sum(page)
        fmt = self.book.fmt("wrap", None, text_wrap=True, font_color="#C00000")
        for row, note in self._notes:
            if len(note) <= wide or len(page) < 2:
                continue
            self.ws.merge_range(row, 0, row, len(page) - 1, note, fmt)
            self.ws.set_row(row, 15 * line_count(note, int(wide)))

    def _break_pages(self, scale: float) -> None:
        """Horizontal page breaks so that no chart (nor small table) is cut between pages."""
        if not self._blocks:
            return
        room = PRINTED_HEIGHT / scale  # points of rows on one page, at this sheet's scale
        breaks, used, row = [], 0.0, 0
        for first, height in sorted(self._blocks):
            while row < first:
                used += self._height(row)
                row += 1
                if used > room:  # the page broke on its own, just before `row`
                    used = self._height(row - 1)
            if used + height > room and used > 0 and height <= room:
                breaks.append(first)
                used = 0.0
        if breaks:
            self.ws.set_h_pagebreaks(breaks)


def sum_totals(sheet: Sheet, frame: pd.DataFrame, label_column: str,
               columns: Sequence[str]) -> dict[str, Total]:
    """A total row for the table about to be written at the sheet's cursor: SUBTOTAL over A1
    ranges (filter-aware), with the value cached for readers that do not recalculate.

    Used instead of the table's own "sum" total, which writes Excel's unqualified structured
    reference `SUBTOTAL(109,[Heures])` that LibreOffice shows as Err:508."""
    first, last = sheet.row + 1, sheet.row + max(len(frame), 1)  # header row, then the data
    totals: dict[str, Total] = {label_column: "Total"}
    for column in columns:
        col = list(frame.columns).index(column)
        totals[column] = (f"=SUBTOTAL(109,{xl_range(first, col, last, col)})",
                          float(frame[column].sum()))
    return totals
