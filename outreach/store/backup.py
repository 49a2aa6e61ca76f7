"""Backups: one file holding a consistent snapshot of ``data.db`` and its key slots.

Layout (integers big-endian)::

    MAGIC (16 bytes) | u32 header length | header (UTF-8 JSON) | SHA-256 of all before it
    then chunks: u32 length | AES-256-GCM ciphertext with its tag

The header carries the key slots in clear (each already wraps the data key), the store id, the
schema revision, a random salt and the chunk size. The body is the SQLCipher snapshot,
encrypted again under ``HKDF-SHA256(data key, salt)``; each chunk's associated data binds the
header's SHA-256, the chunk's index and a final-chunk flag, so a changed byte, a truncation, a
reordering or an edited header is detected. The header's own checksum lets damage to the
key slots be reported as damage (rather than as a wrong passphrase) before any key is
derived. The nonce is the chunk index: every backup has its own key, from its own salt, so a
nonce is never used twice under one key.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import hashlib
import json
import os
import re
import secrets
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any

import sqlcipher3
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlmodel import Session, col, select

from outreach.clock import now
from outreach.errors import ValidationError
from outreach.model import Account, AuditEntry
from outreach.store import audit, keyslots, restore_swap, store_lock
from outreach.store.engine import copy_database, is_disk_full, make_engine
from outreach.store.errors import (
    BackupDamaged,
    DiskFull,
    StoreExists,
    StoreTooNew,
    WrongPassphrase,
)
from outreach.store.migrations import alembic_config, current_revision
from outreach.store.progress import Said, rising, size_text
from outreach.store.store import DATA, KEYS, Store, stored_bytes

MAGIC = b"OUTREACH-BACKUP\n"
FORMAT = "outreach-backup/1"
CHUNK_SIZE = 1024 * 1024
MAX_HEADER = 1024 * 1024
_LENGTH = struct.Struct(">I")
_TAG = 16
# O_BINARY matters on Windows only, where a descriptor otherwise translates newlines.
_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
BACKUP_ACTION = "store.backup"
RESTORE_ACTION = "store.restore"
# The temporary files create_backup writes next to a backup, and SQLite's journal of the
# snapshot: ".<name>.<8 hex>.snapshot", the same with "-journal", ".<name>.<8 hex>.partial".
BACKUP_LEFTOVER = re.compile(r"\..+\.[0-9a-f]{8}\.(snapshot|snapshot-journal|partial)")


@dataclass(frozen=True)
class BackupInfo:
    """What a backup file says about itself (readable without any passphrase)."""

    path: Path
    store_id: str
    created_at: str
    revision: str | None
    accounts: list[str]
    size: int
    # Temporary files of earlier, killed backups that writing this one removed.
    leftovers_removed: int = 0
    audit_head: dict[str, Any] = dataclasses.field(default_factory=dict)
    """The audit head keys.json recorded when the backup was made (row id and hash)."""


@dataclass(frozen=True)
class RestoreResult:
    """What a restore did besides restoring."""

    moved_aside: Path | None  # where the store that was in the folder now is
    leftovers_removed: int  # staging folders and files of earlier, killed restores


@dataclass(frozen=True)
class _Header:
    raw: bytes  # MAGIC + length + JSON, exactly as in the file
    body: dict[str, Any]
    keyfile: keyslots.KeyFile

    @property
    def digest(self) -> bytes:
        return hashlib.sha256(self.raw).digest()


def _body_key(data_key: bytes, salt: bytes) -> AESGCM:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=FORMAT.encode() + b" body")
    return AESGCM(hkdf.derive(data_key))


def _aad(header_digest: bytes, index: int, final: bool) -> bytes:
    return header_digest + struct.pack(">QB", index, 1 if final else 0)


def _nonce(index: int) -> bytes:
    return index.to_bytes(12, "big")


# -- writing -------------------------------------------------------------------------------


def create_backup(store: Store, target: Path, *, said: Said | None = None) -> BackupInfo:
    """Write a backup of the open ``store`` to ``target`` and record it in the audit.

    The file appears whole or not at all: it is written to a temporary file next to
    ``target``, fsynced and renamed. A full disk raises :class:`DiskFull` and leaves any
    earlier ``target`` as it was. Temporary files that killed backups left in the same folder
    (matching :data:`BACKUP_LEFTOVER`, older than this process) are removed first. ``said``
    is told the share done of each of the two long steps as it rises: copying the store, then
    encrypting the copy into the file (minutes each at a million people).
    """
    target = target.expanduser().absolute()
    if target.is_dir():
        raise ValueError(f"{target} is a folder: give the backup file's name")
    target.parent.mkdir(parents=True, exist_ok=True)
    removed = restore_swap.remove_stale(target.parent, BACKUP_LEFTOVER)
    stamp = secrets.token_hex(4)
    # Both temporary files sit next to the target; the snapshot is SQLCipher-encrypted.
    snapshot = target.with_name(f".{target.name}.{stamp}.snapshot")
    partial = target.with_name(f".{target.name}.{stamp}.partial")
    # Reaching into the store for its key is confined to this package.
    data_key = store._data_key
    try:
        revision = current_revision(store.engine)
        size = size_text(stored_bytes(store.folder))
        copying = sealing = None
        if said is not None:
            copying = rising(
                said, lambda share: f"Backing up: copying the store ({share}% of {size})"
            )
            sealing = rising(
                said, lambda share: f"Backing up: encrypting the copy ({share}% of {size})"
            )
            copying(0, 1)
        copy_database(store.db_path, snapshot, data_key, progress=copying)
        whole = snapshot.stat().st_size
        if sealing is not None:
            sealing(0, whole)
        keyfile = copy.deepcopy(store._keyfile)
        keyfile.unlock_failures = {}
        salt = secrets.token_bytes(32)
        header_json = json.dumps(
            {
                "format": FORMAT,
                "store_id": keyfile.store_id,
                "created_at": now().isoformat(timespec="seconds"),
                "revision": revision,
                "chunk_size": CHUNK_SIZE,
                "salt": salt.hex(),
                "keys": keyfile.to_json(),
            },
            separators=(",", ":"),
        ).encode("utf-8")
        header = MAGIC + _LENGTH.pack(len(header_json)) + header_json
        digest = hashlib.sha256(header).digest()
        header += digest
        aead = _body_key(data_key, salt)
        with _create(partial) as out, open(snapshot, "rb") as body:
            out.write(header)
            for index, chunk, final in _chunks(body):
                sealed = aead.encrypt(_nonce(index), chunk, _aad(digest, index, final))
                out.write(_LENGTH.pack(len(sealed)))
                out.write(sealed)
                if sealing is not None:
                    sealing(min(body.tell(), whole), whole)
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, target)
        keyslots.fsync_dir(target.parent)
    except (OSError, sqlcipher3.DatabaseError) as exc:
        if is_disk_full(exc):
            raise DiskFull(
                f"no space left in {target.parent}: the backup was not written"
            ) from None
        raise
    finally:
        partial.unlink(missing_ok=True)
        snapshot.unlink(missing_ok=True)
    with store.write() as session:
        audit.record(session, actor_id=store.actor.id, action=BACKUP_ACTION, entity="store")
    return dataclasses.replace(read_backup_info(target), leftovers_removed=removed)


def _create(path: Path) -> IO[bytes]:
    """A new file only its owner can read (its content is encrypted; its name is not)."""
    return os.fdopen(os.open(path, _NEW_FILE, 0o600), "wb")


def _chunks(body: IO[bytes]) -> Iterator[tuple[int, bytes, bool]]:
    """(index, bytes, is_last) for each chunk; an empty body still yields one final chunk."""
    index = 0
    current = body.read(CHUNK_SIZE)
    while True:
        following = body.read(CHUNK_SIZE)
        yield index, current, not following
        if not following:
            return
        index, current = index + 1, following


def last_backup_at(store: Store) -> datetime | None:
    """When this store was last backed up (from the audit), or None if never."""
    with store.read() as session:
        entry = session.exec(
            select(AuditEntry)
            .where(AuditEntry.action == BACKUP_ACTION)
            .order_by(col(AuditEntry.id).desc())
            .limit(1)
        ).first()
    return entry.at if entry else None


# -- reading -------------------------------------------------------------------------------


def _damaged(path: Path, why: str) -> BackupDamaged:
    return BackupDamaged(f"the backup {path.name} is damaged ({why}): nothing was restored")


def _read_header(path: Path, handle: IO[bytes]) -> _Header:
    start = handle.read(len(MAGIC) + _LENGTH.size)
    if len(start) < len(MAGIC) + _LENGTH.size or not start.startswith(MAGIC):
        raise _damaged(path, "not an outreach backup, or cut short")
    (length,) = _LENGTH.unpack(start[len(MAGIC) :])
    if length > MAX_HEADER:
        raise _damaged(path, "header too large")
    header_json = handle.read(length)
    checksum = handle.read(32)
    if len(header_json) != length or len(checksum) != 32:
        raise _damaged(path, "cut short in its header")
    if hashlib.sha256(start + header_json).digest() != checksum:
        raise _damaged(path, "its header does not match its checksum")
    try:
        body = json.loads(header_json.decode("utf-8"))
        if body.get("format") != FORMAT:
            raise ValueError("format")
        keyfile = keyslots.KeyFile.from_json(body["keys"])
        bytes.fromhex(body["salt"])
        int(body["chunk_size"])
    except (ValueError, KeyError, TypeError, AttributeError):
        raise _damaged(path, "its header cannot be read") from None
    return _Header(start + header_json, body, keyfile)


def read_backup_info(path: Path) -> BackupInfo:
    """The header of a backup, checked for form only (the body needs the key)."""
    with _open_backup(path) as handle:
        header = _read_header(path, handle)
    return BackupInfo(
        path=path,
        store_id=header.keyfile.store_id,
        created_at=str(header.body.get("created_at")),
        revision=header.body.get("revision"),
        accounts=sorted(s.account or "" for s in header.keyfile.account_slots()),
        size=path.stat().st_size,
        audit_head=dict(header.keyfile.audit_head or {}),
    )


@contextlib.contextmanager
def _open_backup(path: Path) -> Iterator[IO[bytes]]:
    try:
        handle = open(path, "rb")  # noqa: SIM115 (closed below)
    except FileNotFoundError:
        raise BackupDamaged(f"no backup file at {path}") from None
    with handle:
        yield handle


def _plain_chunks(path: Path, handle: IO[bytes], header: _Header, key: AESGCM) -> Iterator[bytes]:
    """Each chunk decrypted and authenticated, in order, up to the flagged final one."""
    limit = int(header.body["chunk_size"]) + _TAG
    index = 0
    while True:
        prefix = handle.read(_LENGTH.size)
        if len(prefix) != _LENGTH.size:
            raise _damaged(path, f"cut short before part {index + 1}")
        (length,) = _LENGTH.unpack(prefix)
        if length < _TAG or length > limit:
            raise _damaged(path, f"part {index + 1} has an impossible length")
        sealed = handle.read(length)
        if len(sealed) != length:
            raise _damaged(path, f"cut short in part {index + 1}")
        for final in (False, True):
            try:
                plain = key.decrypt(_nonce(index), sealed, _aad(header.digest, index, final))
            except InvalidTag:
                continue
            yield plain
            if final:
                if handle.read(1):
                    raise _damaged(path, "bytes after its last part")
                return
            break
        else:
            raise _damaged(path, f"part {index + 1} does not authenticate")
        index += 1


def _unwrap(
    header: _Header, secret: str, *, user: str | None, recovery: bool
) -> tuple[bytes, str | None, audit.Signer | None]:
    """The data key, the account restoring (None with the recovery code) and the key that
    signs the restore's audit row: the account's own, or the store's with the recovery code."""
    keyfile = header.keyfile
    if recovery:
        try:
            code = keyslots.normalise_recovery_code(secret)
            keys, opened = keyfile.open_slot(keyfile.recovery_slot(), code)
            authority = opened.authority if opened is not None else None
            signer = audit.Signer(audit.STORE_KEY, authority) if authority else None
            return keys[0], None, signer
        except WrongPassphrase:
            raise WrongPassphrase("that recovery code does not open this backup") from None
    slots = keyfile.account_slots()
    if user:
        slot = keyfile.slot_for(user)
    elif len(slots) == 1:
        slot = slots[0]
    else:
        names = ", ".join(sorted(s.account or "" for s in slots))
        raise ValidationError(
            "user", f"the backup has several accounts ({names}): say which with --user"
        )
    try:
        keys, opened = keyfile.open_slot(slot, secret)
    except WrongPassphrase:
        raise WrongPassphrase(f"wrong passphrase for {slot.account!r} in this backup") from None
    signing = opened.signing if opened is not None else None
    signer = audit.Signer(slot.account, signing) if signing and slot.account else None
    return keys[0], slot.account, signer


