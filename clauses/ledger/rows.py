"""Between pandas and database rows: the ledger's only place where types cross over.

Frames carry NaN / NaT / pd.NA and numpy scalars; database drivers want None and plain Python
values (psycopg cannot adapt a numpy.int64). Going back, frames get the dtypes the reports rely on:
dates as datetime64[us], instants as the workspace's wall-clock time (datetime64[us]), hours as
float, flags as bool, text as `str`.
"""

from __future__ import annotations

import dataclasses
import functools
import gc
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import sqlalchemy as sa

from clauses.clock import DEFAULT_ZONE, to_utc, zone_of
from clauses.hours import HUNDREDTHS
from clauses.ledger.tables import Hundredths, UtcDateTime


@dataclass(frozen=True)
class FileRecord:
    """One received file as the `fichiers` table keeps it (docs/ARCHITECTURE.md, Ledger API)."""

    sha256: str
    code_structure: str  # folder under inbox/ (may be unknown for STRUCTURE_INCONNUE)
    nom_fichier: str  # path relative to inbox/<STRUCTURE>/, as the structure named it
    chemin_archive: str  # path of the archived copy, relative to the workspace
    taille: int  # bytes
    modifie_le: datetime  # file mtime, kept for the record: never used for lateness
    recu_le: datetime  # the clock of the pass that ingested it
    type: str | None  # Kind value, None if unreadable
    mois: str | None  # newest month of a relevé's lines; month of a pièce; None for a suivi
    statut: str  # "traité" | "quarantaine" | "déjà reçu"
    motif: str | None  # file-level reason code when quarantined / already received
    message: str | None  # its French sentence
    en_retard: bool
    lignes: int = 0
    acceptees: int = 0
    alertes: int = 0
    rejetees: int = 0
    # When it arrived in the inbox (SPEC §6: lateness is judged on it); the pass's clock when
    # not given (`clauses.workspace.inbox.arrival_time` is never later).
    arrive_le: datetime | None = None

    @classmethod
    def from_row(cls, row: Mapping[Any, Any] | pd.Series) -> FileRecord:
        """A `files()` row back as a record: missing values None, instants as datetimes."""

        def value(name: str) -> Any:
            found = row[name]
            return None if found is None or (pd.api.types.is_scalar(found) and pd.isna(found)) else found

        values = {field.name: value(field.name) for field in dataclasses.fields(cls)}
        for name in ("modifie_le", "recu_le", "arrive_le"):
            if values[name] is not None:
                values[name] = pd.Timestamp(values[name]).to_pydatetime()
        for name in ("taille", "lignes", "acceptees", "alertes", "rejetees"):
            values[name] = int(values[name] or 0)
        values["en_retard"] = bool(values["en_retard"])
        return cls(**values)

    def as_row(self, zone: ZoneInfo | str = DEFAULT_ZONE) -> dict[str, Any]:
        """The `fichiers` row: plain Python values, instants aware (see `instant`)."""
        row = dataclasses.asdict(self)
        row["modifie_le"] = instant(self.modifie_le, zone)
        row["recu_le"] = instant(self.recu_le, zone)
        row["arrive_le"] = instant(self.arrive_le or self.recu_le, zone)
        for name in ("taille", "lignes", "acceptees", "alertes", "rejetees"):
            row[name] = int(row[name])
        row["en_retard"] = bool(self.en_retard)
        return row


FILE_COLUMNS: tuple[str, ...] = tuple(field.name for field in dataclasses.fields(FileRecord))


def instant(moment: datetime, zone: ZoneInfo | str = DEFAULT_ZONE) -> datetime:
    """The aware UTC instant the ledger stores (`tables.UtcDateTime`); a naive `moment` is a
    wall-clock time of the workspace's `zone` (clauses/clock.py)."""
    return to_utc(moment, zone)


def shown(stamps: pd.Series, zone: ZoneInfo | str = DEFAULT_ZONE) -> pd.Series:
    """Instants read back from the ledger as the workspace's wall-clock time, naive
    datetime64[us]: what people read, reports compare and an Excel cell holds."""
    utc = pd.to_datetime(stamps, utc=True)
    tz = zone if isinstance(zone, ZoneInfo) else zone_of(zone)
    return utc.dt.tz_convert(tz).dt.tz_localize(None).astype("datetime64[us]")


