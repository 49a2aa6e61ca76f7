"""Carry outreach to a laptop with no internet: build a wheelhouse, or check one can be built.

    python tools/wheelhouse.py build [--out wheelhouse]   # on a machine with internet
    python tools/wheelhouse.py check                      # every dependency has wheels?

``build`` writes the outreach wheel, the wheels of every dependency for Windows (win_amd64),
macOS (arm64 and x86_64) and Linux (manylinux x86_64 and aarch64), for Python 3.11 to 3.13,
and ``install_offline.py``, which installs from that folder with no network and no admin
rights. ``check`` resolves the same sets without installing and fails naming any platform
and Python version for which some dependency has no wheel (a source build would need a
compiler and, for SQLCipher, OpenSSL headers that a locked-down laptop does not have).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHONS = ("3.11", "3.12", "3.13")
# Several tags per platform: pip takes --platform literally, so list what wheels are built as.
PLATFORMS: dict[str, tuple[str, ...]] = {
    "windows-x86_64": ("win_amd64",),
    "macos-arm64": tuple(f"macosx_{v}_0_arm64" for v in (15, 14, 13, 12, 11)),
    "macos-x86_64": tuple(
        f"macosx_{v}_{m}_x86_64"
        for v, m in (
            (15, 0),
            (14, 0),
            (13, 0),
            (12, 0),
            (11, 0),
            (10, 15),
            (10, 13),
            (10, 12),
            (10, 9),
        )
    ),
    "linux-x86_64": (
        "manylinux_2_34_x86_64",
        "manylinux_2_28_x86_64",
        "manylinux_2_17_x86_64",
        "manylinux2014_x86_64",
    ),
    "linux-aarch64": (
        "manylinux_2_34_aarch64",
        "manylinux_2_28_aarch64",
        "manylinux_2_17_aarch64",
        "manylinux2014_aarch64",
    ),
}


def requirements() -> list[str]:
    """The runtime dependencies, as pyproject.toml states them."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return list(project["dependencies"])


def _pip_args(platform: str, python: str) -> list[str]:
    args = ["--only-binary=:all:", "--implementation", "cp", "--python-version", python]
    for tag in PLATFORMS[platform]:
        args += ["--platform", tag]
    return args


def check() -> int:
    """Resolve every platform and Python version; 0 when all have wheels for everything."""
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        for platform in PLATFORMS:
            for python in PYTHONS:
                report = Path(tmp) / f"{platform}-{python}.json"
                cmd = [
                    sys.executable,
                    "-m",
                    "pip",
                    "install",
                    "--dry-run",
                    "--ignore-installed",
                    "--quiet",
                    "--target",
                    str(Path(tmp) / "t"),
                    "--report",
                    str(report),
                    *_pip_args(platform, python),
                    *requirements(),
                ]
                result = subprocess.run(cmd, capture_output=True, text=True, check=False)
                if result.returncode != 0:
                    lines = [ln for ln in result.stderr.splitlines() if "ERROR" in ln]
                    failures.append(f"{platform} Python {python}: {' '.join(lines[:2])}")
                    print(f"FAIL  {platform:<15} {python}", flush=True)
                    continue
                count = len(json.loads(report.read_text())["install"])
                print(f"ok    {platform:<15} {python}  {count} wheels", flush=True)
    for line in failures:
        print(line, file=sys.stderr)
    return 1 if failures else 0


def build(out: Path, *, only_current: bool = False) -> int:
    """Download every wheel for every platform into ``out`` and add the offline installer.

    ``only_current`` takes just this machine's platform and Python (a quick, smaller stick).
    """
    wheels = out / "wheels"
    wheels.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", str(wheels), str(ROOT)],
        check=True,
    )
    if only_current:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--quiet",
                "--only-binary=:all:",
                "-d",
                str(wheels),
                *requirements(),
            ],
            check=True,
        )
    for platform in () if only_current else PLATFORMS:
        for python in PYTHONS:
            print(f"downloading {platform} Python {python}", flush=True)
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "pip",
                    "download",
                    "--quiet",
                    "-d",
                    str(wheels),
                    *_pip_args(platform, python),
                    *requirements(),
                ],
                check=True,
            )
    shutil.copy2(ROOT / "tools" / "install_offline.py", out / "install_offline.py")
    count = len(list(wheels.glob("*.whl")))
    print(f"{count} wheels in {wheels}. Copy {out} to a USB stick; on the laptop run:")
    print(f"    python {out.name}/install_offline.py")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="download every wheel into a folder")
    b.add_argument("--out", type=Path, default=ROOT / "wheelhouse")
    b.add_argument(
        "--only-current",
        action="store_true",
        help="only this machine's platform and Python version",
    )
    sub.add_parser("check", help="check every dependency has wheels for every platform")
    args = parser.parse_args(argv)
    if args.command == "build":
        return build(args.out, only_current=args.only_current)
    return check()


if __name__ == "__main__":
    raise SystemExit(main())
