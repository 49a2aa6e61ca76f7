"""``keys.json``: LUKS-style key slots that each wrap the store's data key.

Each slot (format 2) holds an X25519 key pair. Its private half is sealed with AES-256-GCM
under a key derived from the passphrase (or the recovery code) with Argon2id; the data key is
sealed to its public half (X25519 + HKDF-SHA256 + AES-256-GCM). So an admin can give every
remaining slot a new data key without knowing anyone's passphrase, which is what re-keying
the store after a removal needs. During a re-key each slot also holds the next data key
(``next_key``), so that whichever key ``data.db`` is under, every slot opens it.

The store id, slot id, kind, account name and role are bound as associated data, so moving
a slot to another store or editing its role by hand breaks it. Slots of format 1 (the data
key wrapped directly under the passphrase) still open; each is rewritten in format 2 the next
time its passphrase is used. Every rewrite is atomic: temp file, fsync, rename, fsync of the
folder.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import tempfile
import threading
import unicodedata
import uuid
from collections.abc import Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import portalocker
from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from outreach.store.errors import KeysMissing, StoreDamaged, UnknownAccount, WrongPassphrase
from outreach.store.hardening import no_core_dumps

FORMAT = "outreach-keys/2"
READABLE_FORMATS = ("outreach-keys/1", FORMAT)
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
        kept = _KEPT.get()
        if kept is not None and (self, material) in kept.keys:
            return kept.keys[(self, material)]
        with _AHEAD_LOCK:
            ahead = _AHEAD.pop((self, material), None)
        key = ahead.result() if ahead is not None else self._derive(material)
        if kept is not None:
            kept.keys[(self, material)] = key
        return key

    def _derive(self, material: bytes) -> bytes:
        kdf = Argon2id(
            salt=_unb64(self.salt),
            length=32,
            iterations=self.iterations,
            lanes=self.lanes,
            memory_cost=self.memory_kib,
        )
        return kdf.derive(material)


_AHEAD: dict[tuple[KdfParams, bytes], Future[bytes]] = {}
_AHEAD_LOCK = threading.Lock()


def derive_ahead(folder: Path, *, user: str, secret: str) -> None:
    """Start deriving, in a thread, the key of ``user``'s slot in ``folder`` from ``secret``,
    so that the derivation (Argon2id, which runs without the GIL) overlaps whatever the caller
    imports or does next; the unlock that follows with the same slot and secret takes the
    result instead of deriving again. Does nothing when keys.json or the slot cannot be read:
    the unlock itself then says what is wrong. At most one derivation is kept waiting."""
    try:
        kdf = KeyFile.load(folder / "keys.json").slot_for(user).kdf
    except Exception:
        return
    _start_deriving(kdf, secret, alone=True)


def _start_deriving(kdf: KdfParams, secret: str, *, alone: bool) -> None:
    """Derive ``kdf``'s key from ``secret`` in a thread, for the next :meth:`KdfParams.derive`
    of the same to take; ``alone`` drops any other derivation waiting first."""
    material = unicodedata.normalize("NFC", secret).encode("utf-8")
    result: Future[bytes] = Future()

    def run() -> None:
        try:
            result.set_result(kdf._derive(material))
        except BaseException as exc:  # handed to the unlock that asks for it
            result.set_exception(exc)

    with _AHEAD_LOCK:
        if alone:
            _AHEAD.clear()
        _AHEAD[(kdf, material)] = result
    kept = _KEPT.get()
    if kept is not None:
        kept.started.append((kdf, material))
    threading.Thread(target=run, name="derive-ahead", daemon=True).start()


@dataclass
class _Kept:
    keys: dict[tuple[KdfParams, bytes], bytes] = field(default_factory=dict)
    started: list[tuple[KdfParams, bytes]] = field(default_factory=list)


_KEPT: ContextVar[_Kept | None] = ContextVar("kept_derivations", default=None)


@contextmanager
def derivations_kept() -> Iterator[None]:
    """Within the block (in this thread or task), each key :meth:`KdfParams.derive` derives is
    kept, and deriving it again from the same parameters and secret takes it instead of
    running Argon2id again: a new store seals its admin's slot and opens it at once. The keys,
    and any derivation started in the block and not taken, are dropped when the block ends."""
    kept = _Kept()
    token = _KEPT.set(kept)
    try:
        yield
    finally:
        with _AHEAD_LOCK:
            for started in kept.started:
                _AHEAD.pop(started, None)
        kept.keys.clear()
        _KEPT.reset(token)


def fresh_kdf_derived_ahead(secret: str) -> KdfParams:
    """New derivation parameters (a fresh salt) whose key is already being derived from
    ``secret`` in a thread, for a slot about to be added with them (:meth:`KeyFile.add_slot`'s
    ``kdf``), so that two new slots' derivations run at once. Leaves any other derivation
    waiting where it is. Inside :func:`derivations_kept`, dropped at the block's end if no
    slot took it."""
    kdf = KdfParams.fresh()
    _start_deriving(kdf, secret, alone=False)
    return kdf


@dataclass(frozen=True)
class Slot:
    """One key slot. ``public_key`` empty means a format-1 slot (``wrapped_key`` under the
    passphrase itself); otherwise ``sealed`` holds the private key under the passphrase and
    ``wrapped_key`` (and ``next_key`` during a re-key) the data key sealed to ``public_key``."""

    id: str
    kind: str
    account: str | None
    role: str | None
    kdf: KdfParams
    nonce: str
    wrapped_key: str
    public_key: str = ""
    sealed: str = ""
    next_key: str = ""
    # The store's authority's Ed25519 signature over the slot's ids, account, role and
    # public key (see certificate_payload): the role cannot be changed without an admin.
    certificate: str = ""
    # The account's own Ed25519 key that signs its audit rows: the public half here (bound to
    # the account and role by the certificate), the private half sealed to ``public_key``.
    # ``signer_since`` is the first audit row id it must sign (rows before it were written
    # before the account had a key). Empty in slots made before audit rows were signed.
    signer: str = ""
    signer_sealed: str = ""
    signer_since: int = 0
    # The authority's private key sealed to ``public_key``: left for an admin's (or the
    # recovery) slot when an older store was given an authority, until the slot's own
    # passphrase seals it with the rest at its next use.
    authority_sealed: str = ""

    @property
    def legacy(self) -> bool:
        return not self.public_key

    def associated_data(self, store_id: str, purpose: str = "") -> bytes:
        parts = [
            "outreach-slot/1" if self.legacy else f"outreach-slot/2{purpose}",
            store_id,
            self.id,
            self.kind,
            self.account or "",
            self.role or "",
        ]
        if not self.legacy:
            parts.append(self.public_key)
        return "\x1f".join(parts).encode("utf-8")


@dataclass(frozen=True)
class SlotSecrets:
    """What a format-2 slot seals under its passphrase."""

    private: bytes  # the slot's X25519 private key
    authority_public: bytes | None  # the store authority's public key it was made under
    authority: bytes | None  # the authority's private key (admins and the recovery slot)
    signing: bytes | None = None  # the account's Ed25519 key that signs its audit rows


def certificate_payload(store_id: str, slot: Slot) -> bytes:
    """What the store's authority signs for a slot: everything that says who it is for, and
    (version 2) the public key that signs the account's audit rows, from which row on."""
    parts = [
        "outreach-certificate/2" if slot.signer else "outreach-certificate/1",
        store_id,
        slot.id,
        slot.kind,
        slot.account or "",
        slot.role or "",
        slot.public_key,
    ]
    if slot.signer:
        parts += [slot.signer, str(slot.signer_since)]
    return "\x1f".join(parts).encode("utf-8")


