"""A person's equity fields: five choices from closed lists (ethnic group, disability, learning
disability, first language, interpreter needed), each with "not stated" and "declined to say"
kept apart. Quick to fill: no free text."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Footer, Select, Static

from outreach.rules.equity import equity_fields
from outreach.tui.dialogs.form import Form, field_row
from outreach.tui.messages import EquitySaved

if TYPE_CHECKING:
    from outreach.store.store import Store


def options(key: str) -> list[tuple[str, str]]:
    """(label, code) of every answer of the field, in the list's order; ethnic groups are
    shown under their high-level group ("White: Irish")."""
    field = next(f for f in equity_fields() if f.key == key)
    shown = []
    for code, label in field.codes.items():
        group = field.groups.get(code)
        short = group.capitalize() if group else ""
        shown.append((f"{short}: {label}" if short else label, code))
    return shown


class EquityForm(Form):
    """The person's equity fields, filled in with what is recorded; dismisses with the names of
    the fields changed."""

    FIELDS: ClassVar[tuple[str, ...]] = tuple(f.key for f in equity_fields())

    def __init__(self, ref: str, current: dict[str, str]) -> None:
        super().__init__()
        self.ref = ref
        self.current = current

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="form dialog-form", id="equity-form"):
            yield Static("Equity fields (all optional)", classes="form-title")
            yield Static(
                "Not stated: never asked. Declined: asked, chose not to say.",
                id="form-status",
                classes="form-status",
            )
            for field in equity_fields():
                yield from field_row(
                    field.label,
                    Select(
                        options(field.key),
                        value=self.current.get(field.key, "not_stated"),
                        allow_blank=False,
                        compact=True,
                        id=field.key,
                    ),
                    field.key,
                )
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one(f"#{self.FIELDS[0]}", Select).focus()

    def check(self) -> dict[str, str]:
        return {}

    def save(self) -> None:
        from outreach.services.people import UpdatePerson, update_person

        chosen = {key: str(self.value_of(f"#{key}")) for key in self.FIELDS}
        ref = self.ref

        def work(store: Store) -> list[str]:
            return update_person(
                store,
                UpdatePerson(
                    person_ref=ref,
                    ethnicity=chosen["ethnicity"],
                    disability=chosen["disability"],
                    learning_disability=chosen["learning_disability"],
                    first_language=chosen["first_language"],
                    interpreter=chosen["interpreter"],
                ),
            )

        self.call(EquitySaved, work)

    @on(EquitySaved)
    def _saved(self, message: EquitySaved) -> None:
        changed = message.data
        if changed:
            self.app.notify(f"Updated {', '.join(c.replace('_', ' ') for c in changed)}.")
        self.dismiss(changed)
