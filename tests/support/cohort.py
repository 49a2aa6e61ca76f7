"""Writing a cohort straight into a session: people with their stays, tests and ceasing, for
the statistics tests' hand-worked cases."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime

from sqlmodel import Session

from outreach.model import Person, ScreeningEvent, Stay, Unit

CREATED = datetime(2024, 1, 1, tzinfo=UTC)

# A stay: (arrived_on, left_on, unit name or None); a test: (taken_on, hpv, cytology).
StaySpec = tuple[date, date | None, str | None]
TestSpec = tuple[date, str | None, str | None]


class Cohort:
    """Writes people, stays and screening events straight into a session."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.units: dict[str, int] = {}
        self.count = 0

    def unit(self, name: str) -> int:
        if name not in self.units:
            unit = Unit(name=name)
            self.session.add(unit)
            self.session.flush()
            assert unit.id is not None
            self.units[name] = unit.id
        return self.units[name]

    def person(
        self,
        born: date,
        *,
        stays: Sequence[StaySpec] = ((date(2024, 1, 1), None, "A"),),
        tests: Sequence[TestSpec] = (),
        ceased: Sequence[tuple[date, str | None]] = (),
        has_cervix: str = "yes",
    ) -> int:
        self.count += 1
        person = Person(
            ref=f"P{self.count}",
            display_name=f"Person {self.count}",
            date_of_birth=born,
            has_cervix=has_cervix,
            created_at=CREATED,
        )
        self.session.add(person)
        self.session.flush()
        assert person.id is not None
        for arrived, left, unit in stays:
            self.session.add(
                Stay(
                    person_id=person.id,
                    unit_id=self.unit(unit) if unit else None,
                    arrived_on=arrived,
                    left_on=left,
                )
            )
        for taken, hpv, cytology in tests:
            self.event(person.id, taken, "test", hpv=hpv, cytology=cytology)
        for day, reason in ceased:
            self.event(person.id, day, "ceased", reason=reason)
        self.session.flush()
        return person.id

    def event(self, person_id: int, day: date, event: str, **fields: str | None) -> None:
        self.session.add(
            ScreeningEvent(
                person_id=person_id, occurred_on=day, event=event, created_at=CREATED, **fields
            )
        )
