"""The conversations file: one row per outreach conversation.

Columns: ``date,mentor,kind,setting,outcome`` are required;
``ref,attendees,minutes,barriers,next_step,note,programme`` may be left out. ``mentor`` names
one mentor or several separated by ``;``; every mentor must already be in the store (add
mentors first). ``kind`` is one_to_one (with the person's ``ref``) or group (with
``attendees``, and optionally the refs of identified attendees in ``ref`` separated by ``;``).
``setting`` and ``outcome`` are the conversation codes or their labels. ``programme`` is the
programme the conversation was about (its key, title or short name; cervical screening when
left out or empty), and ``barriers`` (several separated by ``;``) are that programme's own.

A row whose natural key (person, date, mentors, kind, attendees, minutes, outcome, programme)
matches a
stored conversation, or an earlier row of the file, is counted as unchanged and not added.
Rows are applied in date order, so decisions and follow-ups come out as if logged live: each
conversation completes the follow-ups it meets, and a follow-up already met by a stored later
conversation is done at once (:mod:`outreach.services.followups_met`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import and_, bindparam, func
from sqlalchemy import select as columns
from sqlmodel import col, select

from outreach.imports import values as cell
from outreach.imports.files import Columns, Row
from outreach.imports.people import past
from outreach.imports.run import ImportRun, RowProblems, day_text
from outreach.model import (
    Conversation,
    ConversationKind,
    ConversationMentor,
    FollowUp,
    FollowUpReason,
    FollowUpStatus,
    Mentor,
)
from outreach.rules.cascade import load_any
from outreach.rules.programme import load_programme, programme_keys
from outreach.services.conversations import ConversationBatch, LogConversation, check_conversation
from outreach.services.errors import ValidationError
from outreach.services.lookups import (
    PROGRAMME,
    FileDirectory,
    ref_key,
    residence_read_ahead,
)
from outreach.services.standing import read_decisions
from outreach.store.action import Action
from outreach.wording import fold

COLUMNS = Columns(
    required=("date", "mentor", "kind", "setting", "outcome"),
    optional=("ref", "attendees", "minutes", "barriers", "next_step", "note", "programme"),
)

RENAMES = {
    "occurred_on": "date",
    "person_ref": "ref",
    "attendee_refs": "ref",
    "next_step_on": "next_step",
}

# Outcomes that record a decision, which may schedule a revisit; the follow-up reasons a
# conversation can meet (outreach.services.followups_met).
_SCHEDULING_OUTCOMES = frozenset({"informed_decline", "do_not_approach"})
_OUTREACH_REASONS = (FollowUpReason.next_step.value, FollowUpReason.revisit.value)

Key = tuple[int | None, date, frozenset[int], str, int, int, str, str]
"""person id, date, mentor ids, kind, attendees, minutes, outcome, programme."""


@dataclass(frozen=True)
class Entry:
    """A conversation row, parsed and resolved against the store."""

    line: int
    occurred_on: date
    kind: ConversationKind
    mentors: list[str]
    mentor_ids: frozenset[int]
    refs: list[str]
    person_id: int | None
    attendees: int | None
    minutes: int
    setting: str
    outcome: str
    barriers: list[str]
    next_step_on: date | None
    note: str | None
    programme: str = PROGRAMME

    @property
    def key(self) -> Key:
        count = 1 if self.kind == ConversationKind.one_to_one else self.attendees or 0
        return (
            self.person_id,
            self.occurred_on,
            self.mentor_ids,
            self.kind.value,
            count,
            self.minutes,
            self.outcome,
            self.programme,
        )


class _Lookups:
    """People and mentors of the store, read once for the whole file: the people's ids
    from the directory that read their records."""

    def __init__(self, run: ImportRun, directory: FileDirectory) -> None:
        session = run.session
        self.people = directory.ids
        self.mentors = {
            fold(name): mentor_id
            for mentor_id, name in session.exec(select(Mentor.id, Mentor.name))
            if mentor_id is not None
        }

    def person(self, ref: str) -> int:
        found = self.people.get(ref_key(ref))
        if found is None:
            raise ValidationError("ref", f"no person with reference {ref!r}: import people first")
        return found

    def mentor(self, name: str) -> int:
        found = self.mentors.get(fold(name.strip()))
        if found is None:
            raise ValidationError(
                "mentor", f"no mentor named {name!r}: add mentors before importing conversations"
            )
        return found


def parse(row: Row, lookups: _Lookups, problems: RowProblems) -> Entry | None:
    """The row as an Entry, or None after recording each of its problems."""
    rules = load_programme(PROGRAMME)
    before = problems.count
    problems.needed(row, "date", "a date")
    occurred_on = problems.parsed(row, "date", lambda t: past(t, "date"))
    problems.needed(row, "kind", "a kind (one_to_one or group)")
    kind = problems.parsed(row, "kind", lambda t: cell.code(t, ConversationKind, "kind"))
    mentors = cell.several(problems.needed(row, "mentor", "a mentor"))
    mentor_ids: set[int] = set()
    for name in mentors:
        try:
            mentor_ids.add(lookups.mentor(name))
        except ValidationError as exc:
            problems.refused(row.line, exc)
    refs = cell.several(row.get("ref"))
    person_id = None
    if kind == ConversationKind.one_to_one:
        if len(refs) != 1:
            problems.add(row.line, "ref", "a one-to-one conversation needs one person's ref")
        else:
            person_id = problems.parsed(row, "ref", lambda t: lookups.person(t))
    else:
        for ref in refs:
            try:
                lookups.person(ref)
            except ValidationError as exc:
                problems.refused(row.line, exc)
    attendees = problems.parsed(
        row, "attendees", lambda t: cell.whole_number(t, "attendees", least=1)
    )
    if kind == ConversationKind.group and attendees is None and row.get("attendees") is None:
        problems.add(row.line, "attendees", "a group session needs the number who attended")
    if kind == ConversationKind.one_to_one and attendees not in (None, 1):
        problems.add(row.line, "attendees", "a one-to-one conversation has one attendee")
    minutes = problems.parsed(row, "minutes", lambda t: cell.whole_number(t, "minutes", least=0))
    problems.needed(row, "setting", "a setting")
    setting = problems.parsed(
        row, "setting", lambda t: cell.listed_code(t, rules.settings, "setting")
    )
    problems.needed(row, "outcome", "an outcome")
    outcome = problems.parsed(
        row, "outcome", lambda t: cell.listed_code(t, rules.outcome_codes, "outcome")
    )
    programme = PROGRAMME
    if row.get("programme"):
        programme = problems.parsed(row, "programme", _programme_key) or PROGRAMME
    barrier_codes = load_any(programme).barrier_codes
    barriers: list[str] = []
    for text in cell.several(row.get("barriers")):
        try:
            code = cell.listed_code(text, barrier_codes, "barriers")
        except ValidationError as exc:
            problems.refused(row.line, exc)
            continue
        if code not in barriers:
            barriers.append(code)
    next_step_on = problems.parsed(row, "next_step", lambda t: cell.day(t, "next_step"))
    if problems.count > before:
        return None
    assert occurred_on and kind and setting and outcome
    return Entry(
        line=row.line,
        occurred_on=occurred_on,
        kind=kind,
        mentors=mentors,
        mentor_ids=frozenset(mentor_ids),
        refs=refs,
        person_id=person_id,
        attendees=attendees,
        minutes=minutes or 0,
        setting=setting,
        outcome=outcome,
        barriers=barriers,
        next_step_on=next_step_on,
        note=row.get("note"),
        programme=programme,
    )


def _programme_key(text: str) -> str:
    """A programme named by its key, its title or its short name, in any case."""
    wanted = text.strip().casefold()
    for key in programme_keys():
        rules = load_any(key)
        names = {key, rules.title, getattr(rules, "short", "") or ""}
        if wanted in {name.casefold() for name in names if name}:
            return key
    raise ValidationError(
        "programme",
        f"{cell.quoted(text)!r} is not a programme (one of {', '.join(programme_keys())})",
    )


def describe(entry: Entry) -> dict[str, str]:
    """The entry's values as the preview shows them, by column."""
    shown = {
        "date": day_text(entry.occurred_on),
        "mentor": "; ".join(entry.mentors),
        "kind": entry.kind.value,
        "setting": entry.setting,
        "outcome": entry.outcome,
        "ref": "; ".join(entry.refs),
        "minutes": str(entry.minutes),
        "barriers": "; ".join(entry.barriers),
    }
    if entry.attendees is not None:
        shown["attendees"] = str(entry.attendees)
    if entry.next_step_on is not None:
        shown["next_step"] = day_text(entry.next_step_on)
    if entry.note:
        shown["note"] = "note kept"
    if entry.programme != PROGRAMME:
        shown["programme"] = entry.programme
    return shown


