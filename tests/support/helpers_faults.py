"""Running the fault worker and killing it with SIGKILL at a chosen moment."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

WORKER = Path(__file__).with_name("fault_worker.py")


@dataclass
class Round:
    """What one child said before it died (or finished)."""

    lines: list[str]
    finished: bool
    killed: bool
    stderr: str
    work_seconds: float

    @property
    def acknowledged(self) -> list[int]:
        return [int(line) for line in self.lines if line.isdigit()]


@dataclass
class Tally:
    """Figures for the report: rounds, kills that interrupted work, outcomes seen."""

    kind: str
    rounds: int = 0
    interrupted: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    started: float = field(default_factory=time.monotonic)

    def add(self, r: Round, outcome: str) -> None:
        self.rounds += 1
        self.interrupted += int(not r.finished)
        self.outcomes[outcome] = self.outcomes.get(outcome, 0) + 1

    def report(self) -> str:
        seconds = time.monotonic() - self.started
        return (
            f"[faults] {self.kind}: {self.rounds} rounds, {self.interrupted} killed mid-work, "
            f"outcomes {dict(sorted(self.outcomes.items()))}, data lost 0, {seconds:.1f} s"
        )


def run_worker(*args: str, passphrase: str, kill_after: float | None) -> Round:
    """Start the worker; ``kill_after`` seconds after it says "ready", SIGKILL it.

    With ``kill_after=None`` the worker runs to the end. Lines the worker flushed before it
    died are all returned: each is work it had committed.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("OUTREACH_")}
    env["OUTREACH_PASSPHRASE"] = passphrase
    child = subprocess.Popen(
        [sys.executable, str(WORKER), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert child.stdout is not None and child.stderr is not None
    lines: list[str] = []
    ready = threading.Event()
    ready_at = [time.monotonic()]
    done_at: list[float] = []

    def read() -> None:
        assert child.stdout is not None
        for line in child.stdout:
            lines.append(line.strip())
            if line.strip() == "ready":
                ready_at[0] = time.monotonic()
                ready.set()
            elif line.strip() == "done":
                done_at.append(time.monotonic())
        ready.set()  # the worker ended before saying ready: do not wait forever

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    killed = False
    if kill_after is not None:
        ready.wait(timeout=60)
        time.sleep(kill_after)
        if child.poll() is None:
            os.kill(child.pid, signal.SIGKILL)
            killed = True
    child.wait(timeout=120)
    reader.join(timeout=30)
    work_seconds = (done_at[0] if done_at else time.monotonic()) - ready_at[0]
    stderr = child.stderr.read()
    child.stderr.close()
    child.stdout.close()
    if not killed and child.returncode != 0:
        raise AssertionError(f"worker failed: {stderr}")
    return Round(lines, "done" in lines, killed, stderr, work_seconds)


def timed_full_run(*args: str, passphrase: str) -> float:
    """Seconds from "ready" to "done" of one uninterrupted run (to aim the kills)."""
    r = run_worker(*args, passphrase=passphrase, kill_after=None)
    assert r.finished, r.stderr
    return r.work_seconds
