"""Conversation figures per programme (one conversation, several programmes): each programme
counts the conversations that addressed it, with its own outcome and barriers; reach of a
cascade programme is among the people its cohort follows. Worked by hand below."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from freezegun import freeze_time
from typer.testing import CliRunner

from outreach.cli import app
from outreach.rules.cascade import load_cascade
from outreach.rules.programme import load_programme
from outreach.services.conversations import Addressed, LogConversation, log_conversation
from outreach.services.mentors import AddMentor, add_mentor
from outreach.services.people import AddPerson, add_person
from outreach.stats.activity import counted_figures, period_figures
from outreach.stats.month_activity import keep, verify
from outreach.stats.month_cache import newest_change
from outreach.stats.period import Period
from outreach.stats.programme_talks import programme_conversations
from outreach.store.store import Store
from tests.support.stores import PASSPHRASE, fresh_store

HEP_C = "bbv-hepatitis-c"
AS_OF = date(2025, 6, 30)
YEAR = Period.parse("2025")


def _talk(day: str, ref: str | None, outcome: str, barriers: list[str], **more: object) -> None:
    fields: dict[str, object] = {
        "occurred_on": date.fromisoformat(day),
        "kind": "one_to_one" if ref else "group",
        "mentors": ["Mo"],
        "setting": "wing",
        "outcome": outcome,
        "barriers": barriers,
        "person_ref": ref,
    }
    fields.update(more)
    return LogConversation(**fields)  # type: ignore[arg-type,return-value]


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Four people and four conversations:

    - P1 arrived 2025-03-01, P2 2025-03-10, P4 2025-04-01 (the 2025 receptions); P3 2024-06-01.
    - c1 2025-03-05, P1, 20 min: cervical booked (fear_anxiety); Hep C accepted_offer
      (needles, stigma).
    - c2 2025-03-12, P2, 15 min: Hep C first, undecided_more_time (needles); cervical
      already_screened (worry_result).
    - c3 2025-04-02, a group of 5 naming P4, 30 min: cervical accepted_offer; Hep C
      accepted_offer (stigma).
    - c4 2025-04-03, P3, 10 min: cervical alone, booked.
    - c5 2025-05-01, P1, 5 min: Hep C alone, accepted_offer.
    """
    path = tmp_path_factory.mktemp("talks") / "store"
    with freeze_time("2025-06-30"), fresh_store(path) as store:
        for ref, arrived in (("P1", "2025-03-01"), ("P2", "2025-03-10"), ("P3", "2024-06-01")):
            add_person(
                store,
                AddPerson(
                    ref=ref,
                    display_name=ref,
                    date_of_birth=date(1990, 1, 1),
                    arrived_on=date.fromisoformat(arrived),
                ),
            )
        add_person(
            store,
            AddPerson(
                ref="P4",
                display_name="P4",
                date_of_birth=date(1970, 1, 1),
                arrived_on=date(2025, 4, 1),
            ),
        )
        add_mentor(store, AddMentor(name="Mo", trained_on=date(2020, 1, 1)))
        talks = [
            _talk(
                "2025-03-05",
                "P1",
                "booked",
                ["fear_anxiety"],
                minutes=20,
                also=[Addressed(HEP_C, "accepted_offer", ["needles", "stigma"])],
            ),
            _talk(
                "2025-03-12",
                "P2",
                "undecided_more_time",
                ["needles"],
                minutes=15,
                programme=HEP_C,
                also=[Addressed("cervical-screening", "already_screened", ["worry_result"])],
            ),
            _talk(
                "2025-04-02",
                None,
                "accepted_offer",
                [],
                minutes=30,
                attendees=5,
                attendee_refs=["P4"],
                also=[Addressed(HEP_C, "accepted_offer", ["stigma"])],
            ),
            _talk("2025-04-03", "P3", "booked", [], minutes=10),
            _talk("2025-05-01", "P1", "accepted_offer", [], minutes=5, programme=HEP_C),
        ]
        for talk in talks:
            log_conversation(store, talk)  # type: ignore[arg-type]
    yield path


def _open(folder: Path) -> Store:
    return Store.unlock(folder, user="ana", passphrase=PASSPHRASE)


