"""Reach by an equity field for a testing programme: of the people its cascade follows in the
period (for hepatitis C, each reception of the year), those a mentor talked to one-to-one
about it, by group, with each group's gap to the site's rate. Worked out by hand for six
people."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlmodel import Session

from outreach.model import Conversation, ConversationProgramme, Person
from outreach.stats.equity import equity_figures
from outreach.stats.period import Period
from outreach.store.store import Store
from tests.support.cohort import Cohort

HEP_C = "bbv-hepatitis-c"
YEAR = Period.year(2025)
AS_OF = date(2025, 12, 31)
BORN = date(1990, 5, 5)


def _talk(
    session: Session,
    person_id: int,
    day: date,
    *,
    first: str,
    further: str | None = None,
    kind: str = "one_to_one",
) -> None:
    conversation = Conversation(
        occurred_on=day,
        kind=kind,
        person_id=person_id if kind == "one_to_one" else None,
        attendees=1 if kind == "one_to_one" else 4,
        setting="wing",
        outcome="booked",
        minutes=15,
        created_at=datetime(2025, 1, 1, tzinfo=UTC),
        programme=first,
    )
    session.add(conversation)
    session.flush()
    if further is not None:
        assert conversation.id is not None
        session.add(
            ConversationProgramme(
                conversation_id=conversation.id, programme=further, outcome="booked"
            )
        )


def _build(store: Store) -> None:
    with store.write() as session:
        c = Cohort(session)

        def received(arrived: date, interpreter: str) -> int:
            person_id = c.person(BORN, stays=[(arrived, None, "B")])
            row = session.get(Person, person_id)
            assert row is not None
            row.interpreter = interpreter
            session.add(row)
            return person_id

        p1 = received(date(2025, 2, 1), "yes")
        received(date(2025, 3, 1), "yes")  # P2: nobody talked to them
        p3 = received(date(2025, 4, 1), "no")
        p4 = received(date(2025, 5, 1), "no")
        p5 = received(date(2025, 6, 1), "no")
        p6 = received(date(2024, 6, 1), "yes")  # arrived before 2025: not in the cohort
        # P1: hepatitis C as a further programme of a cervical conversation: reached.
        _talk(session, p1, date(2025, 2, 3), first="cervical-screening", further=HEP_C)
        # P3: hepatitis C first: reached.
        _talk(session, p3, date(2025, 4, 2), first=HEP_C)
        # P4: a cervical-only conversation, then a group session about hepatitis C: neither
        # is a one-to-one about it.
        _talk(session, p4, date(2025, 5, 2), first="cervical-screening")
        _talk(session, p4, date(2025, 5, 3), first=HEP_C, kind="group")
        # P5: a one-to-one about hepatitis C in January 2026, after the period.
        _talk(session, p5, date(2026, 1, 5), first=HEP_C)
        # P6 is not followed in 2025, so their one-to-one counts nowhere.
        _talk(session, p6, date(2025, 7, 1), first=HEP_C)


def test_reach_of_a_testing_programme_by_interpreter_with_the_gap_to_the_site(
    empty_store: Store,
) -> None:
    _build(empty_store)
    figures = equity_figures(
        empty_store, "interpreter", programme=HEP_C, as_of=date(2026, 1, 31), period=YEAR
    )
    reach = next(m for m in figures.measures if m.key == "reach")
    # Followed in 2025: P1 to P5 (5); reached: P1 and P3. Site 2 of 5 = 40%.
    # Needs an interpreter: P1, P2 -> 1 of 2 = 50% (+10 points); does not: P3, P4, P5 ->
    # 1 of 3 = 33.333% (-6.667 points).
    assert (reach.label, reach.numerator, reach.denominator) == ("Reach", 2, 5)
    shown = {
        g.code: (g.numerator, g.denominator, round(g.gap, 3))
        for g in reach.groups
        if g.gap is not None
    }
    assert shown == {"yes": (1, 2, 10.0), "no": (1, 3, -6.667)}
    below = [(m.measure, m.group.code) for m in figures.missed() if m.measure == "Reach"]
    assert below == [("Reach", "no")]


def test_reach_is_the_last_measure_after_the_stages_and_headline_measures(
    empty_store: Store,
) -> None:
    _build(empty_store)
    figures = equity_figures(empty_store, "interpreter", programme=HEP_C, as_of=AS_OF, period=YEAR)
    stages = ["offered", "tested", "antibody_positive", "rna_positive", "referred", "treated"]
    assert [m.key for m in figures.measures] == [
        *(f"stage:{key}" for key in [*stages, "cured"]),
        "measure:offered",
        "measure:tested",
        "measure:treated",
        "reach",
    ]
