"""The equity fields a person may have recorded, read from ``schema/equity/fields.toml``.

Ethnic group (ONS Census 2021, 19 groups within 5), disability, learning disability, first
language and whether an interpreter is needed. Every field is optional and keeps two answers
apart: ``not_stated`` (never asked or not known, everyone's default) and ``declined`` (asked,
chose not to say). The codes, labels, groupings, the aliases import files use and the sources
are data; this module only reads them.

A value that is not recognised is refused without being repeated: what a person's record
says about these fields is special-category data and must not reach a log or an error line.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from types import MappingProxyType
from typing import Any

from outreach.errors import ValidationError
from outreach.paths import schema_dir

NOT_STATED = "not_stated"
"""Never asked, or not known: everyone's value until something is recorded."""
DECLINED = "declined"
"""Asked, and chose not to say."""

_SPACE = re.compile(r"[\s_/,.:;()\-]+")


def alias_key(text: str) -> str:
    """How a value is matched against the aliases: NFC, case-folded, runs of spaces and
    punctuation made one space, trimmed ("White - Irish" and "white irish" match)."""
    folded = unicodedata.normalize("NFC", text).casefold()
    return _SPACE.sub(" ", folded).strip()


@dataclass(frozen=True, eq=False)
class EquityField:
    """One field: the person column it is kept in and its closed list of codes."""

    key: str
    """The column on ``person`` and the name services take."""
    by: str
    """The name ``outreach stats --by`` and exports use for its breakdown."""
    label: str
    """What a form or a table heading calls it."""
    codes: Mapping[str, str]
    """Code -> label, in the order shown; ends with not stated and declined."""
    groups: Mapping[str, str]
    """Code -> high-level group code (ethnicity only; empty otherwise)."""
    group_labels: Mapping[str, str]
    """High-level group code -> label (ethnicity only)."""
    aliases: Mapping[str, str]
    """:func:`alias_key` of a spelling import files use -> code."""

    def parse(self, value: str | None) -> str:
        """The code ``value`` names (a code, a label or an alias, ignoring case and
        punctuation); blank is ``not_stated``. Anything else is refused with a
        ValidationError that names the field, never the value."""
        if value is None or not value.strip():
            return NOT_STATED
        if value in self.codes:
            return value
        found = self.aliases.get(alias_key(value))
        if found is None:
            raise ValidationError(
                self.key,
                f"not a recognised {self.label.lower()} value",
                hint=f"one of: {', '.join(self.codes)}",
            )
        return found

    def label_of(self, code: str) -> str:
        """The label of ``code`` (a code stored by an older or newer version shows as is)."""
        return self.codes.get(code, code)

    def stated(self, code: str) -> bool:
        """Whether ``code`` is an answer (neither not stated nor declined)."""
        return code not in (NOT_STATED, DECLINED)


def _pairs(entries: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    return {code: dict(body) for code, body in entries.items()}


def _aliases(code: str, label: str, extra: list[str]) -> dict[str, str]:
    found = {alias_key(code): code, alias_key(label): code}
    found.update({alias_key(alias): code for alias in extra})
    return found


@cache
def _data() -> dict[str, Any]:
    path = schema_dir() / "equity" / "fields.toml"
    with path.open("rb") as handle:
        return tomllib.load(handle)


def _field(
    key: str,
    by: str,
    label: str,
    entries: list[tuple[str, str, list[str]]],
    groups: Mapping[str, str] | None = None,
    group_labels: Mapping[str, str] | None = None,
) -> EquityField:
    meta = _pairs(_data()["meta"])
    entries = [
        *entries,
        *((code, str(meta[code]["label"]), list(meta[code]["aliases"])) for code in meta),
    ]
    codes: dict[str, str] = {}
    aliases: dict[str, str] = {}
    for code, name, extra in entries:
        codes[code] = name
        for spelled, target in _aliases(code, name, extra).items():
            aliases.setdefault(spelled, target)
    return EquityField(
        key=key,
        by=by,
        label=label,
        codes=MappingProxyType(codes),
        groups=MappingProxyType(dict(groups or {})),
        group_labels=MappingProxyType(dict(group_labels or {})),
        aliases=MappingProxyType(aliases),
    )


@cache
def equity_fields() -> tuple[EquityField, ...]:
    """Every equity field, in the order forms and reports show them."""
    data = _data()
    ethnic = data["ethnicity"]
    ethnic_entries = [
        (str(row["code"]), str(row["label"]), list(row.get("aliases", [])))
        for row in ethnic["codes"]
    ]
    yes_no = [
        (code, str(body["label"]), list(body["aliases"]))
        for code, body in _pairs(data["yes_no"]).items()
    ]
    languages = [
        (str(row["code"]), str(row["label"]), list(row.get("aliases", [])))
        for row in data["languages"]
    ]
    return (
        _field(
            "ethnicity",
            "ethnicity",
            "Ethnic group",
            ethnic_entries,
            groups={str(row["code"]): str(row["group"]) for row in ethnic["codes"]},
            group_labels={str(k): str(v) for k, v in ethnic["groups"].items()},
        ),
        _field("disability", "disability", "Disability", yes_no),
        _field("learning_disability", "learning-disability", "Learning disability", yes_no),
        _field("first_language", "language", "First language", languages),
        _field("interpreter", "interpreter", "Interpreter needed", yes_no),
    )


def equity_field(name: str) -> EquityField:
    """The field whose key or ``--by`` name is ``name``; ValidationError listing them if none."""
    for field in equity_fields():
        if name in (field.key, field.by):
            return field
    names = ", ".join(field.by for field in equity_fields())
    raise ValidationError("by", f"{name!r} is not one of {names}")


EQUITY_KEYS = ("ethnicity", "disability", "learning_disability", "first_language", "interpreter")
"""The person columns of the equity fields, in order."""
