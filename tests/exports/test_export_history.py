"""Exports check their own history: a period whose counts add up with earlier exports' (a
quarter beside its months, a year beside its quarters) is refused when together they would
pin a count published as *. The integer-programming attack over the union of the published
tables, with what holds across periods, is the test."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import select

from outreach.exports.builder import build_table
from outreach.exports.export import export_summary
from outreach.exports.history import (
    ADDITIVE_COUNTS,
    Pin,
    additive_figures,
    figures_from_json,
    figures_json,
    pins,
)
from outreach.exports.preview import preview_export
from outreach.exports.rows import ALL, TOTAL
from outreach.model import AuditEntry, ExportRecord
from outreach.rules.disclosure import NHS_HES_2018, NO_DISCLOSURE_CONTROL
from outreach.stats.period import Period
from outreach.store.store import Store
from tests.exports.test_export_attack import HES, Attack, Exported, add_export, pinned
from tests.exports.test_export_differencing import LATE, populate
from tests.support.stores import new_store

TALKS = ("conversations", TOTAL, ALL, "value")


def _talks(value: float | None) -> dict[tuple[str, str, str, str], float | str | None]:
    return {TALKS: value}


def test_the_issues_case_jan_8_feb_8_mar_1_beside_q1_pins_march() -> None:
    # Published 10, 10, * and 15: March = Q1 - Jan - Feb <= 17 - 8 - 8 = 1.
    earlier = [
        ("2024-01", "nhs-hes-2018", _talks(10)),
        ("2024-02", "nhs-hes-2018", _talks(10)),
        ("2024-03", "nhs-hes-2018", _talks(None)),
    ]
    assert pins("2024-Q1", _talks(15), NHS_HES_2018, earlier) == [Pin("2024-03", TALKS, 1)]


def test_the_month_exported_last_is_refused_too() -> None:
    earlier = [
        ("2024-Q1", "nhs-hes-2018", _talks(15)),
        ("2024-01", "nhs-hes-2018", _talks(10)),
        ("2024-02", "nhs-hes-2018", _talks(10)),
    ]
    assert pins("2024-03", _talks(None), NHS_HES_2018, earlier) == [Pin("2024-03", TALKS, 1)]


def test_a_year_beside_its_quarters_pins_a_small_quarter() -> None:
    # Quarters 8, 8, 0, 1 publish as 10, 10, 0, *; the year's 17 as 15: Q4 <= 17 - 16 = 1.
    earlier = [
        ("2024-Q1", "nhs-hes-2018", _talks(10)),
        ("2024-Q2", "nhs-hes-2018", _talks(10)),
        ("2024-Q3", "nhs-hes-2018", _talks(0)),
        ("2024-Q4", "nhs-hes-2018", _talks(None)),
    ]
    assert pins("2024", _talks(15), NHS_HES_2018, earlier) == [Pin("2024-Q4", TALKS, 1)]


def test_a_year_beside_quarters_made_of_months_is_seen_through() -> None:
    # Q1 and Q2 exported whole, Q3 and Q4 only as their months.
    months = [(f"2024-{m:02d}", "nhs-hes-2018", _talks(0)) for m in range(7, 12)]
    earlier = [
        ("2024-Q1", "nhs-hes-2018", _talks(10)),
        ("2024-Q2", "nhs-hes-2018", _talks(10)),
        *months,
        ("2024-12", "nhs-hes-2018", _talks(None)),
    ]
    assert pins("2024", _talks(15), NHS_HES_2018, earlier) == [Pin("2024-12", TALKS, 1)]


def test_when_two_values_remain_nothing_is_pinned() -> None:
    # 8, 8, 3 publish as 10, 10, *; 19 as 20: March is 20-2-12-12 = 6 ... 22-8-8 = 6 or 7.
    earlier = [
        ("2024-01", "nhs-hes-2018", _talks(10)),
        ("2024-02", "nhs-hes-2018", _talks(10)),
        ("2024-03", "nhs-hes-2018", _talks(None)),
    ]
    assert pins("2024-Q1", _talks(20), NHS_HES_2018, earlier) == []


def test_unrelated_periods_and_exports_without_disclosure_control_are_not_counted() -> None:
    earlier = [
        ("2023-01", "nhs-hes-2018", _talks(10)),
        ("2024-01", "none", _talks(8)),
        ("2024-02", "none", _talks(8)),
        ("2024-03", "nhs-hes-2018", _talks(None)),
    ]
    assert pins("2024-Q1", _talks(15), NHS_HES_2018, earlier) == []
    assert pins("2024-Q1", _talks(17), NO_DISCLOSURE_CONTROL, earlier) == []


def test_figures_are_stored_and_read_back_exactly() -> None:
    figures = {TALKS: 15, ("outcomes", "outcome", "Booked | later", "value"): None}
    figures[("barriers", "barrier", "Fear", "value")] = "withheld"
    assert figures_from_json(figures_json(figures)) == figures


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """Conversations: 12 in each of January to March 2024, 13 in April, 10 in May and June,
    8, 8 and 1 in July, August and September (test_export_differencing's store)."""
    opened = new_store(tmp_path / "s", site="HMP Diff")
    populate(opened)
    yield opened
    opened.close()


def _export(store: Store, period: str, out: Path) -> None:
    export_summary(store, period=period, out=out / period, as_of=LATE, formats=["csv"])


@pytest.mark.slow
def test_the_quarter_is_refused_after_its_months_and_nothing_is_written(
    store: Store, tmp_path: Path
) -> None:
    for month in ("2024-07", "2024-08", "2024-09"):
        _export(store, month, tmp_path)
    with store.read() as session:
        audit_rows = len(session.exec(select(AuditEntry)).all())
        records = session.exec(select(ExportRecord)).all()
    assert [r.period for r in records] == ["2024-07", "2024-08", "2024-09"]
    assert figures_from_json(records[2].figures)[TALKS] is None
    with pytest.raises(ValueError) as refused:
        _export(store, "2024-Q3", tmp_path)
    assert str(refused.value) == (
        "period: 2024-Q3 is not exported: beside the exports already made of 2024-07, "
        "2024-08, 2024-09, its figures add up with theirs so that conversations of 2024-09 "
        "would be pinned at exactly 1; conversations (kind one-to-one) of 2024-09 would be "
        "pinned at exactly 1; conversations (setting On the wing) of 2024-09 would be pinned "
        "at exactly 1 (and 1 more). Share either a year, its quarters or its months, not "
        "several; nothing was written"
    )
    assert not (tmp_path / "2024-Q3").exists()
    with store.read() as session:
        assert len(session.exec(select(AuditEntry)).all()) == audit_rows
        assert len(session.exec(select(ExportRecord)).all()) == 3


@pytest.mark.slow
def test_quarters_beside_each_other_and_their_year_are_allowed_when_nothing_is_small(
    store: Store, tmp_path: Path
) -> None:
    # January to March: 12 each, published 10 each; the quarter's 36 as 35. Nothing is *.
    for period in ("2024-01", "2024-02", "2024-03", "2024-Q1"):
        _export(store, period, tmp_path)
    with store.read() as session:
        assert len(session.exec(select(ExportRecord)).all()) == 4


def _joint(store: Store, labels: list[str]) -> tuple[Attack, dict[str, Exported]]:
    """The attack over the union of the published tables, with what holds across periods:
    each additive count of a quarter is the sum of its months', trend months are shared."""
    attack = Attack()
    exported: dict[str, Exported] = {}
    with store.read() as session:
        for label in labels:
            table = build_table(session, Period.parse(label), as_of=LATE)
            exported[label] = add_export(attack, table, table.publish(HES), HES)
    for first, second in itertools.combinations(exported.values(), 2):
        for key, variable in first.variables.items():
            if key[0] == "coverage_trend" and key in second.variables:
                attack.equal([variable], [second.variables[key]])
    for label, whole in exported.items():
        period = Period.parse(label)
        if period.kind != "quarter":
            continue
        months = [exported.get(m.label) for m in period.months()]
        if any(m is None for m in months):
            continue
        for key, variable in whole.variables.items():
            if key[0] in ADDITIVE_COUNTS and key[3] == "value":
                parts = [m.variables.get(key) for m in months if m is not None]
                if all(p is not None for p in parts):
                    attack.equal([p for p in parts if p is not None], [variable])
    return attack, exported


@pytest.mark.slow
def test_the_attack_pins_september_only_with_the_quarter_the_check_refuses(
    store: Store,
) -> None:
    attack, exported = _joint(store, ["2024-07", "2024-08", "2024-09"])
    assert all(pinned(attack, e) == {} for e in exported.values())
    attack, exported = _joint(store, ["2024-07", "2024-08", "2024-09", "2024-Q3"])
    # The one September conversation: a one-to-one on the wing, where a test was booked.
    september = {
        TALKS: (1.0, 1.0),
        ("conversations", "kind", "one-to-one", "value"): (1.0, 1.0),
        ("conversations", "setting", "On the wing", "value"): (1.0, 1.0),
        ("outcomes", "outcome", "Booked a test", "value"): (1.0, 1.0),
    }
    assert pinned(attack, exported["2024-09"]) == september
    # The check finds exactly what the integer program finds.
    earlier = [
        (label, "nhs-hes-2018", additive_figures(exported[label].summary))
        for label in ("2024-07", "2024-08", "2024-09")
    ]
    quarter = additive_figures(exported["2024-Q3"].summary)
    found = pins("2024-Q3", quarter, NHS_HES_2018, earlier)
    assert {(p.period, p.key, p.value) for p in found} == {("2024-09", key, 1) for key in september}


@pytest.mark.slow
def test_the_attack_pins_nothing_in_what_the_check_allows(store: Store, tmp_path: Path) -> None:
    allowed = []
    for period in ("2024-01", "2024-02", "2024-03", "2024-Q1", "2024-07", "2024-08", "2024-09"):
        _export(store, period, tmp_path)
        allowed.append(period)
    with pytest.raises(ValueError, match="2024-Q3 is not exported"):
        _export(store, "2024-Q3", tmp_path)
    attack, exported = _joint(store, allowed)
    found = {label: pinned(attack, e) for label, e in exported.items()}
    assert found == {label: {} for label in allowed}


@pytest.mark.slow
def test_the_preview_says_the_export_would_be_refused(store: Store, tmp_path: Path) -> None:
    for month in ("2024-07", "2024-08", "2024-09"):
        _export(store, month, tmp_path)
    again = preview_export(store, period="2024-08", as_of=LATE).explanation
    assert [line for line in again if line.startswith("Writing it would be refused")] == []
    last = preview_export(store, period="2024-Q3", as_of=LATE).explanation[-1]
    assert last.startswith(
        "Writing it would be refused: period: 2024-Q3 is not exported: beside the exports "
        "already made of 2024-07, 2024-08, 2024-09"
    )
