"""Everything outreach takes from its environment, read in one place into one frozen object.

:func:`Settings.from_environment` is the only reader of ``OUTREACH_*`` variables; the command
line builds one :class:`Settings` per run (its options win over the environment) and hands it
to the application factory. A value that cannot be used is refused naming its variable
(``OUTREACH_IDLE_MINUTES: 'soon' is not a number of minutes above 0``), not silently replaced.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from platformdirs import user_data_path, user_log_path

from outreach.errors import ValidationError

STORE_ENV = "OUTREACH_STORE"
USER_ENV = "OUTREACH_USER"
IDLE_ENV = "OUTREACH_IDLE_MINUTES"
BACKUP_DAYS_ENV = "OUTREACH_BACKUP_DAYS"
CRASH_DIR_ENV = "OUTREACH_CRASH_DIR"
DEBUG_ENV = "OUTREACH_DEBUG"
READY_ENV = "OUTREACH_EXIT_WHEN_READY"
RESTARTED_AS_ENV = "OUTREACH_RESTARTED_AS"
RESTARTED_NOTICE_ENV = "OUTREACH_RESTARTED_NOTICE"
PASSPHRASE_ENV = "OUTREACH_PASSPHRASE"
NEW_PASSPHRASE_ENV = "OUTREACH_NEW_PASSPHRASE"
RECOVERY_CODE_ENV = "OUTREACH_RECOVERY_CODE"

DEFAULT_IDLE_MINUTES = 5.0
DEFAULT_BACKUP_DAYS = 7.0


def default_store_folder() -> Path:
    """The platform's per-user data folder for the store (``platformdirs``)."""
    return user_data_path("outreach", appauthor=False) / "store"


def default_crash_folder() -> Path:
    """The platform's per-user log folder, where crash reports go."""
    return user_log_path("outreach", appauthor=False)


@dataclass(frozen=True)
class Settings:
    """One run's settings. Secrets (passphrases, the recovery code) are kept out of ``repr``."""

    store_folder: Path = field(default_factory=default_store_folder)
    """``--store`` or ``OUTREACH_STORE``, else the per-user data folder."""
    user: str | None = None
    """``--user`` or ``OUTREACH_USER``: the account to act as or preset."""
    idle_minutes: float = DEFAULT_IDLE_MINUTES
    """``--idle-minutes`` or ``OUTREACH_IDLE_MINUTES`` (above 0): idle time before the lock."""
    backup_days: float = DEFAULT_BACKUP_DAYS
    """``--backup-days`` or ``OUTREACH_BACKUP_DAYS`` (0 or more; 0: never): on quit, offer a
    backup when the last one is this many days old."""
    crash_folder: Path = field(default_factory=default_crash_folder)
    """``OUTREACH_CRASH_DIR``, else the per-user log folder."""
    debug: bool = False
    """``OUTREACH_DEBUG`` set (not empty): unexpected errors show their traceback (it may show
    data)."""
    exit_when_ready: str = ""
    """``OUTREACH_EXIT_WHEN_READY`` (start-up benchmark): exit once the first figures are drawn,
    writing the time to the file it names unless it is "1"."""
    restarted_as: str | None = None
    """``OUTREACH_RESTARTED_AS``: the account, when the application restarted itself at lock."""
    restarted_notice: str = ""
    """``OUTREACH_RESTARTED_NOTICE``: what the unlock screen says after that restart."""
    passphrase: str | None = field(default=None, repr=False)
    """``OUTREACH_PASSPHRASE``: the passphrase, instead of asking (scripts)."""
    new_passphrase: str | None = field(default=None, repr=False)
    """``OUTREACH_NEW_PASSPHRASE``: a new passphrase, instead of asking twice (scripts)."""
    recovery_code: str | None = field(default=None, repr=False)
    """``OUTREACH_RECOVERY_CODE``: the recovery code, instead of asking (scripts)."""

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """The settings ``environ`` (default ``os.environ``) gives; unset or empty variables
        leave the default. Raises :class:`ValidationError` naming the variable for a value
        that cannot be used."""
        env = os.environ if environ is None else environ

        def text(name: str) -> str | None:
            value = env.get(name, "")
            return value if value.strip() else None

        def folder(name: str) -> Path | None:
            value = text(name)
            return Path(value).expanduser() if value is not None else None

        store = folder(STORE_ENV)
        crashes = folder(CRASH_DIR_ENV)
        return cls(
            store_folder=store or default_store_folder(),
            user=text(USER_ENV),
            idle_minutes=_number(IDLE_ENV, text(IDLE_ENV), DEFAULT_IDLE_MINUTES, above=0),
            backup_days=_number(BACKUP_DAYS_ENV, text(BACKUP_DAYS_ENV), DEFAULT_BACKUP_DAYS),
            crash_folder=crashes or default_crash_folder(),
            debug=text(DEBUG_ENV) is not None,
            exit_when_ready=text(READY_ENV) or "",
            restarted_as=text(RESTARTED_AS_ENV),
            restarted_notice=env.get(RESTARTED_NOTICE_ENV, ""),
            # Passphrases are taken as they are: spaces may be part of one.
            passphrase=env.get(PASSPHRASE_ENV),
            new_passphrase=env.get(NEW_PASSPHRASE_ENV),
            recovery_code=text(RECOVERY_CODE_ENV),
        )

    def with_options(
        self,
        *,
        store_folder: Path | None = None,
        user: str | None = None,
        idle_minutes: float | None = None,
        backup_days: float | None = None,
    ) -> Settings:
        """These settings with the options given on the command line (None: not given)."""
        changed: dict[str, object] = {}
        if store_folder is not None:
            changed["store_folder"] = store_folder
        if user is not None:
            changed["user"] = user
        if idle_minutes is not None:
            changed["idle_minutes"] = _number("--idle-minutes", str(idle_minutes), 0, above=0)
        if backup_days is not None:
            changed["backup_days"] = _number("--backup-days", str(backup_days), 0)
        return replace(self, **changed)  # type: ignore[arg-type]


def _number(name: str, raw: str | None, default: float, *, above: float | None = None) -> float:
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    floor = f"above {above:g}" if above is not None else "of 0 or more"
    if not math.isfinite(value) or (value <= above if above is not None else value < 0):
        what = "minutes" if name in (IDLE_ENV, "--idle-minutes") else "days"
        raise ValidationError(name, f"{raw.strip()!r} is not a number of {what} {floor}")
    return value
