"""What the data-entry forms share: labelled rows, an error line under each field, and
turning a service's ValidationError into the message next to the field it names."""

from __future__ import annotations

from datetime import date
from typing import Any, ClassVar

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widget import Widget
from textual.widgets import Label, Static

from outreach.tui.messages import Failed
from outreach.tui.screens.base import DataDialog

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
        return None, exc.problem


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
        line.update(text)
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
        self.save()

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Failed)
    def _save_failed(self, message: Failed) -> None:
        # Keep everything typed: only say what is wrong, next to the field when it is named.
        status = self.query_one("#form-status", Static)
        if message.field and message.field in self.FIELDS:
            problem = message.error.split(":", 1)[-1].strip()
            self.set_error(message.field, problem)
            status.update("Not saved: correct the field marked below.")
            self._focus_field(message.field)
        else:
            status.update(f"Not saved: {message.error}")

    def _focus_field(self, field: str) -> None:
        row = self.query_one(f"#row-{field}")
        for widget in row.query("*"):
            if widget.focusable:
                widget.focus()
                return

    def value_of(self, widget_id: str) -> Any:
        return getattr(self.query_one(widget_id), "value", None)
