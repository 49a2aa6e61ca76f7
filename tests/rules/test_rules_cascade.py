"""Cascade programme files (blood-borne virus testing, bowel screening): what they say, and
how a malformed one is refused naming the file and the field."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from outreach.paths import schema_dir
from outreach.rules import cascade as cascade_module
from outreach.rules import programme as programme_module
from outreach.rules.cascade import CascadeProgramme, load_any, load_cascade
from outreach.rules.programme import Programme, programme_keys

HEP_C = (schema_dir() / "programmes" / "bbv-hepatitis-c.toml").read_text(encoding="utf-8")
CASCADES = ("bbv-hepatitis-b", "bbv-hepatitis-c", "bbv-hiv", "bowel-screening")


def test_every_programme_file_is_listed_and_loads_as_its_kind() -> None:
    assert programme_keys() == (*CASCADES, "cervical-screening")
    assert isinstance(load_any("cervical-screening"), Programme)
    for key in CASCADES:
        assert isinstance(load_any(key), CascadeProgramme)
        assert load_any(key) is load_cascade(key)


@pytest.mark.parametrize("key", CASCADES)
def test_each_shipped_cascade_meets_the_schema_and_names_its_source(key: str) -> None:
    text = (schema_dir() / "programmes" / f"{key}.toml").read_text(encoding="utf-8")
    assert programme_module.shape_problem(tomllib.loads(text)) is None
    assert "# Sources:" in text
    assert load_cascade(key).national.source.strip()


def test_hepatitis_c_follows_each_reception_through_the_cascade_to_cure() -> None:
    hep_c = load_cascade("bbv-hepatitis-c")
    assert (hep_c.min_age, hep_c.max_age, hep_c.cohort_from) == (18, 120, "arrival")
    assert [s.key for s in hep_c.stages] == [
        "offered",
        "tested",
        "antibody_positive",
        "rna_positive",
        "referred",
        "treated",
        "cured",
    ]
    assert hep_c.stage("offered").within_days == 3  # offered within 72 hours of arrival
    assert hep_c.stage("treated").within_days == 126  # 18 weeks from referral
    assert hep_c.stage("tested").results == ("positive", "negative")
    assert [(m.key, m.numerator, m.denominator, m.target) for m in hep_c.measures] == [
        ("offered", "offered", "cohort", None),
        ("tested", "tested", "cohort", 95.0),
        ("treated", "treated", "rna_positive", 90.0),
    ]
    assert (hep_c.national.measure, hep_c.national.value) == ("tested", 63.9)
    assert hep_c.national.as_of == date(2023, 3, 31)


def test_a_result_creates_the_follow_up_its_rule_names() -> None:
    hep_c = load_cascade("bbv-hepatitis-c")
    positive = [r for r in hep_c.follow_ups if r.applies("antibody_test", "positive")]
    assert [(r.reason, r.days, r.done_by) for r in positive] == [
        ("result", 14, frozenset({"rna_test"}))
    ]
    assert not [r for r in hep_c.follow_ups if r.applies("antibody_test", "negative")]
    # A rule with no results applies to the step whatever its result.
    assert [r.days for r in hep_c.follow_ups if r.applies("referred", None)] == [126]


def test_bowel_screening_follows_kits_and_measures_coverage() -> None:
    bowel = load_cascade("bowel-screening")
    assert (bowel.min_age, bowel.max_age, bowel.cohort_from) == (50, 74, "first_step")
    assert bowel.coverage is not None
    assert (bowel.coverage.step, bowel.coverage.results, bowel.coverage.months) == (
        "fit_result",
        ("normal", "abnormal"),
        30,
    )
    assert bowel.national.measure == "coverage"


def test_a_cascade_file_is_not_read_as_a_recall_programme() -> None:
    with pytest.raises(ValueError, match="a cascade programme"):
        programme_module.load_programme("bbv-hiv")


@pytest.fixture
def programmes_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    (tmp_path / "programmes").mkdir()
    monkeypatch.setattr(programme_module, "schema_dir", lambda: tmp_path)
    cascade_module._load.cache_clear()
    cascade_module._kind.cache_clear()
    yield tmp_path / "programmes"
    cascade_module._load.cache_clear()
    cascade_module._kind.cache_clear()


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ('short = "Hep C"', 'short = "Hepatitis C virus"', "'short' should be a short name"),
        ('from = "arrival"', 'from = "release"', "'cohort.from' should be \"arrival\""),
        ('step = "rna_test"\nresults', 'step = "rna"\nresults', "'cascade[3].step' names no step"),
        (
            'results = ["cured"]',
            'results = ["healed"]',
            "'cascade[6].results' names no result 'healed' of the step 'cure_checked'",
        ),
        (
            'numerator = "treated"\ndenominator = "rna_positive"',
            'numerator = "rna_positive"\ndenominator = "treated"',
            "'measures[2].denominator' should be a stage before the numerator",
        ),
        (
            'denominator = "rna_positive"',
            'denominator = "rna"',
            "'measures[2].denominator' names no cascade stage 'rna'",
        ),
        ('measure = "tested"', 'measure = "coverage"', "'national.measure' names no measure"),
        ('done_by = ["treatment_started"]', 'done_by = ["cure"]', "'follow_ups[4].done_by'"),
        (
            'reason = "repeat_test"\ndays = 7\ndone_by = ["antibody_test"]',
            'reason = "later"\ndays = 7\ndone_by = ["antibody_test"]',
            "'follow_ups[1].reason' should be a follow-up reason",
        ),
        ("value = 63.9", "value = 163.9", "'national.value' should be a percentage"),
        ("[national]\n", "[nation]\n", "'national' is missing"),
    ],
)
def test_a_malformed_cascade_file_is_refused_naming_the_file_and_field(
    programmes_dir: Path, old: str, new: str, field: str
) -> None:
    assert HEP_C.count(old) == 1
    path = programmes_dir / "bbv-hepatitis-c.toml"
    path.write_text(HEP_C.replace(old, new), encoding="utf-8")
    with pytest.raises(ValueError) as raised:
        load_cascade("bbv-hepatitis-c")
    assert str(path) in str(raised.value)
    assert field in str(raised.value)
