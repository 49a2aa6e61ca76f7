"""``python -m outreach.bench [--sizes 1000,10000,200000,1000000] [--quick]``: each figure
the application reads, timed beside hand-written SQL for the same figure, checked to agree.

For each size the benchmark uses a keyed store and a plain (unencrypted) copy of the same rows,
both opened with sqlcipher3, so both run on the SQLite sqlcipher3 bundles. They are built once
(bulk executemany, then ANALYZE) into ``--cache`` (default: ``outreach-bench`` in the system's
temporary folder), one folder per size and seed, and reused by later runs, which bring them up
to the current schema first; the build time is printed when a store is built and when it is
reused. Only synthetic data is ever written.

For each measure (``outreach.bench.measures``: coverage by age band and unit on a day, the
12-month trend, the month's conversation figures, reach, follow-ups, uptake and colposcopy, the
whole month dashboard, person search) it first checks that the application's figures and the
hand SQL's are equal (on the keyed store and on the plain copy), then prints the median time
of the application on the keyed store, of the hand SQL on the keyed store's own connection and
on the plain copy, and the ratios app / hand (keyed) and app / hand (plain). Times are CPU
time of the benchmark's process (``time.process_time``: every thread, so the dashboard's two
connections count both), which other work on a busy machine does not inflate; ``--wall``
times wall-clock instead. A year's export (every format, signed) is compared with the hand
SQL of the year's figures written as a CSV.
Logging a conversation and importing people are timed on a copy, and the peak memory of the
application's own work is measured in a process of its own (``outreach.bench.memory``).
``--statements`` also times each dashboard statement on both stores.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

import sqlcipher3
from sqlalchemy import Engine, event, text

from outreach.bench.data import AS_OF, YEARS, load
from outreach.bench.measures import MONTH, export_check, hand_export, measures
from outreach.bench.operations import (
    PASSPHRASE,
    PERIOD,
    export_once,
    import_once,
    log_once,
    peak_mb,
)
from outreach.bench.search import time_searches
from outreach.model.people import PIECES_INDEX, SEARCH_INDEX_TABLES
from outreach.stats.dashboard import dashboard
from outreach.store.engine import PAGE_CACHE_KIB
from outreach.store.store import Store
from outreach.wording import fold_sql, search_key_sql, search_pieces_sql

SEED = 42
# The plain copy gets the page cache the keyed store's connections get, so the comparison
# is of the statements and the encryption, not of cache sizes.
PLAIN_CACHE = -PAGE_CACHE_KIB
Row = tuple[str, float | None, float | None, float | None, str]

# Times are CPU time of this process (every thread: the dashboard's two connections count
# both), so a machine busy with other work does not inflate them; ``--wall`` times wall-clock
# instead, which is what a person waits on a quiet machine.
_clock: Callable[[], float] = time.process_time


def _median_ms(action: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = _clock()
        action()
        times.append(_clock() - start)
    return statistics.median(times) * 1000


def _interleaved_ms(actions: list[Callable[[], object]], runs: int) -> list[float]:
    """The median time of each action, run in turn ``runs`` times, so a busy moment of the
    machine falls on all of them alike."""
    times: list[list[float]] = [[] for _ in actions]
    for _ in range(runs):
        for action, kept in zip(actions, times, strict=True):
            start = _clock()
            action()
            kept.append(_clock() - start)
    return [statistics.median(kept) * 1000 for kept in times]


def open_plain(path: Path) -> Any:
    """The plain copy, opened with sqlcipher3 (no key: an ordinary SQLite file, read by the
    SQLite sqlcipher3 bundles) and the keyed store's pragmas."""
    conn = sqlcipher3.connect(str(path), isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA temp_store = MEMORY")
    conn.execute(f"PRAGMA cache_size = {PLAIN_CACHE}")
    conn.create_function("fold", 1, fold_sql, deterministic=True)
    conn.create_function("search_key", 1, search_key_sql, deterministic=True)
    conn.create_function("search_pieces", 1, search_pieces_sql, deterministic=True)
    return conn


def plain_copy(store: Store, path: Path) -> Any:
    """An unencrypted database with the store's schema (tables, indexes, triggers)."""
    conn = open_plain(path)
    with store.read() as session:
        ddl = session.execute(
            text(
                "SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL "
                "AND name NOT LIKE 'sqlite_%' ORDER BY type = 'trigger', type = 'index', rowid"
            )
        ).all()
    for name, sql in ddl:
        # A virtual table's shadow tables come with it.
        if not conn.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (name,)).fetchone():
            conn.execute(sql)
    conn.execute(
        "INSERT INTO account (id, name, role, created_at) "
        "VALUES (1, 'bench', 'admin', '2025-01-01 00:00:00')"
    )
    return conn


