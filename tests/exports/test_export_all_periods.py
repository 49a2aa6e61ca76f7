"""Random stores from the stats reference's strategies: every ended month, quarter and year of
2022-2024 exports valid JSON and FHIR, and CSV, XLSX, JSON, FHIR and HTML carry the same
published figures under the HES policy. (The demo's periods: ``test_figures_demo.py``.)"""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from outreach.exports import html_writer
from outreach.exports.preview import ExportChoice, published_table
from outreach.rules.disclosure import NHS_HES_2018
from outreach.stats.period import Period
from outreach.store.store import Store
from tests.stats.test_stats_reference import Someone, someone, write
from tests.support.export_checks import assert_formats_agree

pytestmark = pytest.mark.slow

AS_OF = date(2025, 7, 1)
PERIODS = [
    *(Period.year(y) for y in range(2022, 2025)),
    *(Period.quarter(y, q) for y in range(2022, 2025) for q in range(1, 5)),
    *(Period.month(y, m) for y in range(2022, 2025) for m in range(1, 13)),
]


@settings(
    max_examples=3,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(people=st.lists(someone(), min_size=1, max_size=12))
def test_every_ended_period_of_a_random_store_is_valid_and_alike_in_every_format(
    shared_store: Store,
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
    people: list[Someone],
) -> None:
    # The chart is drawn from the published percentages only (test_export_table.py).
    monkeypatch.setattr(html_writer, "trend_svg", lambda _summary: "<svg></svg>")
    write(shared_store, people)
    folder = tmp_path_factory.mktemp("all-periods")
    assert len(PERIODS) == 51
    for period in PERIODS:
        summary = published_table(shared_store, ExportChoice(period, NHS_HES_2018, AS_OF))
        assert_formats_agree(summary, folder / period.label)
