"""Targets for a programme's measures: set (one per measure and scope) and list.

A target's ``value`` and ``baseline`` are percentages (90 means 90%). Coverage targets may be
for the whole site or one unit; uptake and reach targets are for the site.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, select

from outreach.clock import now
from outreach.model import Target, TargetMeasure, Unit
from outreach.services.errors import ValidationError
from outreach.stats.targets import TargetRow, target_row, targets_in
from outreach.store.action import Actions
from outreach.store.store import Store

_FIELDS = ("measure", "value", "baseline_value", "baseline_on", "target_on", "unit_id")


@dataclass(frozen=True)
class SetTarget:
    """The target for ``measure`` (a TargetMeasure value) in the site, or in ``unit``."""

    measure: str
    value: float
    target_on: date
    baseline: float | None = None
    baseline_on: date | None = None
    unit: str | None = None
    programme: str = "cervical-screening"


def set_target(on: Actions, cmd: SetTarget) -> TargetRow:
    """Set a target, replacing the one already set for the same programme, measure and scope;
    one ``target.set`` audit row.

    Raises ValidationError for a measure not in TargetMeasure, a percentage outside 0-100, a
    baseline without its date (or the reverse), a baseline date not before the target date,
    an unknown unit, or a unit scope on a measure other than coverage. Viewers may not set
    targets (NotAllowed).
    """
    with on.action("target.set", entity="target") as act:
        _check(cmd)
        session = act.session
        unit_id = _unit_id(session, cmd.unit)
        target = session.exec(
            select(Target).where(
                Target.programme == cmd.programme,
                Target.measure == cmd.measure,
                Target.unit_id == unit_id,
            )
        ).first()
        if target is None:
            target = Target(
                programme=cmd.programme,
                measure=cmd.measure,
                value=cmd.value,
                target_on=cmd.target_on,
                unit_id=unit_id,
                created_at=now(),
            )
        target.value = float(cmd.value)
        target.baseline_value = None if cmd.baseline is None else float(cmd.baseline)
        target.baseline_on = cmd.baseline_on
        target.target_on = cmd.target_on
        session.add(target)
        session.flush()
        act.names(target.id, _FIELDS)
        return target_row(target, cmd.unit)


def list_targets(store: Store, *, programme: str = "cervical-screening") -> list[TargetRow]:
    """Every target of ``programme``: the site's first, then by unit name and measure."""
    with store.read() as session:
        return targets_in(session, programme=programme)


def _measures(programme: str) -> list[str]:
    """The measures a target may be set for: cervical screening's (TargetMeasure), or a
    testing programme's own headline measures (its file's ``[[measures]]``)."""
    from outreach.rules.cascade import CascadeProgramme, load_any
    from outreach.rules.programme import programme_keys

    if programme not in programme_keys():
        raise ValidationError(
            "programme",
            f"{programme!r} is not a programme (one of {', '.join(programme_keys())})",
        )
    rules = load_any(programme)
    if isinstance(rules, CascadeProgramme):
        return [m.key for m in rules.measures]
    return [m.value for m in TargetMeasure]


def _check(cmd: SetTarget) -> None:
    measure, value, baseline, baseline_on = cmd.measure, cmd.value, cmd.baseline, cmd.baseline_on
    known = _measures(cmd.programme)
    if measure not in known:
        raise ValidationError(
            "measure", f"{measure!r} is not a measure of {cmd.programme} ({', '.join(known)})"
        )
    if not 0 < value <= 100:
        raise ValidationError("value", f"{value:g} is not a percentage above 0 and up to 100")
    if baseline is not None and not 0 <= baseline <= 100:
        raise ValidationError("baseline", f"{baseline:g} is not a percentage from 0 to 100")
    if (baseline is None) != (baseline_on is None):
        raise ValidationError("baseline", "give the baseline value and its date together")
    if baseline_on is not None and baseline_on >= cmd.target_on:
        raise ValidationError(
            "baseline_on", f"{baseline_on.isoformat()} is not before the target date"
        )
    if cmd.unit is not None and measure != TargetMeasure.coverage:
        raise ValidationError("unit", f"{measure} targets are for the whole site only")


def _unit_id(session: Session, name: str | None) -> int | None:
    if name is None:
        return None
    unit = session.exec(select(Unit).where(Unit.name == name)).first()
    if unit is None:
        raise ValidationError("unit", f"there is no unit named {name!r}")
    return unit.id
