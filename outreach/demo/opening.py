"""Opening the demo store already built, as the demo account: kept apart from the generator
(:mod:`outreach.demo.generator`) so that starting the demo imports none of the simulation."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import select

from outreach.demo.account import DEMO_PASSPHRASE, DEMO_USER
from outreach.demo.names import SITE_NAME
from outreach.model import Site
from outreach.store.errors import StoreError, UnknownAccount, WrongPassphrase
from outreach.store.store import DATA, Store, default_folder


class NotADemoStore(StoreError):
    """The folder holds a store that the demo must not touch."""


def open_demo(folder: Path) -> Store:
    """Unlock the demo store in ``folder`` as the demo account.

    Raises NotADemoStore when the folder holds some other store (the demo passphrase does
    not open it, or its site is not the demo site), and StoreNotFound when it holds none.
    """
    if folder.resolve() == default_folder().resolve():
        raise NotADemoStore(f"{folder} is the real store's folder, not the demo's")
    try:
        store = Store.unlock(folder, user=DEMO_USER, passphrase=DEMO_PASSPHRASE)
    except (WrongPassphrase, UnknownAccount):
        raise NotADemoStore(
            f"{folder} holds a store that is not the demo: leaving it alone"
        ) from None
    with store.read() as session:
        site = session.exec(select(Site)).first()
    if site is None or site.name != SITE_NAME:
        store.close()
        raise NotADemoStore(f"{folder} holds a store that is not the demo: leaving it alone")
    return store


def is_demo_store(folder: Path) -> bool:
    """Whether ``folder`` holds the demo store (see :func:`open_demo`)."""
    if not (folder / DATA).exists():
        return False
    try:
        open_demo(folder).close()
    except NotADemoStore:
        return False
    return True
