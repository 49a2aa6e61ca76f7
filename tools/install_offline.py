"""Install outreach from this folder, with no network and no admin rights.

    python install_offline.py            (Windows: py install_offline.py)

Creates a virtual environment in the user's own data folder, installs outreach and its
dependencies from the ``wheels`` folder beside this file (pip is told never to use the
network), and prints the command to start it. Run it again to upgrade from a newer stick.
"""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

HERE = Path(__file__).resolve().parent


def user_data_folder() -> Path:
    """The same per-user folder platformdirs gives outreach, without needing platformdirs."""
    if sys.platform == "win32":
        return Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local")) / "outreach"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "outreach"
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "outreach"


def main() -> int:
    if sys.version_info < (3, 11):  # noqa: UP036  (this script runs before any check)
        print("outreach needs Python 3.11 or newer", file=sys.stderr)
        return 1
    target = Path(os.environ.get("OUTREACH_VENV", user_data_folder() / "venv"))
    wheels = HERE / "wheels"
    if not any(wheels.glob("outreach-*.whl")):
        print(f"no outreach wheel in {wheels}", file=sys.stderr)
        return 1
    print(f"Installing into {target} (no network, no admin rights needed)")
    venv.EnvBuilder(with_pip=True, upgrade_deps=False).create(target)
    python = target / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")
    subprocess.run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--no-index",
            "--find-links",
            str(wheels),
            "--upgrade",
            "outreach",
        ],
        check=True,
    )
    exe = target / ("Scripts/outreach.exe" if sys.platform == "win32" else "bin/outreach")
    print(f"Done. Start outreach with:\n    {exe}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
