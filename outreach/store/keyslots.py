"""``keys.json``: LUKS-style key slots that each wrap the store's data key.

Each slot wraps the 256-bit data key with AES-256-GCM under a key derived from a passphrase
(or the recovery code) with Argon2id. The store id, slot id, kind, account name and role are
bound as associated data, so moving a slot to another store or editing its role breaks it.
Every rewrite is atomic: temp file, fsync, rename, fsync of the folder.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import tempfile
import unicodedata
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import portalocker
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

from outreach.store.errors import KeysMissing, StoreDamaged, UnknownAccount, WrongPassphrase

FORMAT = "outreach-keys/1"
# Held for each read-modify-write of keys.json (a few milliseconds), so that two processes
# changing it at once (two failed unlocks, a failure beside a passphrase change) both count.
KEYS_LOCK = "keys.json.lock"
KEYS_LOCK_TIMEOUT_S = 30
RECOVERY = "recovery"
ACCOUNT = "account"

# RFC 9106 section 4, second recommended option.
KDF_ITERATIONS = 3
KDF_MEMORY_KIB = 64 * 1024
KDF_LANES = 4


@dataclass(frozen=True)
class KdfParams:
    salt: str
    iterations: int = KDF_ITERATIONS
    memory_kib: int = KDF_MEMORY_KIB
    lanes: int = KDF_LANES
    name: str = "argon2id"

    @classmethod
    def fresh(cls) -> KdfParams:
        return cls(salt=_b64(secrets.token_bytes(16)))

    def derive(self, secret: str) -> bytes:
        # NFC so that the same passphrase typed on another keyboard layout still opens.
        material = unicodedata.normalize("NFC", secret).encode("utf-8")
        kdf = Argon2id(
            salt=_unb64(self.salt),
            length=32,
            iterations=self.iterations,
            lanes=self.lanes,
            memory_cost=self.memory_kib,
        )
        return kdf.derive(material)


@dataclass(frozen=True)
class Slot:
    id: str
    kind: str
    account: str | None
    role: str | None
    kdf: KdfParams
    nonce: str
    wrapped_key: str

    def associated_data(self, store_id: str) -> bytes:
        parts = [
            "outreach-slot/1",
            store_id,
            self.id,
            self.kind,
            self.account or "",
            self.role or "",
        ]
        return "\x1f".join(parts).encode("utf-8")


@dataclass
class KeyFile:
    """The parsed ``keys.json``. Mutating methods return nothing; call :meth:`save`."""

    store_id: str
    slots: list[Slot] = field(default_factory=list)
    unlock_failures: dict[str, Any] = field(default_factory=dict)

    # -- reading -------------------------------------------------------------------------
    @classmethod
    def load(cls, path: Path) -> KeyFile:
        if not path.exists():
            raise KeysMissing(
                f"{path.name} is missing from {path.parent}: without it the store cannot be "
                "unlocked. Restore it from a backup (outreach restore), or put back the "
                "keys.json that was copied with this data.db."
            )
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            return cls.from_json(raw)
        except (ValueError, KeyError, TypeError) as exc:
            raise StoreDamaged(f"{path} is damaged and cannot be read ({exc})") from None

    @classmethod
    def from_json(cls, raw: Any) -> KeyFile:
        """The key file from its parsed JSON; raises ValueError, KeyError or TypeError."""
        if not isinstance(raw, dict):
            raise TypeError("not a JSON object")
        if raw.get("format") != FORMAT:
            raise ValueError(f"unknown format {raw.get('format')!r}")
        body = {k: v for k, v in raw.items() if k != "checksum"}
        if raw.get("checksum") != _checksum(body):
            raise ValueError("its checksum does not match: bytes in it were changed")
        slots = [
            Slot(
                id=s["id"],
                kind=s["kind"],
                account=s.get("account"),
                role=s.get("role"),
                kdf=KdfParams(**s["kdf"]),
                nonce=s["nonce"],
                wrapped_key=s["wrapped_key"],
            )
            for s in raw["slots"]
        ]
        return cls(
            store_id=raw["store_id"],
            slots=slots,
            unlock_failures=raw.get("unlock_failures", {}),
        )

    def account_slots(self) -> list[Slot]:
        return [s for s in self.slots if s.kind == ACCOUNT]

    def slot_for(self, account: str) -> Slot:
        for slot in self.account_slots():
            if slot.account == account:
                return slot
        raise UnknownAccount(f"no account named {account!r} in this store")

    def recovery_slot(self) -> Slot:
        for slot in self.slots:
            if slot.kind == RECOVERY:
                return slot
        raise StoreDamaged("keys.json has no recovery slot")

    def unwrap(self, slot: Slot, secret: str) -> bytes:
        """The data key, or :class:`WrongPassphrase` when ``secret`` does not open ``slot``."""
        try:
            return AESGCM(slot.kdf.derive(secret)).decrypt(
                _unb64(slot.nonce), _unb64(slot.wrapped_key), slot.associated_data(self.store_id)
            )
        except InvalidTag:
            raise WrongPassphrase("wrong passphrase") from None

    def verify_structure(self) -> Iterator[str]:
        """Problems a person should know about, as sentences; nothing when all is well."""
        ids = [s.id for s in self.slots]
        if len(set(ids)) != len(ids):
            yield "keys.json: two slots share an id"
        if not any(s.kind == RECOVERY for s in self.slots):
            yield "keys.json: no recovery slot"
        if not any(s.kind == ACCOUNT and s.role == "admin" for s in self.slots):
            yield "keys.json: no admin slot"
        for s in self.slots:
            k = s.kdf
            if (
                k.name != "argon2id"
                or k.iterations < KDF_ITERATIONS
                or k.memory_kib < KDF_MEMORY_KIB
                or k.lanes < KDF_LANES
            ):
                yield f"keys.json: slot {s.id} uses weaker key derivation than required"
            try:
                if len(_unb64(s.wrapped_key)) != 48 or len(_unb64(s.nonce)) != 12:
                    yield f"keys.json: slot {s.id} has a wrapped key of the wrong size"
            except ValueError:
                yield f"keys.json: slot {s.id} is not valid base64"

    # -- changing ------------------------------------------------------------------------
    def add_slot(
        self, *, kind: str, secret: str, data_key: bytes, account: str | None, role: str | None
    ) -> Slot:
        slot = Slot(
            id=str(uuid.uuid4()),
            kind=kind,
            account=account,
            role=role,
            kdf=KdfParams.fresh(),
            nonce="",
            wrapped_key="",
        )
        nonce = secrets.token_bytes(12)
        wrapped = AESGCM(slot.kdf.derive(secret)).encrypt(
            nonce, data_key, slot.associated_data(self.store_id)
        )
        slot = replace(slot, nonce=_b64(nonce), wrapped_key=_b64(wrapped))
        self.slots.append(slot)
        return slot

    def remove_slot(self, slot_id: str) -> None:
        self.slots = [s for s in self.slots if s.id != slot_id]

    def to_json(self) -> dict[str, Any]:
        """The JSON object that ``keys.json`` holds, with a checksum over the rest of it."""
        body = {
            "format": FORMAT,
            "store_id": self.store_id,
            "slots": [
                {**{k: v for k, v in asdict(s).items() if k != "kdf"}, "kdf": asdict(s.kdf)}
                for s in self.slots
            ],
            "unlock_failures": self.unlock_failures,
        }
        return {**body, "checksum": _checksum(body)}

    def save(self, path: Path) -> None:
        atomic_write(path, (json.dumps(self.to_json(), indent=2) + "\n").encode("utf-8"))


@contextmanager
def keys_locked(folder: Path) -> Iterator[None]:
    """Hold ``keys.json``'s own lock: read it, change it and save it inside this block."""
    path = folder / KEYS_LOCK
    if not path.exists():
        # Owner-only from the start; opening it again below never changes its mode.
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    with portalocker.Lock(path, mode="a", timeout=KEYS_LOCK_TIMEOUT_S, check_interval=0.01):
        yield


def new_recovery_code() -> str:
    """A recovery code of 160 random bits, in groups a person can copy by hand."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    chars = "".join(secrets.choice(alphabet) for _ in range(32))
    return "-".join(chars[i : i + 4] for i in range(0, 32, 4))


def normalise_recovery_code(code: str) -> str:
    chars = "".join(ch for ch in code.upper() if ch.isalnum())
    return "-".join(chars[i : i + 4] for i in range(0, len(chars), 4))


def atomic_write(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` so that a crash leaves the old or the new file, whole."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


def fsync_dir(folder: Path) -> None:
    if os.name == "nt":  # Windows cannot open a directory for fsync; NTFS renames are journaled.
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _checksum(body: dict[str, Any]) -> str:
    """SHA-256 over the canonical JSON of ``body``.

    It names accidental damage (a flipped byte in a slot would otherwise read as a wrong
    passphrase). It is not a seal against deliberate edits: the AES-GCM tag of each slot,
    with its ids and role bound as associated data, is what makes a slot refuse tampering.
    """
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return "sha256:" + hashlib.sha256(canonical.encode("ascii")).hexdigest()


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)
