"""The Textual application and its one factory, :func:`create_app`.

The app starts locked (the unlock screen is the base of the default mode). Unlocking adds a
``main`` mode whose screens hold data; locking switches back to the unlock screen and removes
that mode, so every screen that showed data is gone before the store is closed.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import events, on
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import ModalScreen, Screen

from outreach.settings import Settings
from outreach.text import visible, visible_lines
from outreach.tui.actions import APP_ACTIONS, app_bindings, keys_text
from outreach.tui.messages import StoreChanged, Unlocked

if TYPE_CHECKING:
    from textual.notifications import SeverityLevel

    from outreach.services.drafts import Draft
    from outreach.store.store import Store

# How often the store is asked whether another program committed (and on focus).
WATCH_SECONDS = 1.5
# A note that the screen was updated with someone else's changes shows at most this often.
CHANGED_NOTICE_SECONDS = 60.0
MAIN = "main"
LOCKED = "locked"
LOCKED_NOTICE = "Locked. Unlock to carry on."
REPLACED_NOTICE = (
    "The store was replaced while it was open (a restore?). Unlock to open it as it is now."
)
# Seconds without a key or mouse event after a write before the WAL is checkpointed.
CHECKPOINT_AFTER_IDLE_S = 30

_NAVIGATION = {"go", "log_conversation", "record_screening"}

# Input that counts as someone being at the keyboard.
_ACTIVITY = (events.Key, events.MouseDown, events.MouseScrollDown, events.MouseScrollUp)


class OutreachApp(App[None]):
    """Outreach: log conversations, record screening steps, work follow-ups, see coverage."""

    CSS_PATH = "app.tcss"
    TITLE = "outreach"
    ENABLE_COMMAND_PALETTE = True
    DEFAULT_MODE = LOCKED
    BINDINGS: ClassVar[list[BindingType]] = [
        *app_bindings(),
        Binding("ctrl+q,f10", "quit", "Quit", id="quit", priority=True, key_display="^q"),
        Binding("ctrl+p,colon", "command_palette", "Commands", id="palette", show=False),
    ]

    def __init__(
        self,
        folder: Path,
        *,
        settings: Settings,
        demo: bool = False,
        store: Store | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if store is not None:
            # Already unlocked: start on the dashboard rather than build the unlock screen
            # only to leave it at once (a faster start).
            self.DEFAULT_MODE = MAIN  # type: ignore[misc]
        super().__init__()
        self.folder = folder
        self.settings = settings
        """This run's settings (:class:`outreach.settings.Settings`), fixed for its life."""
        self.preset_user = settings.user
        self.demo = demo
        self.idle_seconds = settings.idle_minutes * 60
        self.backup_days = settings.backup_days
        """Offer a backup on quit when the last one is at least this many days old (0: never)."""
        self.store: Store | None = None
        self.site_name = ""
        self._clock = clock
        self._last_activity = clock()
        self.crash_report: Path | None = None
        """Where the report of an unexpected error went, once there has been one."""
        self.crash_message = ""
        """What to tell the person after an unexpected error (empty when there was none)."""
        self.last_mentor: str | None = None
        """The mentor picked in the last conversation form: the next one's default."""
        self.programme = "cervical-screening"
        """The programme the dashboard and "Who is being missed" show (``n`` on either moves
        it on: ``outreach.tui.programme_choice``)."""
        self._checkpointed_commits = 0
        self.restart_on_lock = False
        """Set by ``outreach open``: at lock, end so that the process can replace itself
        (``os.execv``) and keep nothing of the key, the passphrase or the records in memory."""
        self.locked_notice = ""
        """A notice for the first unlock screen (after the application restarted at lock)."""
        self.restart_as: str | None = None
        """After a lock that asks for a restart: the account to preset in the new process."""
        self.restart_notice = ""
        """After such a lock: the notice the new process shows."""
        self._changed_notice_at = -CHANGED_NOTICE_SECONDS

        self.add_mode(LOCKED, self._unlock_screen)
        if store is not None:
            self._adopt(store)

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Show a notification, always as plain text: messages carry names, units and folders
        a person typed, which must never be read as markup or reach the terminal raw."""
        super().notify(
            visible_lines(message),
            title=visible(title),
            severity=severity,
            timeout=timeout,
            markup=False,
        )

    def _handle_exception(self, error: Exception) -> None:
        """An unexpected error: write a report without any values, close the store, and leave
        with exit code 1 and :attr:`crash_message` to show. Textual's own handling prints a
        traceback with every frame's local variables, which hold records."""
        from outreach.crash import calm_message, write_report

        self._return_code = 1
        self.crash_report = write_report(error)
        if self._exception is None:
            # Kept (never printed) so that a test driving the app sees what went wrong.
            self._exception = error
            self._exception_event.set()
        store, self.store = self.store, None
        if store is not None:
            with contextlib.suppress(Exception):
                store.close()
        # Printed by ``outreach open`` once the screen is restored, unwrapped, so the report's
        # path can be copied whole; Textual prints nothing of its own.
        self.crash_message = calm_message(error, self.crash_report)
        self._close_messages_no_wait()

    # -- start -----------------------------------------------------------------------------
    def _unlock_screen(self) -> Screen:
        from outreach.tui.screens.unlock import UnlockScreen

        screen = UnlockScreen(self.folder, user=self.preset_user)
        if self.locked_notice:
            screen.reset(notice=self.locked_notice)
        return screen

    def on_mount(self) -> None:
        self.set_interval(1.0, self.lock_if_idle, name="idle-lock")
        self.set_interval(WATCH_SECONDS, self.watch_store, name="store-watch")
        if self.store is not None:
            # Started already unlocked (the demo): offer kept forms as after an unlock.
            self._offer_drafts()

    # -- other programs on the same store --------------------------------------------------
    def on_app_focus(self) -> None:
        # Back from another window, perhaps the other program: look at once.
        self.watch_store()

    def watch_store(self) -> None:
        """Ask the store, in a thread, whether another program committed since last time."""
        store = self.store
        if store is None:
            return

        def look() -> None:
            try:
                changes = store.poll_changes()
            except Exception:
                return  # the next save or read reports what is wrong, in words
            if changes is not None:
                self.post_message(StoreChanged(changes))

        self.run_worker(
            look, name="store-watch", group="store-watch", thread=True, exit_on_error=False
        )

    @on(StoreChanged)
    def _store_changed(self, message: StoreChanged) -> None:
        from outreach.tui.base import DataScreen

        if self.store is None:
            return
        if message.changes.replaced:
            self.lock(notice=REPLACED_NOTICE)
            return
        # The top data screen, even under a dialog: it is what the person sees behind it.
        shown = next((s for s in reversed(self.screen_stack) if isinstance(s, DataScreen)), None)
        if shown is None or not shown.store_changed():
            return
        if self._clock() - self._changed_notice_at >= CHANGED_NOTICE_SECONDS:
            self._changed_notice_at = self._clock()
            who = ", ".join(message.changes.by)
            self.notify(f"Updated with changes saved by {who}.", timeout=4)

    @on(Unlocked)
    def _unlocked(self, message: Unlocked) -> None:
        self.open_store(message.store)

    def open_store(self, store: Store) -> None:
        """Take an unlocked store and show the dashboard, then offer back any form this
        account was filling in when the application last locked."""
        self._adopt(store)
        self.switch_mode(MAIN)
        if store.head_warning:
            self.notify(store.head_warning, title="Changes missing", severity="error", timeout=30)
        self._offer_drafts()

    def _adopt(self, store: Store) -> None:
        from outreach.tui.screens.dashboard import DashboardScreen

        self.store = store
        self.site_name = _site_name(store)
        with contextlib.suppress(Exception):
            store.poll_changes()  # bearings: what is already there is not news
        self._last_activity = self._clock()
        self.add_mode(MAIN, DashboardScreen)

    @property
    def is_locked(self) -> bool:
        return self.store is None

    # -- locking ---------------------------------------------------------------------------
    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, _ACTIVITY):
            self._last_activity = self._clock()
        await super().on_event(event)

    def lock_if_idle(self) -> None:
        """Lock when nobody has touched a key or the mouse for the idle time (not while a
        backup is being written: it needs the store open)."""
        if self.is_locked or getattr(self.screen, "writing", False):
            return
        idle = self._clock() - self._last_activity
        if idle >= self.idle_seconds:
            self.lock()
        elif idle >= CHECKPOINT_AFTER_IDLE_S:
            self.checkpoint_if_written()

    def checkpoint_if_written(self) -> None:
        """Fold the WAL into data.db in the background (see :meth:`Store.checkpoint`) when
        anything was saved since the last time: once things are quiet after a write, and
        straight after an import, whose commit leaves its pages in the WAL."""
        store = self.store
        if store is None or store.commits == self._checkpointed_commits:
            return
        self._checkpointed_commits = store.commits
        self.run_worker(store.checkpoint, group="checkpoint", thread=True, exit_on_error=False)

    def action_lock(self) -> None:
        self.lock()

    def lock(self, notice: str = LOCKED_NOTICE) -> None:
        """Remove every screen that shows data, close the store, show the unlock screen with
        ``notice``."""
        if self.store is None:
            return
        from outreach.tui.screens.unlock import UnlockScreen

        drafts = self._open_drafts()
        store, self.store = self.store, None
        self.workers.cancel_all()
        self.clear_notifications()
        kept = _keep_drafts(store, drafts)
        if self.restart_on_lock:
            # Python cannot wipe what it freed (strings, decrypted pages, the key's hex):
            # a fresh process image is the only sure way to forget it.
            self.restart_as = store.actor.name
            self.restart_notice = notice + kept
            store.close()
            self.exit()
            return
        self.switch_mode(LOCKED)
        self.remove_mode(MAIN)
        store.close()
        self.site_name = ""
        self.last_mentor = None
        screen = self.screen
        if isinstance(screen, UnlockScreen):
            screen.reset(notice=notice + kept)

    def _open_drafts(self) -> list[_OpenForm]:
        """Forms open on the main screens with something typed: (draft kind, values, the
        draft the form was opened from)."""
        from outreach.tui.dialogs.form import SAVING, Form

        drafts: list[_OpenForm] = []
        for screen in self.screen_stack if self.current_mode == MAIN else []:
            if isinstance(screen, Form) and screen.DRAFT_KIND and screen.is_changed:
                values: dict[str, object] = screen.values_to_keep()
                if screen.saving:
                    values[SAVING] = True
                drafts.append((screen.DRAFT_KIND, values, screen.draft_id))
        return drafts

    def _offer_drafts(self) -> None:
        """After unlocking: read this account's kept forms (dropping any a day old) in the
        background, then offer each back in turn."""
        store = self.store
        if store is None:
            return

        def work() -> None:
            from outreach.services.drafts import my_drafts

            try:
                drafts = my_drafts(store)
            except Exception:
                return  # an offer is a nicety: never fail an unlock over it
            if drafts:
                self.call_from_thread(self._offer_next, drafts)

        self.run_worker(work, group="drafts", thread=True, exit_on_error=False)

    def _offer_next(self, drafts: list[Draft]) -> None:
        from outreach.tui.dialogs.draft_offer import DISCARD, OPEN, DraftOffer

        if not drafts or self.store is None:
            return
        draft, rest = drafts[0], drafts[1:]

        def answered(answer: str | None) -> None:
            if answer == OPEN:
                self._take_draft(draft, rest)
                return
            if answer == DISCARD:
                self._discard_draft(draft)
            self._offer_next(rest)

        self.push_screen(DraftOffer(draft), answered)

    def _take_draft(self, draft: Draft, rest: list[Draft]) -> None:
        """Open the kept form as it was. The draft stays in the store until the form is saved
        or the person discards it (a lock meanwhile keeps the form over the same draft), so
        a crash in between loses nothing. Drafts still to offer wait until the form closes."""
        from outreach.tui.dialogs.draft_offer import form_for

        if self.store is None:
            return

        def closed(result: object) -> None:
            # None: the person left the form and said to throw away what it held.
            if result is None:
                self._discard_draft(draft)
            else:
                self._draft_used(draft)
            self._offer_next(rest)

        self.push_screen(form_for(draft), closed)

    def _draft_used(self, draft: Draft) -> None:
        from outreach.services.drafts import DraftSaved, draft_saved

        store = self.store
        if store is None:
            return

        def work() -> None:
            with contextlib.suppress(Exception):
                draft_saved(store, DraftSaved(draft_id=draft.id))  # already gone: nothing to remove

        self.run_worker(work, group="drafts", thread=True, exit_on_error=False)

    def _discard_draft(self, draft: Draft) -> None:
        from outreach.services.drafts import DiscardDraft, discard_draft

        store = self.store
        if store is None:
            return

        def work() -> None:
            try:
                discard_draft(store, DiscardDraft(draft_id=draft.id))
            except Exception:
                return  # already gone: nothing to discard
            self.call_from_thread(self.notify, "The kept form was discarded.")

        self.run_worker(work, group="drafts", thread=True, exit_on_error=False)

    async def action_quit(self) -> None:
        """Lock and leave; first offer a backup when the last one is old (not on demos)."""
        from outreach.tui.dialogs.backup_dialog import BackupDialog

        screen = self.screen
        if isinstance(screen, BackupDialog):
            if not screen.writing:
                self._leave()
            return
        offer = self._backup_offer()
        if offer is None:
            self._leave()
            return

        def answered(result: bool | None) -> None:
            if result is not None:
                self._leave()

        self.push_screen(offer, answered)

    def _backup_offer(self) -> Screen | None:
        """The backup dialog when a backup is due, else None."""
        if self.store is None or self.demo or self.backup_days <= 0:
            return None
        from outreach.clock import now, today
        from outreach.store.backup import last_backup_at
        from outreach.tui.backup_reminder import backup_due, default_backups_folder
        from outreach.tui.dialogs.backup_dialog import BackupDialog

        try:
            last = last_backup_at(self.store)
        except Exception:
            last = None  # unreadable audit: offering a backup is the safe side
        if not backup_due(last, now(), self.backup_days):
            return None
        return BackupDialog(folder=default_backups_folder(self.folder), day=today(), last=last)

    def _leave(self) -> None:
        """Exit, then close the store (no unlock screen to show on the way out). A form left
        half filled in is kept as a draft, as on locking."""
        drafts = self._open_drafts() if self.store is not None else []
        store, self.store = self.store, None
        self.workers.cancel_all()
        if store is not None:
            _keep_drafts(store, drafts)
        self.exit()
        if store is not None:
            store.close()

    # -- navigation ------------------------------------------------------------------------
    def action_go(self, where: str) -> None:
        """Show one of the main screens above the dashboard (the dashboard: close the rest)."""
        if self.is_locked:
            return
        from outreach.tui.screens.registry import screen_for

        if not self._allowed(where):
            self.notify("Only admins can open that.", severity="warning")
            return
        while len(self.screen_stack) > 1:
            self.pop_screen()
        if where != "dashboard":
            self.push_screen(screen_for(where))

    def action_log_conversation(self) -> None:
        if self.is_locked:
            return
        from outreach.tui.dialogs.conversation_form import ConversationForm

        self.push_screen(ConversationForm())

    def action_record_screening(self) -> None:
        if self.is_locked:
            return
        from outreach.tui.dialogs.screening_form import ScreeningForm

        self.push_screen(ScreeningForm())

    def action_help(self) -> None:
        from outreach.tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def _allowed(self, action_id: str) -> bool:
        needs_admin = any(a.needs_admin for a in APP_ACTIONS if a.id == action_id)
        return not needs_admin or (self.store is not None and self.store.actor.role == "admin")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Before unlocking only help, the palette and quit make sense, and Tab must still move
        # between the unlock screen's fields (account, passphrase, button).
        if self.is_locked:
            return action in {
                "help",
                "quit",
                "command_palette",
                "lock",
                "focus_next",
                "focus_previous",
            }
        # Over a form, moving elsewhere would throw away what was typed.
        return not (isinstance(self.screen, ModalScreen) and action in _NAVIGATION)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """The keys of the screen below, then every application action: each is reachable
        without its key."""
        if not self.is_locked:
            yield from _screen_commands(self, screen)
            for a in APP_ACTIONS:
                if self._allowed(a.id):
                    help_text = f"{a.help}  ({keys_text(a.keys)})"
                    yield SystemCommand(a.title, help_text, _runner(self, a.action))
        else:
            yield SystemCommand("Help", "Keys on this screen  (? / f1)", self.action_help)
        yield SystemCommand(
            "Quit", "Lock and leave the application  (ctrl+q / f10)", self.action_quit
        )


