"""``python -m outreach.bench.imports [--sizes 1000,200000,1000000] [--rows 10000,100000]
[--keep DIR] [--linked]``: time importing a file of new people, a file of conversations and
a file of screening steps into stores of each size.

The question it answers: does an import cost what the file holds, or what the store holds?
Each size gets a keyed synthetic store (``outreach.bench.data``; no plain copy, so a million
people builds in reasonable time), and on a fresh copy of it for each run:

- ``import_people`` of ROWS new people (one unit), through the CSV importer;
- ``import_conversations`` of ROWS one-to-one conversations on the wing, each with a stored
  person on a day one of their stays covers (so every row passes the residency check an
  on-site conversation needs), one mentor;
- ``import_screening`` of ROWS screening offers made on site, on the same people and days.

Conversations and screening are timed on files of three shapes (``--spans``):

- ``recent``: the days of the last quarter (the 91 days up to the data's last day), the
  people there spread over everyone resident then. A site imports what happened since its
  last import (the weeks or months of paper forms a governance board's quarter leaves
  waiting), not years at random, and such a file's days, and so the rows it adds to the
  date-led indexes, lie close together. When the store holds fewer resident days in the
  quarter than the file has rows, the span is widened back a day at a time until it holds
  them, and the span used is printed.
- ``few-people``: the same quarter's days, of the fewest people that hold enough of them
  (those resident longest in it first: 110 people for 10,000 rows, each on most of the 91
  days). A file of this shape names about as many people in every store, where a
  ``recent`` file names a few hundred in a store of 1,000 people and 10,000 in one of
  200,000: each person a file names is a page of each person-led index to read and write,
  so this is the shape that tells what a larger store costs apart from what a file naming
  more people costs.
- ``ten-years``: the days of every stay in the store, people spread over the whole store:
  the worst case, where nearly every row lands on its own page of each date-led index.

With ``--people-only`` the stores hold people and stays but no activity (quicker to build at
a million people; ``outreach.bench.data.load`` builds the indexes once the rows are in); the
imports read the same tables either way. Each figure is the median of ``--runs`` runs
(default 3), each on its own copy of the store (with ``--linked``, in a child process on
the kept store's own data.db, which it leaves as it was: :func:`run_linked`); the time
includes reading the CSV, matching references, validating, writing in one transaction with
the undo record and the audit row, and committing. Only synthetic data is written. With
``--keep DIR`` the built stores are kept in ``DIR/imports-<size>/``
(``imports-<size>-people/``) and reused.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
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
SPANS = ("recent", "few-people", "ten-years")
KINDS = ("people", "conversations", "screening")


def resident_days(
    store: Store, rows: int, since: date | None = None, *, fewest: bool = False
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
    return pick_days(stays, rows, since, fewest=fewest)


def pick_days(
    stays: list[tuple[str, date, date]],
    rows: int,
    since: date | None = None,
    *,
    fewest: bool = False,
) -> tuple[list[tuple[str, date]], date]:
    """``rows`` distinct (reference, day) pairs, each day covered by one of the ``stays``
    (reference, first day, last day), taken a day at a time from every stay in turn so the
    people spread over all those resident in the span; and the first day of that span.
    With ``since``, only days from ``since`` on are taken, the span widened back a day at a
    time while they are too few; without, days from every stay. With ``fewest`` (and
    ``since``), the days are those of the fewest people that hold enough of them: the people
    with the most days in the span first (on a tie, the reference first in order)."""
    if since is None:
        return _spread(stays, rows), min(arrived for _, arrived, _ in stays)
    first = since
    while True:
        within = [(ref, max(arrived, first), last) for ref, arrived, last in stays if last >= first]
        if sum((last - arrived).days + 1 for _, arrived, last in within) >= rows:
            return _spread(_fewest(within, rows) if fewest else within, rows), first
        if not any(arrived < first for _, arrived, _ in stays):
            raise RuntimeError(f"the stays cover fewer than {rows} days")
        first -= timedelta(1)


def _fewest(stays: list[tuple[str, date, date]], rows: int) -> list[tuple[str, date, date]]:
    """The stays of the fewest people whose days together reach ``rows``."""
    days: dict[str, set[date]] = {}
    for ref, arrived, last in stays:
        held_by = days.setdefault(ref, set())
        held_by.update(arrived + timedelta(n) for n in range((last - arrived).days + 1))
    chosen: set[str] = set()
    held = 0
    for ref in sorted(days, key=lambda ref: (-len(days[ref]), ref)):
        if held >= rows:
            break
        chosen.add(ref)
        held += len(days[ref])
    return [stay for stay in stays if stay[0] in chosen]


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


@dataclass(frozen=True)
class Run:
    """One timed import: wall-clock and CPU seconds, the checkpoint after it (None when the
    run could not fold its WAL in: ``--linked``), rows added, and the first error if refused."""

    seconds: float
    cpu: float
    folding: float | None
    added: int
    refused: str | None


def _import(store: Store, work: Callable[[Store], ImportReport]) -> Run:
    start, start_cpu = time.perf_counter(), time.process_time()
    report = work(store)
    seconds, cpu = time.perf_counter() - start, time.process_time() - start_cpu
    refused = None if report.written and not report.errors else f"{report.errors[:1]}"
    return Run(seconds, cpu, None, report.added, refused)


def run_copied(kept: Path, work: Callable[[Store], ImportReport], folder: Path) -> Run:
    """``work`` on a copy of the kept store in ``folder``, then the checkpoint; the copy is
    removed."""
    shutil.copytree(kept, folder)
    try:
        store = Store.unlock(folder, user="bench", passphrase=PASSPHRASE)
        try:
            run = _import(store, work)
            start = time.perf_counter()
            store.checkpoint()
            return replace(run, folding=time.perf_counter() - start)
        finally:
            store.close()
    finally:
        shutil.rmtree(folder)


def run_linked(kept: Path, work: Callable[[Store], ImportReport], folder: Path) -> Run:
    """``work`` in a child process on the kept store's own data.db, hard-linked into
    ``folder`` (on the same file system) beside a copy of its keys, instead of a copy of the
    whole store.

    An import's commit leaves its pages in the WAL (``Store.write(bulk=True)``) and the
    child exits without folding them in, so data.db is only read; the WAL, the keys the
    child may have signed and the folder are then removed. Raises RuntimeError, after the
    run, if data.db was written to all the same (its size or modification time changed).
    For a store too large to copy for every run without the copy's own disk traffic showing
    in the figures (13.4 GB at 1,000,000 people)."""
    wal = kept / "data.db-wal"
    if wal.exists() and wal.stat().st_size > 0:
        raise RuntimeError(
            f"{wal} holds changes not yet in data.db: open and close the store first"
        )
    folder.mkdir()
    os.link(kept / "data.db", folder / "data.db")
    for path in kept.iterdir():
        if path.is_file() and not path.name.startswith("data.db"):
            shutil.copy2(path, folder / path.name)
    before = _fingerprint(kept / "data.db")
    read, write = os.pipe()
    try:
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child reports through the pipe
            os.close(read)
            code = 1
            try:
                store = Store.unlock(folder, user="bench", passphrase=PASSPHRASE)
                run = asdict(_import(store, work))
                code = 0
            except BaseException as exc:  # reported to the parent
                run = {"failed": f"{type(exc).__name__}: {exc}"}
            with os.fdopen(write, "w", encoding="utf-8") as out:
                out.write(json.dumps(run))
            os._exit(code)
        os.close(write)
        with os.fdopen(read, encoding="utf-8") as inp:
            told = json.loads(inp.read() or '{"failed": "the run ended without a word"}')
        os.waitpid(pid, 0)
    finally:
        after = _fingerprint(kept / "data.db")
        shutil.rmtree(folder)
    if after != before:
        raise RuntimeError(f"{kept / 'data.db'} was written to by a linked run: rebuild it")
    if "failed" in told:
        raise RuntimeError(f"benchmark import failed: {told['failed']}")
    return Run(**told)


def _fingerprint(path: Path) -> tuple[int, int]:
    found = path.stat()
    return found.st_size, found.st_mtime_ns


def timed(
    kept: Path,
    work: Callable[[Store], ImportReport],
    runs: int,
    scratch: Path,
    *,
    linked: bool = False,
) -> tuple[float, float, float | None, Run]:
    """Median wall-clock and CPU seconds of ``work``, each run on a fresh copy of the kept
    store (:func:`run_copied`) or, ``linked``, on the kept data.db itself
    (:func:`run_linked`); the median wall-clock seconds of the checkpoint that follows (an
    import's commit leaves its pages in the WAL: ``Store.write(bulk=True)``; the application
    folds them into data.db in the background, ``outreach import`` as it closes the store),
    None when linked; and the last run. CPU time is this process's (SQLCipher runs in it),
    which a machine busy with other work does not inflate the way it inflates the wall
    clock."""
    if linked:
        # Beside the kept store: a hard link cannot cross to another file system.
        done = [run_linked(kept, work, kept.parent / f".{kept.name}-run-{n}") for n in range(runs)]
    else:
        done = [run_copied(kept, work, scratch / f"run-{n}") for n in range(runs)]
    last = done[-1]
    if last.refused is not None:
        raise RuntimeError(f"benchmark import refused: {last.refused}")
    folds = [run.folding for run in done if run.folding is not None]
    return (
        statistics.median(run.seconds for run in done),
        statistics.median(run.cpu for run in done),
        statistics.median(folds) if folds else None,
        last,
    )


def run_size(
    size: int,
    rows: list[int],
    runs: int,
    keep: Path | None,
    *,
    people_only: bool = False,
    kinds: tuple[str, ...] = KINDS,
    spans: tuple[str, ...] = SPANS,
    linked: bool = False,
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
            quarter = AS_OF - timedelta(RECENT_DAYS - 1)
            since = {"recent": quarter, "few-people": quarter, "ten-years": None}
            days = {
                (n, span): resident_days(with_store, n, since[span], fewest=span == "few-people")
                for n in rows
                for span in spans
            }
        finally:
            with_store.close()
        for n in rows:
            files: list[tuple[str, str, Callable[[Store], ImportReport]]] = []
            if "people" in kinds:
                files.append(("people", "", partial(import_people, source=people_file(n))))
            for span in spans:
                pairs, first = days[n, span]
                people = len({ref for ref, _ in pairs})
                shown = f"{span}: {people:,} people, {first:%d %b %Y} to {AS_OF:%d %b %Y}"
                if "conversations" in kinds:
                    work: Callable[[Store], ImportReport] = partial(
                        import_conversations, source=conversations_file(pairs)
                    )
                    files.append(("conversations", shown, work))
                if "screening" in kinds:
                    work = partial(import_screening, source=screening_file(pairs))
                    files.append(("screening", shown, work))
            for what, span_shown, work in files:
                seconds, cpu, folding, report = timed(kept, work, runs, scratch, linked=linked)
                then = "" if folding is None else f"; then the checkpoint {folding:4.2f} s"
                print(
                    f"  import {n:>7,} {what:<13} {seconds:7.2f} s  (CPU {cpu:6.2f} s; "
                    f"{report.added:,} added{then})" + (f"  {span_shown}" if span_shown else ""),
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
        f"{RECENT_DAYS} days, what a site imports), few-people (those days, of as few people "
        "as hold enough of them: about as many people at every size), ten-years (every "
        "stay's days, the worst case); comma separated, default all",
    )
    parser.add_argument(
        "--linked",
        action="store_true",
        help="run each import on the kept store's data.db through a hard link, in a child "
        "process that leaves it unchanged, instead of on a copy (for stores too large to copy "
        "for every run; the checkpoint after each import is then not timed)",
    )
    args = parser.parse_args(argv)
    if args.linked and not hasattr(os, "fork"):
        parser.error("--linked runs each import in a forked process, which this system lacks")
    sizes = [int(part.replace("_", "")) for part in args.sizes.split(",")]
    rows = [int(part.replace("_", "")) for part in args.rows.split(",")]
    kinds = _listed(args.files, KINDS, "--files")
    spans = _listed(args.spans, SPANS, "--spans")
    shown = ", ".join(f"{n:,}" for n in rows)
    how = "on the kept data.db, linked" if args.linked else "each on a copy"
    print(f"outreach import benchmark: {shown} rows per file, median of {args.runs} runs ({how})")
    for size in sizes:
        run_size(
            size,
            rows,
            args.runs,
            args.keep,
            people_only=args.people_only,
            kinds=kinds,
            spans=spans,
            linked=args.linked,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
