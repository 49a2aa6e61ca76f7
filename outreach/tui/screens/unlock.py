"""The unlock screen: account and passphrase; Argon2id runs in a thread worker.

The account is chosen from the store's accounts, never typed, so a passphrase can never end
up in it in plain sight. It is filled in from ``--user``, else the store's only account, else
the account last used on this laptop; the cursor then starts in the passphrase. Tab goes from
account to passphrase, and choosing an account moves there too. A store from an older
outreach is upgraded as it is unlocked, which at a million people takes minutes: the line
under the passphrase says what is being done meanwhile (the copy kept first, as it rises).
"""

from __future__ import annotations

import math
import time
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Button, Footer, Input, Label, Select, Static

from outreach.store.last_account import account_names, last_account, remember_account
from outreach.tui.collection import resume_collection
from outreach.tui.messages import StepSaid, Unlocked, UnlockFailed
from outreach.tui.text import shown, shown_lines


class UnlockScreen(Screen[None]):
    """Asks for an account and its passphrase; shows why an unlock failed and any wait."""

    AUTO_FOCUS = "#passphrase"

    def __init__(self, folder: Path, *, user: str | None = None) -> None:
        super().__init__()
        self.folder = folder
        self.preset_user = user
        self.accounts = account_names(folder)
        """The store's accounts, offered in the account field."""
        # The cursor starts in the passphrase only when the account is already filled in.
        self.AUTO_FOCUS = "#passphrase" if self._account_offered() else "#account"  # type: ignore[misc]
        self._notice = ""
        self._ready_at = 0.0
        """Monotonic time at which the next try is allowed (after repeated failures)."""

    def compose(self) -> ComposeResult:
        with Vertical(id="unlock-box"):
            yield Static("outreach  ·  locked", id="unlock-title")
            yield Label(shown(f"Store: {self.folder}"), id="unlock-store")
            yield Label("Account")
            names = list(self.accounts)
            if self.preset_user and self.preset_user not in names:
                names.append(self.preset_user)  # unlocking says it is not an account here
            offered = self._account_offered()
            yield Select(
                [(name, name) for name in names],
                prompt="choose your account",
                value=Select.NULL if offered is None else offered,
                id="account",
            )
            yield Label("Passphrase")
            yield Input(password=True, placeholder="passphrase", id="passphrase")
            yield Static("", id="unlock-error")
            yield Button("Unlock", id="unlock", variant="primary")
        yield Footer(compact=True)

    def _account_offered(self) -> str | None:
        """The account to fill in: --user, the only account, or the last one used here."""
        if self.preset_user:
            return self.preset_user
        if len(self.accounts) == 1:
            return self.accounts[0]
        last = last_account()
        if last is not None and last in self.accounts:
            return last
        return None

    def on_mount(self) -> None:
        if self._notice:
            self._show(self._notice)
        self.set_interval(0.5, self._tick, name="unlock-countdown")
        self._warm_up()

    @work(thread=True, exclusive=True, exit_on_error=False, group="warm-up")
    def _warm_up(self) -> None:
        """While the passphrase is typed, import what the first dashboard needs and read the
        programme file (:func:`warm_first_screen`): about a second of imports that would
        otherwise follow pressing enter."""
        from outreach.tui.screens.warming import warm_first_screen

        try:
            warm_first_screen()
        finally:
            # The person may take a while to type: start-up's imports are done.
            resume_collection()

    def reset(self, notice: str = "") -> None:
        """Forget the typed passphrase and show ``notice`` (used when the app locks)."""
        if not self.query("#passphrase"):
            # Not composed yet (the app started unlocked): show the notice once it is.
            self._notice = notice
            return
        passphrase = self.query_one("#passphrase", Input)
        passphrase.value = ""
        self._set_busy(False)
        self.query_one("#unlock-error", Static).update(shown_lines(notice))
        passphrase.focus()

    def _account(self) -> str | None:
        value = self.query_one("#account", Select).value
        return None if value is Select.NULL else str(value)

    @on(Select.Changed, "#account")
    def _account_chosen(self) -> None:
        if self._account() is not None:
            self.query_one("#passphrase", Input).focus()

    @on(Input.Submitted, "#passphrase")
    @on(Button.Pressed, "#unlock")
    def _try_unlock(self) -> None:
        if self._remaining() > 0:
            return
        account = self._account()
        secret = self.query_one("#passphrase", Input).value
        if account is None and len(self.accounts) > 1:
            self._show("Choose your account.")
            self.query_one("#account", Select).focus()
            return
        if not secret:
            self._show("Type your passphrase.")
            return
        self._set_busy(True)
        self._show("Unlocking…")
        self._unlock(account, secret)

    @work(thread=True, exclusive=True, exit_on_error=False, group="unlock")
    def _unlock(self, account: str | None, secret: str) -> None:
        from outreach.store.errors import StoreError, Throttled, WrongPassphrase
        from outreach.store.store import Store
        from outreach.tui.errors import shown as error_text

        def said(text: str) -> None:
            self.post_message(StepSaid(text))

        try:
            store = Store.unlock(self.folder, user=account, passphrase=secret, said=said)
        except Throttled as exc:
            self.post_message(UnlockFailed(str(exc), exc.wait_seconds))
        except WrongPassphrase as exc:
            self.post_message(UnlockFailed(str(exc), _wait_now(self.folder)))
        except (StoreError, ValueError) as exc:
            self.post_message(UnlockFailed(str(exc)))
        except Exception as exc:
            self.post_message(UnlockFailed(error_text(exc)))
        else:
            remember_account(store.actor.name)
            self.app.post_message(Unlocked(store))

    @on(StepSaid)
    def _said(self, message: StepSaid) -> None:
        self._show(message.text)

    @on(UnlockFailed)
    def _failed(self, message: UnlockFailed) -> None:
        self._ready_at = time.monotonic() + message.wait_seconds
        passphrase = self.query_one("#passphrase", Input)
        passphrase.value = ""
        self._set_busy(False)
        self._show(message.error)
        self._tick()
        passphrase.focus()

    def _remaining(self) -> float:
        return max(0.0, self._ready_at - time.monotonic())

    def _tick(self) -> None:
        remaining = self._remaining()
        label = self.query_one("#unlock", Button)
        if remaining > 0:
            label.label = f"Wait {math.ceil(remaining)} s"
            label.disabled = True
        elif str(label.label) != "Unlock" and not self.query_one("#passphrase", Input).disabled:
            label.label = "Unlock"
            label.disabled = False

    def _set_busy(self, busy: bool) -> None:
        self.query_one("#account", Select).disabled = busy
        self.query_one("#passphrase", Input).disabled = busy
        self.query_one("#unlock", Button).disabled = busy

    def _show(self, text: str) -> None:
        self.query_one("#unlock-error", Static).update(shown_lines(text))


def _wait_now(folder: Path) -> float:
    """Seconds before the next try is allowed, from the failures recorded in keys.json."""
    from outreach.store import keyslots
    from outreach.store.layout import KEYS
    from outreach.store.unlocking import wait_after

    try:
        failures = keyslots.KeyFile.load(folder / KEYS).unlock_failures
    except Exception:
        return 0.0
    return wait_after(int(failures.get("count", 0)))