def _screen_commands(app: App[None], screen: Screen) -> Iterable[SystemCommand]:
    """A command for each enabled key of ``screen`` itself (not the app-wide ones)."""
    # The dashboard repeats the app-wide actions for its footer: list those once, below.
    repeated = {f"app.{a.action}" for a in APP_ACTIONS}
    found: dict[str, tuple[str, list[str]]] = {}
    for node, binding, enabled, _ in screen.active_bindings.values():
        # Only the application's own keys (they carry ids), not Textual's built-in ones.
        if node is not screen or not enabled or not binding.description or not binding.id:
            continue
        if binding.action in repeated:
            continue
        found.setdefault(binding.action, (binding.description, []))[1].append(binding.key)
    for action, (description, keys) in found.items():
        help_text = f"On this screen  ({keys_text(','.join(keys))})"
        yield SystemCommand(description, help_text, _runner(app, action, screen))


def _runner(app: App[None], action: str, node: Screen | None = None) -> Callable[[], object]:
    async def run() -> None:
        await app.run_action(action, node)

    return run


_OpenForm = tuple[str, dict[str, object], int | None]
"""A form open when the application locks: (draft kind, values, the draft it came from)."""


def _keep_drafts(store: Store, drafts: list[_OpenForm]) -> str:
    """Keep each (kind, values, draft it came from) as a draft in the store, on the calling
    thread (the store is about to close). Returns words to add to the lock notice. Locking
    never waits on, or fails over, a draft that cannot be written."""
    if not drafts:
        return ""
    from outreach.services.drafts import KeepDraft, keep_draft

    try:
        for kind, values, replaces in drafts:
            keep_draft(store, KeepDraft(form=kind, fields=values, replaces=replaces))
    except Exception:
        return " The form you were filling in could not be kept."
    if len(drafts) == 1:
        return " The form you were filling in is kept: it is offered back when you unlock."
    return (
        f" The {len(drafts)} forms you were filling in are kept: they are offered back "
        "when you unlock."
    )


