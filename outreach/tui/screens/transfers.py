"""Transfers in the application: sending a resident's record out, and the Arrivals list.

- :class:`TransferOutDialog` (``l`` on a person): the receiving site's card, chosen with the
  Import screen's path field, the packet file and the leaving day; ``ctrl+s`` shows where it
  goes (site and card fingerprint) and asks to confirm, then writes it through
  :func:`outreach.services.transfer.transfer_out`.
- :class:`ArrivalsScreen` (``g`` anywhere, and the palette): people a transfer packet brought
  who have not arrived; ``enter`` (or ``e``) confirms one onto a unit (a stay), ins (or
  ``ctrl+a``) imports a packet.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Checkbox, DataTable, Footer, Input, Label, Static

from outreach.clock import today
from outreach.tui.base import DataDialog, DataScreen
from outreach.tui.messages import (
    ArrivalConfirmed,
    ArrivalsLoaded,
    Failed,
    TransferCardRead,
    TransferSent,
    TransferTaken,
)
from outreach.tui.screens.import_file import PathSuggester
from outreach.tui.tables import sized
from outreach.tui.text import row, shown_lines
from outreach.tui.widgets.site_header import SiteHeader

if TYPE_CHECKING:
    from outreach.store.store import Store


def _day(text: str, field: str) -> date:
    from outreach.services.dates import parse_date

    return parse_date(text, field)


def _read_card(store: Store, *, path: str) -> tuple[str, str]:
    """The site and fingerprint of the card at ``path`` (the store is not used)."""
    from outreach.services.transfer import card_of

    return card_of(_file_bytes(path, "card"))


def _file_bytes(path: str, field: str) -> bytes:
    from outreach.errors import ValidationError

    if not path.strip():
        raise ValidationError(field, "choose a file")
    try:
        return Path(path.strip()).expanduser().read_bytes()
    except OSError as exc:
        raise ValidationError(
            field, f"cannot read {path}: {exc.strerror or 'unreadable'}"
        ) from None


def _send(store: Store, *, ref: str, card: str, file: str, left_on: str, with_notes: bool) -> Any:
    from outreach.errors import ValidationError
    from outreach.services.transfer import TransferOut, transfer_out

    if not file.strip():
        raise ValidationError("file", "type the file to write the packet to")
    return transfer_out(
        store,
        TransferOut(
            person_ref=ref,
            card=_file_bytes(card, "card"),
            file=Path(file.strip()).expanduser(),
            left_on=_day(left_on, "left_on"),
            with_notes=with_notes,
        ),
    )


class TransferOutDialog(DataDialog):
    """Send the resident ``ref`` to another site: ``ctrl+s`` checks the card and asks,
    ``ctrl+s`` (or ``y``) again writes the packet and records her leaving; esc cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s,f2", "send", "Send", id="transfer.send", priority=True),
        Binding("escape", "cancel", "Cancel", id="transfer.cancel"),
    ]

    def __init__(self, ref: str, name: str) -> None:
        super().__init__()
        self.ref = ref
        self._name = name
        self._confirming: tuple[str, str] | None = None
        """The card checked and shown (its path, and the packet file), awaiting ctrl+s."""
        self.writing = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="transfer-box"):
            yield Static(
                shown_lines(f"Transfer out: {self.ref}  {self._name}"), classes="form-title"
            )
            with Horizontal(classes="field-row"):
                yield Label("Card", classes="field-label")
                yield Input(
                    placeholder="the receiving site's card file",
                    compact=True,
                    suggester=PathSuggester(),
                    id="transfer-card",
                )
            with Horizontal(classes="field-row"):
                yield Label("Write to", classes="field-label")
                yield Input(
                    placeholder="the packet file to write",
                    compact=True,
                    suggester=PathSuggester(),
                    id="transfer-file",
                )
            with Horizontal(classes="field-row"):
                yield Label("Leaves on", classes="field-label")
                yield Input(today().isoformat(), compact=True, id="transfer-date")
            yield Checkbox("Carry free-text notes too", id="transfer-notes", compact=True)
            yield Static("", id="transfer-status")
            yield Static("ctrl+s: check and send   esc: cancel", classes="muted")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#transfer-card", Input).focus()

    def _value(self, name: str) -> str:
        return self.query_one(f"#transfer-{name}", Input).value

    @on(Input.Changed)
    @on(Checkbox.Changed)
    def _changed(self) -> None:
        # Whatever was confirmed no longer describes what would be sent.
        if self._confirming is not None:
            self._confirming = None
            self._status("")

    def action_send(self) -> None:
        if self.writing:
            return
        chosen = (self._value("card"), self._value("file"))
        if self._confirming != chosen:
            self.call(TransferCardRead, _read_card, path=chosen[0])
            return
        self.writing = True
        self._status("Writing the packet …")
        self.call(
            TransferSent,
            _send,
            ref=self.ref,
            card=chosen[0],
            file=chosen[1],
            left_on=self._value("date"),
            with_notes=self.query_one("#transfer-notes", Checkbox).value,
        )

    @on(TransferCardRead)
    def _card_read(self, message: TransferCardRead) -> None:
        site, fingerprint = message.data
        if not self._value("file").strip():
            self._status("Type the file to write the packet to.", error=True)
            self.query_one("#transfer-file", Input).focus()
            return
        self._confirming = (self._value("card"), self._value("file"))
        self._status(
            f"Send {self.ref} to {site} (card {fingerprint}) and record her leaving on "
            f"{self._value('date')} as transferred? ctrl+s again to send."
        )

    @on(TransferSent)
    def _sent(self, message: TransferSent) -> None:
        sent = message.data
        self.writing = False
        self.app.notify(
            f"Packet for {sent.person_ref} written; she left on {sent.left_on}.",
            title="Transferred",
        )
        self.dismiss(True)

    @on(Failed)
    def _failed(self, message: Failed) -> None:
        self.writing = False
        self._confirming = None
        self._status(message.error, error=True)

    def action_cancel(self) -> None:
        if not self.writing:
            self.dismiss(False)

    def _status(self, text: str, *, error: bool = False) -> None:
        status = self.query_one("#transfer-status", Static)
        status.update(shown_lines(text))
        status.set_class(error, "bad")


