"""Who is being missed: every group of every equity field that is below the site's rate on a
measure, the biggest gap first (coverage today, uptake of this year's offers, reach this
year)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Footer, Static

from outreach.clock import today
from outreach.tui.base import DataScreen
from outreach.tui.messages import Failed, MissedLoaded
from outreach.tui.text import row, shown_lines
from outreach.tui.widgets.site_header import SiteHeader

if TYPE_CHECKING:
    from outreach.stats.equity import EquityFigures
    from outreach.store.store import Store

EMPTY = (
    "No group is below the site's rate. Record ethnic group, disability, learning "
    "disability, first language and interpreter on each person (or import them) to see "
    "who is being missed."
)


def load_missed(store: Store, *, as_of: date) -> list[EquityFigures]:
    """Every measure of cervical screening by each equity field (runs in a worker)."""
    from outreach.rules.equity import equity_fields
    from outreach.stats.equity import equity_figures

    return [equity_figures(store, field.by, as_of=as_of) for field in equity_fields()]


def missed_rows(figures: list[EquityFigures]) -> list[tuple[str, str, str, str, str, str]]:
    """(gap, measure, field, group, n/of, rate vs site) for every group below its measure's
    site rate, across every field, the biggest gap first."""
    found = []
    for by_field in figures:
        site = {m.label: m.rate for m in by_field.measures}
        for item in by_field.missed():
            g = item.group
            gap = g.gap or 0.0
            found.append(
                (
                    gap,
                    -g.denominator,
                    (
                        f"{gap:+.1f}",
                        item.measure,
                        by_field.label,
                        g.label,
                        f"{g.numerator}/{g.denominator}",
                        f"{g.rate or 0:.0f}% vs {site[item.measure] or 0:.0f}%",
                    ),
                )
            )
    found.sort(key=lambda r: (r[0], r[1]))
    return [r[2] for r in found]


class MissedScreen(DataScreen):
    """Groups below the site's rate, biggest gap first; esc goes back."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.go('dashboard')", "Back", id="missed.back"),
    ]

    def compose(self) -> ComposeResult:
        yield SiteHeader("Who is being missed")
        yield Static("Loading…", id="missed-status", classes="muted")
        yield DataTable(id="missed", cursor_type="row", zebra_stripes=True)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns("Gap", "Measure", "Field", "Group", "n/of", "Rate")
        self.reload()

    def reload(self) -> None:
        self.call(MissedLoaded, load_missed, as_of=today())

    @on(MissedLoaded)
    def _loaded(self, message: MissedLoaded) -> None:
        rows = missed_rows(message.data)
        table = self.query_one(DataTable)
        table.clear()
        table.add_rows([row(*r) for r in rows])
        status = self.query_one("#missed-status", Static)
        if rows:
            status.update(
                "Points below the site's rate: coverage today; uptake of this year's offers "
                "and reach (uncovered people a mentor talked to one-to-one) this year. "
                "Not stated: never asked; declined: asked, chose not to say."
            )
        else:
            status.update(EMPTY)

    @on(Failed)
    def _failed(self, message: Failed) -> None:
        self.query_one("#missed-status", Static).update(shown_lines(message.error))
