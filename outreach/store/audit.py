"""The tamper-evident audit log: one row per user action, hash-chained and signed.

A row names the action, the kind of record and its id, and the names of the fields touched.
It never holds names, references, notes or results. Each row's hash is signed with the acting
account's own Ed25519 key (sealed in its key slot, certified by the store's authority), so
someone holding the data key and one account's passphrase can write rows as that account
only: a row of another account changed, or any row before it, no longer verifies.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import insert
from sqlmodel import Session, col, select

from outreach.clock import now
from outreach.model import AuditEntry

GENESIS = "0" * 64
STORE_KEY = "store key"
"""``signed_by`` of a row signed by the store's authority (a recovery, a restore by the
recovery code): no account name holds a space, so none can be taken for it."""
SIGNER = "outreach.audit.signer"
"""The key of :attr:`Session.info` under which a write transaction carries its :class:`Signer`
(set by ``Store.write``), so that :func:`record` signs without every caller passing it."""
LAST = "outreach.audit.last"
"""The key of :attr:`Session.info` under which :func:`record` leaves the (id, hash, signer)
of the last row it wrote in the transaction."""


@dataclass(frozen=True)
class Signer:
    """Who signs the rows of a write transaction: an account's name (or :data:`STORE_KEY`)
    and its raw Ed25519 private key."""

    name: str
    key: bytes
    # Loaded once: loading a raw key derives its public half, which costs as much as a
    # signature.
    _loaded: Ed25519PrivateKey = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_loaded", Ed25519PrivateKey.from_private_bytes(self.key))

    def sign(self, row_hash: str) -> str:
        return self.sign_bytes(signed_payload(self.name, row_hash))

    def sign_bytes(self, payload: bytes) -> str:
        return base64.b64encode(self._loaded.sign(payload)).decode("ascii")


def signed_payload(signed_by: str, row_hash: str) -> bytes:
    """What a row's signature covers: the signer's name and the row's hash (which covers the
    row and, through ``prev_hash``, every row before it)."""
    return "\x1f".join(["outreach-audit/1", signed_by, row_hash]).encode("utf-8")


def head_payload(store_id: str, row_id: int, row_hash: str, signed_by: str) -> bytes:
    """What the signature of the audit head recorded in keys.json covers."""
    parts = ["outreach-audit-head/1", store_id, str(row_id), row_hash, signed_by]
    return "\x1f".join(parts).encode("utf-8")


def signed_head(store_id: str, row_id: int, row_hash: str, signer: Signer | None) -> dict[str, Any]:
    """The audit head as keys.json records it, signed by ``signer`` when there is one."""
    recorded: dict[str, Any] = {"id": row_id, "hash": row_hash}
    if signer is not None:
        recorded["signed_by"] = signer.name
        recorded["signature"] = signer.sign_bytes(
            head_payload(store_id, row_id, row_hash, signer.name)
        )
    return recorded


def _digest(entry: AuditEntry) -> str:
    canonical = json.dumps(
        [
            entry.prev_hash,
            entry.at.isoformat(timespec="microseconds"),
            entry.account_id,
            entry.action,
            entry.entity,
            entry.entity_id,
            entry.fields,
        ],
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def head(session: Session) -> str:
    """The hash of the newest row: the chain head that signed exports carry."""
    # Only the hash column, read off the end of the primary key, on the session's connection:
    # no ORM object and no flush per write (record() flushes each row it appends).
    last = (
        session.connection()
        .execute(select(col(AuditEntry.hash)).order_by(col(AuditEntry.id).desc()).limit(1))
        .scalar()
    )
    return last if last is not None else GENESIS


def record(
    session: Session,
    *,
    actor_id: int | None,
    action: str,
    entity: str = "",
    entity_id: int | None = None,
    fields: Iterable[str] = (),
) -> AuditEntry:
    """Append one audit row in the caller's transaction (call inside a write transaction),
    signed by the transaction's :class:`Signer` when ``Store.write`` gave it one."""
    entry = AuditEntry(
        at=now(),
        account_id=actor_id,
        action=action,
        entity=entity,
        entity_id=entity_id,
        fields=",".join(sorted(set(fields))),
        prev_hash=head(session),
        hash="",
    )
    entry.hash = _digest(entry)
    values: dict[str, Any] = {
        "at": entry.at,
        "account_id": entry.account_id,
        "action": entry.action,
        "entity": entry.entity,
        "entity_id": entry.entity_id,
        "fields": entry.fields,
        "prev_hash": entry.prev_hash,
        "hash": entry.hash,
    }
    signer: Signer | None = session.info.get(SIGNER)
    if signer is not None:
        entry.signed_by = values["signed_by"] = signer.name
        entry.signature = values["signature"] = signer.sign(entry.hash)
    # Objects the caller added are written first, as before; the row itself goes in by Core
    # with only the columns it fills, so an unsigned row is written the way older versions
    # wrote it (a schema before signatures, as the migration tests build, still takes it).
    session.flush()
    inserted = session.connection().execute(insert(AuditEntry).values(**values))
    entry.id = int(inserted.lastrowid)
    session.info[LAST] = (entry.id, entry.hash, entry.signed_by)
    return entry


