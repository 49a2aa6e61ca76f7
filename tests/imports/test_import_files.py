"""Reading CSV files as spreadsheets write them: encodings, line ends, quotes, headers."""

from __future__ import annotations

from datetime import date

import pytest

from outreach.imports.files import Columns, RowError, column_key, read_table
from outreach.imports.values import code, day, several, whole_number
from outreach.model.enums import HpvResult, ScreeningEventKind
from outreach.services.errors import ValidationError

COLUMNS = Columns(required=("ref", "name"), optional=("date_of_birth",))
NOTED = Columns(required=("ref", "name"), optional=("note",))


def test_header_matches_ignoring_case_spaces_and_order() -> None:
    table = read_table(b" Date of Birth ,NAME,  Ref\n01/02/1990,Ann,A1\n", COLUMNS)
    assert table.errors == []
    assert table.columns == ["date_of_birth", "name", "ref"]
    assert table.rows[0].cells == {"date_of_birth": "01/02/1990", "name": "Ann", "ref": "A1"}


def test_column_key_turns_spaces_and_hyphens_into_underscores() -> None:
    assert column_key("  Left-Reason ") == "left_reason"


def test_unknown_repeated_and_missing_columns_are_reported_on_line_1() -> None:
    table = read_table(b"ref,dob,ref\nA1,x,A1\n", COLUMNS)
    assert [(e.line, e.field) for e in table.errors] == [
        (1, "dob"),
        (1, "ref"),
        (1, "name"),
    ]
    assert "unknown column" in table.errors[0].message
    assert "more than once" in table.errors[1].message
    assert "required column missing" in table.errors[2].message


def test_semicolon_separated_file_gets_a_hint() -> None:
    table = read_table(b"ref;name\nA1;Ann\n", COLUMNS)
    assert table.errors[-1].message.startswith("the columns look separated by ';'")


def test_bom_crlf_and_quoted_newlines_keep_file_line_numbers() -> None:
    data = (
        "\ufeffref,name,note\r\n"
        'A1,"Siobhán O\'Neill",\r\n'
        "\r\n"
        'A2,"Zoë Ní Bhriain","seen on\r\nthe wing"\r\n'
        'A3,"Smith, Jo",\r\n'
    ).encode()
    table = read_table(data, NOTED)
    assert table.errors == []
    assert [(r.line, r.cells["name"], r.get("note")) for r in table.rows] == [
        (2, "Siobhán O'Neill", None),
        (4, "Zoë Ní Bhriain", "seen on\r\nthe wing"),
        (6, "Smith, Jo", None),
    ]


def test_a_line_break_in_a_name_is_refused_with_its_line() -> None:
    table = read_table('ref,name\r\nA1,Ann\r\nA2,"Zoë\r\nNí Bhriain"\r\n'.encode(), COLUMNS)
    assert [(e.line, e.field) for e in table.errors] == [(3, "name")]
    assert "U+000D" in table.errors[0].message
    assert [(r.cells, r.refused) for r in table.rows] == [
        ({"ref": "A1", "name": "Ann"}, frozenset()),
        ({"ref": "A2"}, frozenset({"name"})),
    ]


def test_cells_are_trimmed_and_empty_cells_absent() -> None:
    table = read_table(b"ref,name,date_of_birth\n  A1 , Ann Lee ,\n", COLUMNS)
    row = table.rows[0]
    assert row.cells == {"ref": "A1", "name": "Ann Lee"}
    assert row.get("date_of_birth") is None


def test_bad_utf8_byte_is_reported_with_its_line() -> None:
    data = "ref,name\nA1,Ann\nA2,Siobhán\n".encode("cp1252")
    table = read_table(data, COLUMNS)
    assert table.rows == []
    assert [(e.line, e.field) for e in table.errors] == [(3, "file")]
    assert "0xE1" in table.errors[0].message
    assert "--encoding cp1252" in table.errors[0].message


def test_cp1252_is_read_when_asked_for() -> None:
    data = "ref,name\nA2,Siobhán\n".encode("cp1252")
    table = read_table(data, COLUMNS, encoding="cp1252")
    assert table.rows[0].cells["name"] == "Siobhán"


def test_utf16_file_is_refused_with_advice() -> None:
    table = read_table("ref,name\n".encode("utf-16"), COLUMNS)
    assert "UTF-16" in table.errors[0].message


def test_unclosed_quote_stops_reading_at_its_line() -> None:
    table = read_table(b'ref,name\nA1,Ann\nA2,"Bea\nA3,Cy\n', COLUMNS)
    assert [r.line for r in table.rows] == [2]
    assert [(e.line, e.field) for e in table.errors] == [(3, "file")]


def test_value_under_an_empty_header_is_an_error_but_empty_extra_columns_are_not() -> None:
    table = read_table(b"ref,name,,\nA1,Ann,,\nA2,Bea,,x\n", COLUMNS)
    assert table.errors == [RowError(3, "file", "a cell has a value but no column header above it")]


def test_empty_file_needs_a_header() -> None:
    assert read_table(b"", COLUMNS).errors[0].message.startswith("the file is empty")


def test_codes_accept_case_spaces_and_aliases() -> None:
    assert code("Did not attend", ScreeningEventKind, "event") is ScreeningEventKind.did_not_attend
    assert code("DNA", ScreeningEventKind, "event") is ScreeningEventKind.did_not_attend
    assert code(" Negative ", HpvResult, "hpv") is HpvResult.negative


def test_unknown_code_names_the_column() -> None:
    with pytest.raises(ValidationError) as caught:
        code("maybe", HpvResult, "hpv")
    assert caught.value.field == "hpv"
    assert str(caught.value) == (
        "hpv: 'maybe' is not one of negative, positive, unavailable "
        "(or the wording 'outreach codes hpv' lists)"
    )


def test_dates_are_uk_or_iso_never_us() -> None:
    assert day("03/04/2024", "date") == date(2024, 4, 3)
    assert day("2024-04-03 00:00:00", "date") == date(2024, 4, 3)
    with pytest.raises(ValidationError):
        day("04/13/2024", "date")


def test_whole_numbers_allow_spreadsheet_decimals() -> None:
    assert whole_number("30.0", "minutes", least=0) == 30
    with pytest.raises(ValidationError, match="at least 1"):
        whole_number("0", "attendees", least=1)


def test_several_splits_on_semicolons_and_drops_repeats() -> None:
    assert several(" Ann ; Bea;;Ann ") == ["Ann", "Bea"]
