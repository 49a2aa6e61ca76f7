"""The cervical screening programme file, and how a malformed programme file is refused."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from outreach.model.enums import Cytology, ResultAction
from outreach.paths import schema_dir
from outreach.rules import programme as programme_module
from outreach.rules.programme import Programme, load_programme

SHIPPED = (schema_dir() / "programmes" / "cervical-screening.toml").read_text(encoding="utf-8")


@pytest.fixture
def cervical() -> Programme:
    return load_programme("cervical-screening")


def test_the_default_key_is_cervical_screening_and_is_read_once() -> None:
    assert load_programme() is load_programme("cervical-screening")


def test_programme_is_usable_as_a_cache_key(cervical: Programme) -> None:
    assert {cervical: 1}[load_programme()] == 1


def test_identity_and_eligible_ages(cervical: Programme) -> None:
    assert cervical.key == "cervical-screening"
    assert cervical.title == "Cervical screening"
    assert cervical.eligibility.first_invitation_months == 294
    assert (cervical.eligibility.min_age, cervical.eligibility.max_age) == (25, 64)


def test_age_bands_with_recall_and_coverage_windows(cervical: Programme) -> None:
    rows = [
        (b.key, b.min_age, b.max_age, b.recall_months, b.coverage_months)
        for b in cervical.age_bands
    ]
    assert rows == [("25-49", 25, 49, 36, 42), ("50-64", 50, 64, 60, 66)]
    assert cervical.age_band_keys == ("25-49", "50-64")


def test_extended_recall_from_july_2025(cervical: Programme) -> None:
    rule = cervical.extended_recall
    assert rule.starts_on == date(2025, 7, 1)
    assert (rule.recall_months, rule.min_age_months, rule.max_age) == (60, 294, 49)
    assert rule.self_sample_keeps_routine is True
    assert rule.recent_positive_keeps_routine is True
    assert rule.recent_positive_months == 60


def test_result_table(cervical: Programme) -> None:
    results = cervical.results
    assert results.hpv_negative == "routine_recall"
    assert results.hpv_unavailable == "repeat_3_months"
    assert dict(results.hpv_positive) == {
        "normal": "repeat_12_months",
        "borderline": "colposcopy_6_weeks",
        "low_grade": "colposcopy_6_weeks",
        "high_grade": "colposcopy_2_weeks",
        "high_grade_moderate": "colposcopy_2_weeks",
        "high_grade_severe": "colposcopy_2_weeks",
        "invasive": "colposcopy_2_weeks",
        "glandular": "colposcopy_2_weeks",
        "inadequate": "repeat_3_months",
    }
    assert results.cytology_only["normal"] == "routine_recall"
    assert results.cytology_only["high_grade"] == "colposcopy_2_weeks"
    assert (results.persistent_positive_count, results.persistent_positive_action) == (
        3,
        "colposcopy_6_weeks",
    )
    assert (results.persistent_inadequate_count, results.persistent_inadequate_action) == (
        2,
        "colposcopy_6_weeks",
    )
    assert dict(results.repeat_months) == {"repeat_12_months": 12, "repeat_3_months": 3}


def test_colposcopy_uptake_and_deferral(cervical: Programme) -> None:
    assert dict(cervical.colposcopy_days) == {"colposcopy_2_weeks": 14, "colposcopy_6_weeks": 42}
    assert cervical.uptake_window_days == 183
    assert (cervical.deferral_step_months, cervical.deferral_max_months) == (6, 18)


def test_barrier_codes_in_file_order(cervical: Programme) -> None:
    assert list(cervical.barrier_codes) == [
        "fear_anxiety",
        "embarrassment_body_image",
        "past_trauma",
        "pain_discomfort",
        "worry_result",
        "low_perceived_need",
        "not_knowing",
        "previous_bad_experience",
        "distrust",
        "practical_access",
        "language",
        "cultural_religious",
        "wants_female_sample_taker",
        "competing_priorities",
        "other",
    ]
    assert cervical.barrier_codes["past_trauma"] == "Past trauma or sexual violence"


def test_only_past_trauma_is_special_category(cervical: Programme) -> None:
    assert cervical.special_category_barriers == frozenset({"past_trauma"})


def test_outcome_codes(cervical: Programme) -> None:
    assert list(cervical.outcome_codes) == [
        "accepted_offer",
        "booked",
        "undecided_more_time",
        "informed_decline",
        "already_screened",
        "not_eligible",
        "do_not_approach",
        "not_available",
    ]


def test_settings(cervical: Programme) -> None:
    assert list(cervical.settings) == [
        "wing",
        "on_site_clinic",
        "escorted_outside",
        "education_room",
        "group_room",
        "reception",
        "other",
    ]
    assert cervical.settings["escorted_outside"] == "Escorted outside"


def test_on_site_settings_are_those_inside_the_establishment(cervical: Programme) -> None:
    assert cervical.on_site_settings == {
        "wing",
        "on_site_clinic",
        "education_room",
        "group_room",
        "reception",
    }
    assert cervical.is_on_site("reception") is True
    assert cervical.is_on_site("escorted_outside") is False
    assert cervical.is_on_site("other") is False


@pytest.mark.parametrize(
    ("check", "code", "expected"),
    [
        ("is_valid_outcome", "booked", True),
        ("is_valid_outcome", "wing", False),
        ("is_valid_setting", "wing", True),
        ("is_valid_setting", "fear_anxiety", False),
    ],
)
def test_code_checks(cervical: Programme, check: str, code: str, expected: bool) -> None:
    assert getattr(cervical, check)(code) is expected


def test_national_coverage_comparison(cervical: Programme) -> None:
    national = cervical.national_coverage
    assert national.value == 68.8
    assert national.as_of == date(2024, 3, 31)
    assert national.area == "England"
    assert "cervical-screening-annual" in national.source
    assert national.acceptable_level == 80.0
    assert dict(national.by_band) == {"25-49": 66.1, "50-64": 74.3}


def test_mappings_cannot_be_changed(cervical: Programme) -> None:
    with pytest.raises(TypeError):
        cervical.barrier_codes["new"] = "New"  # type: ignore[index]


# --- malformed files ---------------------------------------------------------------------


@pytest.fixture
def programmes_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A schema folder of our own, with the cache cleared before and after."""
    (tmp_path / "programmes").mkdir()
    monkeypatch.setattr(programme_module, "schema_dir", lambda: tmp_path)
    programme_module._load.cache_clear()
    yield tmp_path / "programmes"
    programme_module._load.cache_clear()


