"""Hours summed by the database (issue 14.4): a report of month M reads M's lines in full and,
of the months before, only sums per marché, per mission or per participant, so that its time
and memory do not grow with the ledger's history (36 months of a national network are
2 million lines; their sums per mission are 60 000 rows).

Every query reads the current, counted lines (SPEC §6, §7), as `Ledger.hours` does by default.
Sums are exact: the ledger holds whole hundredths, summed as integers. SQLAlchemy Core only, so
SQLite and PostgreSQL give the same rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from clauses.ledger.tables import Hundredths, heures

REJECTED = "rejetée"
# Keys per IN list: well under SQLite's 32 766 bound parameters and PostgreSQL's 65 535.
CHUNK_KEYS = 5_000


def counted(*, until_month: str | None = None, before_month: str | None = None,
            from_month: str | None = None) -> list[sa.ColumnElement[bool]]:
    """Current counted lines, of the months in [`from_month`, `until_month`] or before
    `before_month` when given (months are AAAA-MM text: they compare as text)."""
    conditions: list[sa.ColumnElement[bool]] = [heures.c.actif, heures.c.statut != REJECTED]
    if until_month is not None:
        conditions.append(heures.c.mois <= until_month)
    if before_month is not None:
        conditions.append(heures.c.mois < before_month)
    if from_month is not None:
        conditions.append(heures.c.mois >= from_month)
    return conditions


def after_balances(through: Mapping[str, str]) -> list[sa.ColumnElement[bool]]:
    """Leave out the lines an opening balance already holds (`clauses.reports.coverage`):
    `through` gives, per marché with a balance, the month of its `reprise_au`. One condition
    per distinct month (a register has few), not one per marché."""
    codes_by_month: dict[str, list[str]] = {}
    for code, month in through.items():
        if isinstance(month, str) and isinstance(code, str):
            codes_by_month.setdefault(month, []).append(code)
    # A line with no marché is in no balance: kept, as the pandas path keeps it.
    return [sa.or_(heures.c.code_marche.is_(None),
                   sa.not_(sa.and_(heures.c.code_marche.in_(sorted(codes)),
                                   heures.c.mois <= month)))
            for month, codes in sorted(codes_by_month.items())]


def summed(by: Sequence[str], conditions: Sequence[sa.ColumnElement[bool]], *,
           positive_only: bool = False) -> sa.Select[Any]:
    """`by` columns and `heures`, their exact sum (0 when every line has none), ordered by
    `by`; only lines with hours above 0 when `positive_only`."""
    keys = [heures.c[name] for name in by]
    total = sa.type_coerce(sa.func.coalesce(sa.func.sum(heures.c.heures), 0), Hundredths())
    query = (sa.select(*keys, total.label("heures")).where(*conditions)
             .group_by(*keys).order_by(*keys))
    if positive_only:
        query = query.where(heures.c.heures > 0)
    return query


def last_month_lines(key: Sequence[str], names: Sequence[str],
                     conditions: Sequence[sa.ColumnElement[bool]]) -> sa.Select[Any]:
    """The `names` of every line of each `key`'s latest month (no part of `key` missing), in
    the order recorded: among them `clauses.reports.missions.from_relevés` keeps the line it
    would keep among all. A GROUP BY and one index look-up per key, not a window over every
    line (three times faster on SQLite with 2 million lines)."""
    keys = [heures.c[name] for name in key]
    last = (sa.select(*keys, sa.func.max(heures.c.mois).label("dernier"))
            .where(*conditions, *(column.is_not(None) for column in keys))
            .group_by(*keys).subquery())
    on = sa.and_(*(heures.c[name] == last.c[name] for name in key),
                 heures.c.mois == last.c.dernier)
    return (sa.select(*(heures.c[name] for name in names)).join_from(heures, last, on)
            .where(*conditions).order_by(heures.c.id))
