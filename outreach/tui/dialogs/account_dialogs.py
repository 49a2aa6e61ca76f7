"""Small dialogs for accounts: add one, confirm a removal, change my passphrase."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

from outreach.model import Role
from outreach.store.passphrases import passphrase_problem
from outreach.tui.text import shown_lines


class _Dialog(ModalScreen[dict[str, str] | None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss_none", "Cancel", id="dialog.cancel"),
        Binding("ctrl+s,f2", "ok", "OK", id="dialog.ok", priority=True),
    ]

    def action_dismiss_none(self) -> None:
        self.dismiss(None)

    def action_ok(self) -> None:
        raise NotImplementedError

    def problem(self, text: str) -> None:
        self.query_one("#dialog-error", Static).update(shown_lines(text))


class NewPassphraseDialog(_Dialog):
    """A new passphrase typed twice; dismisses with {"passphrase": ...} or None."""

    def __init__(self, title: str = "Change my passphrase") -> None:
        super().__init__()
        self._title = title

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(self._title, classes="panel-title")
            yield from self.extra_fields()
            yield Label("New passphrase")
            yield Input(password=True, id="new")
            yield Label("Again")
            yield Input(password=True, id="again")
            yield Static("", id="dialog-error", classes="form-status")
            yield Button("OK (ctrl+s)", id="ok", variant="primary")

    def extra_fields(self) -> ComposeResult:
        return iter(())

    @on(Button.Pressed, "#ok")
    @on(Input.Submitted, "#again")
    def action_ok(self) -> None:
        new = self.query_one("#new", Input).value
        problem = passphrase_problem(new, known=self.known_words())
        if problem:
            self.problem(problem)
            return
        if new != self.query_one("#again", Input).value:
            self.problem("the two passphrases differ")
            return
        self.dismiss({"passphrase": new, **self.extra_values()})

    def extra_values(self) -> dict[str, str]:
        return {}

    def known_words(self) -> list[str]:
        """Words an attacker would try first: the account's name."""
        return []


class AddAccountDialog(NewPassphraseDialog):
    """Name, role and first passphrase of a new account."""

    def __init__(self) -> None:
        super().__init__("Add an account")

    def extra_fields(self) -> ComposeResult:
        yield Label("Name (no spaces)")
        yield Input(id="name", max_length=64)
        yield Label("Role")
        yield Select(
            [(r.value, r.value) for r in Role], value="staff", allow_blank=False, id="role"
        )

    def action_ok(self) -> None:
        name = self.query_one("#name", Input).value.strip()
        if not name or any(ch.isspace() for ch in name):
            self.problem("a name of 1 to 64 characters without spaces")
            return
        super().action_ok()

    def known_words(self) -> list[str]:
        return [self.query_one("#name", Input).value.strip()]

    def extra_values(self) -> dict[str, str]:
        return {
            "name": self.query_one("#name", Input).value.strip(),
            "role": str(self.query_one("#role", Select).value),
        }


class ConfirmDialog(ModalScreen[bool]):
    """Yes or no to ``question``."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm.no"),
    ]

    def __init__(self, question: str) -> None:
        super().__init__()
        self._question = question

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(shown_lines(self._question))
            yield Static("y: yes   n / esc: no", classes="muted")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
