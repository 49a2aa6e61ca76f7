"""Unlocking a store: from an account's passphrase to the key that opens ``data.db``.

The account's key slot in ``keys.json`` is opened with its passphrase; failed tries are
counted there, and after :data:`FREE_FAILURES` in a row each further try must wait longer.
:class:`outreach.store.store.Store` unlocks through :func:`unwrap_keys`; ``outreach keys``
commands that need only the data key use :func:`unwrap_data_key`.
"""

from __future__ import annotations

import time
from pathlib import Path

from outreach.store import keyslots
from outreach.store.engine import opens_with
from outreach.store.errors import (
    StoreDamaged,
    StoreNotFound,
    Throttled,
    UnknownAccount,
    WrongPassphrase,
)
from outreach.store.layout import DATA, KEYS
from outreach.store.restore_swap import finish_interrupted_restore

# After this many failed unlocks in a row, each further try waits longer.
FREE_FAILURES = 3
MAX_WAIT_SECONDS = 15 * 60


def wait_after(failures: int) -> float:
    """Seconds to wait before the next try after ``failures`` failed unlocks in a row."""
    if failures < FREE_FAILURES:
        return 0.0
    return float(min(2 ** (failures - FREE_FAILURES + 1), MAX_WAIT_SECONDS))


def unwrap_data_key(
    folder: Path, *, user: str | None, passphrase: str
) -> tuple[keyslots.KeyFile, str, bytes]:
    """The key file, account name and the data key that opens data.db, counting failures in
    keys.json (see :func:`unwrap_keys`)."""
    keyfile, slot, keys, _ = unwrap_keys(folder, user=user, passphrase=passphrase)
    assert slot.account is not None
    return keyfile, slot.account, key_that_opens(folder, keys)


def unwrap_keys(
    folder: Path, *, user: str | None, passphrase: str
) -> tuple[keyslots.KeyFile, keyslots.Slot, list[bytes], keyslots.SlotSecrets | None]:
    """The key file, the account's slot, its data keys (the next key too during a re-key)
    and what else it seals, counting failures in keys.json.

    After ``FREE_FAILURES`` failures in a row each try must wait longer (:func:`wait_after`);
    a try made too soon raises :class:`Throttled` and is not counted. A slot in the old
    format is rewritten in the new one, now that its passphrase is known.
    """
    keyfile = load_keyfile(folder)
    slot = choose_slot(keyfile, user)
    failures = int(keyfile.unlock_failures.get("count", 0))
    wait = wait_after(failures)
    if wait:
        last = float(keyfile.unlock_failures.get("last_at", 0))
        remaining = last + wait - time.time()
        if remaining > 0:
            raise Throttled(
                f"{failures} failed unlocks in a row: wait {remaining:.0f} s before trying again",
                remaining,
            )
    try:
        keys, opened = keyfile.open_slot(slot, passphrase)
    except WrongPassphrase:
        count = count_failure(folder, waited=wait)
        in_a_row = f" ({count} failed tries in a row)" if count >= FREE_FAILURES else ""
        raise WrongPassphrase(f"wrong passphrase for {slot.account!r}{in_a_row}") from None
    assert slot.account is not None
    if slot.legacy:
        keyfile = upgrade_slot(folder, slot, passphrase, keys[0])
        slot = keyfile.slot_for(slot.account)
    return keyfile, slot, keys, opened


def upgrade_slot(
    folder: Path, slot: keyslots.Slot, secret: str, data_key: bytes
) -> keyslots.KeyFile:
    """Rewrite a format-1 slot in format 2 (same account, role and passphrase)."""
    with keyslots.keys_locked(folder):
        current = keyslots.KeyFile.load(folder / KEYS)
        if any(s.id == slot.id for s in current.slots):
            current.remove_slot(slot.id)
            current.add_slot(
                kind=slot.kind,
                secret=secret,
                data_key=data_key,
                account=slot.account,
                role=slot.role,
            )
            current.save(folder / KEYS)
    return current


def key_that_opens(folder: Path, keys: list[bytes]) -> bytes:
    """The first of ``keys`` that opens data.db: during a re-key it is under one of two."""
    for key in keys:
        if len(keys) == 1 or opens_with(folder / DATA, key):
            return key
    raise StoreDamaged(
        f"{DATA} cannot be opened with the keys in keys.json: "
        "the two files do not belong together, or data.db is damaged"
    )


def count_failure(folder: Path, *, waited: float) -> int:
    """Add one failed unlock to keys.json and return the count in a row.

    keys.json is read again under its lock: tries made in parallel (each spends a second in
    Argon2id before it knows it failed) must each add one, not all write the same count.
    """
    with keyslots.keys_locked(folder):
        current = keyslots.KeyFile.load(folder / KEYS)
        before = current.unlock_failures
        count = int(before.get("count", 0)) + 1
        current.unlock_failures = {
            "count": count,
            "last_at": time.time(),
            "waited_s": float(before.get("waited_s", 0)) + waited,
        }
        current.save(folder / KEYS)
    return count


def load_keyfile(folder: Path) -> keyslots.KeyFile:
    finish_interrupted_restore(folder)
    if not (folder / DATA).exists():
        if (folder / KEYS).exists():
            raise StoreNotFound(f"{folder} has keys.json but no data.db: restore from a backup")
        raise StoreNotFound(
            f"no store in {folder}: create one with 'outreach init' or point --store at it"
        )
    return keyslots.KeyFile.load(folder / KEYS)


def choose_slot(keyfile: keyslots.KeyFile, user: str | None) -> keyslots.Slot:
    if user:
        return keyfile.slot_for(user)
    slots = keyfile.account_slots()
    if len(slots) == 1:
        return slots[0]
    names = ", ".join(sorted(s.account or "" for s in slots))
    raise UnknownAccount(f"this store has several accounts ({names}): say which with --user")