def _missing(value: Any) -> bool:
    # None, NaN, NaT and pd.NA alike; pd.NA is tested first because comparing it gives no bool.
    return value is None or value is pd.NA or value is pd.NaT or value != value


def _temporal_values(series: pd.Series, *, day: bool) -> list[Any]:
    """Dates or datetimes, NaT as None, vectorised: `tolist()` of a numpy datetime64[D] / [us]
    array already yields `date` / `datetime` objects and None, with no per-value Python work."""
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        stamps = series
    else:  # python dates, Timestamps or ISO text in an object column
        stamps = pd.to_datetime(series.astype(object))
    if getattr(stamps.dt, "tz", None) is not None:
        moments = [None if _missing(value) else value.to_pydatetime().replace(tzinfo=None)
                   for value in stamps.tolist()]
        return [moment.date() if day and moment else moment for moment in moments]
    return stamps.to_numpy().astype("datetime64[D]" if day else "datetime64[us]").tolist()


def _python_values(series: pd.Series, kind: sa.types.TypeEngine) -> list[Any]:
    """One column as plain Python values for the driver, every kind of missing value as None."""
    if isinstance(kind, UtcDateTime):
        return [None if _missing(value) else instant(pd.Timestamp(value).to_pydatetime())
                for value in series.tolist()]
    if isinstance(kind, (sa.Date, sa.DateTime)):
        return _temporal_values(series, day=not isinstance(kind, sa.DateTime))
    numpy_kind = series.dtype.kind if isinstance(series.dtype, np.dtype) else ""
    convert: Any
    if isinstance(kind, sa.Boolean):
        native, convert = "b", bool
    elif isinstance(kind, sa.Integer):
        native, convert = "iu", int
    elif isinstance(kind, (sa.Float, Hundredths)):
        native, convert = "f", float
    else:
        native, convert = "", str
    values = series.tolist()  # numpy-backed columns give Python scalars here
    if numpy_kind and numpy_kind in native:
        # bool and int numpy columns hold no missing value; float ones hold NaN.
        return [None if value != value else value for value in values] if native == "f" else values
    if convert is str:  # the most frequent case, kept free of function calls
        return [value if type(value) is str else None if _missing(value) else str(value) for value in values]
    return [None if _missing(value) else convert(value) for value in values]


def to_rows(
    frame: pd.DataFrame, table: sa.Table, *, fixed: dict[str, Any], required: Iterable[str]
) -> list[dict[str, Any]]:
    """Rows for `table.insert()` executemany: the frame's columns that the table has, `fixed`
    values for the columns the ledger owns, None for absent optional columns.

    Raises ValueError naming the columns a caller forgot (a programming error, not a user one)."""
    absent = [name for name in required if name not in frame.columns]
    if absent:
        raise ValueError(f"colonnes absentes pour la table {table.name} : {', '.join(absent)}")
    names: list[str] = []
    columns: list[list[Any]] = []
    size = len(frame)
    for column in table.columns:
        if column.primary_key:
            continue
        names.append(column.name)
        if column.name in fixed:
            columns.append([fixed[column.name]] * size)
        elif column.name in frame.columns:
            columns.append(_python_values(frame[column.name], column.type))
        else:
            columns.append([None] * size)
    return [dict(zip(names, values, strict=True)) for values in zip(*columns, strict=True)]


def _typed(values: pd.Series, kind: sa.types.TypeEngine, zone: ZoneInfo | str) -> pd.Series:
    if isinstance(kind, UtcDateTime):
        return shown(values, zone)
    if isinstance(kind, (sa.Date, sa.DateTime)):
        return pd.to_datetime(values).astype("datetime64[us]")
    if isinstance(kind, sa.Boolean):
        return values.astype(bool)
    if isinstance(kind, (sa.Float, Hundredths)):
        return values.astype(float)
    if isinstance(kind, sa.Integer):
        # NOT NULL integers stay int64; a nullable one with gaps becomes float, like pandas does.
        return values.astype("int64") if values.notna().all() else values.astype(float)
    return values.astype("str")


