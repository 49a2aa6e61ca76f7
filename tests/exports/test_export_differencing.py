"""Differencing: can two exports of neighbouring periods be subtracted into a small count?

One store, in which one person's arrival, one leaving, one test and one conversation change
counts by 1 between the periods. Both periods' tables go into one integer program (the
attack of ``test_export_attack.py``), joined by what the intruder knows holds across them:
a month's coverage in one export's trend is the same true figure as that month's coverage in
the other's. For every figure in both exports, the least and greatest possible difference of
the true values must differ (at least two values remain), and no hidden count of either
export may be pinned by the pair.

What this proves: for these stores, neighbouring months and quarters published under the
rule cannot be subtracted to single out a change. What it does not prove: exports whose
periods nest. Counts of events in a quarter are the sum of its months; each export is checked
on its own, so a quarter exported beside all three of its months can still pin a small month
(shown below, and stated in the notes of every export).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import date

import pytest
from sqlmodel import Session

from outreach.clock import now
from outreach.exports.builder import build_table
from outreach.exports.rows import ALL, MONTH, TOTAL
from outreach.model import Conversation, Person, ScreeningEvent, Stay, Unit
from outreach.stats.period import Period
from outreach.store.store import Store
from tests.exports.test_export_attack import HES, Attack, Exported, add_export, pinned
from tests.support.stores import new_store

LATE = date(2024, 11, 15)
"""When every export is read: after all the periods here."""


def _resident(
    session: Session, i: int, unit: Unit, arrived: date, left: date | None = None
) -> Person:
    person = Person(
        ref=f"DF{i:04d}",
        display_name=f"Differencing Resident {i}",
        date_of_birth=date(1975, 1 + i % 12, 1 + i % 28),
        has_cervix="yes",
        created_at=now(),
    )
    session.add(person)
    session.flush()
    assert person.id is not None and unit.id is not None
    session.add(Stay(person_id=person.id, unit_id=unit.id, arrived_on=arrived, left_on=left))
    return person


def _test(session: Session, person: Person, day: date) -> None:
    assert person.id is not None
    session.add(
        ScreeningEvent(
            person_id=person.id, occurred_on=day, event="test", hpv="negative", created_at=now()
        )
    )


def _talk(session: Session, person: Person, day: date) -> None:
    session.add(
        Conversation(
            occurred_on=day,
            kind="one_to_one",
            person_id=person.id,
            setting="wing",
            minutes=10,
            outcome="booked",
            created_at=now(),
        )
    )


def populate(store: Store) -> None:
    """End of March 2024: 12 eligible in Oak (7 covered) and 3 in Pine (published 15, with
    Pine suppressed). In April one resident arrives in Oak, one leaves Pine, and one Oak
    resident is tested: eligible 15 -> 15, covered 7 -> 8. Conversations: 12 in each of
    January to March, 13 in April, 10 in May and June, and 8, 8 and 1 in July, August and
    September."""
    with store.write() as session:
        oak, pine = Unit(name="Oak"), Unit(name="Pine")
        session.add_all([oak, pine])
        session.flush()
        people = [_resident(session, i, oak, date(2023, 1, 9)) for i in range(12)]
        people += [_resident(session, 12, pine, date(2023, 1, 9))]
        people += [_resident(session, 13, pine, date(2023, 1, 9), left=date(2024, 4, 20))]
        people += [_resident(session, 14, pine, date(2023, 1, 9))]
        people += [_resident(session, 15, oak, date(2024, 4, 10))]
        for person in people[:7]:
            _test(session, person, date(2023, 6, 1))
        _test(session, people[7], date(2024, 4, 25))
        for month, count in (
            (1, 12),
            (2, 12),
            (3, 12),
            (4, 13),
            (5, 10),
            (6, 10),
            (7, 8),
            (8, 8),
            (9, 1),
        ):
            for i in range(count):
                _talk(session, people[i % len(people)], date(2024, month, 1 + i))


@pytest.fixture(scope="module")
def changing_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    folder = tmp_path_factory.mktemp("differencing-store") / "store"
    opened = new_store(folder, site="HMP Diff")
    populate(opened)
    try:
        yield opened
    finally:
        opened.close()


def joint_attack(store: Store, *labels: str) -> tuple[Attack, list[Exported]]:
    """Every period's table in one integer program, with its trend months shared."""
    attack = Attack()
    exports = []
    with store.read() as session:
        for label in labels:
            table = build_table(session, Period.parse(label), as_of=LATE)
            exports.append(add_export(attack, table, table.publish(HES), HES))
    for first, second in itertools.pairwise(exports):
        for key, variable in first.variables.items():
            if key[0] == "coverage_trend" and key in second.variables:
                attack.equal([variable], [second.variables[key]])
    return attack, exports


