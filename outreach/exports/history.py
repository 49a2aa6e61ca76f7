"""Exports checked against the site's earlier exports: no suppressed count pinned across them.

Each export is safe on its own, but counts of events add up across periods: a quarter's
conversations are the sum of its three months', a year's the sum of its quarters' and of its
twelve months'. Someone holding January (8, published 10), February (8, published 10), March
(1, published *) and the quarter (17, published 15) knows March held exactly 1.

Every written export keeps the published figures of its event counts (:class:`ExportRecord`,
aggregates only, as they left the laptop). Before a new export is written, its figures and
the latest earlier export of every period of the same years go into one set of relations: each
additive figure of a year, of its quarters and of its months, exported or not, with the bounds
its published value allows (0 is 0, ``*`` is 1 to 7, a rounded v is v-2 to v+2, a withheld
figure anything from 0), tied by "a year is the sum of its quarters and of its months, a
quarter the sum of its months", and, inside each period, "conversations add up over kinds,
settings and outcomes". Bounds are narrowed over and over until nothing moves; a count
published as ``*`` or withheld that ends with a single possible value other than 0 is pinned,
and the export is refused. Exports without disclosure control (``--policy none``, internal
use) are neither checked nor counted.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlmodel import col, select

from outreach.exports.rows import ALL, TOTAL, Kind
from outreach.exports.table import PublishedSummary
from outreach.model import ExportRecord
from outreach.rules.cascade import CascadeProgramme, load_any
from outreach.rules.disclosure import DisclosurePolicy, Published, get_policy
from outreach.rules.programme import programme_keys
from outreach.stats.period import Period
from outreach.store.store import Store

ADDITIVE_COUNTS = frozenset(
    {
        "conversations",
        "conversation_minutes",
        "barriers",
        "outcomes",
        "first_conversations",
        "tested_after_conversation",
        "colposcopy_referred",
        "colposcopy_attended",
    }
)
"""Counts of events dated in the period: each event falls in exactly one month."""
CASCADE_COHORT = "cohort"
"""A testing programme's people followed (``exports/cascade_table.py``): with its stages'
counts, additive across periods when the cascade follows receptions."""
ADDITIVE_RATE_PARTS = {"uptake": ("initial_population",)}
"""Rate figures that count events of the period (uptake: the offers made in it)."""
WITHHELD = "withheld"

Key = tuple[str, str, str, str]
"""(measure, breakdown, category, part)."""
Figures = dict[Key, float | str | None]
"""A period's additive figures: published value, None when suppressed, or WITHHELD."""
Cell = tuple[str, Key]
"""(period label, key): one true figure."""

# Inside one period: conversations add up over each of these breakdowns.
_ADD_UP_TO_CONVERSATIONS = (
    ("conversations", "kind"),
    ("conversations", "setting"),
    ("outcomes", "outcome"),
)
_ROUNDS = 200


@dataclass(frozen=True)
class Pin:
    """A suppressed or withheld figure of ``period`` that the exports together fix."""

    period: str
    key: Key
    value: int

    def describe(self) -> str:
        measure, breakdown, category, part = self.key
        where = "" if breakdown == TOTAL else f" ({breakdown} {category})"
        what = measure if part == "value" else f"{measure} {part.replace('_', ' ')}"
        return f"{what}{where} of {self.period} would be pinned at exactly {self.value}"


def additive_figures(summary: PublishedSummary) -> Figures:
    """The figures of ``summary`` that add up across periods, as published."""
    found: Figures = {}
    by_arrival = _follows_arrivals(summary.programme)
    for row in summary.rows:
        parts: dict[str, Published | None]
        if row.kind is Kind.count and row.measure in ADDITIVE_COUNTS:
            parts = {"value": row.value}
        elif row.kind is Kind.rate and row.measure in ADDITIVE_RATE_PARTS:
            parts = {p: getattr(row, p) for p in ADDITIVE_RATE_PARTS[row.measure]}
        elif by_arrival and row.kind is Kind.count and row.measure == CASCADE_COHORT:
            parts = {"value": row.value}
        elif by_arrival and row.kind is Kind.rate and _is_stage(row.measure):
            parts = {"numerator": row.numerator}
        else:
            continue
        for part, published in parts.items():
            if published is None:
                continue
            key = (row.measure, row.breakdown, row.category, part)
            if row.reason_for(part) is not None:
                found[key] = WITHHELD
            else:
                found[key] = published.value
    return found


