"""How a column of spreadsheet cells is read against a table of notations (`notations.py`).

A column as read mixes text, numbers and Excel dates: it is first split by kind of cell (numpy,
one pass), then every distinct text is matched once against one regex compiling all the text
notations of a table; the numbers its named groups hold are assembled with numpy.
`map_distinct` and `by_distinct_value` do per-value work once per distinct value: a column
repeats a few names, codes and months many times.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import pandas as pd


class Parsed(NamedTuple):
    values: pd.Series
    unreadable: pd.Series  # bool, same index


@dataclass(frozen=True)
class Notation:
    """One way of writing a value; `regex` is matched on the whole folded cell text."""

    name: str
    regex: str | None  # None: a kind of spreadsheet cell (Excel date, number), not text
    accepts: Mapping[object, object]
    refuses: tuple[object, ...] = field(default=())


class Cells(NamedTuple):
    """A column as read, split by the kind of cell a spreadsheet gives (numpy arrays)."""

    present: np.ndarray  # bool: not empty (a blank text cell is empty)
    is_text: np.ndarray
    text: np.ndarray  # lower-case stripped text of the text cells (accents kept)
    is_number: np.ndarray
    number: np.ndarray  # float
    is_moment: np.ndarray
    moment: np.ndarray  # datetime64[us]
    is_duration: np.ndarray
    duration: np.ndarray  # hours of time-of-day and duration cells


# The kind of a cell as read (calamine through pandas, or a CSV's text), by its Python type.
_KINDS = {
    str: "text", int: "number", float: "number", np.int64: "number", np.float64: "number",
    dt.datetime: "moment", dt.date: "moment", pd.Timestamp: "moment",
    dt.time: "time", dt.timedelta: "delta", pd.Timedelta: "delta",
}


# A ufunc over the cells' Python types: the cheapest way to sort a mixed column or a whole grid
# by cell kind ("" for an empty cell or an unknown type).
kind_of = np.frompyfunc(lambda value: _KINDS.get(type(value), ""), 1, 1)


_strip_lower = np.frompyfunc(lambda text: text.strip().lower(), 1, 1)


def objects(values: pd.Series) -> np.ndarray:
    """A column as an object array of plain values, None where missing (what set and dict
    lookups take: NaN, NaT and pd.NA never equal themselves)."""
    # pandas-stubs does not list None among na_value's types; pandas documents it.
    return values.to_numpy(dtype=object, na_value=None)  # type: ignore[call-overload]


def none_where(mask: np.ndarray, values: np.ndarray) -> np.ndarray:
    """`values` as an object array with None where `mask` is True."""
    # numpy's stubs do not take None as np.where's scalar; numpy does (object result).
    return np.where(mask, None, values)  # type: ignore[call-overload]


def split_cells(values: pd.Series | np.ndarray) -> Cells:
    cells = values.to_numpy(dtype=object) if isinstance(values, pd.Series) else values
    kind = kind_of(cells) if len(cells) else np.array([], dtype=object)
    is_text = kind == "text"
    text = _strip_lower(cells[is_text]) if is_text.any() else np.array([], dtype=object)
    present = ~pd.isna(cells)
    present[is_text] = text != ""
    is_number = kind == "number"
    is_moment = kind == "moment"
    is_time = kind == "time"
    is_delta = kind == "delta"
    duration = np.full(len(cells), np.nan)
    if is_time.any():
        duration[is_time] = [t.hour + t.minute / 60 + t.second / 3600 for t in cells[is_time]]
    if is_delta.any():
        duration[is_delta] = [d.total_seconds() / 3600 for d in cells[is_delta]]
    return Cells(
        present=present,
        is_text=is_text,
        text=text,
        is_number=is_number,
        number=cells[is_number].astype(float),
        is_moment=is_moment,
        moment=moments(cells[is_moment]),
        is_duration=is_time | is_delta,
        duration=duration[is_time | is_delta],
    )


_EPOCH = dt.datetime(1970, 1, 1)
_MICROSECOND = dt.timedelta(microseconds=1)


def moments(cells: np.ndarray) -> np.ndarray:
    """Date cells (datetime, date, Timestamp) → datetime64[us], as `pd.to_datetime` reads
    them; a column repeats a few dates, each converted once."""
    if not len(cells):
        return np.array([], dtype="datetime64[us]")
    codes, distinct = pd.factorize(cells)
    if all(type(v) is dt.datetime and v.tzinfo is None for v in distinct):  # calamine's cells
        micros = [(v - _EPOCH) // _MICROSECOND for v in distinct]
        return np.array(micros, dtype=np.int64).view("datetime64[us]")[codes]
    return pd.to_datetime(distinct).to_numpy().astype("datetime64[us]")[codes]


def serials(number: np.ndarray, low: int, high: int, epoch: str) -> np.ndarray:
    """Spreadsheet serial day numbers in [low, high] → datetime64[us] (NaT elsewhere)."""
    days = np.where((number >= low) & (number <= high), np.floor(number), np.nan)
    stamps = np.datetime64(epoch, "D") + np.nan_to_num(days).astype(int)
    return np.where(np.isnan(days), np.datetime64("NaT", "us"), stamps.astype("datetime64[us]"))


class Matcher:
    """All the text notations of a table compiled into one regex.

    Each distinct text of a column is matched once (columns repeat a few dates and months), and
    its named groups become numbers; the rest of the work is numpy over the whole column.
    str.extract was measured 15 times slower on a 160-line relevé (one column per group).
    """

    def __init__(
        self, notations: tuple[Notation, ...], values: Mapping[str, Callable[[str], float]]
    ) -> None:
        self.values = values  # named group → how its text becomes a number (default: float)
        alternatives = []
        for i, notation in enumerate(n for n in notations if n.regex):
            alternatives.append(re.sub(r"\(\?P<(\w+)>", rf"(?P<\1_{i}>", notation.regex or ""))
        self.regex = re.compile("^(?:" + "|".join(f"(?:{a})" for a in alternatives) + ")$")
        self.groups = sorted({g.rsplit("_", 1)[0] for g in self.regex.groupindex})

    def numbers(self, text: str) -> tuple[float, ...] | None:
        match = self.regex.match(text)
        if match is None:
            return None
        found = {k.rsplit("_", 1)[0]: v for k, v in match.groupdict().items() if v is not None}
        return tuple(
            self.values.get(g, float)(found[g]) if g in found else np.nan for g in self.groups
        )

    def match(self, text: np.ndarray) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """(matched: bool per cell, group name → number per cell, NaN where absent)."""
        codes, distinct = pd.factorize(text)
        rows = [self.numbers(u) for u in distinct]
        matched = np.array([r is not None for r in rows], dtype=bool)
        empty = (np.nan,) * len(self.groups)
        table = np.array([r or empty for r in rows], dtype=float).reshape(-1, len(self.groups))
        return matched[codes], {g: table[codes, i] for i, g in enumerate(self.groups)}


def calendar(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Numbers → datetime64[us]; NaT for 31/02 and the like."""
    ok = (month >= 1) & (month <= 12) & (day >= 1) & (day <= 31) & (year >= 1000) & (
        year <= 9999)
    months = (np.where(ok, year, 1970) - 1970) * 12 + np.where(ok, month, 1) - 1
    first = months.astype(int).astype("datetime64[M]")
    stamps = first.astype("datetime64[D]") + (np.where(ok, day, 1).astype(int) - 1)
    ok &= stamps.astype("datetime64[M]") == first  # the 31st of a 30-day month spills over
    return np.where(ok, stamps.astype("datetime64[us]"), np.datetime64("NaT", "us"))


