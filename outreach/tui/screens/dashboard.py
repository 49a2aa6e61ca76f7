"""The dashboard: coverage against target, what is due, and where outreach is going.

``n`` (or ctrl+n) moves to the next programme: cervical screening first, then each testing
programme in ``schema/programmes`` (blood-borne viruses, bowel), shown as this year's cascade
stage by stage, its measures against their targets and the national figure, and the headline
measure by unit, lowest first.

It draws in two steps. The headline (coverage today, the targets, today's follow-ups) comes
from the cheapest statements in one worker and is drawn as soon as it arrives; the 12-month
trend, the month's conversations and barriers come from the full figures in a second worker
and fill in after.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Footer, Static

from outreach.clock import today
from outreach.settings import Settings
from outreach.text import visible
from outreach.tui.actions import dashboard_bindings
from outreach.tui.base import DataScreen
from outreach.tui.collection import resume_collection
from outreach.tui.messages import (
    ConflictsCounted,
    DashboardLoaded,
    DashboardView,
    Failed,
    HeadlineLoaded,
    HeadlineView,
    ProgrammeLoaded,
)
from outreach.tui.programme_choice import (
    CERVICAL,
    next_programme,
    shown_programme,
)
from outreach.tui.programme_choice import (
    programme_choices as programme_choices,  # its name here before it was shared
)
from outreach.tui.text import shown_lines
from outreach.tui.widgets.site_header import SiteHeader
from outreach.tui.widgets.trend_chart import TrendChart, TrendPoint
from outreach.tui.widgets.unit_coverage import UnitCoverage, UnitLine
from outreach.wording import counted

if TYPE_CHECKING:
    from outreach.stats.cascade import ProgrammeFigures
    from outreach.stats.progress import TargetProgress
    from outreach.store.store import Store

PAD = "\u00a0"
"""A space that survives at the start of a line (plain leading spaces are dropped)."""
WAITING = "…"
NEXT_HINT = "n: next programme"
BARRIERS_TITLE = "Barriers raised this month{count}: people who raised each"


def open_conflicts(store: Store) -> int:
    """How many sync conflicts wait for a person (the dashboard's line shows when any do)."""
    from outreach.services.sync_conflicts import open_count

    return open_count(store)


def load_headline(store: Store, *, as_of: date) -> HeadlineView:
    """Read the headline figures (runs in a worker thread; the cheap half)."""
    from outreach.rules.programme import load_programme
    from outreach.services.followups import due_followups
    from outreach.stats.headline import headline

    programme = load_programme()
    top = headline(store, as_of=as_of, programme=programme)
    due = due_followups(store, as_of=as_of, limit=10_000)
    late = [row.days_overdue for row in due if row.days_overdue > 0]
    return HeadlineView(
        headline=top,
        due_today=sum(1 for row in due if row.days_overdue == 0),
        overdue=len(late),
        oldest_overdue_days=max(late, default=0),
        national=programme.national_coverage.value,
    )


def load_details(store: Store, *, as_of: date) -> DashboardView:
    """Read the month's full figures (runs in a worker thread; the slower half)."""
    from outreach.rules.programme import load_programme
    from outreach.stats.dashboard import dashboard
    from outreach.stats.period import Period

    programme = load_programme()
    board = dashboard(
        store, as_of=as_of, period=Period.containing(as_of, "month"), programme=programme
    )
    return DashboardView(
        board=board,
        barrier_labels=dict(programme.barrier_codes),
        national=programme.national_coverage.value,
    )


def load_programme_view(store: Store, *, key: str, as_of: date) -> ProgrammeFigures:
    """Read a testing programme's figures for this year to ``as_of`` (in a worker thread)."""
    from outreach.rules.cascade import load_cascade
    from outreach.stats.cascade import programme_figures
    from outreach.stats.period import Period

    return programme_figures(
        store, load_cascade(key), as_of=as_of, period=Period.year(as_of.year), breakdown="unit"
    )


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}%"


