"""The application's own operations the benchmark times, each as a user makes it, shared by
the timing run and the memory run (``outreach.bench.memory``)."""

from __future__ import annotations

import resource
import sys
from datetime import date
from pathlib import Path

from outreach.bench.data import AS_OF
from outreach.exports.export import export_summary
from outreach.imports.pipeline import import_people
from outreach.services.conversations import LogConversation, log_conversation
from outreach.services.search import search_people
from outreach.stats.period import Period
from outreach.store.store import Store

PASSPHRASE = "benchmark passphrase"
PERIOD = Period.year(AS_OF.year)


def peak_mb() -> float:
    """Peak resident memory of this process so far, in MB: the kernel's high-water mark of
    this program (VmHWM) where Linux gives it. ``ru_maxrss`` is the fallback (KiB on Linux,
    bytes on macOS); it carries over the parent's peak across fork and exec, so it would
    report the benchmark's own peak in the memory run."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024)


def search_once(store: Store, size: int) -> object:
    """One person search as the people screen makes it."""
    return search_people(store, text=f"Person {size // 2}", as_of=AS_OF)


LOGGED_ON = date(AS_OF.year, 12, 1)

# The person each store's conversations are logged with, found once per store (not timed).
_RESIDENT: dict[Path, str] = {}


def _resident(store: Store) -> str:
    """A person resident on LOGGED_ON: a conversation on the wing needs one."""
    if store.folder not in _RESIDENT:
        page = search_people(store, filter="resident", as_of=LOGGED_ON, limit=1)
        if not page.rows:
            raise RuntimeError(f"the benchmark store has no resident on {LOGGED_ON}")
        _RESIDENT[store.folder] = page.rows[0].ref
    return _RESIDENT[store.folder]


def log_once(store: Store) -> object:
    """One one-to-one conversation on the wing with a resident, logged as the conversation
    form logs it."""
    person_ref = _resident(store)
    return log_conversation(
        store,
        LogConversation(
            occurred_on=LOGGED_ON,
            kind="one_to_one",
            mentors=["Mentor 1"],
            setting="wing",
            outcome="booked",
            minutes=15,
            person_ref=person_ref,
            barriers=["fear_anxiety"],
        ),
    )


def people_csv(rows: int, batch: int) -> bytes:
    """``rows`` new people arriving in one CSV; ``batch`` keeps their refs apart."""
    lines = ["ref,name,date_of_birth,arrived,unit"]
    lines += [f"N{batch}-{i:06d},New person {i},1990-01-01,2024-12-01,Unit 1" for i in range(rows)]
    return ("\n".join(lines) + "\n").encode()


def import_once(store: Store, rows: int, batch: int) -> None:
    report = import_people(store, people_csv(rows, batch))
    if report.errors:
        raise RuntimeError(f"benchmark import refused: {report.errors[:1]}")


def export_once(store: Store, out: Path) -> object:
    """The year exported in every format."""
    return export_summary(store, period=PERIOD.label, out=out)
