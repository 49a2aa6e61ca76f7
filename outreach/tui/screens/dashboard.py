"""The dashboard: coverage against target, what is due, and where outreach is going."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from outreach.tui.widgets.site_header import SiteHeader


class DashboardScreen(Screen[None]):
    """The first screen after unlocking."""

    def compose(self) -> ComposeResult:
        yield SiteHeader("Dashboard")
        with VerticalScroll(id="dash"):
            yield Static("Loading figures…", id="dash-status", classes="muted")
        yield Footer()