def apply(run: ImportRun, rows: list[Row]) -> None:
    """Log each new conversation of the file, in date order."""
    # The file's people are read once, as records: the parse step matches references to
    # their ids, and the checks find the same records without reading them again.
    directory = FileDirectory(
        run.session, (r for row in rows for r in cell.several(row.get("ref")))
    )
    lookups = _Lookups(run, directory)
    entries = []
    for row in rows:
        entry = parse(row, lookups, run.problems)
        if entry is not None:
            entries.append(entry)
            if run.previewing:
                run.show(row, describe(entry))
    keys = _stored_keys(run, entries)
    directory.open_follow_ups = _may_meet_follow_ups(run, entries, lookups)
    read_decisions(run.session, [e.person_id for e in entries if e.person_id is not None])
    # The run's transaction is audited once, as the import.
    batch = ConversationBatch(Action.within(run.session, run.actor_id), directory=directory)
    with residence_read_ahead(run.session, _on_site(entries, lookups)):
        _log(run, entries, keys, directory, batch, done=len(rows) - len(entries))
    batch.write_pending()


def _on_site(entries: list[Entry], lookups: _Lookups) -> Iterator[tuple[int, date]]:
    """The people and days whose residency the file's on-site conversations need: the
    person of a one-to-one, each identified attendee of a group."""
    rules = load_programme(PROGRAMME)
    for entry in entries:
        if not rules.is_on_site(entry.setting):
            continue
        if entry.person_id is not None:
            yield entry.person_id, entry.occurred_on
        for key in map(ref_key, entry.refs):
            if key in lookups.people:
                yield lookups.people[key], entry.occurred_on