def new_authority() -> tuple[bytes, str]:
    """A new store authority: its private key and its public key as keys.json holds it."""
    key = Ed25519PrivateKey.generate()
    return key.private_bytes_raw(), _b64(key.public_key().public_bytes_raw())


@dataclass
class KeyFile:
    """The parsed ``keys.json``. Mutating methods return nothing; call :meth:`save`."""

    store_id: str
    slots: list[Slot] = field(default_factory=list)
    unlock_failures: dict[str, Any] = field(default_factory=dict)
    # The newest audit row known to be committed ({"id": n, "hash": h}), kept outside
    # data.db so that losing committed changes (a damaged WAL) shows.
    audit_head: dict[str, Any] = field(default_factory=dict)
    # The public key that signs every slot's role (Ed25519, made at init; its private half is
    # sealed in the admins' slots and the recovery slot). Empty in stores made before it.
    authority: str = ""
    # Slots of removed or replaced accounts, without anything sealed: their certified signer
    # keys still verify the audit rows those accounts signed.
    retired: list[Slot] = field(default_factory=list)
    # Each account's newest audit row ({"id", "hash", "signed_by", "signature"}), signed by
    # that account: no one else can move it, so its rows cannot be rewritten into another's.
    account_heads: dict[str, dict[str, Any]] = field(default_factory=dict)
    # The audit row that says accounts were given their signing keys ({"id", "hash",
    # "accounts"}), saved with those keys inside that row's transaction: when the row is not
    # in data.db (the program was killed before the commit), an admin's unlock writes it.
    signing_keys_row: dict[str, Any] = field(default_factory=dict)

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
        if raw.get("format") not in READABLE_FORMATS:
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
                public_key=s.get("public_key", ""),
                sealed=s.get("sealed", ""),
                next_key=s.get("next_key", ""),
                certificate=s.get("certificate", ""),
                signer=s.get("signer", ""),
                signer_sealed=s.get("signer_sealed", ""),
                signer_since=int(s.get("signer_since", 0)),
                authority_sealed=s.get("authority_sealed", ""),
            )
            for s in [*raw["slots"], *raw.get("retired", [])]
        ]
        live = len(raw["slots"])
        return cls(
            store_id=raw["store_id"],
            slots=slots[:live],
            unlock_failures=raw.get("unlock_failures", {}),
            audit_head=raw.get("audit_head", {}),
            authority=raw.get("authority", ""),
            retired=slots[live:],
            account_heads=raw.get("account_heads", {}),
            signing_keys_row=raw.get("signing_keys_row", {}),
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
        return self.unwrap_all(slot, secret)[0]

    def unwrap_all(self, slot: Slot, secret: str) -> list[bytes]:
        """The data key, then the next one when a re-key is under way (``data.db`` is under
        one of them); :class:`WrongPassphrase` when ``secret`` does not open ``slot``."""
        return self.open_slot(slot, secret)[0]

    def open_slot(self, slot: Slot, secret: str) -> tuple[list[bytes], SlotSecrets | None]:
        """The data keys (as :meth:`unwrap_all`) and what else the slot seals (None for a
        format-1 slot). :class:`WrongPassphrase` when ``secret`` does not open ``slot``;
        :class:`StoreDamaged` when the slot's role is not signed by the store's authority,
        or keys.json's authority is not the one the slot was made under."""
        no_core_dumps()  # the passphrase and the keys are in this process from here on
        try:
            kek = AESGCM(slot.kdf.derive(secret))
            if slot.legacy:
                key = kek.decrypt(
                    _unb64(slot.nonce),
                    _unb64(slot.wrapped_key),
                    slot.associated_data(self.store_id),
                )
                return [key], None
            blob = kek.decrypt(
                _unb64(slot.nonce), _unb64(slot.sealed), slot.associated_data(self.store_id, "/p")
            )
        except InvalidTag:
            raise WrongPassphrase("wrong passphrase") from None
        opened = SlotSecrets(
            private=blob[:32],
            authority_public=blob[32:64] or None,
            authority=blob[64:96] or None,
        )
        self.check_authority(slot, opened)
        opened = replace(opened, signing=self.signing_key(slot, opened.private))
        if opened.authority is None and slot.authority_sealed:
            opened = replace(opened, authority=self._sealed_authority(slot, opened.private))
        return self.data_keys(slot, opened.private), opened

    def _sealed_authority(self, slot: Slot, private: bytes) -> bytes:
        key = _open_sealed(
            X25519PrivateKey.from_private_bytes(private),
            slot.authority_sealed,
            slot.associated_data(self.store_id, "/authority"),
        )
        public = Ed25519PrivateKey.from_private_bytes(key).public_key().public_bytes_raw()
        if _b64(public) != self.authority:
            raise StoreDamaged(
                "keys.json: the key that signs roles is not the one sealed to the slot of "
                f"{slot.account!r}: keys.json was edited. Restore it from a backup"
            )
        return key

    def adopt_authority(self, authority: bytes, public: str, since: int) -> None:
        """Give a store made before roles were signed its authority (``public``, private half
        ``authority``): every slot's role certified, every account a signing key for its rows
        from ``since`` on, and the private half sealed to every admin's slot and the recovery
        slot. Slots made before then pin the authority at their next use (see
        :meth:`check_authority`)."""
        self.authority = public
        signer = Ed25519PrivateKey.from_private_bytes(authority)
        for slot in list(self.slots):
            if slot.legacy:
                raise ValueError("format-1 slots cannot be certified without their passphrase")
            if slot.kind == ACCOUNT:
                slot = self.give_signer(slot, authority, since)
            else:
                slot = replace(
                    slot, certificate=_b64(signer.sign(certificate_payload(self.store_id, slot)))
                )
            if slot.kind == RECOVERY or slot.role == "admin":
                slot = replace(
                    slot,
                    authority_sealed=_seal_to(
                        slot.public_key,
                        authority,
                        slot.associated_data(self.store_id, "/authority"),
                    ),
                )
            self.slots = [slot if s.id == slot.id else s for s in self.slots]

    def signing_key(self, slot: Slot, private: bytes) -> bytes | None:
        """The account's audit-signing key sealed to ``slot`` (None when it has none yet),
        opened with the slot's X25519 private key; :class:`StoreDamaged` when it is not the
        key the slot's certificate names."""
        if not slot.signer:
            return None
        key = _open_sealed(
            X25519PrivateKey.from_private_bytes(private),
            slot.signer_sealed,
            slot.associated_data(self.store_id, "/sign"),
        )
        public = Ed25519PrivateKey.from_private_bytes(key).public_key().public_bytes_raw()
        if _b64(public) != slot.signer:
            raise StoreDamaged(
                f"keys.json: the signing key of {slot.account!r} is not the one its slot names: "
                "keys.json was edited. Restore it from a backup"
            )
        return key

    def give_signer(self, slot: Slot, authority: bytes, since: int) -> Slot:
        """``slot`` with a new audit-signing key (its private half sealed to the slot), that
        signs the account's rows from audit row ``since`` on, certified with ``authority``."""
        key = Ed25519PrivateKey.generate()
        given = replace(
            slot,
            signer=_b64(key.public_key().public_bytes_raw()),
            signer_sealed=_seal_to(
                slot.public_key,
                key.private_bytes_raw(),
                slot.associated_data(self.store_id, "/sign"),
            ),
            signer_since=since,
        )
        signed = Ed25519PrivateKey.from_private_bytes(authority).sign(
            certificate_payload(self.store_id, given)
        )
        given = replace(given, certificate=_b64(signed))
        self.slots = [given if s.id == slot.id else s for s in self.slots]
        return given

    def signers(self) -> dict[str, list[tuple[Ed25519PublicKey, int]]]:
        """Each account's certified audit-signing keys (live and retired slots), with the
        first row each must sign; a key whose certificate does not verify is left out."""
        found: dict[str, list[tuple[Ed25519PublicKey, int]]] = {}
        for slot in [*self.slots, *self.retired]:
            if slot.account and slot.signer and self.certificate_ok(slot):
                key = Ed25519PublicKey.from_public_bytes(_unb64(slot.signer))
                found.setdefault(slot.account, []).append((key, slot.signer_since))
        return found

    def authority_key(self) -> Ed25519PublicKey | None:
        """The store authority's public key (None in stores made before it)."""
        if not self.authority:
            return None
        return Ed25519PublicKey.from_public_bytes(_unb64(self.authority))

    def check_authority(self, slot: Slot, opened: SlotSecrets) -> None:
        """Refuse a slot whose role no admin signed, or a keys.json whose authority was swapped
        or removed (which would make roles those of data.db again)."""
        who = repr(slot.account) if slot.account else "the recovery code"
        if not self.authority:
            if opened.authority_public is not None:
                raise StoreDamaged(
                    f"keys.json: the key that signs roles, under which the slot of {who} was "
                    "made, was removed from it: keys.json was edited. Restore it from a backup"
                )
            return
        if opened.authority_public is None and self.certificate_ok(slot):
            # A slot made before the store had an authority, certified when it was given one:
            # its passphrase pins the authority at this unlock (Store._pin_authority).
            return
        if opened.authority_public is None or _b64(opened.authority_public) != self.authority:
            raise StoreDamaged(
                f"keys.json: the key that signs roles is not the one the slot of {who} was "
                "made under: keys.json was edited. Restore it from a backup"
            )
        if not self.certificate_ok(slot):
            raise StoreDamaged(
                f"keys.json: the slot of {who} (role {slot.role or 'none'}) is not signed by an "
                "admin: keys.json was edited. Restore it from a backup"
            )

    def certificate_ok(self, slot: Slot) -> bool:
        """Whether the store's authority signed ``slot`` as it stands (True without one)."""
        if not self.authority:
            return True
        try:
            Ed25519PublicKey.from_public_bytes(_unb64(self.authority)).verify(
                _unb64(slot.certificate), certificate_payload(self.store_id, slot)
            )
        except (InvalidSignature, ValueError):
            return False
        return True

    def data_keys(self, slot: Slot, private: bytes) -> list[bytes]:
        """The data keys sealed to ``slot`` (current, then next), opened with its private key."""
        key = X25519PrivateKey.from_private_bytes(private)
        keys = [_open_sealed(key, slot.wrapped_key, slot.associated_data(self.store_id))]
        if slot.next_key:
            keys.append(
                _open_sealed(key, slot.next_key, slot.associated_data(self.store_id, "/next"))
            )
        return keys

    def legacy_slots(self) -> list[Slot]:
        return [s for s in self.slots if s.legacy]

    def rekey_pending(self) -> bool:
        return any(s.next_key for s in self.slots)

    def seal_next(self, next_key: bytes) -> None:
        """Seal ``next_key`` to every slot beside its current key (the start of a re-key)."""
        if self.legacy_slots():
            raise ValueError("format-1 slots cannot be given a new key without their passphrase")
        self.slots = [
            replace(
                s,
                next_key=_seal_to(
                    s.public_key, next_key, s.associated_data(self.store_id, "/next")
                ),
            )
            for s in self.slots
        ]

    def promote_next(self, data_key: bytes) -> None:
        """Make ``data_key`` (the next key) every slot's current key (the end of a re-key)."""
        self.slots = [
            replace(
                s,
                wrapped_key=_seal_to(s.public_key, data_key, s.associated_data(self.store_id)),
                next_key="",
            )
            for s in self.slots
        ]

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
            sizes = (
                [(s.wrapped_key, 48), (s.nonce, 12)]
                if s.legacy
                else [(s.wrapped_key, SEALED_KEY), (s.nonce, 12)]
            )
            if not s.legacy and len(s.sealed) not in (64, 108, 152):  # 48, 80, 112 bytes
                yield f"keys.json: slot {s.id} has a sealed key of the wrong size"
            if not self.certificate_ok(s):
                who = repr(s.account) if s.account else "the recovery code"
                yield (
                    f"keys.json: the slot of {who} (role {s.role or 'none'}) is not signed by "
                    "an admin (edited by hand?)"
                )
            if s.next_key:
                sizes.append((s.next_key, SEALED_KEY))
            if s.signer:
                sizes += [(s.signer_sealed, SEALED_KEY), (s.signer, 32)]
            try:
                if any(len(_unb64(text)) != size for text, size in sizes):
                    yield f"keys.json: slot {s.id} has a wrapped key of the wrong size"
            except ValueError:
                yield f"keys.json: slot {s.id} is not valid base64"

    # -- changing ------------------------------------------------------------------------
    def add_slot(
        self,
        *,
        kind: str,
        secret: str,
        data_key: bytes,
        account: str | None,
        role: str | None,
        next_key: bytes | None = None,
        authority: bytes | None = None,
        holds_authority: bool = False,
        keep: tuple[Slot, SlotSecrets] | None = None,
        signer_since: int = 0,
        kdf: KdfParams | None = None,
    ) -> Slot:
        """A new format-2 slot for ``secret`` holding ``data_key`` (and ``next_key`` during a
        re-key), its role signed with ``authority`` (the store authority's private key, which
        the slot also seals when ``holds_authority``). Where the store has an authority, an
        account's new slot also gets its own audit-signing key, which must sign its rows from
        audit row ``signer_since`` on. With ``keep``, the same slot (id, key pair, signing key,
        signature) sealed under a new passphrase. ``kdf``: the slot's derivation parameters
        (default: fresh ones; see :func:`fresh_kdf_derived_ahead`)."""
        if keep is not None:
            old, opened = keep
            slot = replace(
                old, kdf=kdf or KdfParams.fresh(), nonce=_b64(secrets.token_bytes(12)), next_key=""
            )
            blob = opened.private + (opened.authority_public or b"") + (opened.authority or b"")
        else:
            private = X25519PrivateKey.generate()
            slot = Slot(
                id=str(uuid.uuid4()),
                kind=kind,
                account=account,
                role=role,
                kdf=kdf or KdfParams.fresh(),
                nonce=_b64(secrets.token_bytes(12)),
                wrapped_key="",
                public_key=_b64(private.public_key().public_bytes_raw()),
            )
            blob = private.private_bytes_raw()
            if self.authority:
                if authority is None:
                    raise ValueError("a new key slot needs an admin to sign its role")
                if kind == ACCOUNT:
                    signing = Ed25519PrivateKey.generate()
                    slot = replace(
                        slot,
                        signer=_b64(signing.public_key().public_bytes_raw()),
                        signer_sealed=_seal_to(
                            slot.public_key,
                            signing.private_bytes_raw(),
                            slot.associated_data(self.store_id, "/sign"),
                        ),
                        signer_since=signer_since,
                    )
                signer = Ed25519PrivateKey.from_private_bytes(authority)
                slot = replace(
                    slot, certificate=_b64(signer.sign(certificate_payload(self.store_id, slot)))
                )
                blob += _unb64(self.authority) + (authority if holds_authority else b"")
        sealed = AESGCM(slot.kdf.derive(secret)).encrypt(
            _unb64(slot.nonce), blob, slot.associated_data(self.store_id, "/p")
        )
        slot = replace(
            slot,
            sealed=_b64(sealed),
            wrapped_key=_seal_to(slot.public_key, data_key, slot.associated_data(self.store_id)),
        )
        if next_key is not None:
            slot = replace(
                slot,
                next_key=_seal_to(
                    slot.public_key, next_key, slot.associated_data(self.store_id, "/next")
                ),
            )
        if keep is not None:
            self.slots = [slot if s.id == slot.id else s for s in self.slots]
        else:
            self.slots.append(slot)
        return slot

    def remove_slot(self, slot_id: str) -> None:
        """Drop a slot; one with an audit-signing key is kept in :attr:`retired` without
        anything sealed, so the rows its account signed still verify."""
        for s in self.slots:
            if s.id == slot_id and s.signer:
                self.retired.append(
                    replace(s, nonce="", wrapped_key="", sealed="", next_key="", signer_sealed="")
                )
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
            "audit_head": self.audit_head,
            "authority": self.authority,
        }
        if self.account_heads:
            body["account_heads"] = self.account_heads
        if self.signing_keys_row:
            body["signing_keys_row"] = self.signing_keys_row
        if self.retired:
            body["retired"] = [
                {**{k: v for k, v in asdict(s).items() if k != "kdf"}, "kdf": asdict(s.kdf)}
                for s in self.retired
            ]
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


