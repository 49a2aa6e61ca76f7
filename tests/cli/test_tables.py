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
