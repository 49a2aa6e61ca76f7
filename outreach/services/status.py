"""A person's screening status on a day, from the rules in :mod:`outreach.rules.screening`.

The same definitions are written in SQL by :mod:`outreach.services.search` for its filters;
``tests/test_services_search.py`` checks the two agree person by person.

On day D:

- resident: a stay with arrived <= D and (no left date or left > D); ``left``: not resident
  and a stay ended on or before D.
- eligible: resident and the programme's eligibility (has a cervix or unknown, aged 25-64,
  not clinically ceased).
- covered: eligible and an adequate test within the age band's window.
- on the worklist: eligible, not ceased for any reason, not marked do not approach, and not
  within an informed decline's revisit period.
- due: on the worklist and the next test is due on or before D (never screened is due);
  overdue: due and not covered.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

from sqlalchemy import bindparam
from sqlmodel import Session, col, select

from outreach.model import (
    Decision,
    DecisionKind,
    FollowUp,
    FollowUpReason,
    Person,
    ScreeningEvent,
    ScreeningEventKind,
    Stay,
    Unit,
)
from outreach.queries import (
    CLINICAL_CEASE_REASONS,
    decided_by,
    follow_ups,
    has_left_by,
    is_resident_on,
    is_waiting_to_revisit,
    latest_first,
    open_on,
)
from outreach.queries import decisions as decision_table
from outreach.rules.programme import Programme, load_programme
from outreach.rules.screening import age_on, is_covered, is_eligible, next_test_due
from outreach.services.lookups import PROGRAMME
from outreach.services.screening import as_test_result


@dataclass(frozen=True)
class PersonStatus:
    """Where a person stands on ``as_of``."""

    as_of: date
    resident: bool
    unit: str | None
    left: bool
    eligible: bool
    ceased: str | None
    """The reason of the ceasing in force, if any."""
    ceased_clinically: bool
    covered: bool
    last_test_on: date | None
    last_action: str | None
    next_test_due: date | None
    on_worklist: bool
    due: bool
    overdue: bool
    never_screened: bool
    decision: str | None
    """The DecisionKind value in force, if any."""
    revisit_on: date | None
    do_not_approach: bool
    left_on: date | None = None
    """For someone who has left: the day their last stay ended."""
    decided_on: date | None = None
    """The day the decision in force was taken."""
    waiting_to_revisit: bool = False
    """The decision in force is an informed decline whose revisit date is after ``as_of``."""
    clinical_step: ClinicalStep | None = None
    """The most pressing clinical follow-up open on ``as_of`` (colposcopy before a repeat
    test, then the earliest due)."""

    @property
    def summary(self) -> str:
        """A few words for a list: the most urgent thing about this person on ``as_of``.

        Someone who has left: "left on DATE". Do not approach, ceasing and eligibility come
        next; then an open clinical step (colposcopy, repeat test), which outranks a declined
        revisit; then the decline; then the screening state, where a never-screened resident
        is "due now (never screened)" whatever the first invitation date was."""
        if not self.resident:
            if self.left:
                return f"left on {self.left_on.isoformat()}" if self.left_on else "left"
            return "not resident"
        clinical = self.clinical_step.words(self.as_of) if self.clinical_step else None
        if self.do_not_approach:
            return f"do not approach; {clinical} (care only)" if clinical else "do not approach"
        if self.ceased:
            return f"ceased ({self.ceased.replace('_', ' ')})"
        if clinical:
            return clinical
        if not self.eligible:
            return "not eligible"
        if self.decision == DecisionKind.informed_decline and not self.on_worklist:
            return f"declined, revisit {self.revisit_on.isoformat() if self.revisit_on else ''}"
        if self.never_screened:
            return "due now (never screened)"
        if self.overdue:
            return f"overdue since {_iso(self.next_test_due)}"
        if self.due:
            return f"due since {_iso(self.next_test_due)}"
        if self.covered and self.next_test_due:
            return f"covered, next due {self.next_test_due.isoformat()}"
        if self.covered:
            return "covered"
        return "not covered"

    @property
    def next_due(self) -> str:
        """What is due next, in words, for a "Next due" line: "left on DATE" for someone who
        has left (no date falls due for them here), the open clinical step, "now (never
        screened)" for an eligible resident never tested (whatever the decision in force,
        shown apart), or the next test's date ("–" when none, or when screening has ceased)."""
        if not self.resident:
            return f"left on {self.left_on.isoformat()}" if self.left_on else "–"
        if self.clinical_step is not None:
            return self.clinical_step.words(self.as_of)
        if self.ceased:
            return "–"
        if self.last_test_on is None:
            if self.eligible:
                return "now (never screened)"
            # Not yet eligible: the first invitation, if it is still to come.
            upcoming = self.next_test_due is not None and self.next_test_due > self.as_of
            return _iso(self.next_test_due) if upcoming else "–"
        return _iso(self.next_test_due) or "–"

    @property
    def decision_words(self) -> str | None:
        """The decision in force, with its dates, when it asks staff to hold back:
        "do not approach since 2024-02-01", "declined on 2024-05-02, revisit 2024-11-02"."""
        since = self.decided_on.isoformat() if self.decided_on else "?"
        if self.decision == DecisionKind.do_not_approach:
            return f"do not approach since {since}"
        if self.decision == DecisionKind.informed_decline:
            revisit = f", revisit {self.revisit_on.isoformat()}" if self.revisit_on else ""
            return f"declined on {since}{revisit}"
        return None


