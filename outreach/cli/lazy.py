"""Commands registered on first use: ``outreach demo`` imports the demo's module only, not the
other fifteen, and Typer builds the one command it runs instead of all fifty-five.

Typer builds a Click group from every command registered on a ``typer.Typer`` when it runs.
:class:`LazyGroup` is that group with a command table (:class:`LazyCommands`) that knows every
top-level name and the modules that register it, and imports those modules and builds the
command only when the name is looked up. ``--help`` looks every name up, so it lists them all,
with the same text and in the same order as when every module is imported first.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping, MutableMapping
from typing import Any

import typer
import typer.main
from typer._click import Command
from typer.core import TyperGroup


class LazyCommands(MutableMapping[str, Command]):
    """A group's command table: ``built`` holds the commands already built; the other names of
    ``modules`` are built on first lookup. Iterates in ``modules``' order, then any other
    command built."""

    def __init__(
        self, app: typer.Typer, modules: Mapping[str, tuple[str, ...]], built: dict[str, Command]
    ) -> None:
        self._app = app
        self._modules = modules
        self._built = built

    def __getitem__(self, name: str) -> Command:
        if name not in self._built:
            if name not in self._modules:
                raise KeyError(name)
            self._built[name] = _build(self._app, name, self._modules[name])
        return self._built[name]

    def __setitem__(self, name: str, command: Command) -> None:
        self._built[name] = command

    def __delitem__(self, name: str) -> None:
        del self._built[name]

    def __iter__(self) -> Iterator[str]:
        yield from self._modules
        yield from (name for name in self._built if name not in self._modules)

    def __len__(self) -> int:
        return len(self._modules) + sum(1 for name in self._built if name not in self._modules)

    def __contains__(self, name: object) -> bool:
        return name in self._modules or name in self._built


def _build(app: typer.Typer, name: str, modules: tuple[str, ...]) -> Command:
    """Import ``modules`` (each registers its commands on ``app``) and build the command they
    registered as ``name``, as Typer builds it."""
    for module in modules:
        importlib.import_module(module)
    for command in app.registered_commands:
        assert command.callback is not None
        if (command.name or typer.main.get_command_name(command.callback.__name__)) == name:
            return typer.main.get_command_from_info(
                command,
                pretty_exceptions_short=app.pretty_exceptions_short,
                rich_markup_mode=app.rich_markup_mode,
            )
    for group in app.registered_groups:
        if typer.main.solve_typer_info_defaults(group).name == name:
            return typer.main.get_group_from_info(
                group,
                pretty_exceptions_short=app.pretty_exceptions_short,
                rich_markup_mode=app.rich_markup_mode,
                suggest_commands=app.suggest_commands,
            )
    raise LookupError(f"{', '.join(modules)} registered no command {name!r}")


class LazyGroup(TyperGroup):
    """The ``outreach`` group. Subclasses set :attr:`app` and :attr:`modules` (each top-level
    command's name, in ``--help`` order, and the modules that register it and its
    subcommands)."""

    app: typer.Typer
    modules: Mapping[str, tuple[str, ...]]

    def __init__(self, *, commands: Any = None, **attrs: Any) -> None:
        super().__init__(**attrs)
        # Typer hands over every command registered so far, built. A name of ``modules`` is
        # built on lookup instead, after importing all its modules: an earlier run in this
        # process may have imported only one of them (``person`` imports domain_commands,
        # which makes ``people``; people_commands adds ``people update``).
        built = {n: c for n, c in dict(commands or {}).items() if n not in self.modules}
        self.commands = LazyCommands(self.app, self.modules, built)

    def list_commands(self, ctx: Any) -> list[str]:
        return list(self.commands)
