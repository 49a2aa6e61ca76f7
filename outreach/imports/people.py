"""The people file (the roll): one row per person with their latest stay.

Columns: ``ref,name,date_of_birth,arrived`` are required; ``unit,left,left_reason,has_cervix``
and the equity fields (``ethnicity,disability,learning_disability,first_language,interpreter``,
read by :mod:`outreach.rules.equity` from the codes practice systems use) may be left out.
An empty cell leaves the stored value as it is (a new person gets the default: no unit, still
resident, has_cervix "unknown", every equity field "not stated"); a ``left`` date without a
reason is recorded as "other".

A stored person's stay is the one that began on ``arrived``: its unit and leaving are brought
in line with the file. A later ``arrived`` opens a new stay (they came back) once the previous
one has ended; a different ``arrived`` while a stay is still open is refused, because it would
either rewrite the past or hide a leaving nobody recorded.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, update
from sqlalchemy import select as columns
from sqlmodel import col, select

from outreach.clock import now
from outreach.imports import values as cell
from outreach.imports.files import Columns, Row
from outreach.imports.mapping import unit_for
from outreach.imports.run import Apply, ImportRun, RowProblems, day_text
from outreach.model import HasCervix, LeftReason, Person, Stay, Unit
from outreach.rules.equity import EQUITY_KEYS, equity_field
from outreach.rules.limits import NAME_MAX, REF_MAX, text_problem
from outreach.services.dates import not_in_future
from outreach.services.errors import ValidationError
from outreach.services.lookups import ids_of_refs, not_before_1900, ref_key
from outreach.services.people import (
    RecordArrival,
    RecordLeaving,
    UpdatePerson,
    check_arrival_age,
    ensure_unit,
    record_arrival,
    record_leaving,
    update_person,
)
from outreach.store.action import Action
from outreach.store.bulk import insert_logged

COLUMNS = Columns(
    required=("ref", "name", "date_of_birth", "arrived"),
    optional=("unit", "left", "left_reason", "has_cervix", *EQUITY_KEYS),
)

# Service field names as this file calls them.
RENAMES = {
    "display_name": "name",
    "person_ref": "ref",
    "arrived_on": "arrived",
    "left_on": "left",
}

MARK_MISSING_LEFT = "mark_missing_left"

# New people are inserted in batches of this many (and stored people read as many per
# query). Each batch pays for its own statements around the insert (the name indexes'
# triggers held back and made again, the change log's clock): at 200,000 people, 2,000 a
# batch took about 0.2 s less CPU for 10,000 people than 500 did.
_BATCH = 2000


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
    equity: Mapping[str, str]
    """Equity field -> code, for the cells the row fills (an empty cell keeps what is stored)."""


def parse(row: Row, problems: RowProblems, units: Mapping[str, str] | None = None) -> Entry | None:
    """The row as an Entry, or None after recording each of its problems. With ``units``
    (location code -> unit), the unit cell is a location code turned into its unit."""
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
    equity: dict[str, str] = {}
    for key in EQUITY_KEYS:
        code = problems.parsed(row, key, equity_field(key).parse)
        if code is not None:
            equity[key] = code
    unit = row.get("unit")
    if unit is not None and units:
        unit = unit_for(unit, units)
        if unit is None:
            codes = ", ".join(units)
            written = row.get("unit")
            problems.add(row.line, "unit", f"{written!r} starts with no unit code ({codes})")
    if problems.count > before:
        return None
    assert ref and name and dob and arrived
    return Entry(
        line=row.line,
        ref=ref,
        name=name,
        date_of_birth=dob,
        arrived=arrived,
        unit=unit,
        left=left,
        left_reason=reason,
        has_cervix=cervix,
        equity=equity,
    )


def describe(entry: Entry) -> dict[str, str]:
    """The entry's values as the preview shows them, by column."""
    shown = {
        "ref": entry.ref,
        "name": f"name {entry.name}",
        "date_of_birth": day_text(entry.date_of_birth),
        "arrived": day_text(entry.arrived),
    }
    if entry.unit is not None:
        shown["unit"] = f"unit {entry.unit}"
    if entry.left is not None:
        shown["left"] = day_text(entry.left)
    if entry.left_reason is not None:
        shown["left_reason"] = entry.left_reason.value
    if entry.has_cervix is not None:
        shown["has_cervix"] = entry.has_cervix.value
    for key, code in entry.equity.items():
        shown[key] = equity_field(key).label_of(code)
    return shown


def past(text: str, column: str) -> date:
    """A date that is not in the future."""
    return not_in_future(cell.day(text, column), column)


