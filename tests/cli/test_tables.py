"""Plain columns for command output, laid out by rich: aligned, within the width, as typed."""

from __future__ import annotations

from outreach.cli.tables import plain_table


def test_columns_are_aligned_two_spaces_apart_under_their_headings() -> None:
    assert plain_table([("1", "ana", "x"), ("12", "bo", "")], headings=("#", "Who", "What")) == [
        "#   Who  What",
        "1   ana  x",
        "12  bo",
    ]


def test_only_the_wrapping_column_wraps_to_keep_within_the_width() -> None:
    lines = plain_table([("long_code_name", "one two three four five six")], width=30)
    assert lines == [
        "long_code_name  one two three",
        "                four five six",
    ]
    assert max(len(line) for line in lines) <= 30


def test_a_word_longer_than_its_column_is_broken() -> None:
    assert plain_table([("a", "abcdefghijkl")], width=9) == ["a  abcdef", "   ghijkl"]


def test_text_is_shown_as_typed_not_read_as_markup() -> None:
    assert plain_table([("[b]Nell[/b]", "[/]")]) == ["[b]Nell[/b]  [/]"]


def test_no_rows_and_no_headings_give_no_lines() -> None:
    assert plain_table([]) == []


def test_a_column_left_too_narrow_goes_under_its_row_after_its_heading() -> None:
    # "a" and "bb" and their two spaces leave 7 of 11 columns, fewer than min_wrap=8.
    assert plain_table(
        [("a", "bb", "one two three"), ("c", "d", "")],
        headings=("X", "Y", "Z"),
        width=11,
        min_wrap=8,
    ) == [
        "X  Y",
        "a  bb",
        "    Z: one",
        "    two",
        "    three",
        "c  d",
    ]


def test_audit_fields_of_a_long_record_are_not_broken_into_shreds() -> None:
    # Seen on the demo: 'screening.record' and 'screening_event 10010' left the fields three
    # letters a line ("act", "ion", ",").
    from datetime import datetime

    from outreach.cli.audit_commands import table_lines
    from outreach.services.audit_log import AuditRow

    row = AuditRow(
        id=27,
        at=datetime(2026, 12, 6, 16, 28, 42),
        account="demo",
        action="conversation.group_update",
        entity="screening_event",
        entity_id=10010,
        fields=["action", "cytology", "event", "hpv", "person", "sample"],
    )
    assert table_lines([row]) == [
        "#   When (UTC)           Who   Action                     Record",
        "27  2026-12-06 16:28:42  demo  conversation.group_update  screening_event 10010",
        "    Fields: action, cytology, event, hpv, person, sample",
    ]


def test_number_columns_given_as_right_are_aligned_right() -> None:
    assert plain_table([("7", "a"), ("12", "b")], headings=("no", "x"), right=(0,)) == [
        "no  x",
        " 7  a",
        "12  b",
    ]


def test_right_aligned_columns_stay_right_aligned_when_the_wrapping_ones_go_under() -> None:
    # "12" and its gap take 4 of 20 columns: 16 are left, fewer than min_wrap=17.
    lines = plain_table(
        [("7", "one two"), ("12", "three")],
        headings=("no", "words"),
        right=(0,),
        width=20,
        min_wrap=17,
    )
    assert lines == ["no", " 7", "    words: one two", "12", "    words: three"]
