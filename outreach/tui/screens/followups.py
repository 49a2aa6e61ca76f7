"""The follow-up worklist: oldest overdue first; done or reschedule in one key."""

from __future__ import annotations

from datetime import timedelta
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
    from outreach.services.followups import FollowUpRow
    from outreach.store.store import Store

PAGE = 100
RESCHEDULE_DAYS = 7


class FollowUpsScreen(DataScreen):
    """Open follow-ups due by today, the most overdue first."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("d,ctrl+d", "complete", "Done", id="followups.done"),
        Binding("r,ctrl+r", "reschedule", f"+{RESCHEDULE_DAYS} days", id="followups.reschedule"),
        Binding("n,greater_than_sign", "page(1)", "Next page", id="followups.next"),
        Binding("b,less_than_sign", "page(-1)", "Prev page", id="followups.previous"),
        Binding("u,ctrl+u", "toggle_upcoming", "Next 7 days", id="followups.upcoming"),
        Binding("escape", "app.go('dashboard')", "Back", id="followups.back", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.page_start = 0
        self.upcoming_days = 0
        self._rows: dict[str, int] = {}
        self.has_more = False

    def compose(self) -> ComposeResult:
        yield SiteHeader("Follow-ups")
        yield Static("Loading…", id="followups-status", classes="muted")
        yield DataTable(id="followups", cursor_type="row", zebra_stripes=True)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("Due", key="due", width=10)
        table.add_column("Late", key="late", width=5)
        table.add_column("Ref", key="ref")
        table.add_column("Name", key="name")
        table.add_column("Unit", key="unit")
        table.add_column("Reason", key="reason")
        table.add_column("For", key="assignee")
        self.reload()

    def reload(self) -> None:
        from outreach.services.followups import due_followups

        self.call(
            "followups",
            due_followups,
            as_of=today(),
            include_upcoming_days=self.upcoming_days,
            offset=self.page_start,
            limit=PAGE,
        )

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        if message.what == "followups":
            self._show_rows(message.data)
        elif message.what == "change":
            self.notify(message.data)
            self.reload()

    @on(Failed)
    def _failed(self, message: Failed) -> None:
        self.notify(message.error, severity="error", timeout=8)

    def _show_rows(self, rows: list[FollowUpRow]) -> None:
        table = self.query_one(DataTable)
        keep = table.cursor_row
        table.clear()
        self._rows = {}
        for row in rows:
            late = str(row.days_overdue) if row.days_overdue > 0 else ""
            name = row.person_name + ("  (do not approach)" if row.do_not_approach else "")
            key = table.add_row(
                row.due_on.isoformat(),
                late,
                row.person_ref,
                name,
                row.unit or "",
                row.reason.replace("_", " "),
                row.assignee or "",
                key=str(row.id),
            )
            self._rows[key.value or ""] = row.id
        if rows:
            table.move_cursor(row=min(keep, len(rows) - 1))
        page = self.page_start // PAGE + 1
        scope = "due by today" if not self.upcoming_days else "due in the next 7 days"
        status = f"{len(rows)} open follow-ups {scope}, most overdue first (page {page})"
        if not rows:
            status = f"Nothing {scope}." if self.page_start == 0 else "No more follow-ups."
        self.query_one("#followups-status", Static).update(status)
        self.has_more = len(rows) == PAGE
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Paging keys appear only when there is a page to go to (short footers at 80x24).
        if action == "page":
            return self.has_more if parameters == (1,) else self.page_start > 0
        return True

    def _selected(self) -> int | None:
        table = self.query_one(DataTable)
        if table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        return self._rows.get(key.value or "")

    def action_complete(self) -> None:
        from outreach.services.followups import complete_followup

        followup_id = self._selected()
        if followup_id is None:
            return

        def done(store: Store) -> str:
            complete_followup(store, followup_id=followup_id)
            return "Follow-up marked done."

        self.call("change", done)

    def action_reschedule(self) -> None:
        from outreach.services.followups import reschedule_followup

        followup_id = self._selected()
        if followup_id is None:
            return
        due = today() + timedelta(days=RESCHEDULE_DAYS)

        def moved(store: Store) -> str:
            reschedule_followup(store, followup_id=followup_id, due_on=due)
            return f"Follow-up moved to {due:%d %b %Y}."

        self.call("change", moved)

    def action_page(self, step: int) -> None:
        self.page_start = max(0, self.page_start + step * PAGE)
        self.reload()

    def action_toggle_upcoming(self) -> None:
        self.upcoming_days = 0 if self.upcoming_days else 7
        self.page_start = 0
        self.reload()
