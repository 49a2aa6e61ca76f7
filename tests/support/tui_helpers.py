"""Helpers shared by the terminal application's tests (this module holds no tests)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from textual.widgets import Input

SIZE = (100, 30)

FROZEN = {"ignore": ["textual", "asyncio"]}
"""What ``freeze_time`` must leave alone around a Pilot run (or it hangs); the root conftest
already ignores them, and saying it again keeps each call right on its own."""


def still_cursor(monkeypatch: pytest.MonkeyPatch) -> None:
    """A still cursor, so screens and snapshots do not depend on timing."""
    monkeypatch.setattr(Input, "cursor_blink", False)


async def type_text(pilot: Any, text: str) -> None:
    """Press a key for each character of ``text``."""
    names = {" ": "space", "-": "minus", "/": "slash", ".": "full_stop", ":": "colon"}
    await pilot.press(*[names.get(ch, ch) for ch in text])


async def wait_for(pilot: Any, condition: Callable[[], object], tries: int = 300) -> None:
    """Let the app run until ``condition()`` holds (workers answer asynchronously)."""
    for _ in range(tries):
        if condition():
            return
        await pilot.pause(0.02)
    raise AssertionError("the application never reached the expected state")


async def settled(pilot: Any, tries: int = 100) -> None:
    """Let the app run until its screen stays the same across two looks 50 ms apart: a
    widget that fills or resizes when next idle (a table sizing its columns, a scroll view
    adding its bar and wrapping its text again) has then drawn its last frame."""
    import re

    def look() -> str:
        return re.sub(r"terminal-\d+", "terminal", pilot.app.export_screenshot())

    last = look()
    for _ in range(tries):
        await pilot.pause(0.05)
        now = look()
        if now == last:
            return
        last = now
    raise AssertionError("the screen never stopped changing")


async def wait_for_answer(pilot: Any, picker: Any, text: str, tries: int = 1500) -> None:
    """Let the app run until ``picker`` lists the answer to exactly ``text``.

    Under load the debounce can fire on a partly typed name, so a picker that is merely open
    may be listing the answer to a prefix of what was typed.
    """
    await wait_for(pilot, lambda: picker.answered == text, tries=tries)


def screen_lines(app: Any) -> list[str]:
    """What the terminal shows now, as plain text lines (the screenshot's text)."""
    import io

    from rich.console import Console

    width, height = app.size
    console = Console(
        width=width,
        height=height,
        file=io.StringIO(),
        force_terminal=True,
        color_system="truecolor",
        record=True,
        legacy_windows=False,
        safe_box=False,
    )
    console.print(
        app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    )
    return console.export_text().splitlines()
