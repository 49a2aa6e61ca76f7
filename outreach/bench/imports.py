"""``python -m outreach.bench.imports [--sizes 1000,200000,1000000] [--rows 10000] [--keep DIR]``:
time importing a file of new people and a file of conversations into stores of each size.

The question it answers: does an import cost what the file holds, or what the store holds?
Each size gets a keyed synthetic store (``outreach.bench.data``; no plain copy, so a million
people builds in reasonable time), and on a fresh copy of it for each run:

- ``import_people`` of ROWS new people (one unit), through the CSV importer;
- ``import_conversations`` of ROWS one-to-one conversations with people spread over the whole
  store (every file reference is looked up), one mentor each.

With ``--people-only`` the stores hold people and stays but no activity (building the full
million-people store takes over an hour on a busy two-core machine); the people import reads
the same tables either way. Each figure is the median of ``--runs`` runs (default 3), each on
its own copy of the store; the time includes reading the CSV, matching references,
validating, writing in one transaction with the undo record and the audit row, and
committing. Only synthetic data is written. With ``--keep DIR`` the built stores are kept in
``DIR/imports-<size>/`` (``imports-<size>-people/``) and reused.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from outreach.bench.data import TABLES, batches, load
from outreach.bench.operations import PASSPHRASE
from outreach.imports.pipeline import import_conversations, import_people
from outreach.imports.run import ImportReport
from outreach.store.store import Store


def people_file(rows: int) -> bytes:
    """``rows`` new people arriving on one day, in one unit."""
    lines = ["ref,name,date_of_birth,arrived,unit"]
    lines += [f"N{i:07d},New person {i},1990-01-01,2024-12-01,Unit 1" for i in range(rows)]
    return ("\n".join(lines) + "\n").encode()


def conversations_file(rows: int, size: int) -> bytes:
    """``rows`` one-to-one conversations, each with a stored person spread evenly over the
    store, so the references cover it end to end."""
    lines = ["ref,date,mentor,kind,setting,outcome,minutes"]
    step = max(1, size // rows)
    for i in range(rows):
        ref = f"R{(i * step) % size + 1:07d}"
        # A smaller store than the file: the same person on different days, never a repeat.
        day = date(2024, 12, 2) - timedelta(days=(i * step) // size)
        lines.append(f"{ref},{day},Mentor 1,one_to_one,other,undecided_more_time,10")
    return ("\n".join(lines) + "\n").encode()


# What a people-only store holds: the population, none of its activity.
PEOPLE_ONLY = ("unit", "mentor", "person", "stay")


def build(folder: Path, size: int, *, people_only: bool = False) -> float:
    """A keyed store of ``size`` synthetic people in ``folder`` (with ``people_only``, their
    stays but no screening, conversations or follow-ups); the seconds it took."""
    start = time.perf_counter()
    store, _ = Store.init(folder, site_name="Bench", admin="bench", passphrase=PASSPHRASE)
    try:
        with store.engine.connect() as conn:
            raw: Any = conn.connection.driver_connection
            if not people_only:
                load(raw, size)
            else:
                raw.execute("BEGIN")
                for table, rows in batches(size):
                    if table not in PEOPLE_ONLY:
                        break  # every later table is activity
                    raw.executemany(TABLES[table], rows)
                raw.execute("COMMIT")
                raw.execute("ANALYZE")
    finally:
        store.close()
    return time.perf_counter() - start


def timed(
    kept: Path, work: Callable[[Store], ImportReport], runs: int, scratch: Path
) -> tuple[float, float, ImportReport]:
    """Median wall-clock and CPU seconds of ``work`` on a fresh copy of the kept store, and
    its last report. CPU time is this process's (SQLCipher runs in it), which a machine
    busy with other work does not inflate the way it inflates the wall clock."""
    times: list[float] = []
    cpu: list[float] = []
    report: ImportReport | None = None
    for run in range(runs):
        copy = scratch / f"run-{run}"
        shutil.copytree(kept, copy)
        store = Store.unlock(copy, user="bench", passphrase=PASSPHRASE)
        try:
            start, start_cpu = time.perf_counter(), time.process_time()
            report = work(store)
            times.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
        finally:
            store.close()
        shutil.rmtree(copy)
    assert report is not None
    if report.errors or not report.written:
        raise RuntimeError(f"benchmark import refused: {report.errors[:1]}")
    return statistics.median(times), statistics.median(cpu), report


def run_size(size: int, rows: int, runs: int, keep: Path | None, people_only: bool) -> None:
    with tempfile.TemporaryDirectory(prefix="outreach-bench-imports-") as tmp:
        scratch = Path(tmp)
        name = f"imports-{size}" + ("-people" if people_only else "")
        kept = (keep / name) if keep else scratch / "store"
        # Only a store whose build finished is reused: an interrupted build leaves a data.db.
        if (kept / "built").exists():
            note = f"reused {kept}"
            # Bring a kept store up to the current schema before copying it.
            Store.unlock(kept, user="bench", passphrase=PASSPHRASE).close()
            shutil.rmtree(kept / "backups", ignore_errors=True)
        else:
            shutil.rmtree(kept, ignore_errors=True)
            kept.parent.mkdir(parents=True, exist_ok=True)
            note = f"built in {build(kept, size, people_only=people_only):.0f} s"
            (kept / "built").write_text(f"{size}\n", encoding="utf-8")
        what = "people and stays only" if people_only else "people and ten years of activity"
        print(f"\n{size:,} people, {what} ({note})", flush=True)
        people = people_file(rows)
        seconds, cpu, report = timed(kept, lambda s: import_people(s, people), runs, scratch)
        print(
            f"  import {rows:,} people          {seconds:7.2f} s  (CPU {cpu:6.2f} s; "
            f"{report.added:,} added)",
            flush=True,
        )
        talks = conversations_file(rows, size)
        seconds, cpu, report = timed(kept, lambda s: import_conversations(s, talks), runs, scratch)
        print(
            f"  import {rows:,} conversations   {seconds:7.2f} s  (CPU {cpu:6.2f} s; "
            f"{report.added:,} added)",
            flush=True,
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m outreach.bench.imports", description=__doc__)
    parser.add_argument("--sizes", default="1000,200000", help="people per store, comma separated")
    parser.add_argument("--rows", type=int, default=10_000, help="rows in each imported file")
    parser.add_argument("--runs", type=int, default=3, help="runs per figure (median)")
    parser.add_argument("--keep", type=Path, default=None, help="keep built stores here")
    parser.add_argument(
        "--people-only",
        action="store_true",
        help="stores of people and stays only (no activity): much quicker to build at 1M",
    )
    args = parser.parse_args(argv)
    sizes = [int(part.replace("_", "")) for part in args.sizes.split(",")]
    print(f"outreach import benchmark: {args.rows:,} rows per file, median of {args.runs} runs")
    for size in sizes:
        run_size(size, args.rows, args.runs, args.keep, args.people_only)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
