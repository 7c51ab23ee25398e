"""Files written to a temporary name beside their target, then renamed onto it (STYLE: "Outputs
written to a temporary file, then renamed"): a reader of `outbox/` or `archive/` sees the old
file or the new one, never half of one, and a crash leaves the previous version intact.

The temporary name is hidden (a leading dot), unique per writer (two processes may write the
same target) and in the target's own folder, so that the rename is atomic.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def temporary_beside(target: Path) -> Path:
    """A hidden, unique path in `target`'s folder (created if missing)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    return target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")


def commit(temporary: Path, target: Path, *, durable: bool = False) -> None:
    """Rename `temporary` onto `target`. `durable`: the file's bytes and the rename itself are
    on disk before this returns (a power cut right after cannot lose them): for the archive,
    whose copy is the only one once the file leaves the inbox."""
    if durable:
        with open(temporary, "rb+") as handle:
            os.fsync(handle.fileno())
    os.replace(temporary, target)
    if durable:
        folder = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)


@contextmanager
def atomic_path(target: Path, *, durable: bool = False) -> Iterator[Path]:
    """A temporary path to write; renamed onto `target` when the block ends without error,
    removed otherwise."""
    temporary = temporary_beside(target)
    try:
        yield temporary
        commit(temporary, target, durable=durable)
    finally:
        temporary.unlink(missing_ok=True)


def write_atomically(target: Path, content: bytes, *, durable: bool = False) -> None:
    """`content` as the whole of `target`, all at once."""
    with atomic_path(target, durable=durable) as temporary:
        temporary.write_bytes(content)
