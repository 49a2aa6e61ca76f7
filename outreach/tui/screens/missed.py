"""Who is being missed: every group of every equity field that is below the site's rate on a
measure of the programme the dashboard shows, the biggest gap first. Cervical screening:
coverage today, uptake of this year's offers, reach this year. A testing programme: coverage
(where it has it), every stage of this year's cascade, each measure and reach this year.
``n`` moves on to the next programme here as on the dashboard."""

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
from outreach.tui.programme_choice import CERVICAL, next_programme, shown_programme
from outreach.tui.text import row, shown_lines
from outreach.tui.widgets.site_header import SiteHeader

if TYPE_CHECKING:
    from outreach.stats.equity import EquityFigures
    from outreach.store.store import Store

TITLE = "Who is being missed"
EMPTY = (
    "No group is below the site's rate. Record ethnic group, disability, learning "
    "disability, first language and interpreter on each person (or import them) to see "
    "who is being missed."
)
CERVICAL_NOTE = (
    "coverage today; uptake of this year's offers and reach (uncovered people a mentor "
    "talked to one-to-one) this year."
)
CASCADE_NOTE = (
    "each stage of this year's cascade (of those at the stage before), each measure, "
    "reach this year (people it follows a mentor talked to one-to-one about it) and "
    "coverage today where the programme has it."
)
GROUPS_NOTE = "Not stated: never asked; declined: asked, chose not to say. n: next programme."


def load_missed(store: Store, *, as_of: date, programme: str = CERVICAL) -> list[EquityFigures]:
    """Every measure of ``programme`` by each equity field (runs in a worker)."""
    from outreach.rules.equity import equity_fields
    from outreach.stats.equity import equity_figures

    return [
        equity_figures(store, field.by, programme=programme, as_of=as_of)
        for field in equity_fields()
    ]


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
    """Groups below the site's rate on the chosen programme, biggest gap first; ``n`` moves
    on to the next programme, esc goes back."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.go('dashboard')", "Back", id="missed.back"),
        Binding("n,ctrl+n", "next_programme", "Programme", id="missed.programme", key_display="n"),
    ]

    def compose(self) -> ComposeResult:
        yield SiteHeader(TITLE)
        yield Static("Loading…", id="missed-status", classes="muted")
        yield DataTable(id="missed", cursor_type="row", zebra_stripes=True)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns("Gap", "Measure", "Field", "Group", "n/of", "Rate")
        self.reload()

    def on_screen_resume(self) -> None:
        # The dashboard's n may have moved the programme on since this screen was drawn.
        if self._asked != shown_programme(self.app):
            self.reload()

    _asked = CERVICAL
    """The programme last asked for."""

    def action_next_programme(self) -> None:
        """Show the next programme (the dashboard follows: it is one choice)."""
        next_programme(self.app)
        self.reload()

    def reload(self) -> None:
        self._asked = key = shown_programme(self.app)
        self.query_one(DataTable).clear()
        self.query_one("#missed-status", Static).update(shown_lines(f"{_title(key)}: loading…"))
        self.call(MissedLoaded, load_missed, programme=key, as_of=today())

    @on(MissedLoaded)
    def _loaded(self, message: MissedLoaded) -> None:
        if not message.data or message.data[0].programme != self._asked:
            return  # moved on since it was asked for
        rows = missed_rows(message.data)
        table = self.query_one(DataTable)
        table.clear()
        table.add_rows([row(*r) for r in rows])
        status = self.query_one("#missed-status", Static)
        title = message.data[0].title
        if rows:
            note = CERVICAL_NOTE if self._asked == CERVICAL else CASCADE_NOTE
            status.update(
                shown_lines(f"{title}, points below the site's rate: {note} {GROUPS_NOTE}")
            )
        else:
            status.update(shown_lines(f"{title}: {EMPTY}"))

    @on(Failed)
    def _failed(self, message: Failed) -> None:
        self.query_one("#missed-status", Static).update(shown_lines(message.error))


def _title(key: str) -> str:
    from outreach.rules.cascade import load_any

    return load_any(key).title
