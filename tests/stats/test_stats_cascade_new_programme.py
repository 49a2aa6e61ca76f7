"""A programme added as a file, with no Python: its figures are counted from what the file
says. The programme here is made up (flu vaccination), in a folder of the test's own."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from outreach.rules import cascade as cascade_module
from outreach.rules import programme as programme_module
from outreach.rules.cascade import load_cascade
from outreach.rules.programme import programme_keys
from outreach.stats.cascade import programme_figures
from outreach.stats.period import Period
from outreach.store.store import Store
from tests.support.cohort import Cohort

FLU = """
# A made-up programme for this test only.
key = "flu-vaccination"
title = "Flu vaccination"
short = "Flu"
kind = "cascade"

[eligibility]
min_age = 65
max_age = 120

[cohort]
from = "arrival"

[[steps]]
key = "offered"
label = "Vaccine offered"

[[steps]]
key = "vaccination"
label = "Vaccination"
[steps.results]
given = "Given"
refused = "Refused on the day"

[[cascade]]
key = "offered"
label = "Offered"
step = "offered"
within_days = 7

[[cascade]]
key = "vaccinated"
label = "Vaccinated"
step = "vaccination"
results = ["given"]

[[measures]]
key = "uptake"
label = "Vaccinated of receptions"
numerator = "vaccinated"
denominator = "cohort"
target = 75.0

[coverage]
label = "Vaccinated within 12 months"
step = "vaccination"
results = ["given"]
months = 12

[national]
measure = "coverage"
value = 77.8
as_of = 2024-02-29
area = "Made up"
source = "Made up for a test"
"""

OLD = date(1950, 1, 1)


@pytest.fixture
def flu_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    folder = tmp_path / "programmes"
    folder.mkdir()
    (folder / "flu-vaccination.toml").write_text(FLU, encoding="utf-8")
    monkeypatch.setattr(programme_module, "schema_dir", lambda: tmp_path)
    cascade_module._load.cache_clear()
    cascade_module._kind.cache_clear()
    yield folder
    cascade_module._load.cache_clear()
    cascade_module._kind.cache_clear()


def test_a_new_file_is_a_new_programme_with_its_figures(flu_folder: Path, store: Store) -> None:
    assert programme_keys() == ("flu-vaccination",)
    flu = load_cascade("flu-vaccination")
    with store.write() as session:
        c = Cohort(session)
        # 1. 74, arrived 1 Oct, offered in 2 days, vaccinated 10 days later.
        p = c.person(OLD, stays=[(date(2024, 10, 1), None, "A")])
        c.event(p, date(2024, 10, 3), "offered", programme=flu.key)
        c.event(p, date(2024, 10, 13), "vaccination", programme=flu.key, result="given")
        # 2. arrived 5 Oct, offered after 9 days (late), refused on the day.
        p = c.person(OLD, stays=[(date(2024, 10, 5), None, "A")])
        c.event(p, date(2024, 10, 14), "offered", programme=flu.key)
        c.event(p, date(2024, 10, 14), "vaccination", programme=flu.key, result="refused")
        # 3. 64: neither in the cohort nor eligible for coverage.
        c.person(date(1960, 6, 1), stays=[(date(2024, 10, 5), None, "A")])
        # 4. resident since 2023, vaccinated 1 Nov 2023, more than 12 months before 31 Dec
        #    2024: eligible, not covered; arrived before the quarter, so not in its cohort.
        p = c.person(OLD, stays=[(date(2023, 1, 1), None, "B")])
        c.event(p, date(2023, 11, 1), "vaccination", programme=flu.key, result="given")
    figures = programme_figures(
        store, flu, as_of=date(2024, 12, 31), period=Period.quarter(2024, 4)
    )
    stages = [
        (s.key, s.count, s.of, s.median_days, s.on_time) for s in figures.cascade.overall.stages
    ]
    assert figures.cascade.overall.cohort == 2
    assert stages == [("offered", 2, 2, 5.5, 1), ("vaccinated", 1, 2, 10.0, None)]
    uptake = figures.cascade.overall.measure("uptake")
    assert (uptake.numerator, uptake.denominator, uptake.rate, uptake.target) == (1, 2, 50.0, 75.0)
    # Coverage on 31 Dec 2024: people 1, 2 and 4 are eligible; only 1 is covered.
    assert figures.coverage is not None
    assert (figures.coverage.eligible, figures.coverage.covered) == (3, 1)
    assert figures.national_gap == pytest.approx(100 / 3 - 77.8)
