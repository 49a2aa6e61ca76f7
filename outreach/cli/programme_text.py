"""A cascade programme's figures as lines of text for a person (``outreach stats
--programme``)."""

from __future__ import annotations

import textwrap

from outreach.cli.tables import plain_table
from outreach.stats.cascade import CascadeCounts, ProgrammeFigures
from outreach.wording import counted


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}%"


def _days(value: float | None) -> str:
    return (
        "-"
        if value is None
        else counted(round(value), "day")
        if value == round(value)
        else (f"{value:g} days")
    )


def cascade_lines(figures: ProgrammeFigures) -> list[str]:
    """The cascade stage by stage, the headline measures, coverage and the national figure."""
    programme, run = figures.programme, figures.cascade
    one, many = (
        ("reception", "receptions")
        if programme.cohort_from == "arrival"
        else (
            "person",
            "people",
        )
    )
    lines = [
        f"{programme.title}, {run.period.label} (read up to "
        f"{min(run.period.end, run.as_of).isoformat()}): {counted(run.overall.cohort, one, many)}",
    ]
    lines += ["  " + line for line in stage_table(run.overall)]
    lines.append("")
    for m in run.overall.measures:
        target = "" if m.target is None else f", target {m.target:g}%"
        lines.append(f"{m.label}: {_pct(m.rate)} ({m.numerator} of {m.denominator}{target})")
    if figures.coverage is not None and programme.coverage is not None:
        cover = figures.coverage
        lines.append(
            f"{programme.coverage.label} on {cover.day.isoformat()}: {_pct(cover.rate)} "
            f"({cover.covered} of {cover.eligible} eligible residents)"
        )
    national = programme.national
    gap = figures.national_gap
    against = "" if gap is None else f"; here {gap:+.1f} points"
    lines += textwrap.wrap(
        f"National ({national.measure}): {national.value:g}% in {national.area}, "
        f"{national.as_of.isoformat()}{against}. Source: {national.source}",
        width=80,
        subsequent_indent="  ",
    )
    if figures.conversations is not None:
        lines += ["", *conversation_lines(figures, one, many)]
    for group, counts in run.groups.items():
        lines += ["", f"{run.breakdown} {group}: {counted(counts.cohort, one, many)}"]
        lines += ["  " + line for line in stage_table(counts)]
    return lines


def stage_table(counts: CascadeCounts) -> list[str]:
    """One line a stage: count of the stage before, rate, median days, met the standard."""
    rows = []
    for stage in counts.stages:
        standard = (
            ""
            if stage.within_days is None or stage.on_time is None
            else f"{stage.on_time} within {counted(stage.within_days, 'day')}"
        )
        rows.append(
            (
                stage.label,
                f"{stage.count} of {stage.of}",
                _pct(stage.rate),
                _days(stage.median_days),
                standard,
            )
        )
    return plain_table(
        rows, headings=("Stage", "People", "Rate", "Median wait", "Standard"), width=78
    )


def conversation_lines(figures: ProgrammeFigures, one: str, many: str) -> list[str]:
    """The period's conversations about the programme: how many, reach, outcomes, barriers."""
    from outreach.rules.programme import load_programme

    talks = figures.conversations
    assert talks is not None
    held, reach = talks.conversations, talks.reach
    lines = [
        f"Conversations about it: {held.count} ({held.one_to_one} one-to-one, "
        f"{counted(held.group, 'group')}), {counted(held.people, 'person', 'people')} "
        f"reached, {counted(held.minutes, 'minute')}",
        f"  Reach: {_pct(reach.rate)} ({reach.reached} of {counted(reach.uncovered, one, many)} "
        "had a one-to-one about it)",
    ]
    outcome_labels = load_programme().outcome_codes
    for code, n in talks.outcomes.items():
        lines.append(f"  Outcome {outcome_labels.get(code, code)}: {n}")
    labels = figures.programme.barrier_codes
    for code, (n, people) in talks.barriers.items():
        lines.append(
            f"  Barrier {labels.get(code, code)}: {counted(n, 'conversation')}, "
            f"{counted(people, 'person', 'people')}"
        )
    return lines
