"""Peer mentors: who is active today, and since when."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Footer, Static

from outreach.clock import today
from outreach.tui.messages import Failed, Loaded
from outreach.tui.screens.base import DataScreen
from outreach.tui.widgets.site_header import SiteHeader

if TYPE_CHECKING:
    from outreach.services.mentors import MentorRow


def _day(value: object) -> str:
    return value.isoformat() if value is not None else ""  # type: ignore[attr-defined]


class MentorsScreen(DataScreen):
    """Every peer mentor, active ones first."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.go('dashboard')", "Back", id="mentors.back"),
    ]

    def compose(self) -> ComposeResult:
        yield SiteHeader("Peer mentors")
        yield Static("Loading…", id="mentors-status", classes="muted")
        yield DataTable(id="mentors", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        from outreach.services.mentors import list_mentors

        self.query_one(DataTable).add_columns(
            "Name", "Active", "Trained", "From", "To", "Also resident"
        )
        self.call("mentors", list_mentors, as_of=today())

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        rows: list[MentorRow] = sorted(message.data, key=lambda m: (not m.active, m.name.lower()))
        table = self.query_one(DataTable)
        for m in rows:
            table.add_row(
                m.name,
                "yes" if m.active else "no",
                _day(m.trained_on),
                _day(m.active_from),
                _day(m.active_to),
                m.person_ref or "",
            )
        active = sum(1 for m in rows if m.active)
        self.query_one("#mentors-status", Static).update(
            f"{active} active of {len(rows)} mentors on {today():%d %b %Y}"
        )

    @on(Failed)
    def _failed(self, message: Failed) -> None:
        self.query_one("#mentors-status", Static).update(message.error)
