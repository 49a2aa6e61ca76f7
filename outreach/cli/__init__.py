"""The ``outreach`` command. A thin layer: every command calls the store, services, stats or
exports, and turns their errors into one line and a non-zero exit.

Each group of commands lives in its own module and registers itself on :data:`app` here
when imported; :data:`COMMAND_MODULES` says which modules register each command, so that a run
imports only the modules of the command it runs (:mod:`outreach.cli.lazy`).
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from outreach import __version__
from outreach.cli.common import fail, say, use_settings
from outreach.cli.lazy import LazyGroup

_CLI = "outreach.cli."
# Each top-level command, in the order --help lists it, and the modules that register it and
# its subcommands (tests/cli/test_cli_lazy.py checks this against importing every module).
COMMAND_MODULES: dict[str, tuple[str, ...]] = {
    "audit": (_CLI + "audit_commands",),
    "backup": (_CLI + "backup_commands",),
    "restore": (_CLI + "backup_commands",),
    "codes": (_CLI + "codes_commands",),
    "demo": (_CLI + "demo_commands",),
    "person": (_CLI + "domain_commands",),
    "decide": (_CLI + "domain_commands",),
    "init": (_CLI + "store_commands",),
    "check": (_CLI + "store_commands",),
    "export": (_CLI + "export_commands",),
    "verify": (_CLI + "export_commands",),
    "programmes": (_CLI + "programme_commands",),
    "stats": (_CLI + "stats_commands",),
    "open": (_CLI + "tui_commands",),
    "log": (_CLI + "domain_commands", _CLI + "programme_commands"),
    "people": (_CLI + "domain_commands", _CLI + "people_commands"),
    "mentors": (_CLI + "domain_commands",),
    "followups": (_CLI + "domain_commands",),
    "keys": (_CLI + "store_commands", _CLI + "export_commands"),
    "import": (_CLI + "import_commands",),
    "region": (_CLI + "region_commands",),
    "site": (_CLI + "site_commands",),
    "targets": (_CLI + "stats_commands",),
    "sync": (_CLI + "sync_commands",),
    "transfer": (_CLI + "transfer_commands",),
}


class _OutreachGroup(LazyGroup):
    modules = COMMAND_MODULES


app = typer.Typer(
    name="outreach",
    cls=_OutreachGroup,
    help="Track peer-mentor outreach, screening uptake and follow-ups, offline and encrypted.",
    no_args_is_help=False,
    add_completion=False,
    # Rich tracebacks print local variables, which may hold keys or personal data.
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        say(f"outreach {__version__}")
        raise typer.Exit()


@app.callback(invoke_without_command=True)
def _root(
    ctx: typer.Context,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """outreach: peer-mentor outreach and screening uptake, offline and encrypted.

    With no command, opens the application (``outreach open``).
    """
    from outreach.errors import ValidationError
    from outreach.settings import Settings

    # The one place a run reads its OUTREACH_* settings; a value it cannot use stops here.
    try:
        use_settings(Settings.from_environment())
    except ValidationError as exc:
        raise fail(str(exc)) from None
    if ctx.invoked_subcommand is None:
        from outreach.cli.tui_commands import run_app

        run_app()


_OutreachGroup.app = app


def main() -> None:
    """Entry point of the ``outreach`` console script.

    An error no command expected ends with a calm message, a report without any values
    (:mod:`outreach.crash`) and exit code 1; ``OUTREACH_DEBUG=1`` shows the traceback instead
    (it may show data).
    """
    from outreach.store.private import owner_only

    # Whatever a command writes (stores, backups, exports, reports) is the user's alone.
    owner_only()
    try:
        app()
    except Exception as exc:
        from outreach.cli.common import settings

        if settings().debug:
            raise
        from outreach.crash import calm_message, write_report

        print(calm_message(exc, write_report(exc)), file=sys.stderr)
        sys.exit(1)
