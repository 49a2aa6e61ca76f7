"""outreach can be carried to a laptop with no internet and installed without admin rights."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

# Both ask the package index: for the wheels of every platform, and to fill the wheelhouse.
pytestmark = pytest.mark.online

ROOT = Path(__file__).resolve().parents[2]


def test_every_dependency_has_wheels_for_every_supported_platform() -> None:
    """win_amd64, macOS arm64 and x86_64, manylinux x86_64 and aarch64; Python 3.11-3.13."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "wheelhouse.py"), "check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    ok_lines = [ln for ln in result.stdout.splitlines() if ln.startswith("ok")]
    assert len(ok_lines) == 5 * 3


def test_offline_installer_installs_from_the_wheelhouse_alone(tmp_path: Path) -> None:
    house = tmp_path / "stick"
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "tools" / "wheelhouse.py"),
            "build",
            "--only-current",
            "--out",
            str(house),
        ],
        check=True,
        capture_output=True,
    )
    env = {
        **os.environ,
        "OUTREACH_VENV": str(tmp_path / "venv"),
        # Any attempt to reach an index fails at once: the install must not need one.
        "PIP_INDEX_URL": "http://127.0.0.1:9/",
        "PIP_EXTRA_INDEX_URL": "",
        "PIP_FIND_LINKS": "",
        "PIP_CONSTRAINT": "",
    }
    subprocess.run(
        [sys.executable, str(house / "install_offline.py")],
        env=env,
        check=True,
        capture_output=True,
    )
    exe = tmp_path / "venv" / ("Scripts/outreach.exe" if os.name == "nt" else "bin/outreach")
    result = subprocess.run([str(exe), "--version"], capture_output=True, text=True, check=True)
    from outreach import __version__

    assert result.stdout.strip() == f"outreach {__version__}"
