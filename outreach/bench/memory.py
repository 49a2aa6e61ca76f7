"""``python -m outreach.bench.memory STORE SIZE OUT``: the peak memory of the application's own
work on a benchmark store, in a process that does nothing else.

The benchmark process also holds the plain sqlite3 copy (with its own page cache) and, when it
builds a store, the generator's rows, so its peak is not the application's. This process
unlocks ``STORE`` (a copy it may change), reads the dashboard three times, searches, logs a
conversation, imports 10,000 people and exports a year into ``OUT``, then prints its peak
resident memory in MB on the last line.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from outreach.bench.data import AS_OF
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
from outreach.store.store import Store


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m outreach.bench.memory", description=__doc__)
    parser.add_argument("store", type=Path)
    parser.add_argument("size", type=int)
    parser.add_argument("out", type=Path)
    parser.add_argument("--import-rows", type=int, default=10_000)
    args = parser.parse_args(argv)
    with Store.unlock(args.store, user="bench", passphrase=PASSPHRASE) as store:
        for _ in range(3):
            dashboard(store, as_of=AS_OF, period=PERIOD)
        search_once(store, args.size)
        log_once(store)
        import_once(store, args.import_rows, batch=999)
        export_once(store, args.out)
    print(f"{peak_mb():.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
