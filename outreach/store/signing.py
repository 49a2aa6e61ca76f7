"""An open store's signing keys and audit head: bringing key slots made before roles and rows
were signed up to date at unlock, noticing committed changes that data.db lost, checking every
audit row's signature, and saving keys.json without losing what other programs wrote to it."""

from __future__ import annotations

import dataclasses

from sqlmodel import Session

from outreach.model import Role
from outreach.store import audit, keyslots
from outreach.store.watching import WatchedStore


class SigningStore(WatchedStore):
    """An open store that keeps its key slots, signing keys and recorded audit head current."""

    @property
    def _authority(self) -> bytes | None:
        """The private key that signs roles, when the acting account holds it (admins)."""
        return self._slot_secrets.authority if self._slot_secrets else None

    def _save_keyfile(self, updated: keyslots.KeyFile) -> None:
        # Save a changed copy and adopt it only once it is on disk: if the save fails, the
        # slots in memory still match keys.json and a later save cannot resurrect the change.
        # Failed unlocks counted by other processes meanwhile are kept, not overwritten.
        with keyslots.keys_locked(self.folder):
            on_disk = keyslots.KeyFile.load(self.keys_path)
            updated.unlock_failures = dict(on_disk.unlock_failures)
            if int(on_disk.audit_head.get("id", 0)) > int(updated.audit_head.get("id", 0)):
                updated.audit_head = dict(on_disk.audit_head)
            if int(on_disk.signing_keys_row.get("id", 0)) > int(
                updated.signing_keys_row.get("id", 0)
            ):
                updated.signing_keys_row = dict(on_disk.signing_keys_row)
            for name, head in on_disk.account_heads.items():
                if int(head.get("id", 0)) > int(updated.account_heads.get(name, {}).get("id", 0)):
                    updated.account_heads[name] = dict(head)
            updated.save(self.keys_path)
        self._keyfile = updated

    def _pin_authority(self, passphrase: str) -> None:
        """Bring the acting account's slot up to signed roles and rows, now that its
        passphrase is known: in a store made before roles were signed, an admin gives the store
        its authority (:meth:`_adopt_authority`); a slot made before then seals the authority's
        public key (and an admin's, its private key) under its passphrase, so a keys.json
        whose authority is later swapped is refused."""
        opened = self._slot_secrets
        if opened is None:
            return
        if not self._keyfile.authority:
            if self.actor.role == Role.admin and not self._keyfile.legacy_slots():
                self._adopt_authority(passphrase)
            return
        if opened.authority_public is not None:
            return
        with keyslots.keys_locked(self.folder):
            updated = keyslots.KeyFile.load(self.keys_path)
            pinned = dataclasses.replace(opened, authority_public=keyslots.unb64(updated.authority))
            self._reseal_own_slot(updated, passphrase, pinned)
        self._keyfile = updated
        self._slot_secrets = pinned

    def _reseal_own_slot(
        self, updated: keyslots.KeyFile, passphrase: str, pinned: keyslots.SlotSecrets
    ) -> None:
        """Seal the acting account's slot again under its passphrase with ``pinned``'s secrets
        (the authority it now trusts) and save the key file; the caller holds the keys lock."""
        mine = updated.slot_for(self.actor.name)
        updated.add_slot(
            kind=mine.kind,
            secret=passphrase,
            data_key=self._data_key,
            account=mine.account,
            role=mine.role,
            next_key=self._next_key,
            keep=(dataclasses.replace(mine, authority_sealed=""), pinned),
        )
        updated.save(self.keys_path)

    def _adopt_authority(self, passphrase: str) -> None:
        """Give a store made before roles were signed its authority, certify every slot's
        role, give every account its signing key, with an audit row (signed by the new store
        key) saying so; the acting admin's slot seals the authority under its passphrase."""
        opened = self._slot_secrets
        assert opened is not None
        authority, public = keyslots.new_authority()
        with self.write() as session:
            accounts = len(self._keyfile.account_slots())
            row_id, row = _signing_keys_row(
                session, self.actor.id, authority, accounts, "roles_signed"
            )
            with keyslots.keys_locked(self.folder):
                updated = keyslots.KeyFile.load(self.keys_path)
                updated.adopt_authority(authority, public, since=row_id + 1)
                updated.signing_keys_row = row
                pinned = dataclasses.replace(
                    opened, authority_public=keyslots.unb64(public), authority=authority
                )
                self._reseal_own_slot(updated, passphrase, pinned)
            self._keyfile = updated
            signing = updated.signing_key(updated.slot_for(self.actor.name), opened.private)
            self._slot_secrets = dataclasses.replace(pinned, signing=signing)
            if signing is not None:
                self._signer = audit.Signer(self.actor.name, signing)

    def _give_signing_keys(self) -> None:
        """Give every account slot made before audit rows were signed its own signing key
        (at an admin's unlock: the store's authority certifies them), with an audit row,
        signed by the store's key, saying how many. Rows from the next one on are signed."""
        authority = self._authority
        lacking = [s for s in self._keyfile.account_slots() if not s.signer and not s.legacy]
        if authority is None or not lacking or self._slot_secrets is None:
            return
        with self.write() as session:
            row_id, row = _signing_keys_row(session, self.actor.id, authority, len(lacking))
            with keyslots.keys_locked(self.folder):
                # Read again under the lock: another program may have changed it meanwhile.
                # Saved before the commit, so that no program writes an unsigned row after the
                # row above; a kill between the two is put right by _record_lost_signing_row.
                updated = keyslots.KeyFile.load(self.keys_path)
                for slot in updated.account_slots():
                    if not slot.signer and not slot.legacy:
                        updated.give_signer(slot, authority, since=row_id + 1)
                updated.signing_keys_row = row
                updated.save(self.keys_path)
            self._keyfile = updated
            # From here on (the head recorded once this commits, too) the admin's own key signs.
            mine = updated.slot_for(self.actor.name)
            signing = updated.signing_key(mine, self._slot_secrets.private)
            self._slot_secrets = dataclasses.replace(self._slot_secrets, signing=signing)
            if signing is not None:
                self._signer = audit.Signer(self.actor.name, signing)

    def _record_lost_signing_row(self) -> None:
        """Write the "keys.signing_keys" row again when keys.json holds the signing keys it
        announced but data.db does not hold the row (killed between keys.json's save and the
        commit): at an admin's unlock, signed by the store's key, marked as recorded late.
        Until then the audit would not say when the accounts' keys were given."""
        authority = self._authority
        recorded = self._keyfile.signing_keys_row
        if authority is None or not recorded:
            return
        with self.read() as session:
            if audit.row_is(session, recorded):
                return
        with self.write() as session:
            # Another admin's unlock may have written it while this one waited for the write
            # lock: keys.json then names that row, and data.db now holds it.
            current = keyslots.KeyFile.load(self.keys_path).signing_keys_row
            if audit.row_is(session, current):
                self._keyfile.signing_keys_row = dict(current)
                return
            accounts = int(recorded.get("accounts", 0))
            _, row = _signing_keys_row(
                session, self.actor.id, authority, accounts, f"lost_row={recorded.get('id')}"
            )
            with keyslots.keys_locked(self.folder):
                updated = keyslots.KeyFile.load(self.keys_path)
                updated.signing_keys_row = row
                updated.save(self.keys_path)
        self._keyfile.signing_keys_row = dict(updated.signing_keys_row)

    def _compare_head(self) -> None:
        """Notice committed changes that data.db lost since keys.json recorded them: say so in
        :attr:`head_warning` and the audit, then record the log's head as it now is."""
        with self.read() as session:
            found = audit.missing_after(session, self._keyfile.audit_head)
        if found is None:
            return
        missing, sentence = found
        self.head_warning = sentence
        with self.write() as session:
            entry = audit.record(
                session,
                actor_id=self.actor.id,
                action="store.changes_missing" if missing else "store.audit_head_differs",
                entity="audit",
                fields=[f"missing={missing}", f"recorded={self._keyfile.audit_head.get('id')}"],
            )
            newest = audit.head_row(session)
            # Accounts' newest rows as recorded that data.db no longer holds: the loss is now
            # in the audit (in the row above), so those records stop naming it.
            stale = {
                name
                for name, head in self._keyfile.account_heads.items()
                if not audit.row_is(session, head)
            }
        assert newest is not None and entry.id is not None
        with keyslots.keys_locked(self.folder):
            current = keyslots.KeyFile.load(self.keys_path)
            current.audit_head = audit.signed_head(current.store_id, *newest, self._signer)
            for name in stale:
                current.account_heads.pop(name, None)
            if self._signer is not None and entry.signed_by == self._signer.name != audit.STORE_KEY:
                current.account_heads[self._signer.name] = audit.signed_head(
                    current.store_id, entry.id, entry.hash, self._signer
                )
            current.save(self.keys_path)
        self._keyfile.audit_head = dict(current.audit_head)
        self._keyfile.account_heads = dict(current.account_heads)

    def check_signatures(self) -> audit.SignatureCheck | None:
        """Every audit row's signature checked against the certified keys in keys.json (read
        again: another program may have added an account); None while no account has a key."""
        keyfile = keyslots.KeyFile.load(self.keys_path)
        signers = keyfile.signers()
        if not signers:
            return None
        with self.read() as session:
            return audit.verify_signatures(session, signers, keyfile.authority_key())

    def _audit_failures(self) -> None:
        """Write the failed unlocks counted since the last success to the audit; clear them."""
        failures = keyslots.KeyFile.load(self.keys_path).unlock_failures
        counted = int(failures.get("count", 0))
        if not counted:
            return
        # The audit row first, outside keys.json's lock (a writer holds data.db's write lock
        # while it waits for keys.json's); failures counted meanwhile are kept below.
        with self.write() as session:
            audit.record(
                session,
                actor_id=self.actor.id,
                action="unlock.after_failures",
                entity="account",
                entity_id=self.actor.id,
                fields=[
                    f"failures={counted}",
                    f"waited_s={float(failures.get('waited_s', 0)):.0f}",
                ],
            )
        with keyslots.keys_locked(self.folder):
            current = keyslots.KeyFile.load(self.keys_path)
            left = int(current.unlock_failures.get("count", 0)) - counted
            current.unlock_failures = (
                {**current.unlock_failures, "count": left, "waited_s": 0.0} if left > 0 else {}
            )
            current.save(self.keys_path)
        self._keyfile.unlock_failures = dict(current.unlock_failures)


def _signing_keys_row(
    session: Session, actor_id: int | None, authority: bytes, accounts: int, *more: str
) -> tuple[int, dict[str, object]]:
    """Write the "keys.signing_keys" row, saying how many accounts were given keys, signed by
    the store's key (``authority``) in the caller's write transaction. Returns its id and what
    keys.json keeps of it to find it again ({"id", "hash", "accounts"})."""
    session.info[audit.SIGNER] = audit.Signer(audit.STORE_KEY, authority)
    entry = audit.record(
        session,
        actor_id=actor_id,
        action="keys.signing_keys",
        entity="account",
        fields=[f"accounts={accounts}", *more],
    )
    assert entry.id is not None
    return entry.id, {"id": entry.id, "hash": entry.hash, "accounts": accounts}