def build(folder: Path, size: int, seed: int, years: int = YEARS) -> float:
    """Build the keyed store and its plain copy in ``folder`` (``years`` years of history);
    the seconds it took."""
    start = time.perf_counter()
    store, _ = Store.init(folder / "store", site_name="Bench", admin="bench", passphrase=PASSPHRASE)
    try:
        with store.engine.connect() as conn:
            raw: Any = conn.connection.driver_connection
            load(raw, size, seed, years=years)
        plain = plain_copy(store, folder / "plain.db")
        load(plain, size, seed, years=years)
        plain.close()
    finally:
        store.close()
    return time.perf_counter() - start


def refresh_kept(kept: Path) -> None:
    """Bring kept stores up to the current schema: migrate the keyed store in place (its
    pre-migration backup of synthetic data is not kept) and give the plain copy every table,
    index and trigger the keyed store has gained, a new table with the keyed store's rows, and
    every column a migration added to a table it has (empty)."""
    store = Store.unlock(kept / "store", user="bench", passphrase=PASSPHRASE)
    plain = open_plain(kept / "plain.db")
    try:
        have = {row[0] for row in plain.execute("SELECT name FROM sqlite_master")}
        with store.read() as session:
            objects = session.execute(
                text(
                    "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL "
                    "AND name NOT LIKE 'sqlite_%' ORDER BY type = 'trigger', type = 'index', rowid"
                )
            ).all()
            missing = [(kind, name, sql) for kind, name, sql in objects if name not in have]
            plain.execute("BEGIN")
            # Columns a migration added to a table both have: added empty (the hand SQL reads
            # none of them; their indexes, made below, then hold only NULLs).
            for kind, name, _ in objects:
                # A virtual table cannot be altered, and the hand SQL never reads the name
                # index: the plain copy keeps the shape it was built with (0027 remade it).
                if kind != "table" or name not in have or name in SEARCH_INDEX_TABLES:
                    continue
                keyed_columns = session.execute(text(f"PRAGMA table_info({name})")).all()
                plain_columns = {row[1] for row in plain.execute(f"PRAGMA table_info({name})")}
                for column in keyed_columns:
                    if column[1] not in plain_columns:
                        plain.execute(f"ALTER TABLE {name} ADD COLUMN {column[1]} {column[2]}")
            for kind, name, sql in missing:
                # Tables a virtual table keeps for itself come with it.
                if kind == "table" and name in {
                    row[0] for row in plain.execute("SELECT name FROM sqlite_master")
                }:
                    continue
                plain.execute(sql)
                if kind != "table" or name == PIECES_INDEX:
                    # person_pieces keeps no copy of its text to read back, and the hand SQL
                    # never reads it: the plain copy's stays empty.
                    continue
                # A virtual table's rows go in through it (its shadow tables come with it).
                virtual = sql.upper().startswith("CREATE VIRTUAL")
                found = session.execute(text(f"SELECT {'rowid, ' if virtual else ''}* FROM {name}"))
                columns = ", ".join(found.keys())
                rows = found.all()
                if rows:
                    marks = ", ".join("?" * len(rows[0]))
                    plain.executemany(f"INSERT INTO {name} ({columns}) VALUES ({marks})", rows)
            plain.execute("COMMIT")
        for kind, name, _ in missing:
            if kind in ("table", "index"):
                plain.execute(f"ANALYZE {name}")
    finally:
        plain.close()
        store.close()
    shutil.rmtree(kept / "store" / "backups", ignore_errors=True)


