"""SIGKILL during ``restore --force``: afterwards the folder holds the old store or the restored
one, whole, never a mix and never neither; a later restore clears what a killed one left.

The old store has 300 people and opens with PASSPHRASE; the backup holds another store of 120
people that opens with NEW. Kills land at random moments, and deterministically just before
and just after each of the seven changes the swap makes (see ``fault_worker.py restore``).
Run pytest -s to see the figures.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from outreach.cli import app
from outreach.store.backup import create_backup
from outreach.store.check import check_store
from outreach.store.errors import StoreDamaged, StoreNotFound, WrongPassphrase
from outreach.store.keyslots import KeyFile
from outreach.store.restore_swap import INTENT, STAGING, finish_interrupted_restore
from outreach.store.store import Store
from tests.support.helpers_faults import WORKER, Tally, run_worker, timed_full_run
from tests.support.store_helpers import add_people, raw
from tests.support.stores import PASSPHRASE, new_store

NEW = "the passphrase in the backup"
OLD_PEOPLE, NEW_PEOPLE = 300, 120
ROUNDS = 12
SWAP_STEPS = 7  # intent in, old data.db and keys.json aside, new ones in, staging, intent gone


class Old:
    """The closed store that the restore replaces."""

    def __init__(self, folder: Path, key: bytes) -> None:
        self.folder, self.key = folder, key


class Backup:
    """The backup file, its data key and how many audit rows it holds."""

    def __init__(self, file: Path, key: bytes, audit_rows: int) -> None:
        self.file, self.key, self.audit_rows = file, key, audit_rows


@pytest.fixture(scope="module")
def old(tmp_path_factory: pytest.TempPathFactory) -> Old:
    folder = tmp_path_factory.mktemp("old") / "store"
    store = new_store(folder, site="HMP Old")
    add_people(store, OLD_PEOPLE)
    key = store._data_key
    store.close()
    return Old(folder, key)


@pytest.fixture(scope="module")
def backup(tmp_path_factory: pytest.TempPathFactory) -> Backup:
    base = tmp_path_factory.mktemp("new")
    store = new_store(base / "store", site="HMP New", passphrase=NEW)
    add_people(store, NEW_PEOPLE, name="Newcomer")
    key = store._data_key
    rows = _count(base / "store", key, "audit")
    create_backup(store, base / "new.bak")
    store.close()
    return Backup(base / "new.bak", key, rows)


def _count(folder: Path, key: bytes, table: str) -> int:
    conn = raw(folder, key)
    try:
        return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
    finally:
        conn.close()


def _last_action(folder: Path, key: bytes) -> str:
    conn = raw(folder, key)
    try:
        return str(conn.execute("SELECT action FROM audit ORDER BY id DESC LIMIT 1").fetchone()[0])
    finally:
        conn.close()


def _opens(keyfile: KeyFile, secret: str) -> bytes | None:
    try:
        return keyfile.unwrap(keyfile.slot_for("ana"), secret)
    except WrongPassphrase:
        return None


def _problems(folder: Path, key: bytes) -> list[str]:
    findings = check_store(folder, key, KeyFile.load(folder / "keys.json"))
    return [f"{f.name}: {f.detail}" for f in findings if not f.ok]


def _outcome(folder: Path, old: Old, backup: Backup, *, had_store: bool = True) -> str:
    """ "old" or "new" after any interrupted swap was finished, with every check that implies.

    Old: PASSPHRASE opens it, 300 people, nothing moved aside. New: only NEW opens it, 120
    people and the backup's audit plus the restore's row, and (if there was a store) the old
    one whole in the one replaced-* folder. Never both, never neither.
    """
    assert not (folder / INTENT).exists()
    # (keys.json.lock is keys.json's own lock file, not part of either store)
    visible = sorted(
        p.name
        for p in folder.iterdir()
        if not p.name.startswith(("replaced-", ".")) and p.name != "keys.json.lock"
    )
    asides = sorted(folder.glob("replaced-*"))
    assert visible == ["data.db", "keys.json"]
    keyfile = KeyFile.load(folder / "keys.json")
    by_old, by_new = _opens(keyfile, PASSPHRASE), _opens(keyfile, NEW)
    assert (by_old is None) != (by_new is None)  # exactly one of them opens it
    if by_old is not None:
        assert by_old == old.key
        assert _count(folder, old.key, "person") == OLD_PEOPLE
        assert asides == []
        assert _problems(folder, old.key) == []
        return "old"
    assert by_new == backup.key
    assert _count(folder, backup.key, "person") == NEW_PEOPLE
    assert _count(folder, backup.key, "audit") == backup.audit_rows + 1
    assert _last_action(folder, backup.key) == "store.restore"
    assert _problems(folder, backup.key) == []
    if had_store:
        (aside,) = asides
        assert sorted(p.name for p in aside.iterdir()) == ["data.db", "keys.json"]
        assert _opens(KeyFile.load(aside / "keys.json"), PASSPHRASE) == old.key
        assert _count(aside, old.key, "person") == OLD_PEOPLE
        assert _problems(aside, old.key) == []
    else:
        assert asides == []
    return "new"


def _hidden(folder: Path) -> list[str]:
    """Hidden leftovers, beside the store lock's own file and holders' folder (kept)."""
    lock = (".store.lock", ".store.lock.holders")
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".") and p.name not in lock)


def _killed_at(step: str, folder: Path, backup: Backup) -> list[str]:
    """Run the restore, SIGKILLed by itself just "before:N" or "after:N" the swap's Nth step."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OUTREACH_")}
    env["OUTREACH_PASSPHRASE"] = NEW
    done = subprocess.run(
        [sys.executable, str(WORKER), "restore", str(folder), str(backup.file), step],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == -signal.SIGKILL, done.stderr
    return done.stdout.split()


def _restore_again(folder: Path, backup: Backup) -> int:
    """A whole restore in a new process; returns how many leftovers it said it removed."""
    r = run_worker("restore", str(folder), str(backup.file), passphrase=NEW, kill_after=None)
    assert r.finished, r.stderr
    (removed,) = [int(line.split()[1]) for line in r.lines if line.startswith("removed ")]
    return removed


@pytest.mark.slow
def test_an_uninterrupted_swap_takes_seven_steps(old: Old, backup: Backup, tmp_path: Path) -> None:
    folder = Path(shutil.copytree(old.folder, tmp_path / "store"))
    r = run_worker("restore", str(folder), str(backup.file), passphrase=NEW, kill_after=None)
    assert r.lines == [
        "ready",
        *(f"step {n}" for n in range(1, SWAP_STEPS + 1)),
        "removed 0",
        "done",
    ]
    assert _outcome(folder, old, backup) == "new"
    assert _hidden(folder) == []


KILL_POINTS = [f"{when}:{n}" for n in range(1, SWAP_STEPS + 1) for when in ("before", "after")]


@pytest.mark.slow
@pytest.mark.parametrize("step", KILL_POINTS)
def test_a_restore_killed_at_each_step_of_the_swap_leaves_the_old_or_the_new_store(
    old: Old, backup: Backup, tmp_path: Path, step: str
) -> None:
    folder = Path(shutil.copytree(old.folder, tmp_path / "store"))
    _killed_at(step, folder, backup)
    # Only a kill before the intent is recorded keeps the old store; after it, the swap is
    # finished by the next unlock.
    expected = "old" if step == "before:1" else "new"
    Store.unlock(folder, user="ana", passphrase=PASSPHRASE if expected == "old" else NEW).close()
    assert _outcome(folder, old, backup) == expected
    leftovers = _hidden(folder)
    assert len(leftovers) == (1 if expected == "old" else 0)
    assert all(STAGING.fullmatch(name) for name in leftovers)


@pytest.mark.slow
@pytest.mark.parametrize(("step", "expected"), [("before:1", "none"), ("after:1", "new")])
def test_a_restore_into_a_folder_not_yet_made_leaves_no_store_or_the_new_one(
    old: Old, backup: Backup, tmp_path: Path, step: str, expected: str
) -> None:
    folder = tmp_path / "share" / "outreach" / "store"
    lines = _killed_at(step, folder, backup)
    if expected == "none":
        with pytest.raises(StoreNotFound, match="no store in"):
            Store.unlock(folder, user="ana", passphrase=NEW)
        assert len(_hidden(folder)) == 1  # the staging folder, until the next restore
        assert _restore_again(folder, backup) == 1
    else:
        assert lines[-3:] == ["ready", "step", "1"]  # killed right after the intent went in
        Store.unlock(folder, user="ana", passphrase=NEW).close()
    assert _outcome(folder, old, backup, had_store=False) == "new"
    assert _hidden(folder) == []


@pytest.mark.slow
def test_check_finishes_a_swap_killed_halfway(old: Old, backup: Backup, tmp_path: Path) -> None:
    folder = Path(shutil.copytree(old.folder, tmp_path / "store"))
    _killed_at("after:2", folder, backup)  # the old data.db is aside, its keys.json is not
    (aside,) = folder.glob("replaced-*")
    assert sorted(p.name for p in aside.iterdir()) == ["data.db"]
    left = [p.name for p in folder.iterdir() if p != aside and p.name[0] != "."]
    assert sorted(name for name in left if name != "keys.json.lock") == ["keys.json"]
    checked = CliRunner().invoke(
        app,
        ["check", "--store", str(folder), "--user", "ana"],
        env={"OUTREACH_PASSPHRASE": NEW},
    )
    assert checked.exit_code == 0, checked.output
    assert "FAIL" not in checked.output
    assert _outcome(folder, old, backup) == "new"


@pytest.mark.slow
def test_the_restore_command_first_finishes_a_restore_killed_mid_swap(
    old: Old, backup: Backup, tmp_path: Path
) -> None:
    folder = Path(shutil.copytree(old.folder, tmp_path / "store"))
    _killed_at("after:4", folder, backup)  # the new keys.json is in, the new data.db is not
    result = CliRunner().invoke(
        app,
        ["restore", str(backup.file), "--store", str(folder), "--user", "ana"],
        env={"OUTREACH_PASSPHRASE": NEW},
    )
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"Finished an earlier restore into {folder} that was interrupted.",
        f"error: {folder} already holds a store: use --force to move it aside and restore",
    ]
    assert _outcome(folder, old, backup) == "new"


