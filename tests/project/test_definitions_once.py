"""Each definition is written once, in ``outreach.queries``: its SQL gives the same rows as
the rules' Python, and the frozen index text of the model and the migrations is the one a
query built from ``queries`` can read."""

from __future__ import annotations

import importlib.util
import itertools
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from types import ModuleType

import pytest
from sqlalchemy import Connection, create_engine, exists, select, text
from sqlalchemy.exc import OperationalError
from sqlmodel import SQLModel

import outreach.model  # noqa: F401  (registers every table)
from outreach.model import CeaseReason, Cytology, HpvResult, ScreeningEventKind
from outreach.model.pathway import ADEQUATE_TEST as MODEL_ADEQUATE_TEST
from outreach.queries import (
    CLINICAL_CEASE_REASONS,
    adequate_test,
    clinical_ceasing,
    events,
    follow_ups,
    has_left,
    has_left_by,
    is_resident_on,
    open_on,
    open_until,
    outer,
    param,
    resident_on,
    sql,
    stay_until,
    stays,
)
from outreach.rules.screening import TestResult

VERSIONS = Path(__file__).resolve().parents[2] / "schema" / "migrations" / "versions"


def _migration(prefix: str) -> ModuleType:
    path = next(VERSIONS.glob(f"{prefix}_*.py"))
    spec = importlib.util.spec_from_file_location(f"migration_{prefix}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def db() -> Iterator[Connection]:
    """The model's schema (tables and indexes) in memory, with one person."""
    engine = create_engine("sqlite://")
    SQLModel.metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO person (id, ref, display_name, date_of_birth, has_cervix, "
                "created_at) VALUES (1, 'A1', 'A', '1980-01-01', 'yes', '2024-01-01')"
            )
        )
        yield conn
    engine.dispose()


def _add_event(conn: Connection, id_: int, event: str, **values: str | None) -> None:
    conn.execute(
        text(
            "INSERT INTO screening_event (id, person_id, programme, occurred_on, event, hpv, "
            "cytology, reason, created_at) VALUES (:id, 1, 'p', '2024-01-01', :event, :hpv, "
            ":cytology, :reason, '2024-01-01')"
        ),
        {"id": id_, "event": event, "hpv": None, "cytology": None, "reason": None, **values},
    )


def _ids(conn: Connection, where: str) -> set[int]:
    return {row[0] for row in conn.execute(text(f"SELECT id FROM screening_event WHERE {where}"))}


def test_an_adequate_test_is_the_same_rows_in_sql_and_in_the_index(db: Connection) -> None:
    cases = {
        1: ("test", "negative", None),  # adequate
        2: ("test", "positive", "inadequate"),  # adequate: the HPV result decides
        3: ("test", "unavailable", "negative"),  # never adequate
        4: ("test", None, "negative"),  # history: cytology alone, adequate
        5: ("test", None, "inadequate"),
        6: ("test", None, None),
        7: ("ceased", "negative", None),  # not a test
    }
    for id_, (event, hpv, cytology) in cases.items():
        _add_event(db, id_, event, hpv=hpv, cytology=cytology)
    built = sql(adequate_test(events()), bare=True)
    frozen = _migration("0006").ADEQUATE_TEST
    assert _ids(db, built) == {1, 2, 4}
    assert _ids(db, frozen) == {1, 2, 4}
    assert _ids(db, MODEL_ADEQUATE_TEST) == {1, 2, 4}
    assert frozen == MODEL_ADEQUATE_TEST


def test_an_adequate_test_in_sql_is_is_adequate_for_every_result(db: Connection) -> None:
    hpvs = [None, *HpvResult]
    cytologies = [None, *Cytology]
    expected = set()
    combos = itertools.product(
        [ScreeningEventKind.test, ScreeningEventKind.ceased], hpvs, cytologies
    )
    for id_, (event, hpv, cytology) in enumerate(combos, start=1):
        _add_event(db, id_, event, hpv=hpv, cytology=cytology)
        result = TestResult(taken_on=date(2024, 1, 1), hpv=hpv, cytology=cytology, sample=None)
        if event == ScreeningEventKind.test and result.is_adequate:
            expected.add(id_)
    assert len(expected) == 2 * len(cytologies) + len(Cytology) - 1
    assert _ids(db, sql(adequate_test(events()), bare=True)) == expected


def _reads_index(conn: Connection, table: str, index: str, where: str) -> bool:
    """Whether SQLite can answer ``where`` from ``index`` (INDEXED BY refuses otherwise)."""
    try:
        conn.execute(text(f"SELECT 1 FROM {table} e INDEXED BY {index} WHERE {where}")).all()
    except OperationalError as error:
        assert "no query solution" in str(error)
        return False
    return True


