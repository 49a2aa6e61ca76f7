"""After a lock nothing of the key, the passphrase or the records stays in the application's
memory (it replaces its own process), and a process with an open store makes no core dump.
Linux only: the memory is read through /proc/PID/mem."""

from __future__ import annotations

import fcntl
import os
import pty
import signal
import struct
import subprocess
import sys
import termios
import textwrap
import threading
import time
from datetime import date
from pathlib import Path

import pytest

from outreach.services.people import AddPerson, add_person
from tests.support.memscan import count_in_memory
from tests.support.stores import new_store

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="reads /proc/PID/mem and prctl"
)

ROOT = Path(__file__).resolve().parents[2]
SECRET = "quartz lantern meadow ferry"
NAMES = ["Zebedee Quintrell", "Ysolde Varnhagen", "Oriel Fenwicke"]


class Terminal:
    """The application in a pseudo-terminal of 80x24, as a person would run it."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
        self.process = subprocess.Popen(
            args, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True
        )
        os.close(slave)
        self.output = bytearray()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while True:
            try:
                chunk = os.read(self.master, 65536)
            except OSError:
                return
            if not chunk:
                return
            self.output += chunk

    def type(self, text: str) -> None:
        os.write(self.master, text.encode("utf-8"))

    def wait_for(self, text: str, *, after: int = 0, timeout: float = 90) -> int:
        """Wait until ``text`` is drawn after byte ``after`` of the output; where it ends."""
        needle = text.encode("utf-8")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            at = self.output.find(needle, after)
            if at >= 0:
                return at + len(needle)
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        raise AssertionError(f"{text!r} never appeared; exit {self.process.poll()}")

    def close(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)
        os.close(self.master)


@pytest.fixture
def folder(tmp_path: Path) -> tuple[Path, bytes]:
    """A store with three people whose names appear nowhere else; and its data key."""
    folder = tmp_path / "store"
    store = new_store(folder, site="HMP Memory", passphrase=SECRET)
    for i, name in enumerate(NAMES):
        add_person(
            store,
            AddPerson(
                ref=f"M{i:04d}",
                display_name=name,
                date_of_birth=date(1990, 1, 1 + i),
                unit="Wing A",
                arrived_on=date(2024, 1, 1),
            ),
        )
    key = store._data_key
    store.close()
    return folder, key


def _needles(key: bytes) -> dict[str, bytes]:
    return {
        "passphrase": SECRET.encode(),
        "raw data key": key,
        "hex data key": key.hex().encode(),
        "HEX DATA KEY": key.hex().upper().encode(),
        **{f"name {n}": n.encode() for n in NAMES},
    }


@pytest.mark.slow
def test_after_ctrl_l_no_key_passphrase_or_name_is_left_in_memory(
    folder: tuple[Path, bytes], tmp_path: Path
) -> None:
    store, key = folder
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path / "home"),
        "TERM": "xterm-256color",
        "PYTHONPATH": str(ROOT),
        "LANG": "C.UTF-8",
    }
    args = [sys.executable, "-m", "outreach", "open", "--store", str(store), "--user", "ana"]
    term = Terminal(args, env)
    try:
        term.wait_for("Unlock")
        term.type(SECRET + "\r")
        shown = term.wait_for("Dashboard")
        term.type("p")
        term.wait_for(NAMES[0], after=shown)
        needles = _needles(key)
        try:
            before = count_in_memory(term.process.pid, list(needles.values()))
        except PermissionError:
            before = None  # not root: a process holding a store cannot be read at all
        if before is not None:
            # The scan finds what is there: the key and the names on screen, before the lock.
            assert before[needles["hex data key"]] > 0
            assert before[needles[f"name {NAMES[0]}"]] > 0
        locked_at = len(term.output)
        term.type("\x0c")  # ctrl+l
        term.wait_for("Locked. Unlock to carry on.", after=locked_at)
        time.sleep(2)
        after = count_in_memory(term.process.pid, list(needles.values()))
        found = {label: after[n] for label, n in needles.items() if after[n]}
        assert found == {}
        # Same process id, a new image: it unlocks again as before.
        term.type(SECRET + "\r")
        term.wait_for("Dashboard", after=locked_at)
    finally:
        term.close()


PROBE = textwrap.dedent(
    """
    import resource, sys
    from pathlib import Path
    from outreach.store.hardening import dumpable
    from outreach.store.store import Store
    print("before", resource.getrlimit(resource.RLIMIT_CORE)[0] != 0 or None, dumpable())
    store = Store.unlock(Path(sys.argv[1]), user="ana", passphrase=sys.argv[2])
    print("open", resource.getrlimit(resource.RLIMIT_CORE), dumpable(), flush=True)
    import os
    os.abort()
    """
)


def test_a_process_with_an_open_store_makes_no_core_dump(
    folder: tuple[Path, bytes], tmp_path: Path
) -> None:
    store, _ = folder
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    result = subprocess.run(
        [sys.executable, "-c", PROBE, str(store), SECRET],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=False,
    )
    lines = result.stdout.splitlines()
    assert lines[0].endswith(" True")  # dumpable until a store is opened
    assert lines[1] == "open (0, 0) False"
    assert result.returncode == -signal.SIGABRT
    assert [p.name for p in cwd.iterdir()] == []  # no core file
