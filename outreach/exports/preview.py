"""The published table of an export, worked out without writing anything.

:func:`published_summary` is the one way an export's figures are made: ``export_summary``
writes what it returns, and the export screen previews what it returns, so what a person sees
before confirming is what the files then hold. Nothing here touches the disk.

The preview also shows, beside each published figure, the exact one it came from, and marks
the rates whose rounding moves them across their target (a small unit's 94.3% can publish as
100.0%). Exact figures are for the screen only: they are in :class:`PreviewRow`, never in the
:class:`~outreach.exports.table.PublishedSummary` that is written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from outreach.clock import today
from outreach.errors import ValidationError
from outreach.exports.builder import build_counted
from outreach.exports.cascade_table import build_cascade_table
from outreach.exports.equity_rows import add_cervical_breakdowns, parse_by
from outreach.exports.long_form import figures
from outreach.exports.notes import breakdown_rule
from outreach.exports.rows import ALL, TOTAL, Kind
from outreach.exports.secondary import BREAKDOWN, TOTAL_OF_PARTS
from outreach.exports.table import PublishedSummary
from outreach.model import Role
from outreach.rules.cascade import load_cascade
from outreach.rules.disclosure import (
    DEFAULT_POLICY_NAME,
    NO_DISCLOSURE_CONTROL,
    DisclosurePolicy,
    Published,
    get_policy,
)
from outreach.rules.programme import load_programme, programme_keys
from outreach.stats import month_activity
from outreach.stats.month_cache import keep, newest_change
from outreach.stats.period import Period
from outreach.store.heap import give_back_freed_memory
from outreach.store.store import Store

STAR_MEANING = (
    "* = too small to publish safely. Withheld 'with its breakdown': a breakdown holding a "
    "small count is * throughout, so its other figures cannot reveal it; 'total of parts': a "
    "total is * when one of its parts is."
)

WITHHELD_WORDS = {BREAKDOWN: "with its breakdown", TOTAL_OF_PARTS: "total of parts"}
"""How the preview marks a figure the breakdown rule withheld, by the reason the CSV gives."""

NO_FIGURE = "no figure yet"
"""The exact column of a figure with nothing to work it out from (no one in a denominator, no
values for a median): not 0, which would read as a figure."""
CROSSES = "!"
CERVICAL = "cervical-screening"
"""The programme an export is of unless another is chosen: the one every export was of
before programmes could be chosen."""
EXACT_MEANING = "Exact: the figure before disclosure control, on screen only (never written)."
CROSSING_MEANING = "! = rounding puts the published figure on the other side of its target."


@dataclass(frozen=True)
class ExportChoice:
    """What an export is of: a whole ended period, read on a day, under a policy."""

    period: Period
    policy: DisclosurePolicy
    as_of: date
    programme: str = CERVICAL
    """The programme's key (a file in ``schema/programmes/``)."""
    by: tuple[str, ...] = ()
    """Breakdowns added to the export (``unit`` and equity fields, see ``equity_rows.py``)."""


@dataclass(frozen=True)
class PreviewRow:
    """One figure as ``summary.csv`` holds it: ``value`` is its published text, ``*`` when
    suppressed; ``withheld_reason`` is the CSV's (empty, ``breakdown`` or ``total``)."""

    measure: str
    breakdown: str
    category: str
    value: str
    withheld_reason: str
    exact: str = ""
    """The exact figure the value came from, for the screen only (never written); ``no
    figure yet`` when there is nothing to work it out from."""
    crosses_target: bool = False
    """Rounding puts the published figure on the other side of its target from the exact one
    (a rate against its target, or the people needed being 0 on one side only)."""

    @property
    def withheld(self) -> str:
        """The reason in words for the preview, empty when the figure was not withheld."""
        return WITHHELD_WORDS.get(self.withheld_reason, self.withheld_reason)


@dataclass(frozen=True)
class ExportPreview:
    """The published table of an export that has not been written, and what it means."""

    summary: PublishedSummary
    rows: tuple[PreviewRow, ...]
    explanation: tuple[str, ...]
    """Short plain-words notes: the policy, what * means, which breakdowns were withheld."""
    screen_notes: tuple[str, ...] = ()
    """What the exact column and its ``!`` mark mean: for a person at the screen only, like the
    exact figures themselves."""

    @property
    def suppressed(self) -> int:
        """How many figures are shown as ``*``."""
        return sum(1 for row in self.rows if row.value == "*")


