"""The ``?`` help screen: every key that works on the screen underneath, and what it does."""

from __future__ import annotations

from typing import ClassVar

from rich.cells import cell_len
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Static

from outreach.tui.actions import APP_ACTIONS, app_action_keys, keys_text

HEADINGS = ("Keys", "Does", "Where")
WIDTH_PERCENT = 90
MAX_WIDTH = 100
"""The box's width: this share of the screen, at most this many columns (app.tcss #help-box)."""
NARROWEST_DOES = 20
"""Below this, the "Does" column scrolls sideways rather than wrapping into shreds."""


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
        rows = self._rows()
        table = self.query_one(DataTable)
        keys = max(cell_len(text) for text, _does, _where in [*rows, HEADINGS])
        where = max(cell_len(text) for _keys, _does, text in [*rows, HEADINGS])
        # "Does" takes what the box leaves and wraps inside it, so every line is read whole
        # at 80 columns: the box's width less its border, the scrollbar, the other two
        # columns and each column's padding (one cell either side).
        box = min(MAX_WIDTH, self.app.size.width * WIDTH_PERCENT // 100) - 2
        room = box - table.styles.scrollbar_size_vertical - keys - where - 3 * 2
        table.add_column(HEADINGS[0])
        table.add_column(HEADINGS[1], width=max(room, NARROWEST_DOES))
        table.add_column(HEADINGS[2])
        for line in rows:
            table.add_row(*line, height=None)

    def _rows(self) -> list[tuple[str, str, str]]:
        """Keys, what they do and where: the screen below's own first, then every screen's."""
        everywhere = app_action_keys()
        taken: set[str] = set()
        rows: list[tuple[str, str, str]] = []
        for binding in self._below.BINDINGS:
            # A screen's own action on an app-wide key (c on a person: log a conversation
            # with her) is listed here; the dashboard's copies of app-wide keys are not.
            if (
                isinstance(binding, Binding)
                and binding.description
                and not (binding.key in everywhere and binding.action.startswith("app."))
            ):
                rows.append((keys_text(binding.key), binding.description, "here"))
                taken.update(k.strip() for k in binding.key.split(","))
        for action in APP_ACTIONS:
            # A key this screen uses for itself does something else here.
            free = ",".join(k for k in action.keys.split(",") if k.strip() not in taken)
            rows.append((keys_text(free) if free else "ctrl+p", action.help, "all"))
        rows.append(("ctrl+p / :", "Command palette: every action by name", "all"))
        rows.append(("ctrl+q / f10", "Lock and quit", "all"))
        return rows
