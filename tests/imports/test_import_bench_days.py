"""The import benchmark's conversations and screening files: the days they cover, worked by
hand on three stays (``outreach.bench.imports.pick_days``)."""

from __future__ import annotations

from datetime import date

import pytest

from outreach.bench.imports import pick_days

STAYS = [
    ("A", date(2024, 12, 20), date(2024, 12, 31)),
    ("B", date(2024, 1, 1), date(2024, 12, 29)),
    ("C", date(2020, 1, 1), date(2020, 2, 1)),
]


def test_a_recent_file_takes_days_from_its_span_widened_back_until_they_are_enough() -> None:
    # From 30 Dec only A is resident (2 days), too few for 3 rows; from 29 Dec A has 3 days
    # and B one: a day at a time from each stay in turn gives A and B on the 29th, then A.
    pairs, first = pick_days(STAYS, 3, since=date(2024, 12, 30))
    assert first == date(2024, 12, 29)
    assert pairs == [
        ("A", date(2024, 12, 29)),
        ("B", date(2024, 12, 29)),
        ("A", date(2024, 12, 30)),
    ]


def test_a_recent_span_with_enough_days_is_not_widened() -> None:
    pairs, first = pick_days(STAYS, 2, since=date(2024, 12, 30))
    assert first == date(2024, 12, 30)
    assert pairs == [("A", date(2024, 12, 30)), ("A", date(2024, 12, 31))]


def test_a_file_over_every_stay_starts_each_stay_on_its_first_day() -> None:
    pairs, first = pick_days(STAYS, 4)
    assert first == date(2020, 1, 1)
    assert pairs == [
        ("A", date(2024, 12, 20)),
        ("B", date(2024, 1, 1)),
        ("C", date(2020, 1, 1)),
        ("A", date(2024, 12, 21)),
    ]


def test_stays_with_too_few_days_are_refused() -> None:
    # C alone covers 1 Jan to 1 Feb 2020: 32 days.
    assert len(pick_days(STAYS[2:], 32, since=date(2020, 2, 1))[0]) == 32
    with pytest.raises(RuntimeError, match="fewer than 33 days"):
        pick_days(STAYS[2:], 33, since=date(2020, 2, 1))


def test_a_few_people_file_takes_the_days_of_the_people_resident_longest_in_its_span() -> None:
    # From 20 Dec: A holds 20-31 Dec (12 days), B 20-29 Dec (10), C nothing. 11 rows fit in
    # A's days alone; 13 need B too, and are then spread a day at a time over both.
    pairs, first = pick_days(STAYS, 11, since=date(2024, 12, 20), fewest=True)
    assert first == date(2024, 12, 20)
    assert pairs == [("A", date(2024, 12, day)) for day in range(20, 31)]
    pairs, _ = pick_days(STAYS, 13, since=date(2024, 12, 20), fewest=True)
    assert pairs == [
        *((ref, date(2024, 12, day)) for day in range(20, 26) for ref in ("A", "B")),
        ("A", date(2024, 12, 26)),
    ]


def test_a_few_people_file_counts_a_day_two_stays_cover_once() -> None:
    # D's two stays overlap: 1-10 and 5-12 Dec are 12 days, not 18, so E's 14 come first
    # and hold the 12 rows alone; on a tie the earlier reference goes first.
    stays = [
        ("D", date(2024, 12, 1), date(2024, 12, 10)),
        ("D", date(2024, 12, 5), date(2024, 12, 12)),
        ("E", date(2024, 12, 1), date(2024, 12, 14)),
    ]
    pairs, _ = pick_days(stays, 12, since=date(2024, 12, 1), fewest=True)
    assert {ref for ref, _ in pairs} == {"E"}
    tied = [
        ("G", date(2024, 12, 1), date(2024, 12, 3)),
        ("F", date(2024, 12, 1), date(2024, 12, 3)),
    ]
    assert pick_days(tied, 3, since=date(2024, 12, 1), fewest=True)[0] == [
        ("F", date(2024, 12, day)) for day in (1, 2, 3)
    ]
