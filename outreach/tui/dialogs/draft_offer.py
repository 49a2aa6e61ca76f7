"""After unlocking: a form that was half filled in when the application locked is offered back.

Enter opens it again as it was (it stays kept until that form is saved or discarded); ``del``
discards it; esc leaves it for later (it is offered at each unlock until it is a day old, then
removed).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from outreach.tui.dialogs.form import SAVING

if TYPE_CHECKING:
    from outreach.services.drafts import Draft
    from outreach.tui.dialogs.form import Form

OPEN = "open"
DISCARD = "discard"

_FORMS = {
    "conversation": ("outreach.tui.dialogs.conversation_form", "ConversationForm"),
    "screening": ("outreach.tui.dialogs.screening_form", "ScreeningForm"),
    "mentor": ("outreach.tui.dialogs.mentor_form", "MentorForm"),
    "target": ("outreach.tui.dialogs.target_form", "TargetForm"),
}

TITLES = {
    "conversation": "Log a conversation",
    "screening": "Record a screening step",
    "mentor": "Add a peer mentor",
    "target": "Set a target",
}


def form_for(draft: Draft) -> Form:
    """A new form of the draft's kind with the draft's values typed back in."""
    module, cls = _FORMS[draft.form]
    form: Form = getattr(import_module(module), cls)()
    form.restore_draft({k: v for k, v in draft.fields.items() if k != SAVING})
    form.draft_id = draft.id
    return form


def describe(draft: Draft) -> Text:
    """The form's title, who it was for (as picked or typed), and when it was kept."""
    when = draft.saved_at.astimezone().strftime("%d %b %Y %H:%M")
    text = Text(f"{TITLES.get(draft.form, draft.form)}, kept at {when}")
    person = draft.fields.get("person")
    if isinstance(person, dict):
        who = person.get("label") or person.get("typed")
        if who:
            text.append("\nfor ")
            text.append(str(who), style="bold")  # typed by a person: never markup
    name = draft.fields.get("name")
    if draft.form == "mentor" and isinstance(name, str) and name.strip():
        text.append("\nmentor ")
        text.append(name.strip(), style="bold")
    if draft.fields.get(SAVING):
        text.append(
            "\nIt was being saved when the store locked: check the person's timeline "
            "before saving it again."
        )
    return text


class DraftOffer(ModalScreen[str | None]):
    """Offers one kept form back; dismisses with ``open``, ``discard`` or None (later)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("delete,ctrl+x", "answer('discard')", "Discard", id="draft.discard"),
        Binding("escape", "answer(None)", "Later", id="draft.later"),
    ]

    def __init__(self, draft: Draft) -> None:
        super().__init__()
        self.draft = draft

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="draft-offer"):
            yield Static("You were filling in a form when the store locked", classes="panel-title")
            yield Static(describe(self.draft), id="draft-what")
            yield Static(
                "enter opens it as you left it · del discards it · esc: later (kept for a day)",
                classes="muted",
            )
            yield Button("Open it (enter)", id="draft-open", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#draft-open", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "draft-open":
            self.dismiss(OPEN)

    def action_answer(self, answer: str | None) -> None:
        self.dismiss(answer)
