"""The follow-up worklist: oldest overdue first; enter opens the person, and done or a week
later take one key each, say what they did, and can be taken back with one more."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Footer, Static

from outreach.clock import today
from outreach.tui.base import DataScreen
from outreach.tui.messages import Failed, FollowupChanged, FollowupsLoaded
from outreach.tui.tables import sized
from outreach.tui.text import row as cells
from outreach.tui.widgets.person_picker import PersonChoice
from outreach.tui.widgets.site_header import SiteHeader

if TYPE_CHECKING:
    from outreach.services.followup_changes import FollowUpChange
    from outreach.services.followups import FollowUpRow

PAGE = 100
RESCHEDULE_DAYS = 7
UPCOMING_DAYS = 7


class FollowUpsScreen(DataScreen):
    """Open follow-ups due by today, the most overdue first.

    The keys that change data (space, +, z) are used for nothing else anywhere in the
    application, so a key pressed on the wrong screen never changes a record.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space,ctrl+d", "complete", "Done", id="followups.done"),
        Binding(
            "plus,ctrl+r",
            "reschedule",
            "Week later",
            id="followups.reschedule",
            key_display="+",
        ),
        Binding("z,ctrl+z", "undo", "Undo", id="followups.undo"),
        Binding("enter", "open_person", "Open the person", id="followups.open", show=False),
        Binding(
            "c,f5",
            "conversation",
            "Log a conversation with this person",
            id="followups.conversation",
            show=False,
        ),
        Binding(
            "s,f6",
            "screening",
            "Record a screening step for this person",
            id="followups.screening",
            show=False,
        ),
        Binding("n,greater_than_sign", "page(1)", "Next page", id="followups.next"),
        Binding("b,less_than_sign", "page(-1)", "Prev page", id="followups.previous"),
        Binding("7,v", "toggle_upcoming", f"Next {UPCOMING_DAYS} days", id="followups.upcoming"),
        Binding("escape", "app.go('dashboard')", "Back", id="followups.back", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.page_start = 0
        self.upcoming_days = 0
        self._rows: dict[str, FollowUpRow] = {}
        self.has_more = False
        self.last_change: FollowUpChange | None = None
        """The change ``z`` takes back; forgotten at the next save anywhere."""
        self._commits_after_change = -1
        self._shown_once = False
        self._with_was = False

    def compose(self) -> ComposeResult:
        yield SiteHeader("Follow-ups")
        yield Static("Loading…", id="followups-status", classes="muted")
        yield DataTable(id="followups", cursor_type="row", zebra_stripes=True)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self._columns(with_was=False)
        self.reload()

    def _columns(self, *, with_was: bool) -> None:
        """Set the table's columns; "Was" (the due date a follow-up was created with) only
        while a listed follow-up has been moved, so the list fits 80 columns otherwise."""
        table = self.query_one(DataTable)
        table.clear(columns=True)
        table.add_column("Due", key="due", width=10)
        if with_was:
            table.add_column("Was", key="was", width=10)
        table.add_column("Late", key="late", width=4)
        table.add_column("Ref", key="ref")
        table.add_column("Name", key="name")
        table.add_column("Unit", key="unit")
        table.add_column("Reason", key="reason")
        table.add_column("For", key="assignee")
        self._with_was = with_was

    def on_screen_resume(self) -> None:
        # Back from a form, the person screen or help: anything saved meanwhile may have
        # completed or added a follow-up, and an undo no longer follows the last action.
        if self.last_change is not None and self._commits() != self._commits_after_change:
            self._forget_change()
        # (The first resume comes with the first showing, while on_mount's load is running.)
        if self._shown_once:
            self.reload()

    def _commits(self) -> int:
        store = getattr(self.app, "store", None)
        return store.commits if store is not None else -1

    def reload(self) -> None:
        from outreach.services.followups import due_followups

        self.call(
            FollowupsLoaded,
            due_followups,
            as_of=today(),
            include_upcoming_days=self.upcoming_days,
            offset=self.page_start,
            limit=PAGE,
        )

    @on(FollowupsLoaded)
    def _loaded(self, message: FollowupsLoaded) -> None:
        self._show_rows(message.data)

    @on(FollowupChanged)
    def _change_made(self, message: FollowupChanged) -> None:
        self._changed(message.data)

    @on(Failed)
    def _failed(self, message: Failed) -> None:
        self.notify(message.error, severity="error", timeout=8)

    def _show_rows(self, rows: list[FollowUpRow]) -> None:
        table = self.query_one(DataTable)
        keep = table.cursor_row
        moved = any(_moved(row) for row in rows)
        if moved != self._with_was:
            self._columns(with_was=moved)
        table.clear()
        self._rows = {}
        for row in rows:
            late = str(row.days_overdue) if row.days_overdue > 0 else ""
            # Names are typed by people: cells() shows them as they are, never read as markup.
            name = row.person_name + ("  (do not approach)" if row.do_not_approach else "")
            was = [row.original_due_on.isoformat() if _moved(row) else ""] if moved else []
            key = table.add_row(
                *cells(
                    row.due_on.isoformat(),
                    *was,
                    late,
                    row.person_ref,
                    name,
                    row.unit or "",
                    row.reason.replace("_", " "),
                    row.assignee or "",
                ),
                key=str(row.id),
            )
            self._rows[key.value or ""] = row
        sized(table)
        if rows:
            table.move_cursor(row=min(keep, len(rows) - 1))
        page = self.page_start // PAGE + 1
        scope = (
            "due by today" if not self.upcoming_days else f"due in the next {UPCOMING_DAYS} days"
        )
        count = f"{len(rows)} open follow-up{'' if len(rows) == 1 else 's'}"
        status = f"{count} {scope}, most overdue first (page {page})"
        if not rows:
            status = f"Nothing {scope}." if self.page_start == 0 else "No more follow-ups."
        self.query_one("#followups-status", Static).update(status)
        self.has_more = len(rows) == PAGE
        self._shown_once = True
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Paging keys appear only when there is a page to go to (short footers at 80x24).
        if action == "page":
            return self.has_more if parameters == (1,) else self.page_start > 0
        if action == "undo":
            return self.last_change is not None
        return True

    def _selected(self) -> FollowUpRow | None:
        table = self.query_one(DataTable)
        if table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        return self._rows.get(key.value or "")

    @on(DataTable.RowSelected, "#followups")
    def _row_chosen(self) -> None:
        self.action_open_person()

    def action_open_person(self) -> None:
        """Open the highlighted row's person (enter on the list)."""
        from outreach.tui.screens.person import PersonScreen

        row = self._selected()
        if row is not None:
            self.app.push_screen(PersonScreen(row.person_ref))

    def _choice(self) -> PersonChoice | None:
        row = self._selected()
        if row is None:
            return None
        return PersonChoice(row.person_ref, f"{row.person_ref}  {row.person_name}")

    def action_conversation(self) -> None:
        """Log a conversation with the selected row's person filled in."""
        from outreach.tui.dialogs.conversation_form import ConversationForm

        self.app.push_screen(ConversationForm(self._choice()))

    def action_screening(self) -> None:
        """Record a screening step with the selected row's person filled in."""
        from outreach.tui.dialogs.screening_form import ScreeningForm

        self.app.push_screen(ScreeningForm(self._choice()))

    def _changed(self, change: FollowUpChange) -> None:
        self.notify(_said(change), title="Undone" if change.kind == "undone" else "Saved")
        if change.kind == "undone":
            self._forget_change()
        else:
            self.last_change = change
            self._commits_after_change = self._commits()
            self.refresh_bindings()
        self.reload()

    def _forget_change(self) -> None:
        self.last_change = None
        self.refresh_bindings()

    def action_complete(self) -> None:
        from outreach.services.followup_changes import CompleteFollowUp, complete_followup

        row = self._selected()
        if row is not None:
            self.call(FollowupChanged, complete_followup, cmd=CompleteFollowUp(row.id))

    def action_reschedule(self) -> None:
        from outreach.services.followup_changes import RescheduleFollowUp, reschedule_followup

        row = self._selected()
        if row is not None:
            due = today() + timedelta(days=RESCHEDULE_DAYS)
            command = RescheduleFollowUp(row.id, due)
            self.call(FollowupChanged, reschedule_followup, cmd=command)

    def action_undo(self) -> None:
        from outreach.services.followup_changes import UndoFollowUpChange, undo_followup_change

        change = self.last_change
        if change is not None:
            # One undo per change: pressing z twice never reverses something else.
            self._forget_change()
            command = UndoFollowUpChange(change)
            self.call(FollowupChanged, undo_followup_change, cmd=command)

    def action_page(self, step: int) -> None:
        self.page_start = max(0, self.page_start + step * PAGE)
        self.reload()

    def action_toggle_upcoming(self) -> None:
        self.upcoming_days = 0 if self.upcoming_days else UPCOMING_DAYS
        self.page_start = 0
        self.reload()


def _moved(row: FollowUpRow) -> bool:
    return row.original_due_on != row.due_on


def _said(change: FollowUpChange) -> str:
    """What a worklist change did, in a sentence that also says how to take it back."""
    ref = change.person_ref
    if change.kind == "done":
        return f"Follow-up for {ref} marked done. z undoes it."
    if change.kind == "rescheduled":
        return f"Follow-up for {ref} moved to {change.after.due_on:%d %b %Y}. z undoes it."
    if change.after.status != change.before.status:
        return f"Follow-up for {ref} open again, due {change.after.due_on:%d %b %Y}."
    return f"Follow-up for {ref} back to {change.after.due_on:%d %b %Y}."