def differences(
    attack: Attack, earlier: Exported, later: Exported
) -> dict[str, tuple[float, float]]:
    """The least and greatest true difference of each figure in both exports (other than the
    trend months they share, which are one figure)."""
    found = {}
    for key, variable in earlier.variables.items():
        if key[1] == MONTH or key not in later.variables:
            continue
        found["/".join(key)] = attack.interval({later.variables[key]: 1.0, variable: -1.0})
    return found


@pytest.mark.parametrize(("earlier", "later"), [("2024-Q1", "2024-Q2"), ("2024-03", "2024-04")])
def test_no_difference_between_neighbouring_periods_is_pinned(
    changing_store: Store, earlier: str, later: str
) -> None:
    """Only a figure published as 0 in both (0 is always shown as 0) has one difference."""
    attack, (first, second) = joint_attack(changing_store, earlier, later)
    found = differences(attack, first, second)
    assert len(found) > 30
    narrow = {key for key, ends in found.items() if ends[1] - ends[0] < 1}
    zero_in_both = {
        "/".join(key)
        for key, (value, _reason) in first.published.items()
        if key[1] != MONTH and value == 0 and second.published.get(key, (None,))[0] == 0
    }
    assert narrow == zero_in_both
    assert all(found[key] == (0, 0) for key in narrow)


@pytest.mark.parametrize(("earlier", "later"), [("2024-Q1", "2024-Q2"), ("2024-03", "2024-04")])
def test_the_pair_pins_no_hidden_count_of_either(
    changing_store: Store, earlier: str, later: str
) -> None:
    attack, exports = joint_attack(changing_store, earlier, later)
    for exported in exports:
        assert pinned(attack, exported) == {}


def test_a_change_of_one_across_a_rounding_edge_still_leaves_several_differences(
    changing_store: Store,
) -> None:
    # Covered 7 -> 8 publishes as * -> 10: a rise of 1 to 11.
    attack, (march, april) = joint_attack(changing_store, "2024-03", "2024-04")
    covered = differences(attack, march, april)["coverage/total/all/numerator"]
    assert covered == (1, 11)


def test_a_quarter_beside_its_months_can_still_pin_a_small_month(changing_store: Store) -> None:
    """The residual risk the notes describe: 8, 8 and 1 conversations in July, August and
    September publish as 10, 10 and *; the quarter's 17 publishes as 15, so September held
    exactly 1. The rule sees one export at a time and cannot know which others will be made."""
    attack, (quarter, *months) = joint_attack(
        changing_store, "2024-Q3", "2024-07", "2024-08", "2024-09"
    )
    talks = ("conversations", TOTAL, ALL, "value")
    september = months[2].variables[talks]
    assert attack.interval({september: 1.0}) == (1, 7)
    # The intruder adds what holds across the exports: a quarter's conversations are the sum
    # of its months'.
    attack.equal([month.variables[talks] for month in months], [quarter.variables[talks]])
    assert attack.interval({september: 1.0}) == (1, 1)
