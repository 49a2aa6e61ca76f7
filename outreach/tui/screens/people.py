"""People: search as you type by reference or name, filter by status, one page at a time."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.timer import Timer
from textual.widgets import DataTable, Footer, Input, Select, Static

from outreach.clock import today
from outreach.tui.base import DataScreen
from outreach.tui.messages import Failed, PeopleLoaded
from outreach.tui.text import row, shown_lines
from outreach.tui.widgets.site_header import SiteHeader

if TYPE_CHECKING:
    from outreach.services.search import PeoplePage

PAGE = 50
DEBOUNCE_SECONDS = 0.25
COLUMNS = [("Ref", "ref"), ("Name", "name"), ("Unit", "unit"), ("Status", "status")]

FILTERS = [
    ("Residents", "resident"),
    ("Due", "due"),
    ("Overdue", "overdue"),
    ("Never screened", "never_screened"),
    ("Covered", "covered"),
    ("Declined", "declined"),
    ("Do not approach", "do_not_approach"),
    ("Left", "left"),
    ("Everyone", "all"),
]


class PeopleScreen(DataScreen):
    """Find a person; enter opens them."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+n,right_square_bracket", "page(1)", "Next page", id="people.next"),
        Binding("ctrl+b,left_square_bracket", "page(-1)", "Prev page", id="people.previous"),
        Binding("ctrl+f,slash", "focus_search", "Search", id="people.search"),
        Binding("escape", "app.go('dashboard')", "Back", id="people.back", show=False),
        Binding("down", "focus_list", "To the list", id="people.list", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.page_start = 0
        self.has_more = False
        self._timer: Timer | None = None
        self._filter = "resident"

    def compose(self) -> ComposeResult:
        yield SiteHeader("People")
        with Horizontal(id="people-bar"):
            yield Input(placeholder="reference or name", id="people-search")
            yield Select(FILTERS, value="resident", allow_blank=False, id="people-filter")
        yield Static("Loading…", id="people-status", classes="muted")
        yield DataTable(id="people", cursor_type="row", zebra_stripes=True)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self._columns(self.query_one(DataTable), [])
        self.query_one("#people-search", Input).focus()
        self.reload()

    def reload(self) -> None:
        from outreach.services.search import search_people

        self.call(
            PeopleLoaded,
            search_people,
            text=self.query_one("#people-search", Input).value,
            filter=str(self.query_one("#people-filter", Select).value),
            as_of=today(),
            offset=self.page_start,
            limit=PAGE,
        )

    @on(Input.Changed, "#people-search")
    def _typed(self) -> None:
        self.page_start = 0
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(DEBOUNCE_SECONDS, self.reload)

    @on(Input.Submitted, "#people-search")
    def _to_list(self) -> None:
        self.query_one(DataTable).focus()

    @on(Select.Changed, "#people-filter")
    def _filtered(self, event: Select.Changed) -> None:
        # The Select announces its first value on mount too: load once, not twice.
        if event.value == self._filter:
            return
        self._filter = str(event.value)
        self.page_start = 0
        self.reload()

    @on(PeopleLoaded)
    def _loaded(self, message: PeopleLoaded) -> None:
        self._show(message.data)

    @on(Failed)
    def _failed(self, message: Failed) -> None:
        self.query_one("#people-status", Static).update(shown_lines(message.error))

    @staticmethod
    def _columns(table: DataTable[Text], rows: list[list[Text]]) -> None:
        """The four columns, each as wide as its widest cell on this page. Set here rather
        than measured by the table when idle: on a busy laptop a frame drawn before that
        measuring kept every column as narrow as its heading."""
        table.clear(columns=True)
        for index, (label, key) in enumerate(COLUMNS):
            width = max([len(label), *(cells[index].cell_len for cells in rows)])
            table.add_column(label, key=key, width=width)

    def _show(self, page: PeoplePage) -> None:
        table = self.query_one(DataTable)
        rows = [row(p.ref, p.name, p.unit or "", p.status) for p in page.rows]
        self._columns(table, rows)
        for person, cells in zip(page.rows, rows, strict=True):
            table.add_row(*cells, key=person.ref)
        self.has_more = page.has_more
        first = page.offset + 1
        last = page.offset + len(page.rows)
        if not page.rows:
            status = "Nobody matches." if page.offset == 0 else "No more people."
        else:
            more = "  ·  ctrl+n: next page" if page.has_more else ""
            status = f"People {first}–{last}  ·  enter opens the highlighted person{more}"
        self.query_one("#people-status", Static).update(status)
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Paging keys appear only when there is a page to go to (short footers at 80x24).
        if action == "page":
            return self.has_more if parameters == (1,) else self.page_start > 0
        return True

    def action_page(self, step: int) -> None:
        if step > 0 and not self.has_more:
            return
        self.page_start = max(0, self.page_start + step * PAGE)
        self.reload()

    def action_focus_list(self) -> None:
        self.query_one(DataTable).focus()

    def action_focus_search(self) -> None:
        self.query_one("#people-search", Input).focus()

    @on(DataTable.RowSelected, "#people")
    def _open(self, event: DataTable.RowSelected) -> None:
        from outreach.tui.screens.person import PersonScreen

        # The key is the reference as stored; the cell shows it made safe.
        ref = str(event.row_key.value)
        self.app.push_screen(PersonScreen(ref))