def check_period_ended(period: Period, as_of: date) -> None:
    """Refuse a period that has not ended by ``as_of``: its figures would still change, and two
    exports of a part-period could be subtracted to single people out."""
    if as_of <= period.end:
        raise ValidationError(
            "period",
            f"{period.label} runs to {period.end.isoformat()} and has not ended on "
            f"{as_of.isoformat()}; export it from {date.fromordinal(period.end.toordinal() + 1)}"
            " (only whole, ended periods are exported, so figures never change between exports)",
        )


def export_choice(
    store: Store,
    *,
    period: Period | str,
    policy: str = DEFAULT_POLICY_NAME,
    as_of: date | None = None,
    programme: str = CERVICAL,
    by: Sequence[str] = (),
) -> ExportChoice:
    """The checked choice of an export, without reading a figure.

    Refuses (ValueError) an unknown policy, programme or period, an ``as_of`` in the future
    and a period that has not ended on ``as_of`` (default today); only admins and staff may
    export.
    """
    store.require(Role.admin, Role.staff)
    chosen = get_policy(policy)
    check_programme(programme)
    the_period = Period.parse(period) if isinstance(period, str) else period
    day = as_of or today()
    if day > today():
        raise ValidationError("as-of", f"{day.isoformat()} is in the future")
    check_period_ended(the_period, day)
    return ExportChoice(the_period, chosen, day, programme, parse_by(by))


def check_programme(key: str) -> None:
    """Refuse (ValidationError on ``programme``) a key that names no programme file."""
    if key not in programme_keys():
        raise ValidationError(
            "programme",
            f"no programme {key!r} (one of {', '.join(programme_keys())}; outreach "
            "programmes lists them)",
        )


def published_table(store: Store, choice: ExportChoice) -> PublishedSummary:
    """Every figure of the export of ``choice`` as it will be published, from one read
    transaction. Writes no record and no audit row: only the derived figures of ended month
    ends it counted, kept as the dashboard keeps them."""
    return published_and_exact(store, choice)[0]


def published_and_exact(
    store: Store, choice: ExportChoice
) -> tuple[PublishedSummary, PublishedSummary]:
    """The export of ``choice`` as it will be published and the same table with exact figures
    (for the screen only), both from one read of the store. Ended month ends it had to count
    are kept for the next export or dashboard (``outreach.stats.month_cache``)."""
    if choice.programme != CERVICAL:
        rules = load_cascade(choice.programme)
        with store.read() as session:
            exact = build_cascade_table(
                session, rules, choice.period, as_of=choice.as_of, by=choice.by
            )
        give_back_freed_memory()
        return exact.publish(choice.policy), exact.publish(NO_DISCLOSURE_CONTROL)
    programme = load_programme()
    with store.read() as session:
        seen = newest_change(session)
        built = build_counted(session, choice.period, as_of=choice.as_of, programme=programme)
        table = built.table
        add_cervical_breakdowns(table, session, programme, choice.period, choice.by)
    keep(store, programme, built.cells, seen)
    month_activity.keep(store, built.months, seen)
    give_back_freed_memory()
    return table.publish(choice.policy), table.publish(NO_DISCLOSURE_CONTROL)


def published_summary(
    store: Store,
    *,
    period: Period | str,
    policy: str = DEFAULT_POLICY_NAME,
    as_of: date | None = None,
    programme: str = CERVICAL,
    by: Sequence[str] = (),
) -> PublishedSummary:
    """The published table of an export of ``programme`` for ``period`` (checked as
    :func:`export_choice` checks it), exactly as ``export_summary`` would write it on the
    same day."""
    return published_table(
        store,
        export_choice(store, period=period, policy=policy, as_of=as_of, programme=programme, by=by),
    )


