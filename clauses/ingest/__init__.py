"""Ingesting the inbox (SPEC §5–§7): `one_file.py` checks one received spreadsheet up to its
control report (no ledger: it runs in worker processes); `inbox_pass.py` runs a pass — receive in
order, check in parallel, commit in order."""

from clauses.ingest.inbox_pass import (
    FileResult,
    IngestRun,
    failed_result,
    ingest_candidate,
    ingest_inbox,
    register_context,
    run_pass,
)

__all__ = ["FileResult", "IngestRun", "failed_result", "ingest_candidate", "ingest_inbox",
           "register_context", "run_pass"]
