"""What signing audit rows costs: writes per second with and without the account's key.

    python -m outreach.bench.audit_signing [--writes N]

Builds a throw-away store in a temporary folder and times, both signed and unsigned: audit
rows a thousand to a transaction (the signature's own cost, as a demo build or an import pays
it), a write transaction holding only its audit row, and adding a person (a real write: the
row, its audit row, the commit and keys.json's head). Prints the figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from outreach.services.people import AddPerson, add_person
from outreach.store import audit
from outreach.store.store import Store

PASSPHRASE = "bench passphrase of several words"
BATCH = 1000


def _per_second(action: Callable[[int], object], writes: int) -> float:
    started = time.perf_counter()
    for n in range(writes):
        action(n)
    return writes / (time.perf_counter() - started)


def _sign_ms(runs: int = 2000) -> float:
    signer = audit.Signer("bench", bytes(range(32)))
    started = time.perf_counter()
    for _ in range(runs):
        signer.sign("0" * 64)
    return (time.perf_counter() - started) * 1000 / runs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m outreach.bench.audit_signing")
    parser.add_argument("--writes", type=int, default=300, help="writes per figure")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        store, _ = Store.init(
            Path(folder) / "store", site_name="Bench", admin="bench", passphrase=PASSPHRASE
        )
        signer = store._signer
        try:

            def audit_only(n: int) -> None:
                with store.write() as session:
                    audit.record(session, actor_id=store.actor.id, action="bench.write")

            def person(n: int) -> None:
                add_person(
                    store,
                    AddPerson(
                        ref=f"B{n:06d}-{'s' if store._signer else 'u'}",
                        display_name=f"Bench {n}",
                        date_of_birth=date(1990, 1, 1),
                    ),
                )

            def batch(n: int) -> None:
                # Rows only, many to a transaction (as a demo build or a large import writes):
                # the commit's fsync no longer hides what each row costs.
                with store.write() as session:
                    for _ in range(BATCH):
                        audit.record(session, actor_id=store.actor.id, action="bench.batch")

            print(f"Ed25519 signature of one row: {_sign_ms():.3f} ms")
            store._signer = signer
            signed = _per_second(batch, 5) * BATCH
            store._signer = None
            unsigned = _per_second(batch, 5) * BATCH
            print(
                f"{BATCH} rows a commit  signed {signed:7.0f} rows/s  unsigned {unsigned:7.0f} "
                f"rows/s  (signing adds {(1 / signed - 1 / unsigned) * 1000:+.3f} ms a row)"
            )
            for label, action in (("audit row only", audit_only), ("add a person", person)):
                store._signer = signer
                signed = _per_second(action, args.writes)
                store._signer = None
                unsigned = _per_second(action, args.writes)
                cost = (1 / signed - 1 / unsigned) * 1000
                print(
                    f"{label:<15} signed {signed:7.1f}/s  unsigned {unsigned:7.1f}/s  "
                    f"(signing adds {cost:+.3f} ms a write)"
                )
        finally:
            store._signer = signer
            store.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