def test_a_lookup_built_from_queries_reads_the_partial_index_of_migration_0006(
    db: Connection,
) -> None:
    db.execute(
        text(
            "CREATE INDEX ix_frozen ON screening_event (person_id, programme, occurred_on) "
            f"WHERE {_migration('0006').ADEQUATE_TEST}"
        )
    )
    lookup = f"e.person_id = 1 AND e.programme = 'p' AND {sql(adequate_test(events('e')))}"
    assert _reads_index(db, "screening_event", "ix_frozen", lookup)
    assert _reads_index(db, "screening_event", "ix_screening_adequate", lookup)
    # The check can fail: a lookup whose condition lets in an HPV unavailable result cannot.
    wider = "e.person_id = 1 AND e.event = 'test' AND e.cytology != 'inadequate'"
    assert not _reads_index(db, "screening_event", "ix_frozen", wider)


def test_the_stay_index_expression_is_stay_until(db: Connection) -> None:
    bare = sql(stay_until(stays()), bare=True)
    assert bare == "coalesce(left_on, '9999-12-31')"
    assert f'sa.text("{bare}")' in next(VERSIONS.glob("0003_*.py")).read_text(encoding="utf-8")
    assert sql(stay_until(stays("l"))) == "coalesce(l.left_on, '9999-12-31')"

    def plan(where: str) -> str:
        rows = db.execute(text(f"EXPLAIN QUERY PLAN SELECT person_id FROM stay WHERE {where}"))
        return " ".join(row[-1] for row in rows)

    # A range of the index, not a scan; a different expression can only scan.
    assert "SEARCH stay USING INDEX ix_stay_until_arrived (<expr>>?)" in plan(
        f"{bare} > '2024-01-01'"
    )
    assert "SEARCH" not in plan("coalesce(left_on, '9999-12-30') > '2024-01-01'")


def test_clinical_ceasing_is_the_two_clinical_reasons(db: Connection) -> None:
    assert {CeaseReason.no_cervix, CeaseReason.radiotherapy} == CLINICAL_CEASE_REASONS
    reasons = [None, *CeaseReason]  # ids 1..5: None, no_cervix, radiotherapy, choice, other
    for id_, reason in enumerate(reasons, start=1):
        _add_event(db, id_, "ceased", reason=reason)
    _add_event(db, 6, "test", reason="no_cervix")
    assert _ids(db, sql(clinical_ceasing(events()), bare=True)) == {2, 3}


def test_resident_on_a_day_is_the_same_in_sql_and_python(db: Connection) -> None:
    stays_ = {
        1: ("2024-01-10", None),
        2: ("2024-01-10", "2024-01-20"),
        3: ("2024-01-15", "2024-01-15"),  # arrived and left the same day: never resident
    }
    for id_, (arrived, left) in stays_.items():
        db.execute(
            text(
                "INSERT INTO stay (id, person_id, arrived_on, left_on) "
                "VALUES (:id, 1, :arrived, :left)"
            ),
            {"id": id_, "arrived": arrived, "left": left},
        )
    where = sql(resident_on(stays(), param("day")), bare=True)
    by_hand = {
        date(2024, 1, 9): set(),
        date(2024, 1, 10): {1, 2},
        date(2024, 1, 15): {1, 2},
        date(2024, 1, 19): {1, 2},
        date(2024, 1, 20): {1},
    }
    for day, expected in by_hand.items():
        rows = db.execute(text(f"SELECT id FROM stay WHERE {where}"), {"day": day.isoformat()})
        assert {row[0] for row in rows} == expected, day
        python = {
            i
            for i, (arrived, left) in stays_.items()
            if is_resident_on(
                date.fromisoformat(arrived), date.fromisoformat(left) if left else None, day
            )
        }
        assert python == expected, day


# Each definition's characteristic spellings, in SQL text or in Python. Adjacent string
# literals are joined before the search, so a condition split over two lines is found too.
SPELLINGS: dict[str, tuple[str, ...]] = {
    "adequate test": (
        r"hpv\s+IN\s*\(\s*'negative'\s*,\s*'positive'",
        r"cytology\s*(!=|<>)\s*'inadequate'",
        r"HpvResult\.negative\s*,\s*HpvResult\.positive",
    ),
    "resident on a day": (
        r"left_on\s+IS\s+NULL\s+OR\s+[\w.]*left_on\s*>(?!=)",
        r"arrived_on\s*<=\s*[\w.]+\s+and\s+\(\s*[\w.]*left_on\s+is\s+None\s+or\s+[\w.]*left_on\s*>",
        r"coalesce\(\s*[\w.]*left_on\s*,\s*'9999-12-31'",
        r"left_on\s+is\s+not\s+None\s+and\s+[\w.]*left_on\s*<=",
    ),
    "eligible": (r"has_cervix\s*!=\s*'no'",),
    "clinically ceased": (
        r"""['"]no_cervix['"]\s*,\s*['"]radiotherapy['"]""",
        r"CeaseReason\.no_cervix\s*,\s*CeaseReason\.radiotherapy",
    ),
    "decision in force": (
        r"decided_on\s+DESC\s*,\s*[\w.]*id\s+DESC",
        r"decided_on\)?\s*<=",
        r"revisit_on\s*>(?!=)",
    ),
    "follow-up open on a day": (r"done_on\)?\s*>(?!=)", r"cancelled_on\)?\s*>(?!=)"),
}

