"""Day-to-day commands: people, mentors, conversations, screening, decisions, follow-ups.

Each command unlocks the store, calls one service and prints the result; dates may be typed
as 2024-03-05 or 05/03/2024.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any

import typer

from outreach.cli import app
from outreach.cli.common import JsonOption, StoreOption, UserOption, errors_shown, say, unlock
from outreach.cli.equity_options import (
    Disability,
    Ethnicity,
    FirstLanguage,
    Interpreter,
    LearningDisability,
)
from outreach.cli.tables import plain_table
from outreach.wording import counted

if TYPE_CHECKING:
    from outreach.store.store import Store

log = typer.Typer(help="Log a conversation or a screening event.", no_args_is_help=True)
people = typer.Typer(help="Add, search and discharge people.", no_args_is_help=True)
mentors = typer.Typer(help="Peer mentors.", no_args_is_help=True)
followups = typer.Typer(
    help="Follow-ups due and overdue (oldest first), and marking them done or cancelled.",
    invoke_without_command=True,
)
app.add_typer(log, name="log")
app.add_typer(people, name="people")
app.add_typer(mentors, name="mentors")
app.add_typer(followups, name="followups")

DateText = Annotated[str, typer.Option("--date", help="Date: 2024-03-05 or 05/03/2024.")]


def _day(text: str | None, field: str) -> date | None:
    from outreach.services.dates import parse_optional_date

    return parse_optional_date(text, field)


def _required_day(text: str, field: str) -> date:
    from outreach.services.dates import parse_date

    return parse_date(text, field)


def _json(value: Any) -> str:
    return json.dumps(value, default=lambda v: v.isoformat(), indent=2, ensure_ascii=False)


def _open(store: Any, user: str | None) -> Store:
    return unlock(store, user)


@log.command("conversation")
def log_conversation(
    date_text: DateText,
    mentor: Annotated[
        list[str], typer.Option("--mentor", help="Mentor who held it (repeat for more).")
    ],
    setting: Annotated[str, typer.Option("--setting", help="Setting code, e.g. wing.")],
    outcome: Annotated[
        list[str],
        typer.Option(
            "--outcome",
            help="Outcome code, e.g. booked; with several programmes, KEY=CODE for one of them.",
        ),
    ],
    person: Annotated[
        str | None, typer.Option("--person", help="Reference of the person (one-to-one).")
    ] = None,
    group: Annotated[
        int | None, typer.Option("--group", help="A group session with N attendees.")
    ] = None,
    attendee: Annotated[
        list[str] | None,
        typer.Option("--attendee", help="Reference of an identified group attendee (repeat)."),
    ] = None,
    minutes: Annotated[int, typer.Option("--minutes", help="Minutes spent.")] = 0,
    barrier: Annotated[
        list[str] | None,
        typer.Option(
            "--barrier",
            help="Barrier code raised (repeat); with several programmes, KEY=CODE.",
        ),
    ] = None,
    programme: Annotated[
        list[str] | None,
        typer.Option(
            "--programme",
            help="Programme the conversation addressed (repeat; default cervical-screening). "
            "`outreach programmes` lists the keys.",
        ),
    ] = None,
    next_step: Annotated[
        str | None, typer.Option("--next-step", help="Date of the next step.")
    ] = None,
    note: Annotated[str | None, typer.Option("--note", help="A short note.")] = None,
    store: StoreOption = None,
    user: UserOption = None,
) -> None:
    """Log a one-to-one (--person REF) or group (--group N) conversation.

    A conversation about several programmes names each with --programme; a bare --outcome is
    every programme's, --outcome KEY=CODE one programme's, and each barrier says whose it is:
    --programme cervical-screening --programme bbv-hepatitis-c --outcome booked
    --outcome bbv-hepatitis-c=informed_decline --barrier bbv-hepatitis-c=needles
    """
    from outreach.cli.conversation_programmes import read_addressing
    from outreach.services.conversations import Addressed, LogConversation
    from outreach.services.conversations import log_conversation as service
    from outreach.services.errors import ValidationError
    from outreach.services.followups_met import completed_summary

    with errors_shown():
        if (person is None) == (group is None):
            raise ValidationError("person", "give either --person REF or --group N")
        occurred_on = _required_day(date_text, "date")
        said = read_addressing(programme or [], outcome, barrier or [])
        first, *further = said.programmes
        next_step_on = _day(next_step, "next_step")
        with _open(store, user) as opened:
            logged = service(
                opened,
                LogConversation(
                    occurred_on=occurred_on,
                    kind="one_to_one" if person is not None else "group",
                    person_ref=person,
                    attendees=group,
                    attendee_refs=attendee or [],
                    mentors=mentor,
                    setting=setting,
                    minutes=minutes,
                    barriers=said.barriers[first],
                    outcome=said.outcomes[first],
                    programme=first,
                    also=[
                        Addressed(key, said.outcomes[key], said.barriers[key]) for key in further
                    ],
                    next_step_on=next_step_on,
                    note=note,
                ),
            )
    say(f"Logged conversation {logged.conversation.id}.")
    if logged.completed:
        met = ", ".join(
            f"#{f.id} {f.reason.replace('_', ' ')} due {f.due_on.isoformat()}"
            for f in logged.completed
        )
        say(f"{completed_summary(len(logged.completed))}: {met}.")
    if logged.decision is not None:
        say(f"Recorded decision: {logged.decision.kind.replace('_', ' ')}.")
    for made in logged.further_decisions:
        say(f"Recorded decision for {made.programme}: {made.kind.replace('_', ' ')}.")
    if logged.follow_up is not None:
        f = logged.follow_up
        line = f"Follow-up {f.id}: {f.reason.replace('_', ' ')} due {f.due_on.isoformat()}"
        if f.done_on is not None:
            line += f", already met by the conversation on {f.done_on.isoformat()} (done)"
        say(f"{line}.")


@log.command("screening")
def log_screening(
    person: Annotated[str, typer.Option("--person", help="Reference of the person.")],
    event: Annotated[
        str, typer.Option("--event", help="offered, test, colposcopy_referred, ceased, ...")
    ],
    date_text: DateText,
    hpv: Annotated[
        str | None, typer.Option("--hpv", help="negative, positive or unavailable.")
    ] = None,
    cytology: Annotated[
        str | None, typer.Option("--cytology", help="normal, borderline, high_grade, ...")
    ] = None,
    sample: Annotated[str | None, typer.Option("--sample", help="clinician or self.")] = None,
    where: Annotated[
        str | None, typer.Option("--where", help="on_site, outside or before_arrival.")
    ] = None,
    reason: Annotated[
        str | None,
        typer.Option(
            "--reason", help="For ceased: no_cervix, radiotherapy, informed_choice, other."
        ),
    ] = None,
    note: Annotated[str | None, typer.Option("--note", help="A short note.")] = None,
    store: StoreOption = None,
    user: UserOption = None,
) -> None:
    """Record a screening event; for a test, prints the action its result asks for."""
    from outreach.services.screening import RecordScreeningEvent, record_screening_event

    with errors_shown():
        occurred_on = _required_day(date_text, "date")
        with _open(store, user) as opened:
            recorded = record_screening_event(
                opened,
                RecordScreeningEvent(
                    person_ref=person,
                    occurred_on=occurred_on,
                    event=event,
                    hpv=hpv,
                    cytology=cytology,
                    sample=sample,
                    where=where,
                    reason=reason,
                    note=note,
                ),
            )
    say(f"Recorded {recorded.event.event.replace('_', ' ')} ({recorded.event.id}).")
    if recorded.action:
        say(f"Action: {recorded.action.replace('_', ' ')}.")
    if recorded.follow_up is not None:
        f = recorded.follow_up
        say(f"Follow-up {f.id}: {f.reason.replace('_', ' ')} due {f.due_on.isoformat()}.")
    for f in recorded.completed:
        say(f"Follow-up {f.id} ({f.reason.replace('_', ' ')}) done.")
    for f in recorded.cancelled:
        say(f"Follow-up {f.id} ({f.reason.replace('_', ' ')}) cancelled.")


@app.command("person")
def person_show(
    ref: Annotated[str, typer.Argument(help="Reference of the person.")],
    as_of: Annotated[str | None, typer.Option("--as-of", help="Status on this date.")] = None,
    as_json: JsonOption = False,
    store: StoreOption = None,
    user: UserOption = None,
) -> None:
    """A person's status (resident, eligible, covered, next test due, decisions) and timeline."""
    from outreach.cli.person_text import equity_line, timeline_lines
    from outreach.services.profile import person_profile, printable

    with errors_shown():
        day = _day(as_of, "as_of")
        with _open(store, user) as opened:
            profile = person_profile(opened, ref, as_of=day)
    if as_json:
        data = asdict(profile)
        data["status"]["summary"] = profile.status.summary
        data["status"]["next_due"] = profile.status.next_due
        say(_json(data))
        return
    s = profile.status
    name = printable(profile.name).replace("\n", " ")
    say(f"{printable(profile.ref)}  {name}  (born {profile.date_of_birth}, age {profile.age})")
    say(f"Status on {s.as_of}: {s.summary}")
    where = f"resident on {printable(s.unit)}" if s.resident and s.unit else "resident"
    gone = f"left on {s.left_on}" if s.left_on else "left"
    say(f"  {where if s.resident else (gone if s.left else 'not resident')}")
    say(f"  eligible: {'yes' if s.eligible else 'no'}; covered: {'yes' if s.covered else 'no'}")
    last = (
        f"{s.last_test_on} ({(s.last_action or '').replace('_', ' ')})"
        if s.last_test_on
        else "none"
    )
    say(f"  last test: {last}")
    say(f"  next due: {s.next_due}")
    if s.decision_words:
        say(f"  decision in force: {s.decision_words}")
    if s.ceased:
        say(f"  ceased: {s.ceased.replace('_', ' ')}")
    say(equity_line(profile.equity))
    # Testing programmes (BBV, bowel) the person has a step in: the latest step, and what is open.
    for standing in profile.programmes:
        if standing.on is None:
            continue
        result = f" ({standing.result})" if standing.result else ""
        follow = standing.open_follow_ups
        waiting = f"; {counted(follow, 'follow-up')} open" if follow else ""
        say(f"  {standing.title}: {standing.step}{result} on {standing.on}{waiting}")
    say("Timeline (newest first):")
    for item in profile.timeline:
        say("\n".join(timeline_lines(item)))


