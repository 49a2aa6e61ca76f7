"""The Conflicts screen: reached by f, both values with who and when, 1 keeps this laptop's
side and 2 the other's; the dashboard says when any wait. Text from the store is shown as
typed, never as markup or terminal escapes."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from freezegun import freeze_time
from sqlmodel import col, select
from textual.widgets import DataTable, Static

from outreach.model import AuditEntry, Person, ScreeningEvent
from outreach.services.site import own_card
from outreach.services.sync import pair
from outreach.services.sync_conflicts import open_count
from outreach.store.store import Store
from outreach.tui.app import create_app
from outreach.tui.screens.conflicts import ConflictsScreen
from tests.support.stores import new_store
from tests.support.sync_pairs import add_event, both, change, person, value
from tests.support.tui_helpers import FROZEN, wait_for
from tests.support.tui_store import TODAY

HERE_AT = int(datetime(2024, 6, 13, 9, 30, tzinfo=UTC).timestamp() * 1000)
THERE_AT = int(datetime(2024, 6, 13, 11, 5, tzinfo=UTC).timestamp() * 1000)


@pytest.fixture
def clashed(tmp_path: Path) -> Iterator[Store]:
    """Laptop A after an exchange with B in which both changed a name (hostile text on both
    sides) and one HPV result; the clocks are set to fixed times so the screen is stable."""
    a, b = new_store(tmp_path / "a", site="Laptop A"), new_store(tmp_path / "b", site="Laptop B")
    pair(a, own_card(b).to_bytes())
    pair(b, own_card(a).to_bytes())
    person(a, "A1[/]")
    add_event(a, "test")
    both(a, b)
    change(a, Person, display_name="Ann [b]bold[/b]")
    change(a, ScreeningEvent, hpv="negative")
    change(b, Person, display_name="Ann \x1b[31mred")
    change(b, ScreeningEvent, hpv="positive")
    both(a, b)
    b.close()
    with a.write() as session:
        conn = session.connection()
        store_id = conn.exec_driver_sql("SELECT store_id FROM site").scalar_one()
        for side in ("kept", "held"):
            conn.exec_driver_sql(
                f"UPDATE sync_conflict SET {side}_clock = CASE WHEN {side}_store = ? "
                f"THEN ? ELSE ? END",
                (store_id, HERE_AT, THERE_AT),
            )
    yield a
    a.close()


@pytest.fixture(autouse=True)
def _utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Times are shown in the laptop's zone: UTC here, so the expected times hold anywhere."""
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def _status(app: Any) -> str:
    return str(app.screen.query_one("#conflicts-status", Static).render())


def _detail(app: Any) -> str:
    return str(app.screen.query_one("#conflict-detail", Static).render())


@pytest.mark.asyncio
async def test_f_lists_each_conflict_and_2_keeps_the_other_side(
    clashed: Store,
) -> None:
    with freeze_time(TODAY, **FROZEN):
        app = create_app(clashed.folder, store=clashed, idle_minutes=60)
        async with app.run_test(size=(80, 24)) as pilot:
            line = app.screen.query_one("#conflicts-line", Static)
            await wait_for(pilot, lambda: line.display)
            assert str(line.render()) == "2 sync conflicts waiting for a person: f to review"
            await pilot.press("f")
            await wait_for(pilot, lambda: isinstance(app.screen, ConflictsScreen))
            table = app.screen.query_one(DataTable)
            await wait_for(pilot, lambda: table.row_count == 2)
            rows = [[str(c) for c in table.get_row_at(i)] for i in range(2)]
            assert rows == [
                ["1", "A1[/]", "person: name", "Ann [b]bold[/b]", "Ann \\u001b[31mred"],
                ["2", "A1[/]", "screening step: HPV result", "negative", "positive"],
            ]
            assert _detail(app) == (
                "#1 A1[/]: person: name. The later change (theirs) shows meanwhile.\n"
                "1 here    (this laptop, 2024-06-13 09:30): Ann [b]bold[/b]\n"
                "2 theirs  (Laptop B, 2024-06-13 11:05): Ann \\u001b[31mred"
            )
            await pilot.press("down")
            assert _detail(app).startswith(
                "#2 A1[/]: screening step: HPV result. Clinical: this laptop's value stays"
            )
            await pilot.press("2")
            await wait_for(pilot, lambda: table.row_count == 1)
            assert _status(app).startswith(
                "Resolved #2 (A1[/]): kept the other laptop's side. 1 waiting."
            )
    assert value(clashed, ScreeningEvent, "hpv") == "positive"
    assert open_count(clashed) == 1
    with clashed.read() as session:
        last = session.exec(select(AuditEntry).order_by(col(AuditEntry.id).desc())).first()
    assert last is not None and last.action == "sync.resolve"


def test_the_conflicts_screen_at_80x24(snap_compare: Any, clashed: Store) -> None:

    async def opened(pilot: Any) -> None:
        await pilot.press("f")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ConflictsScreen))
        table = pilot.app.screen.query_one(DataTable)
        await wait_for(pilot, lambda: table.row_count == 2)
        await pilot.pause()

    with freeze_time(TODAY, **FROZEN):
        app = create_app(clashed.folder, store=clashed, idle_minutes=60)
        assert snap_compare(app, terminal_size=(80, 24), run_before=opened)
