"""A store: a folder holding ``data.db`` (SQLCipher 4, WAL) and ``keys.json`` (key slots).

:class:`Store` is an unlocked store: a keyed engine plus the account acting on it. Services
take a Store and do each user action in one :meth:`Store.write` transaction with its audit row.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import os
import secrets
import socket
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, select

from outreach.clock import now
from outreach.errors import ValidationError
from outreach.model import Account, Role, Site
from outreach.store import audit, keyslots, private, store_lock
from outreach.store.action import Action
from outreach.store.engine import (
    BUSY_TIMEOUT_MS,
    WRITE,
    check_library,
    connect,
    copy_database,
    ensure_alone,
    is_busy,
    is_disk_full,
    make_engine,
    reencrypt_copy,
)
from outreach.store.errors import (
    DiskFull,
    NotAllowed,
    StoreBusy,
    StoreExists,
    StoreInUse,
    StoreLocked,
    StoreReplaced,
    UnknownAccount,
    WrongPassphrase,
)
from outreach.store.layout import DATA, KEYS
from outreach.store.migrations import ensure_current, upgrade
from outreach.store.passphrases import check_new_passphrase
from outreach.store.unlocking import (
    key_that_opens,
    load_keyfile,
    unwrap_keys,
)

# Re-exported: callers written before unlocking had a module of its own import them here.
from outreach.store.unlocking import unwrap_data_key as unwrap_data_key
from outreach.store.unlocking import wait_after as wait_after
from outreach.text import SITE_LIMIT, line_problem

BACKUPS = "backups"
# data.db re-encrypted under a new key, before it is renamed over data.db.
REKEY_COPY = ".data.db.rekey"


_HOST = socket.gethostname()


def default_folder() -> Path:
    """``OUTREACH_STORE`` if set, else the platform's per-user data folder (see
    :class:`outreach.settings.Settings`)."""
    from outreach.settings import Settings

    return Settings.from_environment().store_folder


@dataclass(frozen=True)
class Changes:
    """What :meth:`Store.poll_changes` found since it last looked."""

    by: tuple[str, ...] = ()
    """Accounts (in order of first change) whose commits came from other programs."""
    replaced: bool = False
    """``data.db`` in the folder is no longer the file this store opened."""


@dataclass(frozen=True)
class Actor:
    """The account acting on an unlocked store."""

    id: int
    name: str
    role: Role


class Store:
    """An unlocked store. Close it (or use it as a context manager) to drop the keyed engine."""

    def __init__(
        self,
        folder: Path,
        engine: Engine,
        actor: Actor,
        keyfile: keyslots.KeyFile,
        data_key: bytes,
        next_key: bytes | None = None,
        lock: store_lock.StoreLock | None = None,
        slot_secrets: keyslots.SlotSecrets | None = None,
    ) -> None:
        self.folder = folder
        # Held until close(): other processes see who has the store open, and whatever would
        # replace or rewrite it waits for this one to close (see store_lock).
        self._lock = lock
        # Which data.db this store opened: a write first checks the folder still holds it.
        self._identity = _file_identity(folder / DATA)
        # What the acting account's slot seals (its private key, and for admins the key that
        # signs roles): kept to sign new slots and re-seal this one; close() forgets it.
        self._slot_secrets = slot_secrets
        # Signs every audit row this store writes, and the head it records in keys.json: the
        # account's own key from its slot (None while the account has none yet).
        self._signer: audit.Signer | None = (
            audit.Signer(actor.name, slot_secrets.signing)
            if slot_secrets is not None and slot_secrets.signing
            else None
        )
        # Kept in memory only, to wrap new key slots; close() forgets it.
        self._data_key = data_key
        # The key of a re-key that could not be finished yet (data.db is still under
        # _data_key): new slots get it too, so that they open data.db after the re-key.
        self._next_key = next_key
        self.engine = engine
        self.actor = actor
        self._keyfile = keyfile
        self._write_engine = engine.execution_options(**{WRITE: True})
        self._aside_engine: Engine | None = None
        self._aside_lock = threading.Lock()
        # Set at unlock when data.db has lost committed changes that keys.json recorded.
        self.head_warning: str | None = None
        self.commits = 0
        """Write transactions committed through this Store: screens compare it to tell
        whether anything was saved since they last looked."""
        # poll_changes() state: one connection kept for PRAGMA data_version (which counts
        # commits made by every other connection), the newest audit row it has accounted for,
        # and the audit ids this store wrote itself since (so its own saves are not news).
        self._watch_lock = threading.Lock()
        self._watch_conn: Any = None
        self._seen_version: int | None = None
        self._bearings = False
        self._seen_audit = 0
        self._own_audit: list[tuple[int, int]] = []

    # -- paths -----------------------------------------------------------------------------
    @property
    def db_path(self) -> Path:
        return self.folder / DATA

    @property
    def keys_path(self) -> Path:
        return self.folder / KEYS

    # -- opening ---------------------------------------------------------------------------
    @classmethod
    def init(
        cls, folder: Path, *, site_name: str, admin: str, passphrase: str
    ) -> tuple[Store, str]:
        """Create a store with its first admin; returns it and the recovery code (shown once)."""
        check_library()
        admin = _account_name(admin)
        if not site_name.strip():
            raise ValidationError("site name", "must not be empty")
        problem = line_problem(site_name.strip(), limit=SITE_LIMIT)
        if problem is not None:
            raise ValidationError("site name", f"{problem}")
        _check_new_passphrase(passphrase, admin, site_name)
        private.owner_only()
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        if (folder / DATA).exists() or (folder / KEYS).exists():
            raise StoreExists(f"{folder} already holds a store")
        lock = store_lock.exclusive(folder, admin, purpose="outreach init")
        try:
            return cls._init_locked(
                folder, lock, site_name=site_name, admin=admin, passphrase=passphrase
            )
        except BaseException:
            lock.release()
            raise

    @classmethod
    def _init_locked(
        cls,
        folder: Path,
        lock: store_lock.StoreLock,
        *,
        site_name: str,
        admin: str,
        passphrase: str,
    ) -> tuple[Store, str]:
        if (folder / DATA).exists() or (folder / KEYS).exists():
            raise StoreExists(f"{folder} already holds a store")
        data_key = secrets.token_bytes(32)
        store_id = str(uuid.uuid4())
        keyfile = keyslots.KeyFile(store_id=store_id)
        authority, keyfile.authority = keyslots.new_authority()
        recovery = keyslots.new_recovery_code()
        keyfile.add_slot(
            kind=keyslots.RECOVERY,
            secret=recovery,
            data_key=data_key,
            account=None,
            role=None,
            authority=authority,
            holds_authority=True,
        )
        admin_slot = keyfile.add_slot(
            kind=keyslots.ACCOUNT,
            secret=passphrase,
            data_key=data_key,
            account=admin,
            role=Role.admin,
            authority=authority,
            holds_authority=True,
        )
        _, admin_secrets = keyfile.open_slot(admin_slot, passphrase)
        engine = make_engine(folder / DATA, data_key)
        try:
            upgrade(engine)
            with Session(engine.execution_options(**{WRITE: True})) as session, session.begin():
                signer = (
                    audit.Signer(admin, admin_secrets.signing)
                    if admin_secrets is not None and admin_secrets.signing
                    else None
                )
                session.info[audit.SIGNER] = signer
                signing = Ed25519PrivateKey.generate().private_bytes_raw()
                session.add(
                    Site(
                        name=site_name.strip(),
                        store_id=store_id,
                        signing_key=signing,
                        created_at=now(),
                    )
                )
                account = Account(name=admin, role=Role.admin, created_at=now())
                session.add(account)
                session.flush()
                assert account.id is not None
                actor = Actor(account.id, admin, Role.admin)
                audit.record(session, actor_id=actor.id, action="store.init", entity="site")
                newest = audit.head_row(session)
                assert newest is not None
                keyfile.audit_head = audit.signed_head(store_id, *newest, signer)
            keyfile.save(folder / KEYS)
            _tighten(folder)
        except BaseException:
            engine.dispose()
            for name in (DATA, f"{DATA}-wal", f"{DATA}-shm"):
                (folder / name).unlink(missing_ok=True)
            raise
        lock.downgrade()
        store = cls(folder, engine, actor, keyfile, data_key, lock=lock, slot_secrets=admin_secrets)
        return store, recovery

    @classmethod
    def unlock(cls, folder: Path, *, user: str | None, passphrase: str) -> Store:
        """Open with an account's passphrase. Wrong passphrases never touch ``data.db``."""
        keyfile, slot, keys, opened = unwrap_keys(folder, user=user, passphrase=passphrase)
        assert slot.account is not None
        store = cls._open(folder, keyfile, keys, slot.account, slot=slot, slot_secrets=opened)
        try:
            store._pin_authority(passphrase)
        except BaseException:
            store.close()
            raise
        return store

    @classmethod
    def recover(cls, folder: Path, *, code: str, user: str, new_passphrase: str) -> Store:
        """Unlock with the recovery code and give ``user`` a new passphrase."""
        keyfile = load_keyfile(folder)
        try:
            keys, recovery = keyfile.open_slot(
                keyfile.recovery_slot(), keyslots.normalise_recovery_code(code)
            )
        except WrongPassphrase:
            raise WrongPassphrase("that recovery code does not open this store") from None
        _check_new_passphrase(new_passphrase, user)
        user = _account_name(user)
        # The account keeps the role its signed slot gives it (data.db's, when it has none).
        existing = next(
            (s for s in keyfile.account_slots() if s.account == user and keyfile.authority),
            None,
        )
        store = cls._open(folder, keyfile, keys, user, slot=existing, via_recovery=True)
        if recovery is not None and recovery.authority is not None:
            # The recovery code holds the store's authority, not the account's own key: what
            # it writes is signed, and marked, as the store's.
            store._signer = audit.Signer(audit.STORE_KEY, recovery.authority)
        store._replace_slot(
            store.actor.name,
            store.actor.role,
            new_passphrase,
            action="keys.recover",
            authority=recovery.authority if recovery else None,
        )
        return store

    @classmethod
    def _open(
        cls,
        folder: Path,
        keyfile: keyslots.KeyFile,
        keys: list[bytes],
        user: str,
        *,
        slot: keyslots.Slot | None = None,
        slot_secrets: keyslots.SlotSecrets | None = None,
        via_recovery: bool = False,
    ) -> Store:
        check_library()
        private.owner_only()
        lock = store_lock.shared(folder, user)
        try:
            return cls._open_locked(
                folder, keyfile, keys, user, lock, slot=slot, slot_secrets=slot_secrets
            )
        except BaseException:
            lock.release()
            raise

    @classmethod
    def _open_locked(
        cls,
        folder: Path,
        keyfile: keyslots.KeyFile,
        keys: list[bytes],
        user: str,
        lock: store_lock.StoreLock,
        *,
        slot: keyslots.Slot | None,
        slot_secrets: keyslots.SlotSecrets | None,
    ) -> Store:
        # Left by a run killed while rewriting keys.json or backing up before a migration;
        # removed only while no other program has the store open (it may be writing them).
        with contextlib.suppress(StoreLocked), lock.exclusive("tidying up", wait=0):
            private.clear_leftovers(folder, backups=BACKUPS)
        _tighten(folder)
        data_key = key_that_opens(folder, keys)
        engine = make_engine(folder / DATA, data_key)
        try:
            ensure_current(
                engine,
                backup=lambda rev: _backup_before_migration(folder, data_key, rev),
                exclusive=lambda: lock.exclusive("a schema upgrade"),
            )
            with Session(engine) as session:
                account = session.exec(
                    select(Account).where(Account.name == user, Account.removed_at == None)  # noqa: E711
                ).first()
            if account is None or account.id is None:
                raise UnknownAccount(f"no active account named {user!r} in this store")
            # Where the store has an authority, the role is the one an admin signed into the
            # account's key slot: a role changed in data.db by hand gives no power.
            signed = slot is not None and bool(keyfile.authority) and slot.role
            role = Role(slot.role) if signed and slot and slot.role else Role(account.role)
            actor = Actor(account.id, account.name, role)
            store = cls(
                folder, engine, actor, keyfile, data_key, lock=lock, slot_secrets=slot_secrets
            )
            if keyfile.rekey_pending():
                store._finish_rekey(keys)
            elif store._removed_with_slots():
                # A removal killed before its slot was dropped: finish it, when alone.
                with (
                    contextlib.suppress(StoreInUse, StoreLocked),
                    store.exclusive("finishing a re-key", wait=0),
                ):
                    store._drop_connections()
                    ensure_alone(store.db_path, store._data_key)
                    store._move_to_new_key()
            store._give_signing_keys()
            store._compare_head()
            if keyfile.unlock_failures.get("count"):
                store._audit_failures()
            return store
        except BaseException:
            engine.dispose()
            raise

    # -- transactions ----------------------------------------------------------------------
    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for reading; nothing it does is committed."""
        with Session(self.engine) as session:
            yield session

    @contextmanager
    def read_aside(self) -> Iterator[Session]:
        """A session for reading beside :meth:`read` on another thread, on a connection kept
        for such work alone: its page cache then holds what that work reads from one run to
        the next, instead of what the main reads left there."""
        with self._aside_lock:
            if self._aside_engine is None:
                self._aside_engine = make_engine(self.db_path, self._data_key, pool_size=1)
            engine = self._aside_engine
        with Session(engine) as session:
            yield session

    @contextmanager
    def write(self, *, derived: bool = False) -> Iterator[Session]:
        """One write transaction (BEGIN IMMEDIATE), committed when the block ends cleanly.

        The caller writes its audit row in the same block, so action and audit land together.
        ``derived``: the block writes only figures derived from the records (the kept month
        figures), which are no change anyone made: it writes no audit row (ValueError, rolled
        back, if it does) and is not counted in :attr:`commits`, so screens do not refresh for
        it; ``outreach check`` counts such figures afresh instead.
        A full disk raises :class:`DiskFull`; the transaction is then rolled back whole.
        Another process keeping the write lock past the busy timeout raises
        :class:`StoreBusy` naming who has the store open; a store replaced or moved away
        since it was opened raises :class:`StoreReplaced`. Neither writes anything.
        """
        mine: tuple[int, str, str] | None = None
        try:
            with Session(self._write_engine, expire_on_commit=False) as session, session.begin():
                session.info[audit.SIGNER] = self._signer
                # Checked once the write lock is held, so no restore can swap the file between
                # this check and the commit without first waiting for this transaction.
                connection = session.connection()
                self.check_still_here()
                before = _newest_audit(connection)
                yield session
                mine = session.info.get(audit.LAST)
                after = _newest_audit(connection)
                if derived and after != before:
                    raise ValueError("a write of derived figures must not write an audit row")
                if after > before:
                    # Holding the write lock, every row in (before, after] is this store's.
                    with self._watch_lock:
                        self._own_audit.append((before, after))
            if not derived:
                self.commits += 1
        except OperationalError as exc:
            if is_disk_full(exc):
                raise DiskFull(
                    "the disk is full: nothing was saved. Free some space and try again"
                ) from None
            if is_busy(exc):
                raise StoreBusy(busy_message(self.folder)) from None
            raise
        self._record_head(mine)

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
            mine = updated.slot_for(self.actor.name)
            pinned = dataclasses.replace(opened, authority_public=keyslots.unb64(updated.authority))
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
        self._keyfile = updated
        self._slot_secrets = pinned

    def _adopt_authority(self, passphrase: str) -> None:
        """Give a store made before roles were signed its authority, certify every slot's
        role, give every account its signing key, with an audit row (signed by the new store
        key) saying so; the acting admin's slot seals the authority under its passphrase."""
        opened = self._slot_secrets
        assert opened is not None
        authority, public = keyslots.new_authority()
        with self.write() as session:
            session.info[audit.SIGNER] = audit.Signer(audit.STORE_KEY, authority)
            entry = audit.record(
                session,
                actor_id=self.actor.id,
                action="keys.signing_keys",
                entity="account",
                fields=[f"accounts={len(self._keyfile.account_slots())}", "roles_signed"],
            )
            assert entry.id is not None
            with keyslots.keys_locked(self.folder):
                updated = keyslots.KeyFile.load(self.keys_path)
                updated.adopt_authority(authority, public, since=entry.id + 1)
                mine = updated.slot_for(self.actor.name)
                pinned = dataclasses.replace(
                    opened, authority_public=keyslots.unb64(public), authority=authority
                )
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
            session.info[audit.SIGNER] = audit.Signer(audit.STORE_KEY, authority)
            entry = audit.record(
                session,
                actor_id=self.actor.id,
                action="keys.signing_keys",
                entity="account",
                fields=[f"accounts={len(lacking)}"],
            )
            assert entry.id is not None
            with keyslots.keys_locked(self.folder):
                # Read again under the lock: another program may have changed it meanwhile.
                updated = keyslots.KeyFile.load(self.keys_path)
                for slot in updated.account_slots():
                    if not slot.signer and not slot.legacy:
                        updated.give_signer(slot, authority, since=entry.id + 1)
                updated.save(self.keys_path)
            self._keyfile = updated
            # From here on (the head recorded once this commits, too) the admin's own key signs.
            mine = updated.slot_for(self.actor.name)
            signing = updated.signing_key(mine, self._slot_secrets.private)
            self._slot_secrets = dataclasses.replace(self._slot_secrets, signing=signing)
            if signing is not None:
                self._signer = audit.Signer(self.actor.name, signing)

    @contextmanager
    def action(
        self,
        name: str,
        *,
        entity: str = "",
        roles: tuple[Role, ...] = (Role.admin, Role.staff),
    ) -> Iterator[Action]:
        """One write use case: checks the acting account has one of ``roles`` (NotAllowed
        otherwise), opens one write transaction (:meth:`write`) and, when the block ends
        cleanly, appends the action's audit row (``name``, ``entity``, and the id and fields
        the block gave :meth:`Action.names`) in that transaction, unless the block found
        nothing to change (:meth:`Action.unchanged`). An exception inside the block rolls
        everything back and writes no audit row."""
        self.require(*roles)
        with self.write() as session:
            act = Action(session, self.actor.id, name, entity)
            yield act
            if not act.audited:
                return
            audit.record(
                session,
                actor_id=self.actor.id,
                action=act.name,
                entity=act.entity,
                entity_id=act.entity_id,
                fields=act.fields,
            )

    def _record_head(self, mine: tuple[int, str, str] | None = None) -> None:
        """Write the newest audit row's id and hash to keys.json, outside data.db: if committed
        changes are later lost (a damaged WAL), opening and ``outreach check`` say so. With
        ``mine`` (the last row this write signed: id, hash, signer), also record it as the
        acting account's newest row, signed: rewriting it later, even into the rewriter's
        own name, no longer matches."""
        with self.read() as session:
            newest = audit.head_row(session)
        if newest is None:
            return
        signer = self._signer
        own = (
            mine
            if mine is not None and signer is not None and mine[2] == signer.name != audit.STORE_KEY
            else None
        )
        with keyslots.keys_locked(self.folder):
            current = keyslots.KeyFile.load(self.keys_path)
            changed = False
            if int(current.audit_head.get("id", 0)) < newest[0]:
                current.audit_head = audit.signed_head(current.store_id, *newest, signer)
                changed = True
            if own is not None and signer is not None:
                recorded = current.account_heads.get(signer.name, {})
                if int(recorded.get("id", 0)) < own[0]:
                    current.account_heads[signer.name] = audit.signed_head(
                        current.store_id, own[0], own[1], signer
                    )
                    changed = True
            if not changed:
                return  # another process recorded this row or a later one
            current.save(self.keys_path)
        self._keyfile.audit_head = dict(current.audit_head)
        self._keyfile.account_heads = dict(current.account_heads)

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

    def checkpoint(self) -> bool:
        """Copy every committed change from the WAL into data.db and empty the WAL, so that
        damage to the WAL cannot take committed changes with it. False (nothing lost, only
        not done) when another process is reading or writing meanwhile."""
        try:
            with self.engine.connect() as conn:
                busy = conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").first()
        except OperationalError:
            return False
        return busy is not None and busy[0] == 0

    def poll_changes(self) -> Changes | None:
        """What other programs committed since the last call (None: nothing), cheaply.

        Reads ``PRAGMA data_version`` on a connection kept for it, and only when that moved,
        the audit rows added since: changes whose rows this store wrote itself are left out.
        Also says when the store was replaced underneath this one. The first call only takes
        its bearings. Safe from any thread.
        """
        with self._watch_lock:
            if _file_identity(self.db_path) != self._identity:
                return Changes(replaced=True)
            if self._watch_conn is None:
                self._watch_conn = connect(self.db_path, self._data_key)
            conn = self._watch_conn
            version = int(conn.execute("PRAGMA data_version").fetchone()[0])
            if version == self._seen_version:
                return None
            self._seen_version = version
            if not self._bearings:
                self._bearings = True
                newest = conn.execute("SELECT coalesce(max(id), 0) FROM audit").fetchone()[0]
                self._seen_audit = int(newest)
                self._own_audit = []
                return None
            rows = conn.execute(
                "SELECT audit.id, account.name FROM audit "
                "LEFT JOIN account ON account.id = audit.account_id "
                "WHERE audit.id > ? ORDER BY audit.id",
                (self._seen_audit,),
            ).fetchall()
            own, self._own_audit = self._own_audit, []
            if rows:
                self._seen_audit = int(rows[-1][0])
            names: dict[str, None] = {}
            for row_id, name in rows:
                if not any(lo < row_id <= hi for lo, hi in own):
                    names[name or "someone"] = None
            return Changes(by=tuple(names)) if names else None

    def check_still_here(self) -> None:
        """Raise :class:`StoreReplaced` unless ``data.db`` in the folder is still the file this
        store opened (same device and inode: a restore or a copy by hand makes a new one)."""
        if _file_identity(self.db_path) != self._identity:
            raise StoreReplaced(
                f"the store in {self.folder} was replaced or moved while this window had it "
                "open (a restore, a rebuild or a copy by hand): nothing was saved. Close "
                "outreach and open the store again, then make the change again"
            )

    def exclusive(self, purpose: str, *, wait: float = store_lock.DEFAULT_WAIT_S) -> Any:
        """Hold this store's lock exclusively for a block that rewrites the store (a re-key,
        a migration); raises :class:`~outreach.store.errors.StoreLocked` naming who else has
        it open, and changes nothing then."""
        if self._lock is None:
            return contextlib.nullcontext()
        return self._lock.exclusive(purpose, wait=wait)

    def close(self) -> None:
        """Checkpoint the WAL (see :meth:`checkpoint`), drop every keyed connection, forget the
        key and give the store's lock back (used on lock and exit)."""
        if self._data_key:
            self.checkpoint()
        self._drop_connections()
        self._data_key = b""
        self._next_key = None
        self._slot_secrets = None
        if self._lock is not None:
            self._lock.release()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- accounts and key slots ------------------------------------------------------------
    def require(self, *roles: Role) -> None:
        if self.actor.role not in roles:
            wanted = " or ".join(r.value for r in roles)
            raise NotAllowed(f"{self.actor.name} is {self.actor.role.value}; this needs {wanted}")

    def slots(self) -> list[keyslots.Slot]:
        return list(self._keyfile.slots)

    def add_account(self, name: str, role: Role, passphrase: str) -> Account:
        """A new account with its own key slot; admins only."""
        self.require(Role.admin)
        name = _account_name(name)
        _check_new_passphrase(passphrase, name)
        with self.write() as session:
            existing = session.exec(select(Account).where(Account.name == name)).first()
            if existing is not None and existing.removed_at is None:
                raise ValidationError("name", f"an account named {name!r} already exists")
            if existing is not None:
                existing.removed_at = None
                existing.role = role
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
            self._identity = _file_identity(self.db_path)
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

    def _drop_connections(self) -> None:
        self.engine.dispose()
        with self._aside_lock:
            if self._aside_engine is not None:
                self._aside_engine.dispose()
                self._aside_engine = None
        with self._watch_lock:
            if self._watch_conn is not None:
                self._watch_conn.close()
                self._watch_conn = None
                # data_version counts per connection: the next one starts its own count.
                self._seen_version = None

    def _connect(self, data_key: bytes) -> None:
        self.engine = make_engine(self.db_path, data_key)
        self._write_engine = self.engine.execution_options(**{WRITE: True})

    def change_passphrase(self, new_passphrase: str) -> None:
        """Give the acting account a new passphrase (a fresh slot with a fresh salt)."""
        _check_new_passphrase(new_passphrase, self.actor.name)
        self._replace_slot(
            self.actor.name, self.actor.role, new_passphrase, action="keys.passwd", keep=True
        )

    @property
    def _authority(self) -> bytes | None:
        """The private key that signs roles, when the acting account holds it (admins)."""
        return self._slot_secrets.authority if self._slot_secrets else None

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

    def _save_keyfile(self, updated: keyslots.KeyFile) -> None:
        # Save a changed copy and adopt it only once it is on disk: if the save fails, the
        # slots in memory still match keys.json and a later save cannot resurrect the change.
        # Failed unlocks counted by other processes meanwhile are kept, not overwritten.
        with keyslots.keys_locked(self.folder):
            on_disk = keyslots.KeyFile.load(self.keys_path)
            updated.unlock_failures = dict(on_disk.unlock_failures)
            if int(on_disk.audit_head.get("id", 0)) > int(updated.audit_head.get("id", 0)):
                updated.audit_head = dict(on_disk.audit_head)
            for name, head in on_disk.account_heads.items():
                if int(head.get("id", 0)) > int(updated.account_heads.get(name, {}).get("id", 0)):
                    updated.account_heads[name] = dict(head)
            updated.save(self.keys_path)
        self._keyfile = updated


