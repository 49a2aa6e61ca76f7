"""``python -m outreach.bench [--sizes 1000,10000,200000] [--quick]``: time the everyday
operations on synthetic stores beside hand-written SQL on a plain sqlite3 copy of the same
data, and print the figures with the peak memory.

For each size it builds a keyed store and a plain (stdlib sqlite3, unencrypted) database with
the same schema and the same rows (bulk executemany, then ANALYZE on both), and reports the
median of several runs of:

- dashboard: ``stats.dashboard.dashboard()`` (which reads the coverage and reach checks on a
  second connection beside the rest); plain: the same SQL statements, captured from one
  dashboard run, executed one after another on the plain copy (so the ratio is the cost of
  encryption, SQLAlchemy and the Python assembly, less what the second core gives back);
- person search: ``services.search.search_people`` (a hand query if absent); plain: a prefix /
  substring LIKE query;
- log conversation: ``services.conversations.log_conversation`` (insert + audit row if absent);
  plain: the same inserts and an audit row in one transaction, WAL and synchronous=FULL;
- import people: ``services.importing.import_people`` of a CSV (skipped if absent); plain:
  executemany of the people and their stays in one transaction;
- export a year: ``exports.export.export_summary`` in every format (skipped if absent).

Only synthetic data is written, in a temporary folder removed at the end. With ``--keep DIR``
the built stores are kept in ``DIR/<size>/`` and reused by later runs (each run works on a
fresh copy, so the timed writes never change the kept stores); ``--statements`` also times
each dashboard statement on both stores.
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event, text

from outreach.bench.data import AS_OF, load
from outreach.bench.operations import (
    PASSPHRASE,
    PERIOD,
    export_once,
    import_once,
    log_once,
    peak_mb,
    search_once,
)
from outreach.stats.dashboard import dashboard
from outreach.store.engine import PAGE_CACHE_KIB
from outreach.store.store import Store
from outreach.wording import fold, fold_sql

# The plain copy gets the page cache the keyed store's connections get, so the comparison
# is of the statements and the encryption, not of cache sizes.
PLAIN_CACHE = -PAGE_CACHE_KIB
Timing = tuple[str, float | None, float | None, str]


def _median_ms(action: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def plain_copy(store: Store, path: Path) -> sqlite3.Connection:
    """An unencrypted database with the store's schema (tables and indexes), same pragmas."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA temp_store = MEMORY")
    conn.execute(f"PRAGMA cache_size = {PLAIN_CACHE}")
    with store.read() as session:
        ddl = session.execute(
            text(
                "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL "
                "AND name NOT LIKE 'sqlite_%' ORDER BY type = 'index', rowid"
            )
        ).all()
    for (sql,) in ddl:
        conn.execute(sql)
    conn.execute(
        "INSERT INTO account (id, name, role, created_at) "
        "VALUES (1, 'bench', 'admin', '2025-01-01 00:00:00')"
    )
    return conn


def build(folder: Path, size: int) -> tuple[Store, sqlite3.Connection, float]:
    store, _ = Store.init(folder / "store", site_name="Bench", admin="bench", passphrase=PASSPHRASE)
    start = time.perf_counter()
    with store.engine.connect() as conn:
        raw: Any = conn.connection.driver_connection
        load(raw, size)
    plain = plain_copy(store, folder / "plain.db")
    load(plain, size)
    return store, plain, time.perf_counter() - start


def refresh_kept(kept: Path) -> None:
    """Bring kept stores up to the current schema: migrate the keyed store in place (its
    pre-migration backup of synthetic data is not kept) and give the plain copy every table,
    index and trigger the keyed store has gained, a new table with the keyed store's rows."""
    store = Store.unlock(kept / "store", user="bench", passphrase=PASSPHRASE)
    plain = sqlite3.connect(kept / "plain.db", isolation_level=None)
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
            for kind, name, sql in missing:
                plain.execute(sql)
                if kind == "table":
                    rows = session.execute(text(f"SELECT * FROM {name}")).all()
                    if rows:
                        marks = ", ".join("?" * len(rows[0]))
                        plain.executemany(f"INSERT INTO {name} VALUES ({marks})", rows)
            plain.execute("COMMIT")
        for kind, name, _ in missing:
            if kind in ("table", "index"):
                plain.execute(f"ANALYZE {name}")
    finally:
        plain.close()
        store.close()
    shutil.rmtree(kept / "store" / "backups", ignore_errors=True)


