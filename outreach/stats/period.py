"""Reporting periods: whole calendar months, quarters and years, nothing else.

Arbitrary date ranges are refused on purpose: two published tables over ranges that differ by
a few days reveal the people in the difference. The export uses the same grid.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from outreach.errors import ValidationError

PeriodKind = Literal["year", "quarter", "month"]

_YEAR = re.compile(r"(\d{4})")
_QUARTER = re.compile(r"(\d{4})-[Qq]([1-4])")
_MONTH = re.compile(r"(\d{4})-(\d{2})")
_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})/P(1Y|12M|3M|1M)")
"""ISO 8601 start/duration, as ADX and DHIS2 write periods: ``2024-04-01/P3M``."""
_ISO_KINDS: dict[str, PeriodKind] = {"1Y": "year", "12M": "year", "3M": "quarter", "1M": "month"}


@dataclass(frozen=True)
class Period:
    """A calendar year, quarter or month: ``start`` and ``end`` are its first and last days."""

    start: date
    end: date
    label: str
    kind: PeriodKind

    @classmethod
    def parse(cls, text: str) -> Period:
        """``"2024"``, ``"2024-Q1"`` or ``"2024-03"`` as a Period; also the same periods
        written in ISO 8601 as start and duration, as ADX does: ``2024-01-01/P1Y``,
        ``2024-04-01/P3M``, ``2024-03-01/P1M``.

        Raises ValueError saying why for anything else (a date, a range, a month 13, Q5, an
        ISO period that does not start on the first day of its year, quarter or month).
        """
        value = text.strip()
        if match := _ISO.fullmatch(value):
            return cls._from_iso(value, match)
        if match := _YEAR.fullmatch(value):
            return cls.year(int(match[1]))
        if match := _QUARTER.fullmatch(value):
            return cls.quarter(int(match[1]), int(match[2]))
        if match := _MONTH.fullmatch(value):
            month = int(match[2])
            if not 1 <= month <= 12:
                raise ValidationError("period", f"{value!r} has no month {month} (01 to 12)")
            return cls.month(int(match[1]), month)
        raise ValidationError(
            "period",
            f"{value!r} is not a whole calendar year, quarter or month "
            "(write 2024, 2024-Q1 or 2024-03; other ranges are not allowed, so that two "
            "reports cannot be subtracted to single people out)",
        )

    @classmethod
    def _from_iso(cls, value: str, match: re.Match[str]) -> Period:
        year, month, day = int(match[1]), int(match[2]), int(match[3])
        kind = _ISO_KINDS[match[4]]
        if not 1 <= month <= 12:
            raise ValidationError("period", f"{value!r} has no month {month} (01 to 12)")
        starts = {"year": (1,), "quarter": (1, 4, 7, 10), "month": tuple(range(1, 13))}[kind]
        if day != 1 or month not in starts:
            first = {
                "year": "a year (01-01)",
                "quarter": "a quarter (01-01, 04-01, 07-01 or 10-01)",
                "month": "a month",
            }[kind]
            raise ValidationError(
                "period",
                f"{value!r} does not start on the first day of {first}: only whole calendar "
                "years, quarters and months are reported",
            )
        if kind == "year":
            return cls.year(year)
        if kind == "quarter":
            return cls.quarter(year, (month - 1) // 3 + 1)
        return cls.month(year, month)

    @property
    def iso(self) -> str:
        """The period in ISO 8601 as start and duration: ``2024-04-01/P3M``."""
        return iso_period(self.kind, self.start.year, self.start.month)

    @classmethod
    def year(cls, year: int) -> Period:
        _check_year(year)
        return cls(date(year, 1, 1), date(year, 12, 31), f"{year}", "year")

    @classmethod
    def quarter(cls, year: int, quarter: int) -> Period:
        _check_year(year)
        if not 1 <= quarter <= 4:
            raise ValidationError("period", f"there is no quarter {quarter} (1 to 4)")
        first = 3 * (quarter - 1) + 1
        end = date(year, first + 2, calendar.monthrange(year, first + 2)[1])
        return cls(date(year, first, 1), end, f"{year}-Q{quarter}", "quarter")

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        _check_year(year)
        end = date(year, month, calendar.monthrange(year, month)[1])
        return cls(date(year, month, 1), end, f"{year}-{month:02d}", "month")

    @classmethod
    def containing(cls, day: date, kind: PeriodKind = "year") -> Period:
        """The period of ``kind`` that holds ``day``."""
        if kind == "year":
            return cls.year(day.year)
        if kind == "quarter":
            return cls.quarter(day.year, (day.month - 1) // 3 + 1)
        return cls.month(day.year, day.month)

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end

    def month_ends(self) -> list[date]:
        """The last day of each month in the period, in order."""
        return [month.end for month in self.months()]

    def months(self) -> Iterator[Period]:
        year, month = self.start.year, self.start.month
        while date(year, month, 1) <= self.end:
            yield Period.month(year, month)
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)

    def days(self) -> Iterator[date]:
        day = self.start
        while day <= self.end:
            yield day
            day += timedelta(days=1)


def iso_period(kind: str, year: int, month: int) -> str:
    """The ISO 8601 start/duration of the ``kind`` period starting in ``year``-``month``."""
    duration = {"year": "P1Y", "quarter": "P3M", "month": "P1M"}[kind]
    return f"{year:04d}-{month:02d}-01/{duration}"


def _check_year(year: int) -> None:
    if not 1900 <= year <= 9998:
        raise ValidationError("period", f"year {year} is out of range (1900 to 9998)")
