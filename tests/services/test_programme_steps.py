"""Steps of a testing programme: the result a step takes, and the follow-ups its file says a
step or result opens and completes (schema/programmes/bbv-hepatitis-c.toml, bowel-screening)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from freezegun import freeze_time

from outreach.services.decisions import RecordDecision, record_decision
from outreach.services.errors import ValidationError
from outreach.services.people import AddPerson, add_person
from outreach.services.programme_steps import (
    RecordProgrammeStep,
    StepRecorded,
    record_programme_step,
)
from outreach.store.store import Store
from tests.support.service_helpers import assert_no_value_in_audit, last_audit
from tests.support.stores import frozen_on, module_store

TODAY = "2025-06-01"
HEP_C = "bbv-hepatitis-c"
BOWEL = "bowel-screening"

_today = frozen_on(TODAY)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    with freeze_time(TODAY):
        for opened in module_store(tmp_path_factory):
            for number in range(1, 6):
                add_person(
                    opened,
                    AddPerson(
                        ref=f"T{number}",
                        display_name=f"Tested {number}",
                        date_of_birth=date(1960, 3, 10),
                        arrived_on=date(2025, 1, 1),
                    ),
                )
            yield opened


def step(
    store: Store, ref: str, programme: str, name: str, day: date, result: str | None = None
) -> StepRecorded:
    return record_programme_step(
        store,
        RecordProgrammeStep(
            person_ref=ref, programme=programme, step=name, occurred_on=day, result=result
        ),
    )


@pytest.mark.slow
def test_a_positive_antibody_test_opens_a_follow_up_the_rna_test_completes(store: Store) -> None:
    first = step(store, "T1", HEP_C, "antibody_test", date(2025, 3, 1), "positive")
    assert first.event.result == "positive"
    assert [(f.reason, f.due_on, f.programme) for f in first.opened] == [
        ("result", date(2025, 3, 15), HEP_C)
    ]
    second = step(store, "T1", HEP_C, "rna_test", date(2025, 3, 10), "positive")
    assert [(f.id, f.status, f.done_on) for f in second.completed] == [
        (first.opened[0].id, "done", date(2025, 3, 10))
    ]
    # RNA positive: refer within 14 days.
    assert [(f.reason, f.due_on) for f in second.opened] == [("result", date(2025, 3, 24))]


def test_a_negative_result_opens_nothing(store: Store) -> None:
    recorded = step(store, "T2", HEP_C, "antibody_test", date(2025, 3, 1), "negative")
    assert (recorded.opened, recorded.completed) == ((), ())


def test_each_step_is_one_audit_row_naming_its_fields_not_its_values(store: Store) -> None:
    recorded = step(store, "T2", HEP_C, "offered", date(2025, 2, 1))
    row = last_audit(store)[0]
    assert (row.action, row.entity, row.entity_id) == (
        "programme.step",
        "screening_event",
        recorded.event.id,
    )
    assert row.fields == "event,occurred_on,person_id,programme"  # sorted
    assert_no_value_in_audit(store, "Tested 2")


@pytest.mark.parametrize(
    ("name", "result", "field", "said"),
    [
        ("antibody_test", None, "result", "needs a result: one of positive, negative"),
        ("antibody_test", "reactive", "result", "needs a result"),
        ("offered", "positive", "result", "Test offered has no result"),
        ("colonoscopy", None, "step", "is not a step of Hepatitis C testing"),
    ],
)
def test_a_result_the_step_does_not_list_is_refused(
    store: Store, name: str, result: str | None, field: str, said: str
) -> None:
    with pytest.raises(ValidationError) as raised:
        step(store, "T3", HEP_C, name, date(2025, 3, 1), result)
    assert raised.value.field == field
    assert said in str(raised.value)


def test_an_unknown_or_recall_programme_is_refused(store: Store) -> None:
    for programme in ("cervical-screening", "bowel"):
        with pytest.raises(ValidationError, match="is not a testing programme"):
            step(store, "T3", programme, "offered", date(2025, 3, 1))


def test_a_step_in_the_future_is_refused(store: Store) -> None:
    with pytest.raises(ValidationError, match="in the future"):
        step(store, "T3", HEP_C, "offered", date(2025, 6, 2))


def test_a_kit_not_returned_asks_a_mentor_unless_the_person_asked_not_to_be_approached(
    store: Store,
) -> None:
    sent = step(store, "T4", BOWEL, "kit_sent", date(2025, 4, 1))
    assert [(f.reason, f.due_on) for f in sent.opened] == [("next_step", date(2025, 4, 29))]
    returned = step(store, "T4", BOWEL, "kit_returned", date(2025, 4, 20))
    assert [f.id for f in returned.completed] == [sent.opened[0].id]
    record_decision(
        store,
        RecordDecision(
            person_ref="T5",
            kind="do_not_approach",
            decided_on=date(2025, 3, 1),
            programme=BOWEL,
        ),
    )
    assert step(store, "T5", BOWEL, "kit_sent", date(2025, 4, 1)).opened == ()
    # A result to act on is care, not outreach: it is still opened.
    abnormal = step(store, "T5", BOWEL, "fit_result", date(2025, 4, 15), "abnormal")
    assert [(f.reason, f.due_on) for f in abnormal.opened] == [("result", date(2025, 4, 29))]
