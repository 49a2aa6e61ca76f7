"""``outreach stats`` and ``outreach targets set|list``: the measures against their targets."""

from __future__ import annotations

import json
from datetime import date
from typing import TYPE_CHECKING, Annotated

import typer

from outreach.cli import app
from outreach.cli.common import JsonOption, StoreOption, UserOption, errors_shown, say, unlock
from outreach.cli.tables import plain_table
from outreach.errors import ValidationError
from outreach.wording import counted

if TYPE_CHECKING:
    from pathlib import Path

    from outreach.rules.cascade import CascadeProgramme
    from outreach.stats.dashboard import Dashboard
    from outreach.stats.period import Period

targets = typer.Typer(
    help="Set and list targets for coverage, uptake and reach.", no_args_is_help=True
)
app.add_typer(targets, name="targets")


def _day(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ValidationError(option, f"{text!r} is not a date (write 2024-03-31)") from None


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}%"


@app.command()
def stats(
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Measure as on this date (YYYY-MM-DD; default today)."),
    ] = None,
    period: Annotated[
        str | None,
        typer.Option(
            "--period",
            help="Calendar year, quarter or month: 2024, 2024-Q1 or 2024-03 "
            "(default: the year holding the as-of date).",
        ),
    ] = None,
    programme: Annotated[
        str,
        typer.Option(
            "--programme",
            help="The programme: cervical-screening (the default), or any other file in "
            "schema/programmes (outreach programmes lists them).",
        ),
    ] = "cervical-screening",
    by: Annotated[
        str | None,
        typer.Option(
            "--by",
            help="Break every measure down by an equity field (ethnicity, disability, "
            "learning-disability, language, interpreter), with each group's gap to the "
            "site; or, for a testing programme, by unit.",
        ),
    ] = None,
    as_json: JsonOption = False,
    store: StoreOption = None,
    user: UserOption = None,
) -> None:
    """Coverage, uptake, reach and outreach figures, against the targets set; for a testing
    programme (--programme), its cascade stage by stage, measures and national figure."""
    from outreach.stats.dashboard import dashboard
    from outreach.stats.period import Period

    with errors_shown():
        day = _day(as_of, "--as-of")
        chosen = Period.parse(period) if period is not None else None
        rules = _programme(programme)
        if by is not None and by.strip() in _equity_names():
            _equity_stats(programme.strip(), by.strip(), day, chosen, as_json, store, user)
            return
        if rules is not None:
            _cascade_stats(rules, day, chosen, by, as_json, store, user)
            return
        if by is not None:
            raise ValidationError(
                "--by",
                f"{by!r} is not a breakdown of cervical screening "
                f"(one of {', '.join(_equity_names())}; by unit and age band on the dashboard)",
            )
        with unlock(store, user) as opened:
            board = dashboard(opened, as_of=day, period=chosen)
    if as_json:
        say(json.dumps(board.to_json(), indent=2))
    else:
        say("\n".join(summary_lines(board)))


def _equity_names() -> list[str]:
    from outreach.rules.equity import equity_fields

    return [field.by for field in equity_fields()]


def _equity_stats(
    programme: str,
    by: str,
    day: date | None,
    period: Period | None,
    as_json: bool,
    store: Path | None,
    user: str | None,
) -> None:
    from outreach.cli.equity_text import equity_lines
    from outreach.stats.equity import equity_figures

    with unlock(store, user) as opened:
        figures = equity_figures(opened, by, programme=programme, as_of=day, period=period)
    if as_json:
        say(json.dumps(figures.to_json(), indent=2))
    else:
        say("\n".join(equity_lines(figures)))


def _programme(key: str) -> CascadeProgramme | None:
    """The cascade programme ``key``; None for the recall programme (cervical screening)."""
    from outreach.rules.cascade import load_any

    try:
        rules = load_any(key.strip())
    except ValueError:
        from outreach.rules.programme import programme_keys

        raise ValidationError(
            "--programme", f"no programme {key!r} (one of {', '.join(programme_keys())})"
        ) from None
    from outreach.rules.cascade import CascadeProgramme

    return rules if isinstance(rules, CascadeProgramme) else None


