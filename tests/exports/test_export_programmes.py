"""Exports of a testing programme (``export --programme KEY|all``): the hepatitis C cascade of
2024-Q1 read on 30 June 2024, of the hand-worked cohort of
``tests/stats/test_stats_cascade_hepatitis_c.py``, cell by cell; the same cells under
disclosure control; cervical screening's files unchanged by the choice; and each
programme's exports checked only against earlier exports of the same programme."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlmodel import col, select

from outreach.errors import ValidationError
from outreach.exports.export import export_summary
from outreach.exports.history import figures_from_json
from outreach.exports.preview import published_summary
from outreach.exports.signing import verify_export
from outreach.model import ExportRecord
from outreach.store.store import Store
from tests.exports.test_export_differencing import LATE
from tests.exports.test_export_differencing import populate as populate_conversations
from tests.stats.test_stats_cascade_hepatitis_c import AS_OF, HEP_C, build
from tests.support.cli import ok, run
from tests.support.cohort import Cohort
from tests.support.stores import new_store

Cells = list[tuple[str, str]]

# Worked out by hand from the cohort's comments (the stats test checks the same counts):
# 8 receptions; offered 7 (gaps 1, 5, 1, 1, 1, 0, 4: median 1, 5 within 3 days); tested 5 of
# the 7 (gaps 1, 0, 14, 1, 0: median 1); antibody positive 3 of 5 (0, 0, 0); RNA positive 2
# of 3 (12, 14: median 13); referred 2 of 2 (4, 4); treated 1 of 2 (25 days, within 126);
# cured 1 of 1 (92). Rates to one decimal: 7/8 = 87.5, 5/7 = 71.4, 2/3 = 66.7.
# Targets: tested 95% of 8 needs ceil(7.6) = 8, 3 more than 5; treated 90% of 2 needs
# ceil(1.8) = 2, 1 more than 1.
EXACT: Cells = [
    ("cohort", "8"),
    ("stage_offered", "87.5"),
    ("stage_offered.offered", "7"),
    ("stage_offered.cohort", "8"),
    ("stage_offered_days", "1.0"),
    ("stage_offered_on_time", "71.4"),
    ("stage_offered_on_time.on_time", "5"),
    ("stage_offered_on_time.offered", "7"),
    ("stage_tested", "71.4"),
    ("stage_tested.tested", "5"),
    ("stage_tested.offered", "7"),
    ("stage_tested_days", "1.0"),
    ("stage_antibody_positive", "60.0"),
    ("stage_antibody_positive.antibody_positive", "3"),
    ("stage_antibody_positive.tested", "5"),
    ("stage_antibody_positive_days", "0.0"),
    ("stage_rna_positive", "66.7"),
    ("stage_rna_positive.rna_positive", "2"),
    ("stage_rna_positive.antibody_positive", "3"),
    ("stage_rna_positive_days", "13.0"),
    ("stage_referred", "100.0"),
    ("stage_referred.referred", "2"),
    ("stage_referred.rna_positive", "2"),
    ("stage_referred_days", "4.0"),
    ("stage_treated", "50.0"),
    ("stage_treated.treated", "1"),
    ("stage_treated.referred", "2"),
    ("stage_treated_days", "25.0"),
    ("stage_treated_on_time", "100.0"),
    ("stage_treated_on_time.on_time", "1"),
    ("stage_treated_on_time.treated", "1"),
    ("stage_cured", "100.0"),
    ("stage_cured.cured", "1"),
    ("stage_cured.treated", "1"),
    ("stage_cured_days", "92.0"),
    ("measure_offered", "87.5"),
    ("measure_offered.offered", "7"),
    ("measure_offered.cohort", "8"),
    ("measure_tested", "62.5"),
    ("measure_tested.tested", "5"),
    ("measure_tested.cohort", "8"),
    ("measure_tested_target", "95.0"),
    ("measure_tested_target_needed", "3"),
    ("measure_treated", "50.0"),
    ("measure_treated.treated", "1"),
    ("measure_treated.rna_positive", "2"),
    ("measure_treated_target", "90.0"),
    ("measure_treated_target_needed", "1"),
    ("national_tested", "63.9"),
]

# nhs-hes-2018: 0 stays 0, 1 to 7 are *, the rest rounded to 5 (8 -> 10); a rate with a *
# count is *; a median needs 10 values; targets and the national figure are published as set;
# the people needed is * when its numerator is.
HES_CELLS: Cells = [
    ("cohort", "10"),
    ("stage_offered", ""),
    ("stage_offered.offered", ""),
    ("stage_offered.cohort", "10"),
    ("stage_offered_days", ""),
    ("stage_offered_on_time", ""),
    ("stage_offered_on_time.on_time", ""),
    ("stage_offered_on_time.offered", ""),
    *((name, "") for name, _ in EXACT[8:35]),
    ("measure_offered", ""),
    ("measure_offered.offered", ""),
    ("measure_offered.cohort", "10"),
    ("measure_tested", ""),
    ("measure_tested.tested", ""),
    ("measure_tested.cohort", "10"),
    ("measure_tested_target", "95.0"),
    ("measure_tested_target_needed", ""),
    ("measure_treated", ""),
    ("measure_treated.treated", ""),
    ("measure_treated.rna_positive", ""),
    ("measure_treated_target", "90.0"),
    ("measure_treated_target_needed", ""),
    ("national_tested", "63.9"),
]


@pytest.fixture(scope="module")
def cohort_store(shared_store: Store) -> Store:
    build(shared_store)
    return shared_store


def _export(store: Store, out: Path, policy: str, programme: str = HEP_C) -> Path:
    export_summary(
        store,
        period="2024-Q1",
        out=out,
        as_of=AS_OF,
        policy=policy,
        formats=["csv", "xlsx", "json", "html", "fhir"],
        programme=programme,
    )
    return out


def _csv_cells(folder: Path) -> Cells:
    with (folder / "summary.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert {(r["breakdown"], r["category"], r["period"]) for r in rows} == {
        ("total", "all", "2024-Q1")
    }
    return [(r["measure"], r["value"]) for r in rows]


@pytest.mark.slow
@pytest.mark.parametrize(("policy", "cells"), [("none", EXACT), ("nhs-hes-2018", HES_CELLS)])
def test_the_hepatitis_c_cascade_is_exported_cell_by_cell(
    cohort_store: Store, tmp_path: Path, policy: str, cells: Cells
) -> None:
    folder = _export(cohort_store, tmp_path / policy, policy)
    assert _csv_cells(folder) == cells
    document = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    assert document["programme"] == {"key": HEP_C, "title": "Hepatitis C testing"}
    assert [
        (f["measure"], "" if f["value"] is None else str(f["value"])) for f in document["figures"]
    ] == cells


def test_the_workbook_and_report_name_the_stages_from_the_programme_file(
    cohort_store: Store, tmp_path: Path
) -> None:
    folder = _export(cohort_store, tmp_path / "named", "none")
    book = load_workbook(folder / "summary.xlsx")
    # No coverage trend in a testing programme: no Trend sheet.
    assert book.sheetnames == ["Summary", "Breakdowns", "Notes"]
    sheet = book["Summary"]
    shown = {row[0]: row[3:6] for row in sheet.iter_rows(min_row=7, values_only=True)}
    assert shown["Tested (antibody) (% of Offered)"] == (71.4, 5, 7)
    assert shown["Treatment started within 126 days (%)"] == (100.0, 1, 1)
    assert shown["Tested of receptions: target (%)"] == (95.0, None, None)
    assert shown["People followed (receptions)"] == (8, None, None)
    html = (folder / "report.html").read_text(encoding="utf-8")
    assert "<h1>Hepatitis C testing: HMP Test, 2024-Q1</h1>" in html
    assert "Coverage trend" not in html
    assert "<td>Days to rna positive (median)</td>" in html
    fhir = json.loads((folder / "measure-reports.fhir.json").read_text(encoding="utf-8"))
    measures = [entry["resource"]["measure"] for entry in fhir["entry"]]
    assert "urn:outreach:Measure:bbv-hepatitis-c-stage-tested" in measures


@pytest.mark.slow
def test_cervical_screening_files_are_the_same_whether_or_not_it_is_named(
    filled_store: Store, tmp_path: Path
) -> None:
    plain = tmp_path / "plain"
    named = tmp_path / "named"
    export_summary(filled_store, period="2024-Q2", out=plain)
    export_summary(filled_store, period="2024-Q2", out=named, programme="cervical-screening")
    for name in (
        "summary.csv",
        "summary.json",
        "report.html",
        "measure-reports.fhir.json",
        "notes.txt",
    ):
        assert (plain / name).read_bytes() == (named / name).read_bytes(), name
    with filled_store.read() as session:
        records = session.exec(select(ExportRecord)).all()
    assert [r.programme for r in records[-2:]] == ["cervical-screening"] * 2


def test_an_unknown_programme_is_refused_naming_the_known_ones(cohort_store: Store) -> None:
    with pytest.raises(ValidationError) as refused:
        published_summary(cohort_store, period="2024-Q1", as_of=AS_OF, programme="hep-z")
    assert refused.value.field == "programme"
    assert refused.value.message == (
        "no programme 'hep-z' (one of bbv-hepatitis-b, bbv-hepatitis-c, bbv-hiv, "
        "bowel-screening, cervical-screening; outreach programmes lists them)"
    )


@pytest.fixture
def conversations_store(tmp_path: Path) -> Iterator[Store]:
    """Conversations 8, 8 and 1 in July, August and September 2024 (published 10, 10, *)."""
    opened = new_store(tmp_path / "s", site="HMP Diff")
    populate_conversations(opened)
    yield opened
    opened.close()


@pytest.mark.slow
def test_another_programmes_export_does_not_hide_cervical_exports_from_the_check(
    conversations_store: Store, tmp_path: Path
) -> None:
    # July, August and September of cervical screening pin September's 1 beside the quarter.
    # A later hepatitis C export of September is the latest export of that month, but it is
    # another programme's: the cervical quarter must still be refused.
    for month in ("2024-07", "2024-08", "2024-09"):
        export_summary(
            conversations_store, period=month, out=tmp_path / month, as_of=LATE, formats=["csv"]
        )
    export_summary(
        conversations_store,
        period="2024-09",
        out=tmp_path / "hep-c",
        as_of=LATE,
        formats=["csv"],
        programme=HEP_C,
    )
    with conversations_store.read() as session:
        records = session.exec(select(ExportRecord)).all()
    assert [(r.period, r.programme) for r in records] == [
        ("2024-07", "cervical-screening"),
        ("2024-08", "cervical-screening"),
        ("2024-09", "cervical-screening"),
        ("2024-09", HEP_C),
    ]
    with pytest.raises(ValueError, match="conversations of 2024-09 would be pinned at exactly 1"):
        export_summary(
            conversations_store,
            period="2024-Q3",
            out=tmp_path / "q3",
            as_of=LATE,
            formats=["csv"],
        )


def test_the_command_writes_every_programme_each_in_its_own_signed_folder(
    cohort_store: Store, tmp_path: Path
) -> None:
    out = tmp_path / "board"
    output = ok(
        cohort_store.folder,
        "export",
        "--period",
        "2024-Q1",
        "--as-of",
        AS_OF.isoformat(),
        "--programme",
        "all",
        "--format",
        "csv",
        "--out",
        str(out),
    )
    keys = ["bbv-hepatitis-b", HEP_C, "bbv-hiv", "bowel-screening", "cervical-screening"]
    assert sorted(path.name for path in out.iterdir()) == keys
    for key in keys:
        assert verify_export(out / key).ok, key
        what = "" if key == "cervical-screening" else f" of {key}"
        assert f"Exported 2024-Q1{what} with disclosure control nhs-hes-2018 to {out / key}" in (
            " ".join(output.split())
        )
    assert _csv_cells(out / HEP_C) == HES_CELLS


def test_the_command_previews_one_programme_and_names_it_in_the_command_to_write_it(
    cohort_store: Store,
) -> None:
    output = ok(
        cohort_store.folder,
        "export",
        "--period",
        "2024-Q1",
        "--as-of",
        AS_OF.isoformat(),
        "--programme",
        HEP_C,
        "--preview",
    )
    # HES_CELLS: 49 figures, of which 7 are published (the cohort four times, two targets and
    # the national figure).
    assert "Preview of 2024-Q1, counted on 2024-06-30: 49 figures, 42 shown as *." in output
    assert (
        f"outreach export --period 2024-Q1 --programme {HEP_C} --as-of 2024-06-30 --out DIR"
        in output
    )
    refused = run(
        cohort_store.folder, "export", "--period", "2024-Q1", "--programme", "all", "--preview"
    )
    assert refused.exit_code == 2
    assert "--preview shows one programme: name it with --programme KEY" in refused.output


def _cells_of(folder: Path, measures: set[str], breakdowns: set[str]) -> list[tuple[str, ...]]:
    with (folder / "summary.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return [
        (r["measure"], r["breakdown"], r["category"], r["value"], r["withheld_reason"])
        for r in rows
        if r["measure"] in measures and r["breakdown"] in breakdowns
    ]


@pytest.mark.slow
def test_breakdowns_by_unit_and_disability_hold_the_hand_worked_cells(
    cohort_store: Store, tmp_path: Path
) -> None:
    # Units on arrival: A holds people 1, 2, 7, 8 and 9 (all offered), B people 3 and 4 (3
    # offered), person 10 no unit (offered). Nobody's disability is recorded: all 8 are
    # "Not stated", and every other category is 0.
    folder = tmp_path / "exact"
    export_summary(
        cohort_store,
        period="2024-Q1",
        out=folder,
        as_of=AS_OF,
        policy="none",
        formats=["csv"],
        programme=HEP_C,
        by=["disability", "unit"],
    )
    measures = {"cohort", "stage_offered.offered", "stage_offered.cohort"}
    assert _cells_of(folder, measures, {"unit", "disability"}) == [
        ("cohort", "unit", "A", "5", ""),
        ("cohort", "unit", "B", "2", ""),
        ("cohort", "unit", "(no unit)", "1", ""),
        ("stage_offered.offered", "unit", "A", "5", ""),
        ("stage_offered.cohort", "unit", "A", "5", ""),
        ("stage_offered.offered", "unit", "B", "1", ""),
        ("stage_offered.cohort", "unit", "B", "2", ""),
        ("stage_offered.offered", "unit", "(no unit)", "1", ""),
        ("stage_offered.cohort", "unit", "(no unit)", "1", ""),
        ("cohort", "disability", "Yes", "0", ""),
        ("cohort", "disability", "No", "0", ""),
        ("cohort", "disability", "Not stated", "8", ""),
        ("cohort", "disability", "Declined to say", "0", ""),
        ("stage_offered.offered", "disability", "Yes", "0", ""),
        ("stage_offered.cohort", "disability", "Yes", "0", ""),
        ("stage_offered.offered", "disability", "No", "0", ""),
        ("stage_offered.cohort", "disability", "No", "0", ""),
        ("stage_offered.offered", "disability", "Not stated", "7", ""),
        ("stage_offered.cohort", "disability", "Not stated", "8", ""),
        ("stage_offered.offered", "disability", "Declined to say", "0", ""),
        ("stage_offered.cohort", "disability", "Declined to say", "0", ""),
    ]
    # Under nhs-hes-2018 the units hold counts of 1 to 7: withheld whole. The cohort by
    # disability (0, 0, 8 -> 10, 0) is published; the offers by disability hold 7: withheld.
    folder = tmp_path / "hes"
    export_summary(
        cohort_store,
        period="2024-Q1",
        out=folder,
        as_of=AS_OF,
        formats=["csv"],
        programme=HEP_C,
        by=["unit", "disability"],
    )
    cells = _cells_of(folder, measures, {"unit", "disability"})
    assert [c for c in cells if c[1] == "unit"] == [
        (m, "unit", u, "", "breakdown")
        for m, u in [
            ("cohort", "A"),
            ("cohort", "B"),
            ("cohort", "(no unit)"),
            *(
                (m, u)
                for u in ("A", "B", "(no unit)")
                for m in ("stage_offered.offered", "stage_offered.cohort")
            ),
        ]
    ]
    assert [c for c in cells if c[1] == "disability"][:4] == [
        ("cohort", "disability", "Yes", "0", ""),
        ("cohort", "disability", "No", "0", ""),
        ("cohort", "disability", "Not stated", "10", ""),
        ("cohort", "disability", "Declined to say", "0", ""),
    ]
    assert {c[3:] for c in cells if c[1] == "disability" and c[0] != "cohort"} == {
        ("", "breakdown")
    }


def test_an_unknown_breakdown_is_refused_naming_the_known_ones(cohort_store: Store) -> None:
    with pytest.raises(ValidationError) as refused:
        published_summary(
            cohort_store, period="2024-Q1", as_of=AS_OF, programme=HEP_C, by=["religion"]
        )
    assert str(refused.value) == (
        "by: 'religion' is not a breakdown (one of unit, ethnicity, disability, "
        "learning-disability, language, interpreter)"
    )


@pytest.mark.slow
def test_a_testing_programmes_months_and_quarter_are_checked_against_each_other(
    tmp_path: Path,
) -> None:
    # Receptions 8 in July, 8 in August, 1 in September 2024, nobody offered a test: published
    # 10, 10 and *, and the quarter's 17 as 15, which pins September at 17 - 8 - 8 = 1.
    store = new_store(tmp_path / "s", site="HMP Diff")
    try:
        with store.write() as session:
            c = Cohort(session)
            for month, people in ((7, 8), (8, 8), (9, 1)):
                for day in range(1, people + 1):
                    c.person(date(1990, 1, 1), stays=[(date(2024, month, day), None, "A")])
        for month in ("2024-07", "2024-08", "2024-09"):
            export_summary(
                store,
                period=month,
                out=tmp_path / month,
                as_of=LATE,
                formats=["csv"],
                programme=HEP_C,
            )
        with store.read() as session:
            record = session.exec(select(ExportRecord).order_by(col(ExportRecord.id))).all()[-1]
        assert figures_from_json(record.figures) == {
            ("cohort", "total", "all", "value"): None,
            **{
                (f"stage_{key}", "total", "all", "numerator"): 0
                for key in (
                    "offered",
                    "tested",
                    "antibody_positive",
                    "rna_positive",
                    "referred",
                    "treated",
                    "cured",
                )
            },
        }
        with pytest.raises(ValueError, match="cohort of 2024-09 would be pinned at exactly 1"):
            export_summary(
                store,
                period="2024-Q3",
                out=tmp_path / "q3",
                as_of=LATE,
                formats=["csv"],
                programme=HEP_C,
            )
        assert not (tmp_path / "q3").exists()
        # Cervical screening's exports of the quarter are another programme's: not refused.
        export_summary(store, period="2024-Q3", out=tmp_path / "cx", as_of=LATE, formats=["csv"])
    finally:
        store.close()
