"""Inbox scanning (SPEC §5.1): lock, temp, hidden and still-written files wait."""

import os
from datetime import datetime, timedelta

import pytest

from clauses.clock import in_zone
from clauses.workspace.inbox import scan_inbox

NOW = in_zone(datetime(2026, 11, 9, 12, 0), "Europe/Paris")  # a pass's clock is aware


def drop(path, *, age_seconds=3600, content=b"x"):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    stamp = (NOW - timedelta(seconds=age_seconds)).timestamp()
    os.utime(path, (stamp, stamp))
    return path


@pytest.mark.parametrize(
    "name",
    ["~$releve.xlsx", ".~lock.releve.ods#", "releve.xlsx.tmp", ".cache/releve.xlsx",
     ".releve.xlsx", "copie.part", "Thumbs.db"],
    ids=["excel-lock", "libreoffice-lock", "tmp", "hidden-folder", "hidden-file", "partial",
         "thumbs"],
)
def test_lock_temp_and_hidden_files_are_left_alone(tmp_path, name):
    drop(tmp_path / "AI-NIORT" / name)
    ready, waiting = scan_inbox(tmp_path, now=NOW, stable_seconds=30)
    assert ready == [] and waiting == []


def test_file_modified_in_the_last_seconds_waits_for_next_pass(tmp_path):
    drop(tmp_path / "AI-NIORT" / "releve.xlsx", age_seconds=5)
    ready, waiting = scan_inbox(tmp_path, now=NOW, stable_seconds=30)
    assert ready == [] and len(waiting) == 1


def test_ready_files_carry_structure_and_name_and_come_oldest_first(tmp_path):
    drop(tmp_path / "AI-NIORT" / "octobre" / "corrige.xlsx", age_seconds=100)
    drop(tmp_path / "AI-NIORT" / "octobre" / "releve.xlsx", age_seconds=5000)
    drop(tmp_path / "perdu.xlsx", age_seconds=200)
    ready, _ = scan_inbox(tmp_path, now=NOW, stable_seconds=30)
    assert [(c.structure, c.name) for c in ready] == [
        ("AI-NIORT", "octobre/releve.xlsx"),
        ("", "perdu.xlsx"),
        ("AI-NIORT", "octobre/corrige.xlsx"),
    ]


def test_missing_inbox_is_empty(tmp_path):
    assert scan_inbox(tmp_path / "absent", now=NOW, stable_seconds=0) == ([], [])
