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
from typing import Any

from sqlmodel import Session, col, select

from outreach.clock import now
from outreach.model import (
    CeaseReason,
    Cytology,
    FollowUp,
    FollowUpReason,
    FollowUpStatus,
    HpvResult,
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
    Someone,
    choice,
    clean_note,
    not_before_birth,
    optional_choice,
    person_by_ref,
    require_resident,
)
from outreach.store.action import Action, Actions
from outreach.store.bulk import insert_logged

# Pathways are read for this many people per query.
_CHUNK = 500

# An import writes its waiting events this many at a time.
_BATCH = 2000

QUIET_STEPS = frozenset(
    {
        ScreeningEventKind.offered,
        ScreeningEventKind.declined,
        ScreeningEventKind.booked,
        ScreeningEventKind.attended,
        ScreeningEventKind.did_not_attend,
        ScreeningEventKind.result_communicated,
    }
)
"""Steps that set nothing in motion (see :func:`_set_in_motion`): no action, no follow-up
opened, completed or cancelled, no test's action recomputed."""


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

    :func:`record_screening_event` reads it from the store when not given one; an import
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


@dataclass(frozen=True)
class RecordScreeningEvent:
    """One step on the person's screening pathway (a ScreeningEventKind value), with its
    results (HpvResult, Cytology, SampleTaker values) on a test, where it was taken (a Where
    value) and, on ``ceased``, why (a CeaseReason value)."""

    person_ref: str
    occurred_on: date
    event: str
    hpv: str | None = None
    cytology: str | None = None
    sample: str | None = None
    where: str | None = None
    reason: str | None = None
    note: str | None = None
    programme: str = PROGRAMME


def record_screening_event(
    on: Actions,
    cmd: RecordScreeningEvent,
    *,
    person: Someone | None = None,
    pathway: Pathway | None = None,
) -> ScreeningRecorded:
    """Record one pathway event (see the module docstring for what each kind sets in motion);
    one ``screening.record`` audit row.

    Checks: the date is neither before birth nor in the future; a step ``on_site`` falls
    within one of the person's stays (the day of leaving included); results (``hpv``,
    ``cytology``, ``sample``) only on a test, which needs an HPV or cytology result and, when
    HPV positive, its cytology; ``reason`` (a CeaseReason) only and always on ``ceased``.

    ``person`` (the person ``cmd.person_ref`` names) and ``pathway`` (theirs, as
    :func:`pathways_of` reads it) may be given by a caller that has read them already; the
    pathway is then kept up to date with what this event changes.
    """
    with on.action("screening.record", entity="screening_event") as act:
        session = act.session
        rules = load_programme(cmd.programme)
        person = person or person_by_ref(session, cmd.person_ref)
        assert person.id is not None
        step = _checked(session, cmd, person)
        if pathway is None:
            pathway = pathways_of(session, [person.id], cmd.programme)[person.id]
        earlier = list(pathway.tests)
        action = _action_of(rules, step, cmd.occurred_on, earlier)
        row = ScreeningEvent(**_values(cmd, person.id, step, action, act.actor_id))
        session.add(row)
        session.flush()
        recorded = _set_in_motion(session, rules, person, pathway, row, earlier)
        fields = ["person_id", "event", "occurred_on"]
        fields += [
            name
            for name in ("hpv", "cytology", "sample", "where", "reason", "action", "note")
            if getattr(row, name) is not None
        ]
        fields += ["follow_up"] if recorded.follow_up else []
        fields += ["completed_follow_ups"] if recorded.completed else []
        fields += ["cancelled_follow_ups"] if recorded.cancelled else []
        act.names(row.id, fields)
        act.touches(cmd.occurred_on)
        return recorded


def _values(
    cmd: RecordScreeningEvent, person_id: int, step: _Step, action: str | None, actor_id: int | None
) -> dict[str, Any]:
    """The stored event's columns (but its ids), whichever way it is written."""
    return {
        "person_id": person_id,
        "programme": cmd.programme,
        "occurred_on": cmd.occurred_on,
        "event": step.kind.value,
        "hpv": step.hpv,
        "cytology": step.cytology,
        "sample": step.sample,
        "where": step.where,
        "reason": step.reason,
        "action": action,
        "note": clean_note(cmd.note),
        "logged_by": actor_id,
        "created_at": now(),
    }


class ScreeningBatch:
    """Screening events recorded many at a time, for an import.

    A step that sets nothing in motion (:data:`QUIET_STEPS`: no result to act on, no
    follow-up to open, complete or cancel) is checked at once, exactly as
    :func:`record_screening_event` checks it, and waits; the waiting ones are written
    together with one Core ``executemany`` (:func:`~outreach.store.bulk.insert_logged`, which
    logs them for sync as the trigger would). Any other step is recorded at once by
    :func:`record_screening_event`, after everything waiting, so its row is numbered after
    theirs. The rows are the same either way, in the same order; :meth:`write_pending` must
    be called before the transaction ends.
    """

    def __init__(self, within: Action) -> None:
        self.within = within
        self.session = within.session
        self._pending: list[dict[str, Any]] = []

    def record(self, cmd: RecordScreeningEvent, *, person: Someone, pathway: Pathway | None) -> int:
        """Record ``cmd`` for ``person`` (whose ``pathway``, when given, is kept up to date;
        a step that sets something in motion reads it when not); how many follow-ups it
        completed. Refused, writing nothing, as :func:`record_screening_event` refuses it."""
        load_programme(cmd.programme)
        assert person.id is not None
        step = _checked(self.session, cmd, person)
        if step.kind not in QUIET_STEPS:
            self.write_pending()
            recorded = record_screening_event(self.within, cmd, person=person, pathway=pathway)
            return len(recorded.completed)
        self._pending.append(_values(cmd, person.id, step, None, self.within.actor_id))
        self.within.touches(cmd.occurred_on)
        if len(self._pending) >= _BATCH:
            self.write_pending()
        return 0

    def write_pending(self) -> None:
        """Write the waiting events."""
        if not self._pending:
            return
        # ORM rows added before these go first, as they would have in a flush.
        self.session.flush()
        insert_logged(self.session.connection(), ScreeningEvent, self._pending)
        self._pending = []