@dataclass(frozen=True)
class ChainBreak:
    row_id: int
    reason: str


def verify_chain(session: Session) -> ChainBreak | None:
    """The first row where the chain does not hold, or None when every row links up."""
    expected_prev = GENESIS
    for entry in session.exec(select(AuditEntry).order_by(col(AuditEntry.id))):
        assert entry.id is not None
        if entry.prev_hash != expected_prev:
            return ChainBreak(entry.id, "does not follow the row before it (a row removed?)")
        if _digest(entry) != entry.hash:
            return ChainBreak(entry.id, "its contents changed after it was written")
        expected_prev = entry.hash
    return None


def head_row(session: Session) -> tuple[int, str] | None:
    """The id and hash of the newest row, or None when the log is empty."""
    row = (
        session.connection()
        .execute(
            select(col(AuditEntry.id), col(AuditEntry.hash))
            .order_by(col(AuditEntry.id).desc())
            .limit(1)
        )
        .first()
    )
    return (int(row[0] or 0), str(row[1])) if row is not None else None


def missing_after(session: Session, recorded: dict[str, object]) -> tuple[int, str] | None:
    """Compare the head recorded outside data.db (keys.json, a backup) with the log.

    Returns (changes missing, sentence) when data.db has lost rows the record says were
    committed, or (0, sentence) when the recorded row is there with another hash; None when
    the log reaches the recorded row unchanged (or nothing was recorded yet).
    """
    if not recorded:
        return None
    rid, rhash = int(str(recorded.get("id", 0))), str(recorded.get("hash", ""))
    newest = head_row(session)
    last = newest[0] if newest else 0
    if last < rid:
        missing = rid - last
        return (
            missing,
            f"keys.json records audit row {rid} as committed but data.db ends at row {last}: "
            f"{missing} committed change{'s are' if missing > 1 else ' is'} missing "
            "(a damaged or cut WAL, or rows deleted); restore the latest backup",
        )
    found = (
        session.connection()
        .execute(select(col(AuditEntry.hash)).where(col(AuditEntry.id) == rid))
        .scalar()
    )
    if found != rhash:
        return (
            0,
            f"audit row {rid} is not the one keys.json recorded: rows were changed or removed "
            "and the chain hashed again, or data.db was swapped for another copy",
        )
    return None


Signers = Mapping[str, list[tuple[Ed25519PublicKey, int]]]
"""Each account's certified signing keys, with the first audit row each must sign."""


@dataclass(frozen=True)
class SignatureCheck:
    """What :func:`verify_signatures` found: ``problems`` name each row (at most ``LIMIT``)
    whose signature is missing or does not verify, and the account it should be from."""

    rows: int
    signed: int
    unsigned: int
    """Rows written before their account had a key (or before this version): not signed."""
    problems: list[str]
    failed: int
    """How many rows fail (``problems`` names only the first of them)."""


PROBLEMS_NAMED = 5


def _verifies(key: Ed25519PublicKey, signature: str, payload: bytes) -> bool:
    try:
        key.verify(base64.b64decode(signature.encode("ascii"), validate=True), payload)
    except (InvalidSignature, ValueError):
        return False
    return True


