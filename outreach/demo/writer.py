"""Replays a demo plan through the services' use cases.

Each step is the use case a member of staff would run, with the same command, so the demo
passes the same checks and sets off the same follow-ups and decisions. Steps are written in a
few large transactions (one per calendar year), each with one ``demo.build`` audit row.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
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
    ProgrammeStep,
    Step,
    Talk,
    TrainMentor,
)
from outreach.model import ConversationKind, FollowUp, FollowUpStatus
from outreach.services.conversations import LogConversation, log_conversation
from outreach.services.decisions import RecordDecision, record_decision
from outreach.services.followup_changes import CompleteFollowUp, complete_followup
from outreach.services.followups import CancelFollowUp, cancel_followup
from outreach.services.mentors import AddMentor, SetMentorActive, add_mentor, set_mentor_active
from outreach.services.people import (
    AddPerson,
    RecordArrival,
    RecordLeaving,
    add_person,
    record_arrival,
    record_leaving,
)
from outreach.services.programme_steps import RecordProgrammeStep, record_programme_step
from outreach.services.screening import RecordScreeningEvent, record_screening_event
from outreach.store.action import Action
from outreach.store.store import Store

ANALYSE_AFTER = 2000
"""Steps written before the tables' statistics are gathered (once)."""


class Replay:
    """Writes the steps of a plan; counts what it wrote."""

    def __init__(self, store: Store, people: Iterable[PersonPlan]) -> None:
        self.store = store
        self.people = {person.ref: person for person in people}
        self.counts: Counter[str] = Counter()
        # Open outreach follow-ups (next step, revisit) by person, as ids: the steps that
        # work them complete them, and leaving cancels them.
        self.outreach: defaultdict[str, list[int]] = defaultdict(list)

    def write(self, acts: Iterable[Act], on_year: Callable[[int], None] | None = None) -> None:
        """Write ``acts`` (in order), one transaction and one ``demo.build`` audit row per
        calendar year; each step is written by the use case that writes it in the app.
        ``on_year(year)`` is called once each year's transaction has committed."""
        analysed = False
        for year, batch in groupby(acts, key=lambda act: act.on.year):
            with self.store.action("demo.build", entity="demo") as build:
                before = sum(self.counts.values())
                for act in batch:
                    self._one(build, act)
                if not analysed and sum(self.counts.values()) > ANALYSE_AFTER:
                    # Table statistics let SQLite pick the per-person indexes the services'
                    # lookups need; without them it scans every test per new event.
                    build.session.execute(text("ANALYZE"))
                    analysed = True
                build.names(None, [f"year={year}", f"steps={sum(self.counts.values()) - before}"])
            if on_year is not None:
                on_year(year)

    def _one(self, build: Action, act: Act) -> None:
        self.counts[type(act).__name__] += 1
        if isinstance(act, Arrive):
            self._arrive(build, act)
        elif isinstance(act, Leave):
            record_leaving(build, RecordLeaving(act.ref, act.on, act.reason))
        elif isinstance(act, TrainMentor):
            m = act.mentor
            add_mentor(
                build,
                AddMentor(m.name, m.trained_on, m.active_from, person_ref=m.person_ref),
            )
        elif isinstance(act, EndMentor):
            set_mentor_active(build, SetMentorActive(act.name, False, act.on))
        elif isinstance(act, Talk):
            self._talk(build, act)
        elif isinstance(act, Step):
            record_screening_event(
                build,
                RecordScreeningEvent(
                    person_ref=act.ref,
                    occurred_on=act.taken_on or act.on,
                    event=act.event,
                    hpv=act.hpv,
                    cytology=act.cytology,
                    sample=act.sample,
                    where=act.where,
                    reason=act.reason,
                ),
            )
        elif isinstance(act, ProgrammeStep):
            record_programme_step(
                build,
                RecordProgrammeStep(
                    person_ref=act.ref,
                    programme=act.programme,
                    step=act.step,
                    occurred_on=act.on,
                    result=act.result,
                    where="on_site",
                ),
            )
        elif isinstance(act, Decide):
            decision = RecordDecision(act.ref, act.kind, act.on, act.revisit_on)
            result = record_decision(build, decision)
            self._track(act.ref, result.follow_up)
        elif isinstance(act, FollowUpDone):
            for followup in self._open_outreach(build.session, act.ref):
                complete_followup(build, CompleteFollowUp(followup, act.on))
        elif isinstance(act, CancelOutreach):
            for followup in self._open_outreach(build.session, act.ref):
                cancel_followup(build, CancelFollowUp(followup, act.on))

    def _arrive(self, build: Action, act: Arrive) -> None:
        if act.first:
            person = self.people[act.ref]
            add_person(
                build,
                AddPerson(
                    ref=person.ref,
                    display_name=person.name,
                    date_of_birth=person.date_of_birth,
                    has_cervix=person.has_cervix,
                    language=person.language,
                    unit=act.unit,
                    arrived_on=act.on,
                    ethnicity=person.equity.get("ethnicity"),
                    disability=person.equity.get("disability"),
                    learning_disability=person.equity.get("learning_disability"),
                    first_language=person.equity.get("first_language"),
                    interpreter=person.equity.get("interpreter"),
                ),
            )
        else:
            record_arrival(
                build,
                RecordArrival(person_ref=act.ref, arrived_on=act.on, unit=act.unit),
            )

    def _talk(self, build: Action, act: Talk) -> None:
        one_to_one = act.ref is not None
        logged = log_conversation(
            build,
            LogConversation(
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
            ),
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