def applier(mark_missing_left: date | None) -> Apply:
    """The apply step of :func:`outreach.imports.run.run_import` for the roll."""

    def apply(run: ImportRun, rows: list[Row]) -> None:
        units = run.mapping.units if run.mapping else None
        entries = [(row, parse(row, run.problems, units)) for row in rows]
        for row, entry in entries:
            if entry is not None and run.previewing:
                run.show(row, describe(entry))
        roll = _Roll(run, [entry for _, entry in entries if entry is not None])
        for done, (_, entry) in enumerate(entries, start=1):
            if entry is not None:
                roll.take(entry)
            if len(roll.pending) >= _BATCH:
                roll.add_pending()
            run.tick(done)
        roll.add_pending()
        if mark_missing_left is not None:
            _mark_missing(run, mark_missing_left, set(roll.first_line))

    return apply


class _Roll:
    """What the import needs from the store, read once: the ids, people and stays of the
    references in the file (and no others), and the units; plus the new people
    waiting to be added in a batch (one INSERT per batch instead of several per person).

    Only the file's people are loaded as records, so an import costs what the file holds,
    not what the store holds.
    """

    def __init__(self, run: ImportRun, entries: list[Entry]) -> None:
        self.run = run
        session = run.session
        # References matched ignoring case; on a clash the oldest person wins, as before.
        ids = ids_of_refs(session, (e.ref for e in entries))
        wanted = sorted(set(ids.values()))
        by_id: dict[int, Person] = {}
        self.stays: dict[int, list[Stay]] = {}
        for start in range(0, len(wanted), _BATCH):
            chunk = wanted[start : start + _BATCH]
            for person in session.exec(select(Person).where(col(Person.id).in_(chunk))):
                assert person.id is not None
                by_id[person.id] = person
            for stay in session.exec(
                select(Stay)
                .where(col(Stay.person_id).in_(chunk))
                .order_by(col(Stay.arrived_on), col(Stay.id))
            ):
                self.stays.setdefault(stay.person_id, []).append(stay)
        self.people: dict[str, Person] = {
            key: by_id[person_id] for key, person_id in ids.items() if person_id in by_id
        }
        self.units: dict[str, Unit] = {u.name.lower(): u for u in session.exec(select(Unit))}
        self.unit_names = {u.id: u.name for u in self.units.values()}
        self.first_line: dict[str, int] = {}
        self.pending: list[tuple[dict[str, object], dict[str, object]]] = []

    def take(self, entry: Entry) -> None:
        """Add, update or count the entry as unchanged; problems go to the run."""
        key = ref_key(entry.ref)
        if key in self.first_line:
            self.run.problems.add(entry.line, "ref", f"also on line {self.first_line[key]}")
            return
        self.first_line[key] = entry.line
        person = self.people.get(key)
        report = self.run.report
        try:
            if person is None:
                self.pending.append(self._new(entry))
                report.added += 1
            elif self._update(entry, person):
                report.updated += 1
            else:
                report.unchanged += 1
        except ValidationError as exc:
            self.run.problems.refused(entry.line, exc)

    def unit(self, name: str | None) -> int | None:
        if name is None:
            return None
        unit = self.units.get(name.lower())
        if unit is None:
            unit = ensure_unit(self.run.session, name)
            self.units[name.lower()] = unit
            self.unit_names[unit.id] = unit.name
        return unit.id

    def _new(self, entry: Entry) -> tuple[dict[str, object], dict[str, object]]:
        """A new person and their stay, checked as add_person and record_leaving check
        them (the parse step has checked the rest)."""
        too_long = text_problem(entry.ref, REF_MAX)
        if too_long:
            raise ValidationError("ref", too_long)
        not_before_1900(entry.date_of_birth, "date_of_birth")
        not_in_future(entry.arrived, "arrived")
        if entry.arrived < entry.date_of_birth:
            raise ValidationError(
                "arrived", f"{entry.arrived.isoformat()} is before the person's date of birth"
            )
        too_long = text_problem(entry.name, NAME_MAX)
        if too_long:
            raise ValidationError("name", too_long)
        check_arrival_age(entry.date_of_birth, entry.arrived, "date_of_birth")
        person: dict[str, object] = {
            "ref": entry.ref,
            "display_name": entry.name,
            "date_of_birth": entry.date_of_birth,
            "has_cervix": (entry.has_cervix or HasCervix.unknown).value,
            "language": None,
            "created_at": now(),
            **{key: entry.equity.get(key, "not_stated") for key in EQUITY_KEYS},
        }
        left = entry.left is not None
        stay: dict[str, object] = {
            "unit_id": self.unit(entry.unit),
            "arrived_on": entry.arrived,
            "left_on": entry.left,
            "left_reason": (entry.left_reason or LeftReason.other).value if left else None,
        }
        return person, stay

    def add_pending(self) -> None:
        """Insert the waiting new people, then their stays: two Core executemany statements
        of rows already validated (no ORM objects). People are numbered from the largest id
        on, as SQLite numbers a row inserted alone, inside the write transaction."""
        if not self.pending:
            return
        session = self.run.session
        session.flush()
        connection = session.connection()
        first = (connection.execute(columns(func.max(Person.id))).scalar() or 0) + 1
        insert_logged(
            connection,
            Person,
            [{"id": first + n, **p} for n, (p, _) in enumerate(self.pending)],
        )
        insert_logged(
            connection,
            Stay,
            [{"person_id": first + n, **stay} for n, (_, stay) in enumerate(self.pending)],
        )
        self.pending.clear()

    def _update(self, entry: Entry, person: Person) -> bool:
        """Bring a stored person in line with the row; whether anything changed."""
        # The run's transaction is audited once, as the import.
        within = Action.within(self.run.session, self.run.actor_id)
        changed = False
        cervix = entry.has_cervix.value if entry.has_cervix else person.has_cervix
        equity_changed = any(getattr(person, k) != code for k, code in entry.equity.items())
        if equity_changed or (entry.name, entry.date_of_birth, cervix) != (
            person.display_name,
            person.date_of_birth,
            person.has_cervix,
        ):
            fields = update_person(
                within,
                UpdatePerson(
                    person_ref=person.ref,
                    display_name=entry.name,
                    date_of_birth=entry.date_of_birth,
                    has_cervix=entry.has_cervix,
                    **entry.equity,
                ),
            )
            changed = bool(fields)
        stays = self.stays.get(person.id or 0, [])
        stay = next((s for s in stays if s.arrived_on == entry.arrived), None)
        if stay is not None:
            return self._update_stay(entry, stay) or changed
        current = next((s for s in stays if s.left_on is None), None)
        if current is not None:
            raise ValidationError(
                "arrived",
                f"{person.ref} has a stay open since {current.arrived_on.isoformat()}: record "
                "their leaving first, or correct the arrival date in the app",
            )
        record_arrival(
            within, RecordArrival(person_ref=person.ref, arrived_on=entry.arrived, unit=entry.unit)
        )
        if entry.left is not None:
            record_leaving(
                within,
                RecordLeaving(
                    person_ref=person.ref,
                    left_on=entry.left,
                    left_reason=entry.left_reason or LeftReason.other,
                ),
            )
        return True

    def _update_stay(self, entry: Entry, stay: Stay) -> bool:
        changed = False
        stored_unit = self.unit_names.get(stay.unit_id, "")
        if entry.unit is not None and entry.unit.lower() != stored_unit.lower():
            stay.unit_id = self.unit(entry.unit)
            changed = True
        if entry.left is not None and entry.left != stay.left_on:
            stay.left_on = entry.left
            reason = entry.left_reason.value if entry.left_reason else None
            stay.left_reason = reason or stay.left_reason or LeftReason.other.value
            changed = True
        elif entry.left_reason is not None and entry.left_reason.value != stay.left_reason:
            stay.left_reason = entry.left_reason.value
            changed = True
        if changed:
            self.run.session.add(stay)
            self.run.session.flush()
        return changed


