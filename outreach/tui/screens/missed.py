"""Who is being missed: every group of every equity field that is below the site's rate on a
measure of the programme the dashboard shows, the biggest gap first. Cervical screening:
coverage today, uptake of this year's offers, reach this year. A testing programme: coverage
(where it has it), every stage of this year's cascade, each measure and reach this year.
``n`` moves on to the next programme here as on the dashboard."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Footer, Static

from outreach.clock import today
from outreach.rules.disclosure import NHS_HES_2018
from outreach.tui.base import DataScreen
from outreach.tui.messages import Failed, MissedLoaded
from outreach.tui.programme_choice import CERVICAL, next_programme, shown_programme
from outreach.tui.tables import sized
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
    "coverage today, uptake of this year's offers, reach this year (uncovered people a "
    "mentor talked to one-to-one)."
)
CASCADE_NOTE = (
    "each stage of this year's cascade (of those at the stage before; not what tests "
    "found), each measure, reach this year, and coverage today where it has one."
)
GROUPS_NOTE = "Not stated: never asked; declined: chose not to say. n: next programme."


def load_missed(store: Store, *, as_of: date, programme: str = CERVICAL) -> list[EquityFigures]:
    """Every measure of ``programme`` by each equity field (runs in a worker)."""
    from outreach.rules.equity import equity_fields
    from outreach.stats.equity import equity_figures

    return [
        equity_figures(store, field.by, programme=programme, as_of=as_of)
        for field in equity_fields()
    ]


MEASURE_WIDTH = 21
"""Columns of the measure's name; with the group's, the table fits 80 columns (the row's
detail line below the table gives both in full)."""
GROUP_WIDTH = 24
SMALL_FROM = NHS_HES_2018.suppress_to + 1
"""A group of fewer people than this is too small to publish (an export suppresses it)."""
SMALL_HEADING = ("", "Too small to publish", f"(fewer than {SMALL_FROM} people)", "", "", "")
"""The row above the groups too small to publish, listed after the others."""


@dataclass(frozen=True)
class MissedRow:
    """A group below its measure's site rate, as "Who is being missed" lists it."""

    gap: float
    measure: str
    field: str
    group: str
    numerator: int
    denominator: int
    rate: float
    site: float
    small: bool

    def cells(self) -> tuple[str, str, str, str, str, str]:
        """(gap, measure, field: group, n/of, rate, site's rate), names cut to fit."""
        return (
            f"{self.gap:+.1f}",
            _cut(self.measure, MEASURE_WIDTH),
            _cut(f"{self.field}: {self.group}", GROUP_WIDTH),
            f"{self.numerator}/{self.denominator}",
            f"{self.rate:.0f}%",
            f"{self.site:.0f}%",
        )

    def detail(self) -> str:
        """The row in full, in words."""
        small = " Too small to publish." if self.small else ""
        return (
            f"{self.field}, {self.group}: {self.measure} {self.numerator} of "
            f"{self.denominator} ({self.rate:.1f}%) against the site's {self.site:.1f}%, "
            f"{self.gap:+.1f} points.{small}"
        )


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def missed_rows(figures: list[EquityFigures]) -> list[MissedRow]:
    """Every group below its measure's site rate, across every field, the biggest gap first
    (ties: the larger group first); the groups too small to publish after all the others.
    Findings (positivity) are not gaps and are left out (see ``EquityFigures.missed``)."""
    found = []
    for by_field in figures:
        site = {m.label: m.rate for m in by_field.measures}
        for item in by_field.missed():
            g = item.group
            found.append(
                MissedRow(
                    gap=g.gap or 0.0,
                    measure=item.measure,
                    field=by_field.label,
                    group=g.label,
                    numerator=g.numerator,
                    denominator=g.denominator,
                    rate=g.rate or 0.0,
                    site=site[item.measure] or 0.0,
                    small=item.small,
                )
            )
    found.sort(key=lambda r: (r.small, r.gap, -r.denominator))
    return found


class MissedScreen(DataScreen):
    """Groups below the site's rate on the chosen programme, biggest gap first; ``n`` moves
    on to the next programme, esc goes back."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.go('dashboard')", "Back", id="missed.back"),
        Binding("n,ctrl+n", "next_programme", "Programme", id="missed.programme", key_display="n"),
    ]

    _rows: tuple[MissedRow | None, ...] = ()
    """The rows shown, in order (None: the heading of the groups too small to publish)."""

    def compose(self) -> ComposeResult:
        yield SiteHeader(TITLE)
        yield Static("Loading…", id="missed-status", classes="muted")
        yield DataTable(id="missed", cursor_type="row", zebra_stripes=True)
        yield Static("", id="missed-detail", classes="muted")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("Gap")
        table.add_column("Measure", width=MEASURE_WIDTH)
        table.add_column("Group", width=GROUP_WIDTH)
        for heading in ("n/of", "Rate", "Site"):
            table.add_column(heading)
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
        self._rows = ()
        self.query_one("#missed-detail", Static).update("")
        self.query_one("#missed-status", Static).update(shown_lines(f"{_title(key)}: loading…"))
        self.call(MissedLoaded, load_missed, programme=key, as_of=today())

    @on(MissedLoaded)
    def _loaded(self, message: MissedLoaded) -> None:
        if not message.data or message.data[0].programme != self._asked:
            return  # moved on since it was asked for
        rows = missed_rows(message.data)
        shown: list[MissedRow | None] = [r for r in rows if not r.small]
        if len(shown) < len(rows):
            shown += [None, *(r for r in rows if r.small)]
        self._rows = tuple(shown)
        table = self.query_one(DataTable)
        table.clear()
        table.add_rows([row(*(SMALL_HEADING if r is None else r.cells())) for r in shown])
        sized(table)
        self._show_detail(0)
        status = self.query_one("#missed-status", Static)
        title = message.data[0].title
        if rows:
            note = CERVICAL_NOTE if self._asked == CERVICAL else CASCADE_NOTE
            status.update(shown_lines(f"{title}, below the site's rate: {note} {GROUPS_NOTE}"))
        else:
            status.update(shown_lines(f"{title}: {EMPTY}"))

    @on(DataTable.RowHighlighted)
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_detail(event.cursor_row)

    def _show_detail(self, index: int) -> None:
        chosen = self._rows[index] if 0 <= index < len(self._rows) else None
        text = "" if chosen is None else chosen.detail()
        if chosen is None and self._rows:
            text = (
                f"Groups of fewer than {SMALL_FROM} people (a count an export suppresses): "
                "their rates move most by chance."
            )
        self.query_one("#missed-detail", Static).update(shown_lines(text))

    @on(Failed)
    def _failed(self, message: Failed) -> None:
        self.query_one("#missed-status", Static).update(shown_lines(message.error))


def _title(key: str) -> str:
    from outreach.rules.cascade import load_any

    return load_any(key).title
