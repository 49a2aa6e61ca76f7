"""Progress against a target: gap, people still needed, and whether it is on track.

Definitions: ``outreach/stats/definitions.md`` ("Against a target").
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from outreach.stats.targets import TargetRow


@dataclass(frozen=True)
class TargetProgress:
    """A target beside the measure's current value (percentages; None when not measurable).

    ``gap`` is target - value in percentage points (0 or less when met); ``needed`` is how many
    more people must be counted in the numerator to reach the target, None when there is no
    figure yet (nobody in the denominator: 0 would say the target is met); ``expected`` is the value
    the straight line from baseline to target asks for on as-of; ``on_track`` is value >=
    expected.
    """

    target: TargetRow
    value: float | None
    numerator: int
    denominator: int
    expected: float
    gap: float | None
    needed: int | None
    on_track: bool | None


def needed_to_reach(target_percent: float, numerator: int, denominator: int) -> int:
    """ceil(target x denominator) - numerator, never negative; exact for decimal targets
    (90% of 500 is 450, not 451 from floating point)."""
    wanted = math.ceil(Fraction(str(target_percent)) * denominator / 100)
    return max(0, wanted - numerator)


def expected_on(target: TargetRow, day: date) -> float:
    """The straight line from (baseline_on, baseline) to (target_on, target) read on ``day``:
    the baseline before the baseline date, the target from the target date on, and the target
    itself when no baseline was set."""
    if target.baseline is None or target.baseline_on is None:
        return target.value
    if day <= target.baseline_on:
        return target.baseline
    if day >= target.target_on:
        return target.value
    span = (target.target_on - target.baseline_on).days
    done = (day - target.baseline_on).days
    return target.baseline + (target.value - target.baseline) * done / span


def progress(target: TargetRow, *, numerator: int, denominator: int, as_of: date) -> TargetProgress:
    """How ``target`` stands with the measure at ``numerator`` / ``denominator`` on ``as_of``."""
    value = 100.0 * numerator / denominator if denominator else None
    expected = expected_on(target, as_of)
    return TargetProgress(
        target=target,
        value=value,
        numerator=numerator,
        denominator=denominator,
        expected=expected,
        gap=None if value is None else target.value - value,
        needed=needed_to_reach(target.value, numerator, denominator) if denominator else None,
        on_track=None if value is None else value >= expected - 1e-9,
    )