def verify_signatures(
    session: Session, signers: Signers, authority: Ed25519PublicKey | None
) -> SignatureCheck:
    """Check every row's signature against its signer's certified key.

    A row must be signed by its own account from the first row that account's key was
    certified for, and a row written without an account by the store's key from the first
    row any account signed. A row signed by a name other than its account's, or whose
    signature does not verify, fails: changing a row (and hashing the rows after it again)
    breaks the signatures of every later row by another account.
    """
    names = {
        int(r[0]): str(r[1])
        for r in session.connection().exec_driver_sql("SELECT id, name FROM account")
    }
    starts = [since for keys in signers.values() for _, since in keys]
    start = min(starts) if starts else None
    rows = signed = unsigned = failed = 0
    problems: list[str] = []

    def fail(row_id: int, sentence: str) -> None:
        nonlocal failed
        failed += 1
        if len(problems) < PROBLEMS_NAMED:
            problems.append(f"row {row_id} {sentence}")

    query = "SELECT id, account_id, hash, signed_by, signature FROM audit ORDER BY id"
    for row_id, account_id, row_hash, signed_by, signature in session.connection().exec_driver_sql(
        query
    ):
        rows += 1
        name = names.get(account_id) if account_id is not None else None
        who = f"by {name!r}" if name else "written without an account"
        payload = signed_payload(signed_by, row_hash)
        if signed_by == STORE_KEY:
            if authority is None or not _verifies(authority, signature, payload):
                fail(row_id, f"({who}): its store-key signature does not verify")
            else:
                signed += 1
        elif signed_by:
            keys = signers.get(signed_by, [])
            if name != signed_by:
                fail(row_id, f"({who}) is signed as {signed_by!r}: rewritten as someone else's")
            elif not any(_verifies(key, signature, payload) for key, _ in keys):
                fail(
                    row_id,
                    f"({who}): its signature does not verify with the key of {name!r}: the "
                    "row, or a row before it, was changed after it was signed",
                )
            else:
                signed += 1
        elif name is not None and name in signers:
            first = min(since for _, since in signers[name])
            if row_id >= first:
                fail(
                    row_id,
                    f"({who}) is not signed, though the key of {name!r} signs every row of "
                    f"theirs from row {first} on: written or rewritten without that key",
                )
            else:
                unsigned += 1
        elif name is None and start is not None and row_id >= start:
            fail(row_id, f"({who}) is not signed by the store's key")
        else:
            unsigned += 1
    return SignatureCheck(rows, signed, unsigned, problems, failed)


def verify_head(
    store_id: str,
    recorded: Mapping[str, Any],
    signers: Signers,
    authority: Ed25519PublicKey | None,
    row_signed: bool,
) -> str | None:
    """Whether the audit head keys.json records is signed by a certified key (an account's
    or the store's): a sentence naming the problem, or None. An unsigned head passes only
    while the row it names is itself unsigned (a store not yet signing)."""
    signed_by = str(recorded.get("signed_by", ""))
    signature = str(recorded.get("signature", ""))
    if not signed_by:
        if row_signed:
            return (
                "keys.json's audit head is not signed, though the row it names is: "
                "keys.json was edited. Restore it from a backup"
            )
        return None
    payload = head_payload(
        store_id, int(str(recorded.get("id", 0))), str(recorded.get("hash", "")), signed_by
    )
    keys = (
        [authority]
        if signed_by == STORE_KEY and authority
        else [key for key, _ in signers.get(signed_by, [])]
    )
    if not any(_verifies(key, signature, payload) for key in keys):
        return (
            f"keys.json's audit head is signed as {signed_by!r} but the signature does not "
            "verify: keys.json was edited. Restore it from a backup"
        )
    return None


def verify_account_heads(
    session: Session, store_id: str, heads: Mapping[str, Mapping[str, Any]], signers: Signers
) -> list[str]:
    """Check each account's newest row as keys.json records it (signed by that account):
    the row must still be in data.db, with that hash and signed by that account. Sentences
    naming each problem; empty when all hold."""
    problems: list[str] = []
    for name, recorded in sorted(heads.items()):
        rid, rhash = int(str(recorded.get("id", 0))), str(recorded.get("hash", ""))
        payload = head_payload(store_id, rid, rhash, name)
        keys = [key for key, _ in signers.get(name, [])]
        if str(recorded.get("signed_by", "")) != name or not any(
            _verifies(key, str(recorded.get("signature", "")), payload) for key in keys
        ):
            problems.append(
                f"keys.json's record of the newest row of {name!r} is not signed by {name!r}: "
                "keys.json was edited"
            )
            continue
        row = (
            session.connection()
            .exec_driver_sql("SELECT hash, signed_by FROM audit WHERE id = ?", (rid,))
            .first()
        )
        if row is None:
            problems.append(f"row {rid}, the newest {name!r} signed, is missing from data.db")
        elif (str(row[0]), str(row[1])) != (rhash, name):
            problems.append(
                f"row {rid}, the newest {name!r} signed, is not the row {name!r} signed: "
                "it was rewritten"
            )
    return problems


def row_is(session: Session, recorded: Mapping[str, Any]) -> bool:
    """Whether data.db holds the row ``recorded`` names ({"id", "hash"}), with that hash."""
    found = (
        session.connection()
        .exec_driver_sql("SELECT hash FROM audit WHERE id = ?", (int(str(recorded.get("id", 0))),))
        .scalar()
    )
    return found is not None and str(found) == str(recorded.get("hash", ""))