SEALED_KEY = 32 + 12 + 48  # ephemeral public key, nonce, data key with its tag


def _seal_to(public_key: str, data_key: bytes, associated_data: bytes) -> str:
    """``data_key`` sealed to an X25519 public key: ephemeral key, HKDF-SHA256, AES-256-GCM."""
    ephemeral = X25519PrivateKey.generate()
    ephemeral_public = ephemeral.public_key().public_bytes_raw()
    shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(_unb64(public_key)))
    nonce = secrets.token_bytes(12)
    box = AESGCM(_box_key(shared, ephemeral_public, associated_data))
    return _b64(ephemeral_public + nonce + box.encrypt(nonce, data_key, associated_data))


def _open_sealed(private: X25519PrivateKey, sealed: str, associated_data: bytes) -> bytes:
    raw = _unb64(sealed)
    ephemeral_public, nonce, body = raw[:32], raw[32:44], raw[44:]
    shared = private.exchange(X25519PublicKey.from_public_bytes(ephemeral_public))
    try:
        box = AESGCM(_box_key(shared, ephemeral_public, associated_data))
        return box.decrypt(nonce, body, associated_data)
    except InvalidTag:
        raise StoreDamaged(
            "keys.json: a slot's data key was changed or belongs elsewhere"
        ) from None


def _box_key(shared: bytes, ephemeral_public: bytes, associated_data: bytes) -> bytes:
    hkdf = HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=ephemeral_public,
        info=b"outreach-seal/2\x1f" + associated_data,
    )
    return hkdf.derive(shared)


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


def unb64(text: str) -> bytes:
    """Bytes from base64 as keys.json holds them."""
    return _unb64(text)
