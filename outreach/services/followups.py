"""Follow-ups: things to do for a person by a date, and the worklist of those due.

Outreach follow-ups (next step, revisit, other) are never scheduled for a person marked do not
approach. Clinical ones (repeat test, colposcopy, result) are care rather than outreach: they
are still created under do-not-approach, and the worklist flags them so nobody approaches the
person about screening while arranging that care.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, timedelta
from functools import cache

from sqlalchemy import text
from sqlmodel import Session, col, select

from outreach.clock import now, today
from outreach.model import Account, AuditEntry, FollowUp, FollowUpReason, FollowUpStatus
from outreach.queries import do_not_approach, open_on, outer, param, resident, sql
from outreach.services.dates import not_in_future
from outreach.services.errors import AlreadyChanged, ValidationError
from outreach.services.lookups import (
    PROGRAMME,
    account_by_name,
    choice,
    clean_note,
    followup_by_id,
    person_by_ref,
)
from outreach.services.standing import is_do_not_approach
from outreach.store.action import Actions
from outreach.store.store import Store
from outreach.store.store_lock import when

OUTREACH_REASONS = frozenset(
    {FollowUpReason.next_step, FollowUpReason.revisit, FollowUpReason.other}
)
"""Reasons that mean approaching the person; blocked by do-not-approach."""


def is_outreach(reason: str) -> bool:
    return reason in OUTREACH_REASONS


def create_followup_in(
    session: Session,
    *,
    person_id: int,
    person_ref: str,
    opened_on: date,
    due_on: date,
    reason: str,
    assignee_id: int | None = None,
    note: str | None = None,
    source_event_id: int | None = None,
    programme: str = PROGRAMME,
) -> FollowUp:
    """Add an open follow-up for a person already looked up, opened on ``opened_on`` (the date
    of the event, conversation or decision that asks for it) and due on ``due_on``, which is
    also kept as its original due date; refuses outreach reasons under do-not-approach with a
    ValidationError on ``reason``."""
    kind = choice(FollowUpReason, reason, "reason")
    if kind in OUTREACH_REASONS and is_do_not_approach(
        session, person_id, max(today(), due_on), programme
    ):
        raise ValidationError("reason", f"{person_ref} is marked do not approach")
    followup = FollowUp(
        person_id=person_id,
        programme=programme,
        opened_on=opened_on,
        due_on=due_on,
        original_due_on=due_on,
        reason=kind.value,
        assignee_id=assignee_id,
        status=FollowUpStatus.open.value,
        note=clean_note(note),
        source_event_id=source_event_id,
        created_at=now(),
    )
    session.add(followup)
    session.flush()
    return followup


@dataclass(frozen=True)
class ScheduleFollowUp:
    """A follow-up for the person ``person_ref`` names, due on ``due_on``; ``reason`` is a
    FollowUpReason value and ``assignee`` an account name."""

    person_ref: str
    due_on: date
    reason: str
    assignee: str | None = None
    note: str | None = None
    programme: str = PROGRAMME


def schedule_followup(on: Actions, cmd: ScheduleFollowUp) -> FollowUp:
    """Schedule a follow-up by hand; one ``followup.schedule`` audit row.

    It is opened today, or on its due date when that has passed (it was wanted by then)."""
    with on.action("followup.schedule", entity="follow_up") as act:
        session = act.session
        person = person_by_ref(session, cmd.person_ref)
        assert person.id is not None
        assignee = cmd.assignee
        assignee_id = (
            account_by_name(session, assignee).id if assignee and assignee.strip() else None
        )
        followup = create_followup_in(
            session,
            person_id=person.id,
            person_ref=person.ref,
            opened_on=min(today(), cmd.due_on),
            due_on=cmd.due_on,
            reason=cmd.reason,
            assignee_id=assignee_id,
            note=cmd.note,
            programme=cmd.programme,
        )
        fields = ["due_on", "reason", "person_id", "status"]
        fields += ["assignee_id"] if followup.assignee_id else []
        fields += ["note"] if followup.note else []
        act.names(followup.id, fields)
        act.touches(followup.opened_on)
        return followup


# What each action on a follow-up did, in words.
_DONE_AS = {
    "followup.schedule": "scheduled",
    "followup.done": "marked done",
    "followup.cancel": "cancelled",
    "followup.reschedule": "moved",
    "followup.undo": "put back",
}
_CLOSING = ("followup.done", "followup.cancel")


def last_change(session: Session, followup: FollowUp, actions: Iterable[str] = ()) -> str | None:
    """The latest change to ``followup`` (of ``actions``, else of any kind) in words, from the
    audit log: ``marked done by ana at 10:03``; None when the log names none."""
    query = (
        select(AuditEntry.action, AuditEntry.at, Account.name)
        .join(Account, col(Account.id) == AuditEntry.account_id, isouter=True)
        .where(AuditEntry.entity == "follow_up", AuditEntry.entity_id == followup.id)
    )
    wanted = sorted(actions) or sorted(_DONE_AS)
    row = session.exec(
        query.where(col(AuditEntry.action).in_(wanted)).order_by(col(AuditEntry.id).desc()).limit(1)
    ).first()
    if row is None:
        return None
    action, at, name = row
    moment = at if at.tzinfo is not None else at.replace(tzinfo=UTC)
    by = f" by {name}" if name else ""
    return f"{_DONE_AS[action]}{by} at {when(moment)}"


def _already(session: Session, followup: FollowUp) -> str:
    """``follow-up 3 was already marked done by ana at 10:03; nothing was changed``: who
    closed it and when, from the audit log (or the date it was done, when it was closed as
    part of another action, such as a test being recorded)."""
    what = "marked done" if followup.status == FollowUpStatus.done else "cancelled"
    done = last_change(session, followup, _CLOSING)
    if done is None:
        done = f"{what} on {followup.done_on:%d %b %Y}" if followup.done_on else what
    return f"follow-up {followup.id} was already {done}; nothing was changed"


def open_followup(session: Session, followup_id: int) -> FollowUp:
    """The follow-up ``followup_id``, refused with AlreadyChanged (saying who closed it and
    when) unless it is still open."""
    followup = followup_by_id(session, followup_id)
    if followup.status != FollowUpStatus.open:
        raise AlreadyChanged("followup_id", _already(session, followup))
    return followup


@dataclass(frozen=True)
class CancelFollowUp:
    """Cancel an open follow-up on ``cancelled_on`` (default today; not in the future)."""

    followup_id: int
    cancelled_on: date | None = None


def cancel_followup(on: Actions, cmd: CancelFollowUp) -> FollowUp:
    """Cancel an open follow-up: it counts as open until the day it was cancelled; one
    ``followup.cancel`` audit row."""
    with on.action("followup.cancel", entity="follow_up") as act:
        followup = open_followup(act.session, cmd.followup_id)
        day = cmd.cancelled_on or today()
        not_in_future(day, "cancelled_on")
        followup.status = FollowUpStatus.cancelled.value
        followup.cancelled_on = day
        act.session.add(followup)
        act.session.flush()
        act.names(followup.id, ["status", "cancelled_on"])
        act.touches(day)
        return followup


def close_open_followups_in(
    session: Session,
    *,
    person_id: int,
    reasons: frozenset[str],
    status: FollowUpStatus,
    done_on: date | None = None,
    cancelled_on: date | None = None,
    programme: str = PROGRAMME,
) -> list[FollowUp]:
    """Complete (on ``done_on``) or cancel (on ``cancelled_on``: the date of the decision
    that cancels them) every open follow-up of the person with one of ``reasons``."""
    rows = list(
        session.exec(
            select(FollowUp).where(
                FollowUp.person_id == person_id,
                FollowUp.programme == programme,
                FollowUp.status == FollowUpStatus.open,
                col(FollowUp.reason).in_(sorted(reasons)),
            )
        )
    )
    for followup in rows:
        followup.status = status.value
        followup.done_on = done_on if status == FollowUpStatus.done else None
        followup.cancelled_on = cancelled_on if status == FollowUpStatus.cancelled else None
        session.add(followup)
    session.flush()
    return rows


@dataclass(frozen=True)
class FollowUpRow:
    """One line of the follow-up worklist."""

    id: int
    person_ref: str
    person_name: str
    unit: str | None
    due_on: date
    reason: str
    assignee: str | None
    days_overdue: int
    """Days past due on the worklist's date; 0 or negative when not yet due."""
    left: bool
    """The person is not resident on the worklist's date (only listed with include_left)."""
    do_not_approach: bool
    """A clinical follow-up for someone marked do not approach: arrange care, don't approach."""
    original_due_on: date
    """The due date it was created with; differs from ``due_on`` once it has been moved."""


