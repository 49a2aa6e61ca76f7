"""The site a store serves."""

from __future__ import annotations

from sqlmodel import select

from outreach.model import Site
from outreach.store.site_key import fingerprint, public_key_of, public_key_pem
from outreach.store.store import Store


def site_name(store: Store) -> str:
    """The name of the store's site (empty when the store has no site row), in one read."""
    with store.read() as session:
        name = session.exec(select(Site.name).limit(1)).first()
    return name or ""


def site_signing_public_pem(store: Store) -> tuple[bytes, str]:
    """The site's public export-signing key as PEM, and its fingerprint.

    The private key never leaves the encrypted store; only its public half is returned.
    """
    with store.read() as session:
        signing_key = session.exec(select(Site.signing_key).limit(1)).one()
    return public_key_pem(signing_key), fingerprint(public_key_of(signing_key))