def _cascade_stats(
    rules: CascadeProgramme,
    day: date | None,
    period: Period | None,
    by: str | None,
    as_json: bool,
    store: Path | None,
    user: str | None,
) -> None:
    from outreach.cli.programme_text import cascade_lines
    from outreach.queries.cascade import BREAKDOWNS
    from outreach.stats.cascade import programme_figures

    if by is not None and by not in BREAKDOWNS:
        raise ValidationError("--by", f"{by!r} is not a breakdown (one of {', '.join(BREAKDOWNS)})")
    with unlock(store, user) as opened:
        figures = programme_figures(opened, rules, as_of=day, period=period, breakdown=by)
    if as_json:
        say(json.dumps(figures.to_json(), indent=2))
    else:
        say("\n".join(cascade_lines(figures)))


def summary_lines(board: Dashboard) -> list[str]:
    """The dashboard as lines of text for a person."""
    cov = board.coverage
    lines = [
        f"Coverage on {board.as_of.isoformat()}: {_pct(cov.rate)} "
        f"({cov.covered} of {cov.eligible} eligible residents covered)",
    ]
    for band, (eligible, covered) in cov.by_age_band.items():
        rate = _pct(100.0 * covered / eligible if eligible else None)
        lines.append(f"  aged {band}: {rate} ({covered} of {eligible})")
    for unit, (eligible, covered) in cov.by_unit.items():
        rate = _pct(100.0 * covered / eligible if eligible else None)
        lines.append(f"  {unit}: {rate} ({covered} of {eligible})")
    if board.targets:
        lines.append("")
        lines.append("Targets:")
    for p in board.targets:
        t = p.target
        scope = f" in {t.unit}" if t.unit else ""
        track = {True: "on track", False: "behind the line", None: "no figure yet"}[p.on_track]
        baseline = (
            f", baseline {t.baseline:g}% on {t.baseline_on.isoformat()}"
            if t.baseline is not None and t.baseline_on is not None
            else ""
        )
        # With nobody in the denominator there is no figure: 0 would say the target is met.
        needed_text = (
            "more people needed: no figure yet"
            if p.needed is None
            else f"{p.needed} more people to reach the target"
        )
        lines.append(
            f"  {t.measure}{scope}: {_pct(p.value)} against {t.value:g}% by "
            f"{t.target_on.isoformat()}{baseline}; {track} (line {p.expected:.1f}%); {needed_text}"
        )
    trend = "  ".join(f"{c.day:%b %y} {_pct(c.rate)}" for c in board.trend)
    lines += ["", f"Monthly coverage: {trend}", ""]
    up, reach, col = board.uptake, board.reach, board.colposcopy
    act = board.activity
    conv = act.conversations
    lines += [
        f"Period {board.period.label} (read up to {min(board.period.end, board.as_of)}):",
        f"  Uptake: {_pct(up.rate)} ({up.tested} of {up.denominator} offers tested within "
        f"the window; {up.pending} pending)",
        f"  Reach: {_pct(reach.rate)} ({reach.reached} of {reach.uncovered} uncovered people "
        "had a one-to-one conversation)",
        f"  Conversations: {conv.count} ({conv.one_to_one} one-to-one, {conv.group} group, "
        f"{conv.attendees} attending), {counted(conv.people, 'person', 'people')}, "
        f"{counted(conv.minutes, 'minute')}",
    ]
    for name, (count, minutes) in conv.by_mentor.items():
        lines.append(
            f"    mentor {name}: {counted(count, 'conversation')}, {counted(minutes, 'minute')}"
        )
    for code, (count, minutes) in conv.by_setting.items():
        lines.append(
            f"    setting {code}: {counted(count, 'conversation')}, {counted(minutes, 'minute')}"
        )
    for code, (count, people) in act.barriers.items():
        lines.append(
            f"    barrier {code}: {counted(count, 'conversation')}, "
            f"{counted(people, 'person', 'people')}"
        )
    for code, count in act.outcomes.items():
        lines.append(f"    outcome {code}: {count}")
    wait = act.days_to_test
    median = "-" if wait.median_days is None else f"{wait.median_days:g} days"
    if wait.median_days == 1:
        median = "1 day"
    fu = act.follow_ups
    lines += [
        f"  First conversation to test: {wait.tested} of {wait.people} tested, median {median}",
        f"  Follow-ups: {fu.open} open, {fu.overdue} overdue; {fu.completed} completed, "
        f"{fu.completed_on_time} on time",
        f"  Colposcopy: {col.referred} referred, {col.within_2_weeks} attended within 2 weeks, "
        f"{col.within_6_weeks} within 6 weeks, {col.pending} pending",
    ]
    return lines


