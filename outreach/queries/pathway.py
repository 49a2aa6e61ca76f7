"""The screening pathway's definitions: an adequate test, clinical ceasing, the decision in
force. See ``outreach/stats/definitions.md``."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

from sqlalchemy import (
    ColumnElement,
    FromClause,
    ScalarSelect,
    and_,
    case,
    exists,
    false,
    func,
    literal_column,
    or_,
)
from sqlalchemy import select as core_select

from outreach.model import (
    CeaseReason,
    Cytology,
    Decision,
    DecisionKind,
    FollowUpStatus,
    ScreeningEventKind,
)
from outreach.queries.render import Columns, decisions, events
from outreach.rules.screening import ADEQUATE_HPV

FOREVER = "9999-12-31"
"""The ``left_on`` of a stay that has not ended, or the day a follow-up still open closes,
where one is needed to compare with."""

CLINICAL_CEASE_REASONS = frozenset({CeaseReason.no_cervix, CeaseReason.radiotherapy})
"""Reasons of a ``ceased`` event that remove a person from the coverage denominator;
informed choice, other reasons and a missing reason keep the person counted, as in the NHS
definition."""

Value = ColumnElement[Any] | date | str | int


def adequate_result(hpv: ColumnElement[Any], cytology: ColumnElement[Any]) -> ColumnElement[bool]:
    """A result that counts for coverage (``rules.screening.TestResult.is_adequate``): an HPV
    negative or positive result, or (history with no HPV result) a cytology result other than
    inadequate."""
    return or_(
        hpv.in_([result.value for result in ADEQUATE_HPV]),
        and_(hpv.is_(None), cytology.is_not(None), cytology != Cytology.inadequate.value),
    )


def adequate_test(screening: FromClause) -> ColumnElement[bool]:
    """A row of ``screening`` (the table or an alias) that is an adequate test. Without an
    alias and written ``bare`` it is the condition of the partial index
    ix_screening_adequate (migration 0006), which a query must imply to read that index."""
    return and_(
        screening.c.event == ScreeningEventKind.test.value,
        adequate_result(screening.c.hpv, screening.c.cytology),
    )


def clinical_ceasing(screening: FromClause) -> ColumnElement[bool]:
    """A row of ``screening`` that ceases screening for a clinical reason."""
    return and_(
        screening.c.event == ScreeningEventKind.ceased.value,
        screening.c.reason.in_(sorted(reason.value for reason in CLINICAL_CEASE_REASONS)),
    )


def ceased_by(
    person_id: Value, *, programme: Value, day: Value, clinical: bool, alias: str = "c"
) -> ColumnElement[bool]:
    """Whether the person has a ceasing (a clinical one if ``clinical``) on or before ``day``."""
    c = events(alias)
    kind = clinical_ceasing(c) if clinical else c.c.event == ScreeningEventKind.ceased.value
    return exists(
        core_select(1)
        .select_from(c)
        .where(c.c.person_id == person_id, c.c.programme == programme, kind, c.c.occurred_on <= day)
    )


def decided_by(decision: FromClause, *, programme: Value, day: Value) -> ColumnElement[bool]:
    """Decisions taken on or before ``day``: a person's decision in force is the latest of
    theirs by ``decided_on``, then by entry order (:func:`latest_first`)."""
    return and_(decision.c.programme == programme, decision.c.decided_on <= day)


def latest_first(decision: FromClause) -> tuple[ColumnElement[Any], ColumnElement[Any]]:
    """The order that puts the decision in force first."""
    return decision.c.decided_on.desc(), decision.c.id.desc()


def decision_in_force(
    what: Callable[[FromClause], ColumnElement[Any]],
    *,
    person_id: Value,
    programme: Value,
    day: Value,
    alias: str = "d",
) -> ScalarSelect[Any]:
    """``what`` of the decision in force on ``day`` (NULL when there is none)."""
    d = decisions(alias)
    return (
        core_select(what(d))
        .where(d.c.person_id == person_id, decided_by(d, programme=programme, day=day))
        .order_by(*latest_first(d))
        .limit(1)
        .scalar_subquery()
    )


def do_not_approach(*, person_id: Value, programme: Value, day: Value) -> ColumnElement[bool]:
    """Whether the decision in force on ``day`` is do not approach."""
    in_force = decision_in_force(
        lambda d: d.c.kind == DecisionKind.do_not_approach.value,
        person_id=person_id,
        programme=programme,
        day=day,
    )
    return func.coalesce(in_force, false())


def waiting_to_revisit(*, person_id: Value, programme: Value, day: Value) -> ColumnElement[bool]:
    """Whether the decision in force on ``day`` is an informed decline whose revisit date is
    still to come (:func:`is_waiting_to_revisit`)."""
    in_force = decision_in_force(
        lambda d: and_(d.c.kind == DecisionKind.informed_decline.value, d.c.revisit_on > day),
        person_id=person_id,
        programme=programme,
        day=day,
    )
    return func.coalesce(in_force, false())


def in_force(decided: Iterable[Decision], day: date) -> Decision | None:
    """Of one person's decisions, the one in force on ``day``: the latest taken on or before
    it, by date, then by entry order (as :func:`decision_in_force`)."""
    taken = [d for d in decided if d.decided_on <= day]
    return max(taken, key=lambda d: (d.decided_on, d.id or 0), default=None)


def is_waiting_to_revisit(decision: Decision | None, day: date) -> bool:
    """Whether ``decision`` (the one in force) is an informed decline whose revisit date is
    after ``day`` (as :func:`waiting_to_revisit`)."""
    return (
        decision is not None
        and decision.kind == DecisionKind.informed_decline
        and decision.revisit_on is not None
        and decision.revisit_on > day
    )


def open_until(follow_up: Columns) -> ColumnElement[Any]:
    """The first day a follow-up is no longer open: :data:`FOREVER` while open, the day it
    was done or cancelled once closed (NULL, never, for one cancelled before
    ``cancelled_on`` was kept). The expression of ix_follow_up_open_until (migration 0026),
    which a query must repeat exactly to read that index."""
    f = follow_up.c
    return case(
        {
            literal_column(f"'{FollowUpStatus.open.value}'"): literal_column(f"'{FOREVER}'"),
            literal_column(f"'{FollowUpStatus.done.value}'"): f.done_on,
            literal_column(f"'{FollowUpStatus.cancelled.value}'"): f.cancelled_on,
        },
        value=f.status,
    )


def open_on(follow_up: Columns, day: Value) -> ColumnElement[bool]:
    """A follow-up open on ``day``: opened by then (``opened_on``, the date of the step,
    conversation or decision that asked for it, never when it was typed) and not yet done or
    cancelled by then (:func:`open_until`); those closed since were open on that day. One
    cancelled before ``cancelled_on`` was kept has no date and is left out."""
    return and_(follow_up.c.opened_on <= day, open_until(follow_up) > day)
