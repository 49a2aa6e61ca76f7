"""Periods are whole calendar years, quarters or months, and nothing else."""

from __future__ import annotations

from datetime import date

import pytest

from outreach.errors import ValidationError
from outreach.stats.period import Period


def test_a_year() -> None:
    assert Period.parse("2024") == Period(date(2024, 1, 1), date(2024, 12, 31), "2024", "year")


def test_a_quarter() -> None:
    assert Period.parse("2024-Q1") == Period(
        date(2024, 1, 1), date(2024, 3, 31), "2024-Q1", "quarter"
    )


def test_a_month_in_a_leap_year() -> None:
    assert Period.parse("2024-02") == Period(
        date(2024, 2, 1), date(2024, 2, 29), "2024-02", "month"
    )


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("2024-13", "no month 13"),
        ("2024-Q5", "not a whole calendar year"),
        ("2024-03-01", "not a whole calendar year"),
        ("2024-01..2024-02", "not a whole calendar year"),
        ("", "not a whole calendar year"),
    ],
)
def test_anything_else_is_refused_with_the_reason(text: str, why: str) -> None:
    with pytest.raises(ValueError, match=why):
        Period.parse(text)


def test_month_ends_of_a_quarter() -> None:
    assert Period.parse("2023-Q1").month_ends() == [
        date(2023, 1, 31),
        date(2023, 2, 28),
        date(2023, 3, 31),
    ]


def test_the_quarter_containing_a_day() -> None:
    assert Period.containing(date(2024, 8, 31), "quarter").label == "2024-Q3"


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("2024-04-01/P3M", "2024-Q2"),
        ("2024-01-01/P1Y", "2024"),
        ("2024-01-01/P12M", "2024"),
        ("2024-03-01/P1M", "2024-03"),
    ],
)
def test_iso_start_and_duration_name_the_same_periods(text: str, label: str) -> None:
    period = Period.parse(text)
    assert period == Period.parse(label)
    assert period.iso == text.replace("P12M", "P1Y")


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("2024-05-01/P3M", "does not start on the first day of a quarter"),
        ("2024-04-02/P1M", "does not start on the first day of a month"),
        ("2024-04-01/P1Y", "does not start on the first day of a year"),
        ("2024-13-01/P1M", "has no month 13"),
        ("2024-04-01/P2M", "not a whole calendar year, quarter or month"),
    ],
)
def test_iso_periods_off_the_calendar_grid_are_refused(text: str, said: str) -> None:
    with pytest.raises(ValidationError, match=said):
        Period.parse(text)