# Where a spelling may stand outside outreach/queries, and why.
ALLOWED = {
    # The Python constant queries.adequate_result is built from.
    ("rules/screening.py", "adequate test"),
    # Index text frozen as the migrations created it; the tests above hold it to queries.
    ("model/pathway.py", "adequate test"),
    ("model/people.py", "resident on a day"),
    # The benchmark's hand-written SQL is an independent answer the application's figures
    # are checked against: built from queries, it would agree with itself.
    ("bench/hand.py", "adequate test"),
    ("bench/hand.py", "resident on a day"),
    ("bench/hand.py", "eligible"),
    ("bench/hand.py", "clinically ceased"),
    ("bench/hand.py", "decision in force"),
    ("bench/hand.py", "follow-up open on a day"),
}

PACKAGE = Path(__file__).resolve().parents[2] / "outreach"


def spelled_out(root: Path) -> set[tuple[str, str, int]]:
    """(file, definition, line) for each spelling of a definition under ``root``, outside
    ``queries/`` and :data:`ALLOWED`."""
    found = set()
    for path in sorted(root.rglob("*.py")):
        name = path.relative_to(root).as_posix()
        if name.startswith("queries/"):
            continue
        source = path.read_text(encoding="utf-8")
        # Join adjacent literals ("... OR "\n    "(hpv IS NULL ...") keeping line numbers.
        joined = re.sub(r"\"\s*\n(\s*)\"", lambda m: "\n" + m.group(1), source)
        for definition, patterns in SPELLINGS.items():
            if (name, definition) in ALLOWED:
                continue
            for pattern in patterns:
                for match in re.finditer(pattern, joined, re.IGNORECASE):
                    found.add((name, definition, joined.count("\n", 0, match.start()) + 1))
    return found


def test_no_definition_is_spelled_out_outside_queries() -> None:
    assert spelled_out(PACKAGE) == set()


# Copies as they stood before outreach.queries, one per spelling.
PLANTED = """
_ADEQUATE = (
    "(t.hpv IN ('negative', 'positive') OR "
    "(t.hpv IS NULL AND t.cytology IS NOT NULL AND t.cytology != 'inadequate'))"
)
ADEQUATE_HPV = (HpvResult.negative, HpvResult.positive)
_RESIDENT = (
    "EXISTS (SELECT 1 FROM stay s WHERE s.person_id = p.id AND s.arrived_on <= :as_of "
    "AND (s.left_on IS NULL OR s.left_on > :as_of))"
)
current = [s for s in stays if s.arrived_on <= day and (s.left_on is None or s.left_on > day)]
SPAN = "SELECT id FROM stay WHERE coalesce(left_on, '9999-12-31') > :first"
ELIGIBLE = "p.has_cervix != 'no'"
CLINICAL_CEASE_REASONS = ("no_cervix", "radiotherapy")
CLINICAL = frozenset({CeaseReason.no_cervix, CeaseReason.radiotherapy})
_DECISION = (
    "(SELECT {what} FROM decision d WHERE d.person_id = p.id AND d.programme = :programme "
    "AND d.decided_on <= :as_of ORDER BY d.decided_on DESC, d.id DESC LIMIT 1)"
)
waiting = decision.revisit_on is not None and decision.revisit_on > day
left = not resident and any(s.left_on is not None and s.left_on <= day for s in stays)
OPEN = "f.opened_on <= :as_of AND (f.status = 'open' OR (f.status = 'done' AND f.done_on > :as_of)"
"""


def test_the_scan_finds_each_planted_copy(tmp_path: Path) -> None:
    for folder in ("queries", "model", "services"):
        (tmp_path / folder).mkdir()
    (tmp_path / "queries" / "pathway.py").write_text(PLANTED, encoding="utf-8")
    assert spelled_out(tmp_path) == set()  # queries/ is their home
    (tmp_path / "services" / "search.py").write_text(PLANTED, encoding="utf-8")
    (tmp_path / "model" / "people.py").write_text(PLANTED, encoding="utf-8")
    in_search = {
        ("adequate test", 3),
        ("adequate test", 4),
        ("adequate test", 6),
        ("resident on a day", 9),
        ("resident on a day", 11),
        ("resident on a day", 12),
        ("eligible", 13),
        ("clinically ceased", 14),
        ("clinically ceased", 15),
        ("decision in force", 18),
        ("decision in force", 20),
        ("resident on a day", 21),
        ("follow-up open on a day", 22),
    }
    # model/people.py may hold the frozen stay expressions, and nothing else.
    assert spelled_out(tmp_path) == {
        ("services/search.py", name, line) for name, line in in_search
    } | {("model/people.py", name, line) for name, line in in_search if name != "resident on a day"}


