"""The unlock screen's account: filled in when it can be, chosen not typed, remembered per
laptop as a name only, and Tab goes on to the passphrase."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from textual.widgets import Input, Select

from outreach.store.last_account import (
    account_names,
    last_account,
    remember_account,
    state_folder,
)
from outreach.tui.app import create_app
from outreach.tui.screens.dashboard import DashboardScreen
from outreach.tui.screens.unlock import UnlockScreen
from tests.support.stores import PASSPHRASE, new_store
from tests.support.tui_helpers import SIZE, still_cursor, type_text, wait_for

OTHER = "another long passphrase 7"


@pytest.fixture(autouse=True)
def _state_in_tmp(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    still_cursor(monkeypatch)
    monkeypatch.delenv("XDG_STATE_HOME", raising=False)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))


@pytest.fixture(scope="module")
def one_account(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("unlock-one") / "store"
    new_store(path).close()
    return path


@pytest.fixture(scope="module")
def two_accounts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("unlock-two") / "store"
    store = new_store(path)
    try:
        store.add_account("bob", "staff", OTHER)
    finally:
        store.close()
    return path


def _account(app: object) -> object:
    return app.screen.query_one("#account", Select).value  # type: ignore[attr-defined]


def _passphrase(app: object) -> Input:
    return app.screen.query_one("#passphrase", Input)  # type: ignore[attr-defined]


def test_the_state_folder_is_the_one_the_tests_set(tmp_path: Path) -> None:
    assert state_folder() == tmp_path / "state" / "outreach"


@pytest.mark.slow
def test_account_names_agree_with_the_key_slots(two_accounts: Path) -> None:
    from outreach.store.keyslots import KeyFile

    slots = KeyFile.load(two_accounts / "keys.json").account_slots()
    assert account_names(two_accounts) == sorted(s.account for s in slots if s.account)
    assert account_names(two_accounts) == ["ana", "bob"]
    assert account_names(two_accounts / "nowhere") == []


@pytest.mark.slow
@pytest.mark.asyncio
async def test_the_only_account_is_filled_in_and_typing_goes_to_the_passphrase(
    one_account: Path,
) -> None:
    app = create_app(one_account)
    async with app.run_test(size=SIZE) as pilot:
        assert isinstance(app.screen, UnlockScreen)
        assert _account(app) == "ana"
        assert app.focused is _passphrase(app)
        await type_text(pilot, PASSPHRASE)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen), tries=1500)
        await wait_for(pilot, lambda: app.screen._shown_once, tries=1500)
        assert app.store is not None and app.store.actor.name == "ana"


@pytest.mark.asyncio
async def test_with_several_accounts_and_none_remembered_the_account_is_asked_first(
    two_accounts: Path,
) -> None:
    app = create_app(two_accounts)
    async with app.run_test(size=SIZE) as pilot:
        account = app.screen.query_one("#account", Select)
        assert account.value is Select.NULL
        assert app.focused is account
        # A passphrase typed while the account has the cursor is never shown or kept.
        await type_text(pilot, "correct horse")
        assert account.value is Select.NULL
        assert _passphrase(app).value == ""
        assert "correct" not in str(account.render())


@pytest.mark.asyncio
async def test_tab_moves_from_account_to_passphrase(two_accounts: Path) -> None:
    app = create_app(two_accounts)
    async with app.run_test(size=SIZE) as pilot:
        assert app.focused is app.screen.query_one("#account", Select)
        await pilot.press("tab")
        await pilot.pause()
        assert app.focused is _passphrase(app)
        await type_text(pilot, "abc")
        assert _passphrase(app).value == "abc"
        await pilot.press("enter")
        await pilot.pause()
        error = str(app.screen.query_one("#unlock-error").render())
        assert error == "Choose your account."
        assert app.focused is app.screen.query_one("#account", Select)


@pytest.mark.slow
@pytest.mark.asyncio
async def test_choosing_an_account_moves_to_the_passphrase_and_is_remembered(
    two_accounts: Path,
) -> None:
    app = create_app(two_accounts)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter")  # opens the list: the prompt, ana, bob
        await pilot.press("down", "down", "enter")
        await wait_for(pilot, lambda: _account(app) == "bob")
        assert app.focused is _passphrase(app)
        await type_text(pilot, OTHER)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen), tries=1500)
        await wait_for(pilot, lambda: app.screen._shown_once, tries=1500)
    path = state_folder() / "last-account.json"
    assert json.loads(path.read_text(encoding="utf-8")) == {"account": "bob"}
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert last_account() == "bob"


@pytest.mark.asyncio
async def test_the_last_account_used_here_is_filled_in(two_accounts: Path) -> None:
    remember_account("bob")
    app = create_app(two_accounts)
    async with app.run_test(size=SIZE):
        assert _account(app) == "bob"
        assert app.focused is _passphrase(app)


@pytest.mark.asyncio
async def test_a_remembered_account_this_store_lacks_is_not_offered(two_accounts: Path) -> None:
    remember_account("carol")
    app = create_app(two_accounts)
    async with app.run_test(size=SIZE):
        assert _account(app) is Select.NULL


@pytest.mark.asyncio
async def test_the_user_option_wins_over_the_remembered_account(two_accounts: Path) -> None:
    remember_account("bob")
    app = create_app(two_accounts, user="ana")
    async with app.run_test(size=SIZE):
        assert _account(app) == "ana"


def test_a_damaged_or_strange_state_file_is_ignored() -> None:
    folder = state_folder()
    folder.mkdir(parents=True)
    (folder / "last-account.json").write_text("{not json", encoding="utf-8")
    assert last_account() is None
    (folder / "last-account.json").write_text('{"account": "two words"}', encoding="utf-8")
    assert last_account() is None
    remember_account("has space")
    assert last_account() is None
