"""The demo's peer-mentor conversations: who is talked to each week, what they raise, what
they decide.

Each active mentor holds a few one-to-ones a week. Residents whose follow-up is due come
first, then new arrivals who are due, then anyone else who is due; so with fewer mentors,
fewer due residents are reached. A group session in the education room every other week
raises awareness and makes the named attendees a little more likely to accept.
"""

from __future__ import annotations

import math
import random
from datetime import date, timedelta
from typing import Protocol

from outreach.demo.plan import Act, Decide, FollowUpDone, MentorPlan, Talk
from outreach.demo.results import Clinic
from outreach.demo.track import Track
from outreach.model import DecisionKind
from outreach.rules.screening import add_months

BARRIERS = (
    ("fear_anxiety", 22),
    ("embarrassment_body_image", 14),
    ("not_knowing", 14),
    ("past_trauma", 12),
    ("practical_access", 10),
    ("pain_discomfort", 8),
    ("worry_result", 6),
    ("low_perceived_need", 6),
    ("competing_priorities", 6),
    ("previous_bad_experience", 5),
    ("distrust", 5),
    ("wants_female_sample_taker", 4),
    ("cultural_religious", 2),
    ("language", 1),
    ("other", 1),
)
GROUP_BARRIERS = ("not_knowing", "fear_anxiety", "embarrassment_body_image", "pain_discomfort")
BARRIER_COUNTS = ((0, 25), (1, 40), (2, 25), (3, 10))
NEW_ARRIVAL_DAYS = 28
ALREADY_SCREENED_SHARE = 0.08
"""Share of mentor time spent with residents who turn out to be already screened."""


class Host(Protocol):
    """What the conversations use of the simulation they belong to."""

    rng: random.Random
    mentors: list[MentorPlan]
    end: date
    acts: list[Act]
    clinic: Clinic

    def approachable(self, track: Track, day: date) -> bool: ...

    def is_due(self, track: Track, day: date) -> bool: ...

    def record_history(self, track: Track, day: date, taken: date) -> None: ...


