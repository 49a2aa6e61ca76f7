"""``python -m outreach.bench.startup [--store DIR] [--runs 5]``: how long the application
takes from process start to the unlocked dashboard drawn with its data.

Each run starts a new Python process in a pseudo-terminal (120x40) with
``OUTREACH_EXIT_WHEN_READY`` naming a marker file: as soon as the dashboard has drawn its
figures the application writes the time into it and exits. The time reported is from starting
the process to that mark (to the exit for ``--help``), median of the runs, with the median CPU
time the process used (user and system, every thread, to its exit): on a busy machine the
wall-clock time includes waiting for a core, the CPU time does not. The load average is
printed first.

Runs on the demo store (``outreach demo --store DIR``, which unlocks the demo store itself;
built first if missing), and on a large benchmark store when one is found (``--big``, default
``/tmp/bench-keep/200000/store``, copied to a temporary folder first, unlocked as ``bench``
with the benchmark passphrase). Also times ``outreach --help``. Needs a POSIX
pseudo-terminal (Linux, macOS).

An installed outreach starts from compiled bytecode (pip writes the ``.pyc`` files when it
installs). A source checkout run with ``PYTHONDONTWRITEBYTECODE`` set compiles every module it
imports from source at every start instead (about a hundred of outreach's, 0.2-0.3 s of CPU).
So the timed processes write and read their bytecode in a scratch folder
(``PYTHONPYCACHEPREFIX``), after one untimed start that writes it; ``--source`` times them as
the environment has it instead.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import resource
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from pathlib import Path

from outreach.settings import READY_ENV

BIG_STORE = Path("/tmp/bench-keep/200000/store")
BIG_USER = "bench"
BIG_PASSPHRASE = "benchmark passphrase"
COLUMNS, ROWS = 120, 40
TIMEOUT = 300.0


def _drain(fd: int) -> None:
    # The application draws into the terminal; read it so it never blocks on a full buffer.
    while True:
        try:
            if not os.read(fd, 65536):
                return
        except OSError:
            return


def _children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def time_once(command: list[str], env: dict[str, str]) -> tuple[float, float | None, float]:
    """Seconds from starting ``command`` in a pseudo-terminal to its exit, to the moment the
    application wrote its ready marker (None when it wrote none), and the CPU seconds (user
    and system, every thread) the process used in all, to its exit. Raises if the command
    fails or takes longer than TIMEOUT."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLUMNS, 0, 0))
    handle, marker_name = tempfile.mkstemp(prefix="outreach-ready-")
    os.close(handle)
    marker = Path(marker_name)
    env = {**env, READY_ENV: marker_name}
    started_wall = time.time()
    started = time.perf_counter()
    cpu_before = _children_cpu()
    process = subprocess.Popen(
        command, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True
    )
    os.close(slave)
    reader = threading.Thread(target=_drain, args=(master,), daemon=True)
    reader.start()
    try:
        code = process.wait(timeout=TIMEOUT)
    finally:
        elapsed = time.perf_counter() - started
        if process.poll() is None:
            process.kill()
            process.wait()
        cpu = _children_cpu() - cpu_before
        os.close(master)
        written = marker.read_text(encoding="utf-8").strip()
        marker.unlink()
    if code != 0:
        raise RuntimeError(f"{' '.join(command)} exited with {code}")
    return elapsed, (float(written) - started_wall if written else None), cpu


def median_of(
    runs: int, command: list[str], env: dict[str, str]
) -> tuple[float, list[float], float]:
    """Median and each run's seconds to ready (to exit when the command marks no ready), and
    the median CPU seconds of a run (to its exit, which follows the ready mark at once)."""
    times = []
    cpu = []
    for _ in range(runs):
        exited, ready, used = time_once(command, env)
        times.append(ready if ready is not None else exited)
        cpu.append(used)
    return statistics.median(times), times, statistics.median(cpu)


