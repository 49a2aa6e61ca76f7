"""The ``?`` help screen: every key that works on the screen underneath, and what it does."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Static

from outreach.tui.actions import APP_ACTIONS

_KEY_NAMES = {"question_mark": "?", "escape": "esc", "enter": "enter", "colon": ":"}


def _keys(keys: str) -> str:
    return " / ".join(_KEY_NAMES.get(k.strip(), k.strip()) for k in keys.split(","))


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
        seen: set[str] = set()
        for binding in self._below.BINDINGS:
            if isinstance(binding, Binding) and binding.description:
                table.add_row(_keys(binding.key), binding.description, "this screen")
                seen.add(binding.key)
        for action in APP_ACTIONS:
            table.add_row(_keys(action.keys), action.help, "everywhere")
        table.add_row("ctrl+p / :", "Command palette: every action by name", "everywhere")
        table.add_row("ctrl+q / f10", "Lock and quit", "everywhere")