def _tighten(folder: Path) -> None:
    """The store folder, its files and its backups owner-only (stores made before this)."""
    private.tighten(folder, backups=BACKUPS)


def busy_message(folder: Path) -> str:
    """What a writer that waited too long is told: the store is busy, and who has it open."""
    others = [
        h for h in store_lock.holders(folder) if not (h.pid == os.getpid() and h.host == _HOST)
    ]
    who = "; ".join(h.describe() for h in others) or "another program"
    return (
        f"the store is busy: it was kept by another writer for more than "
        f"{BUSY_TIMEOUT_MS // 1000} s (open elsewhere: {who}). Nothing was saved; "
        "try again in a moment"
    )


def _newest_audit(connection: Connection) -> int:
    return int(connection.exec_driver_sql("SELECT coalesce(max(id), 0) FROM audit").scalar_one())


def _file_identity(path: Path) -> tuple[int, int] | None:
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return None
    return info.st_dev, info.st_ino


def _account_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > 64 or any(ch.isspace() for ch in name):
        raise ValidationError("user", "a name of 1 to 64 characters without spaces")
    problem = line_problem(name)
    if problem is not None:
        raise ValidationError("user", f"{problem}")
    return name


def _check_new_passphrase(passphrase: str, *known: str) -> None:
    check_new_passphrase(passphrase, known=known)


def _backup_before_migration(folder: Path, data_key: bytes, revision: str) -> Path:
    """A keyed copy of data.db in backups/, consistent even with the WAL in use."""
    target_dir = folder / BACKUPS
    target_dir.mkdir(exist_ok=True)
    stamp = now().strftime("%Y%m%dT%H%M%SZ")
    target = target_dir / f"data-before-migration-from-{revision}-{stamp}.db"
    tmp = target.with_name(target.name + ".partial")
    copy_database(folder / DATA, tmp, data_key)
    os.replace(tmp, target)
    keyslots.fsync_dir(target_dir)
    return target
