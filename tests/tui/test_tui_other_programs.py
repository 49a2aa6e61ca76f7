"""The application beside another program on the same store: screens follow its commits, an
action on a row it already changed says so in words, and a store replaced underneath it is
noticed. The other program is a second Store on the same folder (another connection: SQLite's
data_version counts it exactly as it counts another process); tests/store/test_store_lock.py and
tests/faults/test_many_hands.py run real processes."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from freezegun import freeze_time
from sqlmodel import col, select
from textual.widgets import DataTable, Static

from outreach.model import AuditEntry, Role
from outreach.store.store import Store
from outreach.store.store_lock import when
from outreach.tui import app as app_module
from outreach.tui.app import create_app
from outreach.tui.screens.followups import FollowUpsScreen
from outreach.tui.screens.unlock import UnlockScreen
from tests.support.stores import PASSPHRASE
from tests.support.tui_helpers import FROZEN, SIZE, still_cursor, wait_for
from tests.support.tui_store import TODAY, copy_built


@pytest.fixture(autouse=True)
def _quiet_watch(monkeypatch: pytest.MonkeyPatch) -> None:
    """The tests ask the app to look (app.watch_store) at the moment they choose."""
    still_cursor(monkeypatch)
    monkeypatch.setattr(app_module, "WATCH_SECONDS", 3600.0)


@pytest.fixture
def stores(tmp_path: Path, tui_template: Path) -> Iterator[tuple[Store, Store]]:
    """ana's store for the application, and bob's on the same folder: the other program."""
    folder = copy_built(tui_template, tmp_path / "store")
    with freeze_time(TODAY, **FROZEN):
        ana = Store.unlock(folder, user="ana", passphrase=PASSPHRASE)
        ana.add_account("bob", Role.staff, PASSPHRASE)
        bob = Store.unlock(folder, user="bob", passphrase=PASSPHRASE)
    yield ana, bob
    bob.close()
    ana.close()


def _refs(table: DataTable) -> list[str]:
    return [str(table.get_row_at(row)[2]) for row in range(table.row_count)]


def _due_ids(store: Store) -> dict[str, int]:
    from outreach.services.followups import due_followups

    return {row.person_ref: row.id for row in due_followups(store, as_of=TODAY)}


def _last_at(store: Store) -> str:
    with store.read() as session:
        at = session.exec(select(AuditEntry.at).order_by(col(AuditEntry.id).desc())).first()
    assert at is not None
    return when(at)


@pytest.mark.asyncio
async def test_the_screen_in_view_follows_a_commit_by_another_program(
    stores: tuple[Store, Store],
) -> None:
    from outreach.services.followup_changes import CompleteFollowUp, complete_followup

    ana, bob = stores
    with freeze_time(TODAY, **FROZEN):
        app = create_app(ana.folder, store=ana)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("w")
            await wait_for(pilot, lambda: isinstance(app.screen, FollowUpsScreen))
            table = app.screen.query_one("#followups", DataTable)
            await wait_for(pilot, lambda: table.row_count == 2)
            assert _refs(table) == ["A1001", "B2001"]
            complete_followup(bob, CompleteFollowUp(followup_id=_due_ids(bob)["A1001"]))
            app.watch_store()
            await wait_for(pilot, lambda: table.row_count == 1)
            assert _refs(table) == ["B2001"]
            assert [n.message for n in app._notifications] == ["Updated with changes saved by bob."]


@pytest.mark.asyncio
async def test_its_own_saves_are_not_news(stores: tuple[Store, Store]) -> None:
    ana, _bob = stores
    with freeze_time(TODAY, **FROZEN):
        app = create_app(ana.folder, store=ana)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("w")
            await wait_for(pilot, lambda: isinstance(app.screen, FollowUpsScreen))
            table = app.screen.query_one("#followups", DataTable)
            await wait_for(pilot, lambda: table.row_count == 2)
            await pilot.press("space")
            await wait_for(pilot, lambda: table.row_count == 1)
            assert ana.poll_changes() is None
            assert [n.message for n in app._notifications] == [
                "Follow-up for A1001 marked done. z undoes it."
            ]


@pytest.mark.asyncio
async def test_done_on_a_follow_up_another_program_closed_says_by_whom_and_when(
    stores: tuple[Store, Store],
) -> None:
    from outreach.services.followup_changes import CompleteFollowUp, complete_followup

    ana, bob = stores
    with freeze_time(TODAY, **FROZEN):
        app = create_app(ana.folder, store=ana)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("w")
            await wait_for(pilot, lambda: isinstance(app.screen, FollowUpsScreen))
            table = app.screen.query_one("#followups", DataTable)
            await wait_for(pilot, lambda: table.row_count == 2)
            first = _due_ids(bob)["A1001"]
            # bob closes the row under ana's cursor before her screen has looked again.
            complete_followup(bob, CompleteFollowUp(followup_id=first))
            await pilot.press("space")
            expected = (
                f"follow-up {first} was already marked done by bob at {_last_at(bob)}; "
                "nothing was changed"
            )
            await wait_for(pilot, lambda: expected in [n.message for n in app._notifications])


@pytest.mark.asyncio
async def test_a_store_replaced_underneath_locks_the_application_with_a_notice(
    stores: tuple[Store, Store], tmp_path: Path
) -> None:
    ana, _bob = stores
    with freeze_time(TODAY, **FROZEN):
        app = create_app(ana.folder, store=ana)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("w")
            await wait_for(pilot, lambda: isinstance(app.screen, FollowUpsScreen))
            # A copy put in place of data.db (as a copy by hand, or a restore from a computer
            # whose lock does not reach this folder): same contents, another file.
            copy = tmp_path / "copy.db"
            shutil.copyfile(ana.db_path, copy)
            copy.replace(ana.db_path)
            app.watch_store()
            await wait_for(pilot, lambda: isinstance(app.screen, UnlockScreen))
            assert app.store is None
            notice = app.screen.query_one("#unlock-error", Static)
            expected = (
                "The store was replaced while it was open (a restore?). "
                "Unlock to open it as it is now."
            )
            await wait_for(pilot, lambda: str(notice.render()) == expected)
