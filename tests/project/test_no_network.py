"""Nothing in outreach tries to reach the network: every command runs with sockets refused."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GUARD = ROOT / "tests" / "support" / "netguard.py"
SECRET = "net guard passphrase"


def _run(args: list[str], tmp: Path, **env: str) -> subprocess.CompletedProcess[str]:
    full_env = {
        **os.environ,
        "NETGUARD_LOG": str(tmp / "net.log"),
        "OUTREACH_STORE": str(tmp / "store"),
        "OUTREACH_PASSPHRASE": SECRET,
        "OUTREACH_NEW_PASSPHRASE": SECRET,
        "HOME": str(tmp / "home"),
        **env,
    }
    return subprocess.run(
        [sys.executable, str(GUARD), *args],
        env=full_env,
        cwd=tmp,
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_guard_catches_a_connection_attempt(tmp_path: Path) -> None:
    """The guard itself works: a plain connect is refused and reported."""
    probe = tmp_path / "probe.py"
    probe.write_text(
        "import socket\ntry:\n    socket.socket().connect(('127.0.0.1', 9))\n"
        "except OSError:\n    pass\n",
        encoding="utf-8",
    )
    result = _run(["script", str(probe)], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "socket.connect" in (tmp_path / "net.log").read_text(encoding="utf-8")


COMMANDS = [
    ["init", "--site", "HMP Net", "--user", "ana"],
    ["check"],
    ["keys", "list"],
    ["keys", "add", "bob", "--role", "staff"],
    ["keys", "passwd", "--user", "bob"],
    ["--help"],
]


@pytest.mark.slow
def test_cli_commands_make_no_network_use(tmp_path: Path) -> None:
    for args in COMMANDS:
        result = _run(
            ["cli", *args],
            tmp_path,
            OUTREACH_USER="ana" if args[0] != "keys" or args[1] != "passwd" else "bob",
        )
        assert result.returncode == 0, (args, result.stdout, result.stderr)
    assert not (tmp_path / "net.log").exists(), (tmp_path / "net.log").read_text()


@pytest.mark.slow
@pytest.mark.parametrize("extra", [["stats", "--json"], ["followups", "--json"]])
def test_reporting_commands_make_no_network_use(tmp_path: Path, extra: list[str]) -> None:
    assert _run(["cli", "init", "--site", "HMP Net", "--user", "ana"], tmp_path).returncode == 0
    result = _run(["cli", *extra], tmp_path)
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "net.log").exists()


@pytest.mark.slow
def test_the_application_makes_no_network_use(tmp_path: Path) -> None:
    """Unlock, every screen, a conversation logged and a lock, with every socket refused."""
    env = {
        **os.environ,
        "NETGUARD_LOG": str(tmp_path / "net.log"),
        "OUTREACH_STORE": str(tmp_path / "store"),
        "OUTREACH_PASSPHRASE": SECRET,
        "HOME": str(tmp_path / "home"),
        "PYTHONPATH": str(ROOT),
    }
    result = subprocess.run(
        [sys.executable, str(GUARD), "tui", "tests.support.netguard_flows:tui_tour"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert not (tmp_path / "net.log").exists(), (tmp_path / "net.log").read_text()
