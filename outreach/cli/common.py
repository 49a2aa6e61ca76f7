"""What every command shares: where the store is, who is acting, how errors are shown."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from outreach.text import visible_lines

if TYPE_CHECKING:
    from outreach.settings import Settings
    from outreach.store.store import Store

StoreOption = Annotated[
    Path | None,
    typer.Option(
        "--store",
        envvar="OUTREACH_STORE",
        help="The store folder (default: the per-user data folder).",
        show_default=False,
    ),
]
UserOption = Annotated[
    str | None,
    typer.Option(
        "--user",
        envvar="OUTREACH_USER",
        help="Account to act as; optional when the store has one account.",
        show_default=False,
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]


_settings: Settings | None = None


def use_settings(chosen: Settings) -> Settings:
    """Make ``chosen`` this run's settings (the root command does, once per run)."""
    global _settings
    _settings = chosen
    return chosen


def settings() -> Settings:
    """This run's settings; built from the environment if no command has built them yet."""
    from outreach.settings import Settings

    return _settings if _settings is not None else use_settings(Settings.from_environment())


def store_folder(store: Path | None) -> Path:
    return store if store is not None else settings().store_folder


def passphrase(prompt: str = "Passphrase") -> str:
    """``OUTREACH_PASSPHRASE`` when set, else a hidden prompt."""
    given = settings().passphrase
    if given is not None:
        return given
    return str(typer.prompt(prompt, hide_input=True))


def new_passphrase(prompt: str = "New passphrase") -> str:
    """``OUTREACH_NEW_PASSPHRASE`` when set, else a hidden prompt asked twice."""
    given = settings().new_passphrase
    if given is not None:
        return given
    return str(typer.prompt(prompt, hide_input=True, confirmation_prompt=True))


def recovery_code() -> str:
    """``OUTREACH_RECOVERY_CODE`` when set, else a hidden prompt."""
    return settings().recovery_code or str(typer.prompt("Recovery code", hide_input=True))


def say(text: str, *, err: bool = False) -> None:
    """Print ``text``: every command's output goes through here, so text from the store (a
    name holding an escape sequence, say) is shown written out and never acted on by the
    terminal. JSON stays valid: the characters are written as JSON's own ``\\uXXXX``."""
    typer.echo(visible_lines(text), err=err)


def fail(message: str, code: int = 1) -> typer.Exit:
    if sys.stderr.isatty():
        # Over a step's progress line left unfinished (step_said), not after it.
        sys.stderr.write("\r\033[K")
    say(f"error: {message}", err=True)
    return typer.Exit(code)


@contextmanager
def errors_shown() -> Iterator[None]:
    """Turn the errors a person can act on into one line on stderr and a non-zero exit.

    Anything unexpected is reported by type only: its text may carry data from the store.
    """
    from outreach.store.errors import StoreError

    try:
        yield
    except (typer.Exit, typer.Abort, KeyboardInterrupt):
        raise
    except (StoreError, ValueError) as exc:
        raise fail(str(exc)) from None
    except Exception as exc:
        if settings().debug:
            raise
        raise fail(
            f"unexpected {type(exc).__name__}; nothing was saved by the failed step. "
            "Run again with OUTREACH_DEBUG=1 to see details (they may show data)."
        ) from None


def read_file(path: Path, field: str) -> bytes:
    """The bytes of a file a person named; a missing or unreadable one is a ValidationError
    naming the path and why, never a traceback."""
    from outreach.errors import ValidationError

    try:
        return path.read_bytes()
    except OSError as exc:
        raise ValidationError(
            field, f"cannot read {path}: {exc.strerror or 'unreadable'}"
        ) from None


def unlock(store: Path | None, user: str | None) -> Store:
    """Unlock the store for a command, waiting out the pause after repeated failures."""
    from outreach.store.errors import Throttled
    from outreach.store.store import Store

    folder = store_folder(store)
    secret = passphrase()
    said = step_said()
    try:
        opened = Store.unlock(folder, user=user, passphrase=secret, said=said)
    except Throttled as exc:
        say(f"{exc}; waiting…", err=True)
        sys.stderr.flush()
        time.sleep(exc.wait_seconds)
        opened = Store.unlock(folder, user=user, passphrase=secret, said=said)
    if opened.head_warning:
        say(f"warning: {opened.head_warning}", err=True)
    return opened


def step_said() -> Callable[[str], None] | None:
    """What a long step says as it goes (an upgrade at unlock, a backup's copy), on stderr,
    only when a person is watching it (as an import's progress): one line a step, rewritten
    as the share done rises and ended at 100%. None for a log or a script, whose output stays
    what the command prints."""
    if not sys.stderr.isatty():
        return None
    unfinished = [False]

    def show(text: str) -> None:
        share = text.rpartition("% of ")[0].rpartition(" (")[2]
        ended = not share.isdigit() or share == "100"
        again = "\r\033[K" if unfinished[0] else ""
        sys.stderr.write(again + visible_lines(text) + ("\n" if ended else ""))
        sys.stderr.flush()
        unfinished[0] = not ended

    return show
