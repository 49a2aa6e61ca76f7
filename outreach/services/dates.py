"""Dates as staff type them: ISO (2024-03-05) or UK day/month/year (05/03/2024)."""

from __future__ import annotations

import re
from datetime import date

from outreach.clock import today
from outreach.services.errors import ValidationError

_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_UK = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")

EARLIEST = date(1900, 1, 1)


def parse_date(text: str, field: str) -> date:
    """The date in ``text``, written as yyyy-mm-dd or dd/mm/yyyy (never US month-first).

    Raises ValidationError naming ``field`` for anything else, including impossible dates
    such as 31/02/2024.
    """
    value = text.strip()
    iso = _ISO.fullmatch(value)
    uk = _UK.fullmatch(value)
    if iso:
        year, month, day = (int(part) for part in iso.groups())
    elif uk:
        day, month, year = (int(part) for part in uk.groups())
    else:
        raise ValidationError(field, f"{value!r} is not a date (use 2024-03-05 or 05/03/2024)")
    try:
        return date(year, month, day)
    except ValueError:
        raise ValidationError(field, f"{value!r} is not a real date") from None


def parse_optional_date(text: str | None, field: str) -> date | None:
    """Like :func:`parse_date`, but empty text means no date."""
    if text is None or not text.strip():
        return None
    return parse_date(text, field)


def not_in_future(day: date, field: str) -> date:
    """``day`` unchanged, or ValidationError when it is after today (clock.today())."""
    if day > today():
        raise ValidationError(field, f"{day.isoformat()} is in the future")
    return day
