"""The screening file: one row per step on a person's screening pathway.

Columns: ``ref,date`` are required; ``event,hpv,cytology,sample,where,reason,note`` may be
left out, and a row with a result and no event is a test. ``event`` is offered, declined,
booked, attended, did_not_attend, test, result_communicated, colposcopy_referred,
colposcopy_attended or ceased; a test carries its ``hpv`` (negative, positive, unavailable),
``cytology`` and ``sample`` (clinician, self); ``where`` is on_site, outside or
before_arrival; ``reason`` (why screening ceased) is no_cervix, radiotherapy,
informed_choice or other, only on ceased. Results may be written in the wording of lab
letters ("HPV detected", "High-grade dyskaryosis (severe)"), as listed in the programme file,
or as the NHS result, infection and action codes: ``result_code``, ``infection_code`` and
``action_code`` columns, or the three together in ``nhs_codes``
("X0A": no cytology, HPV negative, routine recall).

A row whose natural key (person, date, event, HPV and cytology result) matches a stored event
or an earlier row is counted as unchanged and not added. Rows are applied in date order, so a
history entered in any order gets the result actions and follow-ups it would have had live.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import partial
from typing import TypeVar

from sqlalchemy import select as columns
from sqlmodel import col

from outreach.imports import values as cell
from outreach.imports.files import Columns, Row
from outreach.imports.people import past
from outreach.imports.run import ImportRun, RowProblems, day_text
from outreach.model import Cytology, HpvResult, SampleTaker, ScreeningEvent, Where
from outreach.model.enums import ScreeningEventKind
from outreach.rules.wording import NONE, load_wording
from outreach.services.errors import ValidationError
from outreach.services.lookups import (
    PROGRAMME,
    Someone,
    people_of_refs,
    ref_key,
    residence_read_ahead,
)
from outreach.services.screening import (
    QUIET_STEPS,
    CeaseReason,
    Pathway,
    RecordScreeningEvent,
    ScreeningBatch,
    pathways_of,
)
from outreach.store.action import Action

COLUMNS = Columns(
    required=("ref", "date"),
    optional=(
        "event",
        "hpv",
        "cytology",
        "sample",
        "where",
        "reason",
        "note",
        "result_code",
        "infection_code",
        "action_code",
        "nhs_codes",
    ),
)

# Columns that carry a test's result: a row with any of them and no event is a test.
RESULT_COLUMNS = ("hpv", "cytology", "result_code", "infection_code", "nhs_codes")

RENAMES = {"occurred_on": "date", "person_ref": "ref"}

E = TypeVar("E", bound=StrEnum)

# Stored events are looked up for this many people per query.
_CHUNK = 500

Key = tuple[int, date, str, str | None, str | None]
"""person id, date, event, hpv, cytology."""


@dataclass(frozen=True)
class Entry:
    """A screening row, parsed and resolved against the store."""

    line: int
    ref: str
    person_id: int
    occurred_on: date
    event: ScreeningEventKind
    hpv: HpvResult | None
    cytology: Cytology | None
    sample: SampleTaker | None
    where: Where | None
    reason: CeaseReason | None
    note: str | None

    @property
    def key(self) -> Key:
        hpv = self.hpv.value if self.hpv else None
        cytology = self.cytology.value if self.cytology else None
        return (self.person_id, self.occurred_on, self.event.value, hpv, cytology)


def parse(row: Row, people: dict[str, int], problems: RowProblems) -> Entry | None:
    """The row as an Entry, or None after recording each of its problems."""
    before = problems.count
    ref = problems.needed(row, "ref", "a reference")
    person_id = people.get(ref_key(ref)) if ref else None
    if ref and person_id is None:
        problems.add(row.line, "ref", f"no person with reference {ref!r}: import people first")
    problems.needed(row, "date", "a date")
    occurred_on = problems.parsed(row, "date", lambda t: past(t, "date"))
    if row.get("event") is None and any(row.get(c) for c in RESULT_COLUMNS):
        event: ScreeningEventKind | None = ScreeningEventKind.test
    else:
        problems.needed(row, "event", "an event")
        event = problems.parsed(row, "event", lambda t: cell.code(t, ScreeningEventKind, "event"))
    hpv = problems.parsed(row, "hpv", lambda t: cell.code(t, HpvResult, "hpv"))
    cytology = problems.parsed(row, "cytology", lambda t: cell.code(t, Cytology, "cytology"))
    coded = problems.parsed(row, "nhs_codes", lambda t: cell.nhs_codes(t, "nhs_codes"))
    parts = {
        "result_code": coded[0] if coded else None,
        "infection_code": coded[1] if coded else None,
        "action_code": coded[2] if coded else None,
    }
    for column in parts:
        single = problems.parsed(row, column, partial(cell.nhs_code, column=column))
        parts[column] = single if single is not None else parts[column]
    cytology = _agreeing(row, problems, "cytology", cytology, parts["result_code"], Cytology)
    hpv = _agreeing(row, problems, "hpv", hpv, parts["infection_code"], HpvResult)
    sample = problems.parsed(row, "sample", lambda t: cell.code(t, SampleTaker, "sample"))
    where = problems.parsed(row, "where", lambda t: cell.code(t, Where, "where"))
    reason = problems.parsed(row, "reason", lambda t: cell.code(t, CeaseReason, "reason"))
    if problems.count > before:
        return None
    assert ref and person_id and occurred_on and event
    return Entry(
        line=row.line,
        ref=ref,
        person_id=person_id,
        occurred_on=occurred_on,
        event=event,
        hpv=hpv,
        cytology=cytology,
        sample=sample,
        where=where,
        reason=reason,
        note=row.get("note"),
    )


def describe(entry: Entry, row: Row) -> dict[str, str]:
    """The entry's values as the preview shows them, by column."""
    hpv = f"HPV {entry.hpv.value}" if entry.hpv else "no HPV result"
    cytology = f"cytology {entry.cytology.value}" if entry.cytology else "no cytology"
    action = row.get("action_code") or (row.get("nhs_codes") or "")[-1:]
    advised = load_wording().action_codes.get(action.upper(), "") if action else ""
    shown = {
        "ref": entry.ref,
        "date": day_text(entry.occurred_on),
        "event": entry.event.value,
        "hpv": hpv,
        "cytology": cytology,
        "result_code": cytology,
        "infection_code": hpv,
        "nhs_codes": f"{hpv}, {cytology}; lab advised {advised}",
        "action_code": f"lab advised {advised}",
    }
    for name in ("sample", "where", "reason"):
        value = getattr(entry, name)
        if value is not None:
            shown[name] = value.value
    if entry.note:
        shown["note"] = "note kept"
    return shown