class DashboardScreen(DataScreen):
    """The first screen after unlocking: coverage against target, today's work, the month."""

    BINDINGS: ClassVar[list[BindingType]] = [
        *dashboard_bindings(),
        Binding("r", "refresh", "Refresh", id="dashboard.refresh", show=False),
        # Named on the panel it changes, not in the footer: at 80 columns the footer has
        # no room left for it before "? Help".
        Binding(
            "n,ctrl+n",
            "next_programme",
            "Next programme",
            id="dashboard.programme",
            key_display="n",
            show=False,
        ),
    ]

    def compose(self) -> ComposeResult:
        yield SiteHeader("Dashboard")
        with VerticalScroll(id="dash"):
            conflicts = Static("", id="conflicts-line")
            conflicts.display = False
            yield conflicts
            with Vertical(classes="panel", id="headline-panel") as headline:
                headline.border_title = "Cervical screening: coverage"
                headline.border_subtitle = NEXT_HINT
                yield Static(WAITING, id="headline")
            with Horizontal(id="dash-middle"):
                with Vertical(classes="panel", id="trend-panel") as trend:
                    trend.border_title = "12 months"
                    trend.border_subtitle = "coverage ⣿  target ─  national ·"
                    yield TrendChart(id="trend")
                with Vertical(classes="panel", id="units-panel") as units:
                    units.border_title = "Units, lowest first"
                    yield UnitCoverage(id="units")
            with Vertical(classes="panel", id="barriers-panel") as barriers:
                barriers.border_title = BARRIERS_TITLE.format(count="")
                yield Static(WAITING, id="barriers")
            with Vertical(classes="panel", id="programme-panel") as other:
                other.display = False
                other.border_subtitle = NEXT_HINT
                yield Static(WAITING, id="programme")
        yield Footer(compact=True)

    _shown_programme = CERVICAL
    """The programme the panels are laid out for (the application's choice, once drawn)."""

    def action_next_programme(self) -> None:
        """Show the next programme (after the last, cervical screening again)."""
        next_programme(self.app)
        self._show_programme()

    def _show_programme(self) -> None:
        """Lay the panels out for the application's programme, and read it if it is not
        cervical screening (whose figures the other panels hold)."""
        key = shown_programme(self.app)
        self._shown_programme = key
        cervical = key == CERVICAL
        for panel in ("#headline-panel", "#dash-middle", "#barriers-panel"):
            self.query_one(panel).display = cervical
        self.query_one("#programme-panel").display = not cervical
        if not cervical:
            self.query_one("#programme", Static).update(WAITING)
            self._load_programme()

    def _load_programme(self) -> None:
        key = shown_programme(self.app)
        self.query_one("#programme-panel").border_title = key
        self.call(ProgrammeLoaded, load_programme_view, key=key, as_of=today())

    @on(ProgrammeLoaded)
    def _programme_loaded(self, message: ProgrammeLoaded) -> None:
        figures = message.data
        if shown_programme(self.app) != figures.programme.key:
            return  # moved on since it was asked for
        self.query_one("#programme-panel").border_title = figures.programme.title
        self.query_one("#programme", Static).update(Text("\n").join(programme_lines(figures)))

    _shown_once = False
    """Set once every figure has been drawn (the headline and the details)."""
    _headline_shown = False
    _headline: HeadlineView | None = None
    _details: DashboardView | None = None

    def on_mount(self) -> None:
        if shown_programme(self.app) != CERVICAL:
            self._show_programme()
        self.action_refresh()

    def on_screen_resume(self) -> None:
        # Back from another screen, "Who is being missed" among them, where n may have
        # chosen another programme: show the one chosen.
        if shown_programme(self.app) != self._shown_programme:
            self._show_programme()
        # Back from a form or another screen: the figures may have moved. (The first resume
        # comes with the first showing, while on_mount's load is still running.)
        if self._shown_once:
            self.action_refresh()

    def action_refresh(self) -> None:
        day = today()
        # Looked up at call time (not bound at import) so a test can hold either half back.
        self.call(HeadlineLoaded, load_headline, as_of=day)
        self.call(DashboardLoaded, load_details, as_of=day)
        self.call(ConflictsCounted, open_conflicts)
        if shown_programme(self.app) != CERVICAL:
            self._load_programme()

    @on(ConflictsCounted)
    def _conflicts_counted(self, message: ConflictsCounted) -> None:
        line = self.query_one("#conflicts-line", Static)
        line.display = message.data > 0
        line.update(f"{counted(message.data, 'sync conflict')} waiting for a person: f to review")

    @on(HeadlineLoaded)
    def _headline_loaded(self, message: HeadlineLoaded) -> None:
        self._headline = message.data
        self._draw_headline()
        self._headline_shown = True
        self._drawn()

    @on(DashboardLoaded)
    def _details_loaded(self, message: DashboardLoaded) -> None:
        self._details = message.data
        self._draw_details()
        if self._headline is not None:
            # The line of the month's conversations sits in the headline panel.
            self._draw_headline()
        self._drawn()

    def _drawn(self) -> None:
        # The two halves may arrive in either order: the screen is whole once both have.
        if self._shown_once or self._headline is None or self._details is None:
            return
        if _ready_marker(self.app):
            self.call_after_refresh(_ready, self.app)
        # Start-up is over once the first figures are on screen (see outreach.tui.collection).
        self.call_after_refresh(resume_collection)
        self._shown_once = True

    @on(Failed)
    def _failed(self, message: Failed) -> None:
        self.query_one("#headline", Static).update(shown_lines(message.error))

    def _draw_headline(self) -> None:
        view = self._headline
        assert view is not None
        top = view.headline
        cov = top.coverage
        lines = [
            Text.assemble(
                (f"{_pct(cov.rate)} covered", "bold"),
                f" on {top.as_of:%d %b %Y}: {cov.covered} of {cov.eligible} eligible",
            ),
            Text(_needed_line(top.site)),
            Text(_comparison_line(top.site, view.national)),
            Text(
                f"Follow-ups: {view.due_today} due today, {view.overdue} overdue"
                + (f" (oldest {counted(view.oldest_overdue_days, 'day')})" if view.overdue else "")
            ),
        ]
        if self._details is not None:
            conv = self._details.board.activity.conversations
            lines.append(
                Text(
                    f"This month: {counted(conv.count, 'conversation')}, "
                    f"{counted(conv.people, 'person', 'people')} reached, "
                    f"{counted(conv.minutes, 'minute')}"
                )
            )
        else:
            lines.append(Text(f"This month: {WAITING}"))
        self.query_one("#headline", Static).update(Text("\n").join(lines))
        self.query_one(UnitCoverage).show(
            [
                UnitLine(
                    name=unit,
                    eligible=eligible,
                    covered=covered,
                    target=top.by_unit[unit].target.value if unit in top.by_unit else None,
                )
                for unit, (eligible, covered) in cov.by_unit.items()
            ]
        )

    def _draw_details(self) -> None:
        view = self._details
        assert view is not None
        board = view.board
        site_target = next(
            (t for t in board.targets if t.target.measure == "coverage" and t.target.unit is None),
            None,
        )
        self.query_one(TrendChart).show(
            [TrendPoint(c.day, c.rate) for c in board.trend],
            target=site_target.target.value if site_target is not None else None,
            national=view.national,
        )
        first, last = board.trend[0], board.trend[-1]
        trend_panel = self.query_one("#trend-panel")
        trend_panel.border_title = f"12 month ends: {_pct(first.rate)} → {_pct(last.rate)}"
        top = sorted(board.activity.barriers.items(), key=lambda kv: (-kv[1][1], kv[0]))
        lines = [
            Text(
                f"{people:>3}".replace(" ", PAD)
                + "  "
                + visible(view.barrier_labels.get(code, code))
            )
            for code, (_, people) in top
        ]
        # How many there are, in the title: at 80x24 the last few may be below the fold.
        self.query_one("#barriers-panel").border_title = BARRIERS_TITLE.format(
            count=f" ({len(lines)})" if lines else ""
        )
        self.query_one("#barriers", Static).update(
            Text("\n").join(lines) if lines else Text("None raised yet")
        )