def cached(cache: Path, size: int, seed: int, years: int = YEARS) -> tuple[Path, str]:
    """The folder in ``cache`` holding the stores of ``size`` people, ``seed`` and ``years``
    years of history: built when absent (or left half built), brought up to the current
    schema otherwise."""
    kept = cache / (f"{size}-seed{seed}" + ("" if years == YEARS else f"-{years}y"))
    done = kept / "built-seconds"
    if done.exists():
        refresh_kept(kept)
        seconds = float(done.read_text(encoding="ascii"))
        return kept, f"reused {kept} (building it took {seconds:.0f} s)"
    shutil.rmtree(kept, ignore_errors=True)
    kept.mkdir(parents=True)
    seconds = build(kept, size, seed, years)
    done.write_text(f"{seconds:.1f}", encoding="ascii")
    return kept, f"built {kept} in {seconds:.0f} s"


def open_both(folder: Path) -> tuple[Store, Any]:
    store = Store.unlock(folder / "store", user="bench", passphrase=PASSPHRASE)
    return store, open_plain(folder / "plain.db")


def captured_dashboard_sql(store: Store) -> list[tuple[str, Any]]:
    """The statements one month dashboard sends to SQLite, with their parameters."""
    seen: list[tuple[str, Any]] = []

    def capture(conn: Any, cursor: Any, statement: str, params: Any, *args: Any) -> None:
        seen.append((statement, params))

    # Every engine: the dashboard reads on the store's pool and on its aside connection.
    event.listen(Engine, "before_cursor_execute", capture)
    try:
        dashboard(store, as_of=AS_OF, period=MONTH)
    finally:
        event.remove(Engine, "before_cursor_execute", capture)
    return [(sql, params) for sql, params in seen if not sql.startswith("BEGIN")]


def time_statements(store: Store, plain: Any, runs: int) -> None:
    """Print each dashboard statement's median time on the keyed store and on the plain copy."""
    with store.engine.connect() as conn:
        raw: Any = conn.connection.driver_connection
        for sql, params in captured_dashboard_sql(store):

            def ours_run(sql: str = sql, params: Any = params) -> object:
                return raw.execute(sql, params).fetchall()

            def theirs_run(sql: str = sql, params: Any = params) -> object:
                return plain.execute(sql, params).fetchall()

            ours, theirs = _interleaved_ms([ours_run, theirs_run], runs)
            first = " ".join(sql.split())[:60]
            print(f"    {ours:9.1f} ms  plain {theirs:9.1f} ms  {first}")


def time_measures(store: Store, plain: Any, size: int, runs: int) -> tuple[list[Row], bool]:
    """Check and time every measure; the rows and whether every check agreed."""
    rows: list[Row] = []
    agreed = True
    with store.engine.connect() as conn:
        keyed: Any = conn.connection.driver_connection
        for measure in measures(size):
            app = measure.app(store)
            same = app == measure.hand(keyed) == measure.hand(plain)
            agreed = agreed and same
            note = measure.note if same else f"DIFFERENT FIGURES: {measure.note}"
            ours, by_hand, by_hand_plain = _interleaved_ms(
                [
                    partial(measure.app, store),
                    partial(measure.hand, keyed),
                    partial(measure.hand, plain),
                ],
                runs,
            )
            rows.append((measure.name, ours, by_hand, by_hand_plain, note))
    return rows, agreed


def time_export(store: Store, plain: Any, runs: int, folder: Path) -> tuple[Row, bool]:
    count = [0]

    def ours_run() -> object:
        count[0] += 1
        return export_once(store, folder / f"export-{count[0]}")

    with store.engine.connect() as conn:
        keyed: Any = conn.connection.driver_connection
        same = export_check(store, keyed) and export_check(store, plain)

        def hand_run(on: Any = keyed) -> None:
            count[0] += 1
            hand_export(on, folder / f"hand-{count[0]}.csv")

        ours, by_hand, by_hand_plain = _interleaved_ms(
            [ours_run, hand_run, lambda: hand_run(plain)], runs
        )
    note = "every format, signed; hand: the year's figures as CSV"
    return (
        "export a year",
        ours,
        by_hand,
        by_hand_plain,
        note if same else "DIFFERENT FIGURES",
    ), same