@dataclass(frozen=True)
class _Step:
    """A pathway event's codes, checked."""

    kind: ScreeningEventKind
    hpv: str | None
    cytology: str | None
    sample: str | None
    where: str | None
    reason: str | None


def _checked(session: Session, cmd: RecordScreeningEvent, person: Someone) -> _Step:
    """The event's codes, each checked against its code list and against the others."""
    kind = choice(ScreeningEventKind, cmd.event, "event")
    not_in_future(cmd.occurred_on, "occurred_on")
    not_before_birth(person, cmd.occurred_on, "occurred_on")
    hpv = optional_choice(HpvResult, cmd.hpv, "hpv")
    cytology = optional_choice(Cytology, cmd.cytology, "cytology")
    sample = optional_choice(SampleTaker, cmd.sample, "sample")
    where = optional_choice(Where, cmd.where, "where")
    if where == Where.on_site:
        require_resident(
            session,
            person,
            cmd.occurred_on,
            "where",
            "a step taken before arrival is before_arrival",
        )
    is_test = kind == ScreeningEventKind.test
    if not is_test:
        for name, value in (("hpv", hpv), ("cytology", cytology), ("sample", sample)):
            if value is not None:
                raise ValidationError(name, f"only a test has a {name} result")
    reason = None
    if kind == ScreeningEventKind.ceased:
        reason = choice(CeaseReason, cmd.reason, "reason")
    elif cmd.reason is not None and cmd.reason.strip():
        raise ValidationError("reason", "only a ceased event has a reason")
    if is_test and hpv is None and cytology is None:
        raise ValidationError("hpv", "a test needs an HPV or cytology result")
    return _Step(
        kind,
        hpv.value if hpv else None,
        cytology.value if cytology else None,
        sample.value if sample else None,
        where.value if where else None,
        reason.value if reason else None,
    )


def _action_of(
    rules: Programme, step: _Step, taken_on: date, earlier: list[ScreeningEvent]
) -> str | None:
    """For a test, the ResultAction value its result asks for after ``earlier`` tests."""
    if step.kind != ScreeningEventKind.test:
        return None
    result = TestResult(taken_on=taken_on, hpv=step.hpv, cytology=step.cytology, sample=step.sample)
    try:
        return action_for_result(rules, result=result, history=[as_test_result(t) for t in earlier])
    except ValueError as error:
        raise ValidationError("cytology", str(error)) from None


def _set_in_motion(
    session: Session,
    rules: Programme,
    person: Someone,
    pathway: Pathway,
    row: ScreeningEvent,
    earlier: list[ScreeningEvent],
) -> ScreeningRecorded:
    """Open, complete and cancel the follow-ups the recorded event ``row`` asks for, keeping
    ``pathway`` up to date; a test entered before later ones recomputes their actions."""
    recorded = ScreeningRecorded(row, action=row.action)
    day, kind = row.occurred_on, row.event

    def close(
        reasons: frozenset[str], status: FollowUpStatus, done_on: date | None
    ) -> list[FollowUp]:
        closed = pathway.close(reasons, status, done_on)
        session.add_all(closed)
        return closed

    def new_followup(reason: str, due_on: date) -> FollowUp:
        assert person.id is not None
        followup = create_followup_in(
            session,
            person_id=person.id,
            person_ref=person.ref,
            opened_on=day,
            due_on=due_on,
            reason=reason,
            source_event_id=row.id,
            programme=row.programme,
        )
        pathway.open_followups.append(followup)
        return followup

    if kind == ScreeningEventKind.test:
        pathway.add_test(row)
    if kind == ScreeningEventKind.test and row.action is not None:
        later = [t for t in earlier if t.occurred_on > day]
        if later:
            _recompute_actions(session, rules, [*earlier, row], later)
        else:
            done_reasons = frozenset({FollowUpReason.repeat_test.value})
            recorded.completed = close(done_reasons, FollowUpStatus.done, day)
            wanted = followup_for_action(rules, row.action, day)
            if wanted is not None:
                reason_code, due_on = wanted
                if not pathway.open_with(frozenset({reason_code})):
                    recorded.follow_up = new_followup(reason_code, due_on)
    elif kind == ScreeningEventKind.ceased:
        recorded.cancelled = close(
            frozenset(r.value for r in _CEASING_CANCELS), FollowUpStatus.cancelled, day
        )
    elif kind == ScreeningEventKind.colposcopy_referred:
        if not pathway.open_with(frozenset({FollowUpReason.colposcopy.value})):
            latest_action = (earlier[-1].action if earlier else None) or ""
            key = (
                latest_action
                if latest_action in rules.colposcopy_days
                else ResultAction.colposcopy_2_weeks.value
            )
            due_on = day + timedelta(days=rules.colposcopy_days[key])
            recorded.follow_up = new_followup(FollowUpReason.colposcopy, due_on)
    elif kind == ScreeningEventKind.colposcopy_attended:
        recorded.completed = close(
            frozenset({FollowUpReason.colposcopy.value}), FollowUpStatus.done, day
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
