"""The Import screen end to end: a prison roll chosen by path, a column mapped, location codes
turned into units, the preview, confirmation, the import with its progress, and the undo;
and a snapshot of the preview at 80x24."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from freezegun import freeze_time
from sqlmodel import col, select
from textual import events
from textual.widgets import DataTable, Input, OptionList, ProgressBar, Static

from outreach.imports.mapping import saved_mappings
from outreach.model import Person, Stay, Unit
from outreach.store.store import Store
from outreach.tui.app import create_app
from outreach.tui.dialogs.account_dialogs import ConfirmDialog
from outreach.tui.last_folder import last_import_folder, remember_import_folder
from outreach.tui.screens.import_file import (
    COLUMN_LABELS,
    ImportResultDialog,
    ImportScreen,
    MapColumnDialog,
    PathSuggester,
)
from tests.support.tui_helpers import FROZEN, SIZE, settled, wait_for
from tests.support.tui_store import TODAY

ROOT = Path(__file__).resolve().parents[2]
ROLL = (
    "\ufeffPrison Number,Surname,Forename,DOB,Reception Date,Location,NHS Number,Cell Category\r\n"
    "C3001,O'Neill,Siobhán,03/04/1990,12/01/2024,HB2-1-014,999 123 4567,B\r\n"
    "C3002,Nowak,[bold]Zofia[/],21/11/1978,05/02/2024,HB1-3-002,,C\r\n"
)


def _new_people(store: Store) -> list[tuple[str, str, date, str | None, date]]:
    with store.read() as session:
        rows = session.exec(
            select(
                Person.ref, Person.display_name, Person.date_of_birth, Unit.name, Stay.arrived_on
            )
            .join(Stay, col(Stay.person_id) == col(Person.id))
            .join(Unit, col(Unit.id) == col(Stay.unit_id), isouter=True)
            .where(col(Person.ref).startswith("C3"))
        ).all()
    return sorted((r[0], r[1], r[2], r[3], r[4]) for r in rows)


def _text(screen: ImportScreen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


async def _import_screen(pilot: Any, path: Path | None = None) -> ImportScreen:
    """Open the Import screen with ``o``; with ``path``, type it and preview (enter)."""
    app = pilot.app
    await pilot.press("o")
    await wait_for(pilot, lambda: isinstance(app.screen, ImportScreen))
    screen: ImportScreen = app.screen
    if path is not None:
        screen.query_one("#path", Input).value = str(path)
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen.report is not None, tries=600)
    return screen


@pytest.mark.slow
@pytest.mark.asyncio
async def test_a_roll_is_mapped_previewed_imported_and_undone(store: Store, tmp_path: Path) -> None:
    files = tmp_path / "files"
    files.mkdir()
    (files / "roll.csv").write_bytes(ROLL.encode())
    with freeze_time(TODAY, **FROZEN):
        app = create_app(store.folder, store=store)
        async with app.run_test(size=SIZE) as pilot:
            screen = await _import_screen(pilot, files / "roll.csv")
            assert screen.report is not None
            # The unmapped column is named; the NHS number is ignored on sight.
            table = screen.query_one("#columns", DataTable)
            shown = [tuple(str(c) for c in table.get_row_at(i)) for i in range(table.row_count)]
            assert shown == [
                ("Prison Number", "→ ref"),
                ("Surname", "→ surname"),
                ("Forename", "→ forename"),
                ("DOB", "→ date_of_birth"),
                ("Reception Date", "→ arrived"),
                ("Location", "→ unit"),
                ("NHS Number", "ignored (NHS number)"),
                ("Cell Category", "not mapped: enter"),
            ]
            assert "1 column needs mapping: enter on one." in _text(screen, "#import-status")

            # Map it: enter on its row, then "ignore" (the last choice).
            table.focus()
            table.move_cursor(row=7)
            await pilot.press("enter")
            await wait_for(pilot, lambda: isinstance(app.screen, MapColumnDialog))
            options = app.screen.query_one(OptionList)
            options.highlighted = options.option_count - 1
            await pilot.press("enter")
            await wait_for(pilot, lambda: screen.report is not None and screen.report.ok, 600)

            # Unit codes, then preview again.
            screen.query_one("#units", Input).value = "HB1=Wing A, HB2=Wing B"
            screen.query_one("#save-as", Input).value = "Test roll"
            await pilot.press("ctrl+t")
            await wait_for(pilot, lambda: screen.report is not None, tries=600)
            preview = _text(screen, "#preview")
            assert "roll.csv: 2 rows: 2 to add, 0 to update, 0 unchanged" in preview
            assert "Location: HB2-1-014 → unit Wing B" in preview
            assert "Forename + Surname: Siobhán + O'Neill → name Siobhán O'Neill" in preview
            # Typed text is shown as typed, never read as markup.
            assert "[bold]Zofia[/] + Nowak → name [bold]Zofia[/] Nowak" in preview
            assert _new_people(store) == []

            # Confirm, import (the bar fills), and see the result with its undo.
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
            await pilot.press("y")
            await wait_for(pilot, lambda: isinstance(app.screen, ImportResultDialog), 600)
            bar = screen.query_one(ProgressBar)
            assert (bar.progress, bar.total) == (2, 2)
            assert _new_people(store) == [
                ("C3001", "Siobhán O'Neill", date(1990, 4, 3), "Wing B", date(2024, 1, 12)),
                ("C3002", "[bold]Zofia[/] Nowak", date(1978, 11, 21), "Wing A", date(2024, 2, 5)),
            ]
            assert [(s.name, s.mapping.kind) for s in saved_mappings(store)] == [
                ("Test roll", "people")
            ]
            result = app.screen
            await pilot.press("z")
            await wait_for(
                pilot,
                lambda: "undone" in str(result.query_one("#import-result-text", Static).render()),
                600,
            )
            assert _new_people(store) == []
            await pilot.press("escape")
            await wait_for(pilot, lambda: app.screen is screen)
            assert _text(screen, "#import-status") == (
                "Import 1 was undone: the store is as it was."
            )
    # Only the folder is remembered, for next time.
    assert last_import_folder() == files.resolve()


@pytest.mark.asyncio
async def test_importing_before_a_preview_writes_nothing(store: Store, tmp_path: Path) -> None:
    with freeze_time(TODAY, **FROZEN):
        app = create_app(store.folder, store=store)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("o")
            await wait_for(pilot, lambda: isinstance(app.screen, ImportScreen))
            screen: ImportScreen = app.screen
            screen.query_one("#path", Input).value = str(tmp_path / "missing.csv")
            await pilot.press("ctrl+s")
            assert _text(screen, "#import-status") == (
                "Nothing imported: preview the file first (ctrl+t)."
            )
            await pilot.press("ctrl+t")
            assert _text(screen, "#import-status").startswith("No file at ")
            assert not isinstance(app.screen, ConfirmDialog)


@pytest.mark.asyncio
async def test_a_path_typed_ahead_of_ctrl_t_is_the_one_previewed(
    store: Store, tmp_path: Path
) -> None:
    # Keys arrive as a paste or fast typing does: all queued before any is handled. ctrl+t is
    # a priority binding, so it is taken before the path field has read the keys ahead of it.
    (tmp_path / "roll.csv").write_bytes(ROLL.encode())
    with freeze_time(TODAY, **FROZEN):
        app = create_app(store.folder, store=store)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("o")
            await wait_for(pilot, lambda: isinstance(app.screen, ImportScreen))
            screen: ImportScreen = app.screen
            field = screen.query_one("#path", Input)
            field.value = ""
            for char in str(tmp_path / "roll.csv"):
                app.post_message(events.Key(char, char))
            app.post_message(events.Key("ctrl+t", None))
            await wait_for(
                pilot,
                lambda: (
                    screen.report is not None
                    or _text(screen, "#import-status").startswith("No file at")
                ),
            )
            assert field.value == str(tmp_path / "roll.csv")
            assert not _text(screen, "#import-status").startswith("No file at")
            assert screen.report is not None


@pytest.mark.asyncio
async def test_what_is_typed_goes_on_after_the_remembered_folder(
    store: Store, tmp_path: Path
) -> None:
    files = tmp_path / "rolls"
    files.mkdir()
    remember_import_folder(files)
    with freeze_time(TODAY, **FROZEN):
        app = create_app(store.folder, store=store)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("o")
            await wait_for(pilot, lambda: isinstance(app.screen, ImportScreen))
            field = app.screen.query_one("#path", Input)
            assert field.value == f"{files.resolve()}/"
            for char in "roll.csv":
                app.post_message(events.Key(char, char))
            await wait_for(pilot, lambda: field.value.endswith(".csv"))
            assert field.value == f"{files.resolve()}/roll.csv"


@pytest.mark.asyncio
async def test_the_path_completes_folders_and_files(tmp_path: Path) -> None:
    (tmp_path / "Rolls").mkdir()
    (tmp_path / "Rolls" / "styal-roll.csv").write_text("x")
    (tmp_path / ".hidden").write_text("x")
    suggester = PathSuggester()
    assert await suggester.get_suggestion(f"{tmp_path}/Ro") == f"{tmp_path}/Rolls/"
    assert await suggester.get_suggestion(f"{tmp_path}/Rolls/") == (
        f"{tmp_path}/Rolls/styal-roll.csv"
    )
    assert await suggester.get_suggestion(f"{tmp_path}/.h") is None
    assert await suggester.get_suggestion(f"{tmp_path}/x") is None


@pytest.mark.asyncio
async def test_the_column_table_header_is_drawn_at_its_final_widths_at_once(
    store: Store, tmp_path: Path
) -> None:
    """The header row drawn before the table is next idle (a frame the screen draws first)
    is already at the widths of the rows: the table no longer sizes them later."""
    roll = tmp_path / "roll.csv"
    roll.write_bytes(ROLL.encode())
    with freeze_time(TODAY, **FROZEN):
        app = create_app(store.folder, store=store)
        async with app.run_test(size=SIZE) as pilot:
            screen = await _import_screen(pilot, roll)
            report = screen.report
            assert report is not None
            table = screen.query_one("#columns", DataTable)
            # Back to the empty table the screen opens with, then the preview shown again,
            # and its header drawn with nothing run in between.
            table.clear(columns=True)
            table.add_columns(*COLUMN_LABELS)
            screen._show(report)
            header = table.render_line(0).text
    # "Reception Date" (14 cells) is the widest name, "ignored (NHS number)" (20) the
    # widest reading; a cell of padding either side of each, and the table's 40 filled.
    assert header == f" {'Column':<14}  {'Read as':<20} " + "  "


def test_the_preview_at_80x24(
    snap_compare: Any, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)

    async def previewed(pilot: Any) -> None:
        app = pilot.app
        await pilot.press("o")
        await wait_for(pilot, lambda: isinstance(app.screen, ImportScreen))
        screen: ImportScreen = app.screen
        screen.chosen["cell_category"] = "ignore"
        screen.query_one("#units", Input).value = "HB1=Ash, HB2=Beech, HCC=Healthcare"
        screen.query_one("#path", Input).value = "fixtures/prison-roll.csv"
        await pilot.press("ctrl+t")
        await wait_for(pilot, lambda: screen.report is not None, tries=600)
        # The columns are as wide as what they hold from the first frame (the table sizing
        # them when next idle once left the header at the old widths), and the picture is
        # taken once the screen has stopped changing.
        table = screen.query_one("#columns", DataTable)
        first = next(iter(table.columns.values()))
        widest = max(len(str(table.get_row_at(i)[0])) for i in range(table.row_count))
        assert (first.width, first.auto_width) == (widest, False)
        await settled(pilot)

    with freeze_time(TODAY, **FROZEN):
        app = create_app(store.folder, store=store)
        assert snap_compare(app, terminal_size=(80, 24), run_before=previewed)


@pytest.mark.slow
@pytest.mark.asyncio
async def test_marking_many_as_left_is_confirmed_with_the_count(
    store: Store, tmp_path: Path
) -> None:
    roll = tmp_path / "roll.csv"
    roll.write_text(
        "ref,name,date_of_birth,arrived\n"
        "A1001,Alice Brown,1990-03-02,2023-01-10\n"
        "A1002,Beth Carter,1985-07-21,2023-01-10\n",
        encoding="utf-8",
    )
    with freeze_time(TODAY, **FROZEN):
        app = create_app(store.folder, store=store)
        async with app.run_test(size=SIZE) as pilot:
            screen = await _import_screen(pilot)
            screen.query_one("#left-on", Input).value = "01/06/2024"
            screen.query_one("#path", Input).value = str(roll)
            await pilot.press("ctrl+t")
            await wait_for(pilot, lambda: screen.report is not None, tries=600)
            assert screen.report is not None
            assert screen.report.needs_confirmation == [
                "would mark 4 of 6 current residents as left (more than a fifth)"
            ]
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
            question = str(app.screen.query(Static).first().render())
            assert question == (
                "Import roll.csv: 0 to add, 0 to update, 4 to mark as left?\n"
                "This import would mark 4 of 6 current residents as left (more than a fifth)."
            )
            await pilot.press("y")
            await wait_for(pilot, lambda: isinstance(app.screen, ImportResultDialog), 600)
    with store.read() as session:
        left = session.exec(select(Person.ref).join(Stay).where(col(Stay.left_on).is_not(None)))
        assert sorted(left.all()) == ["A1003", "B2001", "B2002", "B2003"]


@pytest.mark.asyncio
async def test_the_wal_is_folded_in_after_an_import(store: Store, tmp_path: Path) -> None:
    # The import's commit leaves its pages in the WAL; the screen has them folded into
    # data.db beside the result, not 30 s later nor in the next save someone makes.
    roll = tmp_path / "roll.csv"
    roll.write_text(
        "ref,name,date_of_birth,arrived,unit\nC3101,Ada Lovett,1990-04-03,2024-01-12,Wing B\n"
    )
    wal = store.folder / "data.db-wal"
    with freeze_time(TODAY, **FROZEN):
        app = create_app(store.folder, store=store)
        async with app.run_test(size=SIZE) as pilot:
            screen = await _import_screen(pilot, roll)
            assert screen.report is not None and screen.report.ok
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
            await pilot.press("y")
            await wait_for(pilot, lambda: isinstance(app.screen, ImportResultDialog), 600)
            await wait_for(pilot, lambda: wal.stat().st_size == 0, 600)
            assert [p[0] for p in _new_people(store)] == ["C3101"]
