"""Replays a demo plan through the services' session-level functions.

Each step is the service call a member of staff would make, so the demo passes the same
checks and sets off the same follow-ups and decisions. Steps are written in a few large
transactions (one per calendar year), each with one ``demo.build`` audit row.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from itertools import groupby

from sqlalchemy import text
from sqlmodel import Session

from outreach.demo.plan import (
    Act,
    Arrive,
    CancelOutreach,
    Decide,
    EndMentor,
    FollowUpDone,
    Leave,
    PersonPlan,
    Step,
    Talk,
    TrainMentor,
)
from outreach.model import ConversationKind, FollowUp, FollowUpStatus
from outreach.services.conversations import log_conversation_in
from outreach.services.decisions import record_decision_in
from outreach.services.followups import cancel_followup_in, complete_followup_in
from outreach.services.mentors import add_mentor_in, set_mentor_active_in
from outreach.services.people import add_person_in, record_arrival_in, record_leaving_in
from outreach.services.screening import record_screening_event_in
from outreach.store import audit
from outreach.store.store import Store

ANALYSE_AFTER = 2000
"""Steps written before the tables' statistics are gathered (once)."""


class Replay:
    """Writes the steps of a plan; counts what it wrote."""

    def __init__(self, store: Store, people: Iterable[PersonPlan]) -> None:
        self.store = store
        self.actor = store.actor.id
        self.people = {person.ref: person for person in people}
        self.counts: Counter[str] = Counter()
        # Open outreach follow-ups (next step, revisit) by person, as ids: the steps that
        # work them complete them, and leaving cancels them.
        self.outreach: defaultdict[str, list[int]] = defaultdict(list)

    def write(self, acts: Iterable[Act]) -> None:
        """Write ``acts`` (in order), one transaction and one audit row per calendar year."""
        analysed = False
        for year, batch in groupby(acts, key=lambda act: act.on.year):
            with self.store.write() as session:
                before = sum(self.counts.values())
                for act in batch:
                    self._one(session, act)
                if not analysed and sum(self.counts.values()) > ANALYSE_AFTER:
                    # Table statistics let SQLite pick the per-person indexes the services'
                    # lookups need; without them it scans every test per new event.
                    session.execute(text("ANALYZE"))
                    analysed = True
                audit.record(
                    session,
                    actor_id=self.actor,
                    action="demo.build",
                    entity="demo",
                    fields=[f"year={year}", f"steps={sum(self.counts.values()) - before}"],
                )

    def _one(self, session: Session, act: Act) -> None:
        self.counts[type(act).__name__] += 1
        if isinstance(act, Arrive):
            self._arrive(session, act)
        elif isinstance(act, Leave):
            record_leaving_in(
                session, actor_id=self.actor, person_ref=act.ref, left_on=act.on,
                left_reason=act.reason,
            )  # fmt: skip
        elif isinstance(act, TrainMentor):
            m = act.mentor
            add_mentor_in(
                session, actor_id=self.actor, name=m.name, trained_on=m.trained_on,
                active_from=m.active_from, person_ref=m.person_ref,
            )  # fmt: skip
        elif isinstance(act, EndMentor):
            set_mentor_active_in(
                session, actor_id=self.actor, name=act.name, active=False, on=act.on
            )
        elif isinstance(act, Talk):
            self._talk(session, act)
        elif isinstance(act, Step):
            record_screening_event_in(
                session,
                actor_id=self.actor,
                person_ref=act.ref,
                occurred_on=act.taken_on or act.on,
                event=act.event,
                hpv=act.hpv,
                cytology=act.cytology,
                sample=act.sample,
                where=act.where,
                reason=act.reason,
            )
        elif isinstance(act, Decide):
            result = record_decision_in(
                session, actor_id=self.actor, person_ref=act.ref, kind=act.kind,
                decided_on=act.on, revisit_on=act.revisit_on,
            )  # fmt: skip
            self._track(act.ref, result.follow_up)
        elif isinstance(act, FollowUpDone):
            for followup in self._open_outreach(session, act.ref):
                complete_followup_in(
                    session, actor_id=self.actor, followup_id=followup, done_on=act.on
                )
        elif isinstance(act, CancelOutreach):
            for followup in self._open_outreach(session, act.ref):
                cancel_followup_in(
                    session, actor_id=self.actor, followup_id=followup, cancelled_on=act.on
                )

    def _arrive(self, session: Session, act: Arrive) -> None:
        if act.first:
            person = self.people[act.ref]
            add_person_in(
                session,
                actor_id=self.actor,
                ref=person.ref,
                display_name=person.name,
                date_of_birth=person.date_of_birth,
                has_cervix=person.has_cervix,
                language=person.language,
                unit=act.unit,
                arrived_on=act.on,
            )
        else:
            record_arrival_in(
                session, actor_id=self.actor, person_ref=act.ref, arrived_on=act.on, unit=act.unit
            )

    def _talk(self, session: Session, act: Talk) -> None:
        one_to_one = act.ref is not None
        logged = log_conversation_in(
            session,
            actor_id=self.actor,
            occurred_on=act.on,
            kind=ConversationKind.one_to_one if one_to_one else ConversationKind.group,
            mentors=act.mentors,
            setting=act.setting,
            outcome=act.outcome,
            minutes=act.minutes,
            person_ref=act.ref,
            attendees=None if one_to_one else act.attendees,
            attendee_refs=act.attendee_refs,
            barriers=act.barriers,
            next_step_on=act.next_step_on,
        )
        if act.ref is not None:
            self._track(act.ref, logged.follow_up)

    def _track(self, ref: str, followup: FollowUp | None) -> None:
        if followup is not None and followup.id is not None:
            self.outreach[ref].append(followup.id)

    def _open_outreach(self, session: Session, ref: str) -> Iterator[int]:
        """The person's tracked outreach follow-ups still open (a decision may have closed
        some already)."""
        ids, self.outreach[ref] = self.outreach[ref], []
        for followup_id in ids:
            row = session.get(FollowUp, followup_id)
            if row is not None and row.status == FollowUpStatus.open:
                yield followup_id
