"""The breakdowns an export can add with ``--by``: the unit and each equity field
(``schema/equity/fields.toml``), each with its categories in a fixed order.

An equity field's categories are every code the file lists, in its order, whether or not
anyone is in them (0 is published as 0): which categories an export shows then says nothing
about who is in the store. "Not stated" and "declined to say" are kept apart, as everywhere.
A unit's categories are the units people are in (as coverage by unit always has been).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from outreach.errors import ValidationError
from outreach.exports.table import AggregateTable
from outreach.queries.cascade import NO_UNIT
from outreach.queries.equity import coverage_by
from outreach.rules.equity import EquityField, equity_field, equity_fields
from outreach.rules.programme import Programme
from outreach.stats.period import Period

UNIT = "unit"


@dataclass(frozen=True)
class ExportBreakdown:
    """A breakdown an export adds: ``name`` is its id in the rows (``learning_disability``),
    ``by`` its name for the statistics (``learning-disability``)."""

    name: str
    by: str
    field: EquityField | None

    def categories(self, groups: Iterable[Any]) -> list[tuple[Any, str]]:
        """(group code, category label) for each category, in the order shown: every code of
        an equity field (then any code the file does not know, found in ``groups``); the
        units found in ``groups``, by name, people in no unit last."""
        found = list(groups)
        if self.field is None:
            units = sorted(str(g) for g in found if g is not None and g != NO_UNIT)
            tail = [(g, NO_UNIT) for g in found if g is None or g == NO_UNIT][:1]
            return [(unit, unit) for unit in units] + tail
        codes = list(self.field.codes)
        extra = sorted(str(g) for g in found if g is not None and g not in self.field.codes)
        return [(code, self.field.label_of(code)) for code in [*codes, *extra]]


def export_breakdown(name: str) -> ExportBreakdown:
    """The breakdown ``name`` (``unit``, or an equity field's key or ``--by`` name);
    ValidationError on ``by`` naming the known ones otherwise."""
    if name == UNIT:
        return ExportBreakdown(UNIT, UNIT, None)
    try:
        field = equity_field(name)
    except ValidationError:
        raise ValidationError(
            "by", f"{name!r} is not a breakdown (one of {', '.join(breakdown_names())})"
        ) from None
    return ExportBreakdown(field.key, field.by, field)


def breakdown_names() -> tuple[str, ...]:
    """Every name ``--by`` takes, in the order exports show them."""
    return (UNIT, *(field.by for field in equity_fields()))


def parse_by(text: str | Iterable[str]) -> tuple[str, ...]:
    """``"ethnicity,disability"`` (or a list; ``equity`` for every equity field) as
    breakdown names in the fixed order of :func:`breakdown_names`, each once."""
    names = text.split(",") if isinstance(text, str) else list(text)
    wanted: set[str] = set()
    for raw in names:
        name = raw.strip().lower()
        if not name:
            continue
        if name == "equity":
            wanted.update(field.by for field in equity_fields())
            continue
        wanted.add(export_breakdown(name).by)
    return tuple(name for name in breakdown_names() if name in wanted)


def add_cervical_breakdowns(
    table: AggregateTable,
    session: Session,
    programme: Programme,
    period: Period,
    by: Iterable[str],
) -> None:
    """Coverage at the end of ``period`` (eligible and covered) by each equity field named
    in ``by``, after the table's rows. Each eligible resident is in one category, so each
    adds up to the site's coverage (and is withheld whole when one cell is small); coverage
    by unit is in every cervical export already."""
    for name in by:
        split = export_breakdown(name)
        if split.field is None:
            continue
        groups: Mapping[Any, tuple[int, int]] = {
            code: (int(eligible), int(covered))
            for code, eligible, covered in session.execute(
                coverage_by(programme, period.end, split.field.key)
            )
        }
        for code, label in split.categories(groups):
            eligible, covered = groups.get(code, (0, 0))
            table.rate("coverage", covered, eligible, split.name, label)
