"""Steps on a cascade programme's pathway (blood-borne virus testing, bowel screening): what
staff record, and the follow-ups each step or result sets in motion, as the programme's file
says (``[[follow_ups]]``).

Decisions taken here, and why:

- A step is a ``screening_event`` row of its programme, its result in ``result`` (one of the
  codes the file lists for that step; a step that lists none takes none).
- A step completes the open follow-ups of its programme, for that person, that were created
  by a step whose rule names this step in ``done_by`` and opened on or before it.
- Then it opens the follow-ups its own rules ask for, due ``days`` later. Follow-ups that mean
  approaching the person (next step) are not created under do not approach; clinical ones
  (a result to act on, a repeat test) are, as for cervical screening: they are care.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlmodel import Session, col, select

from outreach.clock import now
from outreach.model import FollowUp, FollowUpStatus, Person, ScreeningEvent, Where
from outreach.rules.cascade import CascadeProgramme, FollowUpRule, load_cascade
from outreach.rules.programme import programme_keys
from outreach.rules.screening import age_on
from outreach.services.dates import not_in_future
from outreach.services.errors import ValidationError
from outreach.services.followups import OUTREACH_REASONS, create_followup_in
from outreach.services.lookups import (
    PROGRAMME,
    clean_note,
    not_before_birth,
    optional_choice,
    person_by_ref,
    require_resident,
)
from outreach.services.standing import is_do_not_approach
from outreach.store.action import Actions


@dataclass(frozen=True)
class RecordProgrammeStep:
    """One step of a cascade programme (a step key its file lists), with its result where the
    step has results, and where it happened (a Where value)."""

    person_ref: str
    programme: str
    step: str
    occurred_on: date
    result: str | None = None
    where: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class StepRecorded:
    """The step written, the follow-ups it opened and those it completed."""

    event: ScreeningEvent
    opened: tuple[FollowUp, ...]
    completed: tuple[FollowUp, ...]


def cascade_programme(key: str, field: str = "programme") -> CascadeProgramme:
    """The cascade programme ``key``, or ValidationError naming ``field``."""
    try:
        return load_cascade(key.strip())
    except ValueError:
        known = [k for k in programme_keys() if k != PROGRAMME]
        raise ValidationError(
            field, f"{key!r} is not a testing programme (one of {', '.join(known)})"
        ) from None


def record_programme_step(on: Actions, cmd: RecordProgrammeStep) -> StepRecorded:
    """Record one step (see the module docstring for what it sets in motion); one
    ``programme.step`` audit row.

    Checks: the programme is a cascade programme and lists the step; the result is one the
    step lists (required when it lists any, refused when it lists none); the date is neither
    before birth nor in the future; a step ``on_site`` falls within one of the person's stays.
    """
    rules = cascade_programme(cmd.programme)
    with on.action("programme.step", entity="screening_event") as act:
        session = act.session
        person = person_by_ref(session, cmd.person_ref)
        assert person.id is not None
        result = _checked(session, rules, cmd, person)
        row = ScreeningEvent(
            person_id=person.id,
            programme=rules.key,
            occurred_on=cmd.occurred_on,
            event=cmd.step.strip(),
            result=result,
            where=optional_choice(Where, cmd.where, "where"),
            note=clean_note(cmd.note),
            logged_by=act.actor_id,
            created_at=now(),
        )
        session.add(row)
        session.flush()
        completed = _complete(session, rules, row)
        opened = _open(session, rules, person, row)
        fields = ["person_id", "programme", "event", "occurred_on"]
        fields += [n for n in ("result", "where", "note") if getattr(row, n) is not None]
        fields += ["follow_up"] if opened else []
        fields += ["completed_follow_ups"] if completed else []
        act.names(row.id, fields)
        act.touches(cmd.occurred_on)
        return StepRecorded(row, tuple(opened), tuple(completed))


def _checked(
    session: Session, rules: CascadeProgramme, cmd: RecordProgrammeStep, person: Person
) -> str | None:
    step = rules.steps.get(cmd.step.strip())
    if step is None:
        raise ValidationError(
            "step", f"{cmd.step!r} is not a step of {rules.title} (one of {', '.join(rules.steps)})"
        )
    not_in_future(cmd.occurred_on, "occurred_on")
    not_before_birth(person, cmd.occurred_on, "occurred_on")
    if optional_choice(Where, cmd.where, "where") == Where.on_site:
        require_resident(
            session,
            person,
            cmd.occurred_on,
            "where",
            "a step taken before arrival is before_arrival",
        )
    result = (cmd.result or "").strip() or None
    if not step.results:
        if result is not None:
            raise ValidationError("result", f"{step.label} has no result")
        return None
    if result not in step.results:
        raise ValidationError(
            "result", f"{step.label} needs a result: one of {', '.join(step.results)}"
        )
    return result


def _rule_of(rules: CascadeProgramme, source: ScreeningEvent | None) -> list[FollowUpRule]:
    if source is None:
        return []
    return [rule for rule in rules.follow_ups if rule.applies(source.event, source.result)]


def _complete(session: Session, rules: CascadeProgramme, row: ScreeningEvent) -> list[FollowUp]:
    open_ones = session.exec(
        select(FollowUp).where(
            FollowUp.person_id == row.person_id,
            FollowUp.programme == rules.key,
            FollowUp.status == FollowUpStatus.open.value,
            col(FollowUp.source_event_id).is_not(None),
            FollowUp.opened_on <= row.occurred_on,
            FollowUp.source_event_id != row.id,
        )
    ).all()
    done = []
    for followup in open_ones:
        source = session.get(ScreeningEvent, followup.source_event_id)
        if any(row.event in rule.done_by for rule in _rule_of(rules, source)):
            followup.status = FollowUpStatus.done.value
            followup.done_on = row.occurred_on
            session.add(followup)
            done.append(followup)
    return done


def _open(
    session: Session, rules: CascadeProgramme, person: Person, row: ScreeningEvent
) -> list[FollowUp]:
    assert person.id is not None
    opened = []
    for rule in _rule_of(rules, row):
        if rule.reason in OUTREACH_REASONS and is_do_not_approach(
            session, person.id, row.occurred_on, rules.key
        ):
            continue
        opened.append(
            create_followup_in(
                session,
                person_id=person.id,
                person_ref=person.ref,
                opened_on=row.occurred_on,
                due_on=row.occurred_on + timedelta(days=rule.days),
                reason=rule.reason,
                note=rule.note,
                source_event_id=row.id,
                programme=rules.key,
            )
        )
    return opened


@dataclass(frozen=True)
class ProgrammeStanding:
    """Where a person stands in one testing programme: the latest stage of its cascade they
    reached (by the latest step recorded), that step and its result, what comes next, and
    their open follow-ups of the programme."""

    programme: str
    title: str
    stage: str | None
    """The label of the furthest cascade stage the latest step reaches; None with no step."""
    step: str | None
    result: str | None
    on: date | None
    open_follow_ups: int
    short: str = ""
    eligible: bool = True
    """In the programme's ages on the day read."""
    next_step: str | None = None
    """The step the latest one asks for next (the programme's follow-up rules), by label."""
    next_due: date | None = None

    @property
    def words(self) -> str:
        """One line: "Hep C: Antibody positive 2025-03-03 · RNA test due 2025-03-17", or
        "Hep C: no step recorded"."""
        name = self.short or self.title
        if self.on is None:
            return f"{name}: no step recorded"
        # The result says most ("Antibody positive"); a step without one, the stage it reached.
        reached = self.result or self.stage or self.step
        line = f"{name}: {reached} {self.on.isoformat()}"
        if self.next_step is not None and self.next_due is not None:
            line += f" · {self.next_step} due {self.next_due.isoformat()}"
        return line


