"""The one error a person can correct: it carries its field, and the screen reads it from there."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from outreach.errors import AlreadyChanged, ValidationError
from outreach.exports.export import parse_formats
from outreach.services.errors import ValidationError as ServicesValidationError
from outreach.stats.period import Period
from outreach.store.passphrases import ADVICE, check_new_passphrase
from outreach.tui.errors import field_of, message_of, shown

PACKAGE = Path(__file__).resolve().parents[2] / "outreach"
# "field: problem" with a field of one or two words, as every refusal of a value used to read.
FIELD_PREFIX = re.compile(r"[a-z][a-z_-]*( [a-z]+)?: ")


def test_a_validation_error_carries_its_field_message_and_hint() -> None:
    error = ValidationError("date_of_birth", "2030-01-01 is in the future", hint="check the year")
    assert isinstance(error, ValueError)
    assert str(error) == "date_of_birth: 2030-01-01 is in the future"
    assert error.field == "date_of_birth"
    assert error.message == "2030-01-01 is in the future"
    assert error.problem == "2030-01-01 is in the future"
    assert error.hint == "check the year"
    assert ValidationError("unit", "no unit named 'X'").hint is None


def test_services_raise_the_same_type() -> None:
    assert ServicesValidationError is ValidationError


def test_already_changed_reads_as_its_sentence_only() -> None:
    error = AlreadyChanged("followup_id", "follow-up 3 was already marked done by ana at 10:03")
    assert str(error) == "follow-up 3 was already marked done by ana at 10:03"
    assert error.field == "followup_id"
    assert error.message == "follow-up 3 was already marked done by ana at 10:03"


def test_the_screen_takes_the_field_from_the_error_not_its_text() -> None:
    named = ValidationError("user", "a name of 1 to 64 characters without spaces")
    assert field_of(named) == "user"
    assert message_of(named) == "a name of 1 to 64 characters without spaces"
    assert shown(named) == "user: a name of 1 to 64 characters without spaces"
    # A plain ValueError whose text happens to look like "field: ..." names no field.
    plain = ValueError("user: looks like a field")
    assert field_of(plain) is None
    assert message_of(plain) == "user: looks like a field"
    # Anything else is shown by its type only: its text may carry data.
    other = RuntimeError("A1001 Jane Doe")
    assert field_of(other) is None
    assert shown(other) == "unexpected RuntimeError; nothing was saved by the failed step"
    assert message_of(other) == shown(other)


@pytest.mark.parametrize(
    ("call", "field", "message"),
    [
        (lambda: Period.parse("2024-13"), "period", "'2024-13' has no month 13 (01 to 12)"),
        (lambda: Period.quarter(2024, 5), "period", "there is no quarter 5 (1 to 4)"),
        (lambda: Period.year(1899), "period", "year 1899 is out of range (1900 to 9998)"),
        (
            lambda: parse_formats("csv,doc"),
            "format",
            "doc (choose from csv, xlsx, json, fhir, html, adx, dhis2-json, madx)",
        ),
        (
            lambda: check_new_passphrase("short"),
            "passphrase",
            f"at least 8 characters are needed; {ADVICE}",
        ),
    ],
)
def test_refusals_below_the_services_name_their_field(
    call: object, field: str, message: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        call()  # type: ignore[operator]
    assert (refused.value.field, refused.value.message) == (field, message)


def _field_shaped_value_errors(source: str) -> list[int]:
    """Lines raising ``ValueError("field: ...")`` (plain or f-string) in ``source``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "ValueError"
            and node.args
        ):
            continue
        first = node.args[0]
        if isinstance(first, ast.JoinedStr) and first.values:
            first = first.values[0]
        if (
            isinstance(first, ast.Constant)
            and isinstance(first.value, str)
            and FIELD_PREFIX.match(first.value)
        ):
            found.append(node.lineno)
    return found


def test_the_scan_finds_a_field_shaped_value_error() -> None:
    assert _field_shaped_value_errors('raise ValueError("user: no such account")') == [1]
    assert _field_shaped_value_errors('x = 1\nraise ValueError(f"site name: {x} is taken")') == [2]
    assert _field_shaped_value_errors('raise ValueError("the data key must be 32 bytes")') == []
    assert _field_shaped_value_errors('raise ValidationError("user", "no such account")') == []


@pytest.mark.slow
def test_no_refusal_names_its_field_only_in_its_text() -> None:
    found = {
        str(path.relative_to(PACKAGE.parent)): lines
        for path in sorted(PACKAGE.rglob("*.py"))
        if (lines := _field_shaped_value_errors(path.read_text(encoding="utf-8")))
    }
    assert found == {}
