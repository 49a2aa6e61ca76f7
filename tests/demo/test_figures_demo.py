"""The published figures of the full-size demo, built once for this module up to 15 January
2025 (the issue's as-of date):

- every ended month, quarter and year exports valid JSON and FHIR, and CSV, XLSX, JSON, FHIR
  and HTML carry the same published figures;
- the month 2024-03 read on 2025-01-15 (clinically ceased residents few enough to be
  suppressed) exports a summary that passes its schema, is signed and verifies;
- the quarter 2024-Q3 publishes the follow-ups open and overdue at its end, as the worklist
  on that day lists them, whenever it is exported;
- the dashboard, ``outreach stats`` and the export compute the same figures for every month
  end: one path from the store to each figure.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from typer.testing import CliRunner

from outreach.cli import app
from outreach.demo import DEMO_PASSPHRASE, DEMO_USER, build_demo
from outreach.exports import html_writer
from outreach.exports.export import export_summary
from outreach.exports.json_writer import summary_schema
from outreach.exports.preview import ExportChoice, published_table
from outreach.exports.rows import MONTH, TOTAL, Kind
from outreach.exports.signing import verify_export
from outreach.exports.table import PublishedSummary
from outreach.rules.disclosure import NHS_HES_2018, NO_DISCLOSURE_CONTROL
from outreach.rules.programme import load_programme
from outreach.services.followups import due_followups
from outreach.stats.coverage import coverage_on
from outreach.stats.dashboard import Dashboard, dashboard
from outreach.stats.period import Period
from outreach.store.store import Store
from tests.support.export_checks import assert_formats_agree

pytestmark = pytest.mark.slow

TODAY = date(2025, 1, 15)
FIRST_YEAR = 2019
"""The demo's history starts in 2019."""


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    folder = tmp_path_factory.mktemp("figures") / "demo"
    info = build_demo(folder, today=TODAY, keep_open=True)
    assert info.store is not None
    try:
        yield info.store
    finally:
        info.store.close()


def ended_periods(today: date) -> list[Period]:
    """Every calendar year, quarter and month from the demo's first year that has ended."""
    periods: list[Period] = []
    for year in range(FIRST_YEAR, today.year + 1):
        periods.append(Period.year(year))
        periods += [Period.quarter(year, q) for q in range(1, 5)]
        periods += [Period.month(year, m) for m in range(1, 13)]
    return [p for p in periods if p.end < today]


def _published(store: Store, period: Period, as_of: date, policy: Any) -> PublishedSummary:
    return published_table(store, ExportChoice(period, policy, as_of))


