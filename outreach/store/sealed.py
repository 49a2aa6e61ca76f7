"""Sealed files between stores: signed by the sending site, readable only by the receiving one.

Sync bundles between a team's laptops, a resident's transfer to another site and a site's
return to its region all travel as one file on a USB stick or by e-mail. They share this one
format, so that one careful implementation decides what is accepted.

A store's public identity is its **site card**: the site's name, its Ed25519 public key (the
key that signs its exports) and an X25519 public key that others encrypt to. The X25519 key is
derived from the site's Ed25519 private key with HKDF, so every store has one without a
migration and it never has to be kept separately. A card binds the two keys with a signature,
so a card whose receiving key was swapped is refused.

A sealed file is::

    MAGIC | header length (4 bytes, big-endian) | header (JSON) | ciphertext | signature (64)

The header names the kind of file, the sender's card, the fingerprint of the card it is sealed
to, and the ephemeral X25519 public key and nonce. The payload is encrypted with AES-256-GCM
under a key from X25519 (ephemeral × recipient) and HKDF-SHA256, with the magic and header as
associated data; the sender's Ed25519 key signs every byte before the signature. So a file is
refused, with a message a person can act on, when it is not a sealed file, is another kind,
is addressed to another store, or was changed in any byte. Whether the sender is one this
store trusts is the caller's decision (:attr:`Opened.sender`).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import secrets
import struct
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from outreach.errors import ValidationError

MAGIC = b"OUTREACH-SEALED\x00\x01"
CARD_FORMAT = "outreach-site-card/1"
_SIGNATURE = 64
_LENGTH = struct.Struct(">I")
_MAX_HEADER = 1 << 16


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _unb64(text: object, what: str) -> bytes:
    if not isinstance(text, str):
        raise ValidationError("file", f"{what} is missing")
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise ValidationError("file", f"{what} is not base64") from None


def receiving_key(signing_key: bytes) -> X25519PrivateKey:
    """The store's X25519 private key, derived from its site's raw Ed25519 ``signing_key``.

    Deterministic: the same signing key always gives the same receiving key, and nothing but
    the signing key (which never leaves the encrypted store) can give it.
    """
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"outreach-receiving-key/1"
    ).derive(signing_key)
    return X25519PrivateKey.from_private_bytes(derived)


@dataclass(frozen=True)
class SiteCard:
    """A store's public identity: safe to hand out, print or send by e-mail."""

    site: str
    signing: Ed25519PublicKey
    receiving: X25519PublicKey
    binding: bytes  # the site's Ed25519 signature over its receiving key and name

    @property
    def raw(self) -> bytes:
        """The two raw public keys, signing then receiving (64 bytes)."""
        return self.signing.public_bytes_raw() + self.receiving.public_bytes_raw()

    @property
    def fingerprint(self) -> str:
        """128 bits of SHA-256 over both keys, in eight groups of four, to read aloud."""
        return _fingerprint(self.raw)

    def to_bytes(self) -> bytes:
        """The card as a small JSON text file."""
        card = {
            "format": CARD_FORMAT,
            "site": self.site,
            "signing": _b64(self.signing.public_bytes_raw()),
            "receiving": _b64(self.receiving.public_bytes_raw()),
            "binding": _b64(self.binding),
        }
        return (json.dumps(card, indent=2, ensure_ascii=True) + "\n").encode("ascii")

    def header(self) -> dict[str, str]:
        """The card as it rides in a sealed file's header."""
        loaded: dict[str, str] = json.loads(self.to_bytes())
        return loaded

    @classmethod
    def from_bytes(cls, data: bytes) -> SiteCard:
        """A card from :meth:`to_bytes`; ValidationError when it is not a genuine card."""
        try:
            loaded = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise ValidationError(
                "card", "not a site card (write one with 'outreach keys export-card')"
            ) from None
        return cls.from_header(loaded)

    @classmethod
    def from_header(cls, loaded: Any) -> SiteCard:
        """A card from its JSON object, checked as :meth:`from_bytes` checks it."""
        if not isinstance(loaded, dict) or loaded.get("format") != CARD_FORMAT:
            raise ValidationError(
                "card", "not a site card (write one with 'outreach keys export-card')"
            )
        site = loaded.get("site")
        if not isinstance(site, str) or not site.strip():
            raise ValidationError("card", "the card names no site")
        try:
            signing = Ed25519PublicKey.from_public_bytes(
                _unb64(loaded.get("signing"), "the card's signing key")
            )
            receiving = X25519PublicKey.from_public_bytes(
                _unb64(loaded.get("receiving"), "the card's receiving key")
            )
        except ValueError:
            raise ValidationError("card", "the card's keys are not 32-byte public keys") from None
        binding = _unb64(loaded.get("binding"), "the card's binding signature")
        try:
            signing.verify(binding, _binding_message(site, receiving.public_bytes_raw()))
        except InvalidSignature:
            raise ValidationError(
                "card", "the card was altered: its keys are not bound to each other"
            ) from None
        return cls(site=site, signing=signing, receiving=receiving, binding=binding)


