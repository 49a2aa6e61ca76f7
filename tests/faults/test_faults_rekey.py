"""SIGKILL at random moments while the store moves to a new data key (``keys rotate``, and
removing an account): every slot still opens data.db with the old or the new key, never
neither, and the next unlock finishes the change. Run pytest -s to see the figures."""

from __future__ import annotations

import random
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from outreach.model import Role
from outreach.store.check import check_store
from outreach.store.engine import opens_with
from outreach.store.keyslots import KeyFile
from outreach.store.store import REKEY_COPY, Store
from tests.support.helpers_faults import Tally, run_worker, timed_full_run
from tests.support.store_helpers import add_people, raw
from tests.support.stores import PASSPHRASE

BOB = "bob's own long passphrase"
ROUNDS = 12  # per kind; each round starts a Python process


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, bytes, str]]:
    """A closed store with 2,000 people, ana (admin) and bob (staff); its key; recovery code."""
    folder = tmp_path_factory.mktemp("template") / "store"
    store, code = Store.init(folder, site_name="HMP Test", admin="ana", passphrase=PASSPHRASE)
    store.add_account("bob", Role.staff, BOB)
    add_people(store, 2000)
    key = store._data_key
    store.close()
    yield folder, key, code


def _state(folder: Path, old_key: bytes, code: str) -> str:
    """Which key data.db is under; asserts every remaining slot opens it."""
    keyfile = KeyFile.load(folder / "keys.json")
    secrets = [("ana", PASSPHRASE), ("bob", BOB)]
    opened = set()
    for name, secret in secrets:
        if not any(s.account == name for s in keyfile.slots):
            continue
        keys = keyfile.unwrap_all(keyfile.slot_for(name), secret)
        working = [k for k in keys if opens_with(folder / "data.db", k)]
        assert len(working) == 1, (name, len(keys))  # never neither
        opened.add(working[0])
    keys = keyfile.unwrap_all(keyfile.recovery_slot(), code)
    assert [k for k in keys if opens_with(folder / "data.db", k)] == list(opened)[:1]
    assert len(opened) == 1
    if opened == {old_key}:
        return "old key" + (", new one pending" if keyfile.rekey_pending() else "")
    return "new key" + (", not yet in every slot" if keyfile.rekey_pending() else "")


def _after_unlock(folder: Path, *, bob_removed: bool, old_key: bytes) -> None:
    """The next unlock finishes the change; the store then checks out with every person."""
    with Store.unlock(folder, user="ana", passphrase=PASSPHRASE) as store:
        key = store._data_key
    keyfile = KeyFile.load(folder / "keys.json")
    assert not keyfile.rekey_pending()
    assert not (folder / REKEY_COPY).exists()
    findings = check_store(folder, key, keyfile)
    assert [f"{f.name}: {f.detail}" for f in findings if not f.ok] == []
    conn = raw(folder, key)
    try:
        assert conn.execute("SELECT count(*) FROM person").fetchone() == (2000,)
        removed = conn.execute(
            "SELECT removed_at IS NOT NULL FROM account WHERE name = 'bob'"
        ).fetchone()
    finally:
        conn.close()
    if bob_removed:
        # The removal committed: bob's old key (kept from before) opens nothing any more.
        assert removed == (1,)
        assert key != old_key and not opens_with(folder / "data.db", old_key)


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["rotate", "remove"])
def test_a_killed_rekey_leaves_every_slot_opening_the_store(
    template: tuple[Path, bytes, str], tmp_path: Path, kind: str
) -> None:
    folder0, old_key, code = template
    args = ["bob"] if kind == "remove" else []
    rng = random.Random(2026 if kind == "rotate" else 2027)
    tally = Tally(f"re-key by {kind}")
    probe = Path(shutil.copytree(folder0, tmp_path / "probe"))
    window = timed_full_run(kind, str(probe), *args, passphrase=PASSPHRASE)
    for i in range(ROUNDS):
        folder = Path(shutil.copytree(folder0, tmp_path / f"round{i}"))
        r = run_worker(
            kind, str(folder), *args, passphrase=PASSPHRASE, kill_after=rng.uniform(0, 2 * window)
        )
        outcome = _state(folder, old_key, code)
        bob_gone = not any(s.account == "bob" for s in KeyFile.load(folder / "keys.json").slots)
        _after_unlock(folder, bob_removed=bob_gone, old_key=old_key)
        tally.add(r, outcome)
        shutil.rmtree(folder)
    print(tally.report(), f"work window {window:.2f} s")
    assert tally.rounds == ROUNDS
