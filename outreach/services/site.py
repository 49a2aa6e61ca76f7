"""The site a store serves."""

from __future__ import annotations

from sqlmodel import select

from outreach.model import Site
from outreach.store.store import Store


def site_name(store: Store) -> str:
    """The name of the store's site (empty when the store has no site row), in one read."""
    with store.read() as session:
        name = session.exec(select(Site.name).limit(1)).first()
    return name or ""
