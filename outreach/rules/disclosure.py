"""Disclosure control for published counts, totals, percentages and medians.

The default policy is NHS Digital's method for HES and ECDS since September 2018: 0 stays 0,
counts of 1 to 7 are suppressed (shown as ``*``), every other count is rounded to the nearest 5.
A total is rounded after adding the exact parts; a percentage is worked out from the rounded
numerator and denominator and is suppressed when either is; a median of fewer than 8 values is
suppressed.

Every exporter publishes through these functions and shows :attr:`Published.text`, so one
export never mixes methods.

Residual risk, accepted by the method rather than removed by it: where a table publishes its
cells together with a total, the rounded figures bound each other, and in some tables they pin
a suppressed cell to one value (cells 8, 8 and 1 publish as 10, 10, ``*`` with total 15, and
only 1 fits). And between two periods a change of one person shows through whenever it moves
a count across a rounding edge (12 is published as 10, 13 as 15).
"""

from __future__ import annotations

import math
import operator
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

SUPPRESSED_MARK = "*"
_TENTH = Decimal("0.1")


def _round_to_nearest(n: int, base: int) -> int:
    """``n`` rounded to the nearest multiple of ``base``, half up."""
    return (n + base // 2) // base * base


@dataclass(frozen=True)
class DisclosurePolicy:
    """How counts are suppressed and rounded before they leave the building.

    Counts from ``suppress_from`` to ``suppress_to`` inclusive are suppressed (an empty range,
    ``suppress_to < suppress_from``, suppresses nothing); every other non-zero count is rounded
    to the nearest multiple of ``round_to``; a median needs at least ``min_values_for_median``
    values. ``description`` says this in plain words for the notes sheet of an export.
    """

    name: str
    suppress_from: int
    suppress_to: int
    round_to: int
    min_values_for_median: int
    description: str

    def __post_init__(self) -> None:
        if not self.name:
            raise ValueError("a disclosure policy needs a name")
        if self.suppress_from < 1:
            raise ValueError("suppress_from must be at least 1: zero is always published as 0")
        if self.round_to < 1:
            raise ValueError("round_to must be at least 1")
        if self.min_values_for_median < 1:
            raise ValueError("min_values_for_median must be at least 1")
        # The smallest count that escapes suppression must not round down to zero or into the
        # suppressed range, or a published figure would be read as something it is not.
        smallest_published = _round_to_nearest(self.suppress_to + 1, self.round_to)
        if smallest_published == 0 or self.suppresses(smallest_published):
            raise ValueError(
                f"policy {self.name!r}: a count of {self.suppress_to + 1} would be published as "
                f"{smallest_published}"
            )

    def suppresses(self, n: int) -> bool:
        """Whether a count of ``n`` is suppressed under this policy."""
        return self.suppress_from <= n <= self.suppress_to


NHS_HES_2018 = DisclosurePolicy(
    name="nhs-hes-2018",
    suppress_from=1,
    suppress_to=7,
    round_to=5,
    min_values_for_median=8,
    description=(
        "Counts of 1 to 7 are shown as *. Zero is shown as 0. Every other count is rounded to "
        "the nearest 5. Totals are rounded after adding the exact counts, so a total may differ "
        "from the sum of the rounded figures above it. Percentages are worked out from the "
        "rounded counts and shown as * when either count is *. Medians of fewer than 8 values "
        "are shown as *. This is NHS Digital's method for Hospital Episode Statistics since "
        "September 2018."
    ),
)

NO_DISCLOSURE_CONTROL = DisclosurePolicy(
    name="none",
    suppress_from=1,
    suppress_to=0,
    round_to=1,
    min_values_for_median=1,
    description=(
        "Exact counts: nothing is suppressed or rounded. For internal use only; not for "
        "publication or for sharing outside the team."
    ),
)

POLICIES: dict[str, DisclosurePolicy] = {
    policy.name: policy for policy in (NHS_HES_2018, NO_DISCLOSURE_CONTROL)
}

DEFAULT_POLICY_NAME = NHS_HES_2018.name


def get_policy(name: str) -> DisclosurePolicy:
    """The registered policy called ``name``; ValueError naming the valid ones otherwise."""
    try:
        return POLICIES[name]
    except KeyError:
        valid = ", ".join(sorted(POLICIES))
        raise ValueError(f"unknown disclosure policy {name!r}; valid: {valid}") from None


@dataclass(frozen=True)
class Published:
    """A figure as it may be published: a value, or suppressed with no value.

    ``value`` is an int for counts and totals, a float with one decimal for percentages and
    medians, and None exactly when ``suppressed``.
    """

    value: int | float | None
    suppressed: bool

    def __post_init__(self) -> None:
        if self.suppressed != (self.value is None):
            raise ValueError("a published figure has a value unless it is suppressed")

    @property
    def text(self) -> str:
        """``*`` when suppressed, otherwise the number as it should be printed."""
        if self.value is None:
            return SUPPRESSED_MARK
        if isinstance(self.value, int):
            return str(self.value)
        return f"{self.value:.1f}"


SUPPRESSED = Published(value=None, suppressed=True)


def publish_count(n: int, policy: DisclosurePolicy) -> Published:
    """Publish a count: 0 stays 0, the suppressed range becomes ``*``, the rest is rounded.

    Rounding is to the nearest multiple of ``policy.round_to``, half up, in integer arithmetic
    (with 5 there is no half: 8 -> 10, 12 -> 10, 13 -> 15). Raises ValueError for a negative
    count and TypeError for anything that is not an integer.
    """
    value = _published_value(_as_count(n), policy)
    return SUPPRESSED if value is None else Published(value=value, suppressed=False)


def publish_total(parts: Sequence[int], policy: DisclosurePolicy) -> Published:
    """Publish the total of exact counts: summed first, then published like any count.

    A total is never the sum of rounded parts, and it is published even when every part is
    suppressed (3 + 3 + 3 = 9 -> 10).
    """
    return publish_count(sum(_as_count(part) for part in parts), policy)


def publish_rate(numerator: int, denominator: int, policy: DisclosurePolicy) -> Published:
    """Publish ``numerator`` as a percentage of ``denominator``, to one decimal place.

    The percentage is worked out from the published (rounded) counts, so it can be checked
    against them: 45 of 52 -> 45 of 50 -> 90.0. It is suppressed when either count is
    suppressed or the denominator is 0. Raises ValueError unless
    0 <= numerator <= denominator.
    """
    num = _as_count(numerator)
    den = _as_count(denominator)
    if num > den:
        raise ValueError(f"numerator {num} is larger than denominator {den}")
    published_num = _published_value(num, policy)
    published_den = _published_value(den, policy)
    if published_num is None or published_den is None or published_den == 0:
        return SUPPRESSED
    # Tenths of a percent, rounded half up, in integers so 0.05 boundaries are exact.
    tenths = (2000 * published_num + published_den) // (2 * published_den)
    return Published(value=tenths / 10, suppressed=False)


def publish_median(values: Sequence[float], policy: DisclosurePolicy) -> Published:
    """Publish the median of ``values`` to one decimal place, half up (12.25 -> 12.3).

    Suppressed when there are fewer than ``policy.min_values_for_median`` values (so always
    when there are none). Raises ValueError for a value that is not finite.
    """
    if any(not math.isfinite(value) for value in values):
        raise ValueError("a median can only be taken of finite values")
    if len(values) < policy.min_values_for_median:
        return SUPPRESSED
    median = Decimal(str(float(statistics.median(values))))
    return Published(value=float(median.quantize(_TENTH, ROUND_HALF_UP)), suppressed=False)


def _as_count(n: int) -> int:
    if isinstance(n, bool):
        raise TypeError("a count must be an integer, not a bool")
    count = operator.index(n)
    if count < 0:
        raise ValueError(f"a count cannot be negative: {count}")
    return count


def _published_value(count: int, policy: DisclosurePolicy) -> int | None:
    """The published value of a valid count, None when it is suppressed."""
    if count == 0:
        return 0
    if policy.suppresses(count):
        return None
    return _round_to_nearest(count, policy.round_to)
