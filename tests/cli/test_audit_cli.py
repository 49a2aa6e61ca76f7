"""``outreach audit``: the audit log newest first, filtered, and whether its chain verifies.

The store holds five audit rows, each written at a frozen time:

    1  2024-06-10 09:00:00  ana  store.init   (the store is created)
    2  2024-06-10 09:05:00  ana  person.add   person 1 (A1001, Alice Brown)
    3  2024-06-11 14:30:00  ana  account.add  account 2 (bob, staff)
    4  2024-06-12 08:15:00  bob  mentor.add   mentor 1 (Maya Lee)
    5  2024-06-13 16:45:00  ana  person.add   person 2 (B2001, Dana Evans)
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from freezegun import freeze_time
from sqlmodel import select
from typer.testing import CliRunner

from outreach.cli import app
from outreach.model import AuditEntry, Role
from outreach.services.mentors import AddMentor, add_mentor
from outreach.services.people import AddPerson, add_person
from outreach.store.store import Store
from tests.support.stores import PASSPHRASE, new_store

BOB_PASSPHRASE = "bob's own long passphrase"
CHAIN_OK = "Audit chain verified: all 5 rows link up."
HEADER = "#  When (UTC)           Who  Action       Record     Fields"
# The fields wrap inside their column so that no line is wider than 80 columns.
ROW_5 = (
    "5  2024-06-13 16:45:00  ana  person.add   person 2   date_of_birth,\n"
    "                                                     display_name, has_cervix,\n"
    "                                                     ref, stay.arrived_on,\n"
    "                                                     stay.unit"
)
ROW_4 = "4  2024-06-12 08:15:00  bob  mentor.add   mentor 1   name, trained_on"
ROW_3 = "3  2024-06-11 14:30:00  ana  account.add  account 2  name, role"
ROW_2 = (
    "2  2024-06-10 09:05:00  ana  person.add   person 1   date_of_birth,\n"
    "                                                     display_name, has_cervix,\n"
    "                                                     ref, stay.arrived_on,\n"
    "                                                     stay.unit"
)
ROW_1 = "1  2024-06-10 09:00:00  ana  store.init   site       -"


def _person(store: Store, ref: str, name: str, born: date) -> None:
    add_person(
        store,
        AddPerson(
            ref=ref,
            display_name=name,
            date_of_birth=born,
            has_cervix="yes",
            unit="Wing A",
            arrived_on=date(2024, 1, 10),
        ),
    )


def build(folder: Path) -> None:
    """The store of the module docstring."""
    with freeze_time("2024-06-10 09:00:00"):
        ana = new_store(folder)
    try:
        with freeze_time("2024-06-10 09:05:00"):
            _person(ana, "A1001", "Alice Brown", date(1990, 3, 2))
        with freeze_time("2024-06-11 14:30:00"):
            ana.add_account("bob", Role.staff, BOB_PASSPHRASE)
        with freeze_time("2024-06-12 08:15:00"):
            bob = Store.unlock(folder, user="bob", passphrase=BOB_PASSPHRASE)
            try:
                add_mentor(bob, AddMentor(name="Maya Lee", trained_on=date(2022, 9, 1)))
            finally:
                bob.close()
        with freeze_time("2024-06-13 16:45:00"):
            _person(ana, "B2001", "Dana Evans", date(1995, 11, 30))
    finally:
        ana.close()


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One store for the module: listing the audit changes nothing."""
    built = tmp_path_factory.mktemp("audit-cli") / "store"
    build(built)
    return built


def _run(folder: Path, *args: str, passphrase: str = PASSPHRASE) -> tuple[int, str, str]:
    result = CliRunner().invoke(
        app,
        ["audit", "--store", str(folder), *args],
        env={"OUTREACH_PASSPHRASE": passphrase, "OUTREACH_USER": "ana"},
    )
    return result.exit_code, result.stdout, result.stderr


def _lines(*lines: str) -> str:
    return "".join(f"{line}\n" for line in lines)


@pytest.mark.slow
def test_every_row_is_listed_newest_first_then_the_chain_verifies(folder: Path) -> None:
    assert _run(folder) == (
        0,
        _lines(HEADER, ROW_5, ROW_4, ROW_3, ROW_2, ROW_1, CHAIN_OK),
        "",
    )


def test_since_and_until_keep_the_rows_of_those_days_inclusive(folder: Path) -> None:
    code, out, _ = _run(folder, "--since", "2024-06-11", "--until", "12/06/2024")
    assert (code, out) == (0, _lines(HEADER, ROW_4, ROW_3, CHAIN_OK))


