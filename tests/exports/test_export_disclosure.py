"""Disclosure control reaches every published number in every format."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from outreach.store.store import Store
from tests.support.export_store import export_all, file_bytes


@pytest.fixture(scope="module")
def exported(filled_store: Store, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return export_all(filled_store, tmp_path_factory.mktemp("disclosure") / "out")


def _assert_publishable(count: int | float) -> None:
    assert count == int(count) and count >= 0
    assert not 1 <= count <= 7, count
    assert count % 5 == 0, count


def _is_count(measure: str) -> bool:
    """Long-form measures that are counts: not a percentage, median, setting, or a figure
    worked out from published counts ("more people needed")."""
    if "." in measure:
        return True  # a rate's numerator or denominator
    return not (
        measure in {"coverage", "coverage_trend", "uptake", "reach", "follow_ups_on_time"}
        or measure.endswith(("_target", "_baseline", "_target_needed"))
        or measure == "days_to_test"
    )


@pytest.mark.slow
def test_every_csv_count_is_zero_or_a_multiple_of_five_above_seven(exported: Path) -> None:
    with (exported / "summary.csv").open(encoding="utf-8-sig", newline="") as data:
        rows = list(csv.DictReader(data))
    counts = [float(r["value"]) for r in rows if _is_count(r["measure"]) and r["value"]]
    assert len(counts) > 40
    for count in counts:
        _assert_publishable(count)


def test_the_small_counts_of_the_store_are_suppressed_in_csv(exported: Path) -> None:
    with (exported / "summary.csv").open(encoding="utf-8-sig", newline="") as data:
        rows = {(r["measure"], r["category"]): r for r in csv.DictReader(data)}
    # 3 conversations raised fear or anxiety; Birch House has 3 eligible residents.
    for key in (("barriers", "Fear or anxiety"), ("coverage.eligible", "Birch House")):
        assert (rows[key]["value"], rows[key]["suppressed"]) == ("", "true")


def test_more_people_needed_is_worked_out_from_the_published_counts(exported: Path) -> None:
    with (exported / "summary.csv").open(encoding="utf-8-sig", newline="") as data:
        rows = {(r["measure"], r["breakdown"]): r["value"] for r in csv.DictReader(data)}
    # 30 of 43 covered publish as 30 of 45: ceil(0.9 x 45) - 30 = 11 (the exact counts give 9).
    assert rows[("coverage_target_needed", "total")] == "11"


def test_every_json_count_is_publishable(exported: Path) -> None:
    document = json.loads((exported / "summary.json").read_text(encoding="utf-8"))
    for figure in document["figures"]:
        if _is_count(figure["measure"]) and not figure["suppressed"]:
            _assert_publishable(figure["value"])


def test_json_percentages_come_from_the_rounded_counts(exported: Path) -> None:
    document = json.loads((exported / "summary.json").read_text(encoding="utf-8"))
    figures = {(f["measure"], f["breakdown"], f["category"]): f for f in document["figures"]}
    checked = 0
    for (measure, breakdown, category), figure in figures.items():
        parts = [
            k for k in figures if k[0].startswith(measure + ".") and k[1:] == (breakdown, category)
        ]
        if len(parts) != 2 or figure["suppressed"]:
            continue
        numerator, denominator = (figures[k]["value"] for k in parts)
        assert figure["value"] == round(100 * numerator / denominator, 1)
        checked += 1
    assert checked >= 10


def _fhir_counts(node: Any) -> list[int]:
    if isinstance(node, dict):
        found = [node["count"]] if "count" in node else []
        return found + [c for value in node.values() for c in _fhir_counts(value)]
    if isinstance(node, list):
        return [c for item in node for c in _fhir_counts(item)]
    return []


def test_every_fhir_count_is_publishable(exported: Path) -> None:
    data = json.loads((exported / "measure-reports.fhir.json").read_text(encoding="utf-8"))
    counts = _fhir_counts(data)
    assert len(counts) > 10
    for count in counts:
        _assert_publishable(count)


def test_every_xlsx_count_cell_is_publishable_or_a_star(exported: Path) -> None:
    book = load_workbook(exported / "summary.xlsx", read_only=True)
    checked = 0
    for sheet in ("Summary", "Breakdowns", "Trend"):
        header_seen = False
        for row in book[sheet].iter_rows(values_only=True):
            if row and row[0] in ("Measure", "Month"):
                header_seen = True
                continue
            if not header_seen or not row:
                continue
            # Numerator and denominator columns hold counts (Trend: covered and eligible).
            for cell in row[2:4] if sheet == "Trend" else row[4:6]:
                if cell is None or cell == "*":
                    continue
                _assert_publishable(cell)
                checked += 1
    assert checked > 20


def test_every_html_count_cell_is_publishable_or_a_star(exported: Path) -> None:
    html = (exported / "report.html").read_text(encoding="utf-8")
    rows = re.findall(r"<tr><td>(.*?)</td>.*?((?:<td class=\"n\">[^<]*</td>){3})</tr>", html)
    assert len(rows) > 20
    for label, cells in rows:
        value, numerator, denominator = re.findall(r'<td class="n">([^<]*)</td>', cells)
        if label.startswith("More people needed"):
            continue  # worked out from published counts, not a count
        # Percentages, medians and settings print with one decimal; counts print without.
        for cell in (value, numerator, denominator):
            if cell not in ("", "*") and "." not in cell:
                _assert_publishable(int(cell))


def test_every_file_names_the_policy(exported: Path) -> None:
    files = file_bytes(exported)
    for name in (
        "summary.csv",
        "summary.json",
        "measure-reports.fhir.json",
        "report.html",
        "notes.txt",
        "manifest.json",
    ):
        assert b"nhs-hes-2018" in files[name], name
    assert any(
        b"nhs-hes-2018" in data for key, data in files.items() if key.startswith("summary.xlsx:")
    )


def test_the_notes_explain_the_policy_in_plain_words(exported: Path) -> None:
    book = load_workbook(exported / "summary.xlsx", read_only=True)
    notes = " ".join(str(r[0]) for r in book["Notes"].iter_rows(values_only=True) if r[0])
    assert "Counts of 1 to 7 are shown as *" in notes
    assert "rounded to the nearest 5" in notes