# -- restoring -----------------------------------------------------------------------------


def store_present(folder: Path) -> bool:
    return (folder / DATA).exists() or (folder / KEYS).exists()


def restore_backup(
    source: Path,
    folder: Path,
    *,
    secret: str,
    user: str | None = None,
    recovery: bool = False,
    force: bool = False,
) -> RestoreResult:
    """Restore ``source`` into the store folder ``folder`` (created if missing).

    ``secret`` is the passphrase of an account in the backup (or, with ``recovery``, the
    recovery code). The whole file is authenticated before anything is written. An existing
    store is refused unless ``force``, and then moved aside into ``replaced-<stamp>/``, never
    deleted. The restore is recorded in the restored store's audit.

    All or nothing, even if the process is killed: the new store is built whole in a staging
    folder, then swapped in (see :mod:`outreach.store.restore_swap`); a swap cut short is
    finished when the folder is next opened or restored into. An interrupted restore found
    here is finished first, and stale leftovers of killed restores are removed.
    """
    restore_swap.finish_interrupted_restore(folder)
    if store_present(folder) and not force:
        raise StoreExists(
            f"{folder} already holds a store: use --force to move it aside and restore over it"
        )
    with _open_backup(source) as handle:
        header = _read_header(source, handle)
        revision = header.body.get("revision")
        if revision is not None:
            _require_known_revision(revision)
        data_key, account, signer = _unwrap(header, secret, user=user, recovery=recovery)
        key = _body_key(data_key, bytes.fromhex(header.body["salt"]))
        body_start = handle.tell()
        for _ in _plain_chunks(source, handle, header, key):
            pass  # first pass: authenticate everything, write nothing
        with store_lock.exclusive(folder, account, purpose="outreach restore"):
            return _restore_locked(
                source,
                folder,
                handle,
                header,
                data_key,
                account,
                key,
                body_start,
                force=force,
                signer=signer,
            )


