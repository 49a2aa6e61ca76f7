"""DHIS2 ``dataValueSets`` JSON: the mapped figures of a period for the site's org unit, as
DHIS2's ``POST /api/dataValueSets`` takes them, by code (``idScheme`` CODE) with DHIS2's own
period names (``2024Q2``). A region's per-site figures each carry the site's ``orgUnit``.

The document is checked against ``schema/export/dhis2-datavalueset.schema.json`` (written
from DHIS2's documentation, cited in the schema) before it is written; text is written by
``json.dumps``, which escapes quotes, backslashes and control characters.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from outreach.exports.indicators import MappedFigures
from outreach.paths import schema_dir

SCHEMA_FILE = "schema/export/dhis2-datavalueset.schema.json"


def data_value_set(mapped: MappedFigures, *, org_unit: str) -> dict[str, Any]:
    """The data value set of ``mapped`` for ``org_unit`` as plain Python data; ValueError when
    it does not meet the schema (it is then not written)."""
    values = []
    for value in mapped.values:
        item: dict[str, Any] = {"dataElement": value.data_element, "value": _text(value.value)}
        if value.option is not None:
            item["categoryOptionCombo"] = value.option.category_option_combo
        if value.org_unit is not None:
            # A region's per-site figure: DHIS2 takes a data value's own orgUnit over the set's.
            item["orgUnit"] = value.org_unit
        values.append(item)
    document = {
        "dataSet": mapped.mapping.data_set,
        "period": mapped.dhis2_period,
        "orgUnit": org_unit,
        "idScheme": "CODE",
        "dataValues": values,
    }
    problems = sorted(_validator().iter_errors(document), key=lambda e: list(e.absolute_path))
    if problems:
        where = ".".join(str(part) for part in problems[0].absolute_path) or "the document"
        raise ValueError(
            f"the DHIS2 data value set fails {SCHEMA_FILE} at {where}: {problems[0].message}; "
            "nothing was written"
        )
    return document


def write_dhis2_json(mapped: MappedFigures, path: Path, *, org_unit: str) -> None:
    """Write the data value set of ``mapped`` to ``path`` (UTF-8 JSON)."""
    text = json.dumps(data_value_set(mapped, org_unit=org_unit), ensure_ascii=False, indent=2)
    path.write_text(text + "\n", encoding="utf-8")


def _text(value: int | float) -> str:
    return str(value) if isinstance(value, int) else f"{value:.1f}"


@cache
def _validator() -> Any:
    from jsonschema import Draft202012Validator

    schema = json.loads(
        (schema_dir() / "export" / "dhis2-datavalueset.schema.json").read_text(encoding="utf-8")
    )
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
