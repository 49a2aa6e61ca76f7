"""Accounts: who can unlock this store. Admins add and remove; everyone changes their own
passphrase. Key-slot changes run Argon2id, so they run in a worker."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Footer, Static

from outreach.model import Role
from outreach.store.store import Store
from outreach.tui.base import DataScreen
from outreach.tui.dialogs.account_dialogs import (
    AddAccountDialog,
    ConfirmDialog,
    NewPassphraseDialog,
)
from outreach.tui.messages import AccountChanged, AccountsLoaded, Failed
from outreach.tui.tables import sized
from outreach.tui.text import row
from outreach.tui.widgets.site_header import SiteHeader
from outreach.wording import counted


def _accounts(store: Store) -> list[tuple[str, str]]:
    return sorted((s.account or "", s.role or "") for s in store.slots() if s.account)


class AccountsScreen(DataScreen):
    """Accounts and roles; ``ins`` add, ``del`` remove (admins), ``k`` change my passphrase."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("insert,ctrl+a", "add", "Add", id="accounts.add", key_display="ins"),
        Binding("delete,ctrl+x", "remove", "Remove", id="accounts.remove", key_display="del"),
        Binding("k,ctrl+k", "passphrase", "My passphrase", id="accounts.passphrase"),
        Binding("escape", "app.go('dashboard')", "Back", id="accounts.back"),
    ]

    def compose(self) -> ComposeResult:
        yield SiteHeader("Accounts")
        yield Static("", id="accounts-status", classes="muted")
        yield DataTable(id="accounts", cursor_type="row", zebra_stripes=True)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns("Account", "Role")
        self.reload()

    def reload(self) -> None:
        self.call(AccountsLoaded, _accounts)

    @property
    def is_admin(self) -> bool:
        store = getattr(self.app, "store", None)
        return store is not None and store.actor.role == Role.admin

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in {"add", "remove"}:
            return self.is_admin
        return True

    @on(AccountsLoaded)
    def _loaded(self, message: AccountsLoaded) -> None:
        table = self.query_one(DataTable)
        table.clear()
        table.add_rows([row(*cells) for cells in message.data])
        sized(table)
        self.query_one("#accounts-status", Static).update(counted(len(message.data), "account"))

    @on(AccountChanged)
    def _changed(self, message: AccountChanged) -> None:
        self.notify(message.data)
        self.reload()

    @on(Failed)
    def _failed(self, message: Failed) -> None:
        self.notify(message.error, severity="error", timeout=8)

    def action_add(self) -> None:
        def added(answer: dict[str, str] | None) -> None:
            if answer:

                def work(store: Store) -> str:
                    store.add_account(answer["name"], Role(answer["role"]), answer["passphrase"])
                    return f"Account {answer['name']} added."

                self.call(AccountChanged, work)

        self.app.push_screen(AddAccountDialog(), added)

    def action_remove(self) -> None:
        table = self.query_one(DataTable)
        if table.row_count == 0:
            return
        name = str(table.get_row_at(table.cursor_row)[0])

        def confirmed(yes: bool | None) -> None:
            if yes:

                def work(store: Store) -> str:
                    store.remove_account(name)
                    return f"Account {name} removed."

                self.call(AccountChanged, work)

        self.app.push_screen(ConfirmDialog(f"Remove the account {name}?"), confirmed)

    def action_passphrase(self) -> None:
        def changed(answer: dict[str, str] | None) -> None:
            if answer:

                def work(store: Store) -> str:
                    store.change_passphrase(answer["passphrase"])
                    return "Your passphrase is changed."

                self.call(AccountChanged, work)

        self.app.push_screen(NewPassphraseDialog(), changed)