@targets.command("set")
def targets_set(
    measure: Annotated[str, typer.Argument(help="coverage, uptake or reach.")],
    value: Annotated[float, typer.Argument(help="The target, a percentage (90 = 90%).")],
    by: Annotated[str, typer.Option("--by", help="Date to reach it by (YYYY-MM-DD).")],
    baseline: Annotated[
        float | None, typer.Option("--baseline", help="Baseline value, a percentage.")
    ] = None,
    baseline_date: Annotated[
        str | None, typer.Option("--baseline-date", help="Date of the baseline (YYYY-MM-DD).")
    ] = None,
    unit: Annotated[
        str | None, typer.Option("--unit", help="A unit's name (coverage only; default: site).")
    ] = None,
    programme: Annotated[
        str,
        typer.Option(
            "--programme",
            help="The programme (default cervical-screening); a testing programme's measures "
            "are its file's, e.g. tested or treated for bbv-hepatitis-c.",
        ),
    ] = "cervical-screening",
    store: StoreOption = None,
    user: UserOption = None,
) -> None:
    """Set a target (replacing the one for the same programme, measure and scope)."""
    from outreach.services.targets import SetTarget, set_target

    with errors_shown():
        target_on = _day(by, "--by")
        assert target_on is not None
        baseline_on = _day(baseline_date, "--baseline-date")
        with unlock(store, user) as opened:
            row = set_target(
                opened,
                SetTarget(
                    measure=measure,
                    value=value,
                    baseline=baseline,
                    baseline_on=baseline_on,
                    target_on=target_on,
                    unit=unit,
                    programme=programme.strip(),
                ),
            )
    scope = f" in {row.unit}" if row.unit else ""
    whose = "" if programme.strip() == "cervical-screening" else f"{programme.strip()} "
    say(f"Target set: {whose}{row.measure}{scope} {row.value:g}% by {row.target_on.isoformat()}.")


@targets.command("list")
def targets_list(
    as_json: JsonOption = False,
    programme: Annotated[
        str, typer.Option("--programme", help="The programme (default cervical-screening).")
    ] = "cervical-screening",
    store: StoreOption = None,
    user: UserOption = None,
) -> None:
    """List the targets set for a programme."""
    from outreach.services.targets import list_targets

    with errors_shown(), unlock(store, user) as opened:
        rows = list_targets(opened, programme=programme.strip())
    if as_json:
        say(
            json.dumps(
                [
                    {
                        "measure": r.measure,
                        "unit": r.unit,
                        "target": r.value,
                        "target_on": r.target_on.isoformat(),
                        "baseline": r.baseline,
                        "baseline_on": r.baseline_on.isoformat() if r.baseline_on else None,
                    }
                    for r in rows
                ],
                indent=2,
            )
        )
        return
    if not rows:
        say("No targets set: outreach targets set coverage 90 --by 2026-12-31")
    table = []
    for r in rows:
        baseline = (
            f" (baseline {r.baseline:g}% on {r.baseline_on.isoformat()})"
            if r.baseline is not None and r.baseline_on is not None
            else ""
        )
        table.append(
            (r.measure, r.unit or "site", f"{r.value:g}% by {r.target_on.isoformat()}{baseline}")
        )
    for line in plain_table(table, wrap=(1, 2)):
        say(line)
