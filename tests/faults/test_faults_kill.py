"""SIGKILL at random moments: during saves, a passphrase change, a backup and a migration.

Each test runs many rounds with a seeded random.Random, prints its figures (run pytest -s to
see them) and asserts that nothing committed was lost and the store still checks out.
"""

from __future__ import annotations

import random
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session

from outreach.model import Account
from outreach.store import audit
from outreach.store.backup import create_backup, restore_backup
from outreach.store.check import check_store
from outreach.store.errors import BackupDamaged, WrongPassphrase
from outreach.store.keyslots import KeyFile
from outreach.store.migrations import head_revision
from outreach.store.store import Store
from tests.support.helpers_faults import Tally, run_worker, timed_full_run
from tests.support.store_helpers import add_people, raw, revision_of
from tests.support.stores import PASSPHRASE, new_store

NEW = "the passphrase after the change"
ROUNDS = 12  # per fault kind besides the save loop; each round starts a Python process


def _problems(folder: Path, key: bytes) -> list[str]:
    findings = check_store(folder, key, KeyFile.load(folder / "keys.json"))
    return [f"{f.name}: {f.detail}" for f in findings if not f.ok]


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, bytes]]:
    """A closed store with 3,000 people, and its data key (copied for rounds that change it)."""
    folder = tmp_path_factory.mktemp("template") / "store"
    store = new_store(folder)
    for start in range(0, 3000, 1000):
        add_people(store, 1000, start=start)
    key = store._data_key
    store.close()
    yield folder, key


def _present(folder: Path, key: bytes) -> tuple[set[int], set[int]]:
    """Ids of kill-test people, and of those whose conversation is also there."""
    conn = raw(folder, key)
    try:
        people = {int(r[0][1:]) for r in conn.execute("SELECT ref FROM person WHERE ref LIKE 'K%'")}
        talked = {
            int(r[0][1:])
            for r in conn.execute(
                "SELECT p.ref FROM person p JOIN conversation c ON c.person_id = p.id "
                "WHERE p.ref LIKE 'K%'"
            )
        }
    finally:
        conn.close()
    return people, talked


def _present_people(folder: Path, key: bytes) -> int:
    conn = raw(folder, key)
    try:
        return int(conn.execute("SELECT count(*) FROM person").fetchone()[0])
    finally:
        conn.close()


@pytest.mark.slow
def test_no_acknowledged_save_is_lost_when_killed(
    template: tuple[Path, bytes], tmp_path: Path
) -> None:
    folder = Path(shutil.copytree(template[0], tmp_path / "store"))
    key = template[1]
    rng = random.Random(20250101)
    tally = Tally("save loop (person + conversation + audit per commit)")
    acknowledged: set[int] = set()
    for _ in range(20):
        people, _ = _present(folder, key)
        first = max(people, default=0) + 1
        r = run_worker(
            "save", str(folder), str(first), passphrase=PASSPHRASE, kill_after=rng.uniform(0.2, 1.5)
        )
        assert r.killed, r.stderr
        acknowledged |= set(r.acknowledged)
        people, talked = _present(folder, key)
        assert acknowledged - people == set()
        assert acknowledged - talked == set()
        assert people == talked  # never a person without the conversation of the same commit
        assert _problems(folder, key) == []
        tally.add(r, "unacknowledged commit kept" if people - acknowledged else "exact")
    print(tally.report(), f"{len(acknowledged)} acknowledged commits, all present")
    assert len(acknowledged) > 20


@pytest.mark.slow
def test_a_killed_passphrase_change_leaves_the_old_or_the_new_one_working(
    template: tuple[Path, bytes], tmp_path: Path
) -> None:
    rng = random.Random(7)
    tally = Tally("passphrase change")
    probe = Path(shutil.copytree(template[0], tmp_path / "probe"))
    window = timed_full_run("passwd", str(probe), NEW, passphrase=PASSPHRASE)
    for i in range(ROUNDS):
        folder = Path(shutil.copytree(template[0], tmp_path / f"round{i}"))
        r = run_worker(
            "passwd", str(folder), NEW, passphrase=PASSPHRASE, kill_after=rng.uniform(0, 2 * window)
        )
        keyfile = KeyFile.load(folder / "keys.json")
        opens = []
        for name, secret in (("old", PASSPHRASE), ("new", NEW)):
            try:
                assert keyfile.unwrap(keyfile.slot_for("ana"), secret) == template[1]
                opens.append(name)
            except WrongPassphrase:
                pass
        assert len(opens) == 1, opens  # exactly one of them, never neither
        assert _problems(folder, template[1]) == []
        tally.add(r, f"{opens[0]} opens")
        shutil.rmtree(folder)
    print(tally.report(), f"work window {window:.2f} s")


