"""The ``outreach`` command. A thin layer: every command calls the store, services, stats or
exports, and turns their errors into one line and a non-zero exit.

Each group of commands lives in its own module and registers itself on :data:`app` here.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from outreach import __version__
from outreach.cli.common import fail, say, use_settings

app = typer.Typer(
    name="outreach",
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


# Command modules register themselves on import.
from outreach.cli import (  # noqa: E402
    audit_commands,  # noqa: F401
    backup_commands,  # noqa: F401
    codes_commands,  # noqa: F401
    demo_commands,  # noqa: F401
    domain_commands,  # noqa: F401
    export_commands,  # noqa: F401
    import_commands,  # noqa: F401
    people_commands,  # noqa: F401
    programme_commands,  # noqa: F401
    region_commands,  # noqa: F401
    site_commands,  # noqa: F401
    stats_commands,  # noqa: F401
    store_commands,  # noqa: F401
    sync_commands,  # noqa: F401
    transfer_commands,  # noqa: F401
    tui_commands,  # noqa: F401
)


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
