"""Targets per programme: a testing programme's own measures take a site target, which the
programme's figures (stats --programme, the dashboard on it) show instead of the file's."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from freezegun import freeze_time

from outreach.rules.cascade import load_cascade
from outreach.services.errors import ValidationError
from outreach.services.people import AddPerson, add_person
from outreach.services.programme_steps import RecordProgrammeStep, record_programme_step
from outreach.services.targets import SetTarget, list_targets, set_target
from outreach.stats.cascade import programme_figures
from outreach.stats.period import Period
from outreach.store.store import Store
from tests.support.cli import ok, run
from tests.support.stores import fresh_store

HEP_C = "bbv-hepatitis-c"
TODAY = date(2025, 6, 30)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """Two receptions in 2025; P1 offered and antibody tested (negative): 1 of 2 tested."""
    with freeze_time(TODAY), fresh_store(tmp_path / "store") as opened:
        for ref in ("P1", "P2"):
            add_person(
                opened,
                AddPerson(
                    ref=ref,
                    display_name=ref,
                    date_of_birth=date(1990, 1, 1),
                    arrived_on=date(2025, 3, 1),
                ),
            )
        for step, result in (("offered", None), ("antibody_test", "negative")):
            record_programme_step(
                opened,
                RecordProgrammeStep(
                    person_ref="P1",
                    programme=HEP_C,
                    step=step,
                    occurred_on=date(2025, 3, 2),
                    result=result,
                    where="on_site",
                ),
            )
        yield opened


def _measures(store: Store) -> list[tuple[str, int, int, float | None]]:
    figures = programme_figures(
        store, load_cascade(HEP_C), as_of=TODAY, period=Period.parse("2025")
    )
    return [(m.key, m.numerator, m.denominator, m.target) for m in figures.cascade.overall.measures]


def test_a_site_target_replaces_the_files_for_that_measure_only(store: Store) -> None:
    with freeze_time(TODAY):
        # The file's: none for offered, 95 for tested, 90 for treated.
        assert _measures(store) == [
            ("offered", 1, 2, None),
            ("tested", 1, 2, 95.0),
            ("treated", 0, 0, 90.0),
        ]
        set_target(
            store,
            SetTarget(measure="tested", value=97, target_on=date(2026, 3, 31), programme=HEP_C),
        )
        set_target(
            store,
            SetTarget(measure="offered", value=99, target_on=date(2026, 3, 31), programme=HEP_C),
        )
        assert _measures(store) == [
            ("offered", 1, 2, 99.0),
            ("tested", 1, 2, 97.0),
            ("treated", 0, 0, 90.0),
        ]
        assert sorted((t.measure, t.value) for t in list_targets(store, programme=HEP_C)) == [
            ("offered", 99.0),
            ("tested", 97.0),
        ]
        # Cervical screening's targets are apart.
        assert list_targets(store) == []


@pytest.mark.parametrize(
    ("measure", "programme", "unit", "field", "message"),
    [
        ("coverage", HEP_C, None, "measure", "'coverage' is not a measure of bbv-hepatitis-c"),
        ("tested", "cervical-screening", None, "measure", "'tested' is not a measure of cerv"),
        ("tested", "flu", None, "programme", "'flu' is not a programme"),
        ("tested", HEP_C, "Wing A", "unit", "tested targets are for the whole site only"),
    ],
)
def test_a_measure_the_programme_does_not_have_is_refused(
    store: Store, measure: str, programme: str, unit: str | None, field: str, message: str
) -> None:
    with freeze_time(TODAY), pytest.raises(ValidationError) as raised:
        set_target(
            store,
            SetTarget(
                measure=measure,
                value=90,
                target_on=date(2026, 3, 31),
                programme=programme,
                unit=unit,
            ),
        )
    assert raised.value.field == field
    assert message in raised.value.message


def test_the_command_line_sets_and_shows_a_programmes_target(store: Store) -> None:
    folder = store.folder
    store.close()
    with freeze_time(TODAY):
        said = ok(
            folder, "targets", "set", "tested", "97", "--by", "2026-03-31", "--programme", HEP_C
        )
        assert said == f"Target set: {HEP_C} tested 97% by 2026-03-31.\n"
        shown = ok(
            folder, "stats", "--programme", HEP_C, "--period", "2025", "--as-of", "2025-06-30"
        )
        assert "Tested of receptions: 50.0% (1 of 2, target 97%)" in shown.splitlines()
        listed = run(folder, "targets", "list", "--programme", HEP_C)
        assert listed.exit_code == 0
        assert "tested" in listed.output and "97% by 2026-03-31" in listed.output
