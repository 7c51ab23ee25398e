"""The shared drop folder (SPEC §5.1): which files are ready to ingest, which must wait.

Shared folders are often network mounts where file events do not fire and where a file appears
before it is fully copied: a file is ready only once it has not changed for
`depot.delai_stabilite_secondes`. A file modified *after* the pass's clock is being written too
(the clocks of a share and of this machine drift apart): it waits. Lock and temp files of office
suites are never touched.

File names are whatever the sender's system wrote: any bytes (not always UTF-8), control
characters, up to 255 bytes. What people read (reports, e-mails, the ledger) is a *derived* name:
decoded, cleaned, shortened — `display_name`.
"""

from __future__ import annotations

import fnmatch
import os
import unicodedata
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
# A derived name part stays short enough for the names built on it (a control report adds 33
# characters; a file system allows 255 bytes per name).
MAX_NAME_BYTES = 150


@dataclass(frozen=True)
class FileStamp:
    """What tells a file apart from the same path rewritten: a write moves ctime (which no copy
    tool can set back), a replacement changes the inode."""

    size: int
    mtime_ns: int
    ctime_ns: int
    inode: int

    @classmethod
    def of(cls, stat: os.stat_result) -> FileStamp:
        return cls(stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino)


@dataclass(frozen=True)
class Candidate:
    """A file found in `inbox/<structure>/`, ready to ingest."""

    path: Path
    structure: str  # the first folder under inbox/ ("" for a file dropped at the top)
    name: str  # path relative to the structure's folder, as a person can read it (display_name)
    size: int
    modified: datetime  # the file's mtime: only to tell a file still being written (never lateness)
    stamp: FileStamp | None = None  # as seen by the scan; None: not checked
    # When it arrived in the inbox, as Clauses records it (`arrival_time`); lateness is judged
    # on it. Always set by `scan_inbox`.
    arrived: datetime | None = None


def display_name(part: str) -> str:
    """One path part as people read it: UTF-8 or else Windows-1252 (what a Windows share
    writes), control and invisible characters as spaces, at most `MAX_NAME_BYTES` bytes
    (the suffix kept)."""
    raw = os.fsencode(part)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    text = "".join(" " if unicodedata.category(c)[0] == "C" else c for c in text)
    text = text.strip() or "fichier"
    if len(text.encode("utf-8")) <= MAX_NAME_BYTES:
        return text
    stem, suffix = os.path.splitext(text)
    suffix = suffix if len(suffix.encode("utf-8")) <= 16 else ""
    room = MAX_NAME_BYTES - len(suffix.encode("utf-8")) - len("…".encode())
    short = stem.encode("utf-8")[:room].decode("utf-8", errors="ignore")
    return f"{short}…{suffix}"


def is_ignored(relative: Path) -> bool:
    """Hidden files or folders, lock and temp files are left alone."""
    if any(part.startswith(".") and not part.startswith(".~lock") for part in relative.parts):
        return True
    return any(fnmatch.fnmatch(relative.name, pattern) for pattern in IGNORED_PATTERNS)


def inode_change_time(path: Path, stat: os.stat_result) -> float:
    """When the file appeared in the inbox: its inode change time on the inbox's file system.
    A copy (Explorer, `cp -p`, rsync) keeps the sender's mtime, but never the ctime: the file
    system sets it when the file is created here, and no ordinary user can set it back."""
    return stat.st_ctime


def arrival_time(path: Path, stat: os.stat_result, now: datetime) -> datetime:
    """SPEC §6 « arrives »: the earlier of the inode change time and the clock of the pass that
    sees the file. The pass clock wins when a guichet replays files received earlier
    (`clauses ingest --date`); the ctime wins when the server was down on the day it came."""
    return min(datetime.fromtimestamp(inode_change_time(path, stat), now.tzinfo), now)


def scan_inbox(
    inbox: Path, *, now: datetime, stable_seconds: float
) -> tuple[list[Candidate], list[Path]]:
    """Ready files in arrival order (a correction follows the file it corrects), and files
    still being written, left for the next pass. `now` is the pass's clock (aware: file times
    are read in its zone)."""
    ready: list[Candidate] = []
    waiting: list[Path] = []
    if not inbox.is_dir():
        return ready, waiting
    for path in inbox.rglob("*"):
        try:
            if not path.is_file() or path.is_symlink():
                continue
            stat = path.stat()
        except OSError:  # gone since listed, or unreadable name on this file system
            continue
        relative = path.relative_to(inbox)
        if is_ignored(relative):
            continue
        modified = datetime.fromtimestamp(stat.st_mtime, now.tzinfo)
        # Negative age (modified after `now`): a writer's clock ahead of ours, still writing.
        if (now - modified).total_seconds() < stable_seconds or modified > now:
            waiting.append(path)
            continue
        parts = [display_name(part) for part in relative.parts]
        structure = parts[0] if len(parts) > 1 else ""
        name = "/".join(parts[1:]) if structure else parts[0]
        ready.append(Candidate(path, structure, name, stat.st_size, modified,
                               FileStamp.of(stat), arrival_time(path, stat, now)))
    ready.sort(key=lambda c: (c.arrived, c.modified, c.structure, c.name))
    return ready, waiting
