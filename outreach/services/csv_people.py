"""The people file (the roll): one row per person with their latest stay.

Columns: ``ref,name,date_of_birth,arrived`` are required; ``unit,left,left_reason,has_cervix``
may be left out. An empty cell leaves the stored value as it is (a new person gets the
default: no unit, still resident, has_cervix "unknown"); a ``left`` date without a reason is
recorded as "other".

A stored person's stay is the one that began on ``arrived``: its unit and leaving are brought
in line with the file. A later ``arrived`` opens a new stay (they came back) once the previous
one has ended; a different ``arrived`` while a stay is still open is refused, because it would
either rewrite the past or hide a leaving nobody recorded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func
from sqlmodel import Session, col, select

from outreach.model import HasCervix, LeftReason, Person, Stay, Unit
from outreach.services import csv_values as cell
from outreach.services.csv_files import Columns, Row
from outreach.services.dates import not_in_future
from outreach.services.errors import ValidationError
from outreach.services.importing import Apply, ImportRun, RowProblems
from outreach.services.people import (
    add_person_in,
    ensure_unit,
    record_arrival_in,
    record_leaving_in,
    update_person_in,
)

COLUMNS = Columns(
    required=("ref", "name", "date_of_birth", "arrived"),
    optional=("unit", "left", "left_reason", "has_cervix"),
)

# Service field names as this file calls them.
RENAMES = {
    "display_name": "name",
    "person_ref": "ref",
    "arrived_on": "arrived",
    "left_on": "left",
}

MARK_MISSING_LEFT = "mark_missing_left"


@dataclass(frozen=True)
class Entry:
    """A row of the roll, parsed."""

    line: int
    ref: str
    name: str
    date_of_birth: date
    arrived: date
    unit: str | None
    left: date | None
    left_reason: LeftReason | None
    has_cervix: HasCervix | None


def parse(row: Row, problems: RowProblems) -> Entry | None:
    """The row as an Entry, or None after recording each of its problems."""
    before = problems.count
    ref = problems.needed(row, "ref", "a reference")
    name = problems.needed(row, "name", "a name")
    problems.needed(row, "date_of_birth", "a date of birth")
    dob = problems.parsed(row, "date_of_birth", lambda t: past(t, "date_of_birth"))
    problems.needed(row, "arrived", "an arrival date")
    arrived = problems.parsed(row, "arrived", lambda t: cell.day(t, "arrived"))
    left = problems.parsed(row, "left", lambda t: cell.day(t, "left"))
    if left is not None and arrived is not None and left < arrived:
        problems.add(row.line, "left", f"{left.isoformat()} is before arrived")
    reason = problems.parsed(row, "left_reason", lambda t: cell.code(t, LeftReason, "left_reason"))
    if reason is not None and row.get("left") is None:
        problems.add(row.line, "left", "a leaving date is needed with left_reason")
    cervix = problems.parsed(row, "has_cervix", lambda t: cell.code(t, HasCervix, "has_cervix"))
    if problems.count > before:
        return None
    assert ref and name and dob and arrived
    return Entry(
        line=row.line,
        ref=ref,
        name=name,
        date_of_birth=dob,
        arrived=arrived,
        unit=row.get("unit"),
        left=left,
        left_reason=reason,
        has_cervix=cervix,
    )


def past(text: str, column: str) -> date:
    """A date that is not in the future."""
    return not_in_future(cell.day(text, column), column)


def applier(mark_missing_left: date | None) -> Apply:
    """The apply step of :func:`outreach.services.importing.run_import` for the roll."""

    def apply(run: ImportRun, rows: list[Row]) -> None:
        session = run.session
        people = {p.ref.lower(): p for p in session.exec(select(Person))}
        stays: dict[int, list[Stay]] = {}
        for stay in session.exec(select(Stay).order_by(col(Stay.arrived_on))):
            stays.setdefault(stay.person_id, []).append(stay)
        units = {u.id: u.name for u in session.exec(select(Unit))}
        first_line: dict[str, int] = {}
        for done, row in enumerate(rows, start=1):
            entry = parse(row, run.problems)
            if entry is not None:
                key = entry.ref.lower()
                if key in first_line:
                    run.problems.add(entry.line, "ref", f"also on line {first_line[key]}")
                else:
                    first_line[key] = entry.line
                    person = people.get(key)
                    try:
                        if person is None:
                            _add(run, entry)
                            run.report.added += 1
                        elif _update(run, entry, person, stays.get(person.id or 0, []), units):
                            run.report.updated += 1
                        else:
                            run.report.unchanged += 1
                    except ValidationError as exc:
                        run.problems.refused(entry.line, exc)
            run.tick(done)
        if mark_missing_left is not None:
            _mark_missing(run, mark_missing_left, set(first_line))

    return apply


def _add(run: ImportRun, entry: Entry) -> None:
    add_person_in(
        run.session,
        actor_id=run.actor_id,
        ref=entry.ref,
        display_name=entry.name,
        date_of_birth=entry.date_of_birth,
        has_cervix=entry.has_cervix or HasCervix.unknown,
        unit=entry.unit,
        arrived_on=entry.arrived,
    )
    if entry.left is not None:
        record_leaving_in(
            run.session,
            actor_id=run.actor_id,
            person_ref=entry.ref,
            left_on=entry.left,
            left_reason=entry.left_reason or LeftReason.other,
        )


def _update(
    run: ImportRun,
    entry: Entry,
    person: Person,
    stays: list[Stay],
    units: dict[int | None, str],
) -> bool:
    """Bring a stored person in line with the row; whether anything changed."""
    session = run.session
    _, changed = update_person_in(
        session,
        actor_id=run.actor_id,
        person_ref=person.ref,
        display_name=entry.name,
        date_of_birth=entry.date_of_birth,
        has_cervix=entry.has_cervix,
    )
    stay = next((s for s in stays if s.arrived_on == entry.arrived), None)
    if stay is not None:
        return _update_stay(session, entry, stay, units) or bool(changed)
    current = next((s for s in stays if s.left_on is None), None)
    if current is not None:
        raise ValidationError(
            "arrived",
            f"{person.ref} has a stay open since {current.arrived_on.isoformat()}: record "
            "their leaving first, or correct the arrival date in the app",
        )
    record_arrival_in(
        session,
        actor_id=run.actor_id,
        person_ref=person.ref,
        arrived_on=entry.arrived,
        unit=entry.unit,
    )
    if entry.left is not None:
        record_leaving_in(
            session,
            actor_id=run.actor_id,
            person_ref=person.ref,
            left_on=entry.left,
            left_reason=entry.left_reason or LeftReason.other,
        )
    return True


def _update_stay(session: Session, entry: Entry, stay: Stay, units: dict[int | None, str]) -> bool:
    changed = False
    if entry.unit is not None and entry.unit.lower() != units.get(stay.unit_id, "").lower():
        unit = ensure_unit(session, entry.unit)
        units[unit.id] = unit.name
        stay.unit_id = unit.id
        changed = True
    if entry.left is not None and entry.left != stay.left_on:
        not_in_future(entry.left, "left")
        stay.left_on = entry.left
        reason = entry.left_reason.value if entry.left_reason else None
        stay.left_reason = reason or stay.left_reason or LeftReason.other.value
        changed = True
    elif entry.left_reason is not None and entry.left_reason.value != stay.left_reason:
        stay.left_reason = entry.left_reason.value
        changed = True
    if changed:
        session.add(stay)
        session.flush()
    return changed


def _mark_missing(run: ImportRun, left_on: date, refs_in_file: set[str]) -> None:
    """Record every person with an open stay who is not in the file as left on ``left_on``."""
    residents = run.session.exec(
        select(Person.ref)
        .join(Stay, col(Stay.person_id) == col(Person.id))
        .where(Stay.left_on == None)  # noqa: E711
        .order_by(func.lower(Person.ref))
    ).all()
    for ref in residents:
        if ref.lower() in refs_in_file:
            continue
        try:
            record_leaving_in(
                run.session,
                actor_id=run.actor_id,
                person_ref=ref,
                left_on=left_on,
                left_reason=LeftReason.other,
            )
            run.report.marked_left += 1
        except ValidationError as exc:
            run.problems.add(0, MARK_MISSING_LEFT, f"{ref}: {exc.problem}")
