"""The decision in force for a person: what worklists and follow-ups must honour."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlmodel import Session, col, select

from outreach.model import Decision, DecisionKind
from outreach.services.lookups import PROGRAMME

# People are looked up this many per query.
_CHUNK = 500


# session.info key: (programme, person id) pairs known to have no decision in this session's
# transaction (see assume_undecided).
_UNDECIDED = "outreach.standing.undecided"


def assume_undecided(
    session: Session, person_ids: Sequence[int], programme: str = PROGRAMME
) -> None:
    """Find which of ``person_ids`` have no decision stored (one query per 500 people) and
    let :func:`decision_in_force` answer None for them without a query for the rest of this
    session's transaction, until :func:`forget_undecided` is called for one (recording a
    decision calls it). For work that asks about many people at once, such as an import."""
    undecided: set[tuple[str, int]] = session.info.setdefault(_UNDECIDED, set())
    ids = sorted(set(person_ids))
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        decided = set(
            session.exec(
                select(Decision.person_id)
                .where(col(Decision.person_id).in_(chunk), Decision.programme == programme)
                .distinct()
            )
        )
        undecided.update((programme, person_id) for person_id in chunk if person_id not in decided)


def forget_undecided(session: Session, person_id: int, programme: str = PROGRAMME) -> None:
    """The person may now have a decision: ask the store again from here on."""
    session.info.get(_UNDECIDED, set()).discard((programme, person_id))


def decision_in_force(
    session: Session, person_id: int, as_of: date, programme: str = PROGRAMME
) -> Decision | None:
    """The person's latest decision on or before ``as_of`` (by date, then by entry order).

    ``approach_again`` is returned like any other: it is in force and lifts the earlier ones.
    """
    if (programme, person_id) in session.info.get(_UNDECIDED, ()):
        return None
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