def programme_lines(figures: ProgrammeFigures) -> list[Text]:
    """A testing programme on the dashboard: its measures against targets and the national
    figure, the cascade stage by stage, and the headline measure by unit, lowest first."""
    programme, run = figures.programme, figures.cascade
    whom = (
        ("reception", "receptions")
        if programme.cohort_from == "arrival"
        else (
            "person sent a kit",
            "people sent a kit",
        )
    )
    lines = [
        Text(
            f"{run.period.label} to {run.as_of:%d %b}: {counted(run.overall.cohort, *whom)}",
            "bold",
        )
    ]
    national = programme.national
    for m in run.overall.measures:
        target = "" if m.target is None else f", target {m.target:g}%"
        lines.append(Text(f"{m.label}: {_pct(m.rate)} ({m.numerator} of {m.denominator}{target})"))
    if figures.coverage is not None and programme.coverage is not None:
        cover = figures.coverage
        lines.append(
            Text(f"Coverage: {_pct(cover.rate)} ({cover.covered} of {cover.eligible} eligible)")
        )
    gap = figures.national_gap
    lines.append(
        Text(
            f"National {national.measure} {national.value:g}% ({national.area})"
            + ("" if gap is None else f": here {gap:+.1f} points")
        )
    )
    lines.append(Text(f"{'Stage':<24}{'People':>11}{'Rate':>8}  Median  Standard", "bold"))
    for stage in run.overall.stages:
        median = "–" if stage.median_days is None else f"{stage.median_days:g}d"
        standard = (
            ""
            if stage.on_time is None or stage.within_days is None
            else f"{stage.on_time} in {stage.within_days}d"
        )
        label = visible(stage.label)
        label = label if len(label) <= 24 else label[:23] + "…"
        lines.append(
            Text(
                f"{label:<24}{f'{stage.count} of {stage.of}':>11}"
                f"{_pct(stage.rate):>8}  {median:<6}  {standard}"
            )
        )
    # By unit: the measure compared nationally, else the programme's first.
    keys = [m.key for m in programme.measures]
    headline = run.overall.measure(national.measure if national.measure in keys else keys[0])
    if run.groups:
        by_unit = sorted(
            ((str(unit), counts.measure(headline.key)) for unit, counts in run.groups.items()),
            key=lambda kv: (kv[1].rate if kv[1].rate is not None else 101.0, kv[0]),
        )
        lines.append(Text(f"{headline.label} by unit, lowest first:", "bold"))
        lines.append(Text("  ".join(f"{visible(unit)} {_pct(m.rate)}" for unit, m in by_unit)))
    return lines


