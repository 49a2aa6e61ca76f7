"""Targets: each measure's target, baseline and date, for the site and for units."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Footer, Static

from outreach.tui.base import DataScreen
from outreach.tui.messages import Failed, TargetsLoaded
from outreach.tui.text import row, shown_lines
from outreach.tui.widgets.site_header import SiteHeader
from outreach.wording import counted

if TYPE_CHECKING:
    from outreach.stats.targets import TargetRow


class TargetsScreen(DataScreen):
    """Every target of the programme; ``ins`` sets a new one, enter changes the selected one."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("insert,ctrl+a", "set_target", "Set target", id="targets.set", key_display="ins"),
        Binding("e", "edit_target", "Change", id="targets.edit"),
        Binding("escape", "app.go('dashboard')", "Back", id="targets.back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[TargetRow] = []

    def compose(self) -> ComposeResult:
        yield SiteHeader("Targets")
        yield Static("Loading…", id="targets-status", classes="muted")
        yield DataTable(id="targets", cursor_type="row", zebra_stripes=True)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns(
            "Scope", "Measure", "Target", "By", "Baseline", "Baseline on"
        )
        self.reload()

    def reload(self) -> None:
        from outreach.services.targets import list_targets

        self.call(TargetsLoaded, list_targets)

    @on(TargetsLoaded)
    def _loaded(self, message: TargetsLoaded) -> None:
        self.rows = message.data
        table = self.query_one(DataTable)
        table.clear()
        table.add_rows(
            [
                row(
                    t.unit or "Site",
                    t.measure,
                    f"{t.value:g}%",
                    t.target_on.isoformat(),
                    "" if t.baseline is None else f"{t.baseline:g}%",
                    t.baseline_on.isoformat() if t.baseline_on else "",
                )
                for t in self.rows
            ]
        )
        self.query_one("#targets-status", Static).update(
            f"{counted(len(self.rows), 'target')}  (n: set a target, enter: change one)"
            if self.rows
            else "No targets set yet: n sets one."
        )

    @on(Failed)
    def _failed(self, message: Failed) -> None:
        self.query_one("#targets-status", Static).update(shown_lines(message.error))

    def _open_form(self, current: TargetRow | None) -> None:
        from outreach.tui.dialogs.target_form import TargetForm

        def done(row: TargetRow | None) -> None:
            if row is not None:
                self.reload()

        self.app.push_screen(TargetForm(current), done)

    def action_set_target(self) -> None:
        self._open_form(None)

    @on(DataTable.RowSelected, "#targets")
    def _selected(self) -> None:
        self.action_edit_target()

    def action_edit_target(self) -> None:
        table = self.query_one(DataTable)
        if self.rows and table.cursor_row < len(self.rows):
            self._open_form(self.rows[table.cursor_row])
