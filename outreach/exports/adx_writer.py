"""ADX (IHE QRPH Aggregate Data Exchange, ``urn:ihe:qrph:adx:2015``): the mapped figures of a
period as one ``group`` for the site's org unit, one ``dataValue`` per figure, a breakdown's
category as an attribute named by the category's code. A region's export adds a ``group`` for
each site's org unit with the site's published figures (its per-site breakdown), after the
region's own.

The document is built with the standard library's ElementTree, which escapes ``<``, ``&`` and
quotes in attribute values; codes holding characters XML 1.0 cannot carry at all (control
characters) are refused where they are read (the mapping's schema, the org unit setting).
Tests validate the output against the ADX schema shipped in ``schema/adx/``.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path

from outreach.errors import ValidationError
from outreach.exports.indicators import MappedFigures

NAMESPACE = "urn:ihe:qrph:adx:2015"
MEDIA_TYPE = "application/adx+xml"


def adx_document(mapped: MappedFigures, *, org_unit: str, exported: date) -> bytes:
    """The ADX document of ``mapped`` for ``org_unit``, UTF-8 with an XML declaration.

    ``exported`` is a day: outreach writes no time of day into an export, so the document says
    midnight UTC of that day. Raises ValidationError when there is no value to write (ADX needs
    at least one in a group).
    """
    if not mapped.values:
        raise ValidationError(
            "format",
            "the ADX file would hold no figure (none of the mapped figures is published for "
            "this period), and ADX needs at least one: leave adx out of --format",
        )
    ET.register_namespace("", NAMESPACE)
    root = ET.Element(f"{{{NAMESPACE}}}adx", {"exported": f"{exported.isoformat()}T00:00:00Z"})
    groups: dict[str, ET.Element] = {}
    for value in mapped.values:
        unit = value.org_unit or org_unit
        group = groups.get(unit)
        if group is None:
            group = groups[unit] = ET.SubElement(
                root,
                f"{{{NAMESPACE}}}group",
                {"orgUnit": unit, "period": mapped.iso_period, "dataSet": mapped.mapping.data_set},
            )
        attributes = {"dataElement": value.data_element, "value": _decimal(value.value)}
        if value.category is not None and value.option is not None:
            attributes[value.category] = value.option.adx
        ET.SubElement(group, f"{{{NAMESPACE}}}dataValue", attributes)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def write_adx(mapped: MappedFigures, path: Path, *, org_unit: str, exported: date) -> None:
    """Write the ADX document of ``mapped`` to ``path``."""
    path.write_bytes(adx_document(mapped, org_unit=org_unit, exported=exported))


def _decimal(value: int | float) -> str:
    """An xs:decimal: no exponent, no ``nan``."""
    if isinstance(value, int):
        return str(value)
    return f"{value:.1f}"