@pytest.mark.slow
def test_a_restore_killed_at_random_moments_leaves_the_old_or_the_new_store(
    old: Old, backup: Backup, tmp_path: Path
) -> None:
    rng = random.Random(20250317)
    tally = Tally("restore --force over a store")
    probe = Path(shutil.copytree(old.folder, tmp_path / "probe"))
    window = timed_full_run("restore", str(probe), str(backup.file), passphrase=NEW)
    cleared = 0
    for i in range(ROUNDS):
        folder = Path(shutil.copytree(old.folder, tmp_path / f"round{i}"))
        r = run_worker(
            "restore",
            str(folder),
            str(backup.file),
            passphrase=NEW,
            kill_after=rng.uniform(0, 2 * window),
        )
        steps = sum(line.startswith("step ") for line in r.lines)
        finished = finish_interrupted_restore(folder)
        outcome = _outcome(folder, old, backup)
        if steps or r.finished:  # (with no step said, the kill may still follow the commit)
            assert outcome == "new"
        leftovers = _hidden(folder)
        assert all(STAGING.fullmatch(name) for name in leftovers), leftovers
        # The next restore, in a new process, removes exactly what this one left.
        assert _restore_again(folder, backup) == len(leftovers)
        assert _hidden(folder) == []
        assert len(list(folder.glob("replaced-*"))) == (2 if outcome == "new" else 1)
        cleared += len(leftovers)
        tally.add(r, f"{outcome}, {steps} swap steps" + (", finished on open" if finished else ""))
        shutil.rmtree(folder)
    print(tally.report(), f"{cleared} leftovers cleared by the next restore, window {window:.2f} s")