def by_distinct_value(
    values: pd.Series | np.ndarray, read: Callable[[str], object | None]
) -> tuple[np.ndarray, np.ndarray]:
    """Apply `read` once per distinct non-blank cell: (results, unreadable) per cell."""
    cells = values.to_numpy(dtype=object) if isinstance(values, pd.Series) else values
    codes, distinct = pd.factorize(cells)
    texts = [str(v).strip() for v in distinct]
    results = np.array([read(t) if t else None for t in texts] + [None], dtype=object)
    blank = np.array([not t for t in texts] + [True], dtype=bool)
    found = results[codes]  # code -1 (missing) takes the last entry: None, blank
    return found, ~blank[codes] & pd.isna(found)


def map_distinct(
    values: pd.Series, transform: Callable[[pd.Series], pd.Series], dtype: str = "str"
) -> pd.Series:
    """`transform` applied to the distinct values only, then spread back (NaN stays NaN).

    A relevé of 60 000 lines names a few thousand people and a few dozen marchés: text
    operations (Python-level per value with pandas' `str` dtype) run on those only.
    """
    codes, distinct = pd.factorize(values)
    done = transform(pd.Series(distinct, dtype=values.dtype)).to_numpy(dtype=object)
    spread = np.full(len(values), None, dtype=object)
    found = codes >= 0
    spread[found] = done[codes[found]]
    return pd.Series(spread, index=values.index, dtype=dtype)
