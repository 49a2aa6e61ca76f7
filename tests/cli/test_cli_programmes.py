"""``outreach programmes``, ``outreach log step`` and ``outreach stats --programme``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.cli import ok, run
from tests.support.stores import frozen_on, new_store

_today = frozen_on("2025-06-01")


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    path = tmp_path_factory.mktemp("cli") / "store"
    new_store(path).close()
    yield path


def test_programmes_lists_every_file_with_its_kind() -> None:
    from typer.testing import CliRunner

    from outreach.cli import app

    out = CliRunner().invoke(app, ["programmes"]).output.splitlines()
    assert out == [
        "Programme           Kind     Title",
        "bbv-hepatitis-b     cascade  Hepatitis B testing",
        "bbv-hepatitis-c     cascade  Hepatitis C testing",
        "bbv-hiv             cascade  HIV testing",
        "bowel-screening     cascade  Bowel screening",
        "cervical-screening  recall   Cervical screening",
    ]


def test_steps_logged_are_counted_in_the_programme_s_cascade(folder: Path) -> None:
    ok(
        folder,
        "people",
        "add",
        "B1",
        "--name",
        "Bo [/] One",
        "--dob",
        "1990-01-01",
        "--unit",
        "A",
        "--arrived",
        "2025-05-01",
    )
    ok(
        folder,
        "people",
        "add",
        "B2",
        "--name",
        "Cy Two",
        "--dob",
        "1990-01-01",
        "--unit",
        "B",
        "--arrived",
        "2025-05-03",
    )
    said = ok(
        folder,
        "log",
        "step",
        "--programme",
        "bbv-hepatitis-c",
        "--person",
        "B1",
        "--step",
        "offered",
        "--date",
        "2025-05-02",
    )
    assert said == "Recorded offered (1).\n"
    said = ok(
        folder,
        "log",
        "step",
        "--programme",
        "bbv-hepatitis-c",
        "--person",
        "B1",
        "--step",
        "antibody_test",
        "--result",
        "negative",
        "--date",
        "05/05/2025",
    )
    assert said == "Recorded antibody test (negative) (2).\n"
    refused = run(
        folder,
        "log",
        "step",
        "--programme",
        "bbv-hepatitis-c",
        "--person",
        "B2",
        "--step",
        "antibody_test",
        "--date",
        "2025-05-05",
    )
    assert refused.exit_code == 1
    assert "result: Antibody test needs a result: one of positive, negative" in refused.output
    figures = json.loads(
        ok(
            folder,
            "stats",
            "--programme",
            "bbv-hepatitis-c",
            "--period",
            "2025-05",
            "--as-of",
            "2025-05-31",
            "--json",
        )
    )
    stages = figures["cascade"]["stages"]
    assert figures["cascade"]["cohort"] == 2
    assert [(s["key"], s["count"], s["of"]) for s in stages[:3]] == [
        ("offered", 1, 2),
        ("tested", 1, 1),
        ("antibody_positive", 0, 1),
    ]
    assert figures["national"]["gap"] == pytest.approx(50.0 - 63.9)
    text = ok(
        folder,
        "stats",
        "--programme",
        "bbv-hepatitis-c",
        "--period",
        "2025-05",
        "--as-of",
        "2025-05-31",
        "--by",
        "unit",
    ).splitlines()
    assert text[:4] == [
        "Hepatitis C testing, 2025-05 (read up to 2025-05-31): 2 receptions",
        "  Stage              People  Rate    Median wait  Standard",
        "  Offered            1 of 2  50.0%   1 day        1 within 3 days",
        "  Tested (antibody)  1 of 1  100.0%  3 days",
    ]
    assert "unit A: 1 reception" in text
    assert all(len(line) <= 80 for line in text)


def test_an_unknown_programme_or_breakdown_is_refused(folder: Path) -> None:
    refused = run(folder, "stats", "--programme", "breast")
    assert refused.exit_code == 1
    assert "--programme: no programme 'breast' (one of bbv-hepatitis-b," in refused.output
    refused = run(folder, "stats", "--programme", "bbv-hiv", "--by", "wing")
    assert (
        "--by: 'wing' is not a breakdown (one of unit, ethnicity, disability, "
        "learning-disability, language, interpreter)"
    ) in refused.output


def test_person_shows_the_latest_step_of_each_testing_programme(folder: Path) -> None:
    # After the steps logged above: B1 was tested negative for hepatitis C.
    out = ok(folder, "person", "B1")
    assert "  Hepatitis C testing: Antibody test (Antibody negative) on 2025-05-05" in out
    assert "HIV testing" not in out  # nothing recorded
    ok(
        folder,
        "log",
        "step",
        "--programme",
        "bbv-hiv",
        "--person",
        "B1",
        "--step",
        "hiv_test",
        "--result",
        "reactive",
        "--date",
        "2025-05-06",
    )
    out = ok(folder, "person", "B1")
    assert (
        "  HIV testing: HIV test (Reactive (to be confirmed)) on 2025-05-06; 1 follow-up open"
        in out
    )
