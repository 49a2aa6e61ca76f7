"""Helpers for store tests: rows in bulk, stores at an older schema, raw keyed access, scans."""

from __future__ import annotations

import base64
import os
import shutil
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any
from unittest import mock

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import text

from outreach.clock import now
from outreach.model import Conversation, Person
from outreach.store import keyslots, migrations
from outreach.store.engine import connect
from outreach.store.store import Store

PASSPHRASE = "correct horse battery"


def add_people(store: Store, count: int, *, name: str = "Resident", start: int = 0) -> None:
    """``count`` people, each with a one-to-one conversation whose note repeats ``name``."""
    with store.write() as session:
        for i in range(start, start + count):
            person = Person(
                ref=f"A{i:05d}",
                display_name=f"{name} {i:05d}",
                date_of_birth=date(1980 + i % 30, 1 + i % 12, 1 + i % 28),
                created_at=now(),
            )
            session.add(person)
            session.flush()
            session.add(
                Conversation(
                    occurred_on=date(2024, 1 + i % 12, 1 + i % 28),
                    kind="one_to_one",
                    person_id=person.id,
                    setting="wing",
                    minutes=10 + i % 30,
                    outcome="considering",
                    note=f"{name} said: {name} {i}",
                    created_at=now(),
                )
            )


def init_store_at(
    folder: Path, revision: str, *, passphrase: str = PASSPHRASE
) -> tuple[Store, str]:
    """A new store whose schema stops at ``revision`` (as an older outreach would have made).

    Before 0014 its key slots carry no audit-signing keys, and its rows no signatures.
    """

    def upgrade_to_revision(engine: Any, target: str = "head") -> None:
        migrations.upgrade(engine, revision)

    with mock.patch("outreach.store.store.upgrade", upgrade_to_revision):
        if revision >= "0014":
            return Store.init(folder, site_name="HMP Test", admin="ana", passphrase=passphrase)
        with slots_without_signers():
            return Store.init(folder, site_name="HMP Test", admin="ana", passphrase=passphrase)


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


def raw(folder: Path, data_key: bytes) -> Any:
    """A keyed DB-API connection to the store's data.db (autocommit)."""
    return connect(folder / "data.db", data_key)


def revision_of(folder: Path, data_key: bytes) -> str | None:
    conn = raw(folder, data_key)
    try:
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    finally:
        conn.close()
    return row[0] if row else None


def table_counts(store: Store) -> dict[str, int]:
    """Rows per table, every table of the schema."""
    with store.read() as session:
        names = [
            r[0]
            for r in session.execute(
                text("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            )
        ]
        return {
            n: int(session.execute(text(f'SELECT count(*) FROM "{n}"')).scalar_one()) for n in names
        }


def encodings_of(marker: str) -> list[bytes]:
    return [marker.encode(e) for e in ("utf-8", "utf-16-le", "utf-16-be")]


def files_under(folder: Path) -> Iterator[Path]:
    for root, _, names in os.walk(folder):
        for name in names:
            yield Path(root) / name


def files_containing(paths: Iterable[Path], needles: list[bytes]) -> list[str]:
    """Files (and which needle) that contain any of ``needles``; unreadable files are skipped."""
    found = []
    for path in paths:
        try:
            data = path.read_bytes()
        except OSError:
            continue
        found += [f"{path} has {n!r}" for n in needles if n in data]
    return found


def copy_store(source: Path, target: Path) -> Path:
    shutil.copytree(source, target)
    return target
