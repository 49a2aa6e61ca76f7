"""The one way tests make a store: a new store for "HMP Test" whose admin is ``ana``.

Every fixture that hands a test a store (``store``, ``shared_store``, ``empty_store``,
``filled_store`` in tests/support/fixtures.py) and every helper that builds a populated one
(tests/support/tui_store.py, picker_store.py, export_store.py) starts from :func:`new_store`.
"""

from __future__ import annotations

import base64
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from freezegun import freeze_time
from sqlalchemy import text

from outreach.store import audit, keyslots, migrations, store_lock
from outreach.store.engine import make_engine
from outreach.store.store import Store

PASSPHRASE = "correct horse battery"
"""The admin's passphrase in every test store."""

SITE = "HMP Test"
ADMIN = "ana"

DOMAIN_TABLES = (
    "transfer_follow_up",
    "transfer",
    "conversation_barrier",
    "conversation_mentor",
    "conversation_attendee",
    "conversation",
    "follow_up",
    "screening_event",
    "decision",
    "stay",
    "target",
    "mentor",
    "person",
    "unit",
)
"""The tables :func:`clear` empties, children before parents."""


def new_store(
    folder: Path,
    *,
    site: str = SITE,
    passphrase: str = PASSPHRASE,
    revision: str | None = None,
) -> Store:
    """A new, open store in ``folder`` (which must not hold one) with one admin, ``ana``.

    With ``revision`` the schema stops there, as an older outreach would have left it; before
    0014 its key slots carry no audit-signing keys, and its rows no signatures.
    """
    if revision is None:
        return Store.init(folder, site_name=site, admin=ADMIN, passphrase=passphrase)[0]

    def upgrade_to_revision(engine: Any, target: str = "head") -> None:
        migrations.upgrade(engine, revision)

    with mock.patch("outreach.store.store.upgrade", upgrade_to_revision):
        if revision >= "0014":
            return Store.init(folder, site_name=site, admin=ADMIN, passphrase=passphrase)[0]
        with slots_without_signers():
            return Store.init(folder, site_name=site, admin=ADMIN, passphrase=passphrase)[0]


@contextmanager
def slots_without_signers() -> Iterator[None]:
    """New key slots made as before audit rows were signed: no signing key, the role
    certified in the first form of the certificate (what outreach wrote before 0014)."""
    original = keyslots.KeyFile.add_slot

    def add_slot(self: keyslots.KeyFile, **kwargs: Any) -> keyslots.Slot:
        slot = original(self, **kwargs)
        if not slot.signer:
            return slot
        stripped = replace(slot, signer="", signer_sealed="", signer_since=0)
        authority = kwargs.get("authority")
        assert authority is not None
        signed = Ed25519PrivateKey.from_private_bytes(authority).sign(
            keyslots.certificate_payload(self.store_id, stripped)
        )
        stripped = replace(stripped, certificate=base64.b64encode(signed).decode("ascii"))
        self.slots = [stripped if s.id == slot.id else s for s in self.slots]
        return stripped

    with mock.patch.object(keyslots.KeyFile, "add_slot", add_slot):
        yield


@contextmanager
def fresh_store(folder: Path, **options: Any) -> Iterator[Store]:
    """:func:`new_store`, closed when the block ends."""
    store = new_store(folder, **options)
    try:
        yield store
    finally:
        store.close()


def module_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """A new store in a temporary folder of its own, for a fixture that outlives one test
    (unlocking costs ~0.1 s, so a module that only adds rows shares one)."""
    with fresh_store(tmp_path_factory.mktemp("store") / "store") as store:
        yield store


def clear(store: Store) -> None:
    """Delete every person, stay, unit, mentor, record and target, keeping the accounts."""
    with store.write() as session:
        for table in DOMAIN_TABLES:
            session.execute(text(f"DELETE FROM {table}"))


def frozen_on(day: str) -> Any:
    """An autouse fixture that freezes the clock on ``day`` for every test of the module
    (``_today = frozen_on("2025-06-01")``)."""

    @pytest.fixture(autouse=True)
    def _today() -> Iterator[None]:
        with freeze_time(day):
            yield

    return _today


def as_template(store: Store) -> Store:
    """Close ``store`` but keep its data key, so :func:`copy_of` can open copies of it: a
    module builds its starting store once and each test changes a copy of its own."""
    key, signer = store._data_key, store._slot_secrets
    store.close()
    store._data_key, store._slot_secrets = key, signer
    return store


@contextmanager
def copy_of(
    template: Store, folder: Path, *, signs_slots: bool = False, locked: bool = False
) -> Iterator[Store]:
    """A copy of the closed ``template`` in ``folder``, open as the same account; with
    ``signs_slots`` it holds the admin's slot-signing secrets too (to sign slots it adds), and
    with ``locked`` the store's shared lock, as an unlocked store does (other programs see it
    open). Its key slots are read from the copied keys.json: copies never share them."""
    shutil.copytree(template.folder, folder)
    engine = make_engine(folder / "data.db", template._data_key)
    secrets = template._slot_secrets if signs_slots else None
    lock = store_lock.shared(folder, template.actor.name) if locked else None
    copy = Store(
        folder,
        engine,
        template.actor,
        keyslots.KeyFile.load(folder / "keys.json"),
        template._data_key,
        lock=lock,
        slot_secrets=secrets,
    )
    own = template._slot_secrets
    if secrets is None and own is not None and own.signing:
        # Without the slot-signing secrets the copy still signs its audit rows with the
        # account's own key, as the account's unlock would: `outreach check` holds every row
        # written after the account had a key to that key.
        copy._signer = audit.Signer(template.actor.name, own.signing)
    with copy:
        yield copy


TEMPLATE_MADE_AT = "2024-01-01 08:00:00"
"""When the session's template store was made (its site, its admin and its first audit row):
fixed, so that a copy is the same whichever test first asked for it, and before the frozen
days of the tests that copy it."""


def session_template(tmp_path_factory: pytest.TempPathFactory) -> Store:
    """A new store made once, at :data:`TEMPLATE_MADE_AT`, closed but keeping its keys, for
    :func:`copy_of`: what the ``store`` fixture copies."""
    with freeze_time(TEMPLATE_MADE_AT):
        opened = new_store(tmp_path_factory.mktemp("store-template") / "store")
    return as_template(opened)


def older_store(folder: Path, revision: str = "0031") -> int:
    """A closed store at ``revision`` in ``folder``, for an unlock to upgrade; data.db's size
    (the whole store: a close leaves no WAL)."""
    new_store(folder, revision=revision).close()
    return (folder / "data.db").stat().st_size
