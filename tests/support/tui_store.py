"""A small deterministic store for the terminal application's tests (this module holds no tests).

Built only through services, on a fixed date, so screens and snapshots never change.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

from freezegun import freeze_time

from tests.support.stores import new_store

TODAY = date(2024, 6, 14)
"""The frozen "today" of every test that uses this store (a Friday)."""

PEOPLE = [
    # ref, name, date of birth, unit
    ("A1001", "Alice Brown", date(1990, 3, 2), "Wing A"),
    ("A1002", "Beth Carter", date(1985, 7, 21), "Wing A"),
    ("A1003", "Cara Dunn", date(1970, 1, 9), "Wing A"),
    ("B2001", "Dana Evans", date(1995, 11, 30), "Wing B"),
    ("B2002", "Ella Fox", date(1962, 5, 5), "Wing B"),
    ("B2003", "Fay Green", date(1999, 8, 17), "Wing B"),
]


def build_store(folder: Path) -> Path:
    """Create the store in ``folder`` (admin ``ana``, passphrase PASSPHRASE) with its data;
    returns ``folder``."""
    from outreach.services.conversations import LogConversation, log_conversation
    from outreach.services.mentors import AddMentor, add_mentor
    from outreach.services.people import AddPerson, add_person
    from outreach.services.screening import RecordScreeningEvent, record_screening_event
    from outreach.services.targets import SetTarget, set_target

    with freeze_time(TODAY):
        store = new_store(folder)
        try:
            for ref, name, born, unit in PEOPLE:
                add_person(
                    store,
                    AddPerson(
                        ref=ref,
                        display_name=name,
                        date_of_birth=born,
                        has_cervix="yes",
                        unit=unit,
                        arrived_on=date(2023, 1, 10),
                    ),
                )
            add_mentor(store, AddMentor(name="Maya Lee", trained_on=date(2022, 9, 1)))
            add_mentor(store, AddMentor(name="Nora Quinn", trained_on=date(2023, 2, 1)))
            set_target(
                store,
                SetTarget(
                    measure="coverage",
                    value=90.0,
                    target_on=date(2025, 3, 31),
                    baseline=64.0,
                    baseline_on=date(2023, 4, 1),
                ),
            )
            record_screening_event(
                store,
                RecordScreeningEvent(
                    person_ref="A1002",
                    occurred_on=date(2023, 5, 2),
                    event="test",
                    hpv="negative",
                    sample="clinician",
                    where="on_site",
                ),
            )
            record_screening_event(
                store,
                RecordScreeningEvent(
                    person_ref="B2002",
                    occurred_on=date(2022, 11, 15),
                    event="test",
                    hpv="negative",
                    sample="clinician",
                    where="outside",
                ),
            )
            record_screening_event(
                store,
                RecordScreeningEvent(
                    person_ref="A1003",
                    occurred_on=date(2024, 2, 1),
                    event="test",
                    hpv="positive",
                    cytology="normal",
                    sample="clinician",
                    where="on_site",
                ),
            )
            log_conversation(
                store,
                LogConversation(
                    occurred_on=date(2024, 6, 3),
                    kind="one_to_one",
                    mentors=["Maya Lee"],
                    setting="wing",
                    outcome="undecided_more_time",
                    minutes=20,
                    person_ref="A1001",
                    barriers=["fear_anxiety", "practical_access"],
                    next_step_on=date(2024, 6, 10),
                ),
            )
            log_conversation(
                store,
                LogConversation(
                    occurred_on=date(2024, 6, 5),
                    kind="one_to_one",
                    mentors=["Nora Quinn"],
                    setting="wing",
                    outcome="undecided_more_time",
                    minutes=15,
                    person_ref="B2001",
                    barriers=["fear_anxiety"],
                    next_step_on=date(2024, 6, 14),
                ),
            )
            log_conversation(
                store,
                LogConversation(
                    occurred_on=date(2024, 6, 7),
                    kind="group",
                    mentors=["Maya Lee"],
                    setting="group_room",
                    outcome="not_available",
                    minutes=45,
                    attendees=5,
                ),
            )
        finally:
            store.close()
    return folder


def copy_built(template: Path, folder: Path) -> Path:
    """``folder`` made a copy of ``template``, a closed store that :func:`build_store` made
    (the session's is the ``tui_template`` fixture); returns ``folder``. The copy is the same
    store byte for byte (keys, rows, audit chain) for a file copy of milliseconds, where
    building it costs about 1.6 s of CPU (three key derivations, every migration, the writes)."""
    shutil.copytree(template, folder)
    return folder
