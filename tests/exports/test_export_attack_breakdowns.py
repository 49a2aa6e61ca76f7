"""The integer-programming attack of ``test_export_attack.py`` over every breakdown of one
export together: a hepatitis C export broken down by unit and by all five equity fields (every
cascade stage, on-time rate and headline measure, in every group), and a cervical export with
coverage by age band, by unit and by the five equity fields beside its conversation
breakdowns.

The relations the intruder knows are written here from the definitions (``stats/cascade.py``,
``definitions.md``), not from the builder: each person is in one group of each breakdown, so
each breakdown adds up to its total, part by part; within every group (and the total), a
stage's denominator is the count of the stage before (the cohort, for the first), an on-time
rate's denominator is its stage's count, and a headline measure's numerator and denominator
are the counts of the stages it names. ``Attack.require`` checks each against the exact
table, so a wrong relation fails loudly rather than weakening the attack.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import lil_matrix
from sqlmodel import select

from outreach.exports.builder import build_table
from outreach.exports.cascade_table import (
    build_cascade_table,
    headline_measure,
    stage_measure,
)
from outreach.exports.equity_rows import add_cervical_breakdowns, breakdown_names, export_breakdown
from outreach.exports.rows import ALL, TOTAL
from outreach.exports.table import AggregateTable
from outreach.model import Person
from outreach.rules.cascade import COHORT, load_cascade
from outreach.rules.equity import EQUITY_KEYS
from outreach.rules.programme import load_programme
from outreach.stats.period import Period
from outreach.store.store import Store
from tests.exports.test_export_attack import Attack, Exported, attack_table
from tests.support.cohort import Cohort
from tests.support.export_store import AS_OF as CERVICAL_AS_OF
from tests.support.export_store import PERIOD as CERVICAL_PERIOD
from tests.support.export_store import populate as populate_cervical
from tests.support.stores import fresh_store

HEP_C = "bbv-hepatitis-c"
Q1 = Period.quarter(2024, 1)
AS_OF = date(2024, 6, 30)
ROWS = [stage_measure(s.key) for s in load_cascade(HEP_C).stages]
EQUITY_ROWS = tuple(export_breakdown(name).name for name in breakdown_names())
"""The breakdowns' names in the rows: unit, then the five equity fields."""

# Equity codes by person number: most people in a large group, a few in small ones, so that
# some breakdowns hold small cells (withheld whole) and others do not.
ETHNICITY = ("white_british",) * 6 + ("black_african", "black_african", "not_stated", "declined")
LANGUAGE = ("en",) * 9 + ("pl",)
INTERPRETER = ("no",) * 9 + ("yes",)


