"""Moving an open store to a new data key: re-encrypting data.db under it and giving it to every
remaining key slot, in steps that the next unlock finishes if a run is killed between them."""

from __future__ import annotations

import contextlib
import copy
import os
import secrets
from collections.abc import Callable

from sqlmodel import Session, select

from outreach.model import Account
from outreach.store import audit, keyslots
from outreach.store.engine import (
    ensure_alone,
    reencrypt_copy,
)
from outreach.store.errors import (
    NotAllowed,
    StoreInUse,
    StoreLocked,
)
from outreach.store.signing import SigningStore
from outreach.store.transactions import file_identity

REKEY_COPY = ".data.db.rekey"
"""data.db re-encrypted under a new key, before it is renamed over data.db."""


class RekeyingStore(SigningStore):
    """An open store that can move itself to a new data key (:meth:`_rekey`)."""

    def _refuse_format_one(self, *, leaving: str | None = None) -> None:
        old = [s for s in self._keyfile.legacy_slots() if s.account is None or s.account != leaving]
        if old:
            names = ", ".join(repr(s.account) if s.account else "the recovery code" for s in old)
            raise NotAllowed(
                f"the key slots of {names} are in the old format and cannot be given a new key "
                "without their passphrase: each account unlocks once (outreach keys list), "
                "the recovery code is used once (outreach keys recover), then try again"
            )

    def _rekey(
        self,
        change: Callable[[Session], int | None] | None,
        *,
        action: str,
        fields: list[str],
    ) -> None:
        """Apply ``change`` with its audit row; then drop the slots of removed accounts, give
        every other slot a new key beside the old one, and move data.db under the new key
        (:meth:`_reencrypt`).

        Killed after the commit but before keys.json changed, the next unlock sees a slot
        of a removed account and does the rest (:meth:`_drop_removed_slots`). Killed before
        the re-encrypted copy is renamed over data.db, data.db is under the old key that
        every slot still holds; after it, every slot opens data.db with its next key. The
        next unlock finishes either way.
        """
        # Refuse before anything is written when another process has the store open, naming
        # who (the copy below needs it alone); the store lock also keeps others from opening
        # it until the re-key is done.
        with self.exclusive("a re-key"):
            self._drop_connections()
            ensure_alone(self.db_path, self._data_key)
            with self.write() as session:
                entity_id = change(session) if change else None
                audit.record(
                    session,
                    actor_id=self.actor.id,
                    action=action,
                    entity="account",
                    entity_id=entity_id,
                    fields=fields,
                )
            self._move_to_new_key()

    def _move_to_new_key(self) -> None:
        next_key = secrets.token_bytes(32)
        updated = copy.deepcopy(self._keyfile)
        for name in self._removed_with_slots():
            updated.remove_slot(updated.slot_for(name).id)
        updated.seal_next(next_key)
        self._save_keyfile(updated)
        self._next_key = next_key
        self._reencrypt(next_key)

    def _removed_with_slots(self) -> list[str]:
        """Accounts removed in data.db whose slot is still in keys.json."""
        with self.read() as session:
            removed = set(
                session.exec(
                    select(Account.name).where(Account.removed_at != None)  # noqa: E711
                ).all()
            )
        return [s.account for s in self._keyfile.account_slots() if s.account in removed]

    def _reencrypt(self, next_key: bytes) -> None:
        """data.db copied under ``next_key`` and renamed over itself; then every slot's current
        key becomes ``next_key``. Raises :class:`StoreInUse` (and changes nothing) when another
        process has the store open."""
        self._drop_connections()
        staged = self.folder / REKEY_COPY
        staged.unlink(missing_ok=True)
        try:
            reencrypt_copy(self.db_path, staged, self._data_key, next_key)
            os.replace(staged, self.db_path)
            keyslots.fsync_dir(self.folder)
            # data.db is a new file now, put there by this store: its writes go on.
            self._identity = file_identity(self.db_path)
        except BaseException:
            staged.unlink(missing_ok=True)
            self._connect(self._data_key)
            raise
        self._data_key, self._next_key = next_key, None
        self._connect(next_key)
        updated = copy.deepcopy(self._keyfile)
        updated.promote_next(next_key)
        self._save_keyfile(updated)

    def _finish_rekey(self, keys: list[bytes]) -> None:
        """Finish a re-key that was interrupted (see :meth:`_rekey`)."""
        if self._data_key == keys[0] and len(keys) > 1:
            self._next_key = keys[1]
            # If another process has it open, data.db stays under the old key, which every
            # slot still holds; the next unlock tries again.
            with (
                contextlib.suppress(StoreInUse, StoreLocked),
                self.exclusive("finishing a re-key", wait=0),
            ):
                self._reencrypt(keys[1])
            return
        updated = copy.deepcopy(self._keyfile)
        updated.promote_next(self._data_key)
        self._save_keyfile(updated)
