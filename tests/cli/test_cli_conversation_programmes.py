"""``outreach log conversation`` about several programmes: --programme (repeatable), a bare
or KEY=CODE --outcome, and KEY=CODE barriers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from outreach.store.store import Store
from tests.support.cli import ok as _ok
from tests.support.cli import run as _run
from tests.support.stores import PASSPHRASE, frozen_on, new_store

TODAY = "2025-06-01"
HEP_C = "bbv-hepatitis-c"


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    path = tmp_path_factory.mktemp("cli") / "store"
    new_store(path).close()
    yield path


_today = frozen_on(TODAY)

_BASE = ("log", "conversation", "--date", "2025-05-02", "--mentor", "Mo", "--setting", "wing")


def _rows(folder: Path, sql: str) -> list[tuple[object, ...]]:
    with Store.unlock(folder, user="ana", passphrase=PASSPHRASE) as store, store.read() as s:
        return [tuple(r) for r in s.connection().exec_driver_sql(sql)]


def test_setup(folder: Path) -> None:
    _ok(
        folder,
        "people",
        "add",
        "A1",
        "--name",
        "Ann",
        "--dob",
        "1990-01-01",
        "--arrived",
        "2024-01-02",
    )
    _ok(
        folder,
        "people",
        "add",
        "B2",
        "--name",
        "Bea",
        "--dob",
        "1985-01-01",
        "--arrived",
        "2024-01-02",
    )
    _ok(folder, "mentors", "add", "Mo", "--trained-on", "2023-01-01")


def test_one_outcome_for_both_and_each_barrier_named_with_its_programme(folder: Path) -> None:
    out = _ok(
        folder,
        *_BASE,
        "--person",
        "A1",
        "--programme",
        "cervical-screening",
        "--programme",
        HEP_C,
        "--outcome",
        "booked",
        "--barrier",
        "cervical-screening=fear_anxiety",
        "--barrier",
        f"{HEP_C}=needles",
    )
    assert out == "Logged conversation 1.\n"
    assert _rows(folder, "SELECT programme, outcome FROM conversation") == [
        ("cervical-screening", "booked")
    ]
    assert _rows(folder, "SELECT programme, outcome FROM conversation_programme") == [
        (HEP_C, "booked")
    ]
    assert _rows(folder, "SELECT code FROM conversation_barrier") == [("fear_anxiety",)]
    assert _rows(folder, "SELECT programme, code FROM conversation_programme_barrier") == [
        (HEP_C, "needles")
    ]


def test_a_programmes_own_outcome_overrides_the_bare_one(folder: Path) -> None:
    out = _ok(
        folder,
        *_BASE,
        "--person",
        "B2",
        "--programme",
        "cervical-screening",
        "--programme",
        HEP_C,
        "--outcome",
        "booked",
        "--outcome",
        f"{HEP_C}=informed_decline",
    )
    assert out == (f"Logged conversation 2.\nRecorded decision for {HEP_C}: informed decline.\n")
    assert _rows(folder, "SELECT outcome FROM conversation WHERE id = 2") == [("booked",)]
    assert _rows(
        folder, "SELECT programme, outcome FROM conversation_programme WHERE conversation_id = 2"
    ) == [(HEP_C, "informed_decline")]


def test_one_programme_alone_takes_bare_barriers(folder: Path) -> None:
    _ok(
        folder,
        *_BASE,
        "--person",
        "A1",
        "--programme",
        HEP_C,
        "--outcome",
        "accepted_offer",
        "--barrier",
        "stigma",
    )
    assert _rows(folder, "SELECT programme, outcome FROM conversation WHERE id = 3") == [
        (HEP_C, "accepted_offer")
    ]
    assert _rows(folder, "SELECT code FROM conversation_barrier WHERE conversation_id = 3") == [
        ("stigma",)
    ]


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (
            (
                "--programme",
                HEP_C,
                "--programme",
                "cervical-screening",
                "--outcome",
                "booked",
                "--barrier",
                "needles",
            ),
            "error: barriers: 'needles': say which programme the barrier is about",
        ),
        (
            ("--outcome", f"{HEP_C}=booked"),
            f"error: programme: --outcome {HEP_C}=...: {HEP_C} is not among the programmes named",
        ),
        (
            (
                "--programme",
                HEP_C,
                "--programme",
                "cervical-screening",
                "--outcome",
                f"{HEP_C}=booked",
            ),
            "error: outcome: no outcome for cervical-screening",
        ),
        (
            ("--programme", "flu", "--outcome", "booked"),
            "error: programme: 'flu' is not a programme",
        ),
    ],
)
def test_what_cannot_be_read_is_refused_and_nothing_is_written(
    folder: Path, args: tuple[str, ...], said: str
) -> None:
    before = _rows(folder, "SELECT count(*) FROM conversation")
    result = _run(folder, *_BASE, "--person", "A1", *args)
    assert result.exit_code == 1
    assert said in result.output
    assert _rows(folder, "SELECT count(*) FROM conversation") == before
