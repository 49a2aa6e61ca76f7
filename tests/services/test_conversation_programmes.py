"""One conversation, several programmes (migration 0024): the first programme's outcome and
barriers are the conversation's own; each further programme has its own outcome and
barriers, each checked against that programme's file, and its decision recorded."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date

import pytest
from freezegun import freeze_time
from sqlmodel import select

from outreach.model import (
    Conversation,
    ConversationBarrier,
    ConversationProgramme,
    ConversationProgrammeBarrier,
    Decision,
)
from outreach.services.conversations import Addressed, LogConversation, log_conversation
from outreach.services.errors import ValidationError
from outreach.services.mentors import AddMentor, add_mentor
from outreach.services.people import AddPerson, add_person
from outreach.store.store import Store
from tests.support.service_helpers import assert_no_value_in_audit, last_audit
from tests.support.stores import frozen_on, module_store

TODAY = "2025-06-01"
HEP_C = "bbv-hepatitis-c"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    with freeze_time(TODAY):
        for opened in module_store(tmp_path_factory):
            for ref in ("P1", "P2", "P3"):
                add_person(
                    opened,
                    AddPerson(
                        ref=ref,
                        display_name=f"Person {ref}",
                        date_of_birth=date(1990, 1, 1),
                        arrived_on=date(2024, 1, 1),
                    ),
                )
            add_mentor(opened, AddMentor(name="Mo", trained_on=date(2023, 1, 1)))
            yield opened


_today = frozen_on(TODAY)


def _talk(**overrides: object) -> LogConversation:
    values: dict[str, object] = {
        "occurred_on": date(2025, 5, 2),
        "kind": "one_to_one",
        "person_ref": "P1",
        "mentors": ["Mo"],
        "setting": "wing",
        "minutes": 20,
        "barriers": ["fear_anxiety"],
        "outcome": "booked",
    }
    values.update(overrides)
    return LogConversation(**values)  # type: ignore[arg-type]


@pytest.mark.slow
def test_a_conversation_about_cervical_and_hepatitis_c_keeps_each_ones_outcome_and_barriers(
    store: Store,
) -> None:
    logged = log_conversation(
        store,
        _talk(also=[Addressed(HEP_C, "accepted_offer", ["needles", "stigma", "needles"])]),
    )
    cid = logged.conversation.id
    with store.read() as session:
        talk = session.get(Conversation, cid)
        assert talk is not None
        assert (talk.programme, talk.outcome) == ("cervical-screening", "booked")
        assert session.exec(
            select(ConversationBarrier.code).where(ConversationBarrier.conversation_id == cid)
        ).all() == ["fear_anxiety"]
        further = session.exec(
            select(ConversationProgramme).where(ConversationProgramme.conversation_id == cid)
        ).all()
        assert [(f.programme, f.outcome) for f in further] == [(HEP_C, "accepted_offer")]
        codes = session.exec(
            select(ConversationProgrammeBarrier.programme, ConversationProgrammeBarrier.code)
            .where(ConversationProgrammeBarrier.conversation_id == cid)
            .order_by(ConversationProgrammeBarrier.code)
        ).all()
        assert [tuple(c) for c in codes] == [(HEP_C, "needles"), (HEP_C, "stigma")]
        # The further rows travel: each has an id and is in the change log.
        logged_rows = (
            session.connection()
            .exec_driver_sql(
                "SELECT tbl, data FROM change_log WHERE tbl LIKE 'conversation_programme%' "
                "ORDER BY seq"
            )
            .all()
        )
    assert [t for t, _ in logged_rows] == [
        "conversation_programme",
        "conversation_programme_barrier",
        "conversation_programme_barrier",
    ]
    assert json.loads(logged_rows[0][1]) == {
        "conversation_id": talk.uid,
        "programme": HEP_C,
        "outcome": "accepted_offer",
    }
    [row] = last_audit(store)
    assert row.fields == (
        "attendees,barriers,further_programmes,kind,mentors,minutes,occurred_on,outcome,"
        "person_id,setting"
    )
    assert_no_value_in_audit(store, "needles", "stigma", HEP_C)


def test_a_conversation_about_hepatitis_c_alone_has_it_as_its_first_programme(
    store: Store,
) -> None:
    logged = log_conversation(
        store, _talk(person_ref="P2", programme=HEP_C, barriers=["tested_before"])
    )
    with store.read() as session:
        talk = session.get(Conversation, logged.conversation.id)
        assert talk is not None and talk.programme == HEP_C
        assert session.exec(
            select(ConversationBarrier.code).where(ConversationBarrier.conversation_id == talk.id)
        ).all() == ["tested_before"]


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"barriers": ["needles"]}, "barriers", "'needles' is not a barrier code of cervical"),
        (
            {"also": [Addressed(HEP_C, "booked", ["fear_anxiety"])]},
            "barriers",
            f"'fear_anxiety' is not a barrier code of {HEP_C}",
        ),
        ({"also": [Addressed("flu-jab", "booked")]}, "programme", "'flu-jab' is not a programme"),
        (
            {"also": [Addressed("cervical-screening", "booked")]},
            "programme",
            "cervical-screening is named twice",
        ),
        (
            {"also": [Addressed(HEP_C, "maybe")]},
            "outcome",
            f"'maybe' is not an outcome code (for {HEP_C})",
        ),
        (
            {
                "kind": "group",
                "person_ref": None,
                "attendees": 4,
                "also": [Addressed(HEP_C, "informed_decline")],
            },
            "outcome",
            "informed_decline is one person's decision",
        ),
    ],
)
def test_a_further_programme_is_checked_against_its_own_file(
    store: Store, overrides: dict[str, object], field: str, message: str
) -> None:
    with store.read() as session:
        before = len(session.exec(select(Conversation.id)).all())
    with pytest.raises(ValidationError) as raised:
        log_conversation(store, _talk(**overrides))
    assert raised.value.field == field
    assert message in raised.value.message
    with store.read() as session:
        assert len(session.exec(select(Conversation.id)).all()) == before


def test_a_further_programmes_informed_decline_is_recorded_for_that_programme(
    store: Store,
) -> None:
    logged = log_conversation(
        store, _talk(person_ref="P3", also=[Addressed(HEP_C, "informed_decline", ["needles"])])
    )
    assert logged.decision is None  # cervical: booked
    assert [
        (d.programme, d.kind, d.decided_on, d.revisit_on) for d in logged.further_decisions
    ] == [(HEP_C, "informed_decline", date(2025, 5, 2), date(2025, 11, 2))]
    with store.read() as session:
        kinds = session.exec(
            select(Decision.programme, Decision.kind).where(
                Decision.person_id == logged.conversation.person_id
            )
        ).all()
    assert [tuple(k) for k in kinds] == [(HEP_C, "informed_decline")]
