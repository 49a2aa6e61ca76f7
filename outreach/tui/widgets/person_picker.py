"""Choose a person by typing a few letters of their reference or name; it never guesses.

Matches come from :func:`outreach.services.matching.match_people` in a thread worker, a
quarter second after the last key (at once on enter). Each shows reference, name, age, unit
and where the person stands; residents come first. Enter takes a match on its own only when
exactly one *resident* matches what was typed; otherwise it moves to the list, where up, down
and enter choose. Enter pressed before the search has answered waits for that search's
answer. Choosing someone who has left, or who is marked do not approach, asks a second time,
naming why. Under the field, a line says where the chosen person stands.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import get_current_worker

from outreach.text import visible

if TYPE_CHECKING:
    from outreach.services.matching import PersonMatch, PersonMatches
    from outreach.store.store import Store

DEBOUNCE_SECONDS = 0.25
SHOWN = 6


@dataclass(frozen=True)
class PersonChoice:
    """A person as a picker shows them once chosen."""

    ref: str
    label: str
    match: PersonMatch | None = None
    """Where the person stands, once known (read in the background for a choice made
    elsewhere, such as the person screen)."""
    confirmed: bool = False
    """Whether the second confirmation that ``match.caution`` asks for was given."""

    @property
    def needs_confirmation(self) -> bool:
        """Whether the person must still be confirmed before anything is saved for them."""
        return self.match is not None and self.match.caution is not None and not self.confirmed


def choice_of(match: PersonMatch, *, confirmed: bool = False) -> PersonChoice:
    """The choice of the person ``match`` describes."""
    return PersonChoice(match.ref, f"{match.ref}  {match.name}", match, confirmed)


def find_people(store: Store, query: str, limit: int = SHOWN) -> PersonMatches:
    """People matching ``query``, residents first (runs in a worker thread)."""
    from outreach.services.matching import match_people

    return match_people(store, text=query, limit=limit)


def standing_text(match: PersonMatch) -> Text:
    """Where ``match`` stands, coloured: calm for a resident, a warning otherwise."""
    style = "bold red" if match.do_not_approach or not match.resident else ""
    if not style and match.declined_until is not None:
        style = "bold yellow"
    return Text(match.standing, style=style or "green")


def match_prompt(match: PersonMatch) -> Text:
    """Two lines for the list: reference, name and age; then standing and unit."""
    # Typed by people: control characters written out, never passed to the terminal.
    first = Text.assemble(
        (visible(match.ref), "bold"), "  ", visible(match.name), f"  age {match.age}"
    )
    second = Text("         ")
    second.append_text(standing_text(match))
    if match.unit:
        second.append(f"  ·  {visible(match.unit)}", style="dim")
    return Text("\n").join([first, second])


def chosen_line(match: PersonMatch) -> Text:
    """The line under a chosen person: standing, unit, age and date of birth."""
    line = standing_text(match)
    if match.unit:
        line.append(f"  ·  {visible(match.unit)}")
    line.append(f"  ·  age {match.age}, born {match.date_of_birth.isoformat()}")
    return line


class ChooseAnywayDialog(ModalScreen[bool]):
    """Asks again before choosing someone who has left or is marked do not approach.

    Only ``y`` chooses; enter does not, so a second enter cannot slip through."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes, choose", id="choose_anyway.yes"),
        Binding("n,escape", "answer(False)", "No", id="choose_anyway.no"),
    ]

    def __init__(self, match: PersonMatch) -> None:
        super().__init__()
        self.match = match

    def compose(self) -> ComposeResult:
        caution = self.match.caution or ""
        question = Text.assemble(
            (visible(self.match.name), "bold"),
            f" ({visible(self.match.ref)}) ",
            (caution, "bold red"),
            ".\nChoose this person anyway?",
        )
        with Vertical(classes="dialog", id="choose-anyway"):
            yield Static(question)
            yield Static("y: yes, choose   n / esc: no, back to the list", classes="muted")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


