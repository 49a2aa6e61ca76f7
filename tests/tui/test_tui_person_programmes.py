"""The person screen gives one line for each testing programme she is in the ages of: the
furthest step (its result) and what it asks for next."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from freezegun import freeze_time
from textual.widgets import Static

from outreach.services.people import AddPerson, add_person
from outreach.services.profile import person_profile
from outreach.services.programme_steps import RecordProgrammeStep, record_programme_step
from outreach.store.store import Store
from outreach.tui.app import create_app
from outreach.tui.screens.dashboard import DashboardScreen
from outreach.tui.screens.person import PersonScreen
from tests.support.stores import fresh_store
from tests.support.tui_helpers import FROZEN, wait_for

TODAY = date(2025, 3, 10)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with freeze_time(TODAY, **FROZEN), fresh_store(tmp_path / "store") as opened:
        for ref, born in (("P1", date(1985, 6, 1)), ("P2", date(1965, 1, 1))):
            add_person(
                opened,
                AddPerson(
                    ref=ref,
                    display_name=f"Person {ref}",
                    date_of_birth=born,
                    has_cervix="yes",
                    arrived_on=date(2025, 3, 1),
                ),
            )
        for step, result in (("offered", None), ("antibody_test", "positive")):
            record_programme_step(
                opened,
                RecordProgrammeStep(
                    person_ref="P1",
                    programme="bbv-hepatitis-c",
                    step=step,
                    occurred_on=date(2025, 3, 3),
                    result=result,
                    where="on_site",
                ),
            )
        yield opened


def test_each_programme_in_her_ages_has_its_standing_and_what_is_next(store: Store) -> None:
    with freeze_time(TODAY, **FROZEN):
        p1 = person_profile(store, "P1").programmes
        p2 = person_profile(store, "P2").programmes
    # Antibody positive on 3 March: an RNA test is due 14 days later (the file's rule).
    assert [(s.short, s.eligible, s.next_step, s.next_due) for s in p1] == [
        ("Hep B", True, None, None),
        ("Hep C", True, "RNA test", date(2025, 3, 17)),
        ("HIV", True, None, None),
        ("Bowel", False, None, None),  # 39: below bowel screening's 50
    ]
    assert [s.words for s in p1 if s.eligible] == [
        "Hep B: no step recorded",
        "Hep C: Antibody positive 2025-03-03 · RNA test due 2025-03-17",
        "HIV: no step recorded",
    ]
    assert [s.short for s in p2 if s.eligible] == ["Hep B", "Hep C", "HIV", "Bowel"]


async def _person(pilot: Any, ref: str) -> None:
    app = pilot.app
    await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
    app.push_screen(PersonScreen(ref))
    await wait_for(pilot, lambda: isinstance(app.screen, PersonScreen))
    await wait_for(pilot, lambda: app.screen.profile is not None)
    await pilot.pause()


@pytest.mark.asyncio
async def test_the_person_screen_shows_a_line_per_programme(store: Store) -> None:
    with freeze_time(TODAY, **FROZEN):
        app = create_app(store.folder, store=store, idle_minutes=60)
        async with app.run_test(size=(80, 24)) as pilot:
            await _person(pilot, "P1")
            status = str(app.screen.query_one("#person-status", Static).render())
    assert status.splitlines()[3:] == [
        "Hep B: no step recorded",
        "Hep C: Antibody positive 2025-03-03 · RNA test due 2025-03-17",
        "HIV: no step recorded",
    ]


def test_person_programmes_snapshot(snap_compare: Any, store: Store) -> None:
    with freeze_time(TODAY, **FROZEN):
        app = create_app(store.folder, store=store, idle_minutes=60)
        assert snap_compare(
            app, terminal_size=(80, 24), run_before=lambda pilot: _person(pilot, "P1")
        )