@pytest.mark.slow
def test_an_action_matches_itself_or_names_its_group(folder: Path) -> None:
    grouped = _run(folder, "--action", "person")
    exact = _run(folder, "--action", "person.add")
    # Columns are as wide as the rows listed need.
    assert (
        grouped
        == exact
        == (
            0,
            _lines(
                "#  When (UTC)           Who  Action      Record    Fields",
                "5  2024-06-13 16:45:00  ana  person.add  person 2  date_of_birth, display_name,",
                "                                                   has_cervix, ref,",
                "                                                   stay.arrived_on, stay.unit",
                "2  2024-06-10 09:05:00  ana  person.add  person 1  date_of_birth, display_name,",
                "                                                   has_cervix, ref,",
                "                                                   stay.arrived_on, stay.unit",
                CHAIN_OK,
            ),
            "",
        )
    )


def test_an_action_is_not_matched_by_part_of_its_name(folder: Path) -> None:
    code, out, _ = _run(folder, "--action", "person.ad")
    assert (code, out) == (0, _lines("No audit rows match.", CHAIN_OK))


def test_actor_keeps_what_that_account_did(folder: Path) -> None:
    code, out, _ = _run(folder, "--actor", "bob")
    assert (code, out) == (
        0,
        _lines(
            "#  When (UTC)           Who  Action      Record    Fields",
            "4  2024-06-12 08:15:00  bob  mentor.add  mentor 1  name, trained_on",
            CHAIN_OK,
        ),
    )


def test_limit_keeps_the_newest_rows(folder: Path) -> None:
    code, out, _ = _run(folder, "--limit", "2")
    assert (code, out) == (
        0,
        _lines(
            "#  When (UTC)           Who  Action      Record    Fields",
            "5  2024-06-13 16:45:00  ana  person.add  person 2  date_of_birth, display_name,",
            "                                                   has_cervix, ref,",
            "                                                   stay.arrived_on, stay.unit",
            "4  2024-06-12 08:15:00  bob  mentor.add  mentor 1  name, trained_on",
            CHAIN_OK,
        ),
    )


def test_json_gives_the_rows_and_the_chain(folder: Path) -> None:
    code, out, _ = _run(folder, "--json", "--actor", "bob")
    assert code == 0
    assert json.loads(out) == {
        "rows": [
            {
                "id": 4,
                "at": "2024-06-12T08:15:00+00:00",
                "actor": "bob",
                "action": "mentor.add",
                "entity": "mentor",
                "entity_id": 1,
                "fields": ["name", "trained_on"],
            }
        ],
        "chain": {"verified": True, "rows": 5, "broken_at": None, "reason": None},
        "head": {"verified": True, "problem": None},
        "signatures": {
            "verified": True,
            "signed": 5,
            "unsigned": 0,
            "failed": 0,
            "problems": [],
        },
    }


def test_the_listing_names_fields_but_never_their_values(folder: Path) -> None:
    _, out, _ = _run(folder, "--json")
    for value in ("A1001", "Alice", "B2001", "Dana", "Maya", "1990", "Wing A", "staff"):
        assert value not in out


def test_an_unknown_actor_is_refused(folder: Path) -> None:
    assert _run(folder, "--actor", "zoe") == (1, "", "error: actor: no account is called 'zoe'\n")


def test_a_limit_out_of_range_is_refused(folder: Path) -> None:
    code, _, err = _run(folder, "--limit", "0")
    assert (code, err) == (1, "error: limit: must be between 1 and 10000\n")


def test_until_before_since_is_refused(folder: Path) -> None:
    code, _, err = _run(folder, "--since", "2024-06-12", "--until", "2024-06-11")
    assert (code, err) == (1, "error: until: 2024-06-11 is before --since 2024-06-12\n")


def test_only_admins_read_the_audit(folder: Path) -> None:
    result = CliRunner().invoke(
        app,
        ["audit", "--store", str(folder), "--user", "bob"],
        env={"OUTREACH_PASSPHRASE": BOB_PASSPHRASE},
    )
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == "error: bob is staff; this needs admin\n"


@pytest.mark.slow
def test_a_changed_row_breaks_the_chain_and_the_command_exits_1(tmp_path: Path) -> None:
    build(tmp_path / "store")
    store = Store.unlock(tmp_path / "store", user="ana", passphrase=PASSPHRASE)
    try:
        with store.write() as session:
            row = session.exec(select(AuditEntry).where(AuditEntry.id == 3)).one()
            row.fields = "name"
            session.add(row)
    finally:
        store.close()
    code, out, _ = _run(tmp_path / "store", "--action", "mentor")
    assert (code, out) == (
        1,
        _lines(
            "#  When (UTC)           Who  Action      Record    Fields",
            "4  2024-06-12 08:15:00  bob  mentor.add  mentor 1  name, trained_on",
            "Audit chain BROKEN at row 3: its contents changed after it was written. "
            "Keep a copy of this store as it is, and run outreach check.",
        ),
    )
