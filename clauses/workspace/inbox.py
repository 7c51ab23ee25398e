"""The shared drop folder (SPEC §5.1): which files are ready to ingest, which must wait.

Shared folders are often network mounts where file events do not fire and where a file appears
before it is fully copied: a file is ready only once it has not changed for
`depot.delai_stabilite_secondes`. Lock and temp files of office suites are never touched.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

# Office lock files (`~$x.xlsx`, `.~lock.x.ods#`), downloads and copies in progress.
IGNORED_PATTERNS: tuple[str, ...] = (
    "~$*",
    ".~lock.*#",
    "*.tmp",
    "*.temp",
    "*.part",
    "*.crdownload",
    "*.partial",
    "Thumbs.db",
    "desktop.ini",
)


@dataclass(frozen=True)
class Candidate:
    """A file found in `inbox/<structure>/`, ready to ingest."""

    path: Path
    structure: str  # the first folder under inbox/ ("" for a file dropped at the top)
    name: str  # path relative to the structure's folder, as the structure named it
    size: int
    modified: datetime


def is_ignored(relative: Path) -> bool:
    """Hidden files or folders, lock and temp files are left alone."""
    if any(part.startswith(".") and not part.startswith(".~lock") for part in relative.parts):
        return True
    return any(fnmatch.fnmatch(relative.name, pattern) for pattern in IGNORED_PATTERNS)


def scan_inbox(
    inbox: Path, *, now: datetime, stable_seconds: float
) -> tuple[list[Candidate], list[Path]]:
    """Ready files sorted by modification time (a correction follows the file it corrects),
    and files still being written, left for the next pass."""
    ready: list[Candidate] = []
    waiting: list[Path] = []
    if not inbox.is_dir():
        return ready, waiting
    for path in inbox.rglob("*"):
        if not path.is_file() or path.is_symlink():
            continue
        relative = path.relative_to(inbox)
        if is_ignored(relative):
            continue
        stat = path.stat()
        modified = datetime.fromtimestamp(stat.st_mtime)
        if (now - modified).total_seconds() < stable_seconds and modified <= now:
            waiting.append(path)
            continue
        structure = relative.parts[0] if len(relative.parts) > 1 else ""
        name = str(Path(*relative.parts[1:])) if structure else relative.name
        ready.append(Candidate(path, structure, name, stat.st_size, modified))
    ready.sort(key=lambda c: (c.modified, c.structure, c.name))
    return ready, waiting