def preview_rows(
    summary: PublishedSummary, exact: PublishedSummary | None = None
) -> tuple[PreviewRow, ...]:
    """The figures of ``summary`` in the order and with the cells of ``summary.csv``; given the
    ``exact`` table it was published from, each with its exact figure and whether rounding
    moved it across its target."""
    published = list(figures(summary))
    exact_figures = list(figures(exact)) if exact is not None else [None] * len(published)
    crossing = crossings(summary, exact) if exact is not None else set()
    rows = []
    for figure, exact_figure in zip(published, exact_figures, strict=True):
        key = (figure.measure, figure.breakdown, figure.category)
        exact_text = ""
        if exact_figure is not None:
            assert (exact_figure.measure, exact_figure.breakdown, exact_figure.category) == key
            exact_text = (
                NO_FIGURE
                if exact_figure.value is None
                else Published(exact_figure.value, False).text
            )
        rows.append(
            PreviewRow(
                figure.measure,
                figure.breakdown,
                figure.category,
                # The CSV leaves a suppressed value empty and says so in its own column.
                Published(figure.value, figure.suppressed).text,
                figure.withheld_reason or "",
                exact=exact_text,
                crosses_target=key in crossing,
            )
        )
    return tuple(rows)


def crossings(summary: PublishedSummary, exact: PublishedSummary) -> set[tuple[str, str, str]]:
    """(measure, breakdown, category) of the figures rounding puts on the other side of their
    target: a rate published at or above its target while the exact rate is below it, or the
    other way round (a unit, age band or month of the trend against its own target, else the
    site's); and the people needed to reach a target, 0 on one side only."""
    targets = {
        (row.measure.removesuffix("_target"), row.breakdown, row.category): row.value.value
        for row in summary.rows
        if row.kind is Kind.setting and row.measure.endswith("_target")
    }
    exact_rows = {(r.measure, r.breakdown, r.category): r for r in exact.rows}
    crossed = set()
    for row in summary.rows:
        key = (row.measure, row.breakdown, row.category)
        other = exact_rows.get(key)
        if other is None:
            continue
        if row.kind is Kind.rate:
            # A unit, age band or month is read against its own target, else the site's.
            measure = row.measure.removesuffix("_trend")
            target = targets.get((measure, row.breakdown, row.category))
            if target is None:
                target = targets.get((measure, TOTAL, ALL))
            if _across(row.value.value, other.value.value, target):
                crossed.add(key)
        elif row.kind is Kind.needed:
            shown, true = row.value.value, other.value.value
            if shown is not None and true is not None and (shown == 0) != (true == 0):
                crossed.add(key)
    return crossed


def _across(shown: float | None, true: float | None, target: float | None) -> bool:
    """Whether ``shown`` and ``true`` lie on different sides of ``target`` (all known)."""
    if shown is None or true is None or target is None:
        return False
    return (shown >= target) != (true >= target)


def policy_in_brief(policy: DisclosurePolicy) -> str:
    """The policy in one sentence; the notes of the export give it in full."""
    suppresses = policy.suppress_from <= policy.suppress_to
    if not suppresses and policy.round_to == 1:
        rule = "exact counts, nothing suppressed or rounded"
    else:
        parts = ["0 stays 0"]
        if suppresses:
            parts.append(f"{policy.suppress_from} to {policy.suppress_to} shown as *")
        if policy.round_to > 1:
            parts.append(f"other counts rounded to the nearest {policy.round_to}")
        rule = ", ".join(parts) + "; percentages are worked out from the published counts"
    return f"Disclosure control {policy.name}: {rule}."


def explanation(summary: PublishedSummary) -> tuple[str, ...]:
    """The policy, what ``*`` means and which breakdowns were withheld, in brief."""
    withheld = [line for line in breakdown_rule(summary) if line.startswith("Withheld in")]
    return (policy_in_brief(summary.policy), STAR_MEANING, *withheld)


def preview_export(
    store: Store,
    *,
    period: Period | str,
    policy: str = DEFAULT_POLICY_NAME,
    as_of: date | None = None,
    programme: str = CERVICAL,
    by: Sequence[str] = (),
) -> ExportPreview:
    """What an export of ``programme`` for ``period`` would publish, to show before anything
    is written."""
    choice = export_choice(
        store, period=period, policy=policy, as_of=as_of, programme=programme, by=by
    )
    summary, exact = published_and_exact(store, choice)
    rows = preview_rows(summary, exact)
    crossed = any(row.crosses_target for row in rows)
    screen = (EXACT_MEANING, CROSSING_MEANING) if crossed else (EXACT_MEANING,)
    # Said before anything is written: beside earlier exports this one would be refused.
    from outreach.exports.history import check_history

    _, refused = check_history(store, summary)
    notes = explanation(summary) + ((f"Writing it would be refused: {refused}",) if refused else ())
    return ExportPreview(summary, rows, notes, screen)
