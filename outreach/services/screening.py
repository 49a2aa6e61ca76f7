"""Steps on the screening pathway: offers, tests and their results, colposcopy, ceasing.

Decisions taken here, and why:

- A test's ``action`` comes from the programme's result table over the person's earlier
  tests. A test entered out of order (screening history found at reception) recomputes the
  actions of the later tests, and only the latest test creates follow-ups.
- Clinical follow-ups (repeat test, colposcopy) are created even for a person marked do not
  approach: they are care, not outreach. The follow-up worklist flags them.
- A new test completes open repeat-test follow-ups (the test is the repeat).
- Ceasing for ``no_cervix`` or ``radiotherapy`` is clinical: the person leaves the coverage
  denominator. ``informed_choice`` and ``other`` stop invitations but the person still counts
  in the denominator, as in the official coverage definition. Any ceasing cancels open
  outreach and repeat-test follow-ups; a colposcopy follow-up stays.
- A colposcopy referral creates a colposcopy follow-up unless one is open, due as the latest
  test's action says (14 or 42 days), else in the shorter time; attending completes it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlmodel import Session, col, select

from outreach.clock import now
from outreach.model import (
    CeaseReason,
    Cytology,
    FollowUp,
    FollowUpReason,
    FollowUpStatus,
    HpvResult,
    Person,
    ResultAction,
    SampleTaker,
    ScreeningEvent,
    ScreeningEventKind,
    Where,
)
from outreach.rules.programme import Programme, load_programme
from outreach.rules.screening import TestResult, action_for_result, followup_for_action
from outreach.services.dates import not_in_future
from outreach.services.errors import ValidationError
from outreach.services.followups import create_followup_in
from outreach.services.lookups import (
    PROGRAMME,
    choice,
    clean_note,
    not_before_birth,
    optional_choice,
    person_by_ref,
    require_resident,
    require_writer,
)
from outreach.store import audit
from outreach.store.store import Store

# Pathways are read for this many people per query.
_CHUNK = 500


_CEASING_CANCELS = frozenset(
    {
        FollowUpReason.next_step,
        FollowUpReason.revisit,
        FollowUpReason.other,
        FollowUpReason.repeat_test,
    }
)


@dataclass
class ScreeningRecorded:
    """A recorded event and what it set in motion."""

    event: ScreeningEvent
    action: str | None = None
    """For a test: the ResultAction value its result asks for."""
    follow_up: FollowUp | None = None
    """The follow-up created (repeat test or colposcopy), if any."""
    completed: list[FollowUp] = field(default_factory=list)
    cancelled: list[FollowUp] = field(default_factory=list)


def as_test_result(event: ScreeningEvent) -> TestResult:
    """A stored ``test`` event as the rules read it."""
    return TestResult(
        taken_on=event.occurred_on, hpv=event.hpv, cytology=event.cytology, sample=event.sample
    )


@dataclass
class Pathway:
    """One person's stored tests (oldest first; same day: in the order entered) and open
    follow-ups of a programme, which recording an event reads and keeps up to date.

    :func:`record_screening_event_in` reads it from the store when not given one; an import
    reads it once per person for the whole file and passes it to every event of that person.
    """

    tests: list[ScreeningEvent]
    open_followups: list[FollowUp]

    def open_with(self, reasons: frozenset[str]) -> list[FollowUp]:
        return [f for f in self.open_followups if f.reason in reasons]

    def close(
        self, reasons: frozenset[str], status: FollowUpStatus, done_on: date | None
    ) -> list[FollowUp]:
        """Complete or cancel, on ``done_on``, every open follow-up with one of ``reasons`` (as
        :func:`outreach.services.followups.close_open_followups_in` does)."""
        closing = self.open_with(reasons)
        for followup in closing:
            followup.status = status.value
            followup.done_on = done_on if status == FollowUpStatus.done else None
            followup.cancelled_on = done_on if status == FollowUpStatus.cancelled else None
        self.open_followups = [f for f in self.open_followups if f.reason not in reasons]
        return closing

    def add_test(self, test: ScreeningEvent) -> None:
        """Place a newly stored test in date order (last among tests of its day)."""
        at = len(self.tests)
        while at > 0 and self.tests[at - 1].occurred_on > test.occurred_on:
            at -= 1
        self.tests.insert(at, test)


def pathways_of(
    session: Session, person_ids: Sequence[int], programme: str = PROGRAMME
) -> dict[int, Pathway]:
    """The pathways of ``person_ids`` (every one of them, empty when nothing is stored), read
    with two queries per 500 people."""
    pathways = {person_id: Pathway([], []) for person_id in person_ids}
    ids = sorted(pathways)
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        for test in session.exec(
            select(ScreeningEvent)
            .where(
                col(ScreeningEvent.person_id).in_(chunk),
                ScreeningEvent.programme == programme,
                ScreeningEvent.event == ScreeningEventKind.test,
            )
            .order_by(col(ScreeningEvent.occurred_on), col(ScreeningEvent.id))
        ):
            pathways[test.person_id].tests.append(test)
        for followup in session.exec(
            select(FollowUp)
            .where(
                col(FollowUp.person_id).in_(chunk),
                FollowUp.programme == programme,
                FollowUp.status == FollowUpStatus.open,
            )
            .order_by(col(FollowUp.id))
        ):
            pathways[followup.person_id].open_followups.append(followup)
    return pathways


def record_screening_event_in(
    session: Session,
    *,
    actor_id: int | None,
    person_ref: str,
    occurred_on: date,
    event: str,
    hpv: str | None = None,
    cytology: str | None = None,
    sample: str | None = None,
    where: str | None = None,
    reason: str | None = None,
    note: str | None = None,
    programme: str = PROGRAMME,
    person: Person | None = None,
    pathway: Pathway | None = None,
) -> ScreeningRecorded:
    """Record one pathway event (see the module docstring for what each kind sets in motion).

    Checks: the date is neither before birth nor in the future; a step ``on_site`` falls
    within one of the person's stays (the day of leaving included); results (``hpv``,
    ``cytology``, ``sample``) only on a test, which needs an HPV or cytology result and, when
    HPV positive, its cytology; ``reason`` (a CeaseReason) only and always on ``ceased``.

    ``person`` (the person ``person_ref`` names) and ``pathway`` (theirs, as
    :func:`pathways_of` reads it) may be given by a caller that has read them already; the
    pathway is then kept up to date with what this event changes.
    """
    rules = load_programme(programme)
    if person is None:
        person = person_by_ref(session, person_ref)
    assert person.id is not None
    kind = choice(ScreeningEventKind, event, "event")
    not_in_future(occurred_on, "occurred_on")
    not_before_birth(person, occurred_on, "occurred_on")
    hpv_value = optional_choice(HpvResult, hpv, "hpv")
    cytology_value = optional_choice(Cytology, cytology, "cytology")
    sample_value = optional_choice(SampleTaker, sample, "sample")
    where_value = optional_choice(Where, where, "where")
    if where_value == Where.on_site:
        require_resident(
            session, person, occurred_on, "where", "a step taken before arrival is before_arrival"
        )
    is_test = kind == ScreeningEventKind.test
    if not is_test:
        for name, value in (
            ("hpv", hpv_value),
            ("cytology", cytology_value),
            ("sample", sample_value),
        ):
            if value is not None:
                raise ValidationError(name, f"only a test has a {name} result")
    reason_value = None
    if kind == ScreeningEventKind.ceased:
        reason_value = choice(CeaseReason, reason, "reason")
    elif reason is not None and reason.strip():
        raise ValidationError("reason", "only a ceased event has a reason")

    if pathway is None:
        pathway = pathways_of(session, [person.id], programme)[person.id]
    earlier = list(pathway.tests)
    action = None
    if is_test:
        if hpv_value is None and cytology_value is None:
            raise ValidationError("hpv", "a test needs an HPV or cytology result")
        result = TestResult(
            taken_on=occurred_on,
            hpv=hpv_value.value if hpv_value else None,
            cytology=cytology_value.value if cytology_value else None,
            sample=sample_value.value if sample_value else None,
        )
        try:
            action = action_for_result(
                rules, result=result, history=[as_test_result(t) for t in earlier]
            )
        except ValueError as error:
            raise ValidationError("cytology", str(error)) from None

    row = ScreeningEvent(
        person_id=person.id,
        programme=programme,
        occurred_on=occurred_on,
        event=kind.value,
        hpv=hpv_value.value if hpv_value else None,
        cytology=cytology_value.value if cytology_value else None,
        sample=sample_value.value if sample_value else None,
        where=where_value.value if where_value else None,
        reason=reason_value.value if reason_value else None,
        action=action,
        note=clean_note(note),
        logged_by=actor_id,
        created_at=now(),
    )
    session.add(row)
    session.flush()
    recorded = ScreeningRecorded(row, action=action)

    def close(
        reasons: frozenset[str], status: FollowUpStatus, done_on: date | None
    ) -> list[FollowUp]:
        assert pathway is not None
        closed = pathway.close(reasons, status, done_on)
        session.add_all(closed)
        return closed

    def new_followup(reason: str, due_on: date) -> FollowUp:
        assert person is not None and person.id is not None and pathway is not None
        followup = create_followup_in(
            session,
            person_id=person.id,
            person_ref=person.ref,
            opened_on=occurred_on,
            due_on=due_on,
            reason=reason,
            source_event_id=row.id,
            programme=programme,
        )
        pathway.open_followups.append(followup)
        return followup

    if is_test:
        pathway.add_test(row)
    if is_test and action is not None:
        later = [t for t in earlier if t.occurred_on > occurred_on]
        if later:
            _recompute_actions(session, rules, [*earlier, row], later)
        else:
            done_reasons = frozenset({FollowUpReason.repeat_test.value})
            recorded.completed = close(done_reasons, FollowUpStatus.done, occurred_on)
            wanted = followup_for_action(rules, action, occurred_on)
            if wanted is not None:
                reason_code, due_on = wanted
                if not pathway.open_with(frozenset({reason_code})):
                    recorded.follow_up = new_followup(reason_code, due_on)
    elif kind == ScreeningEventKind.ceased:
        recorded.cancelled = close(
            frozenset(r.value for r in _CEASING_CANCELS), FollowUpStatus.cancelled, occurred_on
        )
    elif kind == ScreeningEventKind.colposcopy_referred:
        if not pathway.open_with(frozenset({FollowUpReason.colposcopy.value})):
            latest_action = (earlier[-1].action if earlier else None) or ""
            key = (
                latest_action
                if latest_action in rules.colposcopy_days
                else ResultAction.colposcopy_2_weeks.value
            )
            due_on = occurred_on + timedelta(days=rules.colposcopy_days[key])
            recorded.follow_up = new_followup(FollowUpReason.colposcopy, due_on)
    elif kind == ScreeningEventKind.colposcopy_attended:
        recorded.completed = close(
            frozenset({FollowUpReason.colposcopy.value}), FollowUpStatus.done, occurred_on
        )
    return recorded


def _recompute_actions(
    session: Session, rules: Programme, tests: list[ScreeningEvent], later: list[ScreeningEvent]
) -> None:
    """Bring the stored actions of ``later`` tests up to date with a test entered before them."""
    for test in later:
        history = [as_test_result(t) for t in tests if t is not test]
        test.action = action_for_result(rules, result=as_test_result(test), history=history)
        session.add(test)
    session.flush()


def record_screening_event(
    store: Store,
    *,
    person_ref: str,
    occurred_on: date,
    event: str,
    hpv: str | None = None,
    cytology: str | None = None,
    sample: str | None = None,
    where: str | None = None,
    reason: str | None = None,
    note: str | None = None,
    programme: str = PROGRAMME,
) -> ScreeningRecorded:
    """Record a screening pathway event with one ``screening.record`` audit row."""
    require_writer(store)
    with store.write() as session:
        recorded = record_screening_event_in(
            session,
            actor_id=store.actor.id,
            person_ref=person_ref,
            occurred_on=occurred_on,
            event=event,
            hpv=hpv,
            cytology=cytology,
            sample=sample,
            where=where,
            reason=reason,
            note=note,
            programme=programme,
        )
        row = recorded.event
        fields = ["person_id", "event", "occurred_on"]
        fields += [
            name
            for name in ("hpv", "cytology", "sample", "where", "reason", "action", "note")
            if getattr(row, name) is not None
        ]
        fields += ["follow_up"] if recorded.follow_up else []
        fields += ["completed_follow_ups"] if recorded.completed else []
        fields += ["cancelled_follow_ups"] if recorded.cancelled else []
        audit.record(
            session,
            actor_id=store.actor.id,
            action="screening.record",
            entity="screening_event",
            entity_id=row.id,
            fields=fields,
        )
    return recorded
