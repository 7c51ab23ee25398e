"""The counted lines a bilan annuel reads, selected once for all its sheets (SPEC §8).

A national year is 720 000 lines whose months and participants are text: each sheet filtering
them again by month (≈ 0.2 s a time, fifteen times) or grouping them by participant again cost
seconds. `YearLines` ranks the months and numbers the participants once; the sheets read its
frames and spans.

Of the years before, a bilan needs only each participant's first counted month and each
marché's cumulated hours (`Earlier`, summed by the database): a job reads the year's lines
alone, so that the bilan of a ledger's third year costs what the first one does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from clauses.periods import parse_year

CONTRACT_KEY: list[str] = [
    "id_participant",
    "code_structure",
    "code_marche",
    "type_contrat",
    "date_debut_mission",
]


def _no_first_months() -> pd.DataFrame:
    return pd.DataFrame({"id_participant": pd.Series(dtype="str"),
                         "mois": pd.Series(dtype="str")})


@dataclass(frozen=True)
class Earlier:
    """What a bilan needs of the months before its year, when its lines are the year's only:
    each participant's first month of current counted lines (`id_participant`, `mois`), the
    current counted hours of each marché not held in its opening balance (`code_marche`,
    `heures`), and the first month of any current line (the coverage), all before the year."""

    first_months: pd.DataFrame = field(default_factory=_no_first_months)
    cumulated: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        {"code_marche": pd.Series(dtype="str"), "heures": pd.Series(dtype=float)}))
    first_month: str | None = None


class YearLines:
    """Counted, current lines (`hours`) seen from `year`: `until` holds those of every month up
    to December of the year, `lines` those of the year (neither is a copy when nothing is left
    out: a job already reads the ledger up to December). `earlier`: what the months before the
    year hold, when `hours` has none of them."""

    def __init__(self, hours: pd.DataFrame, year: int, earlier: Earlier | None = None) -> None:
        self.year = int(year)
        self.earlier = earlier or Earlier()
        first, last = parse_year(self.year)
        ranks, months = pd.factorize(hours["mois"], sort=True)  # a missing month: -1
        self._months = np.asarray(months, dtype=object)
        if len(self.earlier.first_months):
            # The earlier first months join the ranked months, in order, so that a span's
            # first month may be one of them.
            every = np.union1d(self._months.astype(str),
                               self.earlier.first_months["mois"].dropna().to_numpy(dtype=str))
            moved = np.searchsorted(every, self._months.astype(str))
            if len(moved):  # else every month is missing: all ranks are -1 already
                ranks = np.where(ranks >= 0, moved[np.maximum(ranks, 0)], -1)
            self._months = every.astype(object)
        start = int(np.searchsorted(self._months, first, side="left"))
        stop = int(np.searchsorted(self._months, last, side="right"))
        kept = (ranks >= 0) & (ranks < stop)
        self.until = hours if kept.all() else hours[kept]
        self._ranks = ranks[kept]
        self._in_year = self._ranks >= start
        self.lines = self.until if self._in_year.all() else self.until[self._in_year]
        # Participants numbered once (-1: none written) for the spans below.
        self._people, self._ids = pd.factorize(self.until["id_participant"])
        self._codes: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    def _factorized(self, column: str) -> tuple[np.ndarray, np.ndarray]:
        if column not in self._codes:
            if column == "id_participant":
                codes, values = self._people[self._in_year], self._ids
            else:
                codes, values = pd.factorize(self.lines[column])
            self._codes[column] = (codes, np.asarray(values, dtype=object))
        return self._codes[column]

    def codes(self, column: str) -> np.ndarray:
        """`column` of `lines` as integer codes, equal for equal values (-1: missing), made
        once per column: comparing 720 000 texts costs ≈ 0.1 s each time."""
        return self._factorized(column)[0]

    def values(self, column: str) -> np.ndarray:
        """The value of each code of `codes(column)`."""
        return self._factorized(column)[1]

    def first_of_each(self, columns: list[str],
                      replaced: dict[str, np.ndarray] | None = None) -> np.ndarray:
        """Which lines are the first of their `columns` values (a missing value equals
        another): `lines[columns].drop_duplicates()` is `lines[columns][first_of_each(…)]`.
        `replaced`: codes to compare instead of a column's own."""
        replaced = replaced or {}
        key = np.zeros(len(self.lines), dtype="int64")
        for column in columns:
            codes = replaced[column] if column in replaced else self.codes(column)
            # One number per combination so far (renumbered densely: no overflow), missing
            # values (-1) included; one array at a time, not a frame of them all.
            key = pd.factorize(key * (int(codes.max(initial=-1)) + 2) + codes + 1)[0]
        return ~pd.Series(key).duplicated().to_numpy()

    def distinct(self, columns: list[str]) -> pd.DataFrame:
        """`lines[columns].drop_duplicates()`, compared on the integer codes."""
        return self.lines[columns][self.first_of_each(columns)]

    def count_of(self, column: str) -> int:
        """Distinct values of `column` in the year's lines (`nunique`: a missing one is none)."""
        return int(self.codes(column).max(initial=-1)) + 1

    def _span(self, within: np.ndarray) -> pd.DataFrame:
        """Each participant's first and last month rank (`min`, `max`) among the `within`
        lines of `until`, by `id_participant` (sorted as a group-by sorts)."""
        known = within & (self._people >= 0)
        span = pd.Series(self._ranks[known]).groupby(self._people[known]).agg(["min", "max"])
        ids = pd.Index(np.asarray(self._ids, dtype=object)[span.index.to_numpy()], dtype="str",
                       name="id_participant")
        return span.set_axis(ids).sort_index()

    @cached_property
    def span_until(self) -> pd.DataFrame:
        """Month ranks of each participant's first counted month ever and last up to December."""
        span = self._span(np.ones(len(self._ranks), dtype=bool))
        before = self.earlier.first_months.dropna()
        if len(before) and len(span):
            firsts = before.set_index("id_participant")["mois"].reindex(span.index)
            known = firsts.notna().to_numpy()
            ranks = np.searchsorted(self._months.astype(str),
                                    firsts[known].to_numpy(dtype=str))
            lowest = span["min"].to_numpy().copy()
            lowest[known] = np.minimum(lowest[known], ranks)
            span = span.assign(min=lowest)
        return span

    @cached_property
    def span_of_year(self) -> pd.DataFrame:
        """Month ranks of each participant of the year's first and last month in the year."""
        return self._span(self._in_year)

    def months(self, ranks: pd.Series) -> pd.Series:
        """The `AAAA-MM` of month ranks (from the spans)."""
        return pd.Series(self._months[ranks.to_numpy()], index=ranks.index, dtype="str")

    @property
    def ids(self) -> pd.Index:
        """The participants of the year (at least one counted line in it), sorted."""
        return self.span_of_year.index

    @cached_property
    def new_ids(self) -> set[str]:
        """Participants whose first counted hour ever falls in the year."""
        first = self.months(self.span_until["min"])
        start, stop = parse_year(self.year)
        return set(first[first.between(start, stop)].index)

    @cached_property
    def contracts(self) -> pd.DataFrame:
        """The year's distinct contracts (CONTRACT_KEY columns)."""
        return self.distinct(CONTRACT_KEY)

    @cached_property
    def market_people(self) -> pd.DataFrame:
        """Who worked on which marché in the year, once each (`code_marche`, `id_participant`)."""
        return self.distinct(["code_marche", "id_participant"])
