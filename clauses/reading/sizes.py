"""How big a spreadsheet is once read, told from its XML before anything is read (issue 13).

The reader (calamine, then pandas) builds each sheet as a dense rectangle of cells: a 1.5 kB xlsx
with one cell at A1 and one at XFD1048576 asks for 17 billion cells, and a 311 kB xlsx can hold a
300 MB shared string. An xlsx or ods is a zip of XML parts: they are decompressed here as a
stream, chunk by chunk (never whole in memory), and scanned for

- the rectangle of cells that hold something, per sheet (`max_cells`);
- the uncompressed size of each sheet and of the shared strings (`max_xml_bytes`, zip bombs and
  giant texts).

A file over a limit is `FICHIER_TROP_VOLUMINEUX` before the reader runs. A file that is not a
readable zip is left to the reader, which says `FICHIER_ILLISIBLE` in its own words. Old binary
.xls files are not scanned: the worker's memory limit (clauses/ingest/guard.py) contains them.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from clauses.errors import FileRejected
from clauses.reading.notations import french_number

_CHUNK = 1 << 20
# Enough of a tag to never cut one in two between chunks (attributes of a cell or row).
_OVERLAP = 4096


@dataclass(frozen=True)
class ReadLimits:
    """What one file may hold once read."""

    max_cells: int = 5_000_000  # cells of the rectangle of one sheet (registers: 60 000 × 26 fit)
    max_xml_bytes: int = 256 * 1024 * 1024  # one XML part, uncompressed
    max_shared_bytes: int = 64 * 1024 * 1024  # the shared strings, uncompressed
    max_text: int = 500  # characters of one cell's text; longer texts are cut

    @classmethod
    def for_memory(cls, memory_bytes: int, max_text: int = 500) -> ReadLimits:
        """Limits a reader holding `memory_bytes` can afford: a read cell costs about 150 bytes
        (calamine, then pandas), and checking and reporting a line about as much again."""
        return cls(max_cells=max(10_000, memory_bytes // 400),
                   max_xml_bytes=max(1 << 20, memory_bytes // 2),
                   max_shared_bytes=max(1 << 20, memory_bytes // 8), max_text=max_text)


def _mo(size: int) -> str:
    return f"{french_number(round(size / 1024 / 1024, 1))} Mo"


STATEMENT_ADVICE = ("enregistrez-le à nouveau en ne gardant que le relevé (sans cellules "
                    "lointaines ni textes démesurés), ou découpez-le en plusieurs fichiers")
REGISTER_ADVICE = ("supprimez les lignes et colonnes vides en fin de feuille, puis "
                   "enregistrez-le à nouveau")
# A register is read once per version (then cached), by the pass itself: a national one is
# 60 000 participants × 26 columns; far below the 17 billion cells of a stray XFD1048576.
REGISTER_LIMITS = ReadLimits(max_cells=10_000_000)


def _too_large(name: str, what: str, advice: str = STATEMENT_ADVICE) -> FileRejected:
    return FileRejected("FICHIER_TROP_VOLUMINEUX", f"Le fichier « {name} » {what} : {advice}.")


def check_sizes(path: Path, name: str, limits: ReadLimits, *,
                advice: str = STATEMENT_ADVICE) -> None:
    """Raise FICHIER_TROP_VOLUMINEUX when the xlsx/xlsm/ods at `path` would not fit `limits`;
    the message ends with `advice` (what the sender should do)."""
    suffix = Path(name).suffix.lower() or Path(path).suffix.lower()
    if suffix not in {".xlsx", ".xlsm", ".ods"}:
        return
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError):
        return  # not a zip: the reader says why it cannot read it
    with archive:
        for info in archive.infolist():
            part = info.filename
            if part == "xl/sharedStrings.xml":
                _measure(archive, info, name, limits.max_shared_bytes, "textes", advice)
            elif part.startswith("xl/worksheets/") and part.endswith(".xml"):
                _sheet_cells(archive, info, name, limits, _XlsxCells(), advice)
            elif part == "content.xml":
                _sheet_cells(archive, info, name, limits, _OdsCells(), advice)


def _chunks(archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str,
            limit: int, what: str, advice: str) -> Iterator[bytes]:
    """The part decompressed chunk by chunk, stopping (refused) past `limit` bytes: the size
    the zip declares is not trusted."""
    seen = 0
    try:
        with archive.open(info) as stream:
            while chunk := stream.read(_CHUNK):
                seen += len(chunk)
                if seen > limit:
                    raise _too_large(name, f"contient plus de {_mo(limit)} de {what} une fois "
                                           "décompressé", advice)
                yield chunk
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError):
        return  # damaged or encrypted part: the reader says it cannot read the file


def _measure(archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, limit: int,
             what: str, advice: str) -> None:
    for _ in _chunks(archive, info, name, limit, what, advice):
        pass


class _XlsxCells:
    """The rectangle of an xlsx sheet's cells, estimated fast: the last row of each chunk
    (rows come in order), rows beyond 99 999 and columns beyond Z anywhere — what a real relevé
    never has, so the regular expressions find next to nothing and cost a fraction of a read."""

    _FAR_ROW = re.compile(rb'<(?:\w+:)?row r="(\d{6,})"')
    _WIDE = re.compile(rb' r="([A-Z]{2,3})\d')
    _LAST_ROW = re.compile(rb'<(?:\w+:)?row r="(\d+)"')

    def __init__(self) -> None:
        self.rows = self.columns = 0

    def _rows(self, numbers: list[bytes]) -> None:
        if numbers:
            self.rows = max(self.rows, max(map(int, numbers)))

    def _columns(self, refs: set[bytes]) -> None:
        for letters in refs:
            column = 0
            for letter in letters:
                column = column * 26 + letter - 64
            self.columns = max(self.columns, column)

    def feed(self, text: bytes) -> None:
        last = text.rfind(b'row r="')
        if last >= 0:
            self._rows(self._LAST_ROW.findall(text, max(0, last - 8), last + 20))
        self._rows(self._FAR_ROW.findall(text))
        self._columns(set(self._WIDE.findall(text)))

    def cells(self) -> int:
        return self.rows * max(self.columns, 26)

    def exact(self) -> _XlsxCells:
        return _ExactXlsxCells()


class _ExactXlsxCells(_XlsxCells):
    """The same, exactly, for a sheet the estimate finds too large: only cells holding
    something count (`<c r="B12">…</c>`), not the self-closing `<c r="XFD9" s="3"/>` of a
    formatted empty cell, which the reader skips. Slower: run only on suspects."""

    _CELL = re.compile(rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]{1,3})(\d+)"[^>]*?(?<!/)>')

    def feed(self, text: bytes) -> None:
        cells = self._CELL.findall(text)
        self._rows([number for _, number in cells])
        self._columns({letters for letters, _ in cells})


class _OdsCells:
    """The same for an ods: rows and cells carry repeat counts (`number-rows-repeated`)."""

    _TAG = re.compile(rb'<(/?)table:(table-row|table-cell|covered-table-cell|table)\b([^>]*?)(/?)>')
    _REPEAT = re.compile(rb'number-(?:rows|columns)-repeated="(\d+)"')

    def __init__(self) -> None:
        self.largest = 0
        self._start_table()

    def _start_table(self) -> None:
        self.row = self.last_row = self.columns = 0
        self.repeat_row = 1
        self.column = 0
        self.row_has_value = False

    def _repeat(self, attributes: bytes) -> int:
        found = self._REPEAT.search(attributes)
        return int(found.group(1)) if found else 1

    def _end_row(self) -> None:
        self.row += self.repeat_row
        if self.row_has_value:
            self.last_row = self.row
        self.largest = max(self.largest, self.last_row * max(self.columns, 1))

    def feed(self, text: bytes) -> None:
        for closing, tag, attributes, closed in self._TAG.findall(text):
            if tag == b"table":
                if not closing:
                    self._start_table()
            elif tag == b"table-row":
                if closing:
                    self._end_row()
                else:
                    self.repeat_row, self.column, self.row_has_value = self._repeat(attributes), 0, False
                    if closed:
                        self._end_row()
            elif not closing:
                repeat = self._repeat(attributes)
                self.column += repeat
                if b"value-type" in attributes or not closed:  # a value, or text inside
                    self.row_has_value = True
                    self.columns = max(self.columns, self.column)

    def cells(self) -> int:
        return self.largest

    def exact(self) -> _OdsCells | None:
        return None  # already exact


def _sheet_cells(archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str,
                 limits: ReadLimits, counter: _XlsxCells | _OdsCells, advice: str) -> None:
    _scan(archive, info, name, limits, counter, advice)
    if counter.cells() > limits.max_cells and (exact := counter.exact()) is not None:
        counter = exact
        _scan(archive, info, name, limits, counter, advice)
    if counter.cells() > limits.max_cells:
        # Where the farthest cell is, when known: what the sender has to find and delete.
        far = (f" (jusqu'à la ligne {french_number(counter.rows)}, colonne "
               f"{french_number(counter.columns)})" if isinstance(counter, _XlsxCells) else "")
        raise _too_large(name, (
            f"s'étend sur {french_number(counter.cells())} cellules{far}, au-delà de la limite "
            f"de {french_number(limits.max_cells)}"), advice)


def _scan(archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, limits: ReadLimits,
          counter: _XlsxCells | _OdsCells, advice: str) -> None:
    tail = b""
    for chunk in _chunks(archive, info, name, limits.max_xml_bytes, "données", advice):
        text = tail + chunk
        cut = text.rfind(b"<", max(0, len(text) - _OVERLAP))
        cut = cut if cut > 0 else len(text)
        counter.feed(text[:cut])
        tail = text[cut:]
        if counter.cells() > limits.max_cells:
            return
    counter.feed(tail)
