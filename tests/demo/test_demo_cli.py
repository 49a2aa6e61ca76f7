"""``outreach demo``: builds once into its own folder, prints its figures, opens the app,
and never touches a store that is not the demo."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import outreach.demo
from outreach.cli import app
from outreach.demo import default_demo_folder
from outreach.store.store import DATA, Store, default_folder
from tests.support.stores import new_store

# Slow: every test here runs on a demo store built first (about 25 s on a quiet machine).
pytestmark = pytest.mark.slow

runner = CliRunner()
SMALL = 120


@pytest.fixture(scope="module")
def small_builds() -> Iterator[None]:
    """A smaller population keeps these tests quick; the full size is tested elsewhere."""
    with pytest.MonkeyPatch.context() as patch:
        small = functools.partial(outreach.demo.build_demo, residents=SMALL)
        patch.setattr(outreach.demo, "build_demo", small)
        yield


@pytest.fixture(scope="module")
def demo_folder(tmp_path_factory: pytest.TempPathFactory, small_builds: None) -> Path:
    return tmp_path_factory.mktemp("demo") / "store"


@pytest.fixture(scope="module")
def first_run(demo_folder: Path) -> str:
    result = runner.invoke(app, ["demo", "--store", str(demo_folder), "--summary"])
    assert result.exit_code == 0, result.output
    return result.output


def test_summary_builds_the_demo_and_prints_the_figures(first_run: str) -> None:
    print(first_run)
    assert "Building the demo store" in first_run
    assert "Passphrase: demo-passphrase" in first_run
    assert "Coverage on " in first_run
    assert "Target: 90% by 2022-12-31; baseline 64% on 2020-04-01" in first_run
    assert "Follow-ups: " in first_run
    assert "Conversations in " in first_run


def test_a_second_run_reuses_the_demo_store(first_run: str, demo_folder: Path) -> None:
    result = runner.invoke(app, ["demo", "--store", str(demo_folder), "--summary"])
    assert result.exit_code == 0, result.output
    assert "Building" not in result.output
    assert "Coverage on " in result.output


def test_without_summary_opens_the_app_marked_demo_on_the_unlocked_store(
    first_run: str, demo_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: dict[str, Any] = {}

    class FakeApp:
        store = None
        restart_as = None
        crash_message = ""
        return_code = 0

        def run(self) -> None:
            seen["ran"] = True

    def create_app(folder: Path, **options: Any) -> FakeApp:
        seen.update(options, folder=folder)
        return FakeApp()

    monkeypatch.setattr("outreach.tui.app.create_app", create_app)
    result = runner.invoke(app, ["demo", "--store", str(demo_folder)])
    assert result.exit_code == 0, result.output
    assert seen["ran"] and seen["demo"] is True and seen["user"] == "demo"
    assert seen["folder"] == demo_folder
    assert isinstance(seen["store"], Store)


def test_rebuild_refuses_a_store_that_is_not_the_demo(tmp_path: Path, small_builds: None) -> None:
    folder = tmp_path / "real"
    new_store(folder).close()
    result = runner.invoke(app, ["demo", "--store", str(folder), "--rebuild", "--summary"])
    assert result.exit_code == 1
    assert "does not hold the demo store" in result.output
    assert (folder / DATA).exists()


def test_refuses_the_real_store_folder(small_builds: None) -> None:
    result = runner.invoke(app, ["demo", "--store", str(default_folder()), "--summary"])
    assert result.exit_code == 1
    assert not (default_folder() / DATA).exists()


def test_the_default_demo_folder_is_not_the_real_store_folder() -> None:
    assert default_demo_folder() != default_folder()
    assert default_demo_folder().parent == default_folder().parent
