"""What the data-entry forms share: labelled rows, an error line under each field, turning a
service's ValidationError into the message next to the field it names, and never losing what
was typed: esc on a changed form asks first, and a lock keeps the form as a draft (see
:meth:`Form.draft_values` and :meth:`Form.restore_draft`)."""

from __future__ import annotations

from contextlib import suppress
from datetime import date
from typing import Any, ClassVar

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widget import Widget
from textual.widgets import Checkbox, Input, Label, RadioButton, Select, SelectionList, Static
from textual.widgets.select import InvalidSelectValueError

from outreach.tui.base import DataDialog
from outreach.tui.messages import Failed
from outreach.tui.text import shown_lines
from outreach.tui.widgets.person_picker import PersonChoice, PersonPicker

SAVING = "__saving__"
"""Key in a draft's values: the form was being saved when it was kept."""

SHORT_TERMINAL = 32
"""Below this many lines, forms drop the blank line between rows."""


def field_row(label: str, widget: Widget, field: str) -> ComposeResult:
    """A label, the field's widget, and the (empty) error line under it."""
    with Horizontal(classes="field-row", id=f"row-{field}"):
        yield Label(label, classes="field-label")
        yield widget
    yield Static("", classes="field-error -empty", id=f"err-{field}")


def parse_day(text: str, field: str) -> tuple[date | None, str]:
    """The optional date in ``text`` and the problem with it (empty when none)."""
    from outreach.services.dates import parse_optional_date
    from outreach.services.errors import ValidationError

    try:
        return parse_optional_date(text, field), ""
    except ValidationError as exc:
        return None, exc.message


