"""Targets: each measure's target, baseline and date, for the site and for units, of the
programme the dashboard shows (``n`` moves on to the next, here and there: one choice)."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Footer, Static

from outreach.tui.base import DataScreen
from outreach.tui.dialogs.target_form import measure_labels
from outreach.tui.messages import Failed, TargetsLoaded
from outreach.tui.programme_choice import CERVICAL, next_programme, shown_programme
from outreach.tui.tables import sized
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
        Binding("n,ctrl+n", "next_programme", "Programme", id="targets.programme", key_display="n"),
        Binding("escape", "app.go('dashboard')", "Back", id="targets.back"),
    ]

    _asked = CERVICAL
    """The programme whose targets were last asked for."""

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

    def on_screen_resume(self) -> None:
        # The dashboard's or the missed view's n may have moved the programme on.
        if self._asked != shown_programme(self.app):
            self.reload()

    def action_next_programme(self) -> None:
        """Show the next programme's targets (the dashboard follows: it is one choice)."""
        next_programme(self.app)
        self.reload()

    def reload(self) -> None:
        from outreach.services.targets import list_targets

        self._asked = key = shown_programme(self.app)
        self.rows = []
        self.query_one(DataTable).clear()
        self.query_one("#targets-status", Static).update(shown_lines(f"{_title(key)}: loading…"))
        self.call(TargetsLoaded, list_targets, programme=key)

    @on(TargetsLoaded)
    def _loaded(self, message: TargetsLoaded) -> None:
        if any(t.programme != self._asked for t in message.data):
            return  # moved on since it was asked for
        self.rows = message.data
        labels = measure_labels(self._asked)
        table = self.query_one(DataTable)
        table.clear()
        table.add_rows(
            [
                row(
                    t.unit or "Site",
                    labels.get(t.measure, t.measure),
                    f"{t.value:g}%",
                    t.target_on.isoformat(),
                    "" if t.baseline is None else f"{t.baseline:g}%",
                    t.baseline_on.isoformat() if t.baseline_on else "",
                )
                for t in self.rows
            ]
        )
        sized(table)
        title = _title(self._asked)
        self.query_one("#targets-status", Static).update(
            shown_lines(
                f"{title}: {counted(len(self.rows), 'target')}  (ins: set a target, enter: "
                "change one, n: next programme)"
                if self.rows
                else f"{title}: no targets set yet. ins sets one; n: next programme."
            )
        )

    @on(Failed)
    def _failed(self, message: Failed) -> None:
        self.query_one("#targets-status", Static).update(shown_lines(message.error))

    def _open_form(self, current: TargetRow | None) -> None:
        from outreach.tui.dialogs.target_form import TargetForm

        def done(row: TargetRow | None) -> None:
            if row is not None:
                self.reload()

        self.app.push_screen(TargetForm(current, programme=self._asked), done)

    def action_set_target(self) -> None:
        self._open_form(None)

    @on(DataTable.RowSelected, "#targets")
    def _selected(self) -> None:
        self.action_edit_target()

    def action_edit_target(self) -> None:
        table = self.query_one(DataTable)
        if self.rows and table.cursor_row < len(self.rows):
            self._open_form(self.rows[table.cursor_row])


def _title(key: str) -> str:
    from outreach.rules.cascade import load_any

    return load_any(key).title