def _fingerprint(raw: bytes) -> str:
    digest = hashlib.sha256(raw).hexdigest()[:32].upper()
    return " ".join(digest[i : i + 4] for i in range(0, 32, 4))


def own_fingerprint(signing_key: bytes) -> str:
    """The fingerprint of the card of the store whose raw Ed25519 key is ``signing_key``."""
    signing = Ed25519PrivateKey.from_private_bytes(signing_key).public_key()
    return _fingerprint(
        signing.public_bytes_raw() + receiving_key(signing_key).public_key().public_bytes_raw()
    )


def _binding_message(site: str, receiving: bytes) -> bytes:
    return b"outreach-site-card/1\x1f" + site.encode("utf-8") + b"\x1f" + receiving


def site_card(site: str, signing_key: bytes) -> SiteCard:
    """The card of the store whose site is ``site`` with raw Ed25519 key ``signing_key``."""
    private = Ed25519PrivateKey.from_private_bytes(signing_key)
    receiving = receiving_key(signing_key).public_key()
    binding = private.sign(_binding_message(site, receiving.public_bytes_raw()))
    return SiteCard(site=site, signing=private.public_key(), receiving=receiving, binding=binding)


@dataclass(frozen=True)
class Opened:
    """What :func:`open_sealed` found: the payload and the card of the site that sealed it."""

    payload: bytes
    sender: SiteCard
    kind: str


def _box_key(shared: bytes, ephemeral: bytes, kind: str) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=ephemeral,
        info=b"outreach-sealed/1\x1f" + kind.encode("utf-8"),
    ).derive(shared)


def seal(payload: bytes, *, kind: str, sender: str, signing_key: bytes, to: SiteCard) -> bytes:
    """``payload`` encrypted to ``to`` and signed by the site ``sender`` (raw ``signing_key``).

    ``kind`` (e.g. ``"sync-bundle/1"``) is bound into the key and the header, so a file sealed
    as one kind is never accepted as another.
    """
    ephemeral = X25519PrivateKey.generate()
    ephemeral_public = ephemeral.public_key().public_bytes_raw()
    nonce = secrets.token_bytes(12)
    header = json.dumps(
        {
            "kind": kind,
            "sender": site_card(sender, signing_key).header(),
            "to": to.fingerprint,
            "ephemeral": _b64(ephemeral_public),
            "nonce": _b64(nonce),
        },
        sort_keys=True,
        ensure_ascii=True,
    ).encode("ascii")
    prefix = MAGIC + _LENGTH.pack(len(header)) + header
    box = AESGCM(_box_key(ephemeral.exchange(to.receiving), ephemeral_public, kind))
    body = prefix + box.encrypt(nonce, payload, prefix)
    return body + Ed25519PrivateKey.from_private_bytes(signing_key).sign(body)


def open_sealed(data: bytes, *, kind: str, signing_key: bytes) -> Opened:
    """The payload of a file sealed to this store (its site's raw ``signing_key``).

    Raises ValidationError, naming what is wrong, when ``data`` is not a sealed file, is of
    another kind, is addressed to another store, or was altered. Never returns a payload that
    did not both decrypt and verify.
    """
    if not data.startswith(MAGIC) or len(data) < len(MAGIC) + _LENGTH.size + _SIGNATURE:
        raise ValidationError("file", "not a sealed outreach file")
    (length,) = _LENGTH.unpack_from(data, len(MAGIC))
    start = len(MAGIC) + _LENGTH.size
    if length > _MAX_HEADER or start + length + _SIGNATURE > len(data):
        raise ValidationError("file", "the file is cut short or altered")
    try:
        header = json.loads(data[start : start + length].decode("ascii"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ValidationError("file", "the file's header was altered") from None
    if not isinstance(header, dict):
        raise ValidationError("file", "the file's header was altered")
    found = header.get("kind")
    if found != kind:
        raise ValidationError("file", f"this is a {found!r} file, not a {kind!r} file")
    mine = own_fingerprint(signing_key)
    if header.get("to") != mine:
        raise ValidationError(
            "file",
            "this file was sealed for another store, not this one",
            hint=f"this store's card fingerprint is {mine}",
        )
    sender = SiteCard.from_header(header.get("sender"))
    body, signature = data[:-_SIGNATURE], data[-_SIGNATURE:]
    try:
        sender.signing.verify(signature, body)
    except InvalidSignature:
        raise ValidationError(
            "file", "the file was altered after it was sealed (its signature does not match)"
        ) from None
    ephemeral_public = _unb64(header.get("ephemeral"), "the file's ephemeral key")
    nonce = _unb64(header.get("nonce"), "the file's nonce")
    prefix = data[: start + length]
    try:
        ephemeral = X25519PublicKey.from_public_bytes(ephemeral_public)
        shared = receiving_key(signing_key).exchange(ephemeral)
        box = AESGCM(_box_key(shared, ephemeral_public, kind))
        payload = box.decrypt(nonce, body[len(prefix) :], prefix)
    except (ValueError, InvalidTag):
        raise ValidationError("file", "the file was altered after it was sealed") from None
    return Opened(payload=payload, sender=sender, kind=kind)
