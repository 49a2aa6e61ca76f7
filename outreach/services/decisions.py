"""A person's own decisions: informed decline (respected, revisited later), do not approach,
and approach again (which lifts either)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from outreach.clock import now, today
from outreach.model import (
    Decision,
    DecisionKind,
    FollowUp,
    FollowUpReason,
    FollowUpStatus,
)
from outreach.services.dates import not_in_future
from outreach.services.errors import ValidationError
from outreach.services.followups import (
    OUTREACH_REASONS,
    close_open_followups_in,
    create_followup_in,
)
from outreach.services.followups_met import complete_if_met_in
from outreach.services.lookups import (
    PROGRAMME,
    Someone,
    choice,
    clean_note,
    not_before_birth,
    person_by_ref,
)
from outreach.services.standing import decision_in_force, decision_recorded, is_do_not_approach
from outreach.store.action import Action, Actions

__all__ = ["DecisionRecorded", "RecordDecision", "decision_in_force", "record_decision"]


@dataclass
class DecisionRecorded:
    """A decision and what it changed on the worklist."""

    decision: Decision
    follow_up: FollowUp | None = None
    """The revisit follow-up an informed decline schedules."""
    cancelled: list[FollowUp] = field(default_factory=list)
    """Open outreach follow-ups the decision cancelled."""


@dataclass(frozen=True)
class RecordDecision:
    """A person's decision (a DecisionKind value) made on ``decided_on``."""

    person_ref: str
    kind: str
    decided_on: date
    revisit_on: date | None = None
    note: str | None = None
    programme: str = PROGRAMME


def record_decision(
    on: Actions, cmd: RecordDecision, *, person: Someone | None = None
) -> DecisionRecorded:
    """Record a decision; one ``decision.record`` audit row. ``person``: the person
    ``cmd.person_ref`` names, when the caller has read them already.

    - informed_decline needs ``revisit_on`` after ``decided_on``; open outreach follow-ups are
      replaced by one revisit follow-up due on ``revisit_on``.
    - do_not_approach cancels every open outreach follow-up (next step, revisit, other);
      clinical follow-ups stay. New outreach follow-ups are refused until approach_again.
    - approach_again lifts either; it schedules nothing by itself.
    """
    with on.action("decision.record", entity="decision") as act:
        result = _record(act, cmd, person or person_by_ref(act.session, cmd.person_ref))
        fields = ["person_id", "kind", "decided_on"]
        fields += ["revisit_on"] if cmd.revisit_on else []
        fields += ["note"] if result.decision.note else []
        fields += ["follow_up"] if result.follow_up else []
        fields += ["cancelled_follow_ups"] if result.cancelled else []
        act.names(result.decision.id, fields)
        act.touches(cmd.decided_on)
        return result


def _record(act: Action, cmd: RecordDecision, person: Someone) -> DecisionRecorded:
    session = act.session
    decided_on, revisit_on, programme = cmd.decided_on, cmd.revisit_on, cmd.programme
    assert person.id is not None
    decision_kind = choice(DecisionKind, cmd.kind, "kind")
    not_in_future(decided_on, "decided_on")
    not_before_birth(person, decided_on, "decided_on")
    if decision_kind == DecisionKind.informed_decline:
        if revisit_on is None:
            raise ValidationError("revisit_on", "an informed decline needs a revisit date")
        if revisit_on <= decided_on:
            raise ValidationError(
                "revisit_on", f"{revisit_on.isoformat()} is not after {decided_on.isoformat()}"
            )
    elif revisit_on is not None:
        raise ValidationError("revisit_on", "only an informed decline has a revisit date")
    decision = Decision(
        person_id=person.id,
        programme=programme,
        kind=decision_kind.value,
        decided_on=decided_on,
        revisit_on=revisit_on,
        note=clean_note(cmd.note),
        logged_by=act.actor_id,
        created_at=now(),
    )
    session.add(decision)
    session.flush()
    decision_recorded(session, decision)
    result = DecisionRecorded(decision)
    if decision_kind == DecisionKind.approach_again:
        return result
    # A decision entered late, behind a newer one, changes nothing on the worklist.
    in_force = decision_in_force(session, person.id, max(today(), decided_on), programme)
    if in_force is None or in_force.id != decision.id:
        return result
    result.cancelled = close_open_followups_in(
        session,
        person_id=person.id,
        reasons=OUTREACH_REASONS,
        status=FollowUpStatus.cancelled,
        cancelled_on=decided_on,
        programme=programme,
    )
    wants_revisit = decision_kind == DecisionKind.informed_decline and revisit_on is not None
    if (
        wants_revisit
        and revisit_on is not None
        and not is_do_not_approach(session, person.id, revisit_on, programme)
    ):
        result.follow_up = create_followup_in(
            session,
            person_id=person.id,
            person_ref=person.ref,
            opened_on=decided_on,
            due_on=revisit_on,
            reason=FollowUpReason.revisit,
            programme=programme,
        )
        # A decline entered late: a one-to-one since the revisit date has already met it.
        complete_if_met_in(session, result.follow_up)
    return result
