"""The main screens by name, imported only when first opened (a fast start)."""

from __future__ import annotations

from importlib import import_module

from textual.screen import Screen

_SCREENS = {
    "people": ("outreach.tui.screens.people", "PeopleScreen"),
    "followups": ("outreach.tui.screens.followups", "FollowUpsScreen"),
    "mentors": ("outreach.tui.screens.mentors", "MentorsScreen"),
    "targets": ("outreach.tui.screens.targets", "TargetsScreen"),
    "export": ("outreach.tui.screens.export", "ExportScreen"),
    "missed": ("outreach.tui.screens.missed", "MissedScreen"),
    "import": ("outreach.tui.screens.import_file", "ImportScreen"),
    "accounts": ("outreach.tui.screens.accounts", "AccountsScreen"),
    "audit": ("outreach.tui.screens.audit", "AuditScreen"),
    "arrivals": ("outreach.tui.screens.transfers", "ArrivalsScreen"),
    "conflicts": ("outreach.tui.screens.conflicts", "ConflictsScreen"),
}


def screen_for(name: str) -> Screen:
    """A new instance of the main screen called ``name``."""
    module, cls = _SCREENS[name]
    screen: Screen = getattr(import_module(module), cls)()
    return screen
