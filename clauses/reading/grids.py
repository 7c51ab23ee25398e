"""A received spreadsheet as grids of cells, and the table inside each grid (SPEC §5.1, §5.3).

Used for the structures' files (`submission.py`) and the facilitator's registers
(`clauses/registers/load.py`).
A grid keeps each cell as the library read it (text, number, Excel date) and is labelled by
position: row label + 1 is the row number a person sees in Excel or LibreOffice.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import python_calamine

from clauses.errors import FileRejected
from clauses.reading.cells import kind_of
from clauses.reading.headers import header_key
from clauses.reading.notations import french_number
from clauses.reading.sizes import ReadLimits, check_sizes

SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods", ".csv"}
# SPEC §5.3: the header row is somewhere in the first 30 rows, below title lines.
HEADER_SEARCH_ROWS = 30
# A row is a header when it names at least this many known columns.
MIN_HEADER_COLUMNS = 2

_CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # OLE2: .xls, and Office's encrypted .xlsx
_CSV_DELIMITERS = ";,\t"


@dataclass(frozen=True)
class Table:
    """The table of one sheet: header row found, columns recognised."""

    sheet: str
    header_row: int  # row label (0-based position) of the header
    columns: dict[int, str]  # grid column → canonical column (first one wins)
    labels: dict[int, str]  # grid column → header as written ("Colonne F" when blank)
    title: list[list[str]]  # display text of the non-empty cells of each row above the header
    body: pd.DataFrame  # cells below the header, as read; empty rows already dropped


def load_grids(path: Path, *, name: str | None = None,
               limits: ReadLimits | None = None) -> dict[str, pd.DataFrame]:
    """Every sheet of a spreadsheet, read once, cells as read (`header=None`).

    Text is stripped, blank cells are NaN, and empty rows and columns are dropped; the labels
    stay the 0-based positions in the sheet. Raises `FileRejected("FICHIER_ILLISIBLE")`
    whatever the reason the file cannot be read: no library error escapes. `name` is the
    file's name as the sender gave it, when `path` is its archived copy. A file that would not
    fit `limits` once read is FICHIER_TROP_VOLUMINEUX before it is read; longer cell texts are
    cut to `limits.max_text` characters (followed by "…").
    """
    path = Path(path)
    name = name or path.name
    limits = limits or ReadLimits()
    try:
        if path.suffix.lower() == ".csv":
            grids = {_csv_sheet_name(Path(name)): _read_csv(path.read_bytes(), name, limits)}
        else:
            check_sizes(path, name, limits)
            grids = pd.read_excel(
                path, sheet_name=None, header=None, engine="calamine", dtype=object,
                keep_default_na=False, na_values=[""],  # a participant may be called "NA"
            )
    except FileRejected:
        raise
    except Exception as error:  # calamine, zip, XML, csv, OS: all mean "cannot be read"
        raise FileRejected("FICHIER_ILLISIBLE", _unreadable(path, name, error)) from error
    return {str(sheet): _tidy(grid, limits.max_text) for sheet, grid in grids.items()}


def _csv_sheet_name(path: Path) -> str:
    """Excel names a CSV's only sheet after the file; the archive names files by their SHA-256,
    a name the structure never saw."""
    return "CSV" if re.fullmatch(r"[0-9a-f]{64}", path.stem) else path.stem


def _unreadable(path: Path, file_name: str, error: Exception) -> str:
    name = f"« {file_name} »"
    try:
        head = path.read_bytes()[:4096]
    except OSError:
        return f"Le fichier {name} ne peut pas être ouvert."
    if not head:
        return f"Le fichier {name} est vide."
    if _password_protected(path, head, error):
        return (f"Le fichier {name} est protégé par un mot de passe : enregistrez-le sans mot "
                "de passe puis déposez-le à nouveau.")
    if head.startswith(b"%PDF"):
        return (f"Le fichier {name} est un document PDF et non un tableur : déposez le relevé "
                "au format Excel, LibreOffice ou CSV.")
    return (f"Le fichier {name} ne peut pas être lu comme un tableur (fichier endommagé ou "
            "format non pris en charge).")


def _password_protected(path: Path, head: bytes, error: Exception) -> bool:
    if "password" in str(error).lower():
        return True
    # An encrypted .xlsx is an OLE2 container holding an "EncryptedPackage" stream.
    if head.startswith(_CFB_MAGIC) and "EncryptedPackage".encode("utf-16-le") in path.read_bytes():
        return True
    try:  # calamine tells it precisely when asked directly
        python_calamine.CalamineWorkbook.from_path(str(path))
    except python_calamine.PasswordError:
        return True
    except Exception:  # noqa: BLE001 - any other failure: not a password problem
        return False
    return False


def _decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 (Excel's "texte Unicode"), else Windows-1252."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    if b"\x00" in data:
        raise ValueError("binary content")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _read_csv(data: bytes, name: str, limits: ReadLimits) -> pd.DataFrame:
    text = _decode(data)
    cells = text.count("\n") + max(text.count(d) for d in _CSV_DELIMITERS)
    if cells > limits.max_cells:  # told before any row is built
        raise _too_many_cells(name, cells, limits)
    # A cell as long as the file is read (then cut to max_text), not refused as unreadable.
    csv.field_size_limit(max(csv.field_size_limit(), len(text) + 1))
    sample = text.splitlines()[:50]

    def regularity(delimiter: str) -> tuple[int, int]:
        # The separator splits most lines into the same number (> 1) of fields; a decimal
        # comma ("7,5") splits only some lines.
        widths = [len(r) for r in csv.reader(sample, delimiter=delimiter) if any(r)]
        common = max(set(widths), key=widths.count) if widths else 1
        return (widths.count(common) if common > 1 else 0, common)

    delimiter = max(_CSV_DELIMITERS, key=regularity)
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    width = max(map(len, rows), default=0)
    if len(rows) * width > limits.max_cells:  # ragged: padded rows would be too many cells
        raise _too_many_cells(name, len(rows) * width, limits)
    # Title lines are shorter than the table: padded here (pandas will refuse ragged rows).
    return pd.DataFrame([row + [""] * (width - len(row)) for row in rows], dtype=object)


def _too_many_cells(name: str, cells: int, limits: ReadLimits) -> FileRejected:
    return FileRejected("FICHIER_TROP_VOLUMINEUX", (
        f"Le fichier « {name} » s'étend sur {french_number(cells)} cellules, au-delà de la "
        f"limite de {french_number(limits.max_cells)} : découpez-le en plusieurs fichiers."))


def _tidy(grid: pd.DataFrame, max_text: int) -> pd.DataFrame:
    cells = grid.to_numpy(dtype=object, copy=True)
    is_text = kind_of(cells).astype(str) == "text" if cells.size else np.zeros(cells.shape, bool)
    # Issue 13: a text is cut before anything looks at it (a 300 MB cell never reaches the
    # checks, the control report or the ledger); "…" says it was cut.
    cells[is_text] = np.frompyfunc(
        lambda text: text.strip() if len(text) <= max_text else text.strip()[:max_text] + "…",
        1, 1)(cells[is_text])
    empty = pd.isna(cells) | (is_text & (cells == ""))
    cells[empty] = np.nan
    rows, columns = ~empty.all(axis=1), ~empty.all(axis=0)
    return pd.DataFrame(cells[rows][:, columns], index=grid.index[rows],
                        columns=grid.columns[columns])


def column_letter(position: int) -> str:
    """0 → "A", 27 → "AB": how a person names a column."""
    letters = ""
    position += 1
    while position:
        position, rest = divmod(position - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def display_cells(cells: np.ndarray) -> np.ndarray:
    """Cells as text a person reads: dates `03/10/2026`, numbers `12` and `7,5`, times `08:30`,
    text as is; None where empty."""
    shown = np.full(cells.shape, None, dtype=object)
    kind = kind_of(cells) if cells.size else np.full(cells.shape, "", dtype=object)
    is_text, is_moment = kind == "text", kind == "moment"
    is_number = (kind == "number") & ~pd.isna(cells)  # NaN is a float, and an empty cell
    shown[is_text] = cells[is_text]
    if is_number.any():
        numbers = cells[is_number].astype(float)
        whole = (numbers == np.floor(numbers)) & (np.abs(numbers) < 1e15)
        text = np.where(whole, numbers, 0).astype(np.int64).astype(object)
        if not whole.all():  # French decimal comma, at most 10 significant digits
            text[~whole] = np.strings.replace(np.char.mod("%.10g", numbers[~whole]), ".", ",")
        shown[is_number] = text.astype(str)
    if is_moment.any():
        # A sheet repeats a few dates many times: each distinct one is converted once.
        codes, distinct = pd.factorize(cells[is_moment])
        stamps = pd.to_datetime(distinct).to_numpy().astype("datetime64[m]")
        iso = np.datetime_as_string(stamps, unit="m")  # 2026-10-03T08:30
        day = np.strings.slice(iso, 8, 10) + "/" + np.strings.slice(iso, 5, 7) + "/" + (
            np.strings.slice(iso, 0, 4))
        at_midnight = stamps == stamps.astype("datetime64[D]")
        texts = np.where(at_midnight, day, day + " " + np.strings.slice(iso, 11, 16))
        shown[is_moment] = texts.astype(object)[codes]
    rest = ~(is_text | is_number | is_moment) & ~pd.isna(cells)
    shown[rest] = [_display_other(v) for v in cells[rest]]  # times, durations, booleans: rare
    return shown


def _display_other(value: object) -> str:
    if isinstance(value, bool | np.bool_):
        return "VRAI" if value else "FAUX"
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    if isinstance(value, dt.timedelta):
        minutes = round(value.total_seconds() / 60)
        return f"{minutes // 60}:{minutes % 60:02d}"
    return str(value)


def find_table(sheet: str, grid: pd.DataFrame, index: dict[str, str]) -> Table | None:
    """The best header row of the first 30 rows: the one naming most known columns.

    None when no row names at least `MIN_HEADER_COLUMNS` (a notice or a blank sheet).
    """
    # Row labels strictly increasing, as `load_grids` leaves them: slices by position.
    ascending = grid.index.is_monotonic_increasing and grid.index.is_unique
    if ascending:
        top = grid.to_numpy(dtype=object)[: grid.index.searchsorted(HEADER_SEARCH_ROWS)]
    else:
        top = grid.to_numpy(dtype=object)[grid.index < HEADER_SEARCH_ROWS]
    if not top.size:
        return None
    is_text = kind_of(top) == "text"
    canonical = np.full(top.shape, None, dtype=object)
    canonical[is_text] = [index.get(header_key(v)) for v in top[is_text]]
    scores = [len(set(row) - {None}) for row in canonical]  # at most 30 rows
    best = int(np.argmax(scores))
    if scores[best] < MIN_HEADER_COLUMNS:
        return None
    columns: dict[int, str] = {}
    for position, name in enumerate(canonical[best]):
        if name is not None and name not in columns.values():
            columns[int(grid.columns[position])] = name
    header = display_cells(top[best])
    labels = {
        int(c): text if text is not None else f"Colonne {column_letter(int(c))}"
        for c, text in zip(grid.columns, header, strict=True)
    }
    header_row = int(grid.index[best])
    return Table(
        sheet=sheet,
        header_row=header_row,
        columns=columns,
        labels=labels,
        title=[[t for t in row if t is not None] for row in display_cells(top[:best])],
        body=grid.iloc[best + 1:] if ascending else grid.loc[grid.index > header_row],
    )