class MatchList(OptionList):
    """The matches under the picker's input; esc goes back to typing."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back to typing", id="picker.back"),
    ]

    def action_back(self) -> None:
        picker = self.parent
        if isinstance(picker, PersonPicker):
            picker.focus_input()


class PersonPicker(Vertical):
    """An input for a person with a short list of matches under it."""

    DEFAULT_CSS = """
    PersonPicker { height: auto; }
    PersonPicker > MatchList { height: auto; max-height: 14; display: none; }
    PersonPicker.-open > MatchList { display: block; }
    PersonPicker > #person-standing { height: auto; display: none; }
    PersonPicker.-chosen > #person-standing { display: block; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down", "to_list", "Matches", show=False, id="picker.down"),
        # Only while matches are listed: otherwise esc goes on to the form (cancel).
        Binding("escape", "close_list", "Close the list", show=False, id="picker.close"),
    ]

    class Picked(Message):
        """A person was chosen (``choice``) or the choice was cleared (None)."""

        def __init__(self, picker: PersonPicker, choice: PersonChoice | None) -> None:
            super().__init__()
            self.picker = picker
            self.choice = choice

        @property
        def control(self) -> PersonPicker:
            return self.picker

    def __init__(self, *, id: str | None = None, placeholder: str = "reference or name") -> None:
        super().__init__(id=id)
        self._placeholder = placeholder
        self.choice: PersonChoice | None = None
        self._timer: Timer | None = None
        self._answer: PersonMatches | None = None
        self._searching: str | None = None
        self._enter_for: str | None = None
        """The text enter was pressed on before its search answered."""

    def compose(self) -> ComposeResult:
        yield Input(
            compact=True, placeholder=self._placeholder, id=f"{self.id}-input" if self.id else None
        )
        yield MatchList()
        yield Static("", id="person-standing")

    @property
    def input(self) -> Input:
        return self.query_one(Input)

    @property
    def matches(self) -> list[PersonMatch]:
        """The matches listed now."""
        return list(self._answer.rows) if self._answer is not None else []

    @property
    def is_open(self) -> bool:
        return self._answer is not None

    @property
    def answered(self) -> str | None:
        """The search text the listed matches answer, or None when nothing is listed."""
        return self._answer.text if self._answer is not None else None

    def focus_input(self) -> None:
        self.input.focus()

    # -- a choice made elsewhere -------------------------------------------------------------
    def set_choice(self, choice: PersonChoice | None) -> None:
        """Show ``choice`` as picked (or clear it) without searching; where the person
        stands is read in the background when ``choice`` does not say."""
        self.choice = choice
        with self.input.prevent(Input.Changed):
            self.input.value = choice.label if choice else ""
            # Typing over a chosen person starts a new search rather than editing the label.
            self.input.select_all()
        self._close()
        self._show_chosen()
        if choice is not None and choice.match is None:
            self._read_standing(choice.ref)

    def _read_standing(self, ref: str) -> None:
        store = getattr(self.app, "store", None)
        if store is None:
            return

        def work() -> None:
            from outreach.services.matching import match_person

            try:
                match = match_person(store, ref)
            except Exception:
                return
            if not get_current_worker().is_cancelled:
                self.app.call_from_thread(self._standing_read, ref, match)

        self.run_worker(work, group="person-standing", thread=True, exit_on_error=False)

    def _standing_read(self, ref: str, match: PersonMatch) -> None:
        if self.choice is not None and self.choice.ref == ref and self.choice.match is None:
            self.choice = replace(self.choice, match=match)
            self._show_chosen()
            self.post_message(self.Picked(self, self.choice))

    def _show_chosen(self) -> None:
        line = self.query_one("#person-standing", Static)
        match = self.choice.match if self.choice is not None else None
        line.update(chosen_line(match) if match is not None else "")
        self.set_class(match is not None, "-chosen")

    # -- typing and searching ----------------------------------------------------------------
    @on(Input.Changed)
    def _typed(self, event: Input.Changed) -> None:
        event.stop()
        if self.choice is not None:
            self.choice = None
            self._show_chosen()
            self.post_message(self.Picked(self, None))
        if self._timer is not None:
            self._timer.stop()
        self._enter_for = None
        query = event.value.strip()
        if not query:
            self._close()
            return
        self._timer = self.set_timer(DEBOUNCE_SECONDS, lambda: self._search(query))

    def _search(self, query: str) -> None:
        store = getattr(self.app, "store", None)
        if store is None:
            return
        self._searching = query

        def work() -> None:
            try:
                found = find_people(store, query)
            except Exception:
                from outreach.services.matching import PersonMatches

                found = PersonMatches(text=query, rows=[], residents=0, has_more=False)
            if not get_current_worker().is_cancelled:
                self.app.call_from_thread(self._show_matches, query, found)

        self.run_worker(
            work, group="person-search", thread=True, exclusive=True, exit_on_error=False
        )

    def _show_matches(self, query: str, found: PersonMatches) -> None:
        if self.input.value.strip() != query or self.choice is not None:
            return
        self._searching = None
        self._answer = found
        options = self.query_one(MatchList)
        options.clear_options()
        if not found.rows:
            options.add_option(
                Option(Text(f"no one matches {visible(repr(query))}"), disabled=True)
            )
        else:
            options.add_options([Option(match_prompt(m)) for m in found.rows])
            if found.more_than is not None:
                more = f"more than {found.more_than} match: type more letters"
                options.add_option(Option(more, disabled=True))
            elif found.has_more:
                options.add_option(Option("more match: type more letters", disabled=True))
            options.highlighted = 0
        self.add_class("-open")
        if self._enter_for == query:
            self._enter_for = None
            self._act_on_enter()

    def _close(self) -> None:
        self._answer = None
        self._searching = None
        self.query_one(MatchList).clear_options()
        self.remove_class("-open")

    # -- choosing ----------------------------------------------------------------------------
    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        query = self.input.value.strip()
        if not query or self.choice is not None:
            return
        if self._answer is not None and self._answer.text == query:
            self._act_on_enter()
            return
        # The search for this text has not answered: act on its answer when it comes.
        self._enter_for = query
        if self._searching != query:
            if self._timer is not None:
                self._timer.stop()
            self._search(query)

    def _act_on_enter(self) -> None:
        answer = self._answer
        if answer is None or not answer.rows:
            return
        only = answer.only_resident
        if only is not None:
            self._choose(only)
        else:
            self.action_to_list()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "close_list":
            return self.is_open
        return True

    def action_close_list(self) -> None:
        """Close the list of matches and stay in the field, keeping what was typed."""
        self._close()
        self.focus_input()

    def action_to_list(self) -> None:
        """Move into the list of matches."""
        if self._answer is not None and self._answer.rows:
            options = self.query_one(MatchList)
            options.focus()
            if options.highlighted is None:
                options.highlighted = 0

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        rows = self.matches
        if 0 <= event.option_index < len(rows):
            self._choose(rows[event.option_index])

    def _choose(self, match: PersonMatch) -> None:
        if match.caution is None:
            self._take(choice_of(match))
            return

        def answered(yes: bool | None) -> None:
            # After the dialog has gone, so that the list is hidden on this screen, not under it.
            if yes:
                self.call_after_refresh(self._take, choice_of(match, confirmed=True))
            else:
                self.call_after_refresh(self.action_to_list)

        self.app.push_screen(ChooseAnywayDialog(match), answered)

    def _take(self, choice: PersonChoice) -> None:
        self.set_choice(choice)
        self.post_message(self.Picked(self, choice))

    def confirm(self, then: Callable[[], None]) -> None:
        """Ask the second confirmation the chosen person needs, then run ``then`` if given."""
        choice = self.choice
        if choice is None or choice.match is None or not choice.needs_confirmation:
            then()
            return
        match = choice.match

        def answered(yes: bool | None) -> None:
            if yes and self.choice is choice:
                self.choice = replace(choice, confirmed=True)
                then()

        self.app.push_screen(ChooseAnywayDialog(match), answered)