def _take(store: Store, *, path: str) -> Any:
    from outreach.services.transfer import TransferIn, transfer_in

    return transfer_in(store, TransferIn(_file_bytes(path, "file")))


def _arrive(store: Store, *, ref: str, arrived_on: str, unit: str) -> Any:
    from outreach.errors import ValidationError
    from outreach.services.people import RecordArrival, record_arrival

    if not unit.strip():
        raise ValidationError("unit", "choose the unit she arrives on")
    return record_arrival(
        store, RecordArrival(person_ref=ref, arrived_on=_day(arrived_on, "arrived_on"), unit=unit)
    )


class ImportTransferDialog(DataDialog):
    """Take in a transfer packet: the path field, then ``ctrl+s``; esc cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s,f2", "take", "Import", id="transfer_in.take", priority=True),
        Binding("escape", "dismiss(False)", "Cancel", id="transfer_in.cancel"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="transfer-box"):
            yield Static("Import a transfer packet", classes="form-title")
            with Horizontal(classes="field-row"):
                yield Label("File", classes="field-label")
                yield Input(
                    placeholder="the packet the sending site wrote",
                    compact=True,
                    suggester=PathSuggester(),
                    id="transfer-in-file",
                )
            yield Static("", id="transfer-status")
            yield Static("ctrl+s / enter: import   esc: cancel", classes="muted")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def action_take(self) -> None:
        self.call(TransferTaken, _take, path=self.query_one(Input).value)

    @on(TransferTaken)
    def _taken(self, message: TransferTaken) -> None:
        taken = message.data
        known = "already known here" if taken.matched else "new here"
        self.app.notify(
            f"{taken.person_ref} ({known}) from {taken.from_site}: "
            f"{taken.screening} steps, {taken.decisions} decisions, "
            f"{taken.follow_ups} follow-ups. Sender's card {taken.fingerprint}.",
            title="Transfer imported",
        )
        self.dismiss(True)

    @on(Failed)
    def _failed(self, message: Failed) -> None:
        status = self.query_one("#transfer-status", Static)
        status.update(shown_lines(message.error))
        status.set_class(True, "bad")


class ConfirmArrivalDialog(DataDialog):
    """She arrived: the day and the unit (a stay), ``ctrl+s`` saves; esc cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s,f2", "save", "Arrived", id="arrival.save", priority=True),
        Binding("escape", "dismiss(False)", "Cancel", id="arrival.cancel"),
    ]

    def __init__(self, ref: str, name: str) -> None:
        super().__init__()
        self.ref = ref
        self._name = name

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="arrival-box"):
            yield Static(shown_lines(f"Arrived: {self.ref}  {self._name}"), classes="form-title")
            with Horizontal(classes="field-row"):
                yield Label("Unit", classes="field-label")
                yield Input(placeholder="wing or house block", compact=True, id="arrival-unit")
            with Horizontal(classes="field-row"):
                yield Label("Arrived on", classes="field-label")
                yield Input(today().isoformat(), compact=True, id="arrival-date")
            yield Static("", id="arrival-status")
            yield Static("ctrl+s: save   esc: cancel", classes="muted")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#arrival-unit", Input).focus()

    @on(Input.Submitted)
    def action_save(self) -> None:
        self.call(
            ArrivalConfirmed,
            _arrive,
            ref=self.ref,
            arrived_on=self.query_one("#arrival-date", Input).value,
            unit=self.query_one("#arrival-unit", Input).value,
        )

    @on(ArrivalConfirmed)
    def _saved(self, message: ArrivalConfirmed) -> None:
        self.app.notify(f"{self.ref} arrived.", title="Arrived")
        self.dismiss(True)

    @on(Failed)
    def _failed(self, message: Failed) -> None:
        status = self.query_one("#arrival-status", Static)
        status.update(shown_lines(message.error))
        status.set_class(True, "bad")


