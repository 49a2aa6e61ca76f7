"""Unlocking, wrong passphrases, the wait after repeated failures, and locking."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Button, Input, Static

from outreach.errors import ValidationError
from outreach.store.errors import DiskFull
from outreach.store.store import Store
from outreach.tui.app import create_app
from outreach.tui.screens.dashboard import DashboardScreen
from outreach.tui.screens.unlock import UnlockScreen
from tests.support.stores import PASSPHRASE, new_store
from tests.support.tui_helpers import SIZE, type_text, wait_for


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("tui-unlock") / "store"
    new_store(path).close()
    return path


@pytest.fixture
def fresh_folder(tmp_path: Path) -> Path:
    path = tmp_path / "store"
    new_store(path).close()
    return path


@pytest.mark.slow
@pytest.mark.asyncio
async def test_the_right_passphrase_opens_the_dashboard(folder: Path) -> None:
    app = create_app(folder, user="ana")
    async with app.run_test(size=SIZE) as pilot:
        assert isinstance(app.screen, UnlockScreen)
        await type_text(pilot, PASSPHRASE)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
        assert app.store is not None
        assert app.store.actor.name == "ana"
        app.lock()


@pytest.mark.asyncio
async def test_a_wrong_passphrase_says_so_and_clears_the_field(fresh_folder: Path) -> None:
    app = create_app(fresh_folder, user="ana")
    async with app.run_test(size=SIZE) as pilot:
        await type_text(pilot, "not it at all")
        await pilot.press("enter")
        error = app.screen.query_one("#unlock-error", Static)
        await wait_for(pilot, lambda: "wrong passphrase" in str(error.render()))
        assert str(error.render()) == "wrong passphrase for 'ana'"
        assert app.screen.query_one("#passphrase", Input).value == ""
        assert app.store is None


@pytest.mark.slow
@pytest.mark.asyncio
async def test_after_three_failures_the_button_counts_down(fresh_folder: Path) -> None:
    app = create_app(fresh_folder, user="ana")
    async with app.run_test(size=SIZE) as pilot:
        error = app.screen.query_one("#unlock-error", Static)
        for attempt in (1, 2, 3):
            await type_text(pilot, f"wrong {attempt} passphrase")
            await pilot.press("enter")
            await wait_for(pilot, lambda a=attempt: str(a) in str(error.render()) or a < 3)
            await wait_for(pilot, lambda: not app.screen.query_one("#passphrase").disabled)
        button = app.screen.query_one("#unlock", Button)
        # wait_after(3) is 2 seconds: the button shows it instead of "Unlock".
        assert str(button.label) == "Wait 2 s"
        assert button.disabled
        assert "3 failed tries in a row" in str(error.render())


@pytest.mark.slow
@pytest.mark.asyncio
async def test_an_unknown_account_is_named(folder: Path) -> None:
    app = create_app(folder, user="zed")
    async with app.run_test(size=SIZE) as pilot:
        await type_text(pilot, PASSPHRASE)
        await pilot.press("enter")
        error = app.screen.query_one("#unlock-error", Static)
        await wait_for(pilot, lambda: "zed" in str(error.render()))
        assert app.store is None


@pytest.mark.asyncio
async def test_ctrl_l_closes_the_store_and_removes_every_data_screen(folder: Path) -> None:
    store = Store.unlock(folder, user="ana", passphrase=PASSPHRASE)
    app = create_app(folder, store=store)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
        await pilot.press("question_mark")
        await pilot.press("ctrl+l")
        await pilot.pause()
        assert app.store is None
        assert [type(s) for s in app.screen_stack] == [UnlockScreen]
        assert "main" not in app._screen_stacks
        assert "Locked" in str(app.screen.query_one("#unlock-error", Static).render())


@pytest.mark.asyncio
async def test_it_locks_itself_after_the_idle_time(folder: Path) -> None:
    seconds = [1000.0]
    store = Store.unlock(folder, user="ana", passphrase=PASSPHRASE)
    app = create_app(folder, store=store, idle_minutes=5, clock=lambda: seconds[0])
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
        seconds[0] += 4 * 60
        app.lock_if_idle()
        assert app.store is not None
        await pilot.press("d")  # a key press counts as activity and restarts the wait
        seconds[0] += 4 * 60
        app.lock_if_idle()
        assert app.store is not None
        seconds[0] += 60
        app.lock_if_idle()
        await pilot.pause()
        assert app.store is None
        assert isinstance(app.screen, UnlockScreen)


def test_idle_minutes_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OUTREACH_IDLE_MINUTES", "2.5")
    assert create_app(Path("unused")).idle_seconds == 150


def test_idle_minutes_default_to_five_and_a_bad_value_is_refused_by_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert create_app(Path("unused")).idle_seconds == 300
    monkeypatch.setenv("OUTREACH_IDLE_MINUTES", "soon")
    with pytest.raises(ValidationError) as refused:
        create_app(Path("unused"))
    assert str(refused.value) == (
        "OUTREACH_IDLE_MINUTES: 'soon' is not a number of minutes above 0"
    )


@pytest.mark.asyncio
async def test_an_upgrade_at_unlock_is_shown_as_it_goes(
    fresh_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the store says while it upgrades (a copy kept first, for minutes at a million
    people) replaces "Unlocking…" as it comes, in order, until the unlock ends."""
    copying = "Upgrading the store: keeping a copy of it in backups/ first"

    def upgrading(folder: Path, *, user: str | None, passphrase: str, said: Any = None) -> Store:
        assert said is not None
        said(f"{copying} (0% of 13.4 GB)")
        said(f"{copying} (57% of 13.4 GB)")
        raise DiskFull("the disk filled up: nothing was changed")

    monkeypatch.setattr(Store, "unlock", staticmethod(upgrading))
    shown: list[str] = []
    show = UnlockScreen._show

    def recorded(screen: UnlockScreen, text: str) -> None:
        shown.append(text)
        show(screen, text)

    monkeypatch.setattr(UnlockScreen, "_show", recorded)
    app = create_app(fresh_folder, user="ana")
    async with app.run_test(size=SIZE) as pilot:
        await type_text(pilot, PASSPHRASE)
        await pilot.press("enter")
        await wait_for(pilot, lambda: len(shown) == 4)
        error = app.screen.query_one("#unlock-error", Static)
        assert str(error.render()) == "the disk filled up: nothing was changed"
    assert shown == [
        "Unlocking…",
        f"{copying} (0% of 13.4 GB)",
        f"{copying} (57% of 13.4 GB)",
        "the disk filled up: nothing was changed",
    ]
