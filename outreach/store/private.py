"""A store kept owner-only and tidy on disk.

Files and folders the process creates once a store is in use are readable by their owner
only (0600 and 0700 on POSIX): the umask is tightened, and a store made by an older outreach
has its files put right when it is next opened. Temporary files a killed run left behind are
removed at the next open, matched by their exact name patterns only, so nothing else in the
folder is ever touched.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

OWNER_ONLY = 0o077
"""Umask bits that keep group and others out of every new file and folder."""

# keyslots.KeyFile.save: tempfile.mkstemp(prefix=".keys.json.", suffix=".tmp").
_KEYS_TEMP = re.compile(r"\.keys\.json\.[a-z0-9_]{8}\.tmp")
# store._backup_before_migration: "data-before-migration-from-<rev>-<stamp>.db.partial".
_MIGRATION_PARTIAL = re.compile(
    r"data-before-migration-from-[0-9A-Za-z_]+-\d{8}T\d{6}Z\.db\.partial"
)


def owner_only() -> None:
    """Tighten this process's umask so that everything it creates is owner-only."""
    os.umask(os.umask(OWNER_ONLY) | OWNER_ONLY)


def tighten(folder: Path, *, backups: str) -> None:
    """Make the store ``folder``, every file in it, and the ``backups`` folder with its files
    owner-only (POSIX only; elsewhere the user's profile folder already is)."""
    if os.name != "posix":
        return
    _chmod(folder, 0o700)
    for path in _files(folder):
        _chmod(path, 0o600)
    kept = folder / backups
    if kept.is_dir() and not kept.is_symlink():
        _chmod(kept, 0o700)
        for path in kept.iterdir():
            if path.is_file() and not path.is_symlink():
                _chmod(path, 0o600)


def clear_leftovers(folder: Path, *, backups: str) -> list[str]:
    """Remove the temporary files killed runs leave in a store folder (a ``keys.json``
    rewrite, a backup taken before a migration); the names removed, relative to ``folder``."""
    removed = []
    candidates = [(p, _KEYS_TEMP) for p in _files(folder)]
    candidates += [(p, _MIGRATION_PARTIAL) for p in _files(folder / backups)]
    for path, pattern in candidates:
        if pattern.fullmatch(path.name):
            path.unlink(missing_ok=True)
            removed.append(str(path.relative_to(folder)))
    return sorted(removed)


def _files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return [p for p in folder.iterdir() if p.is_file() and not p.is_symlink()]


def _chmod(path: Path, mode: int) -> None:
    if path.exists() and not path.is_symlink():
        path.chmod(mode)