class Conversations:
    """Plans each week's conversations for the simulation it belongs to."""

    def __init__(self, sim: Host) -> None:
        self.sim = sim
        self.rng = sim.rng
        self.weeks = 0

    def week(self, week: date, residents: list[Track]) -> None:
        sim, rng = self.sim, self.rng
        active = [
            m for m in sim.mentors if m.active_on(week) and m.active_on(week + timedelta(days=4))
        ]
        if not active:
            return
        self.weeks += 1
        capacity = sum(m.weekly_conversations for m in active) * rng.uniform(0.8, 1.2)
        slots = math.floor(capacity) + (rng.random() < capacity - math.floor(capacity))
        week_end = week + timedelta(days=6)
        follow_ups = sorted(
            (
                t
                for t in residents
                if t.next_contact is not None
                and t.next_contact <= week_end
                and not t.do_not_approach
            ),
            key=lambda t: (t.next_contact or week, t.person.ref),
        )
        chosen = {id(t) for t in follow_ups}
        due = [t for t in residents if id(t) not in chosen and t.next_contact is None
               and sim.approachable(t, week)]  # fmt: skip
        new = [t for t in due if t.arrived_on and (week - t.arrived_on).days <= NEW_ARRIVAL_DAYS]
        others = [t for t in due if t not in new]
        rng.shuffle(others)
        queue = follow_ups + new + others
        for track in queue[:slots]:
            first = week if track.next_contact is None else max(week, track.next_contact)
            day = first + timedelta(days=rng.randint(0, 4))
            if track.person.resident_on(day) and day <= sim.end:
                self.one_to_one(track, day, active)
        for _ in range(round(slots * ALREADY_SCREENED_SHARE)):
            track = rng.choice(residents)
            day = week + timedelta(days=rng.randint(0, 4))
            if (not track.do_not_approach and not sim.is_due(track, day) and track.person.tests
                    and track.person.resident_on(day)):  # fmt: skip
                self._talk(day, active, track, "already_screened", [], None)
        if self.weeks % 2 == 0 and len(active) >= 2:
            self.group(week, residents, active)

    # -- one-to-one ------------------------------------------------------------------------
    def one_to_one(self, track: Track, day: date, active: list[MentorPlan]) -> None:
        sim, rng, person = self.sim, self.rng, track.person
        if track.open_outreach:
            sim.acts.append(FollowUpDone(day, person.ref))
            track.open_outreach = False
        track.next_contact = None
        if not sim.approachable(track, day):
            # Busy, declined or no longer due since the follow-up was set: just a check-in.
            if track.person.tests and not sim.is_due(track, day):
                self._talk(day, active, track, "already_screened", [], None)
            return
        if track.unrecorded is not None and rng.random() < 0.5:
            # She was screened before coming in; the record is found and added.
            self._talk(day, active, track, "already_screened", [], None)
            sim.record_history(track, day, track.unrecorded)
            return
        barriers = self._barriers(track)
        r = person.reluctance
        trauma = "past_trauma" in barriers
        accept = 0.58 - 0.55 * r + 0.07 * min(track.talks, 3) + track.bump - 0.08 * trauma
        decline = 0.03 + 0.20 * r
        refuse = 0.002 + 0.02 * r
        track.talks += 1
        roll = rng.random()
        if roll < accept:
            outcome = "booked" if rng.random() < 0.7 else "accepted_offer"
            self._talk(day, active, track, outcome, barriers, None)
            track.bump = 0.0
            sim.clinic.offered(track, day)
            sim.clinic.book(track, day + timedelta(days=0 if outcome == "booked" else 2))
        elif roll < accept + decline:
            months = rng.choices((6, 12, 18), weights=(70, 25, 5))[0]
            revisit = add_months(day, months)
            self._talk(day, active, track, "informed_decline", barriers, revisit)
            sim.clinic.offered(track, day)
            track.declined_until = revisit
            track.next_contact = revisit
            track.open_outreach = True
        elif roll < accept + decline + refuse:
            self._talk(day, active, track, "do_not_approach", barriers, None)
            track.do_not_approach = True
            lifted = add_months(day, rng.randint(6, 18))
            if rng.random() < 0.15 and lifted <= sim.end:
                # She later says she is happy to be approached again.
                sim.acts.append(Decide(lifted, person.ref, DecisionKind.approach_again))
                track.do_not_approach = False
                track.declined_until = lifted
        elif roll < accept + decline + refuse + 0.06:
            next_step = day + timedelta(days=rng.randint(5, 14))
            self._talk(day, active, track, "not_available", [], next_step)
            track.next_contact = next_step
            track.open_outreach = True
        else:
            next_step = day + timedelta(days=rng.randint(10, 28))
            self._talk(day, active, track, "undecided_more_time", barriers, next_step)
            sim.clinic.offered(track, day)
            track.next_contact = next_step
            track.open_outreach = True

    def _talk(
        self,
        day: date,
        active: list[MentorPlan],
        track: Track,
        outcome: str,
        barriers: list[str],
        next_step: date | None,
    ) -> None:
        rng = self.rng
        minutes = rng.lognormvariate(math.log(18), 0.45) + 4 * len(barriers)
        minutes += 12 * ("past_trauma" in barriers)
        if outcome == "already_screened":
            minutes = rng.randint(5, 15)
        recent = track.arrived_on is not None and (day - track.arrived_on).days <= 7
        if recent and rng.random() < 0.5:
            setting = "reception"
        else:
            setting = rng.choices(
                ("wing", "on_site_clinic", "education_room", "other"), weights=(80, 12, 5, 3)
            )[0]
        self.sim.acts.append(
            Talk(
                on=day,
                mentors=self._mentors(day, active),
                setting=setting,
                outcome=outcome,
                minutes=max(5, min(90, 5 * round(minutes / 5))),
                ref=track.person.ref,
                barriers=barriers,
                next_step_on=next_step,
            )
        )

    def _mentors(self, day: date, active: list[MentorPlan]) -> list[str]:
        on_day = [m for m in active if m.active_on(day)] or active
        weights = [m.weekly_conversations for m in on_day]
        lead = self.rng.choices(on_day, weights=weights)[0]
        names = [lead.name]
        if len(on_day) > 1 and self.rng.random() < 0.12:
            second = self.rng.choice([m for m in on_day if m is not lead])
            names.append(second.name)
        return names

    def _barriers(self, track: Track) -> list[str]:
        rng = self.rng
        count = rng.choices([n for n, _ in BARRIER_COUNTS], weights=[w for _, w in BARRIER_COUNTS])[
            0
        ]
        codes = [code for code, _ in BARRIERS]
        weights = [float(w) for _, w in BARRIERS]
        if track.person.language not in (None, "Welsh"):
            weights[codes.index("language")] = 30.0
        chosen: list[str] = []
        while len(chosen) < count:
            code = rng.choices(codes, weights=weights)[0]
            weights[codes.index(code)] = 0.0
            chosen.append(code)
        return chosen

    # -- group sessions --------------------------------------------------------------------
    def group(self, week: date, residents: list[Track], active: list[MentorPlan]) -> None:
        rng, sim = self.rng, self.sim
        day = week + timedelta(days=rng.randint(1, 3))
        hosts = [m for m in active if m.active_on(day)]
        if len(hosts) < 2:
            return
        attendees = rng.randint(4, 12)
        named: list[Track] = []
        if rng.random() < 0.5:
            due = [t for t in residents if sim.approachable(t, day) and t.person.resident_on(day)]
            named = rng.sample(due, min(len(due), rng.randint(1, 3), attendees))
        for track in named:
            track.bump = 0.10
        count = rng.choices((0, 1, 2), weights=(30, 45, 25))[0]
        sim.acts.append(
            Talk(
                on=day,
                mentors=[m.name for m in rng.sample(hosts, 2)],
                setting=rng.choices(("education_room", "group_room"), weights=(70, 30))[0],
                outcome=rng.choices(("undecided_more_time", "accepted_offer"), weights=(55, 45))[0],
                minutes=5 * rng.randint(9, 18),
                attendees=attendees,
                attendee_refs=[t.person.ref for t in named],
                barriers=rng.sample(GROUP_BARRIERS, count),
            )
        )