@dataclass(frozen=True)
class ClinicalStep:
    """An open clinical follow-up: a colposcopy or a repeat test, due by ``due_on``."""

    reason: str
    due_on: date

    def words(self, as_of: date) -> str:
        """ "colposcopy due by 2024-07-01", or "overdue since" once the day has passed."""
        what = self.reason.replace("_", " ")
        when = "overdue since" if self.due_on < as_of else "due by"
        return f"{what} {when} {self.due_on.isoformat()}"


CLINICAL_REASONS = (FollowUpReason.colposcopy, FollowUpReason.repeat_test)
"""Follow-up reasons that are clinical steps, most pressing first."""


def _iso(day: date | None) -> str:
    return day.isoformat() if day else ""


def _most_pressing(steps: Sequence[ClinicalStep]) -> ClinicalStep | None:
    return min(
        steps,
        key=lambda s: (CLINICAL_REASONS.index(FollowUpReason(s.reason)), s.due_on),
        default=None,
    )


def compute_status(
    programme: Programme,
    *,
    person: Person,
    stays: Sequence[tuple[Stay, str | None]],
    events: Sequence[ScreeningEvent],
    decision: Decision | None,
    as_of: date,
    clinical_steps: Sequence[ClinicalStep] = (),
) -> PersonStatus:
    """The status of ``person`` on ``as_of`` from their stays (with unit names), their
    screening events (tests and ceasings; later ones are ignored), the decision in force and
    the clinical follow-ups open on ``as_of``."""
    day = as_of
    current = [
        (stay, unit) for stay, unit in stays if is_resident_on(stay.arrived_on, stay.left_on, day)
    ]
    resident = bool(current)
    unit = (
        max(current, key=lambda pair: (pair[0].arrived_on, pair[0].id or 0))[1] if current else None
    )
    left = has_left_by(((s.arrived_on, s.left_on) for s, _ in stays), day)
    past = sorted(
        (e for e in events if e.occurred_on <= day), key=lambda e: (e.occurred_on, e.id or 0)
    )
    tests = [e for e in past if e.event == ScreeningEventKind.test]
    ceasings = [e for e in past if e.event == ScreeningEventKind.ceased]
    ceased = ceasings[-1].reason if ceasings else None
    clinically = any(e.reason in CLINICAL_CEASE_REASONS for e in ceasings)
    eligible = resident and is_eligible(
        programme,
        date_of_birth=person.date_of_birth,
        has_cervix=person.has_cervix,
        ceased_clinically=clinically,
        day=day,
    )
    results = [as_test_result(t) for t in tests]
    covered = eligible and is_covered(
        programme, date_of_birth=person.date_of_birth, tests=results, day=day
    )
    due_on = next_test_due(programme, date_of_birth=person.date_of_birth, tests=results, day=day)
    kind = decision.kind if decision else None
    dna = kind == DecisionKind.do_not_approach
    waiting = is_waiting_to_revisit(decision, day)
    worklist = eligible and not ceasings and not dna and not waiting
    due = worklist and due_on is not None and due_on <= day
    return PersonStatus(
        as_of=day,
        resident=resident,
        unit=unit,
        left=left,
        eligible=eligible,
        ceased=ceased,
        ceased_clinically=clinically,
        covered=covered,
        last_test_on=tests[-1].occurred_on if tests else None,
        last_action=tests[-1].action if tests else None,
        next_test_due=due_on,
        on_worklist=worklist,
        due=due,
        overdue=due and not covered,
        never_screened=worklist and not tests,
        decision=kind,
        revisit_on=decision.revisit_on if decision else None,
        do_not_approach=dna,
        left_on=max((s.left_on for s, _ in stays if s.left_on is not None), default=None)
        if left
        else None,
        clinical_step=_most_pressing(clinical_steps),
        decided_on=decision.decided_on if decision else None,
        waiting_to_revisit=waiting,
    )


