"""The demo's twelve peer mentors: residents trained in cohorts from early 2020.

Each mentor is a resident with a long enough stay; her active period ends when she leaves or
steps down. Fewer mentors are active in later years, which is one reason coverage eases back
from its 2022 peak in the demo.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from outreach.demo.plan import MentorPlan, PersonPlan
from outreach.rules.screening import age_on

# (trained on, active from, mentors trained, shortest and longest days active)
COHORTS = (
    (date(2020, 2, 17), date(2020, 4, 1), 3, 900, 1300),
    (date(2020, 10, 12), date(2020, 11, 2), 2, 800, 1100),
    (date(2021, 9, 6), date(2021, 10, 4), 1, 1000, 1200),
    (date(2023, 1, 9), date(2023, 2, 6), 2, 700, 1100),
    (date(2023, 9, 4), date(2023, 10, 2), 1, 3000, 3000),
    (date(2024, 6, 3), date(2024, 7, 1), 2, 3000, 3000),
    (date(2025, 4, 7), date(2025, 5, 6), 1, 3000, 3000),
)
LONGEST_WAIT = 60
"""Days a mentor is resident before training."""


def plan_mentors(
    rng: random.Random, people: list[PersonPlan], *, end: date, rate: tuple[float, float]
) -> list[MentorPlan]:
    """Mentors chosen from residents present when trained who stay a while after; ``rate``
    bounds each mentor's usual one-to-one conversations a week. Reads the stays' planned
    leaving days (before :func:`outreach.demo.population.as_of`), so the choice does not
    depend on ``end``."""
    mentors: list[MentorPlan] = []
    taken: set[str] = set()
    for trained_on, active_from, count, shortest, longest in COHORTS:
        if trained_on > end:
            break
        for _ in range(count):
            planned_to = active_from + timedelta(days=rng.randint(shortest, longest))
            names = {m.name for m in mentors}
            since = trained_on - timedelta(days=LONGEST_WAIT)
            free = [p for p in people if p.ref not in taken and p.name not in names and
                    25 <= age_on(p.date_of_birth, trained_on) <= 60]  # fmt: skip
            # Prefer someone here for the whole planned period; else whoever stays longest.
            candidates = [p for p in free if _resident_through(p, since, planned_to)]
            if not candidates:
                candidates = sorted(
                    (p for p in free if _resident_through(p, since, active_from)),
                    key=lambda p: _last_day(p, trained_on),
                    reverse=True,
                )[:3]
            if not candidates:
                continue
            person = rng.choice(candidates)
            taken.add(person.ref)
            active_to: date | None = min(planned_to, _last_day(person, trained_on))
            if active_to is not None and active_to >= end:
                active_to = None
            mentors.append(
                MentorPlan(
                    name=person.name,
                    trained_on=trained_on,
                    active_from=active_from,
                    active_to=active_to,
                    person_ref=person.ref,
                    weekly_conversations=rng.uniform(*rate),
                )
            )
    return mentors


def _resident_through(person: PersonPlan, since: date, until: date) -> bool:
    """Resident on every day from ``since`` to ``until``, in one stay."""
    stay = person.stay_on(since)
    return stay is not None and (stay.left_on is None or stay.left_on > until)


def _last_day(person: PersonPlan, day: date) -> date:
    """The last day of the stay holding ``day`` (stays here always have a planned end)."""
    stay = person.stay_on(day)
    assert stay is not None and stay.left_on is not None
    return stay.left_on - timedelta(days=1)
