"""Screening events: a test's action and the follow-up it creates, colposcopy, ceasing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from freezegun import freeze_time
from sqlmodel import col, select

from outreach.model import FollowUp, ScreeningEvent
from outreach.services.decisions import RecordDecision, record_decision
from outreach.services.errors import ValidationError
from outreach.services.followups import due_followups
from outreach.services.people import AddPerson, add_person, person_profile
from outreach.services.screening import RecordScreeningEvent, record_screening_event
from outreach.store.store import Store
from tests.support.service_helpers import assert_no_value_in_audit, last_audit
from tests.support.store_helpers import table_counts
from tests.support.stores import frozen_on, module_store

TODAY = "2025-06-01"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    with freeze_time(TODAY):
        for opened in module_store(tmp_path_factory):
            for number in range(1, 13):
                add_person(
                    opened,
                    AddPerson(
                        ref=f"S{number}",
                        display_name=f"Screened {number}",
                        date_of_birth=date(1985, 3, 10),
                        has_cervix="yes",
                        arrived_on=date(2020, 1, 1),
                    ),
                )
            yield opened


_today = frozen_on(TODAY)


def _followups(store: Store, ref_number: int) -> list[FollowUp]:
    with store.read() as session:
        return list(
            session.exec(
                select(FollowUp).where(FollowUp.person_id == ref_number).order_by(col(FollowUp.id))
            )
        )


@pytest.mark.slow
def test_hpv_positive_with_normal_cytology_asks_for_a_repeat_in_12_months(store: Store) -> None:
    recorded = record_screening_event(
        store,
        RecordScreeningEvent(
            person_ref="S1",
            occurred_on=date(2024, 3, 5),
            event="test",
            hpv="positive",
            cytology="normal",
            sample="clinician",
            where="on_site",
            note="result letter posted",
        ),
    )
    assert recorded.action == "repeat_12_months"
    assert recorded.follow_up is not None
    [follow_up] = _followups(store, 1)
    assert (follow_up.reason, follow_up.due_on, follow_up.status, follow_up.source_event_id) == (
        "repeat_test",
        date(2025, 3, 5),
        "open",
        recorded.event.id,
    )
    with store.read() as session:
        row = session.get(ScreeningEvent, recorded.event.id)
    assert row is not None
    assert (row.event, row.hpv, row.cytology, row.sample, row.where, row.action) == (
        "test",
        "positive",
        "normal",
        "clinician",
        "on_site",
        "repeat_12_months",
    )
    [audit] = last_audit(store)
    assert (audit.action, audit.entity, audit.entity_id) == (
        "screening.record",
        "screening_event",
        recorded.event.id,
    )
    assert audit.fields == (
        "action,cytology,event,follow_up,hpv,note,occurred_on,person_id,sample,where"
    )
    assert_no_value_in_audit(store, "positive", "repeat_12", "letter posted", "Screened 1")


def test_a_high_grade_result_asks_for_colposcopy_within_14_days(store: Store) -> None:
    recorded = record_screening_event(
        store,
        RecordScreeningEvent(
            person_ref="S2",
            occurred_on=date(2025, 4, 10),
            event="test",
            hpv="positive",
            cytology="high_grade",
        ),
    )
    assert recorded.action == "colposcopy_2_weeks"
    [follow_up] = _followups(store, 2)
    assert (follow_up.reason, follow_up.due_on) == ("colposcopy", date(2025, 4, 24))


def test_a_low_grade_result_asks_for_colposcopy_within_42_days(store: Store) -> None:
    recorded = record_screening_event(
        store,
        RecordScreeningEvent(
            person_ref="S3",
            occurred_on=date(2025, 4, 10),
            event="test",
            hpv="positive",
            cytology="low_grade",
        ),
    )
    assert recorded.follow_up is not None
    assert (recorded.action, recorded.follow_up.due_on) == ("colposcopy_6_weeks", date(2025, 5, 22))


def test_an_hpv_negative_result_is_routine_recall_with_no_follow_up(store: Store) -> None:
    recorded = record_screening_event(
        store,
        RecordScreeningEvent(
            person_ref="S4", occurred_on=date(2025, 1, 10), event="test", hpv="negative"
        ),
    )
    assert (recorded.action, recorded.follow_up) == ("routine_recall", None)
    assert _followups(store, 4) == []


def test_the_repeat_test_completes_the_open_repeat_follow_up(store: Store) -> None:
    record_screening_event(
        store,
        RecordScreeningEvent(
            person_ref="S5",
            occurred_on=date(2024, 1, 15),
            event="test",
            hpv="positive",
            cytology="normal",
        ),
    )
    second = record_screening_event(
        store,
        RecordScreeningEvent(
            person_ref="S5", occurred_on=date(2025, 1, 20), event="test", hpv="negative"
        ),
    )
    [first_follow_up] = _followups(store, 5)
    assert [f.id for f in second.completed] == [first_follow_up.id]
    assert (first_follow_up.status, first_follow_up.done_on) == ("done", date(2025, 1, 20))


def test_a_history_test_entered_late_updates_the_actions_after_it(store: Store) -> None:
    record_screening_event(
        store,
        RecordScreeningEvent(
            person_ref="S6",
            occurred_on=date(2023, 5, 1),
            event="test",
            hpv="positive",
            cytology="normal",
        ),
    )
    latest = record_screening_event(
        store,
        RecordScreeningEvent(
            person_ref="S6",
            occurred_on=date(2024, 5, 1),
            event="test",
            hpv="positive",
            cytology="normal",
        ),
    )
    assert latest.action == "repeat_12_months"
    history = record_screening_event(
        store,
        RecordScreeningEvent(
            person_ref="S6",
            occurred_on=date(2022, 5, 1),
            event="test",
            hpv="positive",
            cytology="normal",
        ),
    )
    assert history.follow_up is None
    with store.read() as session:
        row = session.get(ScreeningEvent, latest.event.id)
    assert row is not None and row.action == "colposcopy_6_weeks"


@pytest.mark.parametrize(
    ("kwargs", "field", "words"),
    [
        ({"occurred_on": date(1985, 3, 9)}, "occurred_on", "before the person's date of birth"),
        ({"occurred_on": date(2025, 6, 2)}, "occurred_on", "2025-06-02 is in the future"),
        ({"person_ref": "NOBODY"}, "person_ref", "no person with reference 'NOBODY'"),
        ({"hpv": None}, "hpv", "needs an HPV or cytology result"),
        ({"hpv": "positive"}, "cytology", "no cytology result yet"),
        ({"hpv": "weird"}, "hpv", "'weird' is not one of"),
        ({"cytology": "odd"}, "cytology", "'odd' is not one of"),
        ({"event": "offered"}, "hpv", "only a test has a hpv result"),
        ({"reason": "no_cervix"}, "reason", "only a ceased event has a reason"),
        ({"event": "ceased", "hpv": None}, "reason", "None is not one of"),
        ({"event": "party"}, "event", "'party' is not one of"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_nothing_is_written(
    store: Store, kwargs: dict[str, object], field: str, words: str
) -> None:
    values: dict[str, object] = {
        "person_ref": "S7",
        "occurred_on": date(2025, 1, 1),
        "event": "test",
        "hpv": "negative",
    }
    values.update(kwargs)
    before = table_counts(store)
    with pytest.raises(ValidationError) as caught:
        record_screening_event(store, RecordScreeningEvent(**values))  # type: ignore[arg-type]
    assert caught.value.field == field
    assert words in str(caught.value)
    assert table_counts(store) == before


def test_clinical_follow_ups_are_created_under_do_not_approach_and_flagged(store: Store) -> None:
    record_decision(
        store, RecordDecision(person_ref="S8", kind="do_not_approach", decided_on=date(2025, 1, 1))
    )
    recorded = record_screening_event(
        store,
        RecordScreeningEvent(
            person_ref="S8",
            occurred_on=date(2025, 2, 1),
            event="test",
            hpv="positive",
            cytology="high_grade",
        ),
    )
    assert recorded.follow_up is not None
    rows = [r for r in due_followups(store, as_of=date(2025, 6, 1)) if r.person_ref == "S8"]
    assert [(r.reason, r.due_on, r.do_not_approach) for r in rows] == [
        ("colposcopy", date(2025, 2, 15), True)
    ]


def test_a_colposcopy_referral_opens_a_follow_up_that_attending_completes(store: Store) -> None:
    referred = record_screening_event(
        store,
        RecordScreeningEvent(
            person_ref="S9", occurred_on=date(2025, 3, 1), event="colposcopy_referred"
        ),
    )
    assert referred.follow_up is not None
    assert (referred.follow_up.reason, referred.follow_up.due_on) == (
        "colposcopy",
        date(2025, 3, 15),
    )
    again = record_screening_event(
        store,
        RecordScreeningEvent(
            person_ref="S9", occurred_on=date(2025, 3, 2), event="colposcopy_referred"
        ),
    )
    assert again.follow_up is None
    attended = record_screening_event(
        store,
        RecordScreeningEvent(
            person_ref="S9", occurred_on=date(2025, 3, 10), event="colposcopy_attended"
        ),
    )
    assert [f.id for f in attended.completed] == [referred.follow_up.id]
    [follow_up] = _followups(store, 9)
    assert (follow_up.status, follow_up.done_on) == ("done", date(2025, 3, 10))


def test_clinical_ceasing_removes_the_person_from_the_eligible_population(store: Store) -> None:
    record_screening_event(
        store,
        RecordScreeningEvent(
            person_ref="S10", occurred_on=date(2025, 1, 5), event="ceased", reason="no_cervix"
        ),
    )
    status = person_profile(store, "S10", as_of=date(2025, 6, 1)).status
    assert (status.eligible, status.ceased, status.ceased_clinically) == (False, "no_cervix", True)
    assert status.summary == "ceased (no cervix)"


def test_ceasing_by_informed_choice_keeps_the_person_eligible_but_off_the_worklist(
    store: Store,
) -> None:
    record_screening_event(
        store,
        RecordScreeningEvent(
            person_ref="S11", occurred_on=date(2025, 1, 5), event="ceased", reason="informed_choice"
        ),
    )
    status = person_profile(store, "S11", as_of=date(2025, 6, 1)).status
    assert (status.eligible, status.covered, status.on_worklist, status.due) == (
        True,
        False,
        False,
        False,
    )


def test_ceasing_cancels_open_repeat_follow_ups(store: Store) -> None:
    record_screening_event(
        store,
        RecordScreeningEvent(
            person_ref="S12", occurred_on=date(2024, 9, 1), event="test", hpv="unavailable"
        ),
    )
    ceased = record_screening_event(
        store,
        RecordScreeningEvent(
            person_ref="S12", occurred_on=date(2025, 1, 5), event="ceased", reason="radiotherapy"
        ),
    )
    [follow_up] = _followups(store, 12)
    assert [f.id for f in ceased.cancelled] == [follow_up.id]
    assert (follow_up.reason, follow_up.status) == ("repeat_test", "cancelled")


def test_a_step_on_site_before_arrival_is_refused_and_nothing_is_written(
    store: Store,
) -> None:
    add_person(
        store,
        AddPerson(
            ref="Z9001",
            display_name="Late Arrival",
            date_of_birth=date(1990, 1, 1),
            has_cervix="yes",
            unit="A wing",
            arrived_on=date(2024, 5, 1),
        ),
    )
    before = table_counts(store)
    with pytest.raises(ValidationError) as caught:
        record_screening_event(
            store,
            RecordScreeningEvent(
                person_ref="Z9001",
                occurred_on=date(2024, 4, 30),
                event="test",
                hpv="negative",
                sample="clinician",
                where="on_site",
            ),
        )
    assert caught.value.field == "where"
    assert str(caught.value) == (
        "where: Z9001 was not resident on 2024-04-30 (no stay covers it): "
        "a step taken before arrival is before_arrival"
    )
    assert table_counts(store) == before
    recorded = record_screening_event(
        store,
        RecordScreeningEvent(
            person_ref="Z9001",
            occurred_on=date(2024, 4, 30),
            event="test",
            hpv="negative",
            sample="clinician",
            where="before_arrival",
        ),
    )
    assert recorded.event.where == "before_arrival"
