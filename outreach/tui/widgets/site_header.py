"""The top line of every unlocked screen: where, who, and a DEMO badge on demo stores."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Label

from outreach.tui.text import shown


class SiteHeader(Horizontal):
    """Shows the screen title, the site, the acting account and, on demo stores, DEMO."""

    DEFAULT_CSS = """
    SiteHeader { height: 1; dock: top; background: $primary-darken-2; color: $text; }
    SiteHeader > #title { width: 1fr; padding: 0 1; text-style: bold; }
    SiteHeader > #who { width: auto; padding: 0 1; }
    SiteHeader > #demo { width: auto; padding: 0 1; background: $warning; color: $background;
                         text-style: bold; display: none; }
    SiteHeader.-demo > #demo { display: block; }
    """

    def __init__(self, title: str) -> None:
        super().__init__()
        self._title = title

    def compose(self) -> ComposeResult:
        yield Label(shown(self._title), id="title")
        yield Label("DEMO", id="demo")
        yield Label(shown(self._who()), id="who")

    def on_mount(self) -> None:
        self.set_class(bool(getattr(self.app, "demo", False)), "-demo")

    def _who(self) -> str:
        app = self.app
        site = getattr(app, "site_name", "") or ""
        store = getattr(app, "store", None)
        if store is None:
            return site
        actor = store.actor
        return f"{site}  ·  {actor.name} ({actor.role.value})" if site else actor.name
