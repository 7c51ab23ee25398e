"""How large each sheet of an .xlsx/.xlsm would be once read, found without reading it.

calamine sizes a sheet from its farthest cell and allocates every cell in between: a 5 KB file
with one value in XFD1048576 asks for 512 GB and the native allocator aborts the whole process
(no Python exception to catch). So the sheet XML is streamed first, and a sheet whose farthest
cell lies beyond a bound is refused before calamine sees it.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from xml.etree.ElementTree import iterparse

from clauses.errors import FileRejected

# Far beyond any real register or relevé (50 000 lines × 200 columns), far below a crash.
MAX_CELLS = 10_000_000

_REFERENCE = re.compile(r"([A-Z]{1,3})(\d+)")


def _position(reference: str) -> tuple[int, int]:
    found = _REFERENCE.fullmatch(reference.upper().replace("$", ""))
    if not found:
        return 0, 0
    column = 0
    for letter in found.group(1):
        column = column * 26 + ord(letter) - 64
    return int(found.group(2)), column


def sheet_extents(path: Path) -> dict[str, tuple[int, int]]:
    """Sheet XML part → (last row, last column) over every cell it declares; {} when `path` is
    not a zip (an .xls, a .csv, a corrupt file: the reader itself refuses those)."""
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile):
        return {}
    extents: dict[str, tuple[int, int]] = {}
    with archive:
        for name in archive.namelist():
            if not re.fullmatch(r"xl/worksheets/[^/]+\.xml", name):
                continue
            rows = columns = 0
            try:
                with archive.open(name) as stream:
                    for _, element in iterparse(stream):
                        tag = element.tag.rpartition("}")[2]
                        if tag == "c":
                            row, column = _position(element.get("r", ""))
                            rows, columns = max(rows, row), max(columns, column)
                        elif tag == "row":
                            rows = max(rows, int(element.get("r", "0") or 0))
                        element.clear()
            except Exception:  # noqa: BLE001 — a malformed part: the reader decides about it
                continue
            extents[name] = (rows, columns)
    return extents


def refuse_far_cells(path: Path, *, max_cells: int = MAX_CELLS) -> None:
    """Raise `FileRejected("FICHIER_TROP_VOLUMINEUX")` when a sheet would span too many cells."""
    for rows, columns in sheet_extents(path).values():
        if rows * columns > max_cells:
            raise FileRejected(
                "FICHIER_TROP_VOLUMINEUX",
                f"Le classeur « {path.name} » déclare une cellule très éloignée (ligne "
                f"{_grouped(rows)}, colonne {_grouped(columns)}) : sa feuille couvrirait "
                f"{_grouped(rows * columns)} cellules, au-delà de la limite de "
                f"{_grouped(max_cells)}. Supprimez les lignes et colonnes vides en fin de "
                "feuille, puis enregistrez à nouveau.")


def _grouped(number: int) -> str:
    return f"{number:,}".replace(",", "\u202f")  # French thousands separator
