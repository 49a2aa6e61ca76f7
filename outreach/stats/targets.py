"""Targets as the figures read them: every target of a programme, with its unit's name.

Setting a target is a use case (:mod:`outreach.services.targets`); reading them is here, below
the dashboard and the exports that compare figures with them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from outreach.model import Target, TargetMeasure, Unit


@dataclass(frozen=True)
class TargetRow:
    """A target as shown to a person: ``unit`` is the unit's name, None for the site."""

    id: int
    programme: str
    measure: str
    value: float
    baseline: float | None
    baseline_on: date | None
    target_on: date
    unit: str | None
    unit_id: int | None


def targets_in(session: Session, *, programme: str = "cervical-screening") -> list[TargetRow]:
    """Every target of ``programme`` in the caller's session: the site's first, then by unit
    name and measure."""
    names = {u.id: u.name for u in session.exec(select(Unit))}
    rows = [
        target_row(t, names.get(t.unit_id) if t.unit_id is not None else None)
        for t in session.exec(
            select(Target).where(Target.programme == programme).order_by(col(Target.id))
        )
    ]
    order = {m.value: i for i, m in enumerate(TargetMeasure)}
    return sorted(rows, key=lambda r: (r.unit is not None, r.unit or "", order.get(r.measure, 9)))


def target_row(target: Target, unit: str | None) -> TargetRow:
    """``target`` as shown to a person, ``unit`` being its unit's name (None for the site)."""
    assert target.id is not None
    return TargetRow(
        id=target.id,
        programme=target.programme,
        measure=target.measure,
        value=target.value,
        baseline=target.baseline_value,
        baseline_on=target.baseline_on,
        target_on=target.target_on,
        unit=unit,
        unit_id=target.unit_id,
    )
