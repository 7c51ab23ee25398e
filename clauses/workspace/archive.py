"""Content-addressed archive and quarantine (SPEC §3, §6).

Every received file is stored as received under `archive/<2 hex>/<sha256><suffix>` and never
modified: the archive is what an auditor or a structure can ask for. A file leaves the inbox
only after its archived copy is on disk (written to a temporary name, flushed, then renamed).
"""

from __future__ import annotations

import filecmp
import hashlib
import os
import shutil
import stat
from pathlib import Path

from clauses.atomic import atomic_path, commit, temporary_beside, write_atomically
from clauses.errors import WorkspaceError
from clauses.workspace.inbox import FileStamp


def sha256_of(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def archive_content(archive_root: Path, content: bytes, suffix: str) -> tuple[str, Path]:
    """Store `content` once; return its sha256 and archived path. An existing copy is kept."""
    digest = sha256_of(content)
    target = archive_root / digest[:2] / f"{digest}{suffix.lower()}"
    if target.exists() and target.stat().st_size == len(content):
        return digest, target
    try:
        write_atomically(target, content, durable=True)
        # Read-only: the archive is never modified (SPEC §3).
        target.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
    except OSError as exc:
        raise WorkspaceError(
            f"Impossible d'archiver le fichier dans {archive_root} : {exc.strerror}."
        ) from exc
    return digest, target


def quarantine_file(
    quarantine_root: Path, source: Path, structure: str, name: str, reason: str
) -> Path:
    """Copy a refused file to `quarantaine/<structure>/` with its reason written beside it.

    The same bytes already there (a re-run after a crash, a file dropped twice) keep one copy."""
    folder = quarantine_root / (structure or "_sans_structure") / Path(name).parent
    folder.mkdir(parents=True, exist_ok=True)
    stem, suffix = Path(name).stem, Path(name).suffix
    target = folder / Path(name).name
    counter = 1
    while target.exists() and not filecmp.cmp(target, source, shallow=False):
        counter += 1
        target = folder / f"{stem} ({counter}){suffix}"
    if not target.exists():  # copied as a stream: a file of any size, in bounded memory
        with atomic_path(target, durable=True) as temporary:
            shutil.copyfile(source, temporary)
    target.with_name(target.name + ".motif.txt").write_text(reason + "\n", encoding="utf-8")
    return target


def archive_file(archive_root: Path, path: Path, suffix: str,
                 seen: FileStamp | None) -> tuple[str, Path] | None:
    """Copy an inbox file into the archive, reading it once as a stream (any size, bounded
    memory) and hashing what is written; return its sha256 and archived path — or None, leaving
    nothing behind, when the file is not the one the scan saw or moved while being read (someone
    is still writing it: it waits for the next pass)."""
    digest = hashlib.sha256()
    temporary = temporary_beside(archive_root / f"reception{suffix.lower()}")
    try:
        with open(path, "rb") as source, open(temporary, "wb") as copy:
            before = FileStamp.of(os.fstat(source.fileno()))
            size = 0
            while chunk := source.read(1 << 20):
                digest.update(chunk)
                copy.write(chunk)
                size += len(chunk)
            after = FileStamp.of(os.fstat(source.fileno()))
        if before != after or size != after.size or (seen is not None and before != seen):
            return None
        sha = digest.hexdigest()
        target = archive_root / sha[:2] / f"{sha}{suffix.lower()}"
        if not (target.exists() and target.stat().st_size == size):
            target.parent.mkdir(parents=True, exist_ok=True)
            temporary.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)  # never modified
            commit(temporary, target, durable=True)
        return sha, target
    except FileNotFoundError:
        return None  # gone since the scan (taken by another pass, or withdrawn)
    except OSError as exc:
        raise WorkspaceError(
            f"Impossible d'archiver le fichier dans {archive_root} : {exc.strerror}."
        ) from exc
    finally:
        temporary.unlink(missing_ok=True)


def remove_from_inbox(path: Path, archived: Path, seen: FileStamp | None = None) -> bool:
    """Delete the inbox copy, only when the archived copy is really there and the inbox file
    is still the one that was read (a file rewritten during the pass stays: its new bytes are
    the next pass's). True when the inbox copy is gone."""
    try:
        if not archived.is_file():
            return False
        if seen is not None:
            now = FileStamp.of(path.stat())
            if now != seen or archived.stat().st_size != now.size:
                return False
        path.unlink()
    except FileNotFoundError:
        pass
    return True
