"""Screening results in the words and codes of lab letters and clinical systems, read from the
programme file; moderate and severe high-grade dyskaryosis kept apart; `outreach codes`."""

from __future__ import annotations

import pytest
from sqlmodel import col, select
from typer.testing import CliRunner

from outreach.cli import app
from outreach.imports import values as csv_values
from outreach.imports.files import RowError
from outreach.imports.pipeline import import_people, import_screening
from outreach.model import Cytology, HpvResult, ScreeningEvent
from outreach.rules.programme import load_programme
from outreach.rules.wording import load_wording, wording_key
from outreach.services.errors import ValidationError
from outreach.store.store import Store
from tests.support.stores import frozen_on

PEOPLE = b"ref,name,date_of_birth,arrived\nA1,Ann Lee,1990-01-01,2024-01-01\n"


_today = frozen_on("2024-12-01")


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("HPV detected", "positive"),
        ("HPV not detected", "negative"),
        ("unavailable", "unavailable"),
        ("HR-HPV unreliable", "unavailable"),
    ],
)
def test_hpv_wording_of_lab_letters(text: str, stored: str) -> None:
    assert csv_values.code(text, HpvResult, "hpv") == stored


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("Negative", "normal"),
        ("Borderline change in squamous cells", "borderline"),
        ("Borderline change in endocervical cells", "borderline"),
        ("Low-grade dyskaryosis", "low_grade"),
        ("High-grade dyskaryosis (moderate)", "high_grade_moderate"),
        ("High-grade dyskaryosis (severe)", "high_grade_severe"),
        ("high grade dyskaryosis severe", "high_grade_severe"),
        ("High-grade dyskaryosis ? invasive squamous carcinoma", "invasive"),
        ("Possible invasive squamous carcinoma", "invasive"),
        ("? glandular neoplasia of endocervical type", "glandular"),
        ("? Glandular neoplasia (non-cervical)", "glandular"),
        ("Possible glandular neoplasia", "glandular"),
        ("Inadequate", "inadequate"),
    ],
)
def test_cytology_wording_of_lab_letters(text: str, stored: str) -> None:
    assert csv_values.code(text, Cytology, "cytology") == stored


def test_moderate_and_severe_high_grade_are_different_codes_with_the_same_action() -> None:
    assert Cytology.high_grade_moderate != Cytology.high_grade_severe
    table = load_programme().results.hpv_positive
    assert table["high_grade_moderate"] == table["high_grade_severe"] == "colposcopy_2_weeks"


def test_wording_is_compared_ignoring_case_and_punctuation() -> None:
    assert wording_key("  ? Glandular neoplasia (non-cervical) ") == (
        "glandular_neoplasia_non_cervical"
    )


def test_nhs_result_infection_and_action_codes() -> None:
    wording = load_wording()
    assert (wording.cytology_codes["4"], wording.cytology_codes["7"]) == (
        "high_grade_severe",
        "high_grade_moderate",
    )
    assert csv_values.nhs_codes("x0a", "nhs_codes") == ("X", "0", "A")
    assert csv_values.nhs_codes("4S", "nhs_codes") == ("4", "Q", "S")
    with pytest.raises(ValidationError) as caught:
        csv_values.nhs_codes("Z0A", "nhs_codes")
    assert caught.value.field == "result_code"
    assert "'Z' is not one of 0 (glandular), G (glandular), 1 (inadequate)" in str(caught.value)


def test_a_refused_result_lists_the_accepted_codes() -> None:
    with pytest.raises(ValidationError) as caught:
        csv_values.code("HPV maybe", HpvResult, "hpv")
    assert str(caught.value) == (
        "hpv: 'HPV maybe' is not one of negative, positive, unavailable "
        "(or the wording 'outreach codes hpv' lists)"
    )


def _events(store: Store) -> list[tuple[str, str, str | None, str | None, str | None]]:
    with store.read() as session:
        rows = session.exec(select(ScreeningEvent).order_by(col(ScreeningEvent.occurred_on))).all()
    return [(str(e.occurred_on), e.event, e.hpv, e.cytology, e.action) for e in rows]


@pytest.mark.slow
def test_a_file_in_lab_wording_and_codes_stores_exact_results(store: Store) -> None:
    assert import_people(store, PEOPLE).written
    report = import_screening(
        store,
        b"ref,date,hpv,cytology,nhs_codes\n"
        b"A1,2024-02-01,HPV detected,High-grade dyskaryosis (moderate),\n"
        b"A1,2024-03-01,,,79S\n"
        b"A1,2024-04-01,HPV not detected,,X0A\n",
    )
    assert report.errors == []
    assert (report.added, report.unchanged) == (3, 0)
    # Rows with a result and no event are tests; moderate stays moderate, code 7 is moderate.
    assert _events(store) == [
        ("2024-02-01", "test", "positive", "high_grade_moderate", "colposcopy_2_weeks"),
        ("2024-03-01", "test", "positive", "high_grade_moderate", "colposcopy_2_weeks"),
        ("2024-04-01", "test", "negative", None, "routine_recall"),
    ]


def test_a_result_and_a_code_that_disagree_are_refused(store: Store) -> None:
    assert import_people(store, PEOPLE).written
    report = import_screening(
        store, b"ref,date,cytology,result_code,infection_code\nA1,2024-02-01,negative,4,9\n"
    )
    assert report.errors == [
        RowError(2, "cytology", "normal differs from the NHS code 4 (high_grade_severe)")
    ]
    assert _events(store) == []


def test_outreach_codes_lists_every_alias_of_a_column() -> None:
    result = CliRunner().invoke(app, ["codes", "cytology"])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0] == "cytology (screening files)"
    severe = next(line for line in lines if line.startswith("  high_grade_severe"))
    assert severe == "  high_grade_severe    high-grade dyskaryosis (severe); severe dyskaryosis"
    spelled = load_wording().spellings["cytology"]
    for aliases in spelled.values():
        for alias in aliases:
            assert alias in result.output.replace("\n                       ", " ")


def test_outreach_codes_refuses_an_unknown_column() -> None:
    result = CliRunner().invoke(app, ["codes", "colour"])
    assert result.exit_code == 1
    assert "no column 'colour'; the coded columns are has_cervix" in result.output
