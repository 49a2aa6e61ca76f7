"""A store: a folder holding ``data.db`` (SQLCipher 4, WAL) and ``keys.json`` (key slots).

:class:`Store` is an unlocked store: a keyed engine plus the account acting on it. Services
take a Store and do each user action in one :meth:`Store.write` transaction with its audit row.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import uuid
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlmodel import Session, select

from outreach.clock import now
from outreach.errors import ValidationError
from outreach.model import Account, Role, Site
from outreach.store import audit, keyslots, private, store_lock
from outreach.store.accounts import AccountsStore, account_name, check_passphrase
from outreach.store.engine import (
    WRITE,
    check_library,
    copy_database,
    ensure_alone,
    make_engine,
)
from outreach.store.errors import (
    DiskFull,
    StoreExists,
    StoreInUse,
    StoreLocked,
    UnknownAccount,
    WrongPassphrase,
)
from outreach.store.layout import DATA, KEYS
from outreach.store.migrations import ensure_current, upgrade
from outreach.store.progress import Said, rising, size_text

# Re-exported: callers written before unlocking, re-keying, watching and transactions had
# modules of their own import them here.
from outreach.store.rekeying import REKEY_COPY as REKEY_COPY
from outreach.store.transactions import Actor as Actor
from outreach.store.transactions import busy_message as busy_message
from outreach.store.unlocking import (
    key_that_opens,
    load_keyfile,
    unwrap_keys,
)
from outreach.store.unlocking import unwrap_data_key as unwrap_data_key
from outreach.store.unlocking import wait_after as wait_after
from outreach.store.watching import Changes as Changes
from outreach.text import SITE_LIMIT, line_problem

BACKUPS = "backups"


def default_folder() -> Path:
    """``OUTREACH_STORE`` if set, else the platform's per-user data folder (see
    :class:`outreach.settings.Settings`)."""
    from outreach.settings import Settings

    return Settings.from_environment().store_folder


class Store(AccountsStore):
    """An unlocked store: opened by :meth:`init`, :meth:`unlock` or :meth:`recover`. Close it
    (or use it as a context manager) to drop the keyed engine.

    What it can do is built up in layers, one module each: reading and writing
    (:mod:`~outreach.store.transactions`), noticing others' changes
    (:mod:`~outreach.store.watching`), signing keys and the audit head
    (:mod:`~outreach.store.signing`), re-keying (:mod:`~outreach.store.rekeying`) and accounts
    (:mod:`~outreach.store.accounts`); opening is here.
    """

    # -- opening ---------------------------------------------------------------------------
    @classmethod
    def init(
        cls, folder: Path, *, site_name: str, admin: str, passphrase: str
    ) -> tuple[Store, str]:
        """Create a store with its first admin; returns it and the recovery code (shown once)."""
        check_library()
        admin = account_name(admin)
        if not site_name.strip():
            raise ValidationError("site name", "must not be empty")
        problem = line_problem(site_name.strip(), limit=SITE_LIMIT)
        if problem is not None:
            raise ValidationError("site name", f"{problem}")
        check_passphrase(passphrase, admin, site_name)
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
        # Two Argon2id derivations, not three: the admin's runs in a thread beside the recovery
        # slot's (Argon2id runs without the GIL), and the admin's slot is opened with the key
        # its sealing derived, dropped when the block ends.
        with keyslots.derivations_kept():
            admin_kdf = keyslots.fresh_kdf_derived_ahead(passphrase)
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
                kdf=admin_kdf,
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
    def unlock(
        cls, folder: Path, *, user: str | None, passphrase: str, said: Said | None = None
    ) -> Store:
        """Open with an account's passphrase. Wrong passphrases never touch ``data.db``.

        ``said`` is told, in a line a person can read, what an unlock that takes long is
        doing: a store from an older outreach is copied to backups/ (the share done told as
        it goes) and then brought up to date, minutes at a million people."""
        keyfile, slot, keys, opened = unwrap_keys(folder, user=user, passphrase=passphrase)
        assert slot.account is not None
        store = cls._open(
            folder, keyfile, keys, slot.account, slot=slot, slot_secrets=opened, said=said
        )
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
        check_passphrase(new_passphrase, user)
        user = account_name(user)
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
        said: Said | None = None,
    ) -> Store:
        check_library()
        private.owner_only()
        lock = store_lock.shared(folder, user)
        try:
            return cls._open_locked(
                folder, keyfile, keys, user, lock, slot=slot, slot_secrets=slot_secrets, said=said
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
        said: Said | None = None,
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
                backup=lambda rev: _backup_before_migration(folder, data_key, rev, said),
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
            store._record_lost_signing_row()
            store._give_signing_keys()
            store._compare_head()
            if keyfile.unlock_failures.get("count"):
                store._audit_failures()
            return store
        except BaseException:
            engine.dispose()
            raise


def _tighten(folder: Path) -> None:
    """The store folder, its files and its backups owner-only (stores made before this)."""
    private.tighten(folder, backups=BACKUPS)


MIGRATION_ROOM = 64 << 20
"""Free bytes a migration is left beyond the copy it keeps first and a tenth of the store:
its own writes (a new index, a table made again) go through the WAL before data.db."""


def stored_bytes(folder: Path) -> int:
    """The bytes the store's data takes on disk: data.db and its WAL."""
    return sum(
        path.stat().st_size for path in (folder / DATA, folder / f"{DATA}-wal") if path.exists()
    )


def _room_for_migration(folder: Path) -> None:
    """Raise :class:`DiskFull`, before anything is written, when the disk has too little
    room for the copy kept before a migration (as large as data.db and its WAL) and the
    migration after it. At 1,000,000 people the copy is 13.4 GB; a disk that filled up
    halfway through it would leave nothing changed, but only after minutes of copying."""
    size = stored_bytes(folder)
    need = size + size // 10 + MIGRATION_ROOM
    free = shutil.disk_usage(folder).free
    if free < need:
        raise DiskFull(
            f"this version of outreach brings the store's layout up to date, and keeps a "
            f"copy of the store in {BACKUPS}/ first: that needs {size_text(need)} free on "
            f"this disk, and {size_text(free)} is. Free some space, then open the store "
            "again; nothing was changed"
        )


UPGRADING = "Upgrading the store: "
"""How every line an upgrade says at unlock begins."""


def _backup_before_migration(
    folder: Path, data_key: bytes, revision: str, said: Said | None = None
) -> Path:
    """A keyed copy of data.db in backups/, consistent even with the WAL in use; refused
    first (:func:`_room_for_migration`) when the disk has too little room for it. ``said``
    is told the share copied as it rises, then that the upgrade itself is under way."""
    _room_for_migration(folder)
    target_dir = folder / BACKUPS
    target_dir.mkdir(exist_ok=True)
    stamp = now().strftime("%Y%m%dT%H%M%SZ")
    target = target_dir / f"data-before-migration-from-{revision}-{stamp}.db"
    tmp = target.with_name(target.name + ".partial")
    copied = None
    if said is not None:
        size = size_text(stored_bytes(folder))
        copied = rising(
            said,
            lambda share: (
                f"{UPGRADING}keeping a copy of it in {BACKUPS}/ first ({share}% of {size})"
            ),
        )
        copied(0, 1)
    copy_database(folder / DATA, tmp, data_key, progress=copied)
    os.replace(tmp, target)
    keyslots.fsync_dir(target_dir)
    if said is not None:
        said(f"{UPGRADING}the copy is kept; now bringing its layout up to date")
    return target
