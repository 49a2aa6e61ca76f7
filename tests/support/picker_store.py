"""A small store for the person picker's tests (this module holds no tests).

Two people called Kaur share a first name: one resident, one who left in 2021. A resident is
marked do not approach, another declined with a revisit date, and a mentor's name has an
accent. Built only through services, on a fixed date.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from freezegun import freeze_time

from tests.support.stores import new_store

TODAY = date(2024, 6, 14)

PEOPLE = [
    # ref, name, date of birth, unit, arrived
    ("A1001", "Fatima Kaur", date(1990, 3, 2), "Wing A", date(2023, 1, 10)),
    ("A1002", "Fatima Kaur", date(1984, 8, 30), "Wing B", date(2019, 2, 1)),
    ("A1003", "Amrit Kaur", date(1979, 11, 5), "Wing B", date(2023, 5, 20)),
    ("B2001", "Hélène Dubois", date(1988, 1, 15), "Wing A", date(2024, 5, 30)),
    ("B2002", "Rosa Díaz", date(1995, 6, 1), "Wing A", date(2022, 9, 9)),
    ("B2003", "Nell [b]Bold[/b]", date(1993, 4, 4), "Wing B", date(2023, 3, 3)),
]
LEFT = ("A1002", date(2021, 7, 31))
"""The second Fatima Kaur left on this day."""
DO_NOT_APPROACH = ("A1003", date(2024, 2, 1))
DECLINED = ("B2002", date(2024, 5, 2), date(2024, 11, 2))
"""Who declined, when, and the revisit date."""
MENTORS = ["Émile Roux", "Maya Lee"]


def build_picker_store(folder: Path) -> None:
    """Create the store in ``folder`` (admin ``ana``, passphrase PASSPHRASE)."""
    from outreach.services.decisions import RecordDecision, record_decision
    from outreach.services.mentors import AddMentor, add_mentor
    from outreach.services.people import AddPerson, RecordLeaving, add_person, record_leaving

    with freeze_time(TODAY):
        store = new_store(folder)
        try:
            for ref, name, born, unit, arrived in PEOPLE:
                add_person(
                    store,
                    AddPerson(
                        ref=ref,
                        display_name=name,
                        date_of_birth=born,
                        has_cervix="yes",
                        unit=unit,
                        arrived_on=arrived,
                    ),
                )
            record_leaving(
                store, RecordLeaving(person_ref=LEFT[0], left_on=LEFT[1], left_reason="released")
            )
            record_decision(
                store,
                RecordDecision(
                    person_ref=DO_NOT_APPROACH[0],
                    kind="do_not_approach",
                    decided_on=DO_NOT_APPROACH[1],
                ),
            )
            record_decision(
                store,
                RecordDecision(
                    person_ref=DECLINED[0],
                    kind="informed_decline",
                    decided_on=DECLINED[1],
                    revisit_on=DECLINED[2],
                ),
            )
            for name in MENTORS:
                add_mentor(store, AddMentor(name=name, trained_on=date(2022, 9, 1)))
        finally:
            store.close()
