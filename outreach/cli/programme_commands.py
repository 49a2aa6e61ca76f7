"""``outreach programmes [KEY]``: the programmes this outreach knows, from their files; and
``outreach log step``: a step of a testing programme."""

from __future__ import annotations

import json
import textwrap
from typing import Annotated

import typer

from outreach.cli import app
from outreach.cli.common import JsonOption, StoreOption, UserOption, errors_shown, say, unlock
from outreach.cli.domain_commands import DateText, log
from outreach.cli.tables import plain_table
from outreach.errors import ValidationError


@app.command("programmes")
def programmes_command(
    key: Annotated[
        str | None,
        typer.Argument(
            help="Show this programme's steps, cascade and measures.", show_default=False
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """List the programmes (files in schema/programmes), or show one.

    Needs no store: everything comes from the programme files.
    """
    from outreach.rules.cascade import CascadeProgramme, load_any
    from outreach.rules.programme import programme_keys

    with errors_shown():
        keys = programme_keys()
        if key is None:
            rows = []
            for name in keys:
                rules = load_any(name)
                kind = "cascade" if isinstance(rules, CascadeProgramme) else "recall"
                rows.append((name, kind, rules.title))
            if as_json:
                say(json.dumps([{"key": k, "kind": t, "title": n} for k, t, n in rows], indent=2))
                return
            for line in plain_table(rows, headings=("Programme", "Kind", "Title")):
                say(line)
            return
        if key.strip() not in keys:
            raise ValidationError("key", f"no programme {key!r} (one of {', '.join(keys)})")
        rules = load_any(key.strip())
    if not isinstance(rules, CascadeProgramme):
        say(f"{rules.title} ({rules.key}): recall programme; outreach codes lists its codes.")
        return
    if as_json:
        say(json.dumps(_as_json(rules), indent=2))
        return
    for line in _lines(rules):
        say(line)


def _lines(rules: object) -> list[str]:
    from outreach.rules.cascade import CascadeProgramme

    assert isinstance(rules, CascadeProgramme)
    whom = "each reception" if rules.cohort_from == "arrival" else "each person sent the first step"
    lines = [
        f"{rules.title} ({rules.key}): ages {rules.min_age} to {rules.max_age}; the cascade "
        f"follows {whom} in a period.",
        "",
        "Steps:",
    ]
    for step in rules.steps.values():
        results = ", ".join(step.results) or "no result"
        lines.append(f"  {step.key}: {step.label} ({results})")
    lines += ["", "Follow-ups:"]
    for rule in rules.follow_ups:
        when = f" {'/'.join(sorted(rule.results))}" if rule.results else ""
        lines.append(
            f"  after {rule.after}{when}: {rule.reason} in {rule.days} days, done by "
            f"{', '.join(sorted(rule.done_by))}"
        )
    lines += ["", "Cascade:"]
    for stage in rules.stages:
        within = "" if stage.within_days is None else f", standard {stage.within_days} days"
        results = f" ({', '.join(stage.results)})" if stage.results else ""
        lines.append(f"  {stage.key}: {stage.step}{results}{within}")
    lines += ["", "Measures:"]
    for m in rules.measures:
        target = "" if m.target is None else f", target {m.target:g}%"
        lines.append(f"  {m.key}: {m.numerator} of {m.denominator}{target}")
    n = rules.national
    lines += ["", f"National ({n.measure}): {n.value:g}% in {n.area}, {n.as_of}: {n.source}"]
    return [
        part for line in lines for part in textwrap.wrap(line, 80, subsequent_indent="    ") or [""]
    ]


def _as_json(rules: object) -> dict[str, object]:
    from dataclasses import asdict

    from outreach.rules.cascade import CascadeProgramme

    assert isinstance(rules, CascadeProgramme)
    return {
        "key": rules.key,
        "title": rules.title,
        "ages": [rules.min_age, rules.max_age],
        "cohort": rules.cohort_from,
        "steps": {
            k: {"label": s.label, "results": dict(s.results)} for k, s in rules.steps.items()
        },
        "follow_ups": [
            {**asdict(r), "results": sorted(r.results), "done_by": sorted(r.done_by)}
            for r in rules.follow_ups
        ],
        "cascade": [asdict(s) for s in rules.stages],
        "measures": [asdict(m) for m in rules.measures],
        "national": {**asdict(rules.national), "as_of": rules.national.as_of.isoformat()},
    }


@log.command("step")
def log_step(
    programme: Annotated[
        str, typer.Option("--programme", help="A testing programme: outreach programmes.")
    ],
    person: Annotated[str, typer.Option("--person", help="Reference of the person.")],
    step: Annotated[
        str, typer.Option("--step", help="A step of the programme: outreach programmes KEY.")
    ],
    date_text: DateText,
    result: Annotated[
        str | None, typer.Option("--result", help="The step's result, where it has one.")
    ] = None,
    where: Annotated[
        str | None, typer.Option("--where", help="on_site, outside or before_arrival.")
    ] = None,
    note: Annotated[str | None, typer.Option("--note", help="A short note.")] = None,
    store: StoreOption = None,
    user: UserOption = None,
) -> None:
    """Record a step of a testing programme (BBV, bowel); prints the follow-ups it opens
    and completes."""
    from outreach.services.dates import parse_date
    from outreach.services.programme_steps import RecordProgrammeStep, record_programme_step

    with errors_shown():
        occurred_on = parse_date(date_text, "date")
        with unlock(store, user) as opened:
            recorded = record_programme_step(
                opened,
                RecordProgrammeStep(
                    person_ref=person,
                    programme=programme,
                    step=step,
                    occurred_on=occurred_on,
                    result=result,
                    where=where,
                    note=note,
                ),
            )
    row = recorded.event
    said = f" ({row.result.replace('_', ' ')})" if row.result else ""
    say(f"Recorded {row.event.replace('_', ' ')}{said} ({row.id}).")
    for f in recorded.opened:
        say(f"Follow-up {f.id}: {f.reason.replace('_', ' ')} due {f.due_on.isoformat()}.")
    for f in recorded.completed:
        say(f"Follow-up {f.id} ({f.reason.replace('_', ' ')}) done.")
