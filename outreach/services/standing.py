"""The decision in force for a person: what worklists and follow-ups must honour."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, col, select

from outreach.model import Decision, DecisionKind
from outreach.services.lookups import PROGRAMME


def decision_in_force(
    session: Session, person_id: int, as_of: date, programme: str = PROGRAMME
) -> Decision | None:
    """The person's latest decision on or before ``as_of`` (by date, then by entry order).

    ``approach_again`` is returned like any other: it is in force and lifts the earlier ones.
    """
    return session.exec(
        select(Decision)
        .where(
            Decision.person_id == person_id,
            Decision.programme == programme,
            Decision.decided_on <= as_of,
        )
        .order_by(col(Decision.decided_on).desc(), col(Decision.id).desc())
        .limit(1)
    ).first()


def is_do_not_approach(
    session: Session, person_id: int, as_of: date, programme: str = PROGRAMME
) -> bool:
    decision = decision_in_force(session, person_id, as_of, programme)
    return decision is not None and decision.kind == DecisionKind.do_not_approach