# The page is chosen first, reading follow-ups in (due_on, id) order straight off
# ix_follow_up_status_due, so LIMIT stops the scan early; each row skipped or kept costs
# only the checks that can leave it out: the residency probe (not needed with include_left)
# and, for outreach reasons alone, the decision probe. Names, units and assignees are then
# looked up for the page's rows only.
_DUE_SQL = """
WITH page AS (
  SELECT f.id, f.person_id, f.programme, f.due_on, f.reason, f.assignee_id
  FROM follow_up f
  WHERE {standing} AND f.due_on <= :until AND f.programme = :programme
    AND (:after_due IS NULL OR f.due_on > :after_due
      OR (f.due_on = :after_due AND f.id > :after_id))
    AND (:include_left OR {resident})
    AND NOT (f.reason IN ({outreach}) AND {dna})
  ORDER BY f.due_on, f.id
  LIMIT :limit OFFSET :offset
)
SELECT page.id, p.ref, p.display_name, page.due_on, page.reason, a.name AS assignee,
  (SELECT o.original_due_on FROM follow_up o WHERE o.id = page.id) AS original_due_on,
  (SELECT u.name FROM stay s LEFT JOIN unit u ON u.id = s.unit_id
    WHERE s.person_id = page.person_id AND s.arrived_on <= :as_of
    ORDER BY s.arrived_on DESC, s.id DESC LIMIT 1) AS unit,
  {resident_page} AS resident,
  {dna_page} AS dna
FROM page
JOIN person p ON p.id = page.person_id
LEFT JOIN account a ON a.id = page.assignee_id
ORDER BY page.due_on, page.id
"""

