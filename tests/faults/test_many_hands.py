"""Several staff at once: two applications (ana and bob) and a command-line import (carol) on
one store, all real processes writing at the same time. Every acknowledged write is there, no
"database is locked" reaches anyone, each application sees the other's writes within 2 s, and
``outreach check`` passes after."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlmodel import select

from outreach.model import Person, Role
from outreach.store.store import Store
from tests.support.stores import PASSPHRASE, new_store

WORKER = Path(__file__).resolve().parents[1] / "support" / "many_hands_worker.py"
ROOT = Path(__file__).resolve().parents[2]
PER_APP = 100
IMPORTS = 4
PER_IMPORT = 25


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OUTREACH_")}
    env["OUTREACH_PASSPHRASE"] = PASSPHRASE
    env["PYTHONPATH"] = str(ROOT)
    return env


class App:
    """An application stand-in: writes its own people, watches for the other's."""

    def __init__(self, folder: Path, account: str, prefix: str, other: str) -> None:
        self.proc = subprocess.Popen(
            [
                sys.executable,
                str(WORKER),
                str(folder),
                account,
                prefix,
                str(PER_APP),
                other,
                str(PER_APP),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=_env(),
        )
        assert self.proc.stdout is not None
        assert self.proc.stdout.readline().strip() == "ready"
        self.lines: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line.strip())

    def start(self) -> None:
        self.reader.start()
        assert self.proc.stdin is not None
        self.proc.stdin.write("go\n")
        self.proc.stdin.flush()

    def finish(self) -> None:
        assert self.proc.wait(timeout=120) == 0
        self.reader.join(timeout=30)

    def times(self, kind: str) -> dict[str, float]:
        found = {}
        for line in self.lines:
            word, _, rest = line.partition(" ")
            if word == kind:
                ref, moment = rest.split()
                found[ref] = float(moment)
        return found


def _roll(path: Path, batch: int) -> Path:
    rows = ["ref,name,date_of_birth,unit,arrived,left,left_reason,has_cervix"]
    for i in range(PER_IMPORT):
        rows.append(
            f"C{batch}-{i:04d},Imported {batch} {i},1985-02-{1 + i % 28:02d},Elm,2024-01-02,,,yes"
        )
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


@pytest.mark.slow  # about two minutes on a busy 2-core machine
def test_two_applications_and_an_import_at_once_keep_every_acknowledged_write(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "store"
    store = new_store(folder)
    store.add_account("bob", Role.staff, PASSPHRASE)
    store.add_account("carol", Role.staff, PASSPHRASE)
    store.close()
    rolls = [_roll(tmp_path / f"roll-{k}.csv", k) for k in range(IMPORTS)]

    started = time.monotonic()
    ana = App(folder, "ana", "A", "B")
    bob = App(folder, "bob", "B", "A")
    ana.start()
    bob.start()
    imports = []
    for roll in rolls:
        # One command-line process per import, while both applications write.
        imports.append(
            subprocess.run(
                [
                    *(sys.executable, "-m", "outreach", "import", "people", str(roll)),
                    *("--store", str(folder), "--user", "carol"),
                ],
                capture_output=True,
                text=True,
                env=_env(),
                timeout=120,
                check=False,
            )
        )
    ana.finish()
    bob.finish()
    seconds = time.monotonic() - started

    for k, result in enumerate(imports):
        assert (result.returncode, result.stderr) == (0, "")
        assert result.stdout == (
            f"roll-{k}.csv: {PER_IMPORT} rows; {PER_IMPORT} added, 0 updated, 0 unchanged\n"
        )
    for app in (ana, bob):
        assert [line for line in app.lines if not line.startswith(("saved", "seen"))] == ["done"]
        assert len(app.times("saved")) == PER_APP
    # Every acknowledged write is in the store, and nothing else.
    expected = {f"{p}-{i:04d}" for p in "AB" for i in range(PER_APP)} | {
        f"C{k}-{i:04d}" for k in range(IMPORTS) for i in range(PER_IMPORT)
    }
    with Store.unlock(folder, user="ana", passphrase=PASSPHRASE) as opened, opened.read() as s:
        assert set(s.exec(select(Person.ref)).all()) == expected
    # Each saw each of the other's writes, within 2 s of its commit.
    lags = []
    for watcher, writer in ((ana, bob), (bob, ana)):
        seen, saved = watcher.times("seen"), writer.times("saved")
        assert set(seen) == set(saved)
        lags += [seen[ref] - saved[ref] for ref in saved]
    print(
        f"\n[many hands] {2 * PER_APP} application writes and {IMPORTS} imports of "
        f"{PER_IMPORT} in {seconds:.1f} s; seen by the other after {min(lags):.2f}-"
        f"{max(lags):.2f} s (mean {sum(lags) / len(lags):.2f} s)"
    )
    assert max(lags) < 2.0
    check = subprocess.run(
        [sys.executable, "-m", "outreach", "check", "--store", str(folder), "--user", "ana"],
        capture_output=True,
        text=True,
        env=_env(),
        timeout=120,
        check=False,
    )
    assert check.returncode == 0, check.stdout + check.stderr