@people.command("add")
def people_add(
    ref: Annotated[str, typer.Argument(help="The site's reference (e.g. prison number).")],
    name: Annotated[str, typer.Option("--name", help="Name as staff use it.")],
    dob: Annotated[str, typer.Option("--dob", help="Date of birth.")],
    unit: Annotated[str | None, typer.Option("--unit", help="Unit (wing) on arrival.")] = None,
    arrived: Annotated[str | None, typer.Option("--arrived", help="Arrival date.")] = None,
    has_cervix: Annotated[
        str, typer.Option("--has-cervix", help="yes, no or unknown.")
    ] = "unknown",
    language: Annotated[str | None, typer.Option("--language", help="Preferred language.")] = None,
    ethnicity: Ethnicity = None,
    disability: Disability = None,
    learning_disability: LearningDisability = None,
    first_language: FirstLanguage = None,
    interpreter: Interpreter = None,
    store: StoreOption = None,
    user: UserOption = None,
) -> None:
    """Add a person, with their arrival when --arrived is given.

    The equity fields (ethnic group, disability, learning disability, first language,
    interpreter) are optional: left out, they are "not stated"."""
    from outreach.services.people import AddPerson, add_person

    with errors_shown():
        date_of_birth = _required_day(dob, "date_of_birth")
        arrived_on = _day(arrived, "arrived_on")
        with _open(store, user) as opened:
            person = add_person(
                opened,
                AddPerson(
                    ref=ref,
                    display_name=name,
                    date_of_birth=date_of_birth,
                    has_cervix=has_cervix,
                    language=language,
                    unit=unit,
                    arrived_on=arrived_on,
                    ethnicity=ethnicity,
                    disability=disability,
                    learning_disability=learning_disability,
                    first_language=first_language,
                    interpreter=interpreter,
                ),
            )
    say(f"Added {person.ref}.")


