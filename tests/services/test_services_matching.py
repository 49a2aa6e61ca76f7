"""Matching a person from typed letters: residents first, each with where they stand."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from freezegun import freeze_time

from outreach.services import matching
from outreach.services.matching import match_people, match_person
from outreach.store.store import Store
from outreach.wording import counted, fold, search_key
from tests.support.picker_store import TODAY, build_picker_store
from tests.support.stores import PASSPHRASE


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("matching") / "store"
    build_picker_store(path)
    return path


@pytest.fixture
def store(folder: Path) -> Iterator[Store]:
    with freeze_time(TODAY):
        opened = Store.unlock(folder, user="ana", passphrase=PASSPHRASE)
    yield opened
    opened.close()


def _rows(store: Store, text: str) -> list[tuple[str, str, int, str | None, str]]:
    found = match_people(store, text=text, as_of=TODAY)
    return [(m.ref, m.name, m.age, m.unit, m.standing) for m in found.rows]


@pytest.mark.slow
def test_residents_come_before_people_who_have_left(store: Store) -> None:
    assert _rows(store, "fatima") == [
        ("A1001", "Fatima Kaur", 34, "Wing A", "resident"),
        ("A1002", "Fatima Kaur", 39, "Wing B", "left on 2021-07-31"),
    ]


def test_one_resident_and_one_who_left_is_exactly_one_resident(store: Store) -> None:
    found = match_people(store, text="fatima kaur", as_of=TODAY)
    assert found.residents == 1
    assert found.only_resident is not None and found.only_resident.ref == "A1001"


def test_two_residents_are_not_one(store: Store) -> None:
    found = match_people(store, text="kau", as_of=TODAY)
    assert [m.ref for m in found.rows] == ["A1003", "A1001", "A1002"]
    assert found.residents == 2
    assert found.only_resident is None


def test_only_people_who_have_left_is_no_resident(store: Store) -> None:
    found = match_people(store, text="A1002", as_of=TODAY)
    assert found.residents == 0
    assert found.only_resident is None
    assert [m.caution for m in found.rows] == ["left on 2021-07-31"]


def test_decisions_are_part_of_the_standing(store: Store) -> None:
    assert _rows(store, "A1003") == [
        ("A1003", "Amrit Kaur", 44, "Wing B", "resident, do not approach")
    ]
    assert _rows(store, "B2002") == [
        ("B2002", "Rosa Díaz", 29, "Wing A", "resident, declined until 2024-11-02")
    ]


def test_do_not_approach_needs_confirmation_and_a_decline_does_not(store: Store) -> None:
    assert match_person(store, "A1003", as_of=TODAY).caution == (
        "is marked do not approach since 2024-02-01"
    )
    assert match_person(store, "B2002", as_of=TODAY).caution is None
    assert match_person(store, "A1001", as_of=TODAY).caution is None


def test_a_decline_whose_revisit_has_come_is_no_longer_shown(store: Store) -> None:
    assert match_person(store, "B2002", as_of=date(2024, 11, 2)).standing == "resident"


def test_someone_before_arrival_is_not_resident(store: Store) -> None:
    # Hélène Dubois arrived on 2024-05-30.
    early = match_person(store, "B2001", as_of=date(2024, 5, 1))
    assert (early.standing, early.caution) == ("not resident", "is not resident")


@pytest.mark.parametrize("typed", ["Hélène", "hélène", "HÉLÈNE", "he\u0301le\u0300ne"])
def test_names_match_ignoring_case_in_every_script(store: Store, typed: str) -> None:
    assert [m.ref for m in match_people(store, text=typed, as_of=TODAY).rows] == ["B2001"]


def test_typed_wildcards_are_letters(store: Store) -> None:
    assert match_people(store, text="%", as_of=TODAY).rows == []
    assert match_people(store, text="_", as_of=TODAY).rows == []


def test_a_short_page_says_more_match(store: Store) -> None:
    found = match_people(store, text="a", as_of=TODAY, limit=2)
    assert [m.ref for m in found.rows] == ["A1003", "A1001"]
    assert found.has_more


def test_every_match_is_ranked_when_no_more_than_ranked_match(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Three Kaur names, three ranked: the answer of an unlimited ranking.
    monkeypatch.setattr(matching, "RANKED", 3)
    found = match_people(store, text="kaur", as_of=TODAY)
    assert [m.ref for m in found.rows] == ["A1003", "A1001", "A1002"]
    assert (found.more_than, found.has_more, found.residents) == (None, False, 2)


def test_more_matches_than_ranked_ranks_the_first_the_index_gives(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Three Kaur names, two ranked: the first two by person id (A1001 resident, A1002 left);
    # Amrit Kaur (A1003), who would come first, is not among them.
    monkeypatch.setattr(matching, "RANKED", 2)
    found = match_people(store, text="kaur", as_of=TODAY)
    assert [m.ref for m in found.rows] == ["A1001", "A1002"]
    assert (found.more_than, found.has_more, found.residents) == (2, True, 1)
    # One resident among those ranked is not the one resident meant: enter must not take her.
    assert found.only_resident is None


def test_short_text_matching_more_than_ranked_ranks_the_first_people(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    # "a" starts A1001-A1003 and is in Rosa Díaz's name: four people, A1001 and A1002 the
    # first two.
    monkeypatch.setattr(matching, "RANKED", 2)
    found = match_people(store, text="a", as_of=TODAY)
    assert [m.ref for m in found.rows] == ["A1001", "A1002"]
    assert found.more_than == 2
    monkeypatch.setattr(matching, "RANKED", 4)
    found = match_people(store, text="a", as_of=TODAY)
    assert [m.ref for m in found.rows] == ["A1003", "A1001", "B2002", "A1002"]
    assert found.more_than is None


def test_references_matching_more_than_ranked_ranks_the_first_references(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    # "A100" starts three references and is in no name.
    monkeypatch.setattr(matching, "RANKED", 2)
    found = match_people(store, text="a100", as_of=TODAY)
    assert [m.ref for m in found.rows] == ["A1001", "A1002"]
    assert found.more_than == 2
    monkeypatch.setattr(matching, "RANKED", 3)
    found = match_people(store, text="a100", as_of=TODAY)
    assert [m.ref for m in found.rows] == ["A1003", "A1001", "A1002"]
    assert found.more_than is None


def test_fold_is_caseless_and_canonical() -> None:
    assert fold("Émile") == fold("émile") == fold("E\u0301MILE") == "émile"
    assert fold("STRAẞE") == "strasse"


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("Siobhán O'Neill", "siobhanoneill"),  # fada dropped, apostrophe and space dropped
        ("SIOBHAN", "siobhan"),
        ("O\u2019NEILL", "oneill"),  # typographic apostrophe
        ("o neill", "oneill"),
        ("Anne-Marie", "annemarie"),
        ("Anne\u2013Marie", "annemarie"),  # en dash
        ("J. Smith", "jsmith"),
        ("Łukasz Wałęsa", "lukaszwalesa"),  # ł has no decomposition: read as l
        ("Nguyễn Thị Ngọc", "nguyenthingoc"),  # two marks on ễ, both dropped
        ("Đặng", "dang"),
        ("İlknur", "ilknur"),  # İ decomposes to I and a dot above
        ("IŞIK", "isik"),
        ("ışık", "isik"),  # dotless ı read as i
        ("Søren Ærø", "sorenaero"),
        ("STRAẞE", "strasse"),
        ("Σοφία", "σοφια"),
        ("ﬁona", "fiona"),  # compatibility ligature split by NFKD
        ("[b]x[/b] 100%_", "[b]x[/b]100%_"),  # other punctuation kept, taken literally
        ("", ""),
    ],
)
def test_search_key_drops_case_accents_and_separators(typed: str, key: str) -> None:
    assert search_key(typed) == key


@pytest.mark.parametrize(
    ("count", "expected"),
    [(0, "0 targets"), (1, "1 target"), (2, "2 targets")],
)
def test_counted_says_one_in_the_singular(count: int, expected: str) -> None:
    assert counted(count, "target") == expected


def test_counted_takes_an_irregular_plural() -> None:
    assert counted(1, "person", "people") == "1 person"
    assert counted(3, "person", "people") == "3 people"


NAMES = [
    "Hélène Dubois",
    "He\u0301le\u0300ne Dubois",
    "ANNA STRAẞE",
    "Anna Strasse",
    "Łucja Nowak",
    "ΣΊΣΥΦΟΣ Παππάς",
    "Nguyễn Thị Lan",
    "ﬁona o'brien",
    "Siobhán MacLeod",
    "Zoë 100%_sure",
    "plain ascii",
    "Siobhán O'Neill",
    "Işıl Yılmaz",
    "İlknur Kaya",
    "Anne-Marie O\u2019Brien",
    "J. Smith",
    "tab\there",
]
TYPED = [
    "hél",
    "HÉLÈNE",
    "e\u0301l",
    "ss",
    "straße",
    "ł",
    "σίσυφος",
    "nguyễn",
    "fiona",
    "ZOË",
    "%",
    "_",
    "ascii",
    "o'b",
    "o b",
    "O-B",
    "anne.",
    "İ",
    "ı",
]


def test_the_name_condition_in_sql_agrees_with_search_key_in_python() -> None:
    import sqlite3

    from outreach.wording import NAME_CONTAINS_SQL, search_key, search_key_sql

    connection = sqlite3.connect(":memory:")
    connection.create_function("search_key", 1, search_key_sql, deterministic=True)
    condition = NAME_CONTAINS_SQL.format(column="?1", needle="?2")
    for name in NAMES:
        for typed in TYPED:
            key = search_key(typed)
            pattern = "%" + key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            (in_sql,) = connection.execute(f"SELECT {condition}", (name, pattern)).fetchone()
            assert bool(in_sql) == (key in search_key(name)), (name, typed)