class Form(DataDialog):
    """A data-entry dialog: ctrl+s saves, esc leaves without saving.

    Subclasses implement :meth:`check` (local checks, run as the person types) and
    :meth:`save` (start the service call).
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s,f2", "save", "Save", id="form.save", priority=True),
        Binding("escape", "cancel", "Cancel", id="form.cancel"),
    ]

    FIELDS: ClassVar[tuple[str, ...]] = ()
    """Every field name, in screen order (the service's names for them)."""

    DRAFT_KIND: ClassVar[str] = ""
    """The name a draft of this form is kept under when the application locks (empty: this
    form is never kept)."""

    draft_id: int | None = None
    """The kept draft this form was opened from: it stays in the store until the form is
    saved or discarded, and a lock keeps the form over it."""
    saving = False
    """A save has been started and has not been refused (yet)."""
    _pristine: dict[str, Any] | None = None
    _draft: dict[str, Any] | None = None
    _applied = False

    def on_mount(self) -> None:
        # Runs after the form's own on_mount has filled in its defaults: what is on screen
        # now is "unchanged" (taken at once, so that a lock a moment later still sees what
        # is typed next); a draft handed over is typed back in once the form is drawn.
        self._pristine = self.draft_values()
        if self._draft is not None:
            self.call_after_refresh(self._apply, self._draft)

    def mark_unchanged(self, widget_id: str) -> None:
        """The form filled ``widget_id`` in itself (a default that arrived late): what it holds
        now does not count as typed."""
        if self._pristine is not None:
            self._pristine[widget_id] = self.draft_values().get(widget_id)

    @property
    def is_changed(self) -> bool:
        """Whether anything on the form differs from what it opened with."""
        if self._pristine is None:
            return self._draft is not None
        return self.values_to_keep() != self._pristine

    def values_to_keep(self) -> dict[str, Any]:
        """What a draft of this form holds now (the draft handed over, until it is typed in)."""
        if self._draft is not None and not self._applied:
            return dict(self._draft)
        return self.draft_values()

    def draft_values(self) -> dict[str, Any]:
        """What the form holds now: widget id -> value (text, chosen option, ticked items, the
        person picked or the text typed to find them). Passwords are never included."""
        values: dict[str, Any] = {}
        for widget in self.query("*"):
            key = widget.id
            if not key or any(isinstance(a, PersonPicker) for a in widget.ancestors):
                continue
            if isinstance(widget, PersonPicker):
                choice = widget.choice
                values[key] = (
                    {"ref": choice.ref, "label": choice.label}
                    if choice is not None
                    else {"typed": widget.input.value}
                )
            elif isinstance(widget, Input) and not widget.password:
                values[key] = widget.value
            elif isinstance(widget, Select):
                values[key] = None if widget.value is Select.NULL else str(widget.value)
            elif isinstance(widget, (Checkbox, RadioButton)):
                values[key] = bool(widget.value)
            elif isinstance(widget, SelectionList):
                values[key] = [str(v) for v in widget.selected]
        return values

    def restore_draft(self, values: dict[str, Any]) -> None:
        """Type ``values`` (from :meth:`draft_values`) back in once the form has settled."""
        self._draft = dict(values)
        if self.is_mounted:
            self._apply(self._draft)

    def _apply(self, values: dict[str, Any]) -> None:
        self._applied = True
        for key, value in values.items():
            if key.replace("_", "").replace("-", "").isalnum():
                for widget in self.query(f"#{key}"):
                    _set_value(widget, value)

    def action_cancel(self) -> None:
        if not self.is_changed:
            self.dismiss(None)
            return
        from outreach.tui.dialogs.account_dialogs import ConfirmDialog

        def answered(discard: bool | None) -> None:
            if discard:
                self.dismiss(None)

        self.app.push_screen(
            ConfirmDialog("Discard what you typed in this form?"),
            answered,
        )

    def on_resize(self, event: events.Resize) -> None:
        # Short terminals (80x24): rows without the blank line between them, so the whole
        # form shows without scrolling.
        self.set_class(event.size.height < SHORT_TERMINAL, "-short")

    def check(self) -> dict[str, str]:
        """Problems with what is typed now: field -> message. Empty when it can be saved."""
        return {}

    def save(self) -> None:
        raise NotImplementedError

    def set_error(self, field: str, text: str) -> None:
        """Show ``text`` under ``field`` (an empty text hides the line)."""
        line = self.query_one(f"#err-{field}", Static)
        line.update(shown_lines(text))
        line.set_class(not text, "-empty")

    def revalidate(self, only: set[str] | None = None) -> dict[str, str]:
        """Check and show problems; ``only`` limits which fields' lines change."""
        errors = self.check()
        for field in self.FIELDS:
            if only is None or field in only:
                self.set_error(field, errors.get(field, ""))
        return errors

    def action_save(self) -> None:
        errors = self.revalidate()
        status = self.query_one("#form-status", Static)
        if errors:
            status.update("Not saved: correct the fields marked below.")
            self._focus_field(next(f for f in self.FIELDS if f in errors))
            return
        status.update("Saving…")
        self.saving = True
        self.save()

    @on(Failed)
    def _save_failed(self, message: Failed) -> None:
        # Keep everything typed: only say what is wrong, next to the field when it is named.
        self.saving = False
        status = self.query_one("#form-status", Static)
        if message.field and message.field in self.FIELDS:
            self.set_error(message.field, message.problem)
            status.update("Not saved: correct the field marked below.")
            self._focus_field(message.field)
        else:
            status.update(shown_lines(f"Not saved: {message.error}"))

    def _focus_field(self, field: str) -> None:
        row = self.query_one(f"#row-{field}")
        for widget in row.query("*"):
            if widget.focusable:
                widget.focus()
                return

    def value_of(self, widget_id: str) -> Any:
        return getattr(self.query_one(widget_id), "value", None)


def _set_value(widget: Widget, value: Any) -> None:
    """Put one kept value back into its widget; a value the widget no longer offers (an
    option since removed) is left out rather than failing the whole draft."""
    if isinstance(widget, PersonPicker) and isinstance(value, dict):
        if value.get("ref"):
            widget.set_choice(PersonChoice(str(value["ref"]), str(value.get("label", ""))))
        elif value.get("typed"):
            widget.input.value = str(value["typed"])
    elif isinstance(widget, Input) and isinstance(value, str) and not widget.password:
        widget.value = value
    elif isinstance(widget, Select):
        if value is None:
            with suppress(InvalidSelectValueError):  # a Select that must hold a value
                widget.clear()
        else:
            with suppress(InvalidSelectValueError):  # no longer one of its options
                widget.value = value
    elif isinstance(widget, RadioButton):
        if value:  # pressing the kept one releases the others in its set
            widget.value = True
    elif isinstance(widget, Checkbox):
        widget.value = bool(value)
    elif isinstance(widget, SelectionList) and isinstance(value, list):
        offered = {widget.get_option_at_index(i).value for i in range(widget.option_count)}
        widget.deselect_all()
        for item in value:
            if item in offered:  # else no longer one of its options
                widget.select(item)