@pytest.mark.slow
def test_a_killed_backup_leaves_no_file_that_restore_accepts_unless_whole(
    template: tuple[Path, bytes], tmp_path: Path
) -> None:
    rng = random.Random(11)
    tally = Tally("backup")
    folder, key = template
    old = tmp_path / "old.bak"
    with Store.unlock(folder, user="ana", passphrase=PASSPHRASE) as store:
        create_backup(store, old)
    window = timed_full_run(
        "backup", str(folder), str(tmp_path / "probe.bak"), passphrase=PASSPHRASE
    )
    rejected = complete_leftovers = 0
    for i in range(ROUNDS):
        out = tmp_path / f"round{i}"
        out.mkdir()
        target = out / "b.bak"
        if i % 2:
            shutil.copy(old, target)
        r = run_worker(
            "backup",
            str(folder),
            str(target),
            passphrase=PASSPHRASE,
            kill_after=rng.uniform(0, 2 * window),
        )
        if target.exists():
            restore_backup(target, out / "restored", secret=PASSPHRASE, user="ana")
            outcome = "old file" if target.read_bytes() == old.read_bytes() else "new file"
        else:
            outcome = "no file"
        for n, leftover in enumerate(sorted(out.glob(".b.bak.*"))):
            # A temporary file killed before its rename is refused, unless it was complete.
            # A round can leave more than one, so each is restored into a folder of its own.
            restored = out / f"leftover{n}"
            try:
                restore_backup(leftover, restored, secret=PASSPHRASE, user="ana")
            except BackupDamaged:
                assert not restored.exists()
                rejected += 1
            else:
                assert leftover.name.endswith(".partial")
                assert _problems(restored, key) == []
                assert _present_people(restored, key) == 3000
                complete_leftovers += 1
        assert _problems(folder, key) == []
        tally.add(r, outcome)
        shutil.rmtree(out)
    print(
        tally.report(),
        f"{rejected} half-written leftovers rejected, {complete_leftovers} complete ones "
        f"accepted, window {window:.2f} s",
    )


@pytest.fixture(scope="module")
def at_0001(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, bytes, list[str]]:
    """A closed store at revision 0001 with 200 accounts and 2,000 audit rows (their hashes)."""
    folder = tmp_path_factory.mktemp("old") / "store"
    store = new_store(folder, revision="0001")
    key = store._data_key
    from outreach.clock import now

    with store.write() as session:
        for i in range(200):
            session.add(Account(name=f"staff{i:03d}", role="staff", created_at=now()))
        for i in range(2000):
            audit.record(session, actor_id=store.actor.id, action=f"test.{i}")
    store.close()
    return folder, key, _audit_hashes(folder, key)


def _audit_hashes(folder: Path, key: bytes) -> list[str]:
    conn = raw(folder, key)
    try:
        return [r[0] for r in conn.execute("SELECT hash FROM audit ORDER BY id")]
    finally:
        conn.close()


def _audit_actions(folder: Path, key: bytes) -> list[str]:
    conn = raw(folder, key)
    try:
        return [r[0] for r in conn.execute("SELECT action FROM audit ORDER BY id")]
    finally:
        conn.close()


@pytest.mark.slow
def test_a_killed_migration_leaves_a_store_that_unlocks_with_every_row(
    at_0001: tuple[Path, bytes, list[str]], tmp_path: Path
) -> None:
    template, key, hashes = at_0001
    rng = random.Random(13)
    tally = Tally("migration 0001 -> head")
    head = head_revision()
    probe = Path(shutil.copytree(template, tmp_path / "probe"))
    window = timed_full_run("migrate", str(probe), passphrase=PASSPHRASE)
    for i in range(ROUNDS):
        folder = Path(shutil.copytree(template, tmp_path / f"round{i}"))
        r = run_worker(
            "migrate", str(folder), passphrase=PASSPHRASE, kill_after=rng.uniform(0, 2 * window)
        )
        found = revision_of(folder, key)
        assert found in ("0001", head)
        with (
            Store.unlock(folder, user="ana", passphrase=PASSPHRASE) as store,
            Session(store.engine) as session,
        ):
            assert audit.verify_chain(session) is None
        assert revision_of(folder, key) == head
        # Every row the old store held, unchanged; the admin's unlock then gave the accounts
        # their audit-signing keys, which adds exactly one row (keys.signing_keys) after them.
        kept = _audit_hashes(folder, key)
        assert kept[: len(hashes)] == hashes
        assert _audit_actions(folder, key)[len(hashes) :] == ["keys.signing_keys"]
        conn = raw(folder, key)
        try:
            assert conn.execute("SELECT count(*) FROM account").fetchone() == (201,)
        finally:
            conn.close()
        assert _problems(folder, key) == []
        tally.add(r, f"found at {found}")
        shutil.rmtree(folder)
    print(tally.report(), f"window {window:.2f} s")


@pytest.mark.slow
def test_a_killed_import_leaves_all_of_the_file_or_none_of_it(
    template: tuple[Path, bytes], tmp_path: Path
) -> None:
    """An import is one transaction: after SIGKILL the roll is wholly there or wholly absent."""
    roll = tmp_path / "roll.csv"
    rows = ["ref,name,date_of_birth,unit,arrived"]
    rows += [f"R{i:05d},Roll Person {i},01/02/1985,B wing,03/04/2024" for i in range(4000)]
    roll.write_text("\r\n".join(rows) + "\r\n", encoding="utf-8-sig")
    rng = random.Random(31)
    tally = Tally("people import of 4,000 rows")
    probe = Path(shutil.copytree(template[0], tmp_path / "probe"))
    window = timed_full_run("import", str(probe), str(roll), passphrase=PASSPHRASE)
    assert _present_people(probe, template[1]) == 3000 + 4000
    for i in range(ROUNDS):
        folder = Path(shutil.copytree(template[0], tmp_path / f"round{i}"))
        r = run_worker(
            "import",
            str(folder),
            str(roll),
            passphrase=PASSPHRASE,
            kill_after=rng.uniform(0, 2 * window),
        )
        count = _present_people(folder, template[1])
        assert count in (3000, 7000), count
        if r.finished:
            assert count == 7000
        assert _problems(folder, template[1]) == []
        tally.add(r, "whole file" if count == 7000 else "nothing")
        shutil.rmtree(folder)
    print(tally.report(), f"work window {window:.2f} s")
