"""The words and codes that lab letters and clinical systems use, read from a programme file.

A programme file (``schema/programmes/<key>.toml``) lists, under ``[aliases.<field>]``, the
wording each stored code may arrive in ("HPV detected" is ``positive``), and under
``[result_codes.*]`` the NHS result, infection and action codes a test may be reported as.
Nothing here is a constant in code: a new lab's wording is a line in the file.

Aliases are matched by :func:`wording_key`: ignoring case, and treating every run of spaces,
hyphens, underscores, brackets and question marks as one separator, so "High-grade
dyskaryosis (severe)" and "high grade dyskaryosis severe" are the same words.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from types import MappingProxyType
from typing import Any

from outreach.model.enums import Cytology, HpvResult, SampleTaker, ScreeningEventKind, Where
from outreach.rules.programme import programme_path

FIELDS: Mapping[str, type[StrEnum]] = MappingProxyType(
    {
        "hpv": HpvResult,
        "cytology": Cytology,
        "event": ScreeningEventKind,
        "sample": SampleTaker,
        "where": Where,
    }
)
"""The screening fields whose wording a programme file may list, with their stored codes."""

NONE = "none"
"""A result code's meaning when that part of the test was not done."""

_SEPARATORS = re.compile(r"[\W_]+")


def wording_key(text: str) -> str:
    """Text as wording is compared: "? Glandular neoplasia (non-cervical)" ->
    "glandular_neoplasia_non_cervical"."""
    return _SEPARATORS.sub("_", text.casefold()).strip("_")


@dataclass(frozen=True, eq=False)
class Wording:
    """A programme's accepted wording.

    ``aliases[field][wording_key(text)]`` is the stored code; ``spellings[field][code]`` lists
    the aliases as the file writes them, for ``outreach codes``. ``cytology_codes`` and
    ``infection_codes`` map an NHS result or infection code (upper case) to a stored code or
    :data:`NONE`; ``action_codes`` maps an action code to what it advises.
    """

    aliases: Mapping[str, Mapping[str, str]]
    spellings: Mapping[str, Mapping[str, tuple[str, ...]]]
    cytology_codes: Mapping[str, str]
    infection_codes: Mapping[str, str]
    action_codes: Mapping[str, str]

    def code_for(self, field: str, text: str) -> str | None:
        """The stored code that ``text`` is wording for in ``field``, or None."""
        return self.aliases.get(field, {}).get(wording_key(text))


def load_wording(key: str = "cervical-screening") -> Wording:
    """The wording of programme ``key``, read once and cached.

    Raises ValueError naming the file and the entry when an alias names no stored code, one
    alias means two codes, or a result code is not a single letter or digit.
    """
    return _load(key)


@cache
def _load(key: str) -> Wording:
    path = programme_path(key)
    with path.open("rb") as handle:
        data = tomllib.load(handle)

    def fail(where: str, problem: str) -> ValueError:
        return ValueError(f"{path}: field '{where}' {problem}")

    aliases: dict[str, Mapping[str, str]] = {}
    spellings: dict[str, Mapping[str, tuple[str, ...]]] = {}
    table = _table(data.get("aliases", {}), "aliases", fail)
    unknown = sorted(set(table) - set(FIELDS))
    if unknown:
        raise fail(f"aliases.{unknown[0]}", f"is not one of {', '.join(FIELDS)}")
    for field, enum in FIELDS.items():
        entries = _table(table.get(field, {}), f"aliases.{field}", fail)
        codes = {member.value for member in enum}
        found: dict[str, str] = {}
        written: dict[str, list[str]] = {}
        for text, code in entries.items():
            where = f"aliases.{field}.{text}"
            if code not in codes:
                raise fail(where, f"names no {field} code {code!r}")
            normal = wording_key(text)
            if not normal:
                raise fail(where, "has no letters or digits")
            if found.get(normal, code) != code:
                raise fail(where, f"already means {found[normal]!r}")
            found[normal] = code
            written.setdefault(code, []).append(text)
        aliases[field] = MappingProxyType(found)
        spellings[field] = MappingProxyType({c: tuple(t) for c, t in written.items()})
    codes_table = _table(data.get("result_codes", {}), "result_codes", fail)
    return Wording(
        aliases=MappingProxyType(aliases),
        spellings=MappingProxyType(spellings),
        cytology_codes=_result_codes(codes_table, "cytology", Cytology, fail),
        infection_codes=_result_codes(codes_table, "infection", HpvResult, fail),
        action_codes=_result_codes(codes_table, "action", None, fail),
    )


def _table(value: Any, where: str, fail: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise fail(where, "should be a table")
    return value


def _result_codes(
    table: dict[str, Any], name: str, enum: type[StrEnum] | None, fail: Any
) -> Mapping[str, str]:
    entries = _table(table.get(name, {}), f"result_codes.{name}", fail)
    allowed = None if enum is None else {m.value for m in enum} | {NONE}
    found: dict[str, str] = {}
    for code, meaning in entries.items():
        where = f"result_codes.{name}.{code}"
        if not re.fullmatch(r"[0-9A-Za-z]", code):
            raise fail(where, "should be one letter or digit")
        if not isinstance(meaning, str) or not meaning.strip():
            raise fail(where, "should be text")
        if allowed is not None and meaning not in allowed:
            raise fail(where, f"names no {name} result {meaning!r}")
        found[code.upper()] = meaning
    return MappingProxyType(found)
