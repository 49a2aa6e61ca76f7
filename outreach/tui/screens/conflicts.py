"""The Conflicts screen (``f`` anywhere, the palette and ``?``): changes two paired laptops
made to the same thing, each with both values, which laptop made each and when; ``1`` keeps
this laptop's side, ``2`` the other's (:func:`outreach.services.sync_conflicts.resolve`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Footer, Static

from outreach.tui.base import DataScreen
from outreach.tui.messages import ConflictResolved, ConflictsLoaded, Failed
from outreach.tui.tables import sized
from outreach.tui.text import row, shown_lines
from outreach.tui.widgets.site_header import SiteHeader

if TYPE_CHECKING:
    from outreach.services.sync_conflicts import ConflictView
    from outreach.store.store import Store


def _conflicts(store: Store) -> Any:
    from outreach.services.sync_conflicts import conflicts

    return conflicts(store)


def _resolve(store: Store, *, conflict_id: int, keep: str) -> Any:
    from outreach.services.sync_conflicts import resolve

    return resolve(store, conflict_id, keep)


def _when(view: ConflictView, here: bool) -> str:
    at = view.here_at if here else view.theirs_at
    store = view.here_store if here else view.theirs_store
    return f"{store}, {at.astimezone():%Y-%m-%d %H:%M}" if at else store


def detail(view: ConflictView) -> str:
    """The highlighted conflict in full: what clashed, both sides with who and when."""
    from outreach.services.sync_conflicts import conflict_words

    what, here, theirs = conflict_words(view)
    if view.clinical:
        state = "Clinical: this laptop's value stays until you choose."
    else:
        state = f"The later change ({'theirs' if view.held_here else 'here'}) shows meanwhile."
    return (
        f"#{view.id} {view.person_ref or '-'}: {what}. {state}\n"
        f"1 here    ({_when(view, True)}): {here}\n"
        f"2 theirs  ({_when(view, False)}): {theirs}"
    )


class ConflictsScreen(DataScreen):
    """Open sync conflicts, oldest first, and the highlighted one in full below."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("1", "keep('here')", "Keep here", id="conflicts.keep_here"),
        Binding("2", "keep('theirs')", "Keep theirs", id="conflicts.keep_theirs"),
        Binding("escape,backspace", "app.pop_screen", "Back", id="conflicts.back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[ConflictView] = []
        self._said = ""
        self._keeping = "here"

    def compose(self) -> ComposeResult:
        yield SiteHeader("Conflicts")
        yield Static("Loading…", id="conflicts-status")
        yield DataTable(id="conflicts", cursor_type="row", zebra_stripes=True)
        yield Static("", id="conflict-detail")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("#", "Ref", "What", "Here", "Theirs")
        self.reload()

    def reload(self) -> None:
        self.call(ConflictsLoaded, _conflicts)

    @on(ConflictsLoaded)
    def _loaded(self, message: ConflictsLoaded) -> None:
        from outreach.services.sync_conflicts import conflict_words

        self.rows = list(message.data)
        table = self.query_one(DataTable)
        table.clear()
        for view in self.rows:
            what, here, theirs = conflict_words(view)
            table.add_row(*row(view.id, view.person_ref or "-", what, here, theirs))
        sized(table)
        count = len(self.rows)
        status = (
            f"{count} waiting. 1 keeps this laptop's side, 2 the other laptop's."
            if count
            else "No conflicts waiting: every change from the paired laptops is merged."
        )
        self.query_one("#conflicts-status", Static).update(shown_lines(self._said + status))
        self._said = ""
        self._show_detail()

    @on(DataTable.RowHighlighted)
    def _highlighted(self) -> None:
        self._show_detail()

    def _show_detail(self) -> None:
        table = self.query_one(DataTable)
        shown = ""
        if self.rows and 0 <= table.cursor_row < len(self.rows):
            shown = detail(self.rows[table.cursor_row])
        self.query_one("#conflict-detail", Static).update(shown_lines(shown))

    def action_keep(self, keep: str) -> None:
        table = self.query_one(DataTable)
        if not self.rows or not 0 <= table.cursor_row < len(self.rows):
            return
        chosen = self.rows[table.cursor_row]
        self._keeping = keep
        self.call(ConflictResolved, _resolve, conflict_id=chosen.id, keep=keep)

    @on(ConflictResolved)
    def _resolved(self, message: ConflictResolved) -> None:
        view = message.data
        side = "this laptop's" if self._keeping == "here" else "the other laptop's"
        also = ", ".join(f"#{n}" for n in view.settled_with)
        self._said = f"Resolved #{view.id} ({view.person_ref or '-'}): kept {side} side" + (
            f", which settles {also} too (the same field). " if also else ". "
        )
        self.reload()

    @on(Failed)
    def _failed(self, message: Failed) -> None:
        self.query_one("#conflicts-status", Static).update(shown_lines(message.error))