_OPEN_NOW = "f.status = 'open'"
# On a past date, a follow-up was open if it had been opened by then (the date of the step,
# conversation or decision that asked for it, not when it was typed) and was not yet done or
# cancelled; those closed since are open on that date. One cancelled before cancelled_on was
# kept has no date and is left out.
_OPEN_THEN = sql(open_on(outer("f"), param("as_of")))


# Written once per process: compiling the expressions costs more than the query they serve.
@cache
def _resident(row: str) -> str:
    """Whether the person of the follow-up ``row`` is resident on :as_of."""
    return sql(resident(outer(row).c.person_id, param("as_of")))


@cache
def _do_not_approach(row: str) -> str:
    """Whether the decision in force on :as_of for the follow-up ``row``'s person and
    programme is do not approach."""
    follow_up = outer(row).c
    return sql(
        do_not_approach(
            person_id=follow_up.person_id, programme=follow_up.programme, day=param("as_of")
        )
    )


def due_followups(
    store: Store,
    *,
    as_of: date | None = None,
    include_upcoming_days: int = 0,
    include_left: bool = False,
    offset: int = 0,
    limit: int = 100,
    after: tuple[date, int] | None = None,
    programme: str = PROGRAMME,
) -> list[FollowUpRow]:
    """Open follow-ups due on or before ``as_of`` (+ ``include_upcoming_days``), oldest due
    first (then by id), so the most overdue lead.

    For an ``as_of`` before today, the follow-ups as they stood on that day: opened by then
    (``opened_on``) and not yet done (open now, or done after it), as ``outreach stats``
    counts them.

    People who are not resident on ``as_of`` are left out unless ``include_left`` (then their
    rows carry ``left=True``); outreach follow-ups of people marked do not approach are always
    left out, and their clinical ones carry ``do_not_approach=True``.

    Pages: ``offset`` skips that many listed rows; ``after=(due_on, id)`` of the last row of
    the previous page starts right after it instead, which costs the same however deep the
    page is (``offset`` then counts from there).
    """
    day = as_of or today()
    if include_upcoming_days < 0:
        raise ValidationError("include_upcoming_days", "must be 0 or more")
    outreach = ", ".join(f"'{reason.value}'" for reason in sorted(OUTREACH_REASONS))
    query = text(
        _DUE_SQL.format(
            standing=_OPEN_THEN if day < today() else _OPEN_NOW,
            outreach=outreach,
            dna=_do_not_approach("f"),
            dna_page=_do_not_approach("page"),
            resident=_resident("f"),
            resident_page=_resident("page"),
        )
    )
    with store.read() as session:
        rows = session.connection().execute(
            query,
            {
                "as_of": day.isoformat(),
                "until": (day + timedelta(days=include_upcoming_days)).isoformat(),
                "programme": programme,
                "include_left": include_left,
                "after_due": after[0].isoformat() if after else None,
                "after_id": after[1] if after else None,
                "limit": max(0, limit),
                "offset": max(0, offset),
            },
        )
        return [
            FollowUpRow(
                id=row.id,
                person_ref=row.ref,
                person_name=row.display_name,
                unit=row.unit,
                due_on=date.fromisoformat(row.due_on),
                reason=row.reason,
                assignee=row.assignee,
                days_overdue=(day - date.fromisoformat(row.due_on)).days,
                left=not row.resident,
                do_not_approach=bool(row.dna),
                original_due_on=date.fromisoformat(row.original_due_on),
            )
            for row in rows
        ]