def _equity(person: Person, i: int) -> None:
    person.ethnicity = ETHNICITY[i % len(ETHNICITY)]
    # 92 receptions: 1 yes, 43 no, 48 not stated, published *, 45 and 50 with a total of 90
    # (88 to 92): cell by cell, the one is pinned (92 - 43 - 48); the rule withholds them.
    person.disability = "yes" if i == 5 else "no" if i < 44 else "not_stated"
    person.learning_disability = "not_stated" if i % 3 else "no"
    person.first_language = LANGUAGE[i % len(LANGUAGE)]
    person.interpreter = INTERPRETER[(i // 2) % len(INTERPRETER)]


def build_hep_c(store: Store) -> None:
    """92 receptions in 2024-Q1 (person i arrives on 1 January + i % 91 days) over three
    units (one person in no unit): 82 offered (all but i % 9 == 8), 67 tested (less i % 9 == 7
    and the odd i % 9 == 6), 11 antibody positive (i % 7 == 0 of those), 6 RNA positive (the
    even ones), 5 referred (all but 84), 3 treated (0, 28, 56: i % 4 == 0), 1 cured (0)."""
    with store.write() as session:
        c = Cohort(session)
        for i in range(92):
            arrived = date(2024, 1, 1) + timedelta(days=i % 91)
            unit = None if i == 89 else "ABC"[i % 3]
            p = c.person(date(1985, 1, 1), stays=[(arrived, None, unit)])
            person = session.get(Person, p)
            assert person is not None
            _equity(person, i)
            session.add(person)

            def step(
                days: int, name: str, result: str | None = None, p: int = p, day0: date = arrived
            ) -> None:
                c.event(p, day0 + timedelta(days=days), name, programme=HEP_C, result=result)

            if i % 9 == 8:
                continue  # 10 never offered
            step(i % 5, "offered")
            if i % 9 == 7:
                continue  # 10 more offered, not tested
            if i % 9 == 6 and i % 2:
                continue  # 5 more
            positive = i % 7 == 0
            step(5, "antibody_test", "positive" if positive else "negative")
            if not positive:
                continue
            if i % 2:
                step(15, "rna_test", "negative")
                continue
            step(15, "rna_test", "positive")
            if i == 84:
                continue
            step(20, "referred")
            if i % 4:
                continue
            step(40, "treatment_started")
            if i == 0:
                step(130, "cure_checked", "cured")


def pinned(attack: Attack, exported: Exported) -> dict[tuple[str, str, str, str], float]:
    """Every hidden count of ``exported`` that the attack narrows to one value other than 0
    (``test_export_attack.pinned``'s question, asked faster for tables of thousands of
    figures): the program is built once, sparse, and a count whose true value is 0 is not
    asked about, since 0 lies in its range and a range holding only 0 is not a disclosure (0
    is always published as 0). The greatest value is asked first: when it is above the true
    value, two values remain and the least is not needed."""
    n = len(attack.truth)
    matrix = lil_matrix((len(attack.constraints), n))
    for i, (coefficients, _low, _high) in enumerate(attack.constraints):
        for v, c in coefficients.items():
            matrix[i, v] = c
    constraint = LinearConstraint(
        matrix.tocsr(),
        np.array([low for _c, low, _h in attack.constraints]),
        np.array([high for _c, _l, high in attack.constraints]),
    )
    bounds = Bounds(np.array(attack.lower), np.array(attack.upper))
    integral = np.ones(n)

    def extreme(variable: int, sign: float) -> float:
        """The least value of ``sign * x`` over every integer solution, times ``sign``: the
        least ``x`` for 1.0, the greatest for -1.0 (infinite when unbounded)."""
        cost = np.zeros(n)
        cost[variable] = sign
        result = milp(cost, integrality=integral, bounds=bounds, constraints=[constraint])
        if result.status == 3:
            return sign * -np.inf
        assert result.status == 0, result.message
        return float(sign * result.fun)

    found = {}
    for key, variable in exported.hidden():
        truth = attack.truth[variable]
        if truth == 0:
            continue
        high = extreme(variable, -1.0)
        if high >= truth + 1:
            continue
        low = extreme(variable, 1.0)
        assert low <= truth <= high, key
        if high - low < 1:
            found[key] = float(truth)
    return found


def cascade_relations(attack: Attack, exported: Exported) -> None:
    """What the intruder knows of a cascade table's structure (see the module's docstring)."""
    v = exported.variables
    programme = load_cascade(HEP_C)
    groups = {(b, c) for (_m, b, c, _p) in v}
    for breakdown in EQUITY_ROWS:
        for (measure, b, _c, part), total in v.items():
            if b != TOTAL:
                continue
            cells = exported.cells(measure, breakdown, part)
            if cells:
                attack.equal(cells, [total])
    for breakdown, category in groups:

        def key(measure: str, part: str) -> int | None:
            return v.get((measure, breakdown, category, part))  # noqa: B023

        cohort = key("cohort", "value")
        if cohort is None:
            continue
        count = {COHORT: cohort}
        before = cohort
        for stage in programme.stages:
            name = stage_measure(stage.key)
            of, reached = key(name, "denominator"), key(name, "numerator")
            assert of is not None and reached is not None
            attack.equal([of], [before])
            on_time = key(f"{name}_on_time", "denominator")
            if on_time is not None:
                attack.equal([on_time], [reached])
            before = count[stage.key] = reached
        for measure in programme.measures:
            name = headline_measure(measure.key)
            numerator, denominator = key(name, "numerator"), key(name, "denominator")
            assert numerator is not None and denominator is not None
            attack.equal([numerator], [count[measure.numerator]])
            attack.equal([denominator], [count[measure.denominator]])


@pytest.fixture(scope="module")
def hep_c_table(tmp_path_factory: pytest.TempPathFactory) -> AggregateTable:
    with fresh_store(tmp_path_factory.mktemp("attack-hep-c") / "store") as store:
        build_hep_c(store)
        with store.read() as session:
            return build_cascade_table(
                session, load_cascade(HEP_C), Q1, as_of=AS_OF, by=breakdown_names()
            )


def test_the_store_has_the_cascade_it_says(hep_c_table: AggregateTable) -> None:
    totals = {
        row.measure: row.numerator
        for row in hep_c_table.rows
        if row.breakdown == TOTAL and row.measure in ("cohort", *ROWS)
    }
    assert totals == {
        "cohort": 92,
        "stage_offered": 82,
        "stage_tested": 67,
        "stage_antibody_positive": 11,
        "stage_rna_positive": 6,
        "stage_referred": 5,
        "stage_treated": 3,
        "stage_cured": 1,
    }


@pytest.mark.slow
def test_nothing_is_pinned_over_every_breakdown_of_a_testing_programme_export(
    hep_c_table: AggregateTable,
) -> None:
    attack, exported = attack_table(hep_c_table)
    cascade_relations(attack, exported)
    summary = exported.summary
    withheld = {(r.measure, r.breakdown) for r in summary.rows if r.withheld_reason}
    # The rule withheld something in every breakdown, and left some of them published: the
    # attack meets both.
    assert {b for _m, b in withheld} == set(EQUITY_ROWS)
    assert ("stage_offered", "learning_disability") not in withheld
    assert ("stage_antibody_positive", "ethnicity") in withheld
    assert pinned(attack, exported) == {}


@pytest.mark.slow
def test_without_the_rule_the_same_attack_pins_a_small_cell(hep_c_table: AggregateTable) -> None:
    attack, exported = attack_table(hep_c_table, rule=False)
    cascade_relations(attack, exported)
    assert pinned(attack, exported)[("cohort", "disability", "Yes", "value")] == 1


CERVICAL_SUMS = tuple(
    ("coverage", name, part) for name in EQUITY_KEYS for part in ("numerator", "denominator")
)


@pytest.fixture(scope="module")
def cervical_table(tmp_path_factory: pytest.TempPathFactory) -> AggregateTable:
    """The shared export store, with its people's equity fields set by the same pattern."""
    with fresh_store(tmp_path_factory.mktemp("attack-cervical") / "store") as store:
        populate_cervical(store)
        with store.write() as session:
            for i, person in enumerate(session.exec(select(Person).order_by(Person.id))):
                _equity(person, i)
                session.add(person)
        period = Period.parse(CERVICAL_PERIOD)
        programme = load_programme()
        with store.read() as session:
            table = build_table(session, period, as_of=CERVICAL_AS_OF, programme=programme)
            add_cervical_breakdowns(table, session, programme, period, breakdown_names())
        return table


@pytest.mark.slow
def test_nothing_is_pinned_over_every_breakdown_of_a_cervical_export(
    cervical_table: AggregateTable,
) -> None:
    attack, exported = attack_table(cervical_table)
    v = exported.variables
    for measure, breakdown, part in CERVICAL_SUMS:
        cells = exported.cells(measure, breakdown, part)
        assert cells, (measure, breakdown)
        attack.equal(cells, [v[(measure, TOTAL, ALL, part)]])
    breakdowns = {r.breakdown for r in exported.summary.rows if r.measure == "coverage"}
    assert breakdowns == {TOTAL, "age_band", "unit", *EQUITY_KEYS}
    assert pinned(attack, exported) == {}
