"""Every programme's figures through the shipped indicator mapping: the hepatitis C cascade of
the hand-worked cohort (``tests/stats/test_stats_cascade_hepatitis_c.py``) coded for ADX and
DHIS2 JSON, checked against the ADX schema and DHIS2's data value set shape; equity
breakdowns with their category option codes; what the mapping leaves out listed."""

from __future__ import annotations

from datetime import date

import jsonschema
import pytest

from outreach.exports.adx_writer import adx_document
from outreach.exports.dhis2_writer import data_value_set
from outreach.exports.indicators import MappedFigures, load_mapping, mapped_figures
from outreach.exports.preview import published_summary
from outreach.rules.programme import programme_keys
from outreach.store.store import Store
from tests.exports.test_export_indicators import adx_schema, as_tuples, dhis2_schema
from tests.stats.test_stats_cascade_hepatitis_c import AS_OF, HEP_C, build


@pytest.fixture(scope="module")
def cohort_store(shared_store: Store) -> Store:
    build(shared_store)
    return shared_store


def _mapped(store: Store, policy: str, by: tuple[str, ...] = ()) -> MappedFigures:
    summary = published_summary(
        store, period="2024-Q1", as_of=AS_OF, policy=policy, programme=HEP_C, by=by
    )
    return mapped_figures(summary, load_mapping())


def test_every_programme_has_indicators_in_the_shipped_mapping() -> None:
    assert {i.programme for i in load_mapping().indicators} == set(programme_keys())


def test_the_hepatitis_c_cascade_is_coded_stage_by_stage(cohort_store: Store) -> None:
    # The exact cohort: 8 receptions, 7 offered (5 within 3 days), 5 tested, 3 antibody
    # positive, 2 RNA positive, 2 referred, 1 treated (within 126 days), 1 cured.
    mapped = _mapped(cohort_store, "none")
    assert as_tuples(mapped) == [
        ("HCV_COHORT", 8, None),
        ("HCV_OFFERED", 7, None),
        ("HCV_OFFERED_ON_TIME", 5, None),
        ("HCV_TESTED", 5, None),
        ("HCV_ANTIBODY_POSITIVE", 3, None),
        ("HCV_RNA_POSITIVE", 2, None),
        ("HCV_REFERRED", 2, None),
        ("HCV_TREATED", 1, None),
        ("HCV_TREATED_ON_TIME", 1, None),
        ("HCV_CURED", 1, None),
    ]
    # Medians, the headline rates (their counts are the stages'), targets, people needed and
    # the national figure are listed, never dropped silently.
    assert mapped.unmapped == (
        "stage_offered_days by total",
        "stage_tested_days by total",
        "stage_antibody_positive_days by total",
        "stage_rna_positive_days by total",
        "stage_referred_days by total",
        "stage_treated_days by total",
        "stage_cured_days by total",
        "measure_offered by total",
        "measure_tested by total",
        "measure_tested_target by total",
        "measure_tested_target_needed by total",
        "measure_treated by total",
        "measure_treated_target by total",
        "measure_treated_target_needed by total",
        "national_tested by total",
    )
    document = adx_document(mapped, org_unit="PRISON_T", exported=date(2024, 7, 1))
    adx_schema().validate(document.decode("utf-8"))
    assert b'<dataValue dataElement="HCV_COHORT" value="8" />' in document
    values = data_value_set(mapped, org_unit="PRISON_T")
    jsonschema.validate(values, dhis2_schema())
    assert values["period"] == "2024Q1"


def test_under_disclosure_control_small_stages_are_listed_as_withheld(
    cohort_store: Store,
) -> None:
    mapped = _mapped(cohort_store, "nhs-hes-2018")
    # 8 -> 10; every stage count is 1 to 7 and so left out (ADX cannot say *).
    assert as_tuples(mapped) == [("HCV_COHORT", 10, None)]
    assert mapped.withheld[:3] == (
        "stage_offered numerator by total",
        "stage_offered_on_time numerator by total",
        "stage_tested numerator by total",
    )
    adx_schema().validate(
        adx_document(mapped, org_unit="PRISON_T", exported=date(2024, 7, 1)).decode("utf-8")
    )


def test_equity_breakdowns_carry_their_category_option_codes(cohort_store: Store) -> None:
    # Nobody's disability is recorded: all 8 are "Not stated"; the offers 0, 0, 7 and 0.
    mapped = _mapped(cohort_store, "none", by=("disability",))
    coded = [v for v in as_tuples(mapped) if v[0].endswith("_DIS")]
    assert coded[:8] == [
        ("HCV_COHORT_DIS", 0, "YES"),
        ("HCV_COHORT_DIS", 0, "NO"),
        ("HCV_COHORT_DIS", 8, "NOT_STATED"),
        ("HCV_COHORT_DIS", 0, "DECLINED"),
        ("HCV_OFFERED_DIS", 0, "YES"),
        ("HCV_OFFERED_DIS", 0, "NO"),
        ("HCV_OFFERED_DIS", 7, "NOT_STATED"),
        ("HCV_OFFERED_DIS", 0, "DECLINED"),
    ]
    document = adx_document(mapped, org_unit="PRISON_T", exported=date(2024, 7, 1))
    adx_schema().validate(document.decode("utf-8"))
    assert (
        b'<dataValue dataElement="HCV_COHORT_DIS" value="8" DISABILITY="NOT_STATED" />' in document
    )
    values = data_value_set(mapped, org_unit="PRISON_T")
    jsonschema.validate(values, dhis2_schema())
    assert {
        "dataElement": "HCV_COHORT_DIS",
        "value": "8",
        "categoryOptionCombo": "DIS_NOT_STATED",
    } in values["dataValues"]
    # The unit breakdown is the site's own: not in the mapping, and listed.
    assert "cohort by unit" in _mapped(cohort_store, "none", by=("unit",)).unmapped
