"""The unlock screen: account and passphrase; Argon2id runs in a thread worker."""

from __future__ import annotations

import math
import time
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Button, Footer, Input, Label, Static

from outreach.tui.messages import Unlocked, UnlockFailed


class UnlockScreen(Screen[None]):
    """Asks for an account and its passphrase; shows why an unlock failed and any wait."""

    AUTO_FOCUS = "#passphrase"

    def __init__(self, folder: Path, *, user: str | None = None) -> None:
        super().__init__()
        self.folder = folder
        self.preset_user = user
        self._notice = ""
        self._ready_at = 0.0
        """Monotonic time at which the next try is allowed (after repeated failures)."""

    def compose(self) -> ComposeResult:
        with Vertical(id="unlock-box"):
            yield Static("outreach  ·  locked", id="unlock-title")
            yield Label(f"Store: {self.folder}", id="unlock-store")
            yield Label("Account")
            yield Input(
                self.preset_user or "", placeholder="account name", id="account", max_length=64
            )
            yield Label("Passphrase")
            yield Input(password=True, placeholder="passphrase", id="passphrase")
            yield Static("", id="unlock-error")
            yield Button("Unlock", id="unlock", variant="primary")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        if not self.preset_user:
            self.query_one("#account", Input).focus()
        if self._notice:
            self._show(self._notice)
        self.set_interval(0.5, self._tick, name="unlock-countdown")
        self._warm_up()

    @work(thread=True, exclusive=True, exit_on_error=False, group="warm-up")
    def _warm_up(self) -> None:
        """Import the store, services and stats while the passphrase is typed: about a second
        of SQLAlchemy and Alembic imports that would otherwise follow pressing enter."""
        import outreach.services.followups
        import outreach.stats.dashboard
        import outreach.store.store  # noqa: F401

    def reset(self, notice: str = "") -> None:
        """Forget the typed passphrase and show ``notice`` (used when the app locks)."""
        if not self.query("#passphrase"):
            # Not composed yet (the app started unlocked): show the notice once it is.
            self._notice = notice
            return
        passphrase = self.query_one("#passphrase", Input)
        passphrase.value = ""
        self._set_busy(False)
        self.query_one("#unlock-error", Static).update(notice)
        passphrase.focus()

    @on(Input.Submitted, "#account")
    def _account_entered(self) -> None:
        self.query_one("#passphrase", Input).focus()

    @on(Input.Submitted, "#passphrase")
    @on(Button.Pressed, "#unlock")
    def _try_unlock(self) -> None:
        if self._remaining() > 0:
            return
        account = self.query_one("#account", Input).value.strip() or None
        secret = self.query_one("#passphrase", Input).value
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
        from outreach.tui.errors import shown

        try:
            store = Store.unlock(self.folder, user=account, passphrase=secret)
        except Throttled as exc:
            self.post_message(UnlockFailed(str(exc), exc.wait_seconds))
        except WrongPassphrase as exc:
            self.post_message(UnlockFailed(str(exc), _wait_now(self.folder)))
        except (StoreError, ValueError) as exc:
            self.post_message(UnlockFailed(str(exc)))
        except Exception as exc:
            self.post_message(UnlockFailed(shown(exc)))
        else:
            self.app.post_message(Unlocked(store))

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
        for widget_id in ("#account", "#passphrase"):
            self.query_one(widget_id, Input).disabled = busy
        self.query_one("#unlock", Button).disabled = busy

    def _show(self, text: str) -> None:
        self.query_one("#unlock-error", Static).update(text)


def _wait_now(folder: Path) -> float:
    """Seconds before the next try is allowed, from the failures recorded in keys.json."""
    from outreach.store import keyslots
    from outreach.store.store import KEYS, wait_after

    try:
        failures = keyslots.KeyFile.load(folder / KEYS).unlock_failures
    except Exception:
        return 0.0
    return wait_after(int(failures.get("count", 0)))
