"""``python -m outreach.bench.imports [--sizes 1000,200000,1000000] [--rows 10000,100000]
[--keep DIR]``: time importing a file of new people, a file of conversations and a file of
screening steps into stores of each size.

The question it answers: does an import cost what the file holds, or what the store holds?
Each size gets a keyed synthetic store (``outreach.bench.data``; no plain copy, so a million
people builds in reasonable time), and on a fresh copy of it for each run:

- ``import_people`` of ROWS new people (one unit), through the CSV importer;
- ``import_conversations`` of ROWS one-to-one conversations on the wing, each with a stored
  person on a day one of their stays covers (so every row passes the residency check an
  on-site conversation needs), one mentor;
- ``import_screening`` of ROWS screening offers made on site, on the same people and days.

Conversations and screening are timed twice, on files of two shapes (``--spans``):

- ``recent``: the days of the last quarter (the 91 days up to the data's last day), the
  people there spread over everyone resident then. A site imports what happened since its
  last import (the weeks or months of paper forms a governance board's quarter leaves
  waiting), not years at random, and such a file's days, and so the rows it adds to the
  date-led indexes, lie close together. When the store holds fewer resident days in the
  quarter than the file has rows, the span is widened back a day at a time until it holds
  them, and the span used is printed.
- ``ten-years``: the days of every stay in the store, people spread over the whole store:
  the worst case, where nearly every row lands on its own page of each date-led index.

With ``--people-only`` the stores hold people and stays but no activity (quicker to build at
a million people; ``outreach.bench.data.load`` builds the indexes once the rows are in); the
imports read the same tables either way. Each figure is the median of ``--runs`` runs
(default 3), each on its own copy of the store; the time includes reading the CSV, matching
references, validating, writing in one transaction with the undo record and the audit row,
and committing. Only synthetic data is written. With ``--keep DIR`` the built stores are
kept in ``DIR/imports-<size>/`` (``imports-<size>-people/``) and reused.
"""

from __future__ import annotations

import argparse
import itertools
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from outreach.bench.data import AS_OF, load
from outreach.bench.operations import PASSPHRASE
from outreach.imports.pipeline import import_conversations, import_people, import_screening
from outreach.imports.run import ImportReport
from outreach.store.store import Store


def people_file(rows: int) -> bytes:
    """``rows`` new people arriving on one day, in one unit."""
    lines = ["ref,name,date_of_birth,arrived,unit"]
    lines += [f"N{i:07d},New person {i},1990-01-01,2024-12-01,Unit 1" for i in range(rows)]
    return ("\n".join(lines) + "\n").encode()


# The span a "recent" file covers, and why: see the module's docstring.
RECENT_DAYS = 91
SPANS = ("recent", "ten-years")
KINDS = ("people", "conversations", "screening")


def resident_days(
    store: Store, rows: int, since: date | None = None
) -> tuple[list[tuple[str, date]], date]:
    """:func:`pick_days` from the stays of ``store`` (a stay still open lasting to the data's
    last day)."""
    with store.engine.connect() as conn:
        raw: Any = conn.connection.driver_connection
        stays = [
            (ref, date.fromisoformat(arrived), date.fromisoformat(left or AS_OF.isoformat()))
            for ref, arrived, left in raw.execute(
                "SELECT person.ref, stay.arrived_on, stay.left_on FROM stay "
                "JOIN person ON person.id = stay.person_id ORDER BY stay.id"
            )
        ]
    return pick_days(stays, rows, since)


def pick_days(
    stays: list[tuple[str, date, date]], rows: int, since: date | None = None
) -> tuple[list[tuple[str, date]], date]:
    """``rows`` distinct (reference, day) pairs, each day covered by one of the ``stays``
    (reference, first day, last day), taken a day at a time from every stay in turn so the
    people spread over all those resident in the span; and the first day of that span.
    With ``since``, only days from ``since`` on are taken, the span widened back a day at a
    time while they are too few; without, days from every stay."""
    if since is None:
        return _spread(stays, rows), min(arrived for _, arrived, _ in stays)
    first = since
    while True:
        within = [(ref, max(arrived, first), last) for ref, arrived, last in stays if last >= first]
        if sum((last - arrived).days + 1 for _, arrived, last in within) >= rows:
            return _spread(within, rows), first
        if not any(arrived < first for _, arrived, _ in stays):
            raise RuntimeError(f"the stays cover fewer than {rows} days")
        first -= timedelta(1)


def _spread(stays: list[tuple[str, date, date]], rows: int) -> list[tuple[str, date]]:
    """``rows`` distinct (reference, day) pairs from ``stays``, a day at a time from each."""
    found: dict[tuple[str, date], None] = {}
    for offset in itertools.count():
        longer = [
            (ref, arrived, last)
            for ref, arrived, last in stays
            if arrived + timedelta(offset) <= last
        ]
        if not longer:
            raise RuntimeError(f"the store's stays cover fewer than {rows} days")
        for ref, arrived, _ in longer:
            found.setdefault((ref, arrived + timedelta(offset)))
            if len(found) == rows:
                return list(found)
        stays = longer
    raise AssertionError("unreachable")