def _log(
    run: ImportRun,
    entries: list[Entry],
    keys: set[Key],
    directory: FileDirectory,
    batch: ConversationBatch,
    *,
    done: int,
) -> None:
    """Log each entry not already stored, in date order, counting into the run's report."""
    for entry in sorted(entries, key=lambda e: e.occurred_on):
        if entry.key in keys:
            run.report.unchanged += 1
        else:
            keys.add(entry.key)
            try:
                checked = check_conversation(
                    run.session,
                    LogConversation(
                        occurred_on=entry.occurred_on,
                        kind=entry.kind.value,
                        mentors=entry.mentors,
                        setting=entry.setting,
                        outcome=entry.outcome,
                        minutes=entry.minutes,
                        person_ref=entry.refs[0] if entry.person_id is not None else None,
                        attendees=entry.attendees if entry.kind == ConversationKind.group else None,
                        attendee_refs=entry.refs if entry.kind == ConversationKind.group else (),
                        barriers=entry.barriers,
                        next_step_on=entry.next_step_on,
                        note=entry.note,
                        programme=entry.programme,
                    ),
                    directory,
                )
                run.report.followups_completed += batch.log(checked)
                run.report.added += 1
            except ValidationError as exc:
                run.problems.refused(entry.line, exc)
        done += 1
        run.tick(done)


