"""The site a store serves."""

from __future__ import annotations

from sqlmodel import select

from outreach.model import Site
from outreach.store.sealed import Opened, SiteCard, open_sealed, seal, site_card
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


def _site_row(store: Store) -> tuple[str, bytes]:
    with store.read() as session:
        name, signing_key = session.exec(select(Site.name, Site.signing_key).limit(1)).one()
    return name, signing_key


def own_card(store: Store) -> SiteCard:
    """This store's site card: its public identity, to hand to peers, other sites or a region."""
    name, signing_key = _site_row(store)
    return site_card(name, signing_key)


def seal_for(store: Store, payload: bytes, *, kind: str, to: SiteCard) -> bytes:
    """``payload`` sealed by this store's site to the store whose card is ``to``.

    Held in memory only: callers write the sealed bytes, never the payload.
    """
    name, signing_key = _site_row(store)
    return seal(payload, kind=kind, sender=name, signing_key=signing_key, to=to)


def open_for(store: Store, data: bytes, *, kind: str) -> Opened:
    """A file sealed to this store, opened and verified (ValidationError naming what is wrong)."""
    _name, signing_key = _site_row(store)
    return open_sealed(data, kind=kind, signing_key=signing_key)