def _restore_locked(
    source: Path,
    folder: Path,
    handle: IO[bytes],
    header: _Header,
    data_key: bytes,
    account: str | None,
    key: AESGCM,
    body_start: int,
    *,
    force: bool,
    signer: audit.Signer | None = None,
) -> RestoreResult:
    """The writing half of :func:`restore_backup`, run holding the store's lock exclusively:
    no process has the store open while it is swapped."""
    restore_swap.finish_interrupted_restore(folder, locked=True)
    if store_present(folder) and not force:
        raise StoreExists(
            f"{folder} already holds a store: use --force to move it aside and restore over it"
        )
    removed = restore_swap.remove_stale_restore_leftovers(folder)
    staging = restore_swap.new_staging(folder)
    try:
        handle.seek(body_start)
        with _create(staging / DATA) as out:
            for plain in _plain_chunks(source, handle, header, key):
                out.write(plain)
            out.flush()
            os.fsync(out.fileno())
        keyfile = copy.deepcopy(header.keyfile)
        keyfile.unlock_failures = {}
        keyfile.save(staging / KEYS)
        _record_restore(staging, data_key, account, signer)
        intent = restore_swap.commit_swap(folder, staging)
    except BaseException as exc:
        restore_swap.discard_staging(staging)
        if is_disk_full(exc):
            raise DiskFull(f"no space left in {folder}: the backup was not restored") from None
        raise
    moved = restore_swap.finish_swap(folder, intent)
    return RestoreResult(moved_aside=moved, leftovers_removed=removed)


def _require_known_revision(revision: str) -> None:
    from alembic.script import ScriptDirectory

    try:
        ScriptDirectory.from_config(alembic_config()).get_revision(revision)
    except Exception:
        raise StoreTooNew(
            f"this backup has schema revision {revision}, which this version of outreach "
            "does not know: restore it with a newer outreach. Nothing was written."
        ) from None


def _record_restore(
    folder: Path, data_key: bytes, account: str | None, signer: audit.Signer | None
) -> None:
    """The restore's audit row, written into the staged copy so it arrives with the store."""
    engine = make_engine(folder / DATA, data_key, pool_size=1)
    try:
        with Session(engine) as session, session.begin():
            session.info[audit.SIGNER] = signer
            actor = None
            if account is not None:
                found = session.exec(select(Account).where(Account.name == account)).first()
                actor = found.id if found else None
            audit.record(session, actor_id=actor, action=RESTORE_ACTION, entity="store")
    finally:
        engine.dispose()  # the last connection to close checkpoints and removes the WAL
    with open(folder / DATA, "rb+") as handle:
        os.fsync(handle.fileno())
    keyslots.fsync_dir(folder)
