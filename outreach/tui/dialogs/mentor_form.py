"""Add a peer mentor: name, the day they were trained, the day they start."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Footer, Input, Static

from outreach.clock import today
from outreach.rules.limits import NAME_MAX
from outreach.tui.dialogs.form import Form, field_row, parse_day
from outreach.tui.messages import MentorAdded

if TYPE_CHECKING:
    from outreach.model import Mentor
    from outreach.store.store import Store


class MentorForm(Form):
    """The new-mentor form; dismisses with the mentor's name once added."""

    DRAFT_KIND = "mentor"
    FIELDS: ClassVar[tuple[str, ...]] = ("name", "trained_on", "active_from")

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="form dialog-form", id="mentor-form"):
            yield Static("Add a peer mentor", classes="form-title")
            yield Static("", id="form-status", classes="form-status")
            yield from field_row(
                "Name",
                Input(
                    compact=True, placeholder="as staff call them", id="name", max_length=NAME_MAX
                ),
                "name",
            )
            yield from field_row(
                "Trained on",
                Input(compact=True, placeholder="date, optional", id="trained_on"),
                "trained_on",
            )
            yield from field_row(
                "Active from",
                Input(today().isoformat(), compact=True, id="active_from"),
                "active_from",
            )
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#name", Input).focus()

    @on(Input.Changed)
    def _typed(self, event: Input.Changed) -> None:
        self.revalidate({event.input.id or ""})

    def check(self) -> dict[str, str]:
        errors: dict[str, str] = {}
        if not self.value_of("#name").strip():
            errors["name"] = "the mentor's name"
        trained, problem = parse_day(self.value_of("#trained_on"), "trained_on")
        if problem:
            errors["trained_on"] = problem
        elif trained is not None and trained > today():
            errors["trained_on"] = "is in the future"
        _, problem = parse_day(self.value_of("#active_from"), "active_from")
        if problem:
            errors["active_from"] = problem
        return errors

    def save(self) -> None:
        from outreach.services.mentors import AddMentor, add_mentor

        name = self.value_of("#name").strip()
        trained, _ = parse_day(self.value_of("#trained_on"), "trained_on")
        active_from, _ = parse_day(self.value_of("#active_from"), "active_from")

        def work(store: Store) -> Mentor:
            return add_mentor(
                store, AddMentor(name=name, trained_on=trained, active_from=active_from)
            )

        self.call(MentorAdded, work)

    @on(MentorAdded)
    def _added(self, message: MentorAdded) -> None:
        mentor = message.data
        self.app.notify(f"Mentor {mentor.name} added.", title="Saved")
        self.dismiss(mentor.name)
