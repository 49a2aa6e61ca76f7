"""The account last used on this laptop, so the unlock screen can offer it.

Kept outside every store, in the per-user state folder (``platformdirs``), as one account
name and nothing else: no passphrase, no store path, nothing about anyone in a store. The
file is written atomically and readable by its owner only (on Windows the folder sits in the
user's own profile, which only they can read).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from platformdirs import user_state_path

FILE_NAME = "last-account.json"
KEYS_FILE = "keys.json"
"""As outreach.store.store.KEYS."""
ACCOUNT_SLOT = "account"
"""As outreach.store.keyslots.ACCOUNT."""
MAX_NAME = 64


def state_folder() -> Path:
    """The per-user folder for the application's state (not its data)."""
    return user_state_path("outreach", appauthor=False)


def last_account(folder: Path | None = None) -> str | None:
    """The account name remembered in ``folder`` (default :func:`state_folder`), or None
    when there is none or the file is unreadable (it is only a convenience)."""
    path = (folder or state_folder()) / FILE_NAME
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    name = raw.get("account") if isinstance(raw, dict) else None
    if not isinstance(name, str) or not _plausible(name):
        return None
    return name


def remember_account(name: str, folder: Path | None = None) -> None:
    """Remember ``name`` as the last account used; failures are ignored (a read-only home
    folder must not stop anyone from working)."""
    if not _plausible(name):
        return
    target = folder or state_folder()
    try:
        target.mkdir(parents=True, exist_ok=True, mode=0o700)
        path = target / FILE_NAME
        temporary = target / f".{FILE_NAME}.tmp"
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            json.dump({"account": name}, handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
        os.chmod(path, 0o600)
    except OSError:
        return


def _plausible(name: str) -> bool:
    # As account names are made (store._account_name): 1 to 64 characters, no spaces.
    return 0 < len(name) <= MAX_NAME and not any(ch.isspace() for ch in name)


def account_names(store_folder: Path) -> list[str]:
    """The store's account names, sorted, from its key slots (which hold them in the clear:
    the unlock screen needs them before any key is known); empty when keys.json cannot be
    read (unlocking then says why).

    Read as plain JSON rather than through ``keyslots``, whose cryptography imports would
    delay the first screen by half a second; a test holds the two to agreement."""
    try:
        raw = json.loads((store_folder / KEYS_FILE).read_text(encoding="utf-8"))
        slots = raw["slots"]
        names = {
            s["account"]
            for s in slots
            if s.get("kind") == ACCOUNT_SLOT and isinstance(s.get("account"), str)
        }
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return []
    return sorted(names, key=str.casefold)