def _mark_missing(run: ImportRun, left_on: date, refs_in_file: set[str]) -> None:
    """Record every person with an open stay who is not in the file as left on ``left_on``.

    Checked as :func:`outreach.services.people.record_leaving` checks a leaving (not
    before the stay began), then written in batched UPDATEs rather than one per person.
    """
    session = run.session
    residents = session.execute(
        columns(col(Person.ref), col(Stay.id), col(Stay.arrived_on))
        .join(Stay, col(Stay.person_id) == col(Person.id))
        .where(col(Stay.left_on).is_(None))
        .order_by(func.lower(Person.ref), col(Stay.id))
    ).all()
    run.report.residents = len(residents)
    leaving: list[int] = []
    for ref, stay_id, arrived_on in residents:
        if ref_key(ref) in refs_in_file:
            continue
        if left_on < arrived_on:
            problem = f"{left_on.isoformat()} is before the stay began on {arrived_on.isoformat()}"
            run.problems.add(0, MARK_MISSING_LEFT, f"{ref}: {problem}")
            continue
        leaving.append(stay_id)
    for start in range(0, len(leaving), _BATCH):
        session.execute(
            update(Stay)
            .where(col(Stay.id).in_(leaving[start : start + _BATCH]))
            .values(left_on=left_on, left_reason=LeftReason.other.value)
        )
    run.report.marked_left += len(leaving)
