"""Session-wide fixtures: a PostgreSQL database for the tests that run on both SQLite and it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.postgres_cluster import empty_postgres, throwaway_cluster, why_unavailable


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """CLAUSES_TEST_POSTGRES_URL when set (a database the tests may empty), else a throwaway
    cluster started for the session; skipped, with the reason, where neither is possible."""
    given = os.environ.get("CLAUSES_TEST_POSTGRES_URL")
    if given:
        yield given
        return
    reason = why_unavailable()
    if reason:
        pytest.skip(f"PostgreSQL indisponible : {reason}")
    with throwaway_cluster() as url:
        yield url



@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A ledger URL, once on SQLite and once on PostgreSQL (emptied before and after)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'clauses.sqlite'}"
        return
    # Asked for only here, so a run that selects SQLite tests alone starts no cluster.
    postgres = request.getfixturevalue("postgres_url")
    empty_postgres(postgres)
    yield postgres
    empty_postgres(postgres)

def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The slow end-to-end files first (a stable sort keeps every other order): on two workers
    a minute-long file started last leaves the other worker idle until it ends."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)
