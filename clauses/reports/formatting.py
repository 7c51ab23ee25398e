"""Cell values and sizes for the workbook builder: French number formats, row highlights,
blanks for missing values, column widths and wrapped-line estimates. Pure functions, no I/O."""

from __future__ import annotations

import math
from collections.abc import Sequence
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
KIND_WIDTH = {"hours": 13, "percent": 7, "date": 11, "integer": 8, "number": 11, "row": 6}


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
        longest = max((abs(v) for v in values if isinstance(v, int | float)), default=0)
        digits = len(f"{longest:,.0f}") if kind != "date" else 0
        return KIND_WIDTH[kind] + max(0, digits - 4)
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


def header_width(header: str, content: int) -> int:
    """A header fits on one line when the content is about as wide; else it wraps on two lines
    (never narrower than its longest word): wide headers over narrow numbers shrink the page."""
    room = 3  # the filter button
    if len(header) + room <= max(content, 12):
        return max(len(header) + room, content)
    longest = max((len(word) for word in header.split()), default=0)
    return max(longest + room, math.ceil(len(header) / 2) + room, content)


def unique_headers(columns: Sequence[Any]) -> list[str]:
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
