"""The one place the application asks what time it is, so tests can freeze it."""

from datetime import UTC, date, datetime


def now() -> datetime:
    """Current time, timezone-aware in UTC (the database stores UTC)."""
    return datetime.now(UTC)


def today() -> date:
    """The local calendar date: what staff mean by "today"."""
    return date.today()
