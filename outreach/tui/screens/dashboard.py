"""The dashboard: coverage against target, what is due, and where outreach is going."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import DataTable, Footer, Sparkline, Static

from outreach.clock import today
from outreach.settings import Settings
from outreach.tui.actions import dashboard_bindings
from outreach.tui.messages import DashboardLoaded, Failed
from outreach.tui.screens.base import DataScreen
from outreach.tui.text import row, shown_lines
from outreach.tui.widgets.coverage_bars import CoverageBars
from outreach.tui.widgets.site_header import SiteHeader
from outreach.wording import counted

if TYPE_CHECKING:
    from outreach.stats.dashboard import Dashboard
    from outreach.store.store import Store

TOP_BARRIERS = 3
PAD = "\u00a0"
"""A space that survives at the start of a line (plain leading spaces are dropped)."""
"""When set, the app exits as soon as the dashboard has first drawn its figures (after
writing the time to the file it names, unless it is "1"): ``python -m
outreach.bench.startup`` times start-up with it."""


@dataclass(frozen=True)
class DashboardView:
    """What the dashboard shows: the month's figures and today's worklist counts."""

    board: Dashboard
    due_today: int
    overdue: int
    oldest_overdue_days: int
    national: float
    barrier_labels: dict[str, str]


def load_dashboard(store: Store, *, as_of: date) -> DashboardView:
    """Read the dashboard's figures (runs in a worker thread)."""
    from outreach.rules.programme import load_programme
    from outreach.services.followups import due_followups
    from outreach.stats.dashboard import dashboard
    from outreach.stats.period import Period

    programme = load_programme()
    board = dashboard(store, as_of=as_of, period=Period.containing(as_of, "month"))
    due = due_followups(store, as_of=as_of, limit=10_000)
    late = [row.days_overdue for row in due if row.days_overdue > 0]
    return DashboardView(
        board=board,
        due_today=sum(1 for row in due if row.days_overdue == 0),
        overdue=len(late),
        oldest_overdue_days=max(late, default=0),
        national=programme.national_coverage.value,
        barrier_labels=dict(programme.barrier_codes),
    )


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}%"


class DashboardScreen(DataScreen):
    """The first screen after unlocking: coverage against target, today's work, the month."""

    BINDINGS: ClassVar[list[BindingType]] = [
        *dashboard_bindings(),
        Binding("r", "refresh", "Refresh", id="dashboard.refresh", show=False),
    ]

    def compose(self) -> ComposeResult:
        yield SiteHeader("Dashboard")
        with VerticalScroll(id="dash"):
            with Vertical(classes="panel", id="coverage-panel"):
                yield Static("Coverage", id="coverage-title", classes="panel-title")
                yield CoverageBars(id="coverage-bars")
                yield Static("", id="coverage-needed")
                with Horizontal(id="trend-row"):
                    yield Static("12 months", id="trend-label")
                    yield Sparkline([], id="trend")
                    yield Static("", id="trend-ends")
            with Horizontal(id="dash-middle"):
                with Vertical(classes="panel", id="today-panel"):
                    yield Static("Today", classes="panel-title")
                    yield Static("", id="today")
                with Vertical(classes="panel", id="barriers-panel"):
                    yield Static("Top barriers this month", classes="panel-title")
                    yield Static("", id="barriers")
            yield DataTable(id="units", cursor_type="row", zebra_stripes=True)
        yield Footer(compact=True)

    _shown_once = False

    def on_mount(self) -> None:
        table = self.query_one("#units", DataTable)
        table.add_column("Unit", key="unit")
        table.add_column("Eligible", key="eligible")
        table.add_column("Covered", key="covered")
        table.add_column("Coverage", key="rate")
        self.action_refresh()

    def on_screen_resume(self) -> None:
        # Back from a form or another screen: the figures may have moved. (The first resume
        # comes with the first showing, while on_mount's load is still running.)
        if self._shown_once:
            self.action_refresh()

    def action_refresh(self) -> None:
        self.call(DashboardLoaded, load_dashboard, as_of=today())

    @on(DashboardLoaded)
    def _loaded(self, message: DashboardLoaded) -> None:
        self._show(message.data)

    @on(Failed)
    def _failed(self, message: Failed) -> None:
        self.query_one("#coverage-needed", Static).update(shown_lines(message.error))

    def _show(self, view: DashboardView) -> None:
        self._draw(view)
        if not self._shown_once and _ready_marker(self.app):
            self.call_after_refresh(_ready, self.app)
        self._shown_once = True

    def _draw(self, view: DashboardView) -> None:
        board = view.board
        cov = board.coverage
        site_target = next(
            (t for t in board.targets if t.target.measure == "coverage" and t.target.unit is None),
            None,
        )
        rows: list[tuple[str, float | None, str]] = [("This site", cov.rate, "green")]
        if site_target is not None:
            rows.append(("Target", site_target.target.value, "cyan"))
            if site_target.target.baseline is not None:
                rows.append(("Baseline", site_target.target.baseline, "grey50"))
        rows.append(("National", view.national, "grey50"))
        self.query_one(CoverageBars).show(rows)
        self.query_one("#coverage-title", Static).update(
            f"Coverage on {board.as_of:%d %b %Y}: {cov.covered} of {cov.eligible} eligible "
            f"covered ({_pct(cov.rate)})"
        )
        self.query_one("#coverage-needed", Static).update(_needed_line(site_target))
        points = [c.rate for c in board.trend if c.rate is not None]
        self.query_one("#trend", Sparkline).data = points
        ends = f"{points[0]:.0f}% → {points[-1]:.0f}%" if points else "no data"
        self.query_one("#trend-ends", Static).update(ends)
        conv = board.activity.conversations
        today_lines = [
            f"{counted(view.due_today, 'follow-up')} due today",
            f"{view.overdue} overdue"
            + (f" (oldest {counted(view.oldest_overdue_days, 'day')})" if view.overdue else ""),
            f"{counted(conv.count, 'conversation')} this month",
            f"{PAD * 2}{counted(conv.people, 'person', 'people')} reached, "
            f"{counted(conv.minutes, 'minute')}",
        ]
        self.query_one("#today", Static).update("\n".join(today_lines))
        top = sorted(board.activity.barriers.items(), key=lambda kv: (-kv[1][1], kv[0]))
        lines = [
            f"{people:>3}".replace(" ", PAD) + f"  {view.barrier_labels.get(code, code)}"
            for code, (_, people) in top[:TOP_BARRIERS]
        ]
        self.query_one("#barriers", Static).update(
            shown_lines("\n".join(lines) or "None raised yet")
        )
        table = self.query_one("#units", DataTable)
        table.clear()
        for unit, (eligible, covered) in sorted(cov.by_unit.items()):
            rate = 100.0 * covered / eligible if eligible else None
            table.add_row(*row(unit, eligible, covered, _pct(rate)))


def _ready_marker(app: object) -> str:
    settings = getattr(app, "settings", None)
    return settings.exit_when_ready if isinstance(settings, Settings) else ""


def _ready(app: object) -> None:
    """Start-up benchmark hook: the first figures have reached the terminal. Writes the
    wall-clock time to the file ``OUTREACH_EXIT_WHEN_READY`` names (when it is not "1"),
    then exits."""
    import time

    marker = _ready_marker(app)
    if marker not in ("", "1"):
        with open(marker, "w", encoding="utf-8") as out:
            out.write(f"{time.time():.6f}\n")
    app.exit()  # type: ignore[attr-defined]


def _needed_line(site_target: object) -> str:
    from outreach.stats.progress import TargetProgress

    if not isinstance(site_target, TargetProgress):
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
