"""Workbooks written on every core (clauses/reports/parallel.py): every write is done, in worker
processes when there are enough of them, and a failing write gives the error a single process
would give, after the others were written."""

from __future__ import annotations

import os
import signal
from functools import partial
from pathlib import Path

import pytest

from clauses.reports import parallel


def _write(path: Path, text: str) -> None:
    path.write_text(f"{text} {os.getpid()}", encoding="utf-8")


def test_every_write_is_done_by_the_workers(tmp_path: Path) -> None:
    paths = [tmp_path / f"{i:03d}.txt" for i in range(40)]
    parallel.write_all([partial(_write, path, path.stem) for path in paths])
    written = [path.read_text(encoding="utf-8").split() for path in paths]
    assert [name for name, _ in written] == [path.stem for path in paths]
    if parallel.worker_count(len(paths)) > 1:
        assert str(os.getpid()) not in {pid for _, pid in written}  # not written here


def test_a_failing_write_raises_its_own_error_once_the_others_are_written(tmp_path: Path) -> None:
    def refused() -> None:
        raise PermissionError("Dossier en lecture seule")

    paths = [tmp_path / f"{i:03d}.txt" for i in range(20)]
    writes = [partial(_write, path, path.stem) for path in paths]
    with pytest.raises(PermissionError, match="Dossier en lecture seule"):
        parallel.write_all([*writes, refused])
    assert all(path.exists() for path in paths)


def test_a_worker_killed_does_not_hang_the_run(tmp_path: Path) -> None:
    """A worker killed mid-write (out of memory) breaks the pool: every write is done again
    here, instead of waiting for ever for the dead worker."""
    parent = os.getpid()

    def killed() -> None:
        if os.getpid() != parent:
            os.kill(os.getpid(), signal.SIGKILL)
        (tmp_path / "tué.txt").write_text("écrit ici", encoding="utf-8")

    paths = [tmp_path / f"{i:03d}.txt" for i in range(20)]
    parallel.write_all([*(partial(_write, path, path.stem) for path in paths), killed])
    assert all(path.exists() for path in paths)
    assert (tmp_path / "tué.txt").read_text(encoding="utf-8") == "écrit ici"
