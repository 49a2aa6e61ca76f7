"""Cells of an imported file turned into domain values, with the spellings spreadsheets use.

Codes are matched ignoring case, surrounding spaces, and spaces or hyphens in place of
underscores ("Did not attend" is ``did_not_attend``). Besides the codes themselves, only the
aliases in :data:`ALIASES` are accepted: each is unambiguous in UK screening practice.
Every parser raises :class:`~outreach.services.errors.ValidationError` naming the column.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from enum import StrEnum
from typing import TypeVar

from outreach.model.enums import (
    ConversationKind,
    Cytology,
    HasCervix,
    HpvResult,
    LeftReason,
    SampleTaker,
    ScreeningEventKind,
    Where,
)
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
    ScreeningEventKind: {
        "offer": "offered",
        "decline": "declined",
        "book": "booked",
        "attend": "attended",
        "dna": "did_not_attend",
        "sample_taken": "test",
        "tested": "test",
        "colposcopy_referral": "colposcopy_referred",
        "referred_to_colposcopy": "colposcopy_referred",
        "cease": "ceased",
    },
    HpvResult: {
        "neg": "negative",
        "hpv_negative": "negative",
        "not_detected": "negative",
        "hpv_not_found": "negative",
        "not_found": "negative",
        "pos": "positive",
        "hpv_positive": "positive",
        "detected": "positive",
        "hpv_found": "positive",
        "found": "positive",
        "inadequate": "unavailable",
    },
    Cytology: {"negative": "normal", "low": "low_grade", "high": "high_grade"},
    SampleTaker: {
        "self_sample": "self",
        "self_sampled": "self",
        "self_taken": "self",
        "clinician_taken": "clinician",
    },
    Where: {"onsite": "on_site", "off_site": "outside", "before": "before_arrival"},
}

_SEPARATORS = re.compile(r"[\s\-]+")
_MIDNIGHT = re.compile(r"\s+00:00(:00)?$")


def code_key(text: str) -> str:
    """Text as a code is compared: "Did not attend " -> "did_not_attend"."""
    return _SEPARATORS.sub("_", text.strip().lower())


def code(text: str, enum: type[E], column: str) -> E:
    """The member of ``enum`` that ``text`` names, by value or alias."""
    key = code_key(text)
    key = ALIASES.get(enum, {}).get(key, key)
    try:
        return enum(key)
    except ValueError:
        allowed = ", ".join(member.value for member in enum)
        raise ValidationError(column, f"{_short(text)!r} is not one of {allowed}") from None


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


def day(text: str, column: str) -> date:
    """A date written yyyy-mm-dd or dd/mm/yyyy (a spreadsheet's " 00:00:00" is allowed)."""
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


def _short(text: str) -> str:
    """A value quoted in a message, cut short so a mistyped cell never echoes much text."""
    value = text.strip()
    return value if len(value) <= 24 else value[:21] + "..."
