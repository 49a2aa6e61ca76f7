"""Putting a restored store in place so that a crash leaves the old store or the new one.

A restore builds the whole new store (``data.db`` and ``keys.json``) in a staging folder inside
the store folder (so every rename stays on one file system), fsynced. It then commits by
renaming an intent file into the store folder: before that rename the old store has not been
touched; after it, the swap is always finished, by the restore itself or, if that was killed,
by :func:`finish_interrupted_restore` the next time the folder is opened or restored. The swap
moves every old file into ``replaced-<stamp>/`` first, then every new file in, so the intent
plus what is still staged always say which files in the folder are old and which new.

Stale temporary files of killed backups and restores are removed by :func:`remove_stale`,
which only touches names of one exact pattern, older than this process.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import stat
import time
from pathlib import Path
from typing import Any

from outreach.clock import now
from outreach.store import keyslots, store_lock
from outreach.store.errors import StoreDamaged
from outreach.store.layout import DATA, KEYS

INTENT = ".restore-intent.json"
INTENT_FORMAT = "outreach-restore-intent/1"
STAGING = re.compile(r"\.restore-[0-9a-f]{8}\.staging")
ASIDE = re.compile(r"replaced-\d{8}T\d{12}Z")
# Written by outreach before staging folders existed: a restore's decrypted snapshot.
OLD_RESTORING = re.compile(re.escape(f".{DATA}.") + r"[0-9a-f]{8}\.restoring")
# The files of a store, in the order they leave the folder; new ones arrive in STAGED order,
# data.db last, so that a data.db in the folder is new only once everything else is.
OLD_FILES = (DATA, f"{DATA}-wal", f"{DATA}-shm", KEYS)
STAGED = (KEYS, f"{DATA}-wal", DATA)

# Files older than this were left by an earlier process (this one writes only after import).
PROCESS_STARTED = time.time()


def new_staging(folder: Path) -> Path:
    """An empty staging folder, readable by its owner only, inside the store folder."""
    staging = folder / f".restore-{secrets.token_hex(4)}.staging"
    staging.mkdir(mode=0o700)
    return staging


def commit_swap(folder: Path, staging: Path) -> dict[str, Any]:
    """Record the intent to swap ``staging`` into ``folder``; from here the swap will finish.

    ``staging`` must hold the complete store, fsynced. Returns the intent for
    :func:`finish_swap`. If this raises, the old store has not been touched.
    """
    old_present = any((folder / name).exists() for name in OLD_FILES)
    intent = {
        "format": INTENT_FORMAT,
        "staging": staging.name,
        "aside": _aside_name() if old_present else None,
        "files": [name for name in STAGED if (staging / name).exists()],
    }
    staged_intent = staging / "intent.json"
    with open(staged_intent, "xb") as out:
        out.write(json.dumps(intent).encode("utf-8"))
        out.flush()
        os.fsync(out.fileno())
    keyslots.fsync_dir(staging)
    _move(staged_intent, folder / INTENT)  # the commit
    keyslots.fsync_dir(folder)
    return intent


def finish_swap(folder: Path, intent: dict[str, Any]) -> Path | None:
    """Carry a committed swap to its end (again, if it was interrupted); idempotent.

    Returns the folder the old store was moved into, or None if there was none.
    """
    staging = folder / intent["staging"]
    aside = folder / intent["aside"] if intent["aside"] else None
    if staging.is_dir():
        files: list[str] = intent["files"]
        pending = [name for name in files if (staging / name).exists()]
        if pending == files:
            # Nothing new has arrived yet, so whatever store files the folder holds are old.
            old = [name for name in OLD_FILES if (folder / name).exists()]
            if old:
                # (A store made in the folder after a kill has no name recorded: it gets one.)
                aside = aside or folder / _aside_name()
                aside.mkdir(exist_ok=True)
                for name in old:
                    if (aside / name).exists():
                        raise StoreDamaged(f"{aside / name} exists already: nothing was moved")
                    _move(folder / name, aside / name)
                keyslots.fsync_dir(aside)
                keyslots.fsync_dir(folder)
        for name in pending:
            _move(staging / name, folder / name)
        keyslots.fsync_dir(folder)
        _remove(staging)
    _remove(folder / INTENT)
    keyslots.fsync_dir(folder)
    return aside if aside is not None and aside.is_dir() else None


def _aside_name() -> str:
    return f"replaced-{now().strftime('%Y%m%dT%H%M%S%fZ')}"


def finish_interrupted_restore(folder: Path, *, locked: bool = False) -> bool:
    """Finish a restore into ``folder`` that was killed while swapping the store in.

    Called before a store folder is opened or restored into. Returns whether there was one;
    afterwards the folder holds the restored store whole (the old one in ``replaced-*``).
    Takes the store's lock exclusively for it unless the caller already holds it
    (``locked``): while another process has the folder open this raises
    :class:`~outreach.store.errors.StoreLocked` and moves nothing.
    """
    path = folder / INTENT
    if not path.exists():
        return False
    if locked:
        finish_swap(folder, _read_intent(path))
        return True
    with store_lock.exclusive(folder, None, purpose="finishing an interrupted restore"):
        if not path.exists():
            return False  # another process finished it while this one waited
        finish_swap(folder, _read_intent(path))
    return True


def _read_intent(path: Path) -> dict[str, Any]:
    try:
        intent = json.loads(path.read_text(encoding="utf-8"))
        ok = (
            intent["format"] == INTENT_FORMAT
            and STAGING.fullmatch(intent["staging"]) is not None
            and (intent["aside"] is None or ASIDE.fullmatch(intent["aside"]) is not None)
            and set(intent["files"]) <= set(STAGED)
        )
    except (ValueError, KeyError, TypeError):
        ok = False
    if not ok:
        raise StoreDamaged(
            f"{path} (the record of an interrupted restore) cannot be read: see which store "
            f"{path.parent} holds (the one it replaced is in a replaced-* folder), put it "
            "right by hand, then delete that file"
        )
    return dict(intent)


def discard_staging(staging: Path) -> None:
    """Remove a staging folder whose swap was never committed (the old store is untouched)."""
    shutil.rmtree(staging, ignore_errors=True)


def remove_stale(
    folder: Path, files: re.Pattern[str], *, folders: re.Pattern[str] | None = None
) -> int:
    """Remove entries of ``folder`` whose whole name matches ``files`` (regular files) or
    ``folders`` (directories), last changed before this process started; returns how many.

    Symbolic links, other names and anything newer (perhaps another process's work) are left.
    The staging folder named by a pending restore intent is never removed.
    """
    try:
        entries = list(os.scandir(folder))
    except FileNotFoundError:
        return 0
    keep = _intent_staging(folder)
    removed = 0
    for entry in entries:
        as_file = files.fullmatch(entry.name) is not None
        as_folder = folders is not None and folders.fullmatch(entry.name) and entry.name != keep
        if not (as_file or as_folder):
            continue
        try:
            info = entry.stat(follow_symlinks=False)
            if info.st_mtime >= PROCESS_STARTED:
                continue
            if as_file and stat.S_ISREG(info.st_mode):
                os.unlink(entry.path)
            elif as_folder and stat.S_ISDIR(info.st_mode):
                shutil.rmtree(entry.path)
            else:
                continue
        except OSError:
            continue  # in use elsewhere (Windows) or already gone: left for a later run
        removed += 1
    return removed


def remove_stale_restore_leftovers(folder: Path) -> int:
    """Remove staging folders and decrypted snapshots left in ``folder`` by killed restores."""
    return remove_stale(folder, OLD_RESTORING, folders=STAGING)


def _intent_staging(folder: Path) -> str | None:
    try:
        return str(json.loads((folder / INTENT).read_text(encoding="utf-8")).get("staging"))
    except (OSError, ValueError, AttributeError):
        return None


# Every change the swap makes goes through these two, so the fault tests can stop at each.
def _move(source: Path, target: Path) -> None:
    os.replace(source, target)


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)
