"""Peer mentors: who is active today, and since when; add one, or end or restart a mentor."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Footer, Static

from outreach.clock import today
from outreach.tui.base import DataScreen
from outreach.tui.messages import Failed, MentorActiveChanged, MentorsLoaded
from outreach.tui.tables import sized
from outreach.tui.text import row, shown_lines
from outreach.tui.widgets.site_header import SiteHeader
from outreach.wording import counted

if TYPE_CHECKING:
    from outreach.model import Mentor
    from outreach.services.mentors import MentorRow
    from outreach.store.store import Store


def _day(value: object) -> str:
    return value.isoformat() if value is not None else ""  # type: ignore[attr-defined]


class MentorsScreen(DataScreen):
    """Every peer mentor, active ones first; ``ins`` adds one, ``i`` ends or restarts one."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("insert,ctrl+a", "add", "Add mentor", id="mentors.add", key_display="ins"),
        Binding("i,ctrl+e", "toggle_active", "Active/inactive", id="mentors.active"),
        Binding("escape", "app.go('dashboard')", "Back", id="mentors.back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[MentorRow] = []

    def compose(self) -> ComposeResult:
        yield SiteHeader("Peer mentors")
        yield Static("Loading…", id="mentors-status", classes="muted")
        yield DataTable(id="mentors", cursor_type="row", zebra_stripes=True)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns(
            "Name", "Active", "Trained", "From", "To", "Also resident"
        )
        self.reload()

    def reload(self) -> None:
        from outreach.services.mentors import list_mentors

        self.call(MentorsLoaded, list_mentors, as_of=today())

    @on(MentorsLoaded)
    def _loaded(self, message: MentorsLoaded) -> None:
        self._show(message.data)

    @on(MentorActiveChanged)
    def _active_changed(self, message: MentorActiveChanged) -> None:
        mentor = message.data
        if mentor.active_to is not None:
            said = f"{mentor.name}'s last active day is {mentor.active_to:%d %b %Y}."
        else:
            said = f"{mentor.name} is active again from {_day(mentor.active_from)}."
        self.notify(said, title="Saved")
        self.reload()

    def _show(self, rows: list[MentorRow]) -> None:
        self.rows = sorted(rows, key=lambda m: (not m.active, m.name.lower()))
        table = self.query_one(DataTable)
        table.clear()
        for m in self.rows:
            table.add_row(
                *row(
                    m.name,
                    "yes" if m.active else "no",
                    _day(m.trained_on),
                    _day(m.active_from),
                    _day(m.active_to),
                    m.person_ref or "",
                )
            )
        sized(table)
        active = sum(1 for m in self.rows if m.active)
        self.query_one("#mentors-status", Static).update(
            f"{active} active of {counted(len(self.rows), 'mentor')} on {today():%d %b %Y}"
        )

    @on(Failed)
    def _failed(self, message: Failed) -> None:
        if message.what is MentorsLoaded:
            self.query_one("#mentors-status", Static).update(shown_lines(message.error))
        else:
            self.notify(f"Not saved: {message.error}", severity="error", timeout=8)

    @property
    def selected(self) -> MentorRow | None:
        table = self.query_one(DataTable)
        if not self.rows or table.cursor_row >= len(self.rows):
            return None
        return self.rows[table.cursor_row]

    def action_add(self) -> None:
        from outreach.tui.dialogs.mentor_form import MentorForm

        def added(name: str | None) -> None:
            if name:
                self.reload()

        self.app.push_screen(MentorForm(), added)

    def action_toggle_active(self) -> None:
        """End the selected mentor's active period today, or start it again today."""
        from outreach.tui.dialogs.account_dialogs import ConfirmDialog

        mentor = self.selected
        if mentor is None:
            return
        day = today()
        if mentor.active:
            question = f"Set {mentor.name} inactive? Today ({day:%d %b %Y}) is their last day."
        else:
            question = f"Set {mentor.name} active again from today ({day:%d %b %Y})?"

        def confirmed(yes: bool | None) -> None:
            if yes:

                def work(store: Store) -> Mentor:
                    from outreach.services.mentors import SetMentorActive, set_mentor_active

                    return set_mentor_active(
                        store, SetMentorActive(name=mentor.name, active=not mentor.active, on=day)
                    )

                self.call(MentorActiveChanged, work)

        self.app.push_screen(ConfirmDialog(question), confirmed)
