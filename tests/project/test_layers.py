"""The layers are checked, not described: import-linter's contracts in pyproject.toml hold,
every module of outreach is in a layer, and a planted upward import or import cycle breaks
the check."""

from __future__ import annotations

import os
import pkgutil
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import outreach

ROOT = Path(__file__).resolve().parents[2]

_LINT = (
    "import sys\n"
    "from importlinter.cli import lint_imports\n"
    "sys.exit(lint_imports(config_filename='pyproject.toml', no_cache=True, no_logo=True))\n"
)


def _lint_imports(folder: Path) -> subprocess.CompletedProcess[str]:
    """lint-imports run on the outreach package and pyproject.toml in ``folder``."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run(
        [sys.executable, "-c", _LINT],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def _contract(contract_id: str) -> dict[str, object]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    return next(c for c in contracts if c["id"] == contract_id)


def _copy_of_the_package(tmp_path: Path) -> Path:
    shutil.copytree(
        ROOT / "outreach",
        tmp_path / "outreach",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_import_contracts_are_kept() -> None:
    result = _lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 2 kept, 0 broken." in result.stdout


def test_every_module_of_outreach_is_in_a_layer() -> None:
    """A new top-level package or module must be placed in the layers contract."""
    layers = _contract("layers")["layers"]
    assert isinstance(layers, list)
    named = {name.strip() for layer in layers for name in layer.split("|")}
    found = {f"outreach.{m.name}" for m in pkgutil.iter_modules(outreach.__path__)}
    assert found - named == set()
    assert named - found == set()


def test_an_upward_import_breaks_the_layers_contract(tmp_path: Path) -> None:
    copy = _copy_of_the_package(tmp_path)
    (copy / "outreach" / "stats" / "planted.py").write_text(
        "from outreach.services import targets\n", encoding="utf-8"
    )
    result = _lint_imports(copy)
    assert result.returncode == 1
    assert "Each layer imports only the layers below it BROKEN" in result.stdout
    assert "outreach.stats.planted -> outreach.services.targets" in result.stdout


def test_two_files_importing_each_other_break_the_acyclic_contract(tmp_path: Path) -> None:
    # pipeline.py imports run.py; run.py importing pipeline.py closes a cycle (the layers
    # contract does not see it: both are in outreach.imports).
    copy = _copy_of_the_package(tmp_path)
    run = copy / "outreach" / "imports" / "run.py"
    run.write_text(
        run.read_text(encoding="utf-8") + "\nfrom outreach.imports import pipeline  # noqa\n",
        encoding="utf-8",
    )
    result = _lint_imports(copy)
    assert result.returncode == 1
    assert "Each layer imports only the layers below it KEPT" in result.stdout
    assert "No import cycles between files BROKEN" in result.stdout
    assert "No cycles are allowed in outreach.imports." in result.stdout