def build_or_reuse(
    folder: Path, size: int, keep: Path | None
) -> tuple[Store, sqlite3.Connection, str]:
    """The two stores of ``size`` people in ``folder``: built there, or (with ``keep``) copied
    from ``keep/<size>/``, which is built first when it does not hold them yet."""
    if keep is None:
        store, plain, seconds = build(folder, size)
        return store, plain, f"built both stores in {seconds:.1f} s"
    kept = keep / str(size)
    note = "reused the kept stores"
    if not (kept / "plain.db").exists():
        shutil.rmtree(kept, ignore_errors=True)
        kept.mkdir(parents=True)
        store, plain, seconds = build(kept, size)
        plain.close()
        store.close()
        note = f"built both stores in {seconds:.1f} s, kept in {kept}"
    else:
        refresh_kept(kept)
    for item in kept.iterdir():
        if item.is_dir():
            shutil.copytree(item, folder / item.name)
        else:
            shutil.copy2(item, folder / item.name)
    store = Store.unlock(folder / "store", user="bench", passphrase=PASSPHRASE)
    plain = sqlite3.connect(folder / "plain.db", isolation_level=None)
    for pragma in ("journal_mode = WAL", "synchronous = FULL", "foreign_keys = ON"):
        plain.execute(f"PRAGMA {pragma}")
    plain.execute("PRAGMA temp_store = MEMORY")
    plain.execute(f"PRAGMA cache_size = {PLAIN_CACHE}")
    return store, plain, note


def captured_dashboard_sql(store: Store) -> list[tuple[str, Any]]:
    """The statements one dashboard run sends to SQLite, with their parameters."""
    seen: list[tuple[str, Any]] = []

    def capture(conn: Any, cursor: Any, statement: str, params: Any, *args: Any) -> None:
        seen.append((statement, params))

    # Every engine: the dashboard reads on the store's pool and on its aside connection.
    event.listen(Engine, "before_cursor_execute", capture)
    try:
        dashboard(store, as_of=AS_OF, period=PERIOD)
    finally:
        event.remove(Engine, "before_cursor_execute", capture)
    return seen


def time_dashboard(store: Store, plain: sqlite3.Connection, runs: int) -> Timing:
    statements = captured_dashboard_sql(store)

    statements = [(sql, params) for sql, params in statements if not sql.startswith("BEGIN")]

    def replay() -> None:
        plain.execute("BEGIN")
        for statement, params in statements:
            plain.execute(statement, params).fetchall()
        plain.execute("COMMIT")

    ours = _median_ms(lambda: dashboard(store, as_of=AS_OF, period=PERIOD), runs)
    return "dashboard", ours, _median_ms(replay, runs), f"{len(statements)} statements"


def time_search(store: Store, plain: sqlite3.Connection, size: int, runs: int) -> Timing:
    needle = f"Person {size // 2}"
    # Names are compared folded in every script, on both sides, as search_people does.
    plain.create_function("fold", 1, fold_sql, deterministic=True)
    sql = (
        "SELECT id, ref, display_name, date_of_birth FROM person "
        "WHERE ref LIKE ? OR fold(display_name) LIKE ? ORDER BY ref LIMIT 50"
    )
    params = (f"{needle}%", f"%{fold(needle)}%")
    ours = _median_ms(lambda: search_once(store, size), runs)
    theirs = _median_ms(lambda: plain.execute(sql, params).fetchall(), runs)
    return "person search", ours, theirs, "search_people, filter all"


def time_log_conversation(store: Store, plain: sqlite3.Connection, runs: int) -> Timing:
    day = date(AS_OF.year, 12, 1)

    def theirs_run() -> None:
        plain.execute("BEGIN IMMEDIATE")
        cid = plain.execute(
            "INSERT INTO conversation (occurred_on, kind, person_id, attendees, setting, minutes,"
            " outcome, created_at) VALUES (?, 'one_to_one', 1, 1, 'wing', 15, 'booked',"
            " '2025-01-01 00:00:00')",
            (day.isoformat(),),
        ).lastrowid
        plain.execute("INSERT INTO conversation_mentor VALUES (?, 1)", (cid,))
        plain.execute("INSERT INTO conversation_barrier VALUES (?, 'fear_anxiety')", (cid,))
        last = plain.execute("SELECT hash FROM audit ORDER BY id DESC LIMIT 1").fetchone()
        plain.execute(
            "INSERT INTO audit (at, account_id, action, entity, entity_id, fields, prev_hash,"
            " hash) VALUES ('2025-01-01 00:00:00', 1, 'conversation.log', 'conversation', ?,"
            " '', ?, ?)",
            (cid, last[0] if last else "0" * 64, "f" * 64),
        )
        plain.execute("COMMIT")

    ours = _median_ms(lambda: log_once(store), runs)
    return "log conversation", ours, _median_ms(theirs_run, runs), "log_conversation"