def test_indexed_by_is_written_after_its_alias_and_only_there() -> None:
    e = events("e")
    lookup = exists(select(1).select_from(e).where(adequate_test(e)))
    written = sql(lookup, indexed_by={"e": "ix_screening_adequate"})
    assert written.splitlines()[1] == "FROM screening_event AS e INDEXED BY ix_screening_adequate "
    with pytest.raises(ValueError, match="'t' is a FROM item 0 times, not once"):
        sql(lookup, indexed_by={"t": "ix_screening_adequate"})


def test_a_follow_up_is_open_on_a_day_until_it_is_done_or_cancelled(db: Connection) -> None:
    rows = {
        1: ("2024-01-10", "open", None, None),
        2: ("2024-01-10", "done", "2024-01-20", None),
        3: ("2024-01-10", "cancelled", None, "2024-01-15"),
        4: ("2024-01-10", "cancelled", None, None),  # cancelled before the date was kept
        5: ("2024-01-18", "open", None, None),
    }
    for id_, (opened, status, done, cancelled) in rows.items():
        db.execute(
            text(
                "INSERT INTO follow_up (id, person_id, programme, due_on, reason, status, "
                "done_on, created_at, opened_on, original_due_on, cancelled_on) VALUES "
                "(:id, 1, 'p', '2024-02-01', 'next_step', :status, :done, '2024-01-01', "
                ":opened, '2024-02-01', :cancelled)"
            ),
            {"id": id_, "status": status, "done": done, "opened": opened, "cancelled": cancelled},
        )
    where = sql(open_on(follow_ups(), param("day")), bare=True)
    by_hand = {
        "2024-01-09": set(),
        "2024-01-10": {1, 2, 3},
        "2024-01-15": {1, 2},
        "2024-01-18": {1, 2, 5},
        "2024-01-20": {1, 5},
    }
    for day, expected in by_hand.items():
        found = db.execute(text(f"SELECT id FROM follow_up WHERE {where}"), {"day": day})
        assert {row[0] for row in found} == expected, day


def test_the_follow_up_index_expression_is_open_until(db: Connection) -> None:
    bare = sql(open_until(follow_ups()), bare=True)
    assert bare == (
        "CASE status WHEN 'open' THEN '9999-12-31' WHEN 'done' THEN done_on "
        "WHEN 'cancelled' THEN cancelled_on END"
    )
    # The migration's frozen text, its adjacent literals joined, is the same expression.
    migration = next(VERSIONS.glob("0026_*.py")).read_text(encoding="utf-8")
    frozen = migration.split("OPEN_UNTIL = (", 1)[1].split(")", 1)[0]
    assert "".join(re.findall(r'"([^"]*)"', frozen)) == bare

    def plan(where: str) -> str:
        rows = db.execute(
            text(f"EXPLAIN QUERY PLAN SELECT person_id, due_on FROM follow_up f WHERE {where}"),
            {"day": "2024-01-01"},
        )
        return " ".join(row[-1] for row in rows)

    # The open follow-ups of a day are one range of the index (read without the table on
    # the SQLite sqlcipher3 bundles, which uses an expression's value from the index).
    where = sql(open_on(outer("f"), param("day")))
    assert "INDEX ix_follow_up_open_until (programme=? AND <expr>>?)" in plan(
        f"f.programme = 'p' AND {where}"
    )


def test_someone_has_left_once_their_last_stay_ended_and_no_other_is_open(
    db: Connection,
) -> None:
    spans = [(date(2024, 1, 10), date(2024, 1, 20)), (date(2024, 2, 1), None)]
    for id_, (arrived, left) in enumerate(spans, start=1):
        db.execute(
            text("INSERT INTO stay (id, person_id, arrived_on, left_on) VALUES (:i, 1, :a, :l)"),
            {"i": id_, "a": arrived, "l": left},
        )
    where = sql(has_left(1, param("day")))
    by_hand = {
        date(2024, 1, 9): False,  # not arrived yet: not resident, but has not left either
        date(2024, 1, 19): False,
        date(2024, 1, 20): True,
        date(2024, 1, 31): True,
        date(2024, 2, 1): False,  # back again
    }
    for day, expected in by_hand.items():
        in_sql = db.execute(text(f"SELECT {where}"), {"day": day.isoformat()}).scalar()
        assert bool(in_sql) is expected, day
        assert has_left_by(spans, day) is expected, day
