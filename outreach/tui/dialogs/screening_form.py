"""Record a step on the screening pathway; a test result creates its follow-up, shown at once."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Footer, Input, Select, Static

from outreach.clock import today
from outreach.model import Cytology, HpvResult, SampleTaker, ScreeningEventKind, Where
from outreach.rules.limits import NOTE_MAX
from outreach.tui.dialogs.form import Form, field_row, parse_day
from outreach.tui.messages import ScreeningSaved
from outreach.tui.widgets.person_picker import PersonChoice, PersonPicker
from outreach.wording import counted

if TYPE_CHECKING:
    from outreach.services.screening import ScreeningRecorded
    from outreach.store.store import Store

TEST_FIELDS = ("hpv", "cytology", "sample", "where")


def _options(values: Any) -> list[tuple[str, str]]:
    return [(v.value.replace("_", " ").capitalize(), v.value) for v in values]


class ScreeningForm(Form):
    """The screening step form; dismisses with True once the step is recorded."""

    DRAFT_KIND = "screening"
    FIELDS: ClassVar[tuple[str, ...]] = (
        "person_ref",
        "event",
        "occurred_on",
        "hpv",
        "cytology",
        "sample",
        "where",
        "reason",
        "note",
    )

    def __init__(self, person: PersonChoice | None = None) -> None:
        super().__init__()
        self._person = person

    def compose(self) -> ComposeResult:
        from outreach.services.screening import CeaseReason

        with VerticalScroll(classes="form", id="screening-form"):
            yield Static("Record a screening step", classes="form-title")
            yield Static("", id="form-status", classes="form-status")
            yield from field_row("Person", PersonPicker(id="person"), "person_ref")
            yield from field_row(
                "Step",
                Select(
                    compact=True,
                    options=_options(ScreeningEventKind),
                    value="test",
                    allow_blank=False,
                    id="event",
                ),
                "event",
            )
            yield from field_row(
                "Date", Input(today().isoformat(), compact=True, id="occurred_on"), "occurred_on"
            )
            yield from field_row(
                "HPV", Select(compact=True, options=_options(HpvResult), id="hpv"), "hpv"
            )
            yield from field_row(
                "Cytology",
                Select(compact=True, options=_options(Cytology), id="cytology"),
                "cytology",
            )
            yield from field_row(
                "Sample",
                Select(compact=True, options=_options(SampleTaker), value="clinician", id="sample"),
                "sample",
            )
            yield from field_row(
                "Where",
                Select(compact=True, options=_options(Where), value="on_site", id="where"),
                "where",
            )
            yield from field_row(
                "Reason", Select(compact=True, options=_options(CeaseReason), id="reason"), "reason"
            )
            yield from field_row(
                "Note",
                Input(compact=True, placeholder="optional", id="note", max_length=NOTE_MAX),
                "note",
            )
        yield Footer(compact=True)

    def on_mount(self) -> None:
        picker = self.query_one(PersonPicker)
        self._show_fields()
        if self._person is not None:
            picker.set_choice(self._person)
            self.query_one("#event", Select).focus()
        else:
            picker.focus_input()

    @property
    def event(self) -> str:
        return str(self.query_one("#event", Select).value)

    def _show_fields(self) -> None:
        event = self.event
        for field in TEST_FIELDS:
            shown = event == "test" or (field == "where" and event != "ceased")
            self.query_one(f"#row-{field}").display = shown
            self.query_one(f"#err-{field}").display = shown
        self.query_one("#row-reason").display = event == "ceased"
        self.query_one("#err-reason").display = event == "ceased"

    @on(Select.Changed)
    def _changed(self, event: Select.Changed) -> None:
        if event.select.id == "event":
            self._show_fields()
        self.revalidate({"hpv", "cytology", "reason"})

    @on(Input.Changed, "#occurred_on")
    def _date_typed(self) -> None:
        self.revalidate({"occurred_on"})

    @on(PersonPicker.Picked)
    def _picked(self) -> None:
        self.revalidate({"person_ref"})

    def _value(self, field: str) -> str | None:
        value = self.query_one(f"#{field}", Select).value
        return None if value is Select.NULL else str(value)

    def check(self) -> dict[str, str]:
        errors: dict[str, str] = {}
        if self.query_one(PersonPicker).choice is None:
            errors["person_ref"] = "type a few letters and pick the person (enter)"
        day, problem = parse_day(self.value_of("#occurred_on"), "occurred_on")
        if problem or day is None:
            errors["occurred_on"] = problem or "when it happened"
        elif day > today():
            errors["occurred_on"] = "is in the future"
        if self.event == "test":
            hpv, cytology = self._value("hpv"), self._value("cytology")
            if hpv is None and cytology is None:
                errors["hpv"] = "a test needs an HPV or cytology result"
            elif hpv == "positive" and cytology is None:
                errors["cytology"] = "an HPV positive result needs its cytology"
        if self.event == "ceased" and self._value("reason") is None:
            errors["reason"] = "why screening stops"
        return errors

    def action_save(self) -> None:
        # Someone who has left or is marked do not approach is confirmed first.
        self.query_one(PersonPicker).confirm(super().action_save)

    def save(self) -> None:
        from outreach.services.dates import parse_date
        from outreach.services.screening import RecordScreeningEvent, record_screening_event

        event = self.event
        choice = self.query_one(PersonPicker).choice
        assert choice is not None
        test = event == "test"
        command = RecordScreeningEvent(
            person_ref=choice.ref,
            occurred_on=parse_date(self.value_of("#occurred_on"), "occurred_on"),
            event=event,
            hpv=self._value("hpv") if test else None,
            cytology=self._value("cytology") if test else None,
            sample=self._value("sample") if test else None,
            where=self._value("where") if event != "ceased" else None,
            reason=self._value("reason") if event == "ceased" else None,
            note=self.value_of("#note").strip() or None,
        )

        def work(store: Store) -> ScreeningRecorded:
            return record_screening_event(store, command)

        self.call(ScreeningSaved, work)

    @on(ScreeningSaved)
    def _screening_saved(self, message: ScreeningSaved) -> None:
        self._saved(message.data)

    def _saved(self, recorded: ScreeningRecorded) -> None:
        choice = self.query_one(PersonPicker).choice
        ref = choice.ref if choice else ""
        text = f"{self.event.replace('_', ' ').capitalize()} recorded for {ref}."
        if recorded.action:
            text += f" Next: {recorded.action.replace('_', ' ')}."
        if recorded.follow_up is not None:
            f = recorded.follow_up
            text += f" Follow-up created: {f.reason.replace('_', ' ')} by {f.due_on:%d %b %Y}."
        if recorded.completed:
            text += f" {counted(len(recorded.completed), 'follow-up')} completed."
        self.app.notify(text, title="Saved", timeout=10)
        self.dismiss(True)