def _arrivals(store: Store) -> Any:
    from outreach.services.transfer import expected_arrivals

    return expected_arrivals(store)


class ArrivalsScreen(DataScreen):
    """Expected arrivals: people a transfer packet brought who have no stay here yet."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("e", "confirm", "Arrived", id="arrivals.confirm"),
        Binding("insert,ctrl+a", "take", "Import transfer", id="arrivals.take", key_display="ins"),
        Binding("escape,backspace", "app.pop_screen", "Back", id="arrivals.back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[Any] = []

    def compose(self) -> ComposeResult:
        yield SiteHeader("Expected arrivals")
        yield Static("Loading…", id="arrivals-status")
        yield DataTable(id="arrivals", cursor_type="row", zebra_stripes=True)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("Ref", "Name", "Born", "Left on", "Follow-ups", "From")
        self.reload()

    def reload(self) -> None:
        self.call(ArrivalsLoaded, _arrivals)

    @on(ArrivalsLoaded)
    def _loaded(self, message: ArrivalsLoaded) -> None:
        self.rows = list(message.data)
        table = self.query_one(DataTable)
        table.clear()
        for r in self.rows:
            table.add_row(
                # The site last: a long name is cut at the edge, never the figures.
                *row(r.person_ref, r.display_name, r.date_of_birth, r.left_on, r.follow_ups),
                *row(r.from_site),
            )
        sized(table)
        status = (
            f"{len(self.rows)} expected. enter: she arrived (a unit and a day); "
            "ins: import a packet."
            if self.rows
            else "No expected arrivals. ins: import a transfer packet."
        )
        self.query_one("#arrivals-status", Static).update(shown_lines(status))

    @on(Failed)
    def _failed(self, message: Failed) -> None:
        self.query_one("#arrivals-status", Static).update(shown_lines(message.error))

    def action_confirm(self) -> None:
        table = self.query_one(DataTable)
        if not self.rows or table.cursor_row >= len(self.rows):
            return
        chosen = self.rows[table.cursor_row]
        self.app.push_screen(
            ConfirmArrivalDialog(chosen.person_ref, chosen.display_name), self._after
        )

    @on(DataTable.RowSelected)
    def _selected(self) -> None:
        self.action_confirm()

    def action_take(self) -> None:
        self.app.push_screen(ImportTransferDialog(), self._after)

    def _after(self, changed: bool | None) -> None:
        if changed:
            self.reload()