def _site_name(store: Store) -> str:
    from outreach.services.site import site_name

    try:
        return site_name(store)
    except Exception:
        return ""  # the header is a nicety: never fail an unlock over it


def create_app(
    folder: Path,
    *,
    settings: Settings | None = None,
    user: str | None = None,
    demo: bool = False,
    idle_minutes: float | None = None,
    store: Store | None = None,
    clock: Callable[[], float] = time.monotonic,
    backup_days: float | None = None,
    locked_notice: str = "",
) -> OutreachApp:
    """The application for the store in ``folder``.

    ``settings`` are the run's (default: read from the environment, which raises
    ValidationError naming a variable it cannot use); ``user``, ``idle_minutes`` and
    ``backup_days``, when given, override them: ``user`` presets the account on the unlock
    screen, ``idle_minutes`` (default 5) is the idle time before it locks, ``backup_days``
    (default 7; 0 turns it off) the age of the last backup at which quitting offers a new one
    (never on demo stores). ``demo`` shows a DEMO badge; ``store`` is an already unlocked store
    to start with (tests); ``clock`` gives monotonic seconds for the idle timer (tests pass a
    fake one); ``locked_notice`` says on the unlock screen (after the application restarted
    itself at lock).
    """
    chosen = (settings or Settings.from_environment()).with_options(
        user=user, idle_minutes=idle_minutes, backup_days=backup_days
    )
    app = OutreachApp(folder, settings=chosen, demo=demo, store=store, clock=clock)
    app.locked_notice = locked_notice
    return app