def conversations_file(days: list[tuple[str, date]]) -> bytes:
    """A one-to-one conversation on the wing with each person on each day."""
    lines = ["ref,date,mentor,kind,setting,outcome,minutes"]
    lines += [f"{ref},{day},Mentor 1,one_to_one,wing,undecided_more_time,10" for ref, day in days]
    return ("\n".join(lines) + "\n").encode()


def screening_file(days: list[tuple[str, date]]) -> bytes:
    """Screening offered on site to each person on each day."""
    lines = ["ref,date,event,where"]
    lines += [f"{ref},{day},offered,on_site" for ref, day in days]
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
            load(raw, size, tables=PEOPLE_ONLY if people_only else None)
    finally:
        store.close()
    return time.perf_counter() - start


def timed(
    kept: Path, work: Callable[[Store], ImportReport], runs: int, scratch: Path
) -> tuple[float, float, float, ImportReport]:
    """Median wall-clock and CPU seconds of ``work`` on a fresh copy of the kept store, the
    median wall-clock seconds of the checkpoint that follows it (an import's commit leaves
    its pages in the WAL: ``Store.write(bulk=True)``; the application folds them into
    data.db in the background, ``outreach import`` as it closes the store), and the last
    report. CPU time is this process's (SQLCipher runs in it), which a machine busy with
    other work does not inflate the way it inflates the wall clock."""
    times: list[float] = []
    cpu: list[float] = []
    folding: list[float] = []
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
            start = time.perf_counter()
            store.checkpoint()
            folding.append(time.perf_counter() - start)
        finally:
            store.close()
        shutil.rmtree(copy)
    assert report is not None
    if report.errors or not report.written:
        raise RuntimeError(f"benchmark import refused: {report.errors[:1]}")
    return statistics.median(times), statistics.median(cpu), statistics.median(folding), report


def run_size(
    size: int,
    rows: list[int],
    runs: int,
    keep: Path | None,
    *,
    people_only: bool = False,
    kinds: tuple[str, ...] = KINDS,
    spans: tuple[str, ...] = SPANS,
) -> None:
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
        with_store = Store.unlock(kept, user="bench", passphrase=PASSPHRASE)
        try:
            since = {"recent": AS_OF - timedelta(RECENT_DAYS - 1), "ten-years": None}
            days = {
                (n, span): resident_days(with_store, n, since[span]) for n in rows for span in spans
            }
        finally:
            with_store.close()
        for n in rows:
            files: list[tuple[str, str, Callable[[Store], ImportReport]]] = []
            if "people" in kinds:
                files.append(("people", "", partial(import_people, source=people_file(n))))
            for span in spans:
                pairs, first = days[n, span]
                shown = f"{first:%d %b %Y} to {AS_OF:%d %b %Y}"
                if "conversations" in kinds:
                    work: Callable[[Store], ImportReport] = partial(
                        import_conversations, source=conversations_file(pairs)
                    )
                    files.append(("conversations", shown, work))
                if "screening" in kinds:
                    work = partial(import_screening, source=screening_file(pairs))
                    files.append(("screening", shown, work))
            for what, span_shown, work in files:
                seconds, cpu, folding, report = timed(kept, work, runs, scratch)
                print(
                    f"  import {n:>7,} {what:<13} {seconds:7.2f} s  (CPU {cpu:6.2f} s; "
                    f"{report.added:,} added; then the checkpoint {folding:4.2f} s)"
                    + (f"  days {span_shown}" if span_shown else ""),
                    flush=True,
                )


def _listed(text: str, allowed: tuple[str, ...], what: str) -> tuple[str, ...]:
    parts = tuple(part.strip() for part in text.split(",") if part.strip())
    unknown = [part for part in parts if part not in allowed]
    if unknown or not parts:
        raise SystemExit(f"{what}: one or more of {', '.join(allowed)}")
    return parts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m outreach.bench.imports", description=__doc__)
    parser.add_argument("--sizes", default="1000,200000", help="people per store, comma separated")
    parser.add_argument(
        "--rows", default="10000", help="rows in each imported file, comma separated"
    )
    parser.add_argument("--runs", type=int, default=3, help="runs per figure (median)")
    parser.add_argument("--keep", type=Path, default=None, help="keep built stores here")
    parser.add_argument(
        "--people-only",
        action="store_true",
        help="stores of people and stays only (no activity): much quicker to build at 1M",
    )
    parser.add_argument(
        "--files",
        default=",".join(KINDS),
        help="which files to time, comma separated (default: all of " + ", ".join(KINDS) + ")",
    )
    parser.add_argument(
        "--spans",
        default=",".join(SPANS),
        help=f"the days the conversations and screening files cover: recent (the last "
        f"{RECENT_DAYS} days, what a site imports), ten-years (every stay's days, the worst "
        "case); comma separated, default both",
    )
    args = parser.parse_args(argv)
    sizes = [int(part.replace("_", "")) for part in args.sizes.split(",")]
    rows = [int(part.replace("_", "")) for part in args.rows.split(",")]
    kinds = _listed(args.files, KINDS, "--files")
    spans = _listed(args.spans, SPANS, "--spans")
    shown = ", ".join(f"{n:,}" for n in rows)
    print(f"outreach import benchmark: {shown} rows per file, median of {args.runs} runs")
    for size in sizes:
        run_size(
            size, rows, args.runs, args.keep, people_only=args.people_only, kinds=kinds, spans=spans
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
