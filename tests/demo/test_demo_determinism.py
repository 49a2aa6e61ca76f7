"""The demo is a function of its seed and its last day: same inputs, same store."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from outreach.demo import build_demo
from outreach.demo.account import DEMO_PASSPHRASE, DEMO_USER
from outreach.demo.simulate import plan_demo
from outreach.stats.coverage import coverage_on_days
from outreach.store.store import Store

TODAY = date(2025, 6, 30)
SMALL = 80
DAYS = [date(2020, 4, 1), date(2022, 12, 31), date(2024, 12, 31), TODAY]
TABLES = (
    "person",
    "stay",
    "unit",
    "mentor",
    "conversation",
    "conversation_barrier",
    "conversation_mentor",
    "conversation_attendee",
    "screening_event",
    "decision",
    "follow_up",
    "target",
)


def _figures(folder: Path, seed: int) -> tuple[dict[str, int], list[tuple[int, int]]]:
    info = build_demo(folder, today=TODAY, seed=seed, residents=SMALL, keep_open=True)
    assert info.store is not None
    with info.store, info.store.read() as session:
        counts = {
            table: int(session.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())
            for table in TABLES
        }
        coverage = [(c.eligible, c.covered) for c in coverage_on_days(session, DAYS)]
    return counts, coverage


@pytest.mark.slow
def test_same_seed_and_day_give_the_same_rows_and_coverage(tmp_path: Path) -> None:
    first = _figures(tmp_path / "a", seed=11)
    second = _figures(tmp_path / "b", seed=11)
    assert first == second
    assert first[0]["conversation"] > 0


def test_same_seed_and_day_give_the_same_plan() -> None:
    assert plan_demo(seed=5, today=TODAY, residents=SMALL) == plan_demo(
        seed=5, today=TODAY, residents=SMALL
    )


def test_another_seed_gives_other_people() -> None:
    one = plan_demo(seed=5, today=TODAY, residents=SMALL)
    other = plan_demo(seed=6, today=TODAY, residents=SMALL)
    assert [p.ref for p in one.people] != [p.ref for p in other.people]


def test_a_later_day_keeps_the_earlier_story() -> None:
    """Building a day later adds to the demo: what happened well before the earlier day is
    the same (only the last weeks, whose appointments fell after it, may differ)."""
    earlier = plan_demo(seed=5, today=TODAY, residents=150)
    later = plan_demo(seed=5, today=TODAY + timedelta(days=200), residents=150)
    cutoff = TODAY - timedelta(days=120)
    assert [a for a in earlier.acts if a.on < cutoff] == [a for a in later.acts if a.on < cutoff]


@pytest.mark.slow
def test_the_build_reports_each_year_of_its_history_once_it_is_written(tmp_path: Path) -> None:
    folder = tmp_path / "demo"
    seen: list[tuple[int, int]] = []
    watching: list[Store] = []

    def on_year(year: int) -> None:
        # Each report follows that year's commit: its audit row is already in the store.
        if not watching:
            building = tmp_path / "demo.building"
            watching.append(Store.unlock(building, user=DEMO_USER, passphrase=DEMO_PASSPHRASE))
        with watching[0].read() as session:
            written = session.execute(
                text("SELECT count(*) FROM audit WHERE action = 'demo.build'")
            ).scalar_one()
        seen.append((year, int(written)))

    try:
        build_demo(folder, today=TODAY, seed=3, residents=12, on_year=on_year)
    finally:
        for store in watching:
            store.close()
    years = sorted({act.on.year for act in plan_demo(seed=3, today=TODAY, residents=12).acts})
    assert [year for year, _ in seen] == years
    assert years[-1] == TODAY.year
    assert [written for _, written in seen] == list(range(1, len(years) + 1))
