"""Cells of an imported file turned into domain values, with the spellings spreadsheets use.

Codes are matched ignoring case, surrounding spaces, and spaces or hyphens in place of
underscores ("Did not attend" is ``did_not_attend``). Besides the codes themselves, only the
aliases in :data:`ALIASES` (spreadsheet spellings of yes/no and the like) and, for screening
results and steps, the wording the programme file lists (:mod:`outreach.rules.wording`: "HPV
detected", "High-grade dyskaryosis (severe)") are accepted; each is unambiguous in UK
screening practice. Every parser raises :class:`~outreach.services.errors.ValidationError`
naming the column.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from enum import StrEnum
from functools import lru_cache
from typing import TypeVar

from outreach.model.enums import ConversationKind, HasCervix, LeftReason
from outreach.rules.wording import FIELDS, load_wording
from outreach.services.dates import parse_date
from outreach.services.errors import ValidationError

E = TypeVar("E", bound=StrEnum)

# Alternative spellings, keyed by the normalised text (see :func:`code_key`).
ALIASES: dict[type[StrEnum], dict[str, str]] = {
    HasCervix: {
        "y": "yes",
        "n": "no",
        "true": "yes",
        "false": "no",
        "not_known": "unknown",
        "don't_know": "unknown",
        "dont_know": "unknown",
    },
    LeftReason: {"release": "released", "transfer": "transferred"},
    ConversationKind: {
        "1:1": "one_to_one",
        "1_to_1": "one_to_one",
        "121": "one_to_one",
        "individual": "one_to_one",
        "group_session": "group",
    },
}

_SEPARATORS = re.compile(r"[\s\-]+")
_MIDNIGHT = re.compile(r"\s+00:00(:00)?$")


def code_key(text: str) -> str:
    """Text as a code is compared: "Did not attend " -> "did_not_attend"."""
    return _SEPARATORS.sub("_", text.strip().lower())


# The programme field whose wording list applies to each kind of code.
_WORDING_FIELD = {enum: field for field, enum in FIELDS.items()}


def code(text: str, enum: type[E], column: str) -> E:
    """The member of ``enum`` that ``text`` names: by value, by alias, or (for screening
    results and steps) by the wording the programme file lists."""
    key = code_key(text)
    key = ALIASES.get(enum, {}).get(key, key)
    try:
        return enum(key)
    except ValueError:
        pass
    field = _WORDING_FIELD.get(enum)
    worded = load_wording().code_for(field, text) if field else None
    if worded is not None:
        return enum(worded)
    allowed = ", ".join(member.value for member in enum)
    more = f" (or the wording 'outreach codes {field}' lists)" if field else ""
    raise ValidationError(column, f"{_short(text)!r} is not one of {allowed}{more}")


def nhs_code(text: str, column: str) -> str:
    """One NHS result (``result_code``), infection (``infection_code``) or action
    (``action_code``) code, in upper case, as the programme file lists them."""
    wording = load_wording()
    table = {
        "result_code": wording.cytology_codes,
        "infection_code": wording.infection_codes,
        "action_code": wording.action_codes,
    }[column]
    value = text.strip().upper()
    if value not in table:
        listed = ", ".join(f"{code} ({meaning})" for code, meaning in table.items())
        raise ValidationError(column, f"{_short(text)!r} is not one of {listed}")
    return value


def nhs_codes(text: str, column: str) -> tuple[str, str, str]:
    """The NHS result, infection and action codes written together ("X0A", "29R", "4-S"
    with the infection code left out): each checked as :func:`nhs_code` checks it."""
    value = re.sub(r"[\s/\-]+", "", text.strip().upper())
    if len(value) == 2:
        value = value[0] + "Q" + value[1]
    if len(value) != 3:
        raise ValidationError(
            column, f"{_short(text)!r} is not a result, infection and action code (e.g. X0A)"
        )
    return (
        nhs_code(value[0], "result_code"),
        nhs_code(value[1], "infection_code"),
        nhs_code(value[2], "action_code"),
    )


def listed_code(text: str, labels: Mapping[str, str], column: str) -> str:
    """A code from a programme's list (``labels`` maps code to label), given as the code or
    its label in any case: "On the wing", "wing" and "WING" are all ``wing``."""
    key = code_key(text)
    if key in labels:
        return key
    wanted = text.strip().casefold()
    for listed, label in labels.items():
        if label.casefold() == wanted:
            return listed
    raise ValidationError(
        column, f"{_short(text)!r} is not one of {', '.join(labels)} (codes or their labels)"
    )


@lru_cache(maxsize=4096)
def day(text: str, column: str) -> date:
    """A date written yyyy-mm-dd or dd/mm/yyyy (a spreadsheet's " 00:00:00" is allowed).
    Remembered by text: a file writes the same few days on many rows."""
    return parse_date(_MIDNIGHT.sub("", text.strip()), column)


def whole_number(text: str, column: str, *, least: int) -> int:
    """A whole number no smaller than ``least`` ("30" or "30.0" as spreadsheets save it)."""
    value = text.strip()
    if value.endswith(".0"):
        value = value[:-2]
    if not re.fullmatch(r"-?\d+", value):
        raise ValidationError(column, f"{_short(text)!r} is not a whole number")
    number = int(value)
    if number < least:
        raise ValidationError(column, f"must be at least {least}")
    return number


def several(text: str | None) -> list[str]:
    """The items of a cell holding several separated by ``;``, trimmed, empties dropped,
    repeats removed (first kept)."""
    if not text:
        return []
    items: list[str] = []
    for part in text.split(";"):
        item = part.strip()
        if item and item not in items:
            items.append(item)
    return items


def quoted(text: str) -> str:
    """A cell's value as a message quotes it: cut short (see :func:`_short`)."""
    return _short(text)


def _short(text: str) -> str:
    """A value quoted in a message, cut short so a mistyped cell never echoes much text."""
    value = text.strip()
    return value if len(value) <= 24 else value[:21] + "..."