_BYTECODE: dict[str, str] = {}
"""The environment that lets the timed processes keep their bytecode (see the module's
docstring); empty with ``--source``."""


def _env(**extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("OUTREACH_") and not (_BYTECODE and k == "PYTHONDONTWRITEBYTECODE")
    }
    env.update({"TERM": "xterm-256color", **_BYTECODE, **extra})
    return env


def _open_unlocked(folder: Path, user: str) -> None:
    """The child process for a non-demo store: unlock, then run the app as ``outreach`` does."""
    from outreach.settings import Settings
    from outreach.store.store import Store

    store = Store.unlock(folder, user=user, passphrase=Settings.from_environment().passphrase or "")
    try:
        from outreach.tui.app import create_app

        create_app(folder, user=user, store=store).run()
    finally:
        store.close()


def _report(label: str, median: float, times: list[float], cpu: float) -> None:
    each = "  ".join(f"{t:.2f}" for t in times)
    print(f"{label:<34} median {median:6.2f} s   CPU {cpu:5.2f} s   runs: {each}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m outreach.bench.startup")
    parser.add_argument("--store", type=Path, help="Demo store folder (built if missing).")
    parser.add_argument("--big", type=Path, default=BIG_STORE, help="A large benchmark store.")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--source",
        action="store_true",
        help="Compile from source as the environment has it, instead of from kept bytecode.",
    )
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--user", default=BIG_USER, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child is not None:
        _open_unlocked(args.child, args.user)
        return

    python = sys.executable
    with tempfile.TemporaryDirectory(prefix="outreach-bytecode-") as bytecode:
        if not args.source:
            _BYTECODE["PYTHONPYCACHEPREFIX"] = bytecode
        _time_all(args, python)


def _time_all(args: argparse.Namespace, python: str) -> None:
    print(f"load average: {' '.join(f'{n:.1f}' for n in os.getloadavg())}")
    print(
        "bytecode: as the environment has it"
        if not _BYTECODE
        else "bytecode: kept in a scratch folder, written by one untimed start first"
    )
    if _BYTECODE:
        median_of(1, [python, "-m", "outreach", "--help"], _env())
    help_median, help_times, help_cpu = median_of(
        args.runs, [python, "-m", "outreach", "--help"], _env()
    )
    _report("outreach --help", help_median, help_times, help_cpu)

    with tempfile.TemporaryDirectory(prefix="outreach-startup-") as scratch:
        demo = args.store or Path(scratch) / "demo"
        if not (demo / "data.db").exists():
            print(f"Building the demo store in {demo} …", flush=True)
            subprocess.run(
                [python, "-m", "outreach", "demo", "--store", str(demo), "--summary"],
                env=_env(),
                check=True,
                stdout=subprocess.DEVNULL,
            )
        if _BYTECODE:
            median_of(1, [python, "-m", "outreach", "demo", "--store", str(demo)], _env())
        demo_median, demo_times, demo_cpu = median_of(
            args.runs, [python, "-m", "outreach", "demo", "--store", str(demo)], _env()
        )
        _report("demo store: dashboard drawn", demo_median, demo_times, demo_cpu)

    if (args.big / "data.db").exists():
        with tempfile.TemporaryDirectory(prefix="outreach-startup-") as scratch:
            # A copy: unlocking may write to a store, and the kept one is someone's baseline.
            copy = Path(scratch) / "store"
            shutil.copytree(args.big, copy)
            command = [python, "-m", "outreach.bench.startup", "--child", str(copy)]
            if _BYTECODE:
                median_of(1, command, _env(OUTREACH_PASSPHRASE=BIG_PASSPHRASE))
            big_median, big_times, big_cpu = median_of(
                args.runs, command, _env(OUTREACH_PASSPHRASE=BIG_PASSPHRASE)
            )
        _report(f"{args.big}: dashboard drawn", big_median, big_times, big_cpu)
    else:
        print(f"{args.big}: no store there, skipped")


if __name__ == "__main__":
    main()
