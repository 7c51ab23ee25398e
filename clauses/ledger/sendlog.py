"""The send log (SPEC §9; issues 13.5, 14.3–14.4): one row per message, recipient role and round,
claimed in the database before the message leaves.

Exactly-once is the database's job: the unique constraint (key, role, round) lets one run claim a
delivery; a second run (on this machine or another) finds the row and sends nothing. A failed
delivery is claimed again by the next run (« échec » → « en cours » in one UPDATE); a delivery left
« en cours » by a run that died mid-send is never re-sent automatically — it may have left — and
the facilitator decides (`clauses send --renvoyer`).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from clauses.ledger.engine import writing
from clauses.ledger.tables import courriels

SENDING = "en cours"
SENT = "envoyé"
FAILED = "échec"

# Keys per query: well under SQLite's 32 766 bound parameters and PostgreSQL's 65 535.
_CHUNK = 5_000


def latest_states(engine: sa.Engine, keys: Collection[str]) -> dict[tuple[str, str], tuple[int, str]]:
    """(key, role) → (latest round, its status), for the given keys: one query per 5 000 keys,
    not one per delivery (a national `clauses send` checks tens of thousands)."""
    wanted = sorted(set(keys))
    found: dict[tuple[str, str], tuple[int, str]] = {}
    with engine.connect() as connection:
        for start in range(0, len(wanted), _CHUNK):
            query = sa.select(courriels.c.key, courriels.c.role, courriels.c.round,
                              courriels.c.status).where(
                courriels.c.key.in_(wanted[start:start + _CHUNK]))
            for key, role, round_, status in connection.execute(query):
                if (key, role) not in found or round_ > found[key, role][0]:
                    found[key, role] = (round_, status)
    return found


def claim(engine: sa.Engine, *, key: str, role: str, round_: int, recipients: str, subject: str,
          attachment: str | None, at: datetime, claimed_by: str,
          finishing: dict[str, Any] | None = None) -> bool:
    """Take the delivery for this run; False when another run holds it or it already left.
    `finishing`: how this run's previous delivery ended (`finish`'s arguments), recorded in the
    same transaction — one commit (one fsync) per message instead of two, and a crash between
    the two deliveries leaves that one « en cours » exactly as before."""
    row = {"key": key, "role": role, "round": round_, "recipients": recipients,
           "subject": subject, "attachment": attachment, "status": SENDING, "attempts": 0,
           "error": None, "claimed_by": claimed_by, "at": at}
    with writing(engine) as connection:
        if finishing is not None:
            _finish(connection, **finishing)
        try:
            with connection.begin_nested():  # a savepoint: the finish above stays
                connection.execute(courriels.insert(), row)
            return True
        except sa.exc.IntegrityError:
            pass
        # The row exists: only a failed delivery may be taken again, by exactly one run.
        taken = connection.execute(
            courriels.update()
            .where(courriels.c.key == key, courriels.c.role == role,
                   courriels.c.round == round_, courriels.c.status == FAILED)
            .values(status=SENDING, recipients=recipients, subject=subject,
                    attachment=attachment, claimed_by=claimed_by, at=at, error=None))
        return taken.rowcount == 1


def finish(engine: sa.Engine, *, key: str, role: str, round_: int, status: str, attempts: int,
           error: str | None, at: datetime) -> None:
    """Record how a claimed delivery ended (SENT or FAILED)."""
    with writing(engine) as connection:
        _finish(connection, key=key, role=role, round_=round_, status=status,
                attempts=attempts, error=error, at=at)


def _finish(connection: sa.Connection, *, key: str, role: str, round_: int, status: str,
            attempts: int, error: str | None, at: datetime) -> None:
    connection.execute(
        courriels.update()
        .where(courriels.c.key == key, courriels.c.role == role, courriels.c.round == round_)
        .values(status=status, attempts=courriels.c.attempts + attempts, error=error, at=at))


SEND_COLUMNS = ("key", "role", "round", "recipients", "subject", "attachment", "status",
                "attempts", "error", "at")


def rows(engine: sa.Engine) -> list[sa.Row]:
    """Every delivery, oldest first."""
    query = sa.select(*(courriels.c[name] for name in SEND_COLUMNS)).order_by(courriels.c.id)
    with engine.connect() as connection:
        return list(connection.execute(query))