@pytest.mark.parametrize(
    "intent",
    [
        b"{not json",
        b'{"format": "outreach-restore-intent/1", "staging": "../elsewhere", "aside": null,'
        b' "files": ["keys.json", "data.db"]}',
        b'{"format": "outreach-restore-intent/1", "staging": ".restore-0123abcd.staging",'
        b' "aside": null, "files": ["../../keys.json"]}',
    ],
)
def test_an_unreadable_or_out_of_folder_intent_is_refused_and_nothing_moves(
    old: Old, tmp_path: Path, intent: bytes
) -> None:
    folder = Path(shutil.copytree(old.folder, tmp_path / "store"))
    (folder / INTENT).write_bytes(intent)
    before = sorted(p.name for p in folder.iterdir())
    with pytest.raises(StoreDamaged, match="record of an interrupted restore"):
        Store.unlock(folder, user="ana", passphrase=PASSPHRASE)
    assert sorted(p.name for p in folder.iterdir()) == before


@pytest.mark.slow
def test_the_application_finishes_a_restore_killed_mid_swap_before_opening(
    old: Old, backup: Backup, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import outreach.tui.app

    folder = Path(shutil.copytree(old.folder, tmp_path / "store"))
    _killed_at("after:3", folder, backup)  # both old files aside, no data.db in the folder
    assert not (folder / "data.db").exists()
    opened: list[Path] = []

    class Recorder:
        # Stands in for the application: what `outreach open` reads of it after it has run.
        store = None
        crash_message = ""
        return_code = 0
        restart_as = None
        restart_on_lock = False

        def __init__(self, at: Path, **_: object) -> None:
            opened.append(at)

        def run(self) -> None:
            pass

    monkeypatch.setattr(outreach.tui.app, "create_app", Recorder)
    result = CliRunner().invoke(app, ["open", "--store", str(folder)])
    assert result.exit_code == 0, result.output
    assert opened == [folder]
    assert _outcome(folder, old, backup) == "new"
