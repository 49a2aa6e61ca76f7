"""Log a conversation: one-to-one or a group, with the mentor, barriers, outcome and next step.

Designed for few keys: ``c`` opens it with the cursor in "Person"; a few letters and enter pick
the person when exactly one resident matches (otherwise enter moves into the matches; see
:mod:`outreach.tui.widgets.person_picker`); mentor (the last one used), date (today), setting
and outcome come filled in; ctrl+s saves.

"About" ticks the programmes the conversation addressed (cervical screening to begin with);
each ticked programme shows its own barriers (its file's) and outcome, and they are logged
as ``outreach log conversation --programme/--outcome KEY=CODE/--barrier KEY=CODE`` logs them:
the first ticked is the conversation's own programme, each further one
:class:`~outreach.services.conversations.Addressed`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.suggester import SuggestFromList
from textual.widgets import (
    Checkbox,
    Footer,
    Input,
    Label,
    RadioButton,
    RadioSet,
    Select,
    SelectionList,
    Static,
)

from outreach.clock import today
from outreach.rules.limits import MINUTES_MAX, MINUTES_MIN, NOTE_MAX, minutes_problem
from outreach.tui.dialogs.form import Form, field_row, parse_day
from outreach.tui.messages import ConversationSaved, MentorsLoaded
from outreach.tui.programme_choice import CERVICAL, programme_choices
from outreach.tui.widgets.person_picker import PersonChoice, PersonPicker
from outreach.wording import fold

if TYPE_CHECKING:
    from outreach.services.conversations import ConversationLogged
    from outreach.store.store import Store

DEFAULT_OUTCOME = "undecided_more_time"
DEFAULT_SETTING = "wing"


def _id(kind: str, key: str) -> str:
    """The id of a programme's own widget: cervical screening keeps the form's first ids
    (``outcome``, ``barriers``), every other programme ``outcome-KEY``, ``barriers-KEY``."""
    return kind if key == CERVICAL else f"{kind}-{key}"


def _short(key: str) -> str:
    from outreach.rules.cascade import load_any

    rules = load_any(key)
    return getattr(rules, "short", None) or rules.title


class ConversationForm(Form):
    """The conversation form; dismisses with True once the conversation is logged."""

    DRAFT_KIND = "conversation"
    FIELDS: ClassVar[tuple[str, ...]] = (
        "kind",
        "person_ref",
        "attendees",
        "mentors",
        "occurred_on",
        "setting",
        "minutes",
        "programme",
        "barriers",
        "outcome",
        "next_step_on",
        "note",
    )

    def __init__(self, person: PersonChoice | None = None) -> None:
        super().__init__()
        self._person = person
        self._mentors: list[str] = []

    def compose(self) -> ComposeResult:
        from outreach.rules.programme import load_programme

        programme = load_programme()
        with VerticalScroll(classes="form", id="conversation-form"):
            yield Static("Log a conversation", classes="form-title")
            yield Static("", id="form-status", classes="form-status")
            kind = RadioSet(
                RadioButton("One-to-one", value=True, id="one_to_one"),
                RadioButton("Group", id="group"),
                id="kind",
            )
            yield from field_row("Kind", kind, "kind")
            yield from field_row("Person", PersonPicker(id="person"), "person_ref")
            yield from field_row(
                "Attendees",
                Input(compact=True, placeholder="how many", id="attendees", type="integer"),
                "attendees",
            )
            yield from field_row(
                "Mentor",
                Input(compact=True, placeholder="peer mentor's name", id="mentor"),
                "mentors",
            )
            yield from field_row(
                "Date", Input(today().isoformat(), compact=True, id="occurred_on"), "occurred_on"
            )
            settings = [(label, code) for code, label in programme.settings.items()]
            yield from field_row(
                "Where",
                Select(
                    settings, compact=True, value=DEFAULT_SETTING, allow_blank=False, id="setting"
                ),
                "setting",
            )
            yield from field_row(
                "Minutes",
                Input(
                    compact=True,
                    placeholder=f"{MINUTES_MIN} to {MINUTES_MAX}",
                    id="minutes",
                    type="integer",
                ),
                "minutes",
            )
            # Which programmes the conversation addressed (cervical screening ticked, as
            # before); each ticked one has its own barriers and outcome below.
            with Horizontal(classes="field-row", id="row-programme"):
                yield Label("About", classes="field-label")
                for key in programme_choices():
                    yield Checkbox(
                        _short(key),
                        value=key == CERVICAL,
                        compact=True,
                        id=f"about-{key}",
                        classes="programme-tick",
                    )
            yield Static("", classes="field-error -empty", id="err-programme")
            outcomes = [(label, code) for code, label in programme.outcome_codes.items()]
            for key in programme_choices():
                yield from self._programme_rows(key, outcomes)
            yield from field_row(
                "Next step",
                Input(compact=True, placeholder="date, optional", id="next_step_on"),
                "next_step_on",
            )
            yield from field_row(
                "Note",
                Input(
                    compact=True,
                    placeholder="optional; no detail of trauma",
                    id="note",
                    max_length=NOTE_MAX,
                ),
                "note",
            )
        yield Footer(compact=True)

    def _programme_rows(self, key: str, outcomes: list[tuple[str, str]]) -> ComposeResult:
        """A programme's heading (shown when several are ticked), barriers and outcome."""
        from outreach.rules.cascade import load_any

        rules = load_any(key)
        yield Static(rules.title, classes="form-section", id=f"head-{key}")
        barriers = [(label, code) for code, label in rules.barrier_codes.items()]
        with Horizontal(classes="field-row", id=f"row-{_id('barriers', key)}"):
            yield Label("Barriers", classes="field-label")
            yield SelectionList[str](*barriers, id=_id("barriers", key))
        with Horizontal(classes="field-row", id=f"row-{_id('outcome', key)}"):
            yield Label("Outcome", classes="field-label")
            yield Select(
                outcomes,
                compact=True,
                value=DEFAULT_OUTCOME,
                allow_blank=False,
                id=_id("outcome", key),
            )
        if key == CERVICAL:
            # The service names these fields for the first programme's codes.
            yield Static("", classes="field-error -empty", id="err-barriers")
            yield Static("", classes="field-error -empty", id="err-outcome")

    @property
    def addressed(self) -> list[str]:
        """The programmes ticked, in the list's order (the first is the conversation's own)."""
        return [
            key for key in programme_choices() if self.query_one(f"#about-{key}", Checkbox).value
        ]

    def _show_programmes(self) -> None:
        ticked = self.addressed
        for key in programme_choices():
            shown = key in ticked
            self.query_one(f"#head-{key}").display = shown and len(ticked) > 1
            for kind in ("barriers", "outcome"):
                self.query_one(f"#row-{_id(kind, key)}").display = shown

    def draft_values(self) -> dict[str, Any]:
        """What the form holds, less the outcome and barriers of programmes not ticked (they
        were never chosen, so a kept draft does not hold them)."""
        values = super().draft_values()
        ticked = set(self.addressed)
        for key in programme_choices():
            if key != CERVICAL and key not in ticked:
                values.pop(_id("outcome", key), None)
                values.pop(_id("barriers", key), None)
        return values

    @on(Checkbox.Changed, ".programme-tick")
    def _ticked(self) -> None:
        self._show_programmes()
        self.revalidate({"programme"})

    def on_mount(self) -> None:
        from outreach.services.mentors import list_mentors

        self._show_programmes()

        self.query_one("#row-attendees").display = False
        self.query_one("#err-attendees").display = False
        picker = self.query_one(PersonPicker)
        if self._person is not None:
            picker.set_choice(self._person)
        last = getattr(self.app, "last_mentor", None)
        if last:
            self.query_one("#mentor", Input).value = last
        self.call(MentorsLoaded, list_mentors, as_of=today(), active_only=True)
        if self._person is None:
            picker.focus_input()
        else:
            self.query_one("#mentor", Input).focus()

    # -- typing ----------------------------------------------------------------------------
    @property
    def is_group(self) -> bool:
        return self.query_one("#group", RadioButton).value

    @on(RadioSet.Changed, "#kind")
    def _kind_changed(self) -> None:
        group = self.is_group
        for field, shown in (("person_ref", not group), ("attendees", group)):
            self.query_one(f"#row-{field}").display = shown
            self.query_one(f"#err-{field}").display = shown
        self.revalidate({"person_ref", "attendees"})

    @on(Input.Changed)
    def _typed(self, event: Input.Changed) -> None:
        if event.input.id == "person-input":
            return
        field = {"mentor": "mentors"}.get(event.input.id or "", event.input.id or "")
        touched = {field}
        if field == "occurred_on":
            touched.add("next_step_on")
        self.revalidate(touched)

    @on(PersonPicker.Picked)
    def _picked(self, event: PersonPicker.Picked) -> None:
        if event.choice is not None:
            self.revalidate({"person_ref"})
            mentor = self.query_one("#mentor", Input)
            if not mentor.value.strip() and self.query_one(PersonPicker).has_focus_within:
                mentor.focus()

    @on(MentorsLoaded)
    def _mentors_loaded(self, message: MentorsLoaded) -> None:
        self._mentors = [m.name for m in message.data]
        mentor = self.query_one("#mentor", Input)
        mentor.suggester = SuggestFromList(self._mentors, case_sensitive=False)
        if not mentor.value and len(self._mentors) == 1:
            mentor.value = self._mentors[0]
            self.mark_unchanged("mentor")

    @on(ConversationSaved)
    def _conversation_saved(self, message: ConversationSaved) -> None:
        self._saved(message.data)

    # -- checking --------------------------------------------------------------------------
    def check(self) -> dict[str, str]:
        errors: dict[str, str] = {}
        if self.is_group:
            attendees = self.value_of("#attendees").strip()
            if not attendees.isdigit() or int(attendees) < 1:
                errors["attendees"] = "how many attended (1 or more)"
        elif self.query_one(PersonPicker).choice is None:
            errors["person_ref"] = "type a few letters and pick the person (enter)"
        mentor = self.value_of("#mentor").strip()
        if not mentor:
            errors["mentors"] = "who held the conversation"
        elif self._mentors and fold(mentor) not in {fold(m) for m in self._mentors}:
            errors["mentors"] = f"no active mentor called {mentor!r}"
        occurred, problem = parse_day(self.value_of("#occurred_on"), "occurred_on")
        if problem or occurred is None:
            errors["occurred_on"] = problem or "when it took place"
        elif occurred > today():
            errors["occurred_on"] = "is in the future"
        minutes = self.value_of("#minutes").strip()
        if minutes and not minutes.isdigit():
            errors["minutes"] = f"whole minutes, {MINUTES_MIN} to {MINUTES_MAX}"
        elif minutes and (wrong := minutes_problem(int(minutes))):
            errors["minutes"] = wrong
        if not self.addressed:
            errors["programme"] = "tick the programmes the conversation was about"
        next_step, problem = parse_day(self.value_of("#next_step_on"), "next_step_on")
        if problem:
            errors["next_step_on"] = problem
        elif next_step and occurred and next_step < occurred:
            errors["next_step_on"] = "is before the conversation"
        return errors

    # -- saving ----------------------------------------------------------------------------
    def action_save(self) -> None:
        picker = self.query_one(PersonPicker)
        if self.is_group or picker.choice is None:
            super().action_save()
        else:
            # Someone who has left or is marked do not approach is confirmed first.
            picker.confirm(super().action_save)

    def save(self) -> None:
        from outreach.services.conversations import Addressed, LogConversation, log_conversation
        from outreach.services.dates import parse_date, parse_optional_date

        mentor = self.value_of("#mentor").strip()
        mentor = next((m for m in self._mentors if fold(m) == fold(mentor)), mentor)
        group = self.is_group
        choice = self.query_one(PersonPicker).choice
        minutes = self.value_of("#minutes").strip()
        first, *further = self.addressed

        def outcome(key: str) -> str:
            return str(self.value_of(f"#{_id('outcome', key)}"))

        def barriers(key: str) -> list[str]:
            return [
                str(b) for b in self.query_one(f"#{_id('barriers', key)}", SelectionList).selected
            ]

        command = LogConversation(
            occurred_on=parse_date(self.value_of("#occurred_on"), "occurred_on"),
            kind="group" if group else "one_to_one",
            mentors=[mentor],
            setting=str(self.value_of("#setting")),
            outcome=outcome(first),
            minutes=int(minutes) if minutes else 0,
            person_ref=None if group or choice is None else choice.ref,
            attendees=int(self.value_of("#attendees")) if group else None,
            barriers=barriers(first),
            programme=first,
            also=[Addressed(key, outcome(key), barriers(key)) for key in further],
            next_step_on=parse_optional_date(self.value_of("#next_step_on"), "next_step_on"),
            note=self.value_of("#note").strip() or None,
        )
        self._mentor_used = mentor

        def work(store: Store) -> ConversationLogged:
            return log_conversation(store, command)

        self.call(ConversationSaved, work)

    def _saved(self, logged: ConversationLogged) -> None:
        from outreach.services.followups_met import completed_summary

        self.app.last_mentor = self._mentor_used  # type: ignore[attr-defined]
        who = self.query_one(PersonPicker).choice
        text = (
            f"Conversation logged for {who.ref}."
            if who and not self.is_group
            else ("Group conversation logged.")
        )
        if logged.completed:
            text += f" {completed_summary(len(logged.completed))}."
        if logged.follow_up is not None:
            text += f" Follow-up on {logged.follow_up.due_on:%d %b %Y}"
            met_on = logged.follow_up.done_on
            text += f", already met on {met_on:%d %b %Y}." if met_on else "."
        if logged.decision is not None:
            text += f" Decision recorded: {logged.decision.kind.replace('_', ' ')}."
        for made in logged.further_decisions:
            text += f" {_short(made.programme)}: {made.kind.replace('_', ' ')}."
        self.app.notify(text, title="Saved")
        self.dismiss(True)
