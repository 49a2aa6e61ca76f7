"""The person picker never guesses: residents first, enter takes only the one resident meant,
and someone who has left or is marked do not approach is chosen only on a second answer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from freezegun import freeze_time
from textual.widgets import Input, Static

from outreach.services.profile import person_profile
from outreach.store.store import Store
from outreach.tui.app import create_app
from outreach.tui.dialogs.account_dialogs import ConfirmDialog
from outreach.tui.dialogs.conversation_form import ConversationForm
from outreach.tui.dialogs.screening_form import ScreeningForm
from outreach.tui.screens.dashboard import DashboardScreen
from outreach.tui.screens.person import PersonScreen
from outreach.tui.widgets.person_picker import ChooseAnywayDialog, MatchList, PersonPicker
from tests.support.picker_store import TODAY, build_picker_store
from tests.support.stores import new_store
from tests.support.tui_helpers import FROZEN, SIZE, type_text, wait_for, wait_for_answer


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("tui-picker") / "store"
    build_picker_store(path)
    return path


async def _wait(pilot: Any, condition: Any) -> None:
    # Up to 30 s: the machine running the tests may be busy.
    await wait_for(pilot, condition, tries=1500)


def _picker(app: Any) -> PersonPicker:
    return app.screen.query_one(PersonPicker)


def _options(picker: PersonPicker) -> list[str]:
    options = picker.query_one(MatchList)
    return [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]


def _standing(picker: PersonPicker) -> str:
    return str(picker.query_one("#person-standing", Static).render())


def _slow_search(monkeypatch: pytest.MonkeyPatch) -> None:
    """Searches that start only on enter (no pause in typing is long enough) and answer
    half a second later: enter is always pressed before the answer."""
    import time

    from outreach.tui.widgets import person_picker

    found = person_picker.find_people

    def slow(store: Store, query: str, limit: int = person_picker.SHOWN) -> Any:
        time.sleep(0.5)
        return found(store, query, limit)

    monkeypatch.setattr(person_picker, "DEBOUNCE_SECONDS", 60.0)
    monkeypatch.setattr(person_picker, "find_people", slow)


async def _open_form(pilot: Any, key: str = "c") -> Any:
    app = pilot.app
    await _wait(pilot, lambda: isinstance(app.screen, DashboardScreen))
    await pilot.press(key)
    await _wait(pilot, lambda: isinstance(app.screen, ConversationForm | ScreeningForm))
    return app.screen


@pytest.mark.slow
@pytest.mark.asyncio
async def test_enter_with_a_resident_and_a_namesake_who_left_moves_to_the_list(
    store: Store,
) -> None:
    with freeze_time(TODAY, **FROZEN):
        app = create_app(store.folder, store=store)
        async with app.run_test(size=SIZE) as pilot:
            await _open_form(pilot)
            await type_text(pilot, "kau")
            picker = _picker(app)
            await wait_for_answer(pilot, picker, "kau")
            await pilot.press("enter")
            await pilot.pause()
            assert picker.choice is None
            assert isinstance(app.focused, MatchList)
            assert _options(picker) == [
                "A1003  Amrit Kaur  age 44\n         resident, do not approach  ·  Wing B",
                "A1001  Fatima Kaur  age 34\n         resident  ·  Wing A",
                "A1002  Fatima Kaur  age 39\n         left on 2021-07-31  ·  Wing B",
            ]


@pytest.mark.slow
@pytest.mark.asyncio
async def test_enter_takes_the_one_resident_even_when_someone_who_left_matches(
    store: Store,
) -> None:
    with freeze_time(TODAY, **FROZEN):
        app = create_app(store.folder, store=store)
        app.last_mentor = "Maya Lee"
        async with app.run_test(size=SIZE) as pilot:
            await _open_form(pilot)
            await type_text(pilot, "fatima")
            picker = _picker(app)
            await wait_for_answer(pilot, picker, "fatima")
            await pilot.press("enter")
            await pilot.pause()
            assert picker.choice is not None and picker.choice.ref == "A1001"
            assert _standing(picker) == "resident  ·  Wing A  ·  age 34, born 1990-03-02"


@pytest.mark.slow
@pytest.mark.asyncio
async def test_enter_before_the_search_answers_acts_on_its_answer(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    _slow_search(monkeypatch)
    with freeze_time(TODAY, **FROZEN):
        app = create_app(store.folder, store=store)
        app.last_mentor = "Maya Lee"
        async with app.run_test(size=SIZE) as pilot:
            await _open_form(pilot)
            picker = _picker(app)
            await type_text(pilot, "fatima")
            await pilot.press("enter")
            assert picker.choice is None and not picker.is_open  # no answer yet
            await _wait(pilot, lambda: picker.choice is not None)
            assert picker.choice is not None and picker.choice.ref == "A1001"


@pytest.mark.slow
@pytest.mark.asyncio
async def test_enter_before_the_answer_with_several_residents_moves_to_the_list(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    _slow_search(monkeypatch)
    with freeze_time(TODAY, **FROZEN):
        app = create_app(store.folder, store=store)
        async with app.run_test(size=SIZE) as pilot:
            await _open_form(pilot)
            picker = _picker(app)
            await type_text(pilot, "kau")
            await pilot.press("enter")
            assert not picker.is_open
            await _wait(pilot, lambda: isinstance(app.focused, MatchList))
            assert picker.choice is None


@pytest.mark.slow
@pytest.mark.asyncio
async def test_someone_who_left_is_chosen_only_after_saying_yes(store: Store) -> None:
    with freeze_time(TODAY, **FROZEN):
        app = create_app(store.folder, store=store)
        async with app.run_test(size=SIZE) as pilot:
            await _open_form(pilot)
            picker = _picker(app)
            await type_text(pilot, "A1002")
            await pilot.press("enter")
            await _wait(pilot, lambda: isinstance(app.focused, MatchList))
            await pilot.press("enter")
            await _wait(pilot, lambda: isinstance(app.screen, ChooseAnywayDialog))
            question = str(app.screen.query_one(Static).render())
            assert question == "Fatima Kaur (A1002) left on 2021-07-31.\nChoose this person anyway?"
            await pilot.press("enter")  # enter does not answer
            assert isinstance(app.screen, ChooseAnywayDialog)
            await pilot.press("n")
            await _wait(pilot, lambda: isinstance(app.focused, MatchList))
            assert picker.choice is None
            await pilot.press("enter")
            await _wait(pilot, lambda: isinstance(app.screen, ChooseAnywayDialog))
            await pilot.press("y")
            await _wait(pilot, lambda: picker.choice is not None)
            assert picker.choice is not None
            assert (picker.choice.ref, picker.choice.confirmed) == ("A1002", True)
            assert _standing(picker) == "left on 2021-07-31  ·  Wing B  ·  age 39, born 1984-08-30"


@pytest.mark.slow
@pytest.mark.asyncio
async def test_do_not_approach_is_named_before_she_is_chosen(store: Store) -> None:
    with freeze_time(TODAY, **FROZEN):
        app = create_app(store.folder, store=store)
        async with app.run_test(size=SIZE) as pilot:
            await _open_form(pilot, "s")
            picker = _picker(app)
            await type_text(pilot, "amrit")
            await pilot.press("enter")  # the one resident: asked about at once
            await _wait(pilot, lambda: isinstance(app.screen, ChooseAnywayDialog))
            question = str(app.screen.query_one(Static).render())
            assert question == (
                "Amrit Kaur (A1003) is marked do not approach since 2024-02-01.\n"
                "Choose this person anyway?"
            )
            await pilot.press("escape")
            await _wait(pilot, lambda: isinstance(app.screen, ScreeningForm))
            assert picker.choice is None


@pytest.mark.slow
@pytest.mark.asyncio
async def test_a_decline_is_shown_on_the_form_before_saving(store: Store) -> None:
    with freeze_time(TODAY, **FROZEN):
        app = create_app(store.folder, store=store)
        app.last_mentor = "Maya Lee"
        async with app.run_test(size=SIZE) as pilot:
            await _open_form(pilot)
            picker = _picker(app)
            await type_text(pilot, "rosa")
            await pilot.press("enter")
            await _wait(pilot, lambda: picker.choice is not None)
            assert not isinstance(app.screen, ChooseAnywayDialog)
            assert _standing(picker) == (
                "resident, declined until 2024-11-02  ·  Wing A  ·  age 29, born 1995-06-01"
            )


@pytest.mark.slow
@pytest.mark.asyncio
async def test_from_the_person_screen_do_not_approach_is_confirmed_at_save(store: Store) -> None:
    with freeze_time(TODAY, **FROZEN):
        app = create_app(store.folder, store=store)
        app.last_mentor = "Maya Lee"
        async with app.run_test(size=SIZE) as pilot:
            await _wait(pilot, lambda: isinstance(app.screen, DashboardScreen))
            app.push_screen(PersonScreen("A1003"))
            await _wait(pilot, lambda: isinstance(app.screen, PersonScreen))
            screen = app.screen
            await _wait(pilot, lambda: screen.profile is not None)
            await pilot.press("c")
            await _wait(pilot, lambda: isinstance(app.screen, ConversationForm))
            picker = _picker(app)
            await _wait(pilot, lambda: picker.choice is not None and picker.choice.match)
            assert _standing(picker).startswith("resident, do not approach  ·  Wing B")
            await pilot.press("ctrl+s")
            await _wait(pilot, lambda: isinstance(app.screen, ChooseAnywayDialog))
            await pilot.press("n")
            await _wait(pilot, lambda: isinstance(app.screen, ConversationForm))
            await pilot.pause(0.2)
        conversations = [
            t
            for t in person_profile(store, "A1003", as_of=TODAY).timeline
            if t.kind == "conversation"
        ]
        assert conversations == []


@pytest.mark.slow
@pytest.mark.asyncio
async def test_someone_who_left_is_saved_for_once_confirmed(store: Store) -> None:
    with freeze_time(TODAY, **FROZEN):
        app = create_app(store.folder, store=store)
        app.last_mentor = "Maya Lee"
        async with app.run_test(size=SIZE) as pilot:
            form = await _open_form(pilot)
            picker = _picker(app)
            await type_text(pilot, "A1002")
            await pilot.press("enter")
            await _wait(pilot, lambda: isinstance(app.focused, MatchList))
            await pilot.press("enter")
            await _wait(pilot, lambda: isinstance(app.screen, ChooseAnywayDialog))
            await pilot.press("y")
            await _wait(pilot, lambda: picker.choice is not None)
            form.query_one("#setting").value = "other"
            form.query_one("#occurred_on", Input).value = "2021-07-01"
            await pilot.press("ctrl+s")
            await _wait(pilot, lambda: isinstance(app.screen, DashboardScreen))
        timeline = person_profile(store, "A1002", as_of=TODAY).timeline
        assert [(t.on.isoformat(), t.kind) for t in timeline if t.kind == "conversation"] == [
            ("2021-07-01", "conversation")
        ]


@pytest.mark.slow
@pytest.mark.asyncio
async def test_a_name_with_markup_is_shown_as_typed(store: Store) -> None:
    with freeze_time(TODAY, **FROZEN):
        app = create_app(store.folder, store=store)
        async with app.run_test(size=SIZE) as pilot:
            await _open_form(pilot)
            picker = _picker(app)
            await type_text(pilot, "nell")
            await wait_for_answer(pilot, picker, "nell")
            assert _options(picker) == [
                "B2003  Nell [b]Bold[/b]  age 31\n         resident  ·  Wing B"
            ]


@pytest.mark.asyncio
async def test_the_person_screen_shows_the_decision_in_force(store: Store) -> None:
    from outreach.tui.screens.person import status_text

    for ref, expected in [
        (
            "A1003",
            "Amrit Kaur  A1003  ·  age 44  ·  Wing B\n"
            "Status: do not approach\n"
            "Last test: –   Next due: now (never screened)\n"
            "Decision: do not approach since 2024-02-01"
            "\nHep B: no step recorded\nHep C: no step recorded\nHIV: no step recorded",
        ),
        (
            "B2002",
            "Rosa Díaz  B2002  ·  age 29  ·  Wing A\n"
            "Status: declined, revisit 2024-11-02\n"
            "Last test: –   Next due: now (never screened)\n"
            "Decision: declined on 2024-05-02, revisit 2024-11-02"
            "\nHep B: no step recorded\nHep C: no step recorded\nHIV: no step recorded",
        ),
        (
            "A1002",
            "Fatima Kaur  A1002  ·  age 39  ·  left\n"
            "Status: left on 2021-07-31\n"
            "Last test: –   Next due: left on 2021-07-31",
        ),
        (
            "B2001",
            "Hélène Dubois  B2001  ·  age 36  ·  Wing A\n"
            "Status: due now (never screened)\n"
            "Last test: –   Next due: now (never screened)"
            "\nHep B: no step recorded\nHep C: no step recorded\nHIV: no step recorded",
        ),
    ]:
        assert str(status_text(person_profile(store, ref, as_of=TODAY))) == expected
    with freeze_time(TODAY, **FROZEN):
        app = create_app(store.folder, store=store)
        async with app.run_test(size=SIZE) as pilot:
            await _wait(pilot, lambda: isinstance(app.screen, DashboardScreen))
            app.push_screen(PersonScreen("A1003"))
            await _wait(pilot, lambda: isinstance(app.screen, PersonScreen))
            screen = app.screen
            await _wait(pilot, lambda: screen.profile is not None)
            shown = str(screen.query_one("#person-status", Static).render())
            assert "Decision: do not approach since 2024-02-01" in shown


def _snapshot_app(store: Store) -> Any:
    with freeze_time(TODAY, **FROZEN):
        return create_app(store.folder, store=store, idle_minutes=60)


@pytest.mark.slow
def test_picker_snapshot(snap_compare: Any, store: Store) -> None:
    async def matches_listed(pilot: Any) -> None:
        app = pilot.app
        app.last_mentor = "Maya Lee"
        await _open_form(pilot)
        await type_text(pilot, "kau")
        await pilot.press("enter")
        await _wait(pilot, lambda: isinstance(app.focused, MatchList))
        await pilot.pause(0.2)

    with freeze_time(TODAY, **FROZEN):
        assert snap_compare(_snapshot_app(store), terminal_size=(80, 24), run_before=matches_listed)


def test_person_screen_snapshot_with_a_decline(snap_compare: Any, store: Store) -> None:
    async def person_shown(pilot: Any) -> None:
        app = pilot.app
        await _wait(pilot, lambda: isinstance(app.screen, DashboardScreen))
        app.push_screen(PersonScreen("B2002"))
        await _wait(pilot, lambda: isinstance(app.screen, PersonScreen))
        await _wait(pilot, lambda: app.screen.profile is not None)
        await pilot.pause(0.2)

    with freeze_time(TODAY, **FROZEN):
        assert snap_compare(_snapshot_app(store), terminal_size=(80, 24), run_before=person_shown)


@pytest.mark.slow
@pytest.mark.asyncio
async def test_one_target_and_one_mentor_are_counted_in_the_singular(tmp_path: Path) -> None:
    from datetime import date

    from outreach.services.mentors import AddMentor, add_mentor
    from outreach.services.targets import SetTarget, set_target
    from outreach.tui.screens.mentors import MentorsScreen
    from outreach.tui.screens.targets import TargetsScreen

    with freeze_time(TODAY, **FROZEN):
        opened = new_store(tmp_path / "s")
        try:
            set_target(
                opened, SetTarget(measure="coverage", value=90.0, target_on=date(2025, 3, 31))
            )
            add_mentor(opened, AddMentor(name="Émile Roux", trained_on=date(2022, 9, 1)))
            app = create_app(opened.folder, store=opened)
            async with app.run_test(size=SIZE) as pilot:
                await _wait(pilot, lambda: isinstance(app.screen, DashboardScreen))
                await pilot.press("t")
                await _wait(pilot, lambda: isinstance(app.screen, TargetsScreen))
                status = app.screen.query_one("#targets-status", Static)
                await _wait(pilot, lambda: "target" in str(status.render()))
                assert str(status.render()) == (
                    "Cervical screening: 1 target  (ins: set a target, enter: change one, "
                    "n: next programme)"
                )
                await pilot.press("m")
                await _wait(pilot, lambda: isinstance(app.screen, MentorsScreen))
                status = app.screen.query_one("#mentors-status", Static)
                await _wait(pilot, lambda: "mentor" in str(status.render()))
                assert str(status.render()) == "1 active of 1 mentor on 14 Jun 2024"
        finally:
            opened.close()


@pytest.mark.slow
@pytest.mark.asyncio
async def test_a_mentor_typed_in_lower_case_is_accepted_and_saved_as_written(
    store: Store,
) -> None:
    with freeze_time(TODAY, **FROZEN):
        app = create_app(store.folder, store=store)
        async with app.run_test(size=SIZE) as pilot:
            form = await _open_form(pilot)
            picker = _picker(app)
            await type_text(pilot, "fatima")
            await pilot.press("enter")
            await _wait(pilot, lambda: picker.choice is not None)
            mentor = form.query_one("#mentor", Input)
            await _wait(pilot, lambda: bool(form._mentors))
            mentor.value = "émile roux"
            await pilot.pause()
            assert str(form.query_one("#err-mentors", Static).render()) == ""
            await pilot.press("ctrl+s")
            await _wait(pilot, lambda: isinstance(app.screen, DashboardScreen))
        conversations = [
            t.summary
            for t in person_profile(store, "A1001", as_of=TODAY).timeline
            if t.kind == "conversation"
        ]
        assert len(conversations) == 1
        assert "with Émile Roux" in conversations[0]


@pytest.mark.slow
@pytest.mark.asyncio
async def test_esc_with_matches_listed_closes_the_list_and_keeps_the_form(store: Store) -> None:
    with freeze_time(TODAY, **FROZEN):
        app = create_app(store.folder, store=store)
        async with app.run_test(size=SIZE) as pilot:
            await _open_form(pilot)
            form = app.screen
            picker = _picker(app)
            await type_text(pilot, "nell")
            await wait_for_answer(pilot, picker, "nell")
            await pilot.press("escape")
            await pilot.pause()
            # The list closes; the form, and what was typed, stay.
            assert app.screen is form
            assert not picker.is_open
            assert picker.input.value == "nell"
            assert picker.input.has_focus
            # With nothing listed, esc is the form's again: it asks before discarding.
            await pilot.press("escape")
            await _wait(pilot, lambda: isinstance(app.screen, ConfirmDialog))
            assert app.screen._question == "Discard what you typed in this form?"
