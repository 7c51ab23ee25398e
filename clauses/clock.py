"""The product's one clock (SPEC §6: deadlines are judged in the workspace's time zone).

Every date and time Clauses reads, compares or prints is an *aware* datetime in the workspace's
zone (`planification.fuseau`, Europe/Paris by default), whatever the server's own zone: a file
dropped at 00:30 on the 11th in Paris is late even on a UTC server, and « Édité le … à 11:52 »
is what a person in Paris reads on their own clock. The ledger keeps instants in UTC
(clauses/ledger/rows.py) and gives them back in this zone.

Nothing else in the product calls `datetime.now()` or `date.today()`: it asks `now(zone)`.
A moment written without an offset (`--date 2026-11-09`, a demo's planned drop) is a wall-clock
time of the workspace; one with an offset (`2026-11-09T08:00:00+01:00`) is converted to it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_ZONE = "Europe/Paris"


@lru_cache(maxsize=32)
def zone_of(name: str) -> ZoneInfo:
    """The IANA zone `name`; ValueError with a French sentence for a zone that does not exist."""
    try:
        if not name or name != name.strip():
            raise ValueError(name)
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise ValueError(
            f"« {name} » n'est pas un fuseau horaire IANA connu (par exemple Europe/Paris)"
        ) from exc


def _zone(zone: ZoneInfo | str) -> ZoneInfo:
    return zone if isinstance(zone, ZoneInfo) else zone_of(zone)


def now(zone: ZoneInfo | str = DEFAULT_ZONE) -> datetime:
    """The current instant in the workspace's zone (aware)."""
    return datetime.now(_zone(zone))


def in_zone(moment: datetime | date, zone: ZoneInfo | str = DEFAULT_ZONE) -> datetime:
    """`moment` as an aware datetime of `zone`: a naive one is read as that zone's wall-clock
    time, an aware one is converted; a date is its midnight there."""
    stamp = moment if isinstance(moment, datetime) else datetime.combine(moment, time.min)
    if hasattr(stamp, "to_pydatetime"):  # a pandas Timestamp
        stamp = stamp.to_pydatetime()
    tz = _zone(zone)
    return stamp.replace(tzinfo=tz) if stamp.tzinfo is None else stamp.astimezone(tz)


def from_timestamp(seconds: float, zone: ZoneInfo | str = DEFAULT_ZONE) -> datetime:
    """A file-system time (seconds since the epoch) in the workspace's zone."""
    return datetime.fromtimestamp(seconds, _zone(zone))


def to_utc(moment: datetime, zone: ZoneInfo | str = DEFAULT_ZONE) -> datetime:
    """The same instant in UTC (aware); a naive `moment` is a wall-clock time of `zone`."""
    return in_zone(moment, zone).astimezone(UTC)


def wall_clock(moment: datetime, zone: ZoneInfo | str = DEFAULT_ZONE) -> datetime:
    """The naive wall-clock time `zone` shows at `moment` (what a spreadsheet cell can hold)."""
    return in_zone(moment, zone).replace(tzinfo=None)


def parse_moment(text: str, zone: ZoneInfo | str = DEFAULT_ZONE) -> datetime:
    """`2026-11-12`, `2026-11-12T08:00` (wall-clock time of `zone`) or
    `2026-11-09T08:00:00+01:00` (converted to `zone`) → an aware datetime of `zone`.
    ValueError when the text is not an ISO 8601 date or date-time."""
    return in_zone(datetime.fromisoformat(text.strip()), zone)


def now_or(given: datetime | None, zone: ZoneInfo | str = DEFAULT_ZONE) -> datetime:
    """The clock of a run: `given` (a replayed `--date`, in `zone` when naive), else now."""
    return now(zone) if given is None else in_zone(given, zone)


def as_shown(moment: datetime) -> datetime:
    """The wall-clock time an aware `moment` shows in its own zone (the workspace's, for every
    moment of a run), naive — what the ledger's frames and Excel cells hold; a naive one is
    already that."""
    if hasattr(moment, "to_pydatetime"):  # a pandas Timestamp
        moment = moment.to_pydatetime()
    return moment.replace(tzinfo=None)
