"""The ledger (SPEC §7): received files, every relevé line with its status, tracking tables and
the send log, in one SQLAlchemy database (SQLite in `state/` by default, PostgreSQL unchanged).

- `tables.py`: the table declarations;
- `alembic/`: the schema's revisions (Alembic), `migrations.py` applies them when a ledger opens;
- `engine.py`: the connection (SQLite settings, write transactions);
- `rows.py`: `FileRecord` and the conversions between data frames and database rows;
- `store.py`: `Ledger`, the API the rest of the product uses.
"""

from clauses.ledger.rows import FileRecord
from clauses.ledger.store import AlreadyRecorded, ElsewhereChanged, JudgedElsewhere, Ledger

__all__ = ["AlreadyRecorded", "ElsewhereChanged", "FileRecord", "JudgedElsewhere", "Ledger"]
