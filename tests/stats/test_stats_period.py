"""Periods are whole calendar years, quarters or months, and nothing else."""

from __future__ import annotations

from datetime import date

import pytest

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
