"""Targets: each measure's target, baseline and date, for the site and for units."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Footer, Static

from outreach.tui.messages import Failed, Loaded
from outreach.tui.screens.base import DataScreen
from outreach.tui.widgets.site_header import SiteHeader

if TYPE_CHECKING:
    from outreach.services.targets import TargetRow


class TargetsScreen(DataScreen):
    """Every target of the programme (set them with ``outreach targets set``)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.go('dashboard')", "Back", id="targets.back"),
    ]

    def compose(self) -> ComposeResult:
        yield SiteHeader("Targets")
        yield Static("Loading…", id="targets-status", classes="muted")
        yield DataTable(id="targets", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        from outreach.services.targets import list_targets

        self.query_one(DataTable).add_columns(
            "Scope", "Measure", "Target", "By", "Baseline", "Baseline on"
        )
        self.call("targets", list_targets)

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        rows: list[TargetRow] = message.data
        self.query_one(DataTable).add_rows(
            [
                (
                    t.unit or "Site",
                    t.measure,
                    f"{t.value:g}%",
                    t.target_on.isoformat(),
                    "" if t.baseline is None else f"{t.baseline:g}%",
                    t.baseline_on.isoformat() if t.baseline_on else "",
                )
                for t in rows
            ]
        )
        self.query_one("#targets-status", Static).update(
            f"{len(rows)} targets" if rows else "No targets set yet."
        )

    @on(Failed)
    def _failed(self, message: Failed) -> None:
        self.query_one("#targets-status", Static).update(message.error)
