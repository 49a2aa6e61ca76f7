"""One store, several processes: who has it open, and what may replace or rewrite it.

Every holder here that stands for another program is a real process (tests/support/lock_worker.py):
the operating system's file locks are what is being tested, and they work between processes.
"""

from __future__ import annotations

import hashlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import col, select
from typer.testing import CliRunner

from outreach.cli import app
from outreach.model import AuditEntry, Person
from outreach.store import store_lock
from outreach.store.backup import create_backup
from outreach.store.errors import StoreLocked
from outreach.store.migrations import current_revision
from outreach.store.store import Store
from tests.support.stores import PASSPHRASE, new_store

WORKER = Path(__file__).resolve().parents[1] / "support" / "lock_worker.py"
ROOT = Path(__file__).resolve().parents[2]
HOST = socket.gethostname()


class Child:
    """A lock_worker process: another program with the store open."""

    def __init__(
        self, folder: Path, account: str, *extra: str, passphrase: str = PASSPHRASE
    ) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("OUTREACH_")}
        env["OUTREACH_PASSPHRASE"] = passphrase
        env["PYTHONPATH"] = str(ROOT)
        self.proc = subprocess.Popen(
            [sys.executable, str(WORKER), str(folder), account, *extra],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        self.first = self.line()

    @property
    def pid(self) -> int:
        return self.proc.pid

    def line(self) -> str:
        assert self.proc.stdout is not None
        return self.proc.stdout.readline().strip()

    def ask(self, command: str) -> str:
        assert self.proc.stdin is not None
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        return self.line()

    def close(self) -> None:
        if self.proc.poll() is None:
            assert self.proc.stdin is not None
            self.proc.stdin.close()
        self.proc.wait(timeout=30)

    def kill(self) -> None:
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A closed store with two accounts, ana (admin) and bob (staff), both on PASSPHRASE."""
    from outreach.model import Role

    folder = tmp_path / "store"
    store = new_store(folder)
    store.add_account("bob", Role.staff, PASSPHRASE)
    store.close()
    return folder


@pytest.fixture
def children() -> Iterator[list[Child]]:
    started: list[Child] = []
    yield started
    for child in started:
        if child.proc.poll() is None:
            child.kill()


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _since(folder: Path, pid: int) -> str:
    (holder,) = [h for h in store_lock.holders(folder) if h.pid == pid]
    return store_lock.when(holder.since)


@pytest.mark.slow
def test_an_open_store_is_held_shared_and_its_holder_says_who_where_and_since_when(
    folder: Path, children: list[Child]
) -> None:
    bob = Child(folder, "bob", "outreach tui")
    children.append(bob)
    assert bob.first == "ready"
    with Store.unlock(folder, user="ana", passphrase=PASSPHRASE):
        found = sorted(store_lock.holders(folder), key=lambda h: h.pid)
        assert [(h.account, h.host, h.pid, h.mode) for h in found] == sorted(
            [("bob", HOST, bob.pid, "shared"), ("ana", HOST, os.getpid(), "shared")],
            key=lambda t: t[2],
        )
        assert [h.purpose for h in found if h.pid == bob.pid] == ["outreach tui"]
        assert all(abs(time.time() - h.since.timestamp()) < 120 for h in found)
    assert [h.pid for h in store_lock.holders(folder)] == [bob.pid]
    bob.close()
    assert store_lock.holders(folder) == []


@pytest.mark.slow
def test_a_restore_is_refused_while_another_process_has_the_store_open(
    folder: Path, tmp_path: Path, children: list[Child]
) -> None:
    with Store.unlock(folder, user="ana", passphrase=PASSPHRASE) as store:
        create_backup(store, tmp_path / "b.bak")
    bob = Child(folder, "bob", "outreach tui")
    children.append(bob)
    assert bob.first == "ready"
    before = _digest(folder / "data.db"), _digest(folder / "keys.json")
    result = CliRunner().invoke(
        app,
        ["restore", str(tmp_path / "b.bak"), "--store", str(folder), "--user", "ana", "--force"],
        env={"OUTREACH_PASSPHRASE": PASSPHRASE},
    )
    assert result.exit_code == 1
    assert result.output == (
        f"error: outreach restore needs the store in {folder} to itself, but it is open "
        f"elsewhere: bob on {HOST} (process {bob.pid}, outreach tui) since "
        f"{_since(folder, bob.pid)}. Close it there and try again. Nothing was changed\n"
    )
    # Nothing moved or half-made, and the open application still writes to the live store.
    assert (_digest(folder / "data.db"), _digest(folder / "keys.json")) == before
    assert sorted(p.name for p in folder.iterdir() if not p.name.startswith(".")) == [
        "data.db",
        "data.db-shm",
        "data.db-wal",
        "keys.json",
        "keys.json.lock",
    ]  # (the WAL files are bob's, open)
    assert [p.name for p in folder.glob(".restore-*")] == []
    assert bob.ask("add P0001") == "saved P0001"
    bob.close()
    again = CliRunner().invoke(
        app,
        ["restore", str(tmp_path / "b.bak"), "--store", str(folder), "--user", "ana", "--force"],
        env={"OUTREACH_PASSPHRASE": PASSPHRASE},
    )
    assert again.exit_code == 0, again.output
    assert len(list(folder.glob("replaced-*"))) == 1


@pytest.mark.slow
def test_an_exclusive_holder_keeps_others_out_for_a_bounded_wait_then_names_itself(
    folder: Path, children: list[Child]
) -> None:
    with store_lock.exclusive(folder, "ana", purpose="outreach restore", wait=0):
        since = store_lock.when(store_lock.holders(folder)[0].since)
        bob = Child(folder, "bob")
        children.append(bob)
        assert bob.first == (
            f"refused StoreLocked: the store in {folder} is being replaced or rewritten: ana on "
            f"{HOST} (process {os.getpid()}, outreach restore) since {since}. Try again when "
            "that has finished"
        )
        assert bob.proc.wait(timeout=30) == 0
    late = Child(folder, "bob")
    children.append(late)
    assert late.first == "ready"
    late.close()


@pytest.mark.slow
def test_a_lock_wanted_exclusively_waits_at_most_its_bound(
    folder: Path, children: list[Child]
) -> None:
    bob = Child(folder, "bob", "outreach import", "--lock-only")
    children.append(bob)
    assert bob.first == "ready"
    started = time.monotonic()
    with pytest.raises(StoreLocked) as refused:
        store_lock.exclusive(folder, "ana", purpose="outreach restore", wait=0.5)
    waited = time.monotonic() - started
    assert 0.5 <= waited < 30  # bounded: it gave up, it did not wait for bob to finish
    assert [(h.account, h.pid, h.purpose) for h in refused.value.holders] == [
        ("bob", bob.pid, "outreach import")
    ]


@pytest.mark.slow
def test_a_killed_holder_leaves_no_lock_and_its_note_is_cleared(
    folder: Path, children: list[Child], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store_lock, "STALE_AFTER_S", 0.0)
    bob = Child(folder, "bob")
    children.append(bob)
    assert bob.first == "ready"
    notes = list((folder / store_lock.HOLDERS_DIR).glob("*.json"))
    assert len(notes) == 1
    bob.kill()
    assert notes[0].exists()  # a killed process cannot tidy up after itself
    with store_lock.exclusive(folder, "ana", purpose="outreach restore", wait=0) as lock:
        assert lock.held
        assert [h.pid for h in store_lock.holders(folder)] == [os.getpid()]
    assert not notes[0].exists()


@pytest.mark.slow
def test_a_schema_upgrade_waits_for_the_store_to_itself_and_changes_nothing_meanwhile(
    tmp_path: Path, children: list[Child]
) -> None:
    folder = tmp_path / "old"
    old = new_store(folder, revision="0001")
    old.close()
    bob = Child(folder, "bob", "outreach tui", "--lock-only")
    children.append(bob)
    assert bob.first == "ready"
    before = _digest(folder / "data.db")
    with pytest.raises(StoreLocked) as refused:
        Store.unlock(folder, user="ana", passphrase=PASSPHRASE)
    assert str(refused.value) == (
        f"a schema upgrade needs the store in {folder} to itself, but it is open elsewhere: "
        f"bob on {HOST} (process {bob.pid}, outreach tui) since {_since(folder, bob.pid)}. "
        "Close it there and try again. Nothing was changed"
    )
    assert _digest(folder / "data.db") == before
    assert not (folder / "backups").exists()
    bob.close()
    with Store.unlock(folder, user="ana", passphrase=PASSPHRASE) as store:
        assert current_revision(store.engine) != "0001"
        assert len(list((folder / "backups").glob("*.db"))) == 1


@pytest.mark.slow
def test_an_open_store_can_have_itself_exclusively_only_when_alone(
    folder: Path, children: list[Child]
) -> None:
    with Store.unlock(folder, user="ana", passphrase=PASSPHRASE) as store:
        with store.exclusive("a rekey"):
            (me,) = store_lock.holders(folder)
            assert (me.mode, me.purpose) == ("exclusive", "a rekey")
        assert [h.mode for h in store_lock.holders(folder)] == ["shared"]
        bob = Child(folder, "bob")
        children.append(bob)
        assert bob.first == "ready"
        with (
            pytest.raises(StoreLocked, match=f"bob on {HOST} \\(process {bob.pid}"),
            store.exclusive("a rekey"),
        ):
            raise AssertionError("not reached: bob has the store open")
        # Refused, and still open and shared: both processes go on writing.
        assert bob.ask("add P0002") == "saved P0002"
        from outreach.services.people import AddPerson, add_person

        add_person(
            store,
            AddPerson(ref="P0003", display_name="Person P0003", date_of_birth=date(1980, 1, 1)),
        )
        assert bob.ask("count") == "people 2"
        bob.close()


@pytest.mark.slow
def test_a_demo_rebuild_is_refused_while_the_demo_is_open_elsewhere(
    tmp_path: Path, children: list[Child]
) -> None:
    from outreach.demo import DEMO_PASSPHRASE, DEMO_USER, build_demo

    folder = tmp_path / "demo"
    build_demo(folder, today=date(2024, 6, 30), residents=40)
    env = {"OUTREACH_PASSPHRASE": DEMO_PASSPHRASE}
    other = Child(folder, DEMO_USER, "outreach demo", passphrase=DEMO_PASSPHRASE)
    children.append(other)
    assert other.first == "ready"
    before = _digest(folder / "data.db")
    result = CliRunner().invoke(app, ["demo", "--store", str(folder), "--rebuild"], env=env)
    assert result.exit_code == 1
    # Refused before it says it is building anything.
    assert result.output == (
        f"error: outreach demo --rebuild needs the store in {folder} to itself, but it is "
        f"open elsewhere: demo on {HOST} (process {other.pid}, outreach demo) since "
        f"{_since(folder, other.pid)}. Close it there and try again. Nothing was changed\n"
    )
    assert _digest(folder / "data.db") == before
    assert not folder.with_name("demo.building").exists()


# Run as its own process: a restore on a computer whose file locks do not reach the store
# folder (or an older outreach without the lock), so nothing stops it.
RESTORE_WITHOUT_LOCK = """
import contextlib, sys
from outreach.store import store_lock
store_lock.exclusive = lambda *args, **kwargs: contextlib.nullcontext()
from outreach.cli import main
sys.argv = ["outreach", *sys.argv[1:]]
main()
"""


@pytest.mark.slow
def test_a_write_after_the_store_was_replaced_underneath_is_refused_not_misplaced(
    folder: Path, tmp_path: Path, children: list[Child]
) -> None:
    from outreach.services.people import AddPerson, add_person

    with Store.unlock(folder, user="ana", passphrase=PASSPHRASE) as store:
        add_person(
            store,
            AddPerson(ref="P0001", display_name="Person P0001", date_of_birth=date(1980, 1, 1)),
        )
        create_backup(store, tmp_path / "b.bak")
    app_process = Child(folder, "bob", "outreach tui")
    children.append(app_process)
    assert app_process.first == "ready"
    assert app_process.ask("add P0002") == "saved P0002"
    env = {k: v for k, v in os.environ.items() if not k.startswith("OUTREACH_")}
    restore = subprocess.run(
        [
            *(sys.executable, "-c", RESTORE_WITHOUT_LOCK, "restore", str(tmp_path / "b.bak")),
            *("--store", str(folder), "--user", "ana", "--force"),
        ],
        env={**env, "OUTREACH_PASSPHRASE": PASSPHRASE, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert restore.returncode == 0, restore.stdout + restore.stderr
    (aside,) = folder.glob("replaced-*")
    # The application's next write is refused in words; it does not land in the old store,
    # now in replaced-*, nor in the restored one.
    assert app_process.ask("add P0003") == (
        f"refused StoreReplaced: the store in {folder} was replaced or moved while this window "
        "had it open (a restore, a rebuild or a copy by hand): nothing was saved. Close "
        "outreach and open the store again, then make the change again"
    )
    app_process.close()

    def refs(at: Path) -> list[str]:
        with Store.unlock(at, user="ana", passphrase=PASSPHRASE) as opened, opened.read() as s:
            return sorted(s.exec(select(Person.ref)).all())

    assert refs(folder) == ["P0001"]
    assert refs(aside) == ["P0001", "P0002"]
    with Store.unlock(folder, user="ana", passphrase=PASSPHRASE) as restored, restored.read() as s:
        actions = s.exec(select(AuditEntry.action).order_by(col(AuditEntry.id))).all()
    assert "store.restore" in actions
    assert "person.add" in actions and actions.count("person.add") == 1


@pytest.mark.slow
def test_a_writer_kept_waiting_past_the_busy_timeout_is_told_who_has_the_store(
    folder: Path, children: list[Child], monkeypatch: pytest.MonkeyPatch
) -> None:
    from outreach.services.people import AddPerson, add_person
    from outreach.store import engine
    from outreach.store.errors import StoreBusy

    monkeypatch.setattr(engine, "BUSY_TIMEOUT_MS", 300)
    bob = Child(folder, "bob", "outreach import")
    children.append(bob)
    assert bob.first == "ready"
    with Store.unlock(folder, user="ana", passphrase=PASSPHRASE) as store:
        assert bob.ask("hold") == "holding"
        with pytest.raises(StoreBusy) as busy:
            add_person(
                store,
                AddPerson(ref="P0009", display_name="Person P9", date_of_birth=date(1980, 1, 1)),
            )
        assert str(busy.value) == (
            "the store is busy: it was kept by another writer for more than 10 s (open "
            f"elsewhere: bob on {HOST} (process {bob.pid}, outreach import) since "
            f"{_since(folder, bob.pid)}). Nothing was saved; try again in a moment"
        )
        assert bob.ask("") == "released"
        add_person(
            store, AddPerson(ref="P0009", display_name="Person P9", date_of_birth=date(1980, 1, 1))
        )
