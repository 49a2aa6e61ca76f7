"""Targets for a programme's measures: set (one per measure and scope) and list.

A target's ``value`` and ``baseline`` are percentages (90 means 90%). Coverage targets may be
for the whole site or one unit; uptake and reach targets are for the site.
"""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, select

from outreach.clock import now
from outreach.model import Role, Target, TargetMeasure, Unit
from outreach.services.errors import ValidationError
from outreach.stats.targets import TargetRow, target_row, targets_in
from outreach.store import audit
from outreach.store.store import Store

_FIELDS = ("measure", "value", "baseline_value", "baseline_on", "target_on", "unit_id")


def set_target(
    store: Store,
    *,
    measure: str,
    value: float,
    target_on: date,
    baseline: float | None = None,
    baseline_on: date | None = None,
    unit: str | None = None,
    programme: str = "cervical-screening",
) -> TargetRow:
    """Set the target for ``measure`` (a TargetMeasure value) in the site or ``unit``,
    replacing the one already set for the same programme, measure and scope.

    One write transaction with one audit row (``target.set``). Raises ValidationError for a
    measure not in TargetMeasure, a percentage outside 0-100, a baseline without its date (or
    the reverse), a baseline date not before the target date, an unknown unit, or a unit scope
    on a measure other than coverage. Viewers may not set targets (NotAllowed).
    """
    store.require(Role.admin, Role.staff)
    _check(measure, value, baseline, baseline_on, target_on, unit)
    with store.write() as session:
        unit_id = _unit_id(session, unit)
        target = session.exec(
            select(Target).where(
                Target.programme == programme,
                Target.measure == measure,
                Target.unit_id == unit_id,
            )
        ).first()
        if target is None:
            target = Target(
                programme=programme,
                measure=measure,
                value=value,
                target_on=target_on,
                unit_id=unit_id,
                created_at=now(),
            )
        target.value = float(value)
        target.baseline_value = None if baseline is None else float(baseline)
        target.baseline_on = baseline_on
        target.target_on = target_on
        session.add(target)
        session.flush()
        audit.record(
            session,
            actor_id=store.actor.id,
            action="target.set",
            entity="target",
            entity_id=target.id,
            fields=_FIELDS,
        )
        return target_row(target, unit)


def list_targets(store: Store, *, programme: str = "cervical-screening") -> list[TargetRow]:
    """Every target of ``programme``: the site's first, then by unit name and measure."""
    with store.read() as session:
        return targets_in(session, programme=programme)


def _check(
    measure: str,
    value: float,
    baseline: float | None,
    baseline_on: date | None,
    target_on: date,
    unit: str | None,
) -> None:
    if measure not in {m.value for m in TargetMeasure}:
        known = ", ".join(m.value for m in TargetMeasure)
        raise ValidationError("measure", f"{measure!r} is not a measure ({known})")
    if not 0 < value <= 100:
        raise ValidationError("value", f"{value:g} is not a percentage above 0 and up to 100")
    if baseline is not None and not 0 <= baseline <= 100:
        raise ValidationError("baseline", f"{baseline:g} is not a percentage from 0 to 100")
    if (baseline is None) != (baseline_on is None):
        raise ValidationError("baseline", "give the baseline value and its date together")
    if baseline_on is not None and baseline_on >= target_on:
        raise ValidationError(
            "baseline_on", f"{baseline_on.isoformat()} is not before the target date"
        )
    if unit is not None and measure != TargetMeasure.coverage:
        raise ValidationError("unit", f"{measure} targets are for the whole site only")


def _unit_id(session: Session, name: str | None) -> int | None:
    if name is None:
        return None
    unit = session.exec(select(Unit).where(Unit.name == name)).first()
    if unit is None:
        raise ValidationError("unit", f"there is no unit named {name!r}")
    return unit.id