def to_frame(rows: Sequence[sa.Row[Any] | tuple[Any, ...]], table: sa.Table, names: Sequence[str],
             zone: ZoneInfo | str = DEFAULT_ZONE) -> pd.DataFrame:
    """A frame of `names` (columns of `table`) with the dtypes reports expect, even when empty;
    instants as the wall-clock time of the workspace's `zone` (see `shown`)."""
    if not rows:
        # Typing two dozen empty columns costs ≈ 10 ms, and the ingest asks several times per
        # file for lines that are usually not there (replaced months, other structures).
        return _empty_frame(table, tuple(names), zone).copy()
    frame = pd.DataFrame.from_records([tuple(row) for row in rows], columns=list(names), coerce_float=False)
    return pd.DataFrame(
        {name: _typed(frame[name].astype(object), table.c[name].type, zone) for name in names},
        index=pd.RangeIndex(len(frame)),
    )


def _raw_type(kind: sa.types.TypeEngine) -> sa.types.TypeEngine | None:
    """A type with no per-value result processing standing for `kind`, when `kind` has one."""
    if isinstance(kind, Hundredths):
        return sa.Integer()
    if isinstance(kind, sa.Boolean):
        return sa.Integer()  # SQLite gives 0 / 1, PostgreSQL True / False
    if isinstance(kind, (UtcDateTime, sa.Date, sa.DateTime)):
        return sa.String()  # SQLite gives ISO text, PostgreSQL date / datetime objects
    return None


def raw_query(query: sa.Select[Any]) -> sa.Select[Any]:
    """`query` whose columns come back as the driver gives them: SQLAlchemy converts hours,
    dates, instants and flags value by value (a Python call each: ≈ 6 s for the 720 000 lines
    of a national year), `raw_frame` converts each column at once."""
    columns = []
    for column in query.selected_columns:
        raw = _raw_type(column.type)
        columns.append(column if raw is None else sa.type_coerce(column, raw).label(column.key))
    return query.with_only_columns(*columns, maintain_column_froms=True)


def _typed_raw(values: list[Any] | tuple[Any, ...], kind: sa.types.TypeEngine,
               zone: ZoneInfo | str, texts: dict[Any, Any] | None = None) -> pd.Series:
    """One column of `raw_query` rows, typed as `_typed` types the processed values; a text
    already met in `texts` is that same object."""
    if texts is not None and isinstance(kind, sa.String):
        # The driver makes a new object for each text of each row: a national year's 720 000
        # lines repeat 370 structure codes, 12 months, 60 000 participants… One object per
        # distinct text holds a fraction of the memory, and hashes once.
        values = list(map(texts.setdefault, values, values))
    if isinstance(kind, Hundredths):
        # Whole hundredths (None → NaN): int / 100 as `Hundredths.process_result_value`.
        return pd.Series(np.array(values, dtype=float) / HUNDREDTHS)
    series = pd.Series(values, dtype=object)
    if isinstance(kind, UtcDateTime):
        # SQLite's text is the UTC wall-clock time; PostgreSQL gives aware datetimes.
        return shown(pd.to_datetime(series, utc=True, format="ISO8601"), zone)
    if isinstance(kind, (sa.Date, sa.DateTime)):
        return pd.to_datetime(series, format="ISO8601").astype("datetime64[us]")
    return _typed(series, kind, zone)


def raw_frame(rows: Sequence[sa.Row[Any] | tuple[Any, ...]], table: sa.Table,
              names: Sequence[str], zone: ZoneInfo | str = DEFAULT_ZONE,
              texts: dict[Any, Any] | None = None) -> pd.DataFrame:
    """`to_frame` of rows read by `raw_query(…)`: the same frame, converted column by column;
    `texts` (shared by the chunks of one read) makes equal texts one object."""
    if not rows:
        return _empty_frame(table, tuple(names), zone).copy()
    columns = zip(*rows, strict=True)
    return pd.DataFrame(
        {name: _typed_raw(values, table.c[name].type, zone, texts)
         for name, values in zip(names, columns, strict=True)},
        index=pd.RangeIndex(len(rows)),
    )


@functools.lru_cache(maxsize=64)
def _empty_frame(table: sa.Table, names: tuple[str, ...], zone: ZoneInfo | str) -> pd.DataFrame:
    frame = pd.DataFrame({name: pd.Series([], dtype=object) for name in names})
    return pd.DataFrame({name: _typed(frame[name], table.c[name].type, zone) for name in names},
                        index=pd.RangeIndex(0))


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused while rows are read: they are hundreds of
    thousands of tuples (no cycle among them), and each of its passes walked them and every
    other live object again — 1.3 s of the 4 s a national year's lines took. Collected as
    usual once the block ends."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
