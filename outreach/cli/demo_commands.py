"""``outreach demo``: the application on a fictional demo site, built on first use."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from outreach.cli import app
from outreach.cli.common import errors_shown, say, settings
from outreach.tui.collection import pause_collection
from outreach.wording import counted

if TYPE_CHECKING:
    from outreach.stats.dashboard import Dashboard

WORKLIST_LIMIT = 10_000


@app.command()
def demo(
    store: Annotated[
        Path | None,
        typer.Option(
            "--store",
            help="Folder for the demo store (default: a 'demo' folder beside the real store's; "
            "never the real store).",
            show_default=False,
        ),
    ] = None,
    rebuild: Annotated[
        bool, typer.Option("--rebuild", help="Build the demo store again, up to today.")
    ] = False,
    summary: Annotated[
        bool,
        typer.Option("--summary", help="Print the dashboard figures instead of opening the app."),
    ] = False,
) -> None:
    """Try outreach on a fictional women's prison of about 500 residents, with peer mentors
    since 2020. The demo store is built on first use (under a minute on a quiet laptop, a few
    minutes on a busy one; the years written are shown as it goes) and reused after."""
    from outreach.demo.account import DEMO_PASSPHRASE, DEMO_USER, default_demo_folder
    from outreach.store.keyslots import derive_ahead

    folder = store if store is not None else default_demo_folder()
    restarted = settings().restarted_as and not (rebuild or summary)
    if not (rebuild or summary):
        pause_collection()  # until the first dashboard is drawn (outreach.tui.collection)
    if not (restarted or rebuild):
        # The key derivation (Argon2id, without the GIL) runs beside the imports that follow
        # (SQLAlchemy, SQLModel, the services), which took as long again before it started.
        derive_ahead(folder, user=DEMO_USER, secret=DEMO_PASSPHRASE)

    from outreach.cli.tui_commands import run_app
    from outreach.clock import today
    from outreach.demo import open_demo
    from outreach.store.store import DATA

    if restarted:
        # The application locked and replaced itself: open it locked, as after any lock.
        run_app(store=folder, user=DEMO_USER, demo=True)
        return
    with errors_shown():
        if rebuild and (folder / DATA).exists():
            from outreach.demo import build_demo

            info = build_demo(
                folder,
                today=today(),
                keep_open=True,
                replace=True,
                on_start=lambda: say(f"Building the demo store again in {folder} {_BUILD_TIME} …"),
                on_year=_years_shown(),
            )
            assert info.store is not None
            opened = info.store
            say(f"Built in {info.seconds:.1f} s.")
        elif (folder / DATA).exists():
            # Argon2id runs without the GIL: import the application meanwhile.
            warm = None if summary else _import_app_in_background()
            opened = open_demo(folder)
            if warm is not None:
                warm.join()
        else:
            from outreach.demo import build_demo

            say(f"Building the demo store in {folder} {_BUILD_TIME} …")
            info = build_demo(folder, today=today(), keep_open=True, on_year=_years_shown())
            assert info.store is not None
            opened = info.store
            say(f"Built in {info.seconds:.1f} s.")
    say(f"Demo store: {folder}")
    say(f"Account: {DEMO_USER}   Passphrase: {DEMO_PASSPHRASE}   (fictional data only)")
    if summary:
        from outreach.services.followups import due_followups
        from outreach.stats.dashboard import dashboard
        from outreach.stats.period import Period

        with errors_shown():
            try:
                day = today()
                board = dashboard(opened, as_of=day, period=Period.containing(day, "month"))
                worklist = len(due_followups(opened, as_of=day, limit=WORKLIST_LIMIT))
            finally:
                opened.close()
        say("")
        say("\n".join(summary_lines(board, worklist=worklist)))
        return
    from outreach.cli.tui_commands import run_until_locked
    from outreach.tui.app import create_app

    try:
        run_until_locked(
            create_app(folder, settings=settings(), user=DEMO_USER, demo=True, store=opened)
        )
    finally:
        opened.close()


def _import_app_in_background() -> threading.Thread:
    """Start importing what the first screen needs, and reading the programme file, in a
    thread."""

    def load() -> None:
        import outreach.tui.app  # noqa: F401
        from outreach.tui.screens.warming import warm_first_screen

        warm_first_screen()

    thread = threading.Thread(target=load, name="import-app", daemon=True)
    thread.start()
    return thread


def summary_lines(board: Dashboard, *, worklist: int) -> list[str]:
    """The demo's headline figures: coverage against the target, follow-ups (``worklist``:
    those due on the worklist, for residents), this month's conversations and the barriers
    raised most in them."""
    from outreach.rules.programme import load_programme

    cov = board.coverage
    rate = "-" if cov.rate is None else f"{cov.rate:.1f}%"
    lines = [
        f"Coverage on {board.as_of.isoformat()}: {rate} "
        f"({cov.covered} of {cov.eligible} eligible residents)"
    ]
    for progress in board.targets:
        target = progress.target
        if target.measure != "coverage" or target.unit is not None:
            continue
        baseline = (
            f"; baseline {target.baseline:g}% on {target.baseline_on.isoformat()}"
            if target.baseline is not None and target.baseline_on is not None
            else ""
        )
        lines.append(f"Target: {target.value:g}% by {target.target_on.isoformat()}{baseline}")
        if progress.needed is None:
            lines.append("More people needed to reach the target: no figure yet")
        elif progress.needed:
            lines.append(f"{progress.needed} more people screened to reach the target")
        else:
            lines.append("Target reached: no more people needed")
    follow_ups = board.activity.follow_ups
    lines.append(
        f"Follow-ups: {follow_ups.open} open, {follow_ups.overdue} overdue; "
        f"{worklist} due on the worklist (residents)"
    )
    conv = board.activity.conversations
    lines.append(
        f"Conversations in {board.period.label}: {conv.count} "
        f"({conv.one_to_one} one-to-one, {conv.group} group), {counted(conv.minutes, 'minute')}"
    )
    labels = load_programme(board.programme).barrier_codes
    # People, as on the dashboard: one person raising a barrier in three talks counts once.
    top = sorted(board.activity.barriers.items(), key=lambda item: (-item[1][1], item[0]))
    if top:
        lines.append(f"Barriers raised in {board.period.label} (people who raised each):")
        for code, (_count, people) in top:
            lines.append(f"  {labels.get(code, code)}: {people}")
    return lines


_BUILD_TIME = "(under a minute on a quiet laptop)"


def _years_shown() -> Callable[[int], None] | None:
    """The demo build's progress, a line on stderr rewritten as each year of its history is
    written, only when a person is watching it."""
    if not sys.stderr.isatty():
        return None
    from outreach.clock import today

    last = today().year

    def show(year: int) -> None:
        end = "\n" if year >= last else ""
        sys.stderr.write(f"\r  history written up to {year} (of {last}){end}")
        sys.stderr.flush()

    return show
