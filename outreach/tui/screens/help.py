"""The ``?`` help screen: every key that works on the screen underneath, and what it does."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Static

from outreach.tui.actions import APP_ACTIONS, app_action_keys, keys_text


class HelpScreen(ModalScreen[None]):
    """Keys of the screen below, then the keys that work everywhere."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark,f1", "dismiss", "Close", id="help.close")
    ]

    def __init__(self, below: Screen) -> None:
        super().__init__()
        self._below = below

    def compose(self) -> ComposeResult:
        with Vertical(id="help-box"):
            yield Static("Keys  (esc closes; ctrl+p lists every command)", id="help-title")
            yield DataTable(id="help-keys", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("Keys", "Does", "Where")
        everywhere = app_action_keys()
        taken: set[str] = set()
        for binding in self._below.BINDINGS:
            # A screen's own action on an app-wide key (c on a person: log a conversation
            # with her) is listed here; the dashboard's copies of app-wide keys are not.
            if (
                isinstance(binding, Binding)
                and binding.description
                and not (binding.key in everywhere and binding.action.startswith("app."))
            ):
                table.add_row(keys_text(binding.key), binding.description, "here")
                taken.update(k.strip() for k in binding.key.split(","))
        for action in APP_ACTIONS:
            # A key this screen uses for itself does something else here.
            free = ",".join(k for k in action.keys.split(",") if k.strip() not in taken)
            table.add_row(keys_text(free) if free else "ctrl+p", action.help, "all")
        table.add_row("ctrl+p / :", "Command palette: every action by name", "all")
        table.add_row("ctrl+q / f10", "Lock and quit", "all")
