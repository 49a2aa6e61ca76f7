"""The dashboard: the headline is drawn before the rest, every unit shows lowest first with its
target, the trend's axis stays at 50-100%, and barriers count people."""

from __future__ import annotations

import html
import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Static

from outreach.clock import now, today
from outreach.model import Person, Stay, Unit
from outreach.services.conversations import LogConversation, log_conversation
from outreach.services.mentors import AddMentor, add_mentor
from outreach.services.targets import SetTarget, set_target
from outreach.store.store import Store
from outreach.tui.app import create_app
from outreach.tui.screens import dashboard as dashboard_screen
from outreach.tui.screens.dashboard import DashboardScreen
from outreach.tui.widgets.trend_chart import axis_bottom, axis_ticks, label_line, month_labels
from outreach.tui.widgets.unit_coverage import UnitCoverage, UnitLine, lowest_first, unit_row
from tests.support.stores import new_store
from tests.support.tui_helpers import wait_for

# Eight units, more than the demo's six: all must be listed at 80x24.
UNITS = ["A Wing", "B Wing", "C Wing", "D Wing", "E Wing", "F Wing", "G Wing", "Wing [/] X"]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """One eligible, uncovered resident per unit, except G Wing which has two."""
    opened = new_store(tmp_path / "s")
    with opened.write() as session:
        for index, name in enumerate(UNITS):
            unit = Unit(name=name)
            session.add(unit)
            session.flush()
            for extra in range(2 if name == "G Wing" else 1):
                person = Person(
                    ref=f"U{index}{extra}",
                    display_name=f"Resident {index} {extra}",
                    date_of_birth=date(1990, 1, 1),
                    has_cervix="yes",
                    created_at=now(),
                )
                session.add(person)
                session.flush()
                assert person.id is not None
                session.add(Stay(person_id=person.id, unit_id=unit.id, arrived_on=date(2024, 1, 2)))
    set_target(
        opened, SetTarget(measure="coverage", value=80, target_on=date(2030, 1, 1), unit="G Wing")
    )
    yield opened
    opened.close()


def _screen_text(app: Any) -> str:
    """What the terminal shows, as text (the screenshot writes spaces as &#160;)."""
    return html.unescape(app.export_screenshot()).replace("\xa0", " ")


