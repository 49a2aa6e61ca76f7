"""FHIR R4 MeasureReport in the IHE mADX shape: one ``summary`` report of the period for the
site's org unit, each mapped indicator (a data element of the indicator mapping) a ``group``
whose ``group.code`` names it, and a breakdown's categories as strata with ``component``
codes (the category's code, the option's code). Written beside today's FHIR Bundle
(:mod:`outreach.exports.fhir_writer`), from the same mapped, published figures as ADX: a
figure withheld by disclosure control is left out, as there. A region's report is of the
region only: its per-site figures are in the ADX and DHIS2 files, each under its site's org
unit, and the notes say so.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from outreach.exports.fhir_writer import POPULATION_SYSTEM
from outreach.exports.indicators import MappedFigures

INDICATOR_SYSTEM = "urn:outreach:indicators:"
"""Codes of a mapping's data elements and categories: ``urn:outreach:indicators:<data set>``."""


def madx_report(mapped: MappedFigures, *, org_unit: str, last_day: date) -> dict[str, Any]:
    """The mADX MeasureReport of ``mapped`` as plain Python data; ``last_day`` ends the
    period."""
    system = f"{INDICATOR_SYSTEM}{mapped.mapping.data_set}"
    groups: dict[str, dict[str, Any]] = {}
    for value in mapped.values:
        if value.org_unit is not None:
            continue  # one report is of one reporter: a region's per-site figures are not
        group = groups.setdefault(
            value.data_element,
            {"code": {"coding": [{"system": system, "code": value.data_element}]}},
        )
        figure = _figure(value.value)
        if value.option is None or value.category is None:
            group.update(figure)
            continue
        category = {"coding": [{"system": system, "code": value.category}]}
        stratifiers = group.setdefault("stratifier", [{"code": [category], "stratum": []}])
        stratifiers[0]["stratum"].append(
            {
                "component": [
                    {
                        "code": category,
                        "value": {"coding": [{"system": system, "code": value.option.adx}]},
                    }
                ],
                **figure,
            }
        )
    return {
        "resourceType": "MeasureReport",
        "status": "complete",
        "type": "summary",
        "measure": f"{system}/{mapped.programme}",
        "reporter": {"identifier": {"system": f"{system}/orgUnit", "value": org_unit}},
        "period": {"start": f"{mapped.first_month}-01", "end": last_day.isoformat()},
        "group": list(groups.values()),
    }


def write_madx(mapped: MappedFigures, path: Path, *, org_unit: str, last_day: date) -> None:
    """Write the mADX MeasureReport of ``mapped`` to ``path`` (FHIR JSON)."""
    report = madx_report(mapped, org_unit=org_unit, last_day=last_day)
    path.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def _figure(value: int | float) -> dict[str, Any]:
    """A count as the group's (or stratum's) population; a percentage or median, which FHIR's
    integer count cannot hold, as its measureScore."""
    if isinstance(value, float):
        return {"measureScore": {"value": value}}
    code = {"coding": [{"system": POPULATION_SYSTEM, "code": "initial-population"}]}
    return {"population": [{"code": code, "count": value}]}
