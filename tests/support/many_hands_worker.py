"""One of several programs writing to one store at once, as an open application would.

    python many_hands_worker.py FOLDER ACCOUNT PREFIX COUNT OTHER_PREFIX OTHER_COUNT

Unlocks the store as ACCOUNT (passphrase from OUTREACH_PASSPHRASE), says "ready", waits for a
line on stdin (the start), then adds COUNT people PREFIX-0000 … one transaction each, a few
milliseconds apart, saying "saved REF T" after each commit (T: time.time()). Meanwhile a thread
watches the store the way the application does (Store.poll_changes every WATCH_SECONDS of the
application) and says "seen REF T" the first time each of OTHER_PREFIX's people is visible.
A write that fails says "refused <ErrorType>: <message>". Ends with "done" once all its own
writes are made and all OTHER_COUNT of the other's are seen (or 60 s have passed).
"""

from __future__ import annotations

import os
import random
import sys
import threading
import time
from datetime import date
from pathlib import Path

LOCK = threading.Lock()


def say(line: str) -> None:
    with LOCK:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


def main() -> None:
    folder, account, prefix = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
    count, other, other_count = int(sys.argv[4]), sys.argv[5], int(sys.argv[6])
    from sqlmodel import col, select

    from outreach.model import Person
    from outreach.services.people import AddPerson, add_person
    from outreach.store.errors import StoreError
    from outreach.store.store import Store
    from outreach.tui.app import WATCH_SECONDS

    store = Store.unlock(folder, user=account, passphrase=os.environ["OUTREACH_PASSPHRASE"])
    store.poll_changes()  # bearings, as the application takes them when it opens
    say("ready")
    sys.stdin.readline()
    seen: set[str] = set()
    finished = threading.Event()

    def watch() -> None:
        deadline = time.monotonic() + 60
        while len(seen) < other_count and time.monotonic() < deadline:
            time.sleep(WATCH_SECONDS)
            if store.poll_changes() is None:
                continue
            with store.read() as session:
                refs = session.exec(
                    select(Person.ref).where(col(Person.ref).startswith(f"{other}-"))
                ).all()
            moment = time.time()
            for ref in sorted(set(refs) - seen):
                seen.add(ref)
                say(f"seen {ref} {moment:.3f}")
        finished.set()

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    rng = random.Random(prefix)
    for i in range(count):
        ref = f"{prefix}-{i:04d}"
        try:
            add_person(
                store,
                AddPerson(
                    ref=ref,
                    display_name=f"Person {ref}",
                    date_of_birth=date(1970 + i % 30, 1 + i % 12, 1 + i % 28),
                    arrived_on=date(2024, 1, 1),
                ),
            )
        except StoreError as exc:
            say(f"refused {type(exc).__name__}: {exc}")
        else:
            say(f"saved {ref} {time.time():.3f}")
        time.sleep(rng.uniform(0.0, 0.03))
    finished.wait(timeout=90)
    store.close()
    say("done")


if __name__ == "__main__":
    main()