@dataclass(frozen=True)
class _PageStatements:
    """The statements that read a page of people's statuses, built once: a page is read on
    every keystroke of a search, and building them cost more than running them."""

    stays: Any
    events: Any
    decisions: Any
    steps: Any


@cache
def _page_statements() -> _PageStatements:
    ids: Any = bindparam("ids", expanding=True)
    programme: Any = bindparam("programme")
    day: Any = bindparam("day")
    table = decision_table()
    return _PageStatements(
        stays=select(Stay, Unit.name)
        .join(Unit, col(Unit.id) == Stay.unit_id, isouter=True)
        .where(col(Stay.person_id).in_(ids)),
        events=select(ScreeningEvent).where(
            col(ScreeningEvent.person_id).in_(ids),
            ScreeningEvent.programme == programme,
            col(ScreeningEvent.event).in_([ScreeningEventKind.test, ScreeningEventKind.ceased]),
        ),
        decisions=select(Decision)
        .where(col(Decision.person_id).in_(ids), decided_by(table, programme=programme, day=day))
        .order_by(*latest_first(table)),
        steps=select(col(FollowUp.person_id), col(FollowUp.reason), col(FollowUp.due_on)).where(
            col(FollowUp.person_id).in_(ids),
            FollowUp.programme == programme,
            col(FollowUp.reason).in_(CLINICAL_REASONS),
            open_on(follow_ups(), day),
        ),
    )


def statuses_of(
    session: Session, people: Sequence[Person], as_of: date, programme: str = PROGRAMME
) -> dict[int, PersonStatus]:
    """Statuses of a page of people, loaded with one query per table."""
    ids = [p.id for p in people if p.id is not None]
    if not ids:
        return {}
    statements = _page_statements()
    params = {"ids": ids, "programme": programme, "day": as_of}
    stays: dict[int, list[tuple[Stay, str | None]]] = defaultdict(list)
    for stay, unit_name in session.exec(statements.stays, params=params):
        stays[stay.person_id].append((stay, unit_name))
    events: dict[int, list[ScreeningEvent]] = defaultdict(list)
    for event in session.exec(statements.events, params=params):
        events[event.person_id].append(event)
    decisions: dict[int, Decision] = {}
    for decision in session.exec(statements.decisions, params=params):
        decisions.setdefault(decision.person_id, decision)  # the first one: the one in force
    steps: dict[int, list[ClinicalStep]] = defaultdict(list)
    for person_id, reason, due_on in session.exec(statements.steps, params=params):
        steps[person_id].append(ClinicalStep(reason, due_on))
    rules = load_programme(programme)
    return {
        pid: compute_status(
            rules,
            person=person,
            stays=stays[pid],
            events=events[pid],
            decision=decisions.get(pid),
            as_of=as_of,
            clinical_steps=steps[pid],
        )
        for person in people
        if (pid := person.id) is not None
    }


def age_of(person: Person, as_of: date) -> int:
    return age_on(person.date_of_birth, as_of)
