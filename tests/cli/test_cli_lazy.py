"""Commands registered on first use (outreach.cli.lazy): a run imports only the modules of the
command it runs, and ``--help`` still lists every command, in the order it did when every
module was imported first."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from pathlib import Path

import typer.main
from typer.testing import CliRunner

from outreach.cli import COMMAND_MODULES, app

ROOT = Path(__file__).resolve().parents[2]

RUN_AND_LIST_MODULES = """
import sys
from typer.testing import CliRunner
from outreach.cli import app

result = CliRunner().invoke(app, sys.argv[1:])
assert result.exit_code == 0, result.output
print(" ".join(sorted(m for m in sys.modules if m.endswith("_commands"))))
"""


REGISTERED_WHEN_ALL_ARE_IMPORTED = """
import importlib
from pathlib import Path
import typer.main
import outreach.cli
from outreach.cli import app

for path in sorted(Path(outreach.cli.__file__).parent.glob("*_commands.py")):
    importlib.import_module(f"outreach.cli.{path.stem}")
names = [c.name or typer.main.get_command_name(c.callback.__name__)
         for c in app.registered_commands]
names += [typer.main.solve_typer_info_defaults(g).name for g in app.registered_groups]
print(" ".join(names))
"""


def _every_command_module() -> None:
    for path in sorted((ROOT / "outreach" / "cli").glob("*_commands.py")):
        importlib.import_module(f"outreach.cli.{path.stem}")


def _registering_modules(instance: typer.Typer) -> set[str]:
    found = set()
    if instance.registered_callback and instance.registered_callback.callback:
        found.add(instance.registered_callback.callback.__module__)
    for command in instance.registered_commands:
        assert command.callback is not None
        found.add(command.callback.__module__)
    for group in instance.registered_groups:
        assert group.typer_instance is not None
        found |= _registering_modules(group.typer_instance)
    return found


def _in_a_new_process(*args: str) -> str:
    return _in_a_new_process_output(RUN_AND_LIST_MODULES, *args)


def _in_a_new_process_output(script: str, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", script, *args],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=True,
        timeout=120,
    )
    return done.stdout.strip()


def test_the_command_table_names_the_modules_that_register_each_command() -> None:
    _every_command_module()
    registered: dict[str, set[str]] = {}
    for command in app.registered_commands:
        assert command.callback is not None
        name = command.name or typer.main.get_command_name(command.callback.__name__)
        registered.setdefault(name, set()).add(command.callback.__module__)
    for group in app.registered_groups:
        assert group.typer_instance is not None
        name = typer.main.solve_typer_info_defaults(group).name
        assert name is not None
        registered.setdefault(name, set()).update(_registering_modules(group.typer_instance))
    assert {name: set(modules) for name, modules in COMMAND_MODULES.items()} == registered


def test_help_lists_every_command_in_the_order_of_importing_every_module_first() -> None:
    # The order Typer gave when every command module was imported, alphabetically, at start:
    # commands in the order they were registered, then groups.
    expected = _in_a_new_process_output(REGISTERED_WHEN_ALL_ARE_IMPORTED).split()
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0
    listed = result.output.split("Commands:\n", 1)[1].splitlines()
    assert [line.split()[0] for line in listed if line.startswith("  ")] == expected
    assert len(expected) == 25


def test_a_command_imports_only_its_own_modules() -> None:
    assert _in_a_new_process("demo", "--help") == "outreach.cli.demo_commands"


def test_a_commands_help_is_complete_when_only_its_modules_are_imported() -> None:
    # `people` is made by domain_commands, and people_commands adds to it.
    done = subprocess.run(
        [sys.executable, "-m", "outreach", "people", "--help"],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=True,
        timeout=120,
    )
    listed = done.stdout.split("Commands:\n", 1)[1].split()
    _every_command_module()
    people = next(g for g in app.registered_groups if g.name == "people").typer_instance
    assert people is not None
    expected = [
        c.name or typer.main.get_command_name(c.callback.__name__)
        for c in people.registered_commands
        if c.callback is not None
    ]
    assert [word for word in listed if word in expected] == expected
    assert len(expected) >= 4


def test_a_group_two_modules_add_to_imports_those_two_only() -> None:
    # store_commands makes `keys`; export_commands adds `keys export-public` and `export-card`.
    assert _in_a_new_process("keys", "--help") == (
        "outreach.cli.export_commands outreach.cli.store_commands"
    )


def test_a_mistyped_command_is_refused_with_the_nearest_name() -> None:
    result = CliRunner().invoke(app, ["dmeo"])
    assert result.exit_code == 2
    assert "No such command 'dmeo'. Did you mean 'demo'?" in result.output


def test_a_group_is_complete_when_an_earlier_run_imported_one_of_its_modules() -> None:
    # Two runs in one process (as tests and anything calling app() twice do): the first
    # imports domain_commands, which makes `people`; the second must still import
    # people_commands, which adds `update` to it, rather than take `people` as Typer built
    # it from what was registered so far.
    script = (
        "from typer.testing import CliRunner\n"
        "from outreach.cli import app\n"
        "assert CliRunner().invoke(app, ['person', '--help']).exit_code == 0\n"
        "result = CliRunner().invoke(app, ['people', '--help'])\n"
        "print(result.output.split('Commands:', 1)[1])\n"
    )
    assert "update" in _in_a_new_process_output(script).split()
