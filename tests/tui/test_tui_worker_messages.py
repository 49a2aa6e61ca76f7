"""Worker results come back as one message class per kind of result, handled by type."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest
from textual import on
from textual.app import App

from outreach.errors import ValidationError
from outreach.tui import messages
from outreach.tui.base import DataScreen
from outreach.tui.messages import Answer, AuditLoaded, Failed, ProfileLoaded
from tests.support.tui_helpers import wait_for

TUI = Path(__file__).resolve().parents[2] / "outreach" / "tui"


class Recorder(DataScreen):
    def __init__(self) -> None:
        super().__init__()
        self.heard: list[tuple[str, Any]] = []

    @on(ProfileLoaded)
    def _profile(self, message: ProfileLoaded) -> None:
        self.heard.append(("profile", message.data))

    @on(AuditLoaded)
    def _audit(self, message: AuditLoaded) -> None:
        self.heard.append(("audit", message.data))

    @on(Failed)
    def _failed(self, message: Failed) -> None:
        self.heard.append(("failed", (message.what, message.error, message.field, message.problem)))


class Host(App[None]):
    def __init__(self, screen: Recorder) -> None:
        super().__init__()
        self.store = object()  # what the call hands to the function; never opened here
        self._screen = screen

    def on_mount(self) -> None:
        self.push_screen(self._screen)


@pytest.mark.asyncio
async def test_each_result_reaches_the_handler_of_its_own_class() -> None:
    screen = Recorder()
    app = Host(screen)

    def refuse(store: object, *, day: str) -> None:
        raise ValidationError("as_of", f"{day} is in the future")

    async with app.run_test() as pilot:
        await wait_for(pilot, lambda: app.screen is screen)
        screen.call(AuditLoaded, lambda store, *, limit: list(range(limit)), limit=3)
        await wait_for(pilot, lambda: len(screen.heard) == 1)
        screen.call(ProfileLoaded, lambda store: store is app.store)
        await wait_for(pilot, lambda: len(screen.heard) == 2)
        screen.call(ProfileLoaded, refuse, day="2031-01-01")
        await wait_for(pilot, lambda: len(screen.heard) == 3)
        screen.call(AuditLoaded, lambda store: 1 / 0)
        await wait_for(pilot, lambda: len(screen.heard) == 4)
    assert screen.heard == [
        ("audit", [0, 1, 2]),
        ("profile", True),
        (
            "failed",
            (
                ProfileLoaded,
                "as_of: 2031-01-01 is in the future",
                "as_of",
                "2031-01-01 is in the future",
            ),
        ),
        (
            "failed",
            (
                AuditLoaded,
                "unexpected ZeroDivisionError; nothing was saved by the failed step",
                None,
                "unexpected ZeroDivisionError; nothing was saved by the failed step",
            ),
        ),
    ]


def test_every_answer_class_carries_only_its_data() -> None:
    answers = [
        value
        for value in vars(messages).values()
        if isinstance(value, type) and issubclass(value, Answer) and value is not Answer
    ]
    # One class per result a worker hands back; a new result needs its own class here.
    assert sorted(answer.__name__ for answer in answers) == [
        "AccountChanged",
        "AccountsLoaded",
        "ArrivalConfirmed",
        "ArrivalsLoaded",
        "AuditLoaded",
        "BackupWritten",
        "ConflictResolved",
        "ConflictsCounted",
        "ConflictsLoaded",
        "ConversationSaved",
        "DashboardLoaded",
        "EquitySaved",
        "ExportPreviewed",
        "ExportWritten",
        "FollowupChanged",
        "FollowupsLoaded",
        "HeadlineLoaded",
        "ImportPreviewed",
        "ImportUndone",
        "ImportWritten",
        "MappingsLoaded",
        "MentorActiveChanged",
        "MentorAdded",
        "MentorsLoaded",
        "MissedLoaded",
        "PeopleLoaded",
        "ProfileLoaded",
        "ProgrammeLoaded",
        "ScreeningSaved",
        "TargetSaved",
        "TargetsLoaded",
        "TransferCardRead",
        "TransferSent",
        "TransferTaken",
    ]
    for answer in answers:
        assert list(answer.__dataclass_fields__) == ["data"], answer.__name__


def test_no_screen_dispatches_on_a_string_name() -> None:
    # A call names its answer's class; nothing compares a message's ``what`` with a string.
    found = []
    for path in sorted(TUI.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Compare)
                and isinstance(node.left, ast.Attribute)
                and node.left.attr == "what"
                and any(isinstance(c, ast.Constant) for c in node.comparators)
            ):
                found.append(f"{path.name}:{node.lineno}")
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "call"
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                found.append(f"{path.name}:{node.lineno}")
    assert found == []