@people.command("arrive")
def people_arrive(
    ref: Annotated[str, typer.Argument(help="Reference of the person.")],
    date_text: DateText,
    unit: Annotated[str | None, typer.Option("--unit", help="Unit (wing).")] = None,
    store: StoreOption = None,
    user: UserOption = None,
) -> None:
    """Record a person arriving (a new stay)."""
    from outreach.services.people import RecordArrival, record_arrival

    with errors_shown():
        arrived_on = _required_day(date_text, "arrived_on")
        with _open(store, user) as opened:
            record_arrival(opened, RecordArrival(person_ref=ref, arrived_on=arrived_on, unit=unit))
    say(f"Recorded the arrival of {ref} on {arrived_on}.")


@people.command("leave")
def people_leave(
    ref: Annotated[str, typer.Argument(help="Reference of the person.")],
    date_text: DateText,
    reason: Annotated[str, typer.Option("--reason", help="released, transferred or other.")],
    store: StoreOption = None,
    user: UserOption = None,
) -> None:
    """Record a person leaving (ends their open stay)."""
    from outreach.services.people import RecordLeaving, record_leaving

    with errors_shown():
        left_on = _required_day(date_text, "left_on")
        with _open(store, user) as opened:
            record_leaving(
                opened, RecordLeaving(person_ref=ref, left_on=left_on, left_reason=reason)
            )
    say(f"Recorded {ref} leaving on {left_on}.")


