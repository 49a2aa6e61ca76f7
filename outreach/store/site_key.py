"""The site's Ed25519 signing key: its public half, as PEM and as a fingerprint.

The raw private key is created with the store and kept in its ``site`` row
(:class:`outreach.model.Site`); exports sign with it and ``outreach keys export-public`` hands
out its public half. Only these key helpers live here, below every layer that uses them.
"""

from __future__ import annotations

import hashlib

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from outreach.errors import ValidationError


def public_key_of(signing_key: bytes) -> Ed25519PublicKey:
    """The public half of a raw 32-byte Ed25519 private key."""
    return Ed25519PrivateKey.from_private_bytes(signing_key).public_key()


def public_key_pem(signing_key: bytes) -> bytes:
    """The public key of ``signing_key`` as PEM (SubjectPublicKeyInfo)."""
    return public_key_of(signing_key).public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def load_public_key(pem: bytes) -> Ed25519PublicKey:
    """An Ed25519 public key from PEM; ValidationError when it is not one."""
    try:
        key = serialization.load_pem_public_key(pem)
    except (ValueError, TypeError):
        raise ValidationError("public key", "not a PEM public key file") from None
    if not isinstance(key, Ed25519PublicKey):
        raise ValidationError("public key", "not an Ed25519 key")
    return key


def raw_public_key(key: Ed25519PublicKey) -> bytes:
    """The 32 bytes of an Ed25519 public key."""
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def fingerprint(key: Ed25519PublicKey) -> str:
    """``SHA256:<hex>`` of the raw public key: short enough to read out over the phone."""
    return "SHA256:" + hashlib.sha256(raw_public_key(key)).hexdigest()