def _follows_arrivals(programme: str) -> bool:
    """Whether ``programme`` is a testing programme whose cascade follows each reception of a
    period: each reception falls in one month, so its people followed, and those of them
    reaching each stage, add up over the months of a quarter or year. (A cascade of people
    first tested in a period does not: someone first tested in January and again in March
    is in both months but once in the quarter.)"""
    if programme not in programme_keys():
        return False
    rules = load_any(programme)
    return isinstance(rules, CascadeProgramme) and rules.cohort_from == "arrival"


def _is_stage(measure: str) -> bool:
    return measure.startswith("stage_") and not measure.endswith("_on_time")


def figures_json(figures: Figures) -> str:
    """``figures`` as stored in :attr:`ExportRecord.figures`."""
    return json.dumps({"|".join(key): value for key, value in sorted(figures.items())})


def figures_from_json(text: str) -> Figures:
    """The figures :func:`figures_json` stored (a category may itself hold ``|``)."""
    found: Figures = {}
    for text_key, value in json.loads(text).items():
        measure, breakdown, rest = text_key.split("|", 2)
        category, part = rest.rsplit("|", 1)
        found[(measure, breakdown, category, part)] = value
    return found


def pins(
    new_period: str,
    new_figures: Figures,
    policy: DisclosurePolicy,
    earlier: Iterable[tuple[str, str, Figures]],
) -> list[Pin]:
    """What the new export and the ``earlier`` ones ((period, policy name, figures), oldest
    first) would pin together; empty when nothing. The latest export of each period counts."""
    if not _suppresses(policy):
        return []
    published: dict[str, tuple[DisclosurePolicy, Figures]] = {}
    for label, name, figures in earlier:
        try:
            earlier_policy = get_policy(name)
        except ValueError:
            continue
        if _suppresses(earlier_policy):
            published[label] = (earlier_policy, figures)
    published[new_period] = (policy, new_figures)
    years = {Period.parse(label).start.year for label in published}
    keys = {key for _, figures in published.values() for key in figures}
    bounds: dict[Cell, list[float]] = {}
    hidden: set[Cell] = set()
    for year in years:
        for period in _periods_of(year):
            for key in keys:
                low, high = 0.0, math.inf
                if period.label in published:
                    its_policy, figures = published[period.label]
                    if key in figures:
                        low, high = _preimage(figures[key], its_policy)
                        if figures[key] is None or figures[key] == WITHHELD:
                            hidden.add((period.label, key))
                bounds[(period.label, key)] = [low, high]
    relations = list(_relations(years, keys))
    if not _narrow(bounds, relations):
        return []  # contradictory figures (records changed between exports): no conclusion
    found = []
    # Each period's totals first: the figure a reader looks at.
    for label, key in sorted(hidden, key=lambda cell: (cell[0], cell[1][1] != TOTAL, cell[1])):
        low, high = bounds[(label, key)]
        if high - low < 1 and high != 0:
            found.append(Pin(label, key, int(low)))
    return found


def refusal(new_period: str, found: list[Pin], earlier_periods: Iterable[str]) -> str:
    """Why the export of ``new_period`` is refused, in words."""
    others = sorted(set(earlier_periods) - {new_period})
    shown = "; ".join(pin.describe() for pin in found[:3])
    more = f" (and {len(found) - 3} more)" if len(found) > 3 else ""
    return (
        f"period: {new_period} is not exported: beside the exports already made of "
        f"{', '.join(others)}, its figures add up with theirs so that {shown}{more}. "
        "Share either a year, its quarters or its months, not several; nothing was written"
    )


