"""Choose a person by typing a few letters of their reference or name.

Matches come from the people service in a thread worker, a quarter second after the last key;
up and down move through them and enter picks the highlighted one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Input, OptionList
from textual.widgets.option_list import Option
from textual.worker import get_current_worker

if TYPE_CHECKING:
    from outreach.store.store import Store

DEBOUNCE_SECONDS = 0.25
SHOWN = 6


@dataclass(frozen=True)
class PersonChoice:
    """A person as a picker shows them."""

    ref: str
    label: str


def find_people(store: Store, query: str, limit: int = SHOWN) -> list[PersonChoice]:
    """People whose reference or name matches ``query`` (runs in a worker thread)."""
    from outreach.services.search import search_people

    page = search_people(store, text=query, limit=limit)
    return [PersonChoice(row.ref, f"{row.ref}  {row.name}") for row in page.rows]


class PersonPicker(Vertical):
    """An input for a person with a short list of matches under it."""

    DEFAULT_CSS = """
    PersonPicker { height: auto; }
    PersonPicker > OptionList { height: auto; max-height: 6; display: none; }
    PersonPicker.-open > OptionList { display: block; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down", "move(1)", "Next match", show=False, id="picker.down"),
        Binding("up", "move(-1)", "Previous match", show=False, id="picker.up"),
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
        self._matches: list[PersonChoice] = []

    def compose(self) -> ComposeResult:
        yield Input(
            compact=True, placeholder=self._placeholder, id=f"{self.id}-input" if self.id else None
        )
        yield OptionList()

    @property
    def input(self) -> Input:
        return self.query_one(Input)

    def focus_input(self) -> None:
        self.input.focus()

    def set_choice(self, choice: PersonChoice | None) -> None:
        """Show ``choice`` as picked (or clear it) without searching."""
        self.choice = choice
        with self.input.prevent(Input.Changed):
            self.input.value = choice.label if choice else ""
        self._close()

    @on(Input.Changed)
    def _typed(self, event: Input.Changed) -> None:
        event.stop()
        if self.choice is not None:
            self.choice = None
            self.post_message(self.Picked(self, None))
        if self._timer is not None:
            self._timer.stop()
        query = event.value.strip()
        if not query:
            self._close()
            return
        self._timer = self.set_timer(DEBOUNCE_SECONDS, lambda: self._search(query))

    def _search(self, query: str) -> None:
        store = getattr(self.app, "store", None)
        if store is None:
            return

        def work() -> None:
            try:
                found = find_people(store, query)
            except Exception:
                found = []
            if not get_current_worker().is_cancelled:
                self.app.call_from_thread(self._show_matches, query, found)

        self.run_worker(
            work, group="person-search", thread=True, exclusive=True, exit_on_error=False
        )

    def _show_matches(self, query: str, found: list[PersonChoice]) -> None:
        if self.input.value.strip() != query or self.choice is not None:
            return
        self._matches = found
        options = self.query_one(OptionList)
        options.clear_options()
        if not found:
            options.add_option(Option("no match", disabled=True))
        else:
            options.add_options([Option(c.label) for c in found])
            options.highlighted = 0
        self.add_class("-open")

    def _close(self) -> None:
        self._matches = []
        self.query_one(OptionList).clear_options()
        self.remove_class("-open")

    @property
    def is_open(self) -> bool:
        return bool(self._matches)

    def action_move(self, step: int) -> None:
        options = self.query_one(OptionList)
        if not self._matches:
            return
        current = options.highlighted or 0
        options.highlighted = max(0, min(len(self._matches) - 1, current + step))

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        if self._matches:
            event.stop()
            self._pick(self.query_one(OptionList).highlighted or 0)

    @on(OptionList.OptionSelected)
    def _clicked(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if self._matches:
            self._pick(event.option_index)

    def _pick(self, index: int) -> None:
        choice = self._matches[index]
        self.set_choice(choice)
        self.post_message(self.Picked(self, choice))
