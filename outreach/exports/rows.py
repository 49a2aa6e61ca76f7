"""The rows every export format is written from: what a figure is (:class:`Kind`), the
breakdowns every table has, and one figure as it may leave the building
(:class:`PublishedRow`). The table (:mod:`outreach.exports.table`) and the breakdown rule
(:mod:`outreach.exports.secondary`) both build on them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from outreach.rules.disclosure import Published

TOTAL = "total"
"""The breakdown of a row that covers everyone in the measure."""
ALL = "all"
"""The category of a ``total`` row."""
MONTH = "month"
"""The breakdown of trend rows; their category is a month, ``YYYY-MM``."""
SITE = "site"
"""The breakdown of each site's own figures in a region's table; each category names a site
(with its org unit code, which the table's ``site_org_units`` gives on its own)."""


class Kind(Enum):
    """What a row's figure is."""

    count = "count"
    """A count of people or events: published through the policy."""
    rate = "rate"
    """numerator / denominator as a percentage, worked out from the published counts."""
    median = "median"
    """The median of some values; suppressed when there are too few."""
    setting = "setting"
    """A figure staff set (a target), not counted from people: published as it is."""
    needed = "needed"
    """People still needed to reach a target (``setting``), worked out like a rate from the
    published numerator and denominator of the ``source`` rate row: it tells nothing they do
    not."""


@dataclass(frozen=True)
class PublishedRow:
    """One figure as it may leave the building: every number already through the policy."""

    measure: str
    breakdown: str
    category: str
    kind: Kind
    value: Published
    """The count, percentage, median or setting."""
    numerator: Published | None = None
    """A rate's published numerator."""
    denominator: Published | None = None
    """A rate's published denominator."""
    initial_population: Published | None = None
    exclusions: Published | None = None
    withheld: tuple[str, ...] = ()
    """Figures of this row (``value``, ``numerator``, ...) withheld by the breakdown rule."""
    withheld_reason: str | None = None
    """Why they were withheld: ``breakdown`` or ``total`` (see ``secondary.py``)."""

    def reason_for(self, part: str) -> str | None:
        """The breakdown rule's reason for withholding figure ``part``, None if it did not."""
        return self.withheld_reason if part in self.withheld else None
