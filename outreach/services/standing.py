"""The decision in force for a person: what worklists and follow-ups must honour."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlmodel import Session, col, select

from outreach.model import Decision, DecisionKind
from outreach.queries import decided_by, decisions, do_not_approach, in_force, latest_first
from outreach.services.lookups import PROGRAMME

# People are looked up this many per query.
_CHUNK = 500


# session.info key: every decision of some people, by (programme, person id), read once in
# this session's transaction and kept up to date by decision_recorded (see read_decisions).
_KNOWN = "outreach.standing.decisions"


def read_decisions(session: Session, person_ids: Sequence[int], programme: str = PROGRAMME) -> None:
    """Read every decision of ``person_ids`` (one query per 500 people) so that, for the
    rest of this session's transaction, :func:`decision_in_force` answers for them from
    memory. Every decision recorded in the transaction must then be passed to
    :func:`decision_recorded` (``record_decision`` does). For work that asks about many
    people at once, such as an import."""
    known: dict[tuple[str, int], list[Decision]] = session.info.setdefault(_KNOWN, {})
    ids = sorted(set(person_ids))
    for person_id in ids:
        known.setdefault((programme, person_id), [])
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        for decision in session.exec(
            select(Decision).where(
                col(Decision.person_id).in_(chunk), Decision.programme == programme
            )
        ):
            listed = known[(programme, decision.person_id)]
            if not any(d is decision for d in listed):
                listed.append(decision)


def decision_recorded(session: Session, decision: Decision) -> None:
    """Keep the decisions read by :func:`read_decisions` complete (call once the new decision
    has its id)."""
    listed = session.info.get(_KNOWN, {}).get((decision.programme, decision.person_id))
    if listed is not None and not any(d is decision for d in listed):
        listed.append(decision)


def decision_in_force(
    session: Session, person_id: int, as_of: date, programme: str = PROGRAMME
) -> Decision | None:
    """The person's latest decision on or before ``as_of`` (by date, then by entry order).

    ``approach_again`` is returned like any other: it is in force and lifts the earlier ones.
    """
    known = session.info.get(_KNOWN, {}).get((programme, person_id))
    if known is not None:
        return in_force(known, as_of)
    table = decisions()
    return session.exec(
        select(Decision)
        .where(Decision.person_id == person_id, decided_by(table, programme=programme, day=as_of))
        .order_by(*latest_first(table))
        .limit(1)
    ).first()


def is_do_not_approach(
    session: Session, person_id: int, as_of: date, programme: str = PROGRAMME
) -> bool:
    """Whether the decision in force on ``as_of`` is do not approach."""
    if (programme, person_id) in session.info.get(_KNOWN, {}):
        decision = decision_in_force(session, person_id, as_of, programme)
        return decision is not None and decision.kind == DecisionKind.do_not_approach
    # Only the kind is needed: read it on the session's connection. Decisions are flushed
    # as they are recorded (record_decision), so the store already holds every one.
    in_force_dna = do_not_approach(person_id=person_id, programme=programme, day=as_of)
    return bool(session.connection().execute(select(in_force_dna)).scalar())