def _agreeing(
    row: Row,
    problems: RowProblems,
    column: str,
    written: E | None,
    code: str | None,
    enum: type[E],
) -> E | None:
    """The result in ``column``, or the one the NHS code gives when the column is empty;
    a problem is recorded when both are given and differ."""
    if code is None:
        return written
    wording = load_wording()
    table = wording.cytology_codes if enum is Cytology else wording.infection_codes
    meaning = table[code]
    from_code = None if meaning == NONE else enum(meaning)
    if written is not None and from_code is not None and written != from_code:
        problems.add(
            row.line, column, f"{written.value} differs from the NHS code {code} ({meaning})"
        )
    return written if written is not None else from_code


def apply(run: ImportRun, rows: list[Row]) -> None:
    """Record each new pathway event of the file, in date order.

    The file's people (from the reference index alone: :func:`people_of_refs`), and the
    pathways (tests and open follow-ups) of those with a step that sets something in motion,
    are read once, a few hundred people per query, and
    handed to :func:`record_screening_event`, which keeps them up to date: every event is
    recorded exactly as one entered alone would be. Steps that set nothing in motion are
    written many at a time (:class:`ScreeningBatch`).
    """
    known = people_of_refs(run.session, (row.get("ref") or "" for row in rows))
    people = {key: person.id for key, person in known.items()}
    records: dict[int, Someone] = {person.id: person for person in known.values()}
    entries = []
    for row in rows:
        entry = parse(row, people, run.problems)
        if entry is not None:
            entries.append(entry)
            if run.previewing:
                run.show(row, describe(entry, row))
    keys = _stored_keys(run, entries)
    # A step that sets nothing in motion never reads its person's pathway: only the people
    # with another step in the file have theirs read.
    moving = sorted({e.person_id for e in entries if e.event not in QUIET_STEPS})
    pathways = pathways_of(run.session, moving, PROGRAMME)
    on_site = ((e.person_id, e.occurred_on) for e in entries if e.where == Where.on_site)
    with residence_read_ahead(run.session, on_site):
        _record(run, entries, keys, records, pathways, done=len(rows) - len(entries))


def _record(
    run: ImportRun,
    entries: list[Entry],
    keys: set[Key],
    records: dict[int, Someone],
    pathways: dict[int, Pathway],
    *,
    done: int,
) -> None:
    """Record each entry not already stored, in date order, counting into the run's report."""
    # The run's transaction is audited once, as the import.
    batch = ScreeningBatch(Action.within(run.session, run.actor_id))
    for entry in sorted(entries, key=lambda e: e.occurred_on):
        if entry.key in keys:
            run.report.unchanged += 1
        else:
            keys.add(entry.key)
            try:
                completed = batch.record(
                    RecordScreeningEvent(
                        person_ref=entry.ref,
                        occurred_on=entry.occurred_on,
                        event=entry.event.value,
                        hpv=_value(entry.hpv),
                        cytology=_value(entry.cytology),
                        sample=_value(entry.sample),
                        where=_value(entry.where),
                        reason=_value(entry.reason),
                        note=entry.note,
                    ),
                    person=records[entry.person_id],
                    pathway=pathways.get(entry.person_id),
                )
                run.report.added += 1
                run.report.followups_completed += completed
            except ValidationError as exc:
                run.problems.refused(entry.line, exc)
        done += 1
        run.tick(done)
    batch.write_pending()


def _value(member: object) -> str | None:
    return None if member is None else str(member)


def _stored_keys(run: ImportRun, entries: list[Entry]) -> set[Key]:
    """The natural keys of the stored events of the file's people (read in chunks through
    the person index, so the cost follows the file, not the store)."""
    connection = run.session.connection()
    people = sorted({e.person_id for e in entries})
    keys: set[Key] = set()
    for start in range(0, len(people), _CHUNK):
        rows = connection.execute(
            columns(
                col(ScreeningEvent.person_id),
                col(ScreeningEvent.occurred_on),
                col(ScreeningEvent.event),
                col(ScreeningEvent.hpv),
                col(ScreeningEvent.cytology),
            ).where(
                col(ScreeningEvent.programme) == PROGRAMME,
                col(ScreeningEvent.person_id).in_(people[start : start + _CHUNK]),
            )
        )
        keys.update((p, on, event, hpv, cytology) for p, on, event, hpv, cytology in rows)
    return keys