def check_history(store: Store, summary: PublishedSummary) -> tuple[Figures, str | None]:
    """The additive figures of ``summary``, and why it may not be exported beside the store's
    earlier exports of the same programme (None when it may)."""
    figures = additive_figures(summary)
    with store.read() as session:
        # Another programme's figures neither add up with these nor stand in for this
        # programme's latest export of a period.
        records = session.exec(
            select(ExportRecord)
            .where(ExportRecord.programme == summary.programme)
            .order_by(col(ExportRecord.id))
        ).all()
        earlier = [(r.period, r.policy, figures_from_json(r.figures)) for r in records]
    label = summary.period.label
    found = pins(label, figures, summary.policy, earlier)
    return figures, refusal(label, found, (e[0] for e in earlier)) if found else None


def _suppresses(policy: DisclosurePolicy) -> bool:
    return policy.suppress_to >= policy.suppress_from


def _preimage(value: float | str | None, policy: DisclosurePolicy) -> tuple[float, float]:
    if value == WITHHELD:
        return 0.0, math.inf
    if value is None:
        return float(policy.suppress_from), float(policy.suppress_to)
    number = float(value)
    if number == 0 or policy.round_to <= 1:
        return number, number
    half = policy.round_to // 2
    low = max(float(policy.suppress_to + 1), number - half)
    return low, number + (policy.round_to - 1) // 2


def _periods_of(year: int) -> list[Period]:
    whole = Period.year(year)
    return [whole, *(Period.quarter(year, q) for q in range(1, 5)), *whole.months()]


def _relations(years: Iterable[int], keys: set[Key]) -> Iterable[tuple[Cell, list[Cell]]]:
    """(whole, parts): the whole is the sum of the parts."""
    for year in years:
        whole = Period.year(year)
        quarters = [Period.quarter(year, q) for q in range(1, 5)]
        for key in keys:
            yield (whole.label, key), [(q.label, key) for q in quarters]
            yield (whole.label, key), [(m.label, key) for m in whole.months()]
            for quarter in quarters:
                yield (quarter.label, key), [(m.label, key) for m in quarter.months()]
        total = ("conversations", TOTAL, ALL, "value")
        if total not in keys:
            continue
        for period in _periods_of(year):
            for measure, breakdown in _ADD_UP_TO_CONVERSATIONS:
                cells = [k for k in keys if (k[0], k[1], k[3]) == (measure, breakdown, "value")]
                if cells:
                    yield (period.label, total), [(period.label, k) for k in cells]


def _narrow(
    bounds: Mapping[Cell, list[float]],
    relations: list[tuple[Cell, list[Cell]]],
) -> bool:
    """Narrow ``bounds`` in place under every whole = sum(parts); False if they contradict."""
    for _ in range(_ROUNDS):
        moved = False
        for whole, parts in relations:
            w = bounds[whole]
            lows = [bounds[p][0] for p in parts]
            highs = [bounds[p][1] for p in parts]
            low_sum, high_sum = sum(lows), sum(highs)
            moved |= _set(w, max(w[0], low_sum), min(w[1], high_sum))
            for i, part in enumerate(parts):
                b = bounds[part]
                others_high = (
                    high_sum - highs[i] if not math.isinf(highs[i]) else _sum_but(highs, i)
                )
                others_low = low_sum - lows[i]
                moved |= _set(b, max(b[0], w[0] - others_high), min(b[1], w[1] - others_low))
            if any(b[0] > b[1] for b in (w, *(bounds[p] for p in parts))):
                return False
        if not moved:
            break
    return True


def _sum_but(values: list[float], skip: int) -> float:
    return sum(v for i, v in enumerate(values) if i != skip)


def _set(bound: list[float], low: float, high: float) -> bool:
    low = math.ceil(low - 1e-9) if not math.isinf(low) else low
    high = math.floor(high + 1e-9) if not math.isinf(high) else high
    if (low, high) == (bound[0], bound[1]):
        return False
    bound[0], bound[1] = low, high
    return True
