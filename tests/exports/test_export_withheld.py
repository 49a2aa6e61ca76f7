"""A withheld figure never carries a number, and an export that fails its own JSON Schema is
never written or signed.

A derived figure ("more people needed" for a target) is withheld only when a count it is
worked out from (its source rate's numerator or denominator) is withheld; a figure of the
source it does not use (the initial population, withheld when the clinically ceased or the
pending offers are 1 to 7) leaves it alone.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from sqlmodel import col, select

from outreach.exports import export as export_module
from outreach.exports import json_writer
from outreach.exports.export import export_summary
from outreach.exports.json_writer import InvalidSummary, summary_document, summary_schema
from outreach.exports.long_form import figures
from outreach.exports.rows import PublishedRow
from outreach.exports.signing import sign_folder, verify_export
from outreach.exports.table import AggregateTable, ExportPeriod, PublishedSummary
from outreach.model import AuditEntry, Site
from outreach.rules.disclosure import NHS_HES_2018
from outreach.store.store import Store
from tests.support.export_store import AS_OF, PERIOD

MARCH = ExportPeriod(label="2024-03", kind="month", first_month="2024-03", last_month="2024-03")


def _table() -> AggregateTable:
    return AggregateTable(
        site="HMP Test",
        programme="cervical-screening",
        programme_title="Cervical screening",
        period=MARCH,
        as_of=date(2025, 1, 15),
    )


def _row(summary: PublishedSummary, measure: str, category: str = "all") -> PublishedRow:
    [row] = [r for r in summary.rows if r.measure == measure and r.category == category]
    return row


def test_coverage_needed_is_published_when_only_the_clinically_ceased_are_few() -> None:
    table = _table()
    # 392 covered of 451 eligible, 3 clinically ceased: published 390 of 450, ceased *, and
    # the initial population (454) withheld as a total of parts.
    table.rate("coverage", 392, 451, initial_population=454, exclusions=3)
    table.needed("coverage_target_needed", 90.0, "coverage", 392, 451)
    summary = table.publish(NHS_HES_2018)
    coverage = _row(summary, "coverage")
    assert coverage.withheld == ("initial_population",)
    needed = _row(summary, "coverage_target_needed")
    # ceil(90% of 450) - 390 = 405 - 390 = 15, from the published counts.
    assert (needed.value.value, needed.value.suppressed) == (15, False)
    assert (needed.withheld, needed.withheld_reason) == ((), None)


def test_uptake_needed_is_published_when_only_the_pending_offers_are_few() -> None:
    table = _table()
    # 40 tested of 60 resolved offers, 5 pending (*): the 65 offers are withheld.
    table.rate("uptake", 40, 60, initial_population=65, exclusions=5)
    table.needed("uptake_target_needed", 80.0, "uptake", 40, 60)
    summary = table.publish(NHS_HES_2018)
    assert _row(summary, "uptake").withheld == ("initial_population",)
    needed = _row(summary, "uptake_target_needed")
    # ceil(80% of 60) - 40 = 8.
    assert (needed.value.value, needed.withheld, needed.withheld_reason) == (8, (), None)


def test_a_unit_needed_figure_goes_with_its_withheld_breakdown_and_carries_no_number() -> None:
    table = _table()
    table.rate("coverage", 45, 52)
    table.rate("coverage", 42, 48, "unit", "Alder Wing")
    table.rate("coverage", 3, 4, "unit", "Birch House")
    table.needed("coverage_target_needed", 90.0, "coverage", 42, 48, "unit", "Alder Wing")
    summary = table.publish(NHS_HES_2018)
    needed = _row(summary, "coverage_target_needed", "Alder Wing")
    assert (needed.value.value, needed.value.suppressed) == (None, True)
    assert (needed.withheld, needed.withheld_reason) == (("value",), "breakdown")


def test_no_withheld_figure_carries_a_number_and_the_document_is_valid() -> None:
    table = _table()
    table.rate("coverage", 392, 451, initial_population=454, exclusions=3)
    table.rate("coverage", 389, 447, "unit", "Alder Wing")
    table.rate("coverage", 3, 4, "unit", "Birch House")
    table.needed("coverage_target_needed", 90.0, "coverage", 392, 451)
    table.needed("coverage_target_needed", 90.0, "coverage", 389, 447, "unit", "Alder Wing")
    table.rate("uptake", 40, 60, initial_population=65, exclusions=5)
    table.needed("uptake_target_needed", 80.0, "uptake", 40, 60)
    summary = table.publish(NHS_HES_2018)
    withheld = [f for f in figures(summary) if f.withheld_reason is not None]
    assert len(withheld) == 7  # both units' three figures, and the needed of Alder Wing
    assert all(f.value is None and f.suppressed for f in withheld)
    jsonschema.Draft202012Validator(summary_schema()).validate(summary_document(summary))


def _audit_count(store: Store) -> int:
    with store.read() as session:
        return len(list(session.exec(select(AuditEntry.id).order_by(col(AuditEntry.id)))))


@pytest.mark.slow
def test_an_export_whose_figures_fail_the_schema_is_refused_and_nothing_is_written(
    filled_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = summary_document

    def withheld_with_a_number(summary: PublishedSummary) -> dict[str, Any]:
        document = real(summary)
        document["figures"][0].update(value=0, suppressed=False, withheld_reason="total")
        return document

    monkeypatch.setattr(json_writer, "summary_document", withheld_with_a_number)
    folder = tmp_path / "exports"
    folder.mkdir()
    before = _audit_count(filled_store)
    with pytest.raises(InvalidSummary) as refused:
        export_summary(filled_store, period=PERIOD, out=folder / "out", as_of=AS_OF)
    assert str(refused.value) == (
        "the export fails its own schema (schema/export/summary.schema.json): figure coverage "
        "/ total / all fails the schema's 'not' rule. Nothing was signed or written; please "
        "report this"
    )
    assert list(folder.iterdir()) == []
    assert _audit_count(filled_store) == before


def test_a_json_file_that_fails_the_schema_is_never_signed(
    filled_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def invalid_file(_document: dict[str, Any], path: Path) -> None:
        path.write_text(json.dumps({"format": "outreach-summary/1"}), encoding="utf-8")

    # The export writes the document it checked (write_document), not the summary again.
    monkeypatch.setattr(export_module, "write_document", invalid_file)
    folder = tmp_path / "exports"
    folder.mkdir()
    before = _audit_count(filled_store)
    with pytest.raises(InvalidSummary):
        export_summary(filled_store, period=PERIOD, out=folder / "out", as_of=AS_OF)
    assert list(folder.iterdir()) == []
    assert _audit_count(filled_store) == before


def test_verify_refuses_a_signed_export_whose_summary_fails_the_schema(
    filled_store: Store, tmp_path: Path
) -> None:
    out = tmp_path / "board"
    export_summary(filled_store, period=PERIOD, out=out, as_of=AS_OF)
    assert verify_export(out).ok
    # As an export made before the check could be: a withheld figure carrying 0, signed.
    document = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    document["figures"][0].update(value=0, suppressed=False, withheld_reason="total")
    (out / "summary.json").write_text(json.dumps(document), encoding="utf-8")
    for name in ("manifest.json", "manifest.sig"):
        (out / name).unlink()
    with filled_store.read() as session:
        key = session.exec(select(Site)).one().signing_key
    sign_folder(
        out,
        key,
        site="HMP Test",
        period=PERIOD,
        policy="nhs-hes-2018",
        as_of=AS_OF,
        created_on=AS_OF,
        audit_head="ab" * 32,
    )
    found = verify_export(out)
    assert found.problems == [
        "summary.json does not satisfy schema/export/summary.schema.json: figure coverage / "
        "total / all fails the schema's 'not' rule"
    ]


def test_a_json_file_other_than_the_checked_summary_is_never_signed(
    filled_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def another_site(checked: dict[str, Any], path: Path) -> None:
        document = dict(checked, site="HMP Elsewhere")
        path.write_text(json.dumps(document), encoding="utf-8")

    monkeypatch.setattr(export_module, "write_document", another_site)
    folder = tmp_path / "exports"
    folder.mkdir()
    before = _audit_count(filled_store)
    with pytest.raises(InvalidSummary) as refused:
        export_summary(filled_store, period=PERIOD, out=folder / "out", as_of=AS_OF)
    assert str(refused.value) == (
        "summary.json is not the summary that was checked against its schema; nothing was "
        "signed or written"
    )
    assert list(folder.iterdir()) == []
    assert _audit_count(filled_store) == before
