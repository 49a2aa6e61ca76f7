"""SIGKILL while ``outreach sync import`` applies a big bundle: a demo store's first bundle
to a new laptop (every record of a 200-resident demo prison since 2020).

The command line itself is killed at random moments between the end of its unlock and a
little after a whole run would have finished. After each kill the store holds the bundle
wholly or not at all (the records, by uid, and every table's rows but the audit, whose unlock
rows come and go with the kill), ``outreach check`` finds nothing wrong, and importing the
same file again completes and ends in the same store as an import never interrupted.
Figures are printed (pytest -s).
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from outreach.demo.generator import build_demo
from outreach.services.site import own_card
from outreach.services.sync import export_bundle, pair
from outreach.store.check import check_store
from outreach.store.keyslots import KeyFile
from outreach.store.store import Store
from tests.support.store_helpers import table_counts
from tests.support.stores import PASSPHRASE, new_store
from tests.support.sync_state import Records, records

ROUNDS = 8
RESIDENTS = 200
DEMO_DAY = date(2025, 6, 30)


@dataclass(frozen=True)
class Laptop:
    """A closed new store paired with the demo store, and the demo's first bundle to it."""

    folder: Path
    key: bytes
    bundle: Path


@pytest.fixture(scope="module")
def laptop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Laptop]:
    root = tmp_path_factory.mktemp("sync-kill")
    demo = build_demo(root / "demo", today=DEMO_DAY, residents=RESIDENTS, keep_open=True).store
    assert demo is not None
    new = new_store(root / "new", site="Laptop B")
    try:
        pair(demo, own_card(new).to_bytes())
        pair(new, own_card(demo).to_bytes())
        site = own_card(new).site
        sealed, _ = export_bundle(demo, site)
        bundle = root / "first.sync"
        bundle.write_bytes(sealed)
        key = new._data_key
    finally:
        demo.close()
        new.close()
    yield Laptop(root / "new", key, bundle)


def _cli(folder: Path, *args: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OUTREACH_")}
    env["OUTREACH_PASSPHRASE"] = PASSPHRASE
    return subprocess.Popen(
        [sys.executable, "-m", "outreach", *args, "--store", str(folder), "--user", "ana"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def _timed(folder: Path, *args: str) -> tuple[float, str]:
    started = time.monotonic()
    child = _cli(folder, *args)
    out, err = child.communicate(timeout=600)
    assert child.returncode == 0, err
    return time.monotonic() - started, out


@dataclass(frozen=True)
class State:
    counts: dict[str, int]
    records: Records
    received: int


def _state(folder: Path) -> State:
    with Store.unlock(folder, user="ana", passphrase=PASSPHRASE) as store:
        counts = {k: v for k, v in table_counts(store).items() if k != "audit"}
        with store.read() as session:
            received = (
                session.connection()
                .exec_driver_sql("SELECT bundles_received FROM sync_peer")
                .scalar_one()
            )
        return State(counts, records(store), int(received))


def _problems(folder: Path, key: bytes) -> list[str]:
    findings = check_store(folder, key, KeyFile.load(folder / "keys.json"))
    return [f"{f.name}: {f.detail}" for f in findings if not f.ok]


@pytest.mark.slow
def test_a_killed_sync_import_leaves_the_bundle_wholly_applied_or_not_at_all(
    laptop: Laptop, tmp_path: Path
) -> None:
    before = _state(laptop.folder)
    probe = Path(shutil.copytree(laptop.folder, tmp_path / "probe"))
    unlocked, _ = _timed(probe, "sync", "peers")  # start-up and unlock, nothing applied
    whole, said = _timed(probe, "sync", "import", str(laptop.bundle))
    assert said.startswith("Applied bundle 1 from HMP Demo")
    after = _state(probe)
    assert after.records != before.records and after.received == 1
    changes = sum(len(rows) for rows in after.records.values())
    rng = random.Random(18)
    outcomes: Counter[str] = Counter()
    for i in range(ROUNDS):
        folder = Path(shutil.copytree(laptop.folder, tmp_path / f"round{i}"))
        child = _cli(folder, "sync", "import", str(laptop.bundle))
        time.sleep(rng.uniform(0.9 * unlocked, 1.1 * whole))
        killed = child.poll() is None
        if killed:
            os.kill(child.pid, signal.SIGKILL)
        child.communicate(timeout=600)
        found = _state(folder)
        outcome = "applied" if found == after else "not applied" if found == before else "torn"
        outcomes[f"{'killed' if killed else 'finished'}, {outcome}"] += 1
        assert outcome != "torn", f"round {i}: the store holds part of the bundle"
        assert _problems(folder, laptop.key) == [], f"round {i}"
        _, again = _timed(folder, "sync", "import", str(laptop.bundle))
        if outcome == "applied":
            assert again.startswith(
                "Bundle 1 from HMP Demo (women's prison) changes nothing further"
            )
        else:
            assert again.startswith("Applied bundle 1 from HMP Demo")
        assert _state(folder) == after, f"round {i}: importing again did not complete it"
        assert _problems(folder, laptop.key) == [], f"round {i}, imported again"
        shutil.rmtree(folder)
    print(
        f"\n[faults] sync import of the demo's first bundle ({changes:,} records, "
        f"{laptop.bundle.stat().st_size:,} bytes): unlock {unlocked:.1f} s, whole import "
        f"{whole:.1f} s (wall clock, to aim the kills); {ROUNDS} rounds, "
        f"outcomes {dict(sorted(outcomes.items()))}, torn 0"
    )
    assert outcomes["killed, not applied"] >= 1
