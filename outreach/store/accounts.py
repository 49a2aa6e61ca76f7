"""An open store's accounts and their key slots: adding and removing accounts (a removal
re-keys the store), a new passphrase, and a new data key for every slot."""

from __future__ import annotations

import copy

from sqlmodel import Session, select

from outreach.clock import now
from outreach.errors import ValidationError
from outreach.model import Account, Role
from outreach.store import audit, keyslots
from outreach.store.errors import (
    NotAllowed,
    UnknownAccount,
)
from outreach.store.passphrases import check_new_passphrase
from outreach.store.rekeying import RekeyingStore
from outreach.text import line_problem


class AccountsStore(RekeyingStore):
    """An open store whose admins manage accounts and key slots."""

    def slots(self) -> list[keyslots.Slot]:
        return list(self._keyfile.slots)

    def add_account(self, name: str, role: Role, passphrase: str) -> Account:
        """A new account with its own key slot; admins only."""
        self.require(Role.admin)
        name = account_name(name)
        check_passphrase(passphrase, name)
        with self.write() as session:
            existing = session.exec(select(Account).where(Account.name == name)).first()
            if existing is not None and existing.removed_at is None:
                raise ValidationError("name", f"an account named {name!r} already exists")
            if existing is not None:
                existing.removed_at = None
                existing.role = role
                # Kept until now only as the name of an author from a paired store.
                session.connection().exec_driver_sql(
                    "DELETE FROM author_elsewhere WHERE account_id = ?", (existing.id,)
                )
                account = existing
            else:
                account = Account(name=name, role=role, created_at=now())
            session.add(account)
            session.flush()
            added = audit.record(
                session,
                actor_id=self.actor.id,
                action="account.add",
                entity="account",
                entity_id=account.id,
                fields=["name", "role"],
            )
            # keys.json is written last inside the transaction: if it fails, the account
            # row rolls back; if the commit then fails, the extra slot opens nothing new.
            updated = copy.deepcopy(self._keyfile)
            updated.add_slot(
                kind=keyslots.ACCOUNT,
                secret=passphrase,
                data_key=self._data_key,
                account=name,
                role=role,
                next_key=self._next_key,
                authority=self._authority,
                holds_authority=role == Role.admin,
                signer_since=added.id or 0,
            )
            self._save_keyfile(updated)
        return account

    def remove_account(self, name: str) -> None:
        """Remove an account and its slot, then re-encrypt the store under a new data key that
        only the remaining slots hold; the last admin cannot be removed.

        A copy of the removed slot (an old keys.json, a backup's header) then opens nothing
        written to this store, before or after. Backups made earlier stay under the old key.
        """
        self.require(Role.admin)
        self._refuse_format_one(leaving=name)

        def remove(session: Session) -> int | None:
            account = session.exec(
                select(Account).where(Account.name == name, Account.removed_at == None)  # noqa: E711
            ).first()
            if account is None:
                raise UnknownAccount(f"no active account named {name!r}")
            admins = session.exec(
                select(Account).where(Account.role == Role.admin, Account.removed_at == None)  # noqa: E711
            ).all()
            if account.role == Role.admin and len(admins) <= 1:
                raise NotAllowed(f"{name!r} is the last admin and cannot be removed")
            account.removed_at = now()
            session.add(account)
            return account.id

        self._rekey(remove, action="account.remove", fields=["removed_at"])

    def rotate_key(self) -> None:
        """Re-encrypt the store under a new data key and give it to every slot (admins only)."""
        self.require(Role.admin)
        self._refuse_format_one()
        self._rekey(None, action="keys.rotate", fields=["data_key"])

    def change_passphrase(self, new_passphrase: str) -> None:
        """Give the acting account a new passphrase (a fresh slot with a fresh salt)."""
        check_passphrase(new_passphrase, self.actor.name)
        self._replace_slot(
            self.actor.name, self.actor.role, new_passphrase, action="keys.passwd", keep=True
        )

    def _replace_slot(
        self,
        name: str,
        role: Role,
        passphrase: str,
        *,
        action: str,
        keep: bool = False,
        authority: bytes | None = None,
    ) -> None:
        """A new passphrase for ``name``'s slot: with ``keep``, the acting account's own slot
        sealed again (same key pair and signed role); else a new slot signed with
        ``authority``."""
        with self.write() as session:
            entry = audit.record(
                session,
                actor_id=self.actor.id,
                action=action,
                entity="account",
                entity_id=self.actor.id,
                fields=["passphrase"],
            )
            updated = copy.deepcopy(self._keyfile)
            try:
                old = updated.slot_for(name)
            except UnknownAccount:
                old = None
            if keep and old is not None and not old.legacy and self._slot_secrets is not None:
                updated.add_slot(
                    kind=old.kind,
                    secret=passphrase,
                    data_key=self._data_key,
                    account=name,
                    role=old.role,
                    next_key=self._next_key,
                    keep=(old, self._slot_secrets),
                )
            else:
                updated.add_slot(
                    kind=keyslots.ACCOUNT,
                    secret=passphrase,
                    data_key=self._data_key,
                    account=name,
                    role=role,
                    next_key=self._next_key,
                    authority=authority or self._authority,
                    holds_authority=role == Role.admin,
                    signer_since=(entry.id or 0) + 1,
                )
                if old is not None:
                    updated.remove_slot(old.id)
            self._save_keyfile(updated)


def account_name(name: str) -> str:
    """``name`` as an account is named (trimmed); ValidationError when it cannot be one."""
    name = name.strip()
    if not name or len(name) > 64 or any(ch.isspace() for ch in name):
        raise ValidationError("user", "a name of 1 to 64 characters without spaces")
    problem = line_problem(name)
    if problem is not None:
        raise ValidationError("user", f"{problem}")
    return name


def check_passphrase(passphrase: str, *known: str) -> None:
    """ValidationError when ``passphrase`` is too weak or holds one of ``known`` (names)."""
    check_new_passphrase(passphrase, known=known)