def _next(rules: CascadeProgramme, latest: ScreeningEvent | None) -> tuple[str | None, date | None]:
    """The step the latest step asks for next, and when it is due: the first follow-up rule
    the step and result open, and the first step (in the file's order) that completes it."""
    if latest is None:
        return None, None
    for rule in rules.follow_ups:
        if rule.applies(latest.event, latest.result):
            step = next(key for key in rules.steps if key in rule.done_by)
            return rules.steps[step].label, latest.occurred_on + timedelta(days=rule.days)
    return None, None


def programme_standings(session: Session, person_id: int, as_of: date) -> list[ProgrammeStanding]:
    """The person's standing on ``as_of`` in every testing programme file, in file-name
    order (follow-ups: those open now), each saying whether the person is in its ages on
    ``as_of`` and what comes next."""
    person = session.get(Person, person_id)
    born = person.date_of_birth if person is not None else None
    rows = session.exec(
        select(ScreeningEvent)
        .where(
            ScreeningEvent.person_id == person_id,
            ScreeningEvent.programme != PROGRAMME,
            ScreeningEvent.occurred_on <= as_of,
        )
        .order_by(col(ScreeningEvent.occurred_on), col(ScreeningEvent.id))
    ).all()
    follow = session.exec(
        select(FollowUp.programme).where(
            FollowUp.person_id == person_id, FollowUp.status == FollowUpStatus.open.value
        )
    ).all()
    standings = []
    for key in programme_keys():
        if key == PROGRAMME:
            continue
        rules = load_cascade(key)
        mine = [row for row in rows if row.programme == key]
        latest = mine[-1] if mine else None
        stage = None
        if latest is not None:
            reached = [
                s.label
                for s in rules.stages
                if s.step == latest.event and (not s.results or latest.result in s.results)
            ]
            stage = reached[-1] if reached else None
        step = rules.steps.get(latest.event) if latest is not None else None
        next_step, next_due = _next(rules, latest)
        age = None if born is None else age_on(born, as_of)
        standings.append(
            ProgrammeStanding(
                programme=key,
                title=rules.title,
                stage=stage,
                step=None if latest is None else (step.label if step else latest.event),
                result=None
                if latest is None or latest.result is None or step is None
                else step.results.get(latest.result, latest.result),
                on=None if latest is None else latest.occurred_on,
                open_follow_ups=sum(1 for programme in follow if programme == key),
                short=rules.short,
                eligible=age is not None and rules.min_age <= age <= rules.max_age,
                next_step=next_step,
                next_due=next_due,
            )
        )
    return standings