@people.command("search")
def people_search(
    text: Annotated[str, typer.Argument(help="Start of a reference or part of a name.")] = "",
    filter_name: Annotated[
        str,
        typer.Option(
            "--filter",
            help="all, resident, due, overdue, never_screened, covered, declined, "
            "do_not_approach or left.",
        ),
    ] = "all",
    as_of: Annotated[str | None, typer.Option("--as-of", help="Status on this date.")] = None,
    page: Annotated[int, typer.Option("--page", help="Page number, from 1.")] = 1,
    per_page: Annotated[int, typer.Option("--per-page", help="Rows per page.")] = 50,
    as_json: JsonOption = False,
    store: StoreOption = None,
    user: UserOption = None,
) -> None:
    """Search people by reference or name, optionally by status."""
    from outreach.services.errors import ValidationError
    from outreach.services.search import search_people

    with errors_shown():
        if page < 1:
            raise ValidationError("page", "pages start at 1")
        day = _day(as_of, "as_of")
        with _open(store, user) as opened:
            result = search_people(
                opened,
                text=text,
                filter=filter_name,
                as_of=day,
                offset=(page - 1) * per_page,
                limit=per_page,
            )
    if as_json:
        rows = [
            {"ref": r.ref, "name": r.name, "unit": r.unit, "status": r.status} for r in result.rows
        ]
        say(_json({"rows": rows, "page": page, "has_more": result.has_more}))
        return
    for line in plain_table(
        [(r.ref, r.name, r.unit or "-", r.status) for r in result.rows], wrap=(1, 3)
    ):
        say(line)
    if not result.rows:
        say("No one found.")
    elif result.has_more:
        say(f"More on page {page + 1} (--page {page + 1}).")


@mentors.command("add")
def mentors_add(
    name: Annotated[str, typer.Argument(help="The mentor's name.")],
    trained_on: Annotated[str | None, typer.Option("--trained-on", help="Date trained.")] = None,
    active_from: Annotated[
        str | None, typer.Option("--active-from", help="First active day.")
    ] = None,
    person: Annotated[
        str | None, typer.Option("--person", help="Their reference, if also a resident.")
    ] = None,
    store: StoreOption = None,
    user: UserOption = None,
) -> None:
    """Add a peer mentor."""
    from outreach.services.mentors import AddMentor, add_mentor

    with errors_shown():
        trained = _day(trained_on, "trained_on")
        start = _day(active_from, "active_from")
        with _open(store, user) as opened:
            mentor = add_mentor(
                opened,
                AddMentor(name=name, trained_on=trained, active_from=start, person_ref=person),
            )
    say(f"Added mentor {mentor.name}.")


@mentors.command("list")
def mentors_list(
    as_json: JsonOption = False, store: StoreOption = None, user: UserOption = None
) -> None:
    """List mentors and whether they are active today."""
    from outreach.services.mentors import list_mentors

    with errors_shown(), _open(store, user) as opened:
        rows = list_mentors(opened)
    if as_json:
        say(_json([asdict(r) for r in rows]))
        return
    for line in plain_table(
        [
            (
                r.name,
                "active" if r.active else "inactive",
                f"trained {r.trained_on}" if r.trained_on else "",
            )
            for r in rows
        ],
        wrap=(0,),
    ):
        say(line)
    if not rows:
        say("No mentors yet: outreach mentors add NAME.")