def test_a_copy_of_the_shipped_file_loads(programmes_dir: Path) -> None:
    (programmes_dir / "copy.toml").write_text(
        SHIPPED.replace('key = "cervical-screening"', 'key = "copy"'), encoding="utf-8"
    )
    assert load_programme("copy").title == "Cervical screening"


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ('key = "cervical-screening"\n', "", "'key' is missing"),
        (
            "window_days = 183",
            "window_days = 0",
            "'uptake.window_days' should be at least 1, not 0",
        ),
        ("window_days = 183", "window_days = true", "'uptake.window_days' should be a whole"),
        ("coverage_months = 42", 'coverage_months = "42"', "'age_bands[0].coverage_months'"),
        ("min_age = 50", "min_age = 51", "'age_bands[1].min_age' should be 50"),
        ("max_age = 64\nrecall_months", "max_age = 63\nrecall_months", "'age_bands' should end"),
        ("starts_on = 2025-07-01", "starts_on = 2025-07-01T00:00:00", "'extended_recall.starts_on"),
        (
            'normal = "repeat_12_months"',
            'normal = "repeat_6_months"',
            "'results.hpv_positive.normal",
        ),
        (
            'glandular = "colposcopy_2_weeks"\ninadequate = "repeat_3_months"\n\n[results.cyt',
            'inadequate = "repeat_3_months"\n\n[results.cyt',
            "'results.hpv_positive.glandular' is missing",
        ),
        (
            "[results.hpv_positive]\n",
            '[results.hpv_positive]\nweird = "routine_recall"\n',
            "'results.hpv_positive.weird' is not a cytology result",
        ),
        ('wing = "On the wing"', 'wing = ""', "'settings.wing' should be text that is not empty"),
        (
            'title = "Cervical screening"',
            "title = 3",
            "'title' should be text that is not empty, not 3",
        ),
        ("starts_on = 2025-07-01", "starts_on = 7", "'extended_recall.starts_on' should be a date"),
        ("[colposcopy]\n", "[colposcopy]\nunusual = 1\n", None),
        ('["past_trauma"]', '["trauma"]', "'privacy.special_category_barriers' names no barrier"),
        ('"group_room", "reception"]', '"gym"]', "'on_site.settings' names no setting 'gym'"),
        ("[on_site]\n", "[on_site_]\n", "'on_site' is missing"),
        ('past_trauma = "Past', 'Past_Trauma = "Past', "'barriers.Past_Trauma' is not a lower"),
        ("value = 68.8", "value = 168.8", "'national_coverage.value' should be a percentage"),
        ('"50-64" = 74.3', '"50-74" = 74.3', "'national_coverage.by_band' names no age band"),
        ("[outcomes]\n", "[outcomes]\nbooked = \n", "not valid TOML"),
    ],
)
def test_a_malformed_file_is_refused_naming_the_file_and_field(
    programmes_dir: Path, old: str, new: str, field: str | None
) -> None:
    assert SHIPPED.count(old) == 1
    path = programmes_dir / "cervical-screening.toml"
    path.write_text(SHIPPED.replace(old, new), encoding="utf-8")
    if field is None:  # an extra, unused setting is allowed
        assert load_programme().colposcopy_days["colposcopy_2_weeks"] == 14
        return
    with pytest.raises(ValueError) as raised:
        load_programme()
    assert str(path) in str(raised.value)
    assert field in str(raised.value)


def test_a_file_whose_key_differs_from_its_name_is_refused(programmes_dir: Path) -> None:
    (programmes_dir / "bowel.toml").write_text(SHIPPED, encoding="utf-8")
    with pytest.raises(ValueError, match="field 'key' is 'cervical-screening', expected 'bowel'"):
        load_programme("bowel")


def test_an_unknown_programme_is_refused(programmes_dir: Path) -> None:
    with pytest.raises(ValueError, match="no such programme file for 'breast'"):
        load_programme("breast")


@pytest.mark.parametrize("key", ["../secrets", "Cervical", "", "a/b"])
def test_a_key_that_is_not_a_plain_name_is_refused(programmes_dir: Path, key: str) -> None:
    with pytest.raises(ValueError, match="not a programme key"):
        load_programme(key)


def test_the_schema_is_valid_and_names_the_codes_the_rules_know() -> None:
    from jsonschema import Draft202012Validator

    schema = json.loads(programme_module.schema_path().read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    assert schema["$defs"]["action"]["enum"] == [a.value for a in ResultAction]
    cytology = [c.value for c in Cytology]
    assert schema["$defs"]["by_cytology"]["required"] == cytology
    assert schema["$defs"]["by_cytology"]["propertyNames"]["enum"] == cytology


def test_the_shipped_file_meets_the_schema() -> None:
    assert programme_module.shape_problem(tomllib.loads(SHIPPED)) is None