def test_every_ended_period_of_the_demo_is_valid_and_alike_in_every_format(
    demo: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The chart draws only published percentages (test_export_table.py); drawing it 102
    # times would be most of this test's time, and the figures are in the report's tables.
    monkeypatch.setattr(html_writer, "trend_svg", lambda _summary: "<svg></svg>")
    periods = ended_periods(TODAY)
    assert len(periods) == 6 + 24 + 72
    for period in periods:
        summary = _published(demo, period, TODAY, NHS_HES_2018)
        assert_formats_agree(summary, tmp_path / period.label)


def test_the_month_2024_03_read_in_january_2025_exports_a_valid_signed_summary(
    demo: Store, tmp_path: Path
) -> None:
    with demo.read() as session:
        ceased = coverage_on(session, date(2024, 3, 31)).ceased
    # The reproduction's condition: 1 to 7 residents clinically ceased at the period end, so
    # the coverage initial population is withheld as a total of parts.
    assert 1 <= ceased <= 7
    out = tmp_path / "board"
    export_summary(demo, period="2024-03", out=out, as_of=date(2025, 1, 15))
    document = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(summary_schema()).validate(document)
    rows = {(f["measure"], f["breakdown"], f["category"]): f for f in document["figures"]}
    needed = rows[("coverage_target_needed", "total", "all")]
    assert "withheld_reason" not in needed and isinstance(needed["value"], int)
    assert all(f["value"] is None for f in document["figures"] if "withheld_reason" in f)
    assert verify_export(out).ok


def test_the_quarter_publishes_the_follow_ups_open_at_its_end_as_the_worklist_lists_them(
    demo: Store,
) -> None:
    end = date(2024, 9, 30)
    listed = due_followups(demo, as_of=end, include_upcoming_days=3650, limit=100_000)
    overdue = sum(row.days_overdue > 0 for row in listed)
    for as_of in (date(2024, 10, 15), TODAY):
        exact = _published(demo, Period.parse("2024-Q3"), as_of, NO_DISCLOSURE_CONTROL)
        opened = exact.total("follow_ups_open")
        late = exact.total("follow_ups_overdue")
        assert opened is not None and late is not None
        assert (opened.value.value, late.value.value) == (len(listed), overdue)
    # Before follow-ups were read by their own dates, every past period published 0 and 0.
    assert len(listed) > 0 and overdue > 0


def _export_view(summary: PublishedSummary) -> dict[tuple[str, str, str], tuple[Any, ...]]:
    """Each exact export figure: a count's value, a rate's numerator and denominator."""
    view: dict[tuple[str, str, str], tuple[Any, ...]] = {}
    for row in summary.rows:
        key = (row.measure, row.breakdown, row.category)
        if row.kind is Kind.rate:
            assert row.numerator is not None and row.denominator is not None
            view[key] = (row.numerator.value, row.denominator.value)
        elif row.kind in (Kind.count, Kind.needed, Kind.median):
            view[key] = (row.value.value,)
    return view


def _dashboard_view(board: Dashboard) -> dict[tuple[str, str, str], tuple[Any, ...]]:
    """The same figures from the dashboard, named as the export names them."""
    programme = load_programme()
    act, cov = board.activity, board.coverage
    conv, follow, colpo = act.conversations, act.follow_ups, board.colposcopy
    view: dict[tuple[str, str, str], tuple[Any, ...]] = {
        ("coverage", TOTAL, "all"): (cov.covered, cov.eligible),
        ("uptake", TOTAL, "all"): (board.uptake.tested, board.uptake.denominator),
        ("uptake_pending", TOTAL, "all"): (board.uptake.pending,),
        ("reach", TOTAL, "all"): (board.reach.reached, board.reach.uncovered),
        ("conversations", TOTAL, "all"): (conv.count,),
        ("conversations", "kind", "one-to-one"): (conv.one_to_one,),
        ("conversations", "kind", "group"): (conv.group,),
        ("people_reached", TOTAL, "all"): (conv.people,),
        ("conversation_minutes", TOTAL, "all"): (conv.minutes,),
        ("first_conversations", TOTAL, "all"): (act.days_to_test.people,),
        ("tested_after_conversation", TOTAL, "all"): (act.days_to_test.tested,),
        ("follow_ups_on_time", TOTAL, "all"): (follow.completed_on_time, follow.completed),
        ("follow_ups_open", TOTAL, "all"): (follow.open,),
        ("follow_ups_overdue", TOTAL, "all"): (follow.overdue,),
        ("colposcopy_referred", TOTAL, "all"): (colpo.referred,),
        ("colposcopy_attended", "within", "2 weeks"): (colpo.within_2_weeks,),
        ("colposcopy_attended", "within", "6 weeks"): (colpo.within_6_weeks,),
        ("colposcopy_pending", TOTAL, "all"): (colpo.pending,),
    }
    for band, (eligible, covered) in cov.by_age_band.items():
        view[("coverage", "age_band", band)] = (covered, eligible)
    for unit, (eligible, covered) in cov.by_unit.items():
        view[("coverage", "unit", unit)] = (covered, eligible)
    for code, (count, _minutes) in conv.by_setting.items():
        view[("conversations", "setting", programme.settings.get(code, code))] = (count,)
    for code, (count, people) in act.barriers.items():
        label = programme.barrier_codes.get(code, code)
        view[("barriers", "barrier", label)] = (count,)
        view[("barrier_people", "barrier", label)] = (people,)
    for code, count in act.outcomes.items():
        view[("outcomes", "outcome", programme.outcome_codes.get(code, code))] = (count,)
    for point in board.trend:
        view[("coverage_trend", MONTH, f"{point.day:%Y-%m}")] = (point.covered, point.eligible)
    for target in board.targets:
        scope = (TOTAL, "all") if target.target.unit is None else ("unit", target.target.unit)
        view[(f"{target.target.measure}_target_needed", *scope)] = (target.needed,)
    return view


def test_dashboard_stats_and_export_agree_at_every_month_end(demo: Store) -> None:
    compared = 0
    for month in [p for p in ended_periods(TODAY) if p.kind == "month"]:
        day = month.end
        board = dashboard(demo, as_of=day, period=month)
        # The export of the month counted on its last day: the path export_summary takes,
        # without the check that the period has ended (which needs a later day).
        exported = _export_view(_published(demo, month, day, NO_DISCLOSURE_CONTROL))
        shown = _dashboard_view(board)
        # The export's trend reaches 12 months further back than the dashboard's.
        assert {key: exported.get(key) for key in shown} == shown, month.label
        compared += len(shown)
    assert compared > 72 * 40


def test_outreach_stats_json_is_the_dashboard_it_reads(demo: Store) -> None:
    day, month = date(2024, 3, 31), Period.parse("2024-03")
    expected = json.loads(json.dumps(dashboard(demo, as_of=day, period=month).to_json()))
    result = CliRunner().invoke(
        app,
        [
            *("stats", "--as-of", "2024-03-31", "--period", "2024-03", "--json"),
            *("--store", str(demo.folder), "--user", DEMO_USER),
        ],
        env={"OUTREACH_PASSPHRASE": DEMO_PASSPHRASE},
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == expected
