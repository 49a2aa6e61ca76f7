"""Offered on quit when the last backup is old: write one now, or quit without, or go back.

The backup runs in a thread worker (it copies and encrypts the whole database) while a
spinner turns and the line beside it says which step it is on and how far it has got; the
dialog answers True once the file is written, False for "quit without", None for "go back
to the application".
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Footer, Input, Label, LoadingIndicator, Static

from outreach.tui.backup_reminder import backup_file_name, suggested_backup_file
from outreach.tui.base import DataDialog
from outreach.tui.messages import BackupWritten, Failed, StepSaid
from outreach.tui.text import shown_lines

if TYPE_CHECKING:
    pass


def last_backup_line(last: datetime | None, today: date) -> str:
    """How long ago the last backup was, in words."""
    if last is None:
        return "This store has never been backed up."
    days = (today - last.date()).days
    ago = "today" if days <= 0 else "yesterday" if days == 1 else f"{days} days ago"
    return f"The last backup was on {last:%d %b %Y} ({ago})."


class BackupDialog(DataDialog):
    """Back up before closing? ``y`` writes the backup then quits, ``n`` quits, esc goes back."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s,f2", "back_up", "Back up and quit", id="backup.yes", priority=True),
        Binding("n,ctrl+n", "skip", "Quit without", id="backup.no"),
        Binding("y", "back_up", "Back up and quit", id="backup.yes_key", show=False),
        Binding("escape", "back", "Back", id="backup.back"),
    ]

    def __init__(self, *, folder: Path, day: date, last: datetime | None) -> None:
        super().__init__()
        self._folder = folder
        self._day = day
        self._last = last
        self.writing = False
        """True while the backup is being written: the app neither quits nor locks then."""

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="backup-box"):
            yield Static("Back up before closing?", classes="form-title")
            yield Static(last_backup_line(self._last, self._day), id="backup-last")
            with Horizontal(classes="field-row"):
                yield Label("Folder", classes="field-label")
                yield Input(str(self._folder), compact=True, id="backup-folder")
            with Horizontal(classes="field-row"):
                yield Label("File", classes="field-label")
                yield Label(backup_file_name(self._day), id="backup-file")
            with Horizontal(id="backup-progress"):
                yield LoadingIndicator(id="backup-spinner")
                yield Static("", id="backup-status")
            with Horizontal(id="backup-buttons"):
                yield Button("Back up (ctrl+s)", id="backup-yes", variant="primary")
                yield Button("Quit without (n)", id="backup-no")
            yield Static("esc: back to the application", classes="muted")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#backup-spinner").display = False
        self.query_one("#backup-yes", Button).focus()

    @property
    def target(self) -> Path:
        """The file the backup goes to: the folder typed, and the day's file name."""
        folder = self.query_one("#backup-folder", Input).value.strip()
        return suggested_backup_file(Path(folder or "."), self._day)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # While the file is written nothing else may happen: the store must stay open.
        return not self.writing

    @on(Button.Pressed, "#backup-yes")
    @on(Input.Submitted, "#backup-folder")
    def action_back_up(self) -> None:
        if self.writing:
            return
        if not self.query_one("#backup-folder", Input).value.strip():
            self._status("Type the folder for the backup.", error=True)
            return
        from outreach.store.backup import create_backup

        self._set_writing(True)
        self._status(f"Writing {self.target} …")

        def said(text: str) -> None:
            self.post_message(StepSaid(text))

        self.call(BackupWritten, create_backup, target=self.target, said=said)

    @on(StepSaid)
    def _said(self, message: StepSaid) -> None:
        if self.writing:
            self._status(message.text)

    @on(Button.Pressed, "#backup-no")
    def action_skip(self) -> None:
        if not self.writing:
            self.dismiss(False)

    def action_back(self) -> None:
        if not self.writing:
            self.dismiss(None)

    @on(BackupWritten)
    def _written(self, message: BackupWritten) -> None:
        info = message.data
        self._set_writing(False)
        self.app.notify(f"Backup written to {info.path}", title="Backed up")
        self.dismiss(True)

    @on(Failed)
    def _failed(self, message: Failed) -> None:
        # Keep the dialog: the person may pick another folder or quit without.
        self._set_writing(False)
        self._status(f"Not backed up: {message.error}", error=True)
        self.query_one("#backup-folder", Input).focus()

    def _set_writing(self, writing: bool) -> None:
        self.writing = writing
        self.query_one("#backup-spinner").display = writing
        for widget in self.query("Button, Input"):
            widget.disabled = writing

    def _status(self, text: str, *, error: bool = False) -> None:
        status = self.query_one("#backup-status", Static)
        status.update(shown_lines(text))
        status.set_class(error, "bad")
