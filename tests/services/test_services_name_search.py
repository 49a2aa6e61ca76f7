"""Search by name and reference reads its candidates from the person_search index (FTS5,
trigram), or for one or two characters from person_pieces (FTS5, each name's one- and
two-character pieces), and gives exactly what testing every person gives: the same people, in
the same order, for the people list and for the picker, after adding, renaming and importing
people. Names are found ignoring case, accents, and the spaces, apostrophes, hyphens and full
stops between their parts (outreach.wording.search_key)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest
from freezegun import freeze_time
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlmodel import col, select

from outreach.clock import now
from outreach.imports.pipeline import import_people
from outreach.imports.undo import undo_import
from outreach.model import Person
from outreach.services import name_search
from outreach.services.matching import match_people
from outreach.services.people import AddPerson, UpdatePerson, add_person, update_person
from outreach.services.search import search_people
from outreach.store.store import Store
from outreach.wording import piece_token, search_key, search_pieces
from tests.support.store_helpers import (
    encodings_of,
    files_containing,
    files_under,
    pieces_held,
    put_old,
)
from tests.support.stores import PASSPHRASE, new_store

TODAY = date(2024, 6, 14)

PEOPLE = [
    ("A1001", "Émile Zola"),  # É precomposed
    ("A1002", "E\u0301mile Roux"),  # É as E + combining acute
    ("A1003", "Zoe\u0301 Smith"),  # "zoe" is in the name as typed, not in its folded form
    ("A1004", "Hans Strauß"),  # folds to "strauss"
    ("A1005", "Anna STRASSE"),
    ("A1006", "İlknur Kaya"),
    ("A1007", "Mary O'Brien"),
    ("A1008", "Anne-Marie Dubois"),
    ("A1009", "Nell [b]Bold[/b]"),
    ("A1010", "Nguyễn Thị Ngọc"),
    ("A1011", "Åsa Lindqvist"),
    ("B2001", "Fatima Kaur"),
    ("B2002", "Fatima Kaur"),
    ("b2003", "Amrit Kaur"),
    ("X-100", "Rosa Díaz"),
    ("ΣΙΓΜΑ1", "Σοφία Παππά"),
    ("C3001", "Siobhán O'Neill"),
    ("C3002", "Łukasz Wałęsa"),
    ("C3003", "Đặng Văn Thành"),
    ("C3004", "Işıl Yılmaz"),
    ("C3005", "Seán Ó Briain"),
]


@contextmanager
def scanning() -> Iterator[None]:
    """Every search in the block tests every person, as before the index."""
    name_search.USE_INDEX = False
    try:
        yield
    finally:
        name_search.USE_INDEX = True


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    folder: Path = tmp_path_factory.mktemp("names") / "store"
    with freeze_time(TODAY):
        store = new_store(folder)
        for n, (ref, name) in enumerate(PEOPLE):
            add_person(
                store,
                AddPerson(
                    ref=ref,
                    display_name=name,
                    date_of_birth=date(1980, 1, 1 + n),
                    has_cervix="yes",
                    unit="Wing A",
                    arrived_on=date(2023, 1, 1 + n),
                ),
            )
    try:
        yield store
    finally:
        store.close()


def both(store: Store, needle: str) -> tuple[object, object]:
    with freeze_time(TODAY):
        listed = [row.ref for row in search_people(store, text=needle, limit=500).rows]
        picked = [row.ref for row in match_people(store, text=needle, limit=50).rows]
    return listed, picked


def index_matches(store: Store, needle: str) -> set[int]:
    with store.read() as session:
        rows = session.execute(
            text("SELECT rowid FROM person_search WHERE person_search MATCH :q"),
            {"q": name_search.fts_phrase(search_key(needle))},
        )
        return {row[0] for row in rows}


NAMES = [name for _, name in PEOPLE] + [ref for ref, _ in PEOPLE]
pieces = st.sampled_from(NAMES).flatmap(
    lambda name: st.tuples(
        st.integers(0, len(name)), st.integers(1, 8), st.sampled_from(["", "u", "l", "c"])
    ).map(lambda t: _cut(name, *t))
)


def _cut(name: str, start: int, length: int, case: str) -> str:
    piece = name[start : start + length]
    return {"": piece, "u": piece.upper(), "l": piece.lower(), "c": piece.casefold()}[case]


@pytest.mark.slow
@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    needle=st.one_of(pieces, st.text(alphabet="aeiouÉé\u0301ßsS%_\\\"'’[]-.1 İıŁłĐđ", max_size=6))
)
def test_index_search_gives_what_testing_everyone_gives(store: Store, needle: str) -> None:
    indexed = both(store, needle)
    with scanning():
        assert both(store, needle) == indexed


@pytest.mark.parametrize(
    ("needle", "refs"),
    [
        ("émile", ["A1001", "A1002"]),  # both spellings of É, by hand
        ("ÉMILE", ["A1001", "A1002"]),
        ("EMILE", ["A1001", "A1002"]),  # accents dropped on both sides
        ("zoe", ["A1003"]),
        ("zoé", ["A1003"]),
        ("strauß", ["A1004"]),
        ("straß", ["A1005"]),  # ß folds to ss, and STRASSE is found ignoring case
        ("kaur", ["B2001", "B2002", "b2003"]),
        ("b20", ["B2001", "B2002", "b2003"]),  # references start with it, any A-Z case
        ("[/b]", ["A1009"]),
        ("%", []),  # a literal, not a wildcard
        ("σοφ", ["ΣΙΓΜΑ1"]),
        ("ΣΟΦΙΑ", ["ΣΙΓΜΑ1"]),  # Greek tonos dropped too
        # Irish: the fada dropped, the apostrophe and the space between parts ignored.
        ("SIOBHAN", ["C3001"]),
        ("siobhan", ["C3001"]),
        ("Siobhán", ["C3001"]),
        ("O'NEILL", ["C3001"]),
        ("oneill", ["C3001"]),
        ("o neill", ["C3001"]),
        ("o\u2019neill", ["C3001"]),  # typed with a typographic apostrophe
        ("o-neill", ["C3001"]),
        ("obrien", ["A1007"]),  # "Mary O'Brien"
        ("seano", ["C3005"]),  # "Seán Ó Briain": parts run together
        ("annemarie", ["A1008"]),  # "Anne-Marie"
        ("anne marie", ["A1008"]),
        # Polish: ł has no decomposition and reads as l; ę drops its ogonek.
        ("lukasz", ["C3002"]),
        ("WALESA", ["C3002"]),
        ("wałęsa", ["C3002"]),
        # Vietnamese: stacked marks dropped, đ reads as d.
        ("nguyen", ["A1010"]),
        ("thi ngoc", ["A1010"]),
        ("dang van", ["C3003"]),
        ("thanh", ["C3003"]),
        # Turkish: İ and ı both read as i, whichever is typed.
        ("ilknur", ["A1006"]),
        ("İLKNUR", ["A1006"]),
        ("isil", ["C3004"]),
        ("IŞIL", ["C3004"]),
        ("yilmaz", ["C3004"]),
        ("åsa", ["A1011"]),
        ("asa", ["A1011"]),
        # One or two characters, read from person_pieces.
        ("j", []),  # in no name and starting no reference
        ("J", []),
        ("zz", []),
        ("q", ["A1011"]),  # one name holds it, mid-name: "Åsa Lindqvist"
        ("Q", ["A1011"]),
        ("qv", ["A1011"]),
        ("x", ["A1002", "X-100"]),  # "Émile Roux", and a reference starting with it
        ("ŁU", ["C3002"]),  # Ł folds to l: "Łukasz"
        ("ß", ["A1004", "A1005"]),  # one character typed, two in its key: ss
        ("ás", ["A1005", "A1011", "C3002"]),  # "annastrasse", "asalindqvist", "lukasz"
        ("ΦΊ", ["ΣΙΓΜΑ1"]),  # Greek, case and tonos folded
        ("[", ["A1009"]),  # markup characters are pieces too
    ],
)
def test_names_and_references_found_through_the_index(
    store: Store, needle: str, refs: list[str]
) -> None:
    listed, _ = both(store, needle)
    assert listed == refs


def _ids(store: Store, refs: list[str]) -> set[int]:
    with store.read() as session:
        rows = session.execute(select(Person.id).where(col(Person.ref).in_(refs)))
        return {int(row[0]) for row in rows}


def test_an_index_answers_every_text_but_one_with_no_key(store: Store) -> None:
    # "kaur" is in three names: the trigram index holds exactly those three people.
    assert index_matches(store, "kaur") == _ids(store, ["B2001", "B2002", "b2003"])
    params: dict[str, object] = {}
    with store.read() as session:
        conn = session.connection()
        assert name_search.text_match(conn, "kaur", params).indexed
        # One or two characters are read from person_pieces; only text every name holds
        # (no key at all) is tested on everyone.
        assert name_search.text_match(conn, "ka", params).indexed
        assert name_search.text_match(conn, "q", params).indexed
        assert not name_search.text_match(conn, "-", params).indexed
        assert not name_search.text_match(conn, " '", params).indexed
        held = pieces_held(conn)
        found = {
            piece: {
                row[0]
                for row in conn.execute(
                    text("SELECT rowid FROM person_pieces WHERE person_pieces MATCH :q"),
                    {"q": name_search.piece_phrase(piece)},
                )
            }
            for piece in ("ka", "q", "ss", "j")
        }
    # "ka" by hand: the three Kaurs, "ilknurkaya" and "lukaszwalesa".
    assert found["ka"] == _ids(store, ["B2001", "B2002", "b2003", "A1006", "C3002"])
    assert found["q"] == _ids(store, ["A1011"])
    assert found["ss"] == _ids(store, ["A1004", "A1005"])  # Strauß and STRASSE
    assert found["j"] == set()
    # Every piece of one name, worked by hand: "Åsa Lindqvist" has the key "asalindqvist".
    (lindqvist,) = _ids(store, ["A1011"])
    assert held[lindqvist] == {
        *"asalindqvist",
        *("as", "sa", "al", "li", "in", "nd", "dq", "qv", "vi", "is", "st"),
    }


def test_common_text_walks_people_in_reference_order(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(name_search, "COMMON", 3)
    with store.read() as session:
        # Three "kaur" names reach COMMON: the paged list walks; the picker still reads them.
        paged = name_search.text_match(session.connection(), "kaur", {}, paged=True)
        picker = name_search.text_match(session.connection(), "kaur", {})
    assert not paged.indexed
    assert picker.indexed
    listed, _ = both(store, "kaur")
    assert listed == ["B2001", "B2002", "b2003"]


@pytest.mark.slow
def test_renamed_and_imported_people_are_found_by_their_new_names(tmp_path: Path) -> None:
    with freeze_time(TODAY):
        store = new_store(tmp_path / "s")
        try:
            add_person(
                store,
                AddPerson(ref="R1", display_name="Olga Petrova", date_of_birth=date(1980, 1, 1)),
            )
            update_person(store, UpdatePerson(person_ref="R1", display_name="Olga Ivanova"))
            report = import_people(
                store,
                b"ref,name,date_of_birth,arrived,unit\n"
                b"R2,Wanjiru Kamau,1985-02-03,2024-06-01,Wing A\n",
            )
            assert not report.errors
            assert [r.ref for r in search_people(store, text="ivanov").rows] == ["R1"]
            assert search_people(store, text="petrov").rows == []
            assert [r.ref for r in search_people(store, text="kamau").rows] == ["R2"]
            # One or two characters too: "tr" was only in "Petrova", "j" is in "Wanjiru".
            assert search_people(store, text="tr").rows == []
            assert [r.ref for r in search_people(store, text="J").rows] == ["R2"]
            with store.read() as session:
                held = session.execute(
                    text("SELECT rowid, name_key FROM person_search ORDER BY rowid")
                ).all()
            assert [row[1] for row in held] == ["olgaivanova", "wanjirukamau"]
            # Undoing the import removes the person, and their name from the index.
            undo_import(store, report.batch_id)
            assert search_people(store, text="kamau").rows == []
            assert search_people(store, text="j").rows == []
            with store.read() as session:
                count = session.execute(text("SELECT count(*) FROM person_search")).scalar_one()
            assert count == 1
            with store.read() as session:
                assert set(pieces_held(session.connection())) == {1}
        finally:
            store.close()


@pytest.mark.slow
def test_the_migration_indexes_the_people_a_store_already_holds(tmp_path: Path) -> None:
    folder = tmp_path / "old"
    with freeze_time(TODAY):
        old = new_store(folder, revision="0012")
        try:
            with old.write() as session:
                for ref, name, born in (
                    ("R1", "Émile Zola", date(1980, 1, 1)),
                    ("R2", "Ada Lovelace", date(1981, 1, 1)),
                ):
                    put_old(
                        session,
                        Person(ref=ref, display_name=name, date_of_birth=born, created_at=now()),
                    )
        finally:
            old.close()
        store = Store.unlock(folder, user="ana", passphrase=PASSPHRASE)
        try:
            with store.read() as session:
                held = session.execute(
                    text("SELECT name_key FROM person_search ORDER BY rowid")
                ).all()
            assert [row[0] for row in held] == ["emilezola", "adalovelace"]
            assert [r.ref for r in search_people(store, text="EMILE").rows] == ["R1"]
            assert [r.ref for r in search_people(store, text="ÉMILE").rows] == ["R1"]
            # 0031 filled the short-text index for the people already held.
            assert [r.ref for r in search_people(store, text="zo").rows] == ["R1"]
            assert [r.ref for r in search_people(store, text="V").rows] == ["R2"]
            assert [r.ref for r in search_people(store, text="é").rows] == ["R1", "R2"]
        finally:
            store.close()


@pytest.mark.slow
def test_the_search_key_never_reaches_a_file_in_plaintext(tmp_path: Path) -> None:
    folder = tmp_path / "store"
    with freeze_time(TODAY):
        store = new_store(folder)
        try:
            add_person(
                store,
                AddPerson(ref="K1", display_name="Siobhán O'Neill", date_of_birth=date(1980, 1, 1)),
            )
            with store.read() as session:
                held = session.execute(text("SELECT name_key FROM person_search")).scalar_one()
            assert held == "siobhanoneill"
            # While the store is open (the WAL holds the write) and after it is closed.
            assert files_containing(files_under(folder), encodings_of(held)) == []
        finally:
            store.close()
    assert files_containing(files_under(folder), encodings_of("siobhanoneill")) == []


def test_a_names_pieces_are_its_keys_characters_and_pairs_once_each() -> None:
    # "Ann": a, n, an, nn (the second n and any repeat written once), in the order first met.
    assert search_pieces("Ann") == "000061 00006e 00006100006e 00006e00006e"
    # The key, not the name as typed: "ZOË" is "zoe"; "Strauß" is "strauss".
    assert search_pieces("ZOË").split() == [piece_token(p) for p in ("z", "o", "e", "zo", "oe")]
    assert piece_token("ss") in search_pieces("Strauß").split()
    assert piece_token("A") == piece_token("a") == "000061"  # A-Z case, as LIKE ignores it
    assert piece_token("[") == "00005b"
    assert search_pieces("-. '") == ""  # no key, no pieces
