"""When to offer a backup as the application closes, and where to suggest writing it.

Pure functions (no Textual): the app asks :func:`backup_due` on quit and the backup dialog
starts from :func:`suggested_backup_file`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

BACKUP_SUFFIX = ".obk"
BACKUPS_FOLDER = "outreach-backups"


def backup_due(last: datetime | None, now: datetime, days: float) -> bool:
    """Whether a backup should be offered: never backed up, or the last one is ``days`` or
    more old. ``days`` of 0 turns the offer off. A naive ``last`` is read as UTC (the store
    keeps UTC)."""
    if days <= 0:
        return False
    if last is None:
        return True
    if last.tzinfo is None:
        last = last.replace(tzinfo=UTC)
    return now - last >= timedelta(days=days)


def default_backups_folder(store_folder: Path) -> Path:
    """The folder first suggested for backups: ``outreach-backups`` beside the store folder
    (never inside it: the store folder holds only the database and its key slots)."""
    return store_folder.absolute().parent / BACKUPS_FOLDER


def backup_file_name(day: date) -> str:
    """``outreach-backup-YYYY-MM-DD.obk``."""
    return f"outreach-backup-{day.isoformat()}{BACKUP_SUFFIX}"


def suggested_backup_file(folder: Path, day: date) -> Path:
    """The backup file for ``day`` in ``folder``."""
    return folder.expanduser() / backup_file_name(day)
