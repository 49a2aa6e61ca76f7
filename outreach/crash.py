"""What happens after an unexpected error: a calm message, and a report that holds no one's
data, written where IT staff can find it.

A traceback can carry records: Textual's prints every frame's local variables, and an
exception's own message may quote a value (a ``KeyError`` is its key). The report therefore
holds only what is about the code: the version, the exception types (never their messages),
and for each frame the file, line and function. It is written owner-only.
"""

from __future__ import annotations

import os
import platform
import secrets
import traceback
from pathlib import Path

from outreach import __version__
from outreach.clock import now
from outreach.errors import ValidationError
from outreach.settings import CRASH_DIR_ENV, Settings

__all__ = ["CRASH_DIR_ENV", "calm_message", "crash_folder", "report_text", "write_report"]


def crash_folder() -> Path:
    """``OUTREACH_CRASH_DIR`` when set, else the platform's per-user log folder."""
    try:
        return Settings.from_environment().crash_folder
    except ValidationError:
        # Another setting is unusable: the report still goes where it would have.
        return Settings().crash_folder


def report_text(error: BaseException) -> str:
    """The report of ``error``: version, platform, then each exception of the chain (the
    first raised first) by type, with its frames as ``file:line in function``. No message,
    argument, local variable or source line of any frame is included."""
    lines = [
        f"outreach {__version__} crash report",
        f"Python {platform.python_version()} on {platform.system()} {platform.machine()}",
        f"At {now():%Y-%m-%dT%H:%M:%SZ}",
        "Holds only exception types and code locations: no values, messages or records.",
    ]
    for exc in _chain(error):
        kind = type(exc)
        lines += ["", f"{kind.__module__}.{kind.__qualname__}"]
        for frame in traceback.extract_tb(exc.__traceback__):
            lines.append(f"  {_code_path(frame.filename)}:{frame.lineno} in {frame.name}")
    return "\n".join(lines) + "\n"


def write_report(error: BaseException, folder: Path | None = None) -> Path | None:
    """Write :func:`report_text` to a new owner-only file in ``folder`` (default
    :func:`crash_folder`); its path, or None when it could not be written."""
    target = folder or crash_folder()
    name = f"crash-{now():%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}.txt"
    try:
        target.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(target / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(report_text(error))
    except OSError:
        return None
    return target / name


def calm_message(error: BaseException, report: Path | None) -> str:
    """What to tell the person: what stopped, that saved work is safe, where the report is."""
    where = (
        f"A report for IT staff, holding no one's data, is in {report}."
        if report is not None
        else "No report could be written."
    )
    return (
        f"outreach stopped after an unexpected error ({type(error).__name__}).\n"
        "Everything already saved is safe: each save is written whole or not at all.\n"
        f"{where}\nOpen outreach again to carry on."
    )


def _chain(error: BaseException) -> list[BaseException]:
    """The exceptions behind ``error`` (its cause or context), the first raised first."""
    found: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in found:
        found.append(current)
        current = current.__cause__ or current.__context__
    return found[::-1]


def _code_path(filename: str) -> str:
    """A frame's file as a path inside its package, never the user's own folders."""
    path = Path(filename)
    parts = path.parts
    for anchor in ("site-packages", "dist-packages"):
        if anchor in parts:
            return "/".join(parts[len(parts) - parts[::-1].index(anchor) :])
    if "outreach" in parts:
        return "/".join(parts[len(parts) - 1 - parts[::-1].index("outreach") :])
    return path.name
