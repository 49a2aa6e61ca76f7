"""The folder of the last file imported, so the Import screen starts there.

Only the folder's path is kept, never a file name, and outside the store: in the per-user
configuration folder (``platformdirs``), in a file only its owner may read, replaced whole
(temporary file, then rename) so it is never half written.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from platformdirs import user_config_path

_FILE = "last-import-folder"


def _place() -> Path:
    return user_config_path("outreach", appauthor=False) / _FILE


def last_import_folder() -> Path | None:
    """The folder remembered, when it is still a folder; else None."""
    try:
        text = _place().read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None
    folder = Path(text) if text else None
    return folder if folder is not None and folder.is_dir() else None


def remember_import_folder(folder: Path) -> None:
    """Keep ``folder`` (made absolute) as the last import folder; a failure to write it is
    not worth interrupting an import for, so it is ignored."""
    place = _place()
    try:
        place.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        handle, temporary = tempfile.mkstemp(dir=place.parent, prefix=".last-import-")
        try:
            os.chmod(temporary, 0o600)
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(str(folder.resolve()))
            os.replace(temporary, place)
        except OSError:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise
    except OSError:
        return
