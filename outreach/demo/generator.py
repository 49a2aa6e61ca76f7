"""Build the demo store: a fictional women's prison of about 500 residents, from 2019 to a
given day, with peer mentors from April 2020.

Everything comes from one seeded random source, so a seed and a day always give the same
store (same people, same steps, same figures). The steps are written through the services,
so the demo follows the same rules as real use; see :mod:`outreach.demo.pathway` for the
story the simulation tells.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from outreach.clock import today as clock_today
from outreach.demo.account import DEMO_PASSPHRASE, DEMO_USER
from outreach.demo.names import SITE_NAME
from outreach.demo.opening import NotADemoStore, is_demo_store
from outreach.demo.simulate import plan_demo
from outreach.demo.writer import Replay
from outreach.errors import ValidationError
from outreach.model import TargetMeasure
from outreach.services.targets import SetTarget, set_target
from outreach.store import store_lock
from outreach.store.store import BACKUPS, DATA, KEYS, Store, default_folder

DEFAULT_SEED = 20200401

# The Butterfly Project's published target: 90% coverage by the end of 2022 from a baseline
# of 64% in April 2020. These are the figures staff would enter; the demo's own coverage
# comes from its events.
TARGET = 90.0
BASELINE = 64.0
BASELINE_ON = date(2020, 4, 1)
TARGET_ON = date(2022, 12, 31)


@dataclass
class DemoInfo:
    """What :func:`build_demo` made, and how to open it."""

    folder: Path
    user: str
    passphrase: str
    seed: int
    today: date
    counts: dict[str, int]
    """Steps written, by kind (Arrive, Talk, Step, ...)."""
    seconds: float
    """Time the build took."""
    store: Store | None = field(default=None, repr=False, compare=False)
    """The unlocked store, when the build was asked to keep it open."""


def build_demo(
    folder: Path,
    *,
    today: date,
    seed: int = DEFAULT_SEED,
    residents: int = 500,
    keep_open: bool = False,
    replace: bool = False,
    on_start: Callable[[], None] | None = None,
    on_year: Callable[[int], None] | None = None,
) -> DemoInfo:
    """Create the demo store in ``folder`` (which must not hold a store, or with ``replace``
    must hold the demo store), built up to ``today`` (not after the clock's today: the
    services refuse future dates).

    The store is built in a sibling folder and moved into place once complete, so an
    interrupted build leaves no half-made demo. The whole build holds the folder's store lock
    exclusively: while the demo is open elsewhere it is refused with a message naming who has
    it open, before anything is built or removed. With ``keep_open`` the unlocked store is
    returned in :attr:`DemoInfo.store` (the caller closes it). ``on_start`` is called once
    the lock is held, just before the build begins; ``on_year(year)`` as each calendar year
    of the history is written (the build's progress: the years run up to ``today``).
    """
    if today > clock_today():
        raise ValidationError("today", f"{today.isoformat()} is after today's date")
    if folder.resolve() == default_folder().resolve():
        raise NotADemoStore(f"{folder} is the real store's folder: the demo goes elsewhere")
    if replace and not is_demo_store(folder):
        raise NotADemoStore(f"{folder} does not hold the demo store: not replacing it")
    if not replace and ((folder / DATA).exists() or (folder / KEYS).exists()):
        raise NotADemoStore(f"{folder} already holds a store")
    purpose = "outreach demo --rebuild" if replace else "outreach demo"
    started = time.perf_counter()
    with store_lock.exclusive(folder, DEMO_USER, purpose=purpose):
        if on_start is not None:
            on_start()  # (the folder is ours now: the build will not be refused)
        counts = _build_locked(folder, today=today, seed=seed, residents=residents, on_year=on_year)
    opened = Store.unlock(folder, user=DEMO_USER, passphrase=DEMO_PASSPHRASE) if keep_open else None
    return DemoInfo(
        folder=folder,
        user=DEMO_USER,
        passphrase=DEMO_PASSPHRASE,
        seed=seed,
        today=today,
        counts=counts,
        seconds=time.perf_counter() - started,
        store=opened,
    )


def _build_locked(
    folder: Path,
    *,
    today: date,
    seed: int,
    residents: int,
    on_year: Callable[[int], None] | None = None,
) -> dict[str, int]:
    """Build the demo beside ``folder`` and put it in place of any store there, holding the
    folder's lock exclusively (the lock file itself stays: processes waiting on it must find
    the same file)."""
    plan = plan_demo(seed=seed, today=today, residents=residents)
    building = folder.with_name(folder.name + ".building")
    if building.exists():
        shutil.rmtree(building)
    store, _recovery = Store.init(
        building, site_name=SITE_NAME, admin=DEMO_USER, passphrase=DEMO_PASSPHRASE
    )
    try:
        replay = Replay(store, plan.people)
        replay.write(plan.acts, on_year=on_year)
        set_target(
            store,
            SetTarget(
                measure=TargetMeasure.coverage,
                value=TARGET,
                target_on=TARGET_ON,
                baseline=BASELINE,
                baseline_on=BASELINE_ON,
            ),
        )
    finally:
        store.close()
    # The old demo goes first, data.db before keys.json; the new one arrives keys.json first
    # and data.db last, so a data.db in the folder always has its keys beside it.
    for name in (DATA, f"{DATA}-wal", f"{DATA}-shm", KEYS):
        (folder / name).unlink(missing_ok=True)
    shutil.rmtree(folder / BACKUPS, ignore_errors=True)
    for name in (KEYS, BACKUPS, f"{DATA}-wal", DATA):
        if (building / name).exists():
            os.replace(building / name, folder / name)
    shutil.rmtree(building)
    return dict(sorted(replay.counts.items()))