def time_import(store: Store, plain: sqlite3.Connection, rows: int, runs: int) -> Timing:
    batch = [0]

    def ours_run() -> None:
        batch[0] += 1
        import_once(store, rows, batch[0])

    def theirs_run() -> None:
        batch[0] += 1
        start = plain.execute("SELECT max(id) FROM person").fetchone()[0] + 1
        plain.execute("BEGIN IMMEDIATE")
        plain.executemany(
            "INSERT INTO person (id, ref, display_name, date_of_birth, has_cervix, created_at)"
            " VALUES (?, ?, ?, '1990-01-01', 'unknown', '2025-01-01 00:00:00')",
            [(start + i, f"N{batch[0]}-{i:06d}", f"New person {i}") for i in range(rows)],
        )
        plain.executemany(
            "INSERT INTO stay (person_id, unit_id, arrived_on) VALUES (?, 1, '2024-12-01')",
            [(start + i,) for i in range(rows)],
        )
        plain.execute("COMMIT")

    return (
        f"import {rows} people",
        _median_ms(ours_run, runs),
        _median_ms(theirs_run, runs),
        "import_people (CSV)",
    )


def time_export(store: Store, runs: int, folder: Path) -> Timing:
    count = [0]

    def ours_run() -> object:
        count[0] += 1
        return export_once(store, folder / f"export-{count[0]}")

    return "export a year", _median_ms(ours_run, runs), None, "all formats; no plain equivalent"


def time_statements(store: Store, plain: sqlite3.Connection, runs: int) -> None:
    """Print each dashboard statement's median time on the keyed store and on the plain copy."""
    statements = [
        (sql, params)
        for sql, params in captured_dashboard_sql(store)
        if not sql.startswith("BEGIN")
    ]
    with store.engine.connect() as conn:
        raw: Any = conn.connection.driver_connection
        for sql, params in statements:

            def ours_run(sql: str = sql, params: Any = params) -> object:
                return raw.execute(sql, params).fetchall()

            def theirs_run(sql: str = sql, params: Any = params) -> object:
                return plain.execute(sql, params).fetchall()

            ours, theirs = _median_ms(ours_run, runs), _median_ms(theirs_run, runs)
            first = " ".join(sql.split())[:60]
            print(f"    {ours:9.1f} ms  plain {theirs:9.1f} ms  {first}")


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


def run_size(
    size: int, *, runs: int, import_rows: int, keep: Path | None = None, statements: bool = False
) -> list[Timing]:
    with tempfile.TemporaryDirectory(prefix="outreach-bench-") as tmp:
        folder = Path(tmp)
        store, plain, note = build_or_reuse(folder, size, keep)
        print(f"\n{size:,} people: {note}", flush=True)
        try:
            if statements:
                time_statements(store, plain, runs)
            timings = [
                time_dashboard(store, plain, runs),
                time_search(store, plain, size, runs),
                time_log_conversation(store, plain, max(runs, 20)),
                time_import(store, plain, import_rows, max(1, runs // 2)),
                time_export(store, max(1, runs // 2), folder),
            ]
        finally:
            plain.close()
            store.close()
        app_peak = app_peak_mb(folder / "store", size, folder / "memory-export", import_rows)
    for name, ours, theirs, note in timings:
        ours_text = "skipped" if ours is None else f"{ours:9.1f} ms"
        theirs_text = "-" if theirs is None else f"{theirs:9.1f} ms"
        ratio = f"{ours / theirs:5.2f}x" if ours is not None and theirs else "  -"
        print(f"  {name:<22} {ours_text:>12}  plain {theirs_text:>12}  {ratio}  {note}")
    print(
        f"  peak memory of the application's work: {app_peak:.0f} MB (a process of its own: "
        "dashboard three times, search, log, import, export)",
        flush=True,
    )
    return timings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m outreach.bench", description=__doc__)
    parser.add_argument("--sizes", default=None, help="people per store, comma separated")
    parser.add_argument("--quick", action="store_true", help="fewer runs and smaller sizes")
    parser.add_argument(
        "--keep", type=Path, default=None, help="keep the built stores here and reuse them"
    )
    parser.add_argument(
        "--statements", action="store_true", help="also time each dashboard statement"
    )
    args = parser.parse_args(argv)
    default = "1000,10000" if args.quick else "1000,10000,200000"
    sizes = [int(part.replace("_", "")) for part in (args.sizes or default).split(",")]
    runs = 3 if args.quick else 7
    import_rows = 1000 if args.quick else 10_000
    print(f"outreach benchmark: as of {AS_OF}, period {PERIOD.label}, median of {runs} runs")
    for size in sizes:
        run_size(
            size, runs=runs, import_rows=import_rows, keep=args.keep, statements=args.statements
        )
    print(f"\npeak memory of this benchmark process (stores, plain copies): {peak_mb():.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
