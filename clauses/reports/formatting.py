"""Cell values and sizes for the workbook builder: French number formats, row highlights,
blanks for missing values, column widths and wrapped-line estimates. Pure functions, no I/O."""

from __future__ import annotations

import math
from collections.abc import Iterable
from numbers import Number
from typing import Any

import pandas as pd

NUMBER_FORMATS: dict[str, str | None] = {
    "text": None,
    "wrap": None,
    "hours": '#,##0.00" h"',
    "percent": "0 %",
    "date": "dd/mm/yyyy",
    "integer": "#,##0",
    "row": "0",  # a spreadsheet row number, centred
    "number": "#,##0.00",
}
# Row highlights (Excel's own "bad" red, an orange, "good" green) with a readable dark font.
ROW_STYLES: dict[str, dict[str, str]] = {
    "red": {"bg_color": "#FFC7CE", "font_color": "#9C0006"},
    "orange": {"bg_color": "#FCD5B4", "font_color": "#843C0C"},
    "green": {"bg_color": "#C6EFCE", "font_color": "#006100"},
}
# The workbook property holding a report's content fingerprint (clauses.reports.editions).
FINGERPRINT_PROPERTY = "Empreinte du contenu"
TABLE_STYLE = "Table Style Medium 2"
HEADER_FILL = "#1F4E78"  # explicit too: LibreOffice and PDF exports ignore Excel table styles
MAX_WIDTH = 60  # characters; longer text columns wrap instead of widening the page
# Printing (issue 16.1): A4 landscape, fit to one page wide, text never under 7 pt. Measured with
# LibreOffice: a sheet whose columns add up to W characters prints at 111 / W (each column counts
# 0.71 more than its width); 11 pt text stays ≥ 7 pt, and 10 pt chart text ≥ 7 pt, up to
# W ≈ 158. Tables are fitted to PAGE_WIDTH by wrapping their text columns.
PAGE_WIDTH = 150
CHART_FONT = 11  # points, like the cells: ≥ 7 at print within PAGE_WIDTH
PRINTED_WIDTH_FACTOR = 111.0
MIN_TEXT_WIDTH = 12  # a wrapped text column never gets narrower than this
PRINTED_HEIGHT = 595.3 - (0.5 + 0.6) * 72 - 30  # A4 landscape less margins and footer, points
# Printed width of a number column: its longest value as shown (« 10 100,00 h », « 100 % »),
# never less than these (a narrow column of small numbers still reads).
KIND_WIDTH = {"hours": 8, "percent": 5, "date": 10, "integer": 4, "number": 6, "row": 4}
_SHOWN = {"hours": "{:,.2f} h", "number": "{:,.2f}", "integer": "{:,.0f}", "row": "{:.0f}"}


def is_missing(value: Any) -> bool:
    if value is None or value is pd.NaT or value == "":
        return True
    return isinstance(value, float) and not math.isfinite(value)


def infer_kind(series: pd.Series) -> str:
    dtype = series.dtype  # the dtype, not the values: no per-value inference on text columns
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "date"
    if pd.api.types.is_bool_dtype(dtype):
        return "text"
    if pd.api.types.is_integer_dtype(dtype):
        return "integer"
    if pd.api.types.is_float_dtype(dtype):
        return "number"
    return "text"


def python_values(series: pd.Series) -> list[Any]:
    """Plain Python cells: blanks for missing, oui/non for booleans, no time zones."""
    # A loop over `tolist()`: for report-sized columns (hundreds of cells) it is several times
    # faster than pandas' vectorised isna/== masks, whose fixed cost dominates.
    values = series.tolist()
    if pd.api.types.is_bool_dtype(series.dtype):
        return [None if is_missing(v) else ("oui" if v else "non") for v in values]
    return [None if is_missing(v) else v for v in values]


def text_width(values: list[Any], kind: str) -> int:
    if kind in KIND_WIDTH:
        # numbers.Number has no __abs__ in the stubs; every number a cell holds has one.
        numbers: list[Any] = [abs(v) for v in values  # type: ignore[arg-type]
                              if isinstance(v, Number) and not isinstance(v, bool)]
        longest = max((v for v in numbers if math.isfinite(v)), default=0)
        shown = len(_SHOWN[kind].format(longest)) if kind in _SHOWN else 0
        return max(KIND_WIDTH[kind], shown)
    texts = [v if v.__class__ is str else str(v) for v in values if v is not None]
    if "\n" not in "".join(texts):  # the common case: each cell is one line
        return max(map(len, texts), default=0)
    return max(len(text.split("\n", 1)[0]) for text in texts)


def line_count(value: Any, width: int) -> int:
    if value is None:
        return 1
    # Proportional fonts fit about 1.25 characters per unit of Excel column width.
    per_line = max(width * 1.25 - 2, 1)
    return sum(max(1, math.ceil(len(part) / per_line)) for part in str(value).split("\n"))


def fit_widths(wanted: list[int], kinds: list[str], already: dict[int, int] | None = None,
               page: int = PAGE_WIDTH) -> list[int]:
    """Column widths whose sum fits the printed page: the widest text columns are narrowed
    (they wrap) until it fits or all are at MIN_TEXT_WIDTH. `already`: the widths other blocks
    of the sheet gave its columns (a sheet's column is the widest of them; columns beyond this
    table's count too)."""
    widths = list(wanted)
    already = already or {}
    others = [already.get(c, 0) for c in range(len(widths))]
    beyond = sum(w for c, w in already.items() if c >= len(widths))
    textual = [i for i, k in enumerate(kinds) if k in ("text", "wrap")]

    def total() -> int:
        return beyond + sum(max(w, o) for w, o in zip(widths, others, strict=True))

    while total() > page:
        narrowable = [i for i in textual if widths[i] > MIN_TEXT_WIDTH]
        if not narrowable:
            break
        widest = max(narrowable, key=lambda i: widths[i])
        second = max((widths[i] for i in narrowable if i != widest), default=MIN_TEXT_WIDTH)
        excess = total() - page
        widths[widest] = max(MIN_TEXT_WIDTH, second, widths[widest] - excess) \
            if widths[widest] > second else widths[widest] - 1
    return widths


def print_scale(widths: list[float], beside_px: int = 0) -> float:
    """The scale LibreOffice and Excel print a fit-to-width sheet at (see PAGE_WIDTH)."""
    total = sum(w + 0.71 for w in widths) + beside_px / 7
    return min(1.0, PRINTED_WIDTH_FACTOR / total) if total else 1.0


def header_width(header: str, content: int) -> int:
    """A header fits on one line when the content is about as wide; else it wraps on two lines
    (never narrower than its longest word): wide headers over narrow numbers shrink the page."""
    room = 2  # the filter button (on screen only)
    if len(header) + room <= max(content, 12):
        return max(len(header) + room, content)
    longest = max((len(word) for word in header.split()), default=0)
    return max(longest + room, math.ceil(len(header) / 2) + room, content)


def unique_headers(columns: Iterable[Any]) -> list[str]:
    """Excel tables need distinct, non-empty, case-insensitive header names."""
    seen: set[str] = set()
    headers = []
    for position, column in enumerate(columns, start=1):
        name = str(column).strip() or f"Colonne {position}"
        base, n = name, 2
        while name.lower() in seen:
            name, n = f"{base} ({n})", n + 1
        seen.add(name.lower())
        headers.append(name)
    return headers