@followups.callback()
def followups_due(
    ctx: typer.Context,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="Worklist date (default today). A past date lists the follow-ups open then, "
            "by their own dates: opened by that day and not yet done.",
        ),
    ] = None,
    upcoming: Annotated[
        int, typer.Option("--upcoming", help="Also list those due in the next N days.")
    ] = 0,
    include_left: Annotated[
        bool, typer.Option("--include-left", help="Also list people who have left.")
    ] = False,
    as_json: JsonOption = False,
    store: StoreOption = None,
    user: UserOption = None,
) -> None:
    """Follow-ups due and overdue, oldest first."""
    if ctx.invoked_subcommand is not None:
        return
    from outreach.services.followups import due_followups

    with errors_shown():
        day = _day(as_of, "as_of")
        with _open(store, user) as opened:
            rows = due_followups(
                opened, as_of=day, include_upcoming_days=upcoming, include_left=include_left
            )
    if as_json:
        say(_json([asdict(r) for r in rows]))
        return
    table = []
    for r in rows:
        late = f"{counted(r.days_overdue, 'day')} overdue" if r.days_overdue > 0 else "due"
        flags = (" [left]" if r.left else "") + (
            " [do not approach: care only]" if r.do_not_approach else ""
        )
        table.append(
            (
                str(r.id),
                r.due_on.isoformat(),
                late,
                r.person_ref,
                r.person_name,
                f"{r.reason.replace('_', ' ')}{flags}",
            )
        )
    for line in plain_table(table, wrap=(4, 5)):
        say(line)
    if not rows:
        say("Nothing due.")


@followups.command("done")
def followups_done(
    followup_id: Annotated[int, typer.Argument(help="Follow-up number.")],
    date_text: Annotated[
        str | None, typer.Option("--date", help="Date done (default today).")
    ] = None,
    store: StoreOption = None,
    user: UserOption = None,
) -> None:
    """Mark a follow-up done."""
    from outreach.services.followup_changes import CompleteFollowUp, complete_followup

    with errors_shown():
        done_on = _day(date_text, "done_on")
        with _open(store, user) as opened:
            done = complete_followup(
                opened, CompleteFollowUp(followup_id=followup_id, done_on=done_on)
            )
    say(f"Follow-up {done.followup_id} done on {done.after.done_on}.")


@followups.command("cancel")
def followups_cancel(
    followup_id: Annotated[int, typer.Argument(help="Follow-up number.")],
    store: StoreOption = None,
    user: UserOption = None,
) -> None:
    """Cancel a follow-up."""
    from outreach.services.followups import CancelFollowUp, cancel_followup

    with errors_shown(), _open(store, user) as opened:
        cancel_followup(opened, CancelFollowUp(followup_id=followup_id))
    say(f"Follow-up {followup_id} cancelled.")


@app.command("decide")
def decide(
    ref: Annotated[str, typer.Argument(help="Reference of the person.")],
    kind: Annotated[
        str, typer.Option("--kind", help="informed_decline, do_not_approach or approach_again.")
    ],
    date_text: DateText,
    revisit: Annotated[
        str | None, typer.Option("--revisit", help="Revisit date (informed decline).")
    ] = None,
    note: Annotated[str | None, typer.Option("--note", help="A short note.")] = None,
    store: StoreOption = None,
    user: UserOption = None,
) -> None:
    """Record a person's own decision."""
    from outreach.services.decisions import RecordDecision, record_decision

    with errors_shown():
        decided_on = _required_day(date_text, "decided_on")
        revisit_on = _day(revisit, "revisit_on")
        with _open(store, user) as opened:
            result = record_decision(
                opened,
                RecordDecision(
                    person_ref=ref,
                    kind=kind,
                    decided_on=decided_on,
                    revisit_on=revisit_on,
                    note=note,
                ),
            )
    say(f"Recorded {result.decision.kind.replace('_', ' ')} for {ref}.")
    for f in result.cancelled:
        say(f"Follow-up {f.id} ({f.reason.replace('_', ' ')}) cancelled.")
    if result.follow_up is not None:
        say(f"Revisit follow-up {result.follow_up.id} due {result.follow_up.due_on}.")