def _ready_marker(app: object) -> str:
    settings = getattr(app, "settings", None)
    return settings.exit_when_ready if isinstance(settings, Settings) else ""


def _ready(app: object) -> None:
    """Start-up benchmark hook: every figure has reached the terminal. Writes the wall-clock
    time to the file ``OUTREACH_EXIT_WHEN_READY`` names (when it is not "1"), then exits."""
    import time

    marker = _ready_marker(app)
    if marker not in ("", "1"):
        with open(marker, "w", encoding="utf-8") as out:
            out.write(f"{time.time():.6f}\n")
    app.exit()  # type: ignore[attr-defined]


def _needed_line(site_target: TargetProgress | None) -> str:
    if site_target is None:
        return "No coverage target set (targets: t)."
    target = site_target.target
    by = f"by {target.target_on:%d %b %Y}"
    if site_target.needed is None:
        return f"Target of {target.value:g}% {by}: no figure yet (no one eligible)."
    if site_target.needed == 0:
        return f"Target of {target.value:g}% {by} reached."
    people = "person" if site_target.needed == 1 else "people"
    track = ""
    if site_target.on_track is not None:
        track = "  on track" if site_target.on_track else "  behind the line to target"
    return f"{site_target.needed} more {people} to reach {target.value:g}% {by}.{track}"


def _comparison_line(site_target: TargetProgress | None, national: float) -> str:
    parts = []
    if site_target is not None and site_target.target.baseline is not None:
        baseline_on = site_target.target.baseline_on
        when = f" on {baseline_on:%d %b %Y}" if baseline_on is not None else ""
        parts.append(f"Baseline {site_target.target.baseline:g}%{when}")
    parts.append(f"national {national:.1f}%" if parts else f"National {national:.1f}%")
    return ", ".join(parts)