def _may_meet_follow_ups(run: ImportRun, entries: list[Entry], lookups: _Lookups) -> set[int]:
    """The file's people who may have an open next step or revisit while the file is applied:
    those with one stored, and those a row of the file gives a next step or a decision (which
    may schedule one). Everyone else's conversations meet nothing, so the per-conversation
    look for follow-ups to complete is skipped.

    The stored ones are read as one range of the worklist's covering index (the open
    follow-ups of the programme, what the worklist shows), not person by person: looking up
    each of a file's 10,000 people read a page of follow-ups for each, 0.2-0.3 s at 1,000,000
    people (37 ms at 200,000), where the range took 23 ms (8 ms) with 90,000 open."""
    reached: dict[int, bool] = {}
    for entry in entries:
        ids = [entry.person_id] if entry.person_id is not None else []
        ids += [lookups.people[k] for k in map(ref_key, entry.refs) if k in lookups.people]
        schedules = entry.next_step_on is not None or entry.outcome in _SCHEDULING_OUTCOMES
        for person_id in ids:
            reached[person_id] = reached.get(person_id, False) or schedules
    found = {person_id for person_id, schedules in reached.items() if schedules}
    if not reached:
        return found
    open_now = run.session.connection().execute(
        columns(col(FollowUp.person_id)).where(
            col(FollowUp.status) == FollowUpStatus.open.value,
            col(FollowUp.programme) == PROGRAMME,
            col(FollowUp.reason).in_(_OUTREACH_REASONS),
        )
    )
    found.update(person_id for person_id in open_now.scalars() if person_id in reached)
    return found


# The file's (person id, day) pairs, its group days and the stored conversations' ids, each
# handed over as one JSON array: one parameter however many rows, read through the indexes
# on (person_id, occurred_on), occurred_on and the mentors' key (as lookups.residents_on).
_FILE_PAIRS = func.json_each(bindparam("pairs")).table_valued("value", name="file_pairs")
_PAIR = columns(
    func.json_extract(_FILE_PAIRS.c.value, "$[0]").label("person_id"),
    func.json_extract(_FILE_PAIRS.c.value, "$[1]").label("day"),
).cte("pair")
_GROUP_DAYS = func.json_each(bindparam("days")).table_valued("value", name="group_days")
_STORED_IDS = func.json_each(bindparam("ids")).table_valued("value", name="stored_ids")
_KEY_COLUMNS = columns(
    col(Conversation.id),
    col(Conversation.person_id),
    col(Conversation.occurred_on),
    col(Conversation.kind),
    col(Conversation.attendees),
    col(Conversation.minutes),
    col(Conversation.outcome),
    col(Conversation.programme),
)
_STORED_ON_PAIRS = _KEY_COLUMNS.select_from(_PAIR).join(
    Conversation,
    and_(
        col(Conversation.person_id) == _PAIR.c.person_id,
        col(Conversation.occurred_on) == _PAIR.c.day,
    ),
)
_STORED_GROUPS = _KEY_COLUMNS.where(
    col(Conversation.person_id).is_(None),
    col(Conversation.occurred_on).in_(columns(_GROUP_DAYS.c.value)),
)
_STORED_MENTORS = columns(
    col(ConversationMentor.conversation_id), col(ConversationMentor.mentor_id)
).where(col(ConversationMentor.conversation_id).in_(columns(_STORED_IDS.c.value)))


def _stored_keys(run: ImportRun, entries: list[Entry]) -> set[Key]:
    """The natural keys of the stored conversations a file entry could match: those of a
    file's person on a day the file gives them, and group sessions on the file's group days
    (a key holds the person and the day, so no other can match). Three statements for the
    whole file, through the person-and-date and date indexes, so the cost follows the file,
    not the store nor the people's history."""
    connection = run.session.connection()
    pairs = sorted({(e.person_id, e.occurred_on) for e in entries if e.person_id is not None})
    group_days = sorted({e.occurred_on for e in entries if e.person_id is None})
    found: list[Any] = []
    if pairs:
        asked = json.dumps([[person_id, day.isoformat()] for person_id, day in pairs])
        found += connection.execute(_STORED_ON_PAIRS, {"pairs": asked}).all()
    if group_days:
        days = json.dumps([day.isoformat() for day in group_days])
        found += connection.execute(_STORED_GROUPS, {"days": days}).all()
    mentors: dict[int, set[int]] = {}
    if found:
        ids = json.dumps([row[0] for row in found])
        for conversation_id, mentor_id in connection.execute(_STORED_MENTORS, {"ids": ids}):
            mentors.setdefault(conversation_id, set()).add(mentor_id)
    return {
        (
            person_id,
            occurred_on,
            frozenset(mentors.get(cid, ())),
            kind,
            attendees,
            minutes,
            outcome,
            programme,
        )
        for cid, person_id, occurred_on, kind, attendees, minutes, outcome, programme in found
    }