def test_cervical_counts_the_conversations_that_addressed_it_with_its_own_codes(
    folder: Path,
) -> None:
    with _open(folder) as store, store.read() as session:
        figures = period_figures(session, YEAR, as_of=AS_OF, programme=load_programme())
    held = figures.conversations
    # c1, c2 (cervical further), c3, c4; not c5, about Hep C alone.
    assert (held.count, held.one_to_one, held.group) == (4, 3, 1)
    assert (held.attendees, held.minutes, held.people) == (8, 75, 4)
    assert figures.outcomes == {"accepted_offer": 1, "already_screened": 1, "booked": 2}
    assert figures.barriers == {"fear_anxiety": (1, 1), "worry_result": (1, 1)}


def test_hepatitis_c_counts_its_conversations_outcomes_barriers_and_reach(folder: Path) -> None:
    with _open(folder) as store, store.read() as session:
        talks = programme_conversations(session, load_cascade(HEP_C), YEAR, as_of=AS_OF)
    held = talks.conversations
    # c1, c2, c3, c5: 1 + 1 + 5 + 1 attendees, 20 + 15 + 30 + 5 minutes; P1, P2 and P4.
    assert (held.count, held.one_to_one, held.group) == (4, 3, 1)
    assert (held.attendees, held.minutes, held.people) == (8, 70, 3)
    assert talks.outcomes == {"accepted_offer": 3, "undecided_more_time": 1}
    # needles: c1 (P1), c2 (P2); stigma: c1 (P1), c3 (P4).
    assert talks.barriers == {"needles": (2, 2), "stigma": (2, 2)}
    # The 2025 receptions P1, P2, P4; P4 was only in a group: 2 of 3.
    assert (talks.reach.uncovered, talks.reach.reached) == (3, 2)
    assert talks.reach.rate == pytest.approx(200 / 3)


def test_stats_programme_shows_the_programmes_conversations(folder: Path) -> None:
    env = {"OUTREACH_PASSPHRASE": PASSPHRASE}
    args = ["stats", "--programme", HEP_C, "--period", "2025", "--as-of", "2025-06-30"]
    result = CliRunner().invoke(app, [*args, "--store", str(folder)], env=env)
    assert result.exit_code == 0, result.output
    start = result.output.index("Conversations about it")
    assert result.output[start:].splitlines()[:6] == [
        "Conversations about it: 4 (3 one-to-one, 1 group), 3 people reached, 70 minutes",
        "  Reach: 66.7% (2 of 3 receptions had a one-to-one about it)",
        "  Outcome Accepted the offer of a test: 3",
        "  Outcome Undecided, wants more time: 1",
        "  Barrier Fear of needles or blood tests: 2 conversations, 2 people",
        "  Barrier Stigma: 2 conversations, 2 people",
    ]
    shown = CliRunner().invoke(app, [*args, "--json", "--store", str(folder)], env=env)
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.output)["conversations"] == {
        "count": 4,
        "one_to_one": 3,
        "group": 1,
        "attendees": 8,
        "people": 3,
        "minutes": 70,
        "outcomes": {"accepted_offer": 3, "undecided_more_time": 1},
        "barriers": {
            "needles": {"conversations": 2, "people": 2},
            "stigma": {"conversations": 2, "people": 2},
        },
        "reach": {"followed": 3, "reached": 2, "rate": pytest.approx(200 / 3)},
    }


def test_kept_months_give_the_figures_counting_afresh_gives(folder: Path, tmp_path: Path) -> None:
    # A copy: keeping months writes to the store the other tests read.
    shutil.copytree(folder, tmp_path / "store")
    programme = load_programme()
    with _open(tmp_path / "store") as store:
        with store.read() as session:
            before, fresh = counted_figures(
                session, YEAR, as_of=AS_OF, programme=programme, today=AS_OF
            )
        # January to May ended before 30 June; c1 and c2 (cervical further) fall in March,
        # c3 and c4 in April. c2's outcome is its further programme's.
        assert sorted(fresh) == ["2025-01", "2025-02", "2025-03", "2025-04", "2025-05"]
        assert fresh["2025-03"].held == {
            ("one_to_one", "wing", "booked"): [1, 20, 1],
            ("one_to_one", "wing", "already_screened"): [1, 15, 1],
        }
        assert fresh["2025-03"].barriers == {"fear_anxiety": 1, "worry_result": 1}
        assert fresh["2025-05"].held == {}
        with store.read() as session:
            seen = newest_change(session)
        assert keep(store, fresh, seen)
        with store.read() as session:
            # Every month counted afresh by the month statement agrees with what was kept.
            assert verify(session) == (5, [])
            after, left = counted_figures(
                session, YEAR, as_of=AS_OF, programme=programme, today=AS_OF
            )
    assert left == {} and after == before
    assert before.outcomes == {"accepted_offer": 1, "already_screened": 1, "booked": 2}