def _text(screen: Any, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


@pytest.mark.slow
@pytest.mark.asyncio
async def test_the_headline_is_drawn_while_the_rest_is_still_being_read(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = threading.Event()
    read_details = dashboard_screen.load_details

    def held_back(store: Store, **kwargs: Any) -> Any:
        release.wait(timeout=60)
        return read_details(store, **kwargs)

    monkeypatch.setattr(dashboard_screen, "load_details", held_back)
    app = create_app(store.folder, store=store)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
            screen = app.screen
            await wait_for(pilot, lambda: screen._headline_shown, tries=1500)
            await pilot.pause()
            shot = _screen_text(app)
            # 0 of 9 eligible covered; no site target; nothing due.
            assert "0.0% covered" in _text(screen, "#headline")
            assert "0 of 9 eligible" in _text(screen, "#headline")
            assert "This month: …" in _text(screen, "#headline")
            assert _text(screen, "#barriers") == "…"
            assert not screen._shown_once
            assert "0 of 9 eligible" in shot
            release.set()
            await wait_for(pilot, lambda: screen._shown_once, tries=1500)
            assert _text(screen, "#barriers") == "None raised yet"
            assert "This month: 0 conversations" in _text(screen, "#headline")
    finally:
        release.set()


@pytest.mark.slow
@pytest.mark.asyncio
async def test_every_unit_is_listed_at_80x24_lowest_first_with_its_target(store: Store) -> None:
    app = create_app(store.folder, store=store)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
        await wait_for(pilot, lambda: app.screen._shown_once, tries=1500)
        await pilot.pause()
        units = app.screen.query_one(UnitCoverage)
        # Every unit is at 0.0%: ties go by name, so "Wing [/] X" is last.
        assert [u.name for u in units.shown_units] == UNITS
        lines = _screen_text(app)
        for name in UNITS:
            assert name in lines
        rows = str(units.render()).splitlines()
        assert len(rows) == 1 + len(UNITS)
        g_wing = next(r for r in rows if r.startswith("G Wing"))
        assert g_wing.split()[-2:] == ["0.0%", "80%"]


def test_units_are_ordered_lowest_first_with_no_one_eligible_last() -> None:
    units = [
        UnitLine("Elm", eligible=10, covered=9, target=None),  # 90%
        UnitLine("Ash", eligible=0, covered=0, target=None),  # no figure
        UnitLine("Oak", eligible=4, covered=3, target=90),  # 75%
        UnitLine("Box", eligible=8, covered=6, target=None),  # 75%
    ]
    assert [u.name for u in lowest_first(units)] == ["Box", "Oak", "Elm", "Ash"]


def test_a_unit_row_shows_the_name_as_typed_its_coverage_and_its_target() -> None:
    # 31 cells: 18 for the name, 6 for the coverage, 7 for the target.
    row = unit_row(UnitLine("Wing [/] \x1b[2J", eligible=4, covered=3, target=90), 31)
    assert row.plain == "Wing [/] \\u001b[2J" + " 75.0%" + "    90%"
    cut = unit_row(UnitLine("A very long unit name indeed", eligible=3, covered=3, target=None), 24)
    assert cut.plain == "A very lon…" + "100.0%" + " " * 7
    assert len(cut.plain) == 24


@pytest.mark.parametrize(
    ("rates", "target", "national", "bottom"),
    [
        ([93.1, 92.0, 91.1], 90.0, 68.8, 50),
        ([64.0, None, 91.0], 90.0, None, 50),
        ([55.0, 49.9], 90.0, 68.8, 40),
        ([12.5], None, None, 10),
        ([], None, None, 50),
        ([80.0], 90.0, 45.0, 40),
    ],
)
def test_the_trend_axis_is_50_to_100_unless_a_figure_is_lower(
    rates: list[float | None], target: float | None, national: float | None, bottom: float
) -> None:
    assert axis_bottom(rates, target, national) == bottom


@pytest.mark.parametrize(
    ("bottom", "target", "ticks"),
    [
        (50, 90.0, [50, 75, 90, 100]),
        (50, None, [50, 75, 100]),
        (50, 80.0, [50, 80, 100]),
        (40, 90.0, [40, 70, 90, 100]),
        (50, 100.0, [50, 75, 100]),
    ],
)
def test_the_axis_labels_its_ends_its_middle_and_the_target(
    bottom: float, target: float | None, ticks: list[float]
) -> None:
    assert axis_ticks(bottom, target) == ticks


def test_month_labels_carry_the_year_under_the_first_and_where_it_changes() -> None:
    days = [date(2023, 11, 30), date(2023, 12, 31), date(2024, 1, 31), date(2024, 2, 29)]
    assert month_labels(days) == ["Nov 23", "Dec", "Jan 24", "Feb"]
    assert month_labels([date(2023, 12, 31), date(2024, 2, 29)]) == ["Dec 23", "Feb 24"]


@pytest.mark.slow
@pytest.mark.asyncio
async def test_every_barrier_is_listed_in_full_counting_people(store: Store) -> None:
    day = today()
    add_mentor(store, AddMentor(name="Mo", trained_on=date(2023, 1, 1)))
    # U00 raises fear twice, U10 fear and low perceived need once: fear is 2 people in 3 talks.
    for ref, barriers in [
        ("U00", ["fear_anxiety"]),
        ("U00", ["fear_anxiety"]),
        ("U10", ["fear_anxiety", "low_perceived_need"]),
    ]:
        log_conversation(
            store,
            LogConversation(
                occurred_on=day,
                kind="one_to_one",
                person_ref=ref,
                mentors=["Mo"],
                setting="wing",
                minutes=10,
                barriers=barriers,
                outcome="undecided_more_time",
            ),
        )
    app = create_app(store.folder, store=store)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
        await wait_for(pilot, lambda: app.screen._shown_once, tries=1500)
        screen = app.screen
        assert _text(screen, "#barriers").splitlines() == [
            "\u00a0\u00a02  Fear or anxiety",
            "\u00a0\u00a01  Low perceived need (no symptoms, not sexually active)",
        ]
        assert screen.query_one("#barriers-panel").border_title == (
            "Barriers raised this month (2): people who raised each"
        )
        assert "This month: 3 conversations, 2 people reached, 30 minutes" in _text(
            screen, "#headline"
        )


def test_month_labels_sit_under_their_points_every_other_one_when_narrow() -> None:
    months = [date(2024, m, 28) for m in range(1, 13)]
    # 35 columns after a 4-column axis: every other month from December back; Feb at
    # column 4 + round(1 * 35 / 11) = 7, Apr at 14, Jun 20, Aug 26, Oct 33, Dec 39 (kept
    # inside the line), each centred there.
    assert label_line(months, offset=4, width=40) == "    Feb 24   Apr   Jun   Aug    Oct  Dec"
    assert label_line([date(2024, 12, 31)], offset=4, width=20) == " Dec 24"
    assert label_line([], offset=4, width=20) == ""


@pytest.mark.asyncio
async def test_the_chart_ends_with_its_month_labels() -> None:
    from textual.app import App, ComposeResult

    from outreach.tui.widgets.trend_chart import TrendChart, TrendPoint

    class Chart(App[None]):
        def compose(self) -> ComposeResult:
            yield TrendChart()

    app = Chart()
    async with app.run_test(size=(40, 8)) as pilot:
        chart = app.query_one(TrendChart)
        months = [date(2024, m, 28) for m in range(1, 13)]
        chart.show([TrendPoint(d, 90.0) for d in months], target=90.0, national=68.8)
        await pilot.pause()
        lines = chart.render().plain.split("\n")  # type: ignore[union-attr]
        # 7 rows of plot from 100% down to 50%, then the labels (as worked out above).
        assert len(lines) == 8
        assert lines[0].startswith("100%") and lines[6].startswith(" 50%")
        assert lines[7] == "    Feb 24   Apr   Jun   Aug    Oct  Dec"
