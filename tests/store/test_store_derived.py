"""Derived figures kept in the store: written only when no change was saved since their read,
with no audit row; ``outreach check`` lines recounted on a connection of their own."""

from __future__ import annotations

from sqlalchemy import text
from sqlmodel import Session

from outreach.store.derived import agreement, keep_unless_changed, recounted
from outreach.store.store import Store

KEEP_MONTH = (
    "INSERT OR REPLACE INTO month_activity (month, rules, counts) VALUES (:month, :rules, :counts)"
)
ROWS = [
    {"month": "2025-01", "rules": "r", "counts": "{}"},
    {"month": "2025-02", "rules": "r", "counts": '{"n":1}'},
]


def newest_audit(store: Store) -> int | None:
    with store.read() as session:
        found = session.execute(text("SELECT max(id) FROM audit")).scalar_one_or_none()
    return None if found is None else int(found)


def kept_months(store: Store) -> list[tuple[str, str]]:
    with store.read() as session:
        rows = session.execute(text("SELECT month, counts FROM month_activity ORDER BY month"))
        return [(str(m), str(c)) for m, c in rows]


def test_rows_read_at_the_newest_audit_row_are_kept_without_an_audit_row(store: Store) -> None:
    seen = newest_audit(store)
    commits = store.commits

    assert keep_unless_changed(store, KEEP_MONTH, ROWS, seen) is True

    assert kept_months(store) == [("2025-01", "{}"), ("2025-02", '{"n":1}')]
    assert newest_audit(store) == seen
    assert store.commits == commits


def test_rows_read_before_a_saved_change_are_dropped(store: Store) -> None:
    seen = newest_audit(store)
    with store.action("test.change", entity="site") as act:
        act.names(1, ["name"])

    assert keep_unless_changed(store, KEEP_MONTH, ROWS, seen) is False
    assert kept_months(store) == []


def test_nothing_to_keep_writes_nothing(store: Store) -> None:
    commits = store.commits
    assert keep_unless_changed(store, KEEP_MONTH, [], newest_audit(store)) is False
    assert store.commits == commits


def test_a_failing_write_keeps_nothing_and_says_nothing(store: Store) -> None:
    statement = "INSERT INTO no_such_table (month) VALUES (:month)"
    assert keep_unless_changed(store, statement, ROWS, newest_audit(store)) is False
    assert kept_months(store) == []


def test_a_check_line_is_what_its_finding_says(store: Store) -> None:
    def accounts(session: Session) -> tuple[bool, str]:
        count = session.execute(text("SELECT count(*) FROM account")).scalar_one()
        return True, f"{count} accounts"

    assert recounted(store.folder, store._data_key, accounts, failing="x") == (True, "1 accounts")


def test_a_finding_that_fails_names_the_error(store: Store) -> None:
    def broken(session: Session) -> tuple[bool, str]:
        session.execute(text("SELECT * FROM no_such_table"))
        return True, "unreachable"

    ok, said = recounted(store.folder, store._data_key, broken, failing="could not count")
    assert ok is False
    assert said.startswith("could not count: OperationalError: ")
    assert "no such table: no_such_table" in said


def test_a_check_line_names_the_first_five_that_differ() -> None:
    wrong = ["2025-01", "2025-02", "2025-03", "2025-04", "2025-05", "2025-06"]
    assert agreement(9, wrong, "kept months") == (
        False,
        "6 of 9 kept months differ from counting afresh: "
        "2025-01, 2025-02, 2025-03, 2025-04, 2025-05",
    )
    assert agreement(3, [], "kept month ends") == (
        True,
        "3 kept month ends agree with counting afresh",
    )
    assert agreement(0, [], "kept months") == (True, "none kept yet")