def time_writes(store: Store, plain: Any, import_rows: int, runs: int) -> list[Row]:
    """Logging a conversation and importing people, on copies (they change the stores)."""
    day = date(AS_OF.year, 12, 1)

    def theirs_log() -> None:
        plain.execute("BEGIN IMMEDIATE")
        cid = plain.execute(
            "INSERT INTO conversation (occurred_on, kind, person_id, attendees, setting, minutes,"
            " outcome, created_at) VALUES (?, 'one_to_one', 1, 1, 'wing', 15, 'booked',"
            " '2025-01-01 00:00:00')",
            (day.isoformat(),),
        ).lastrowid
        plain.execute(
            "INSERT INTO conversation_mentor (conversation_id, mentor_id) VALUES (?, 1)", (cid,)
        )
        plain.execute(
            "INSERT INTO conversation_barrier (conversation_id, code) VALUES (?, 'fear_anxiety')",
            (cid,),
        )
        last = plain.execute("SELECT hash FROM audit ORDER BY id DESC LIMIT 1").fetchone()
        plain.execute(
            "INSERT INTO audit (at, account_id, action, entity, entity_id, fields, prev_hash,"
            " hash) VALUES ('2025-01-01 00:00:00', 1, 'conversation.log', 'conversation', ?,"
            " '', ?, ?)",
            (cid, last[0] if last else "0" * 64, "f" * 64),
        )
        plain.execute("COMMIT")

    batch = [0]

    def ours_import() -> None:
        batch[0] += 1
        import_once(store, import_rows, batch[0])

    def theirs_import() -> None:
        batch[0] += 1
        start = plain.execute("SELECT max(id) FROM person").fetchone()[0] + 1
        plain.execute("BEGIN IMMEDIATE")
        plain.executemany(
            "INSERT INTO person (id, ref, display_name, date_of_birth, has_cervix, created_at)"
            " VALUES (?, ?, ?, '1990-01-01', 'unknown', '2025-01-01 00:00:00')",
            [(start + i, f"N{batch[0]}-{i:06d}", f"New person {i}") for i in range(import_rows)],
        )
        plain.executemany(
            "INSERT INTO stay (person_id, unit_id, arrived_on) VALUES (?, 1, '2024-12-01')",
            [(start + i,) for i in range(import_rows)],
        )
        plain.execute("COMMIT")

    log = _interleaved_ms([lambda: log_once(store), theirs_log], max(runs, 20))
    imported = _interleaved_ms([ours_import, theirs_import], max(1, runs // 2))
    return [
        ("log conversation", log[0], None, log[1], "log_conversation; hand: inserts, audit row"),
        (f"import {import_rows} people", imported[0], None, imported[1], "import_people (CSV)"),
    ]


def app_peak_mb(store_folder: Path, size: int, out: Path, import_rows: int) -> float:
    """The peak memory of the application's own work on ``store_folder`` (which it changes),
    measured in a new process running ``outreach.bench.memory``."""
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "outreach.bench.memory",
            str(store_folder),
            str(size),
            str(out),
            "--import-rows",
            str(import_rows),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return float(done.stdout.split()[-1])


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def _ratio(ours: float | None, theirs: float | None) -> str:
    return "-" if ours is None or not theirs else f"{ours / theirs:.2f}x"


def print_rows(rows: list[Row]) -> None:
    print(
        f"  {'measure':<26} {'app ms':>9} {'hand ms':>9} {'plain ms':>9} "
        f"{'app/hand':>8} {'app/plain':>9}  note"
    )
    for name, ours, by_hand, plain, note in rows:
        print(
            f"  {name:<26} {_ms(ours):>9} {_ms(by_hand):>9} {_ms(plain):>9} "
            f"{_ratio(ours, by_hand):>8} {_ratio(ours, plain):>9}  {note}"
        )


def run_size(
    size: int,
    *,
    runs: int,
    import_rows: int,
    cache: Path,
    seed: int = SEED,
    statements: bool = False,
    export: bool = True,
    years: int = YEARS,
) -> bool:
    """Benchmark one size; whether every figure agreed with the hand SQL."""
    kept, note = cached(cache, size, seed, years)
    print(f"\n{size:,} people, {years} years of history: {note}", flush=True)
    store, plain = open_both(kept)
    try:
        if statements:
            time_statements(store, plain, runs)
        rows, agreed = time_measures(store, plain, size, runs)
        searched = time_searches(store, size, runs, _clock)
        rows += searched
        agreed = agreed and not any("DIFFERENT" in row[4] for row in searched)
        if export:
            with tempfile.TemporaryDirectory(prefix="outreach-bench-") as tmp:
                export_row, same = time_export(store, plain, max(1, runs // 2), Path(tmp))
            rows.append(export_row)
            agreed = agreed and same
    finally:
        plain.close()
        store.close()
    with tempfile.TemporaryDirectory(prefix="outreach-bench-") as tmp:
        folder = Path(tmp)
        shutil.copytree(kept / "store", folder / "store")
        shutil.copy2(kept / "plain.db", folder / "plain.db")
        store, plain = open_both(folder)
        try:
            rows += time_writes(store, plain, import_rows, runs)
        finally:
            plain.close()
            store.close()
        app_peak = app_peak_mb(folder / "store", size, folder / "memory-export", import_rows)
    print_rows(rows)
    print(
        f"  peak memory of the application's work: {app_peak:.0f} MB (a process of its own: "
        "dashboard three times, search, log, import, export)",
        flush=True,
    )
    if not agreed:
        print("  SOME FIGURES DIFFER from the hand SQL's (marked above)", flush=True)
    return agreed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m outreach.bench", description=__doc__)
    parser.add_argument("--sizes", default=None, help="people per store, comma separated")
    parser.add_argument("--quick", action="store_true", help="fewer runs and smaller sizes")
    parser.add_argument(
        "--cache",
        type=Path,
        default=Path(tempfile.gettempdir()) / "outreach-bench",
        help="where built stores are kept and reused (one folder per size and seed)",
    )
    parser.add_argument("--seed", type=int, default=SEED, help="the synthetic data's seed")
    parser.add_argument(
        "--years",
        type=int,
        default=YEARS,
        help="years of history in each store (the same rows per person: a store of "
        "size * years / 10 people has the residents and monthly activity of one of size "
        "people over ten years)",
    )
    parser.add_argument(
        "--statements", action="store_true", help="also time each dashboard statement"
    )
    parser.add_argument("--runs", type=int, default=None, help="runs of each measure")
    parser.add_argument(
        "--no-export",
        action="store_true",
        help="leave out the year's export (its hand SQL takes minutes at 200,000 people)",
    )
    parser.add_argument(
        "--wall",
        action="store_true",
        help="time wall-clock instead of CPU time (meaningful only on a quiet machine)",
    )
    args = parser.parse_args(argv)
    global _clock
    _clock = time.perf_counter if args.wall else time.process_time
    default = "1000,10000" if args.quick else "1000,10000,200000,1000000"
    sizes = [int(part.replace("_", "")) for part in (args.sizes or default).split(",")]
    runs = args.runs or (3 if args.quick else 7)
    import_rows = 1000 if args.quick else 10_000
    version = sqlcipher3.connect(":memory:").execute("SELECT sqlite_version()").fetchone()[0]
    print(
        f"outreach benchmark: as of {AS_OF}, month {MONTH.label} (export: {PERIOD.label}), "
        f"median of {runs} interleaved runs, SQLite {version} (sqlcipher3) on both stores; "
        + ("wall-clock ms" if args.wall else "CPU ms of this process (time.process_time)")
    )
    agreed = True
    for size in sizes:
        agreed = (
            run_size(
                size,
                runs=runs,
                import_rows=import_rows,
                cache=args.cache,
                seed=args.seed,
                statements=args.statements,
                export=not args.no_export,
                years=args.years,
            )
            and agreed
        )
    print(f"\npeak memory of this benchmark process (stores, plain copies): {peak_mb():.0f} MB")
    return 0 if agreed else 1


if __name__ == "__main__":
    raise SystemExit(main())
