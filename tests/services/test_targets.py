"""Targets: set once per measure and scope with an audit row, and read against the measures."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from freezegun import freeze_time
from sqlalchemy import text
from typer.testing import CliRunner

from outreach.cli import app
from outreach.services.errors import ValidationError
from outreach.services.targets import SetTarget, list_targets, set_target
from outreach.stats.progress import expected_on, needed_to_reach, progress
from outreach.stats.targets import TargetRow
from outreach.store.store import Store
from tests.support.cohort import Cohort
from tests.support.stores import PASSPHRASE

TARGET = TargetRow(
    1,
    "cervical-screening",
    "coverage",
    90.0,
    64.0,
    date(2020, 4, 1),
    date(2022, 12, 31),
    None,
    None,
)


def test_set_target_writes_one_row_and_one_audit_row(store: Store) -> None:
    set_target(
        store,
        SetTarget(
            measure="coverage",
            value=90,
            baseline=64,
            baseline_on=date(2020, 4, 1),
            target_on=date(2022, 12, 31),
        ),
    )
    set_target(store, SetTarget(measure="coverage", value=92, target_on=date(2024, 12, 31)))
    rows = list_targets(store)
    assert [(r.measure, r.value, r.baseline, r.target_on) for r in rows] == [
        ("coverage", 92.0, None, date(2024, 12, 31))
    ]
    with store.read() as session:
        actions = session.execute(text("SELECT action FROM audit WHERE entity = 'target'")).all()
    assert [a[0] for a in actions] == ["target.set", "target.set"]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"measure": "speed"}, "measure"),
        ({"value": 120}, "value"),
        ({"baseline": 64}, "baseline"),
        ({"baseline": 64, "baseline_on": date(2023, 1, 1)}, "baseline_on"),
        ({"unit": "Nowhere"}, "unit"),
        ({"measure": "uptake", "unit": "A"}, "unit"),
    ],
)
def test_set_target_refuses_bad_input_naming_the_field(
    store: Store, fields: dict, field: str
) -> None:
    given = {"measure": "coverage", "value": 90.0, "target_on": date(2022, 12, 31), **fields}
    with pytest.raises(ValidationError) as caught:
        set_target(store, SetTarget(**given))
    assert caught.value.field == field


def test_people_needed_is_exact_and_never_negative() -> None:
    assert needed_to_reach(90, 400, 500) == 50  # 450 - 400, not 451 from 0.9 * 500
    assert needed_to_reach(90, 460, 500) == 0
    assert needed_to_reach(90.5, 0, 3) == 3  # ceil(2.715)


def test_the_line_from_baseline_to_target() -> None:
    assert expected_on(TARGET, date(2019, 1, 1)) == 64.0
    # 2020-04-01 to 2022-12-31 is 1004 days; 502 days in is halfway: 77%.
    assert expected_on(TARGET, date(2021, 8, 16)) == pytest.approx(77.0)
    assert expected_on(TARGET, date(2024, 1, 1)) == 90.0


def test_on_track_means_at_or_above_the_line() -> None:
    halfway = date(2021, 8, 16)
    above = progress(TARGET, numerator=78, denominator=100, as_of=halfway)
    below = progress(TARGET, numerator=76, denominator=100, as_of=halfway)
    assert (above.on_track, above.gap, above.needed) == (True, 12.0, 12)
    assert (below.on_track, below.gap, below.needed) == (False, 14.0, 14)


@freeze_time("2024-08-31")
def test_stats_json_shows_coverage_and_the_target(
    store: Store, store_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with store.write() as session:
        c = Cohort(session)
        c.person(date(1990, 1, 1), tests=[(date(2023, 1, 1), "negative", None)])
        c.person(date(1990, 1, 1))
        c.person(date(1970, 1, 1), stays=[(date(2024, 1, 1), None, "B")])
    set_target(store, SetTarget(measure="coverage", value=90, target_on=date(2025, 3, 31)))
    store.close()
    monkeypatch.setenv("OUTREACH_PASSPHRASE", PASSPHRASE)
    result = CliRunner().invoke(app, ["stats", "--json", "--store", str(store_dir)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["as_of"] == "2024-08-31"
    assert (data["coverage"]["eligible"], data["coverage"]["covered"]) == (3, 1)
    assert data["coverage"]["by_age_band"]["50-64"] == {"eligible": 1, "covered": 0, "rate": 0.0}
    assert data["coverage"]["by_unit"]["A"]["eligible"] == 2
    # ceil(0.9 x 3) - 1 = 2 more people.
    [target] = data["targets"]
    assert (target["target"], target["needed"], target["on_track"]) == (90.0, 2, False)


@pytest.mark.slow
def test_targets_set_and_list_from_the_command_line(
    store: Store, store_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.close()
    monkeypatch.setenv("OUTREACH_PASSPHRASE", PASSPHRASE)
    runner = CliRunner()
    args = [
        "targets",
        "set",
        "coverage",
        "90",
        "--baseline",
        "64",
        "--baseline-date",
        "2020-04-01",
        "--by",
        "2022-12-31",
        "--store",
        str(store_dir),
    ]
    assert runner.invoke(app, args).exit_code == 0
    listed = runner.invoke(app, ["targets", "list", "--store", str(store_dir)])
    assert listed.output == "coverage  site  90% by 2022-12-31 (baseline 64% on 2020-04-01)\n"
