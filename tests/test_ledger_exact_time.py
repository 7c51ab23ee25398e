"""The ledger keeps exact time and exact hours (SPEC §6, §7; issue 12): aware UTC instants, each
file's arrival, hours in whole hundredths. A relevé in, the database read back raw and through
the ledger API."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from workspace_factory import arrived_when_written, drop_statement, make_workspace

from clauses.ingest import ingest_inbox
from clauses.ledger import Ledger

ROWS = [("P001", "M-001", "01/10/2026", "", "151h40", "CDDI"),  # 151,666… h → 151,67
        ("P002", "M-001", "06/10/2026", "31/10/2026", "7,005", "CDDI")]  # → 7,01


def ingested(tmp_path):
    config = make_workspace(tmp_path)
    drop_statement(config, "AI-NIORT", "releve.xlsx", rows=ROWS, at=datetime(2026, 11, 6, 9, 0))
    with arrived_when_written(datetime(2026, 11, 6, 9, 15)):
        ingest_inbox(config, now=datetime(2026, 11, 9, 8, 0))  # Paris, winter: UTC+1
    return config


def raw(config, query: str) -> list[tuple]:
    engine = sa.create_engine(config.database_url)
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.exec_driver_sql(query)]
    finally:
        engine.dispose()


def test_hours_are_stored_as_whole_hundredths(tmp_path):
    config = ingested(tmp_path)
    assert raw(config, "SELECT heures FROM heures ORDER BY id") == [(15167,), (701,)]


def test_instants_are_stored_in_utc(tmp_path):
    config = ingested(tmp_path)
    [(received, arrived)] = raw(config, "SELECT recu_le, arrive_le FROM fichiers")
    assert (str(received)[:19], str(arrived)[:19]) == ("2026-11-09 07:00:00",
                                                       "2026-11-06 08:15:00")


def test_ledger_gives_back_paris_times_and_hours(tmp_path):
    config = ingested(tmp_path)
    with Ledger.from_config(config) as ledger:
        files, hours = ledger.files(), ledger.hours()
    assert files[["recu_le", "arrive_le"]].iloc[0].tolist() == [
        datetime(2026, 11, 9, 8, 0), datetime(2026, 11, 6, 9, 15)]
    assert hours["heures"].tolist() == [151.67, 7.01]
    assert hours["heures"].dtype == "float64"
