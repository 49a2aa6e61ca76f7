"""Disclosure control: the HES method figure by figure, then what an intruder can infer.

The intruder tests use integer programming (scipy's linprog with ``integrality``) to find every
true value a suppressed cell could have, given a whole published table with its totals. The
linear relaxation (no integrality) is also run: it can only widen an interval, so it is enough
to show a leak but not to show safety.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from outreach.rules.disclosure import (
    DEFAULT_POLICY_NAME,
    POLICIES,
    DisclosurePolicy,
    Published,
    get_policy,
    publish_count,
    publish_median,
    publish_rate,
    publish_total,
)

HES = get_policy("nhs-hes-2018")
RAW = get_policy("none")

counts = st.integers(min_value=0, max_value=10**7)
# Small counts are where disclosure happens, so they are drawn as often as larger ones.
cell_counts = st.one_of(st.just(0), st.integers(1, 7), st.integers(8, 40))


# --- Policies -------------------------------------------------------------------------------


def test_default_policy_is_the_hes_method() -> None:
    assert DEFAULT_POLICY_NAME == "nhs-hes-2018"
    assert (HES.suppress_from, HES.suppress_to, HES.round_to, HES.min_values_for_median) == (
        1,
        7,
        5,
        8,
    )


def test_registry_is_keyed_by_policy_name() -> None:
    assert {"nhs-hes-2018", "none"} <= set(POLICIES)
    assert all(policy.name == name for name, policy in POLICIES.items())


def test_unknown_policy_name_lists_the_valid_ones() -> None:
    with pytest.raises(ValueError, match=r"nhs-hes-2018.*none|none.*nhs-hes-2018"):
        get_policy("nhs")


def test_raw_policy_is_described_as_internal_only() -> None:
    assert "internal use only" in RAW.description.lower()


@pytest.mark.parametrize(
    ("suppress_to", "round_to"),
    [
        (3, 10),  # a count of 4 would be published as 0
        (11, 10),  # a count of 12 would be published as 10, inside the suppressed range
    ],
)
def test_policy_whose_smallest_published_count_misleads_is_rejected(
    suppress_to: int, round_to: int
) -> None:
    with pytest.raises(ValueError, match="would be published as"):
        DisclosurePolicy(
            name="bad",
            suppress_from=1,
            suppress_to=suppress_to,
            round_to=round_to,
            min_values_for_median=1,
            description="",
        )


# --- Published ------------------------------------------------------------------------------


def test_published_text() -> None:
    assert Published(value=None, suppressed=True).text == "*"
    assert Published(value=10, suppressed=False).text == "10"
    assert Published(value=90.0, suppressed=False).text == "90.0"
    assert Published(value=4.5, suppressed=False).text == "4.5"


def test_published_value_is_absent_exactly_when_suppressed() -> None:
    with pytest.raises(ValueError):
        Published(value=5, suppressed=True)
    with pytest.raises(ValueError):
        Published(value=None, suppressed=False)


# --- Counts ---------------------------------------------------------------------------------


def test_zero_is_published_as_zero() -> None:
    assert publish_count(0, HES) == Published(value=0, suppressed=False)


@pytest.mark.parametrize("n", range(1, 8))
def test_counts_from_1_to_7_are_suppressed(n: int) -> None:
    assert publish_count(n, HES) == Published(value=None, suppressed=True)


@pytest.mark.parametrize(
    ("n", "published"),
    [
        (8, 10),
        (12, 10),
        (13, 15),
        (1_000_003, 1_000_005),
        # Beyond float precision: rounding must be done in integers.
        (10**18 + 3, 10**18 + 5),
    ],
)
def test_other_counts_are_rounded_to_the_nearest_5(n: int, published: int) -> None:
    assert publish_count(n, HES) == Published(value=published, suppressed=False)


def test_raw_policy_publishes_counts_unchanged() -> None:
    assert [publish_count(n, RAW).value for n in (0, 1, 7, 8, 12)] == [0, 1, 7, 8, 12]


def test_negative_count_is_rejected() -> None:
    with pytest.raises(ValueError):
        publish_count(-1, HES)


@pytest.mark.parametrize("not_a_count", [3.0, True])
def test_count_must_be_an_integer(not_a_count: object) -> None:
    with pytest.raises(TypeError):
        publish_count(not_a_count, HES)  # type: ignore[arg-type]


# --- Totals and tables ----------------------------------------------------------------------


def test_total_of_suppressed_parts_is_rounded_from_the_exact_sum() -> None:
    # 3 + 3 + 3 = 9 -> 10: published although every part is suppressed.
    assert publish_total([3, 3, 3], HES) == Published(value=10, suppressed=False)


def test_total_is_not_the_sum_of_rounded_parts() -> None:
    # Each 8 is published as 10, but the total 24 is published as 25, not 30.
    assert publish_total([8, 8, 8], HES).value == 25


def test_small_total_is_suppressed_and_empty_total_is_zero() -> None:
    assert publish_total([2, 3], HES).suppressed
    assert publish_total([], HES) == Published(value=0, suppressed=False)


def test_a_one_way_table_publishes_each_cell_and_the_exact_total() -> None:
    cells = {"A wing": 3, "B wing": 12, "C wing": 0}
    assert [(key, publish_count(n, HES).text) for key, n in cells.items()] == [
        ("A wing", "*"),
        ("B wing", "10"),
        ("C wing", "0"),
    ]
    assert publish_total(list(cells.values()), HES) == Published(value=15, suppressed=False)


@pytest.mark.slow
@given(st.dictionaries(st.text(max_size=3), counts, max_size=12))
def test_no_published_figure_is_small_and_every_other_is_a_near_multiple_of_5(
    cells: dict[str, int],
) -> None:
    pairs = [(n, publish_count(n, HES)) for n in cells.values()]
    pairs.append((sum(cells.values()), publish_total(list(cells.values()), HES)))
    for true, published in pairs:
        assert published.suppressed == (1 <= true <= 7)
        if published.value is not None:
            assert isinstance(published.value, int)
            assert published.value not in range(1, 8)
            assert published.value % 5 == 0
            assert abs(published.value - true) <= 2
            assert (published.value == 0) == (true == 0)


# --- Rates and medians ----------------------------------------------------------------------


def test_rate_is_worked_out_from_the_rounded_counts() -> None:
    # 45 of 52 -> 45 of 50 -> 90.0 (from the exact counts it would be 86.5).
    assert publish_rate(45, 52, HES) == Published(value=90.0, suppressed=False)
    assert publish_rate(45, 52, RAW).value == 86.5
    # 47 of 52 -> 45 of 50 as well; 12 of 13 -> 10 of 15.
    assert publish_rate(47, 52, HES).value == 90.0
    assert publish_rate(12, 13, HES).value == 66.7


def test_rate_is_rounded_to_one_decimal_half_up() -> None:
    assert publish_rate(10, 15, HES).value == 66.7
    # 10 of 4000 is exactly 0.25%: half up gives 0.3 where round() would give 0.2.
    assert publish_rate(10, 4000, HES).value == 0.3


@pytest.mark.parametrize(("numerator", "denominator"), [(5, 52), (0, 5), (3, 7), (0, 0)])
def test_rate_is_suppressed_when_a_count_is_suppressed_or_the_denominator_is_zero(
    numerator: int, denominator: int
) -> None:
    assert publish_rate(numerator, denominator, HES).suppressed


def test_rate_of_zero_is_published() -> None:
    assert publish_rate(0, 8, HES) == Published(value=0.0, suppressed=False)


def test_rate_numerator_cannot_exceed_denominator() -> None:
    with pytest.raises(ValueError):
        publish_rate(13, 12, HES)


def test_median_of_7_values_is_suppressed() -> None:
    assert publish_median([1, 2, 3, 4, 5, 6, 7], HES).suppressed


def test_median_of_8_values_is_published() -> None:
    assert publish_median([8, 1, 7, 2, 6, 3, 5, 4], HES) == Published(value=4.5, suppressed=False)


def test_median_of_no_values_is_suppressed_under_every_policy() -> None:
    assert publish_median([], HES).suppressed
    assert publish_median([], RAW).suppressed


def test_median_is_rounded_to_one_decimal_half_up() -> None:
    # 12.25 is exact in binary, so round() would give 12.2.
    assert publish_median([12.0, 12.5], RAW) == Published(value=12.3, suppressed=False)
    assert publish_median([0.1, 0.2], RAW).value == 0.2


def test_median_of_a_missing_value_is_rejected() -> None:
    with pytest.raises(ValueError):
        publish_median([float("nan")] * 8, HES)


# --- What an intruder can infer from a published table with totals --------------------------

Table = Sequence[Sequence[int]]
Cell = tuple[int, int]


def hes_preimage(published: Published) -> tuple[int, int]:
    """The true counts that the HES method publishes as ``published`` (as first, last)."""
    if published.value is None:
        return 1, 7
    assert isinstance(published.value, int)
    if published.value == 0:
        return 0, 0
    return published.value - 2, published.value + 2


def intruder_bounds(table: Table, *, integer: bool = True) -> dict[Cell, tuple[float, float]]:
    """Least and greatest value of each suppressed cell that fits the published table.

    The intruder sees every cell, every row total, every column total and the grand total,
    each published through the HES method, and knows the method.
    """
    n_rows, n_cols = len(table), len(table[0])
    flat = [table[i][j] for i in range(n_rows) for j in range(n_cols)]
    lines = [[i * n_cols + j for j in range(n_cols)] for i in range(n_rows)]
    lines += [[i * n_cols + j for i in range(n_rows)] for j in range(n_cols)]
    lines.append(list(range(len(flat))))

    a_ub, b_ub = [], []
    for line in lines:
        low, high = hes_preimage(publish_total([flat[k] for k in line], HES))
        row = np.zeros(len(flat))
        row[line] = 1.0
        a_ub += [row, -row]
        b_ub += [high, -low]
    published_cells = [publish_count(n, HES) for n in flat]
    var_bounds = [hes_preimage(cell) for cell in published_cells]

    found: dict[Cell, tuple[float, float]] = {}
    for k, cell in enumerate(published_cells):
        if not cell.suppressed:
            continue
        ends = []
        for sign in (1.0, -1.0):
            objective = np.zeros(len(flat))
            objective[k] = sign
            result = linprog(
                objective,
                A_ub=np.array(a_ub),
                b_ub=np.array(b_ub),
                bounds=var_bounds,
                integrality=np.ones(len(flat)) if integer else None,
                method="highs",
            )
            assert result.status == 0, result.message
            ends.append(sign * result.fun)
        found[divmod(k, n_cols)] = (ends[0], ends[1])
    return found


def test_hes_preimage_is_exactly_the_counts_published_that_way() -> None:
    by_published: dict[Published, list[int]] = {}
    for n in range(0, 200):
        by_published.setdefault(publish_count(n, HES), []).append(n)
    for published, ns in by_published.items():
        if published.value is None or published.value < 195:
            assert hes_preimage(published) == (min(ns), max(ns))


@pytest.mark.slow
@settings(max_examples=100, deadline=None)
@given(
    st.integers(1, 4).flatmap(
        lambda n_cols: st.lists(
            st.lists(cell_counts, min_size=n_cols, max_size=n_cols), min_size=1, max_size=4
        )
    )
)
def test_intruder_bounds_always_contain_the_truth(table: list[list[int]]) -> None:
    """The published table is consistent with the truth under the stated method.

    This would fail if a total were a sum of rounded parts or a count strayed more than 2
    from the truth. It does not show that suppressed cells are safe: see the leaks below.
    """
    exact = intruder_bounds(table)
    relaxed = intruder_bounds(table, integer=False)
    for (i, j), (low, high) in exact.items():
        assert 1 <= low <= table[i][j] <= high <= 7
        relaxed_low, relaxed_high = relaxed[(i, j)]
        assert relaxed_low <= low + 1e-6 and high <= relaxed_high + 1e-6


def test_suppressed_cell_in_a_row_of_zeros_could_be_anything_from_1_to_7() -> None:
    # Unit by age band. The lone 3 makes its row total 3 (suppressed); its column total 33 is
    # published as 35, which still allows every value from 1 to 7.
    assert intruder_bounds([[0, 0, 3], [20, 15, 30]]) == {(0, 2): (1, 7)}


@pytest.mark.parametrize(
    ("table", "pinned"),
    [
        # 10, 10, * with total 15: the two 10s are at least 8 each and the total at most 17.
        ([[8, 8, 1]], {(0, 2): 1}),
        # The smallest unit-by-age table found: the grand total 17 is published as 15.
        ([[0, 1], [8, 8]], {(0, 1): 1}),
        # Seven suppressed cells whose total is suppressed too: at least 7, so each is 1.
        ([[1] * 7], {(0, j): 1 for j in range(7)}),
        # Four suppressed cells with total 28 published as 30: at least 28, so each is 7.
        ([[7, 7, 7, 7]], {(0, j): 7 for j in range(4)}),
        # Row and column together pin a value from the middle of the range.
        (
            [[3, 12, 12, 12, 12, 12]] + [[8, 0, 0, 0, 0, 0]] * 3,
            {(0, 0): 3},
        ),
    ],
)
def test_published_totals_can_pin_a_suppressed_cell(
    table: list[list[int]], pinned: dict[Cell, int]
) -> None:
    """A residual risk of the HES method: totals rounded from exact sums bound the cells."""
    expected = {cell: (value, value) for cell, value in pinned.items()}
    assert intruder_bounds(table) == expected
    assert intruder_bounds(table, integer=False) == expected


# --- Differencing two periods ---------------------------------------------------------------


def candidate_changes(
    earlier: int, later: int, policy: DisclosurePolicy, possible: range
) -> set[int]:
    """The changes in ``possible`` that fit the two published counts."""
    published_earlier = publish_count(earlier, policy)
    published_later = publish_count(later, policy)
    # A count published like either lies within 4 of it, or from 0 to 7.
    search = range(max(0, earlier - 20), later + 20)
    before = [a for a in search if publish_count(a, policy) == published_earlier]
    after = [b for b in search if publish_count(b, policy) == published_later]
    return {b - a for a in before for b in after if b - a in possible}


# Above 7 the published count depends only on the count's quotient and remainder by 5, so
# counts up to 50 meet every case; a large count checks that nothing changes far out.
EARLIER_COUNTS = [*range(0, 51), 1_000_003]


@pytest.mark.parametrize("earlier", EARLIER_COUNTS)
def test_a_small_change_between_periods_is_never_revealed_exactly(earlier: int) -> None:
    """Even knowing the change was 1 to 7, the intruder is left with at least two values."""
    for change in range(1, 8):
        found = candidate_changes(earlier, earlier + change, HES, range(1, 8))
        assert change in found
        assert len(found) >= 2


def test_a_change_can_be_narrowed_to_two_values() -> None:
    # 12 -> 10 and 18 -> 20: a change of 6 shows as 10, which only 6 or 7 can give.
    assert candidate_changes(12, 18, HES, range(1, 8)) == {6, 7}


def test_rounding_does_not_hide_whether_one_known_person_was_counted() -> None:
    # An intruder who knows one person joined (change 0 or 1): 12 -> 10 and 13 -> 15 shows
    # she was counted. Rounding hides this only when the count does not cross a rounding edge.
    assert candidate_changes(12, 13, HES, range(0, 2)) == {1}
    assert candidate_changes(13, 14, HES, range(0, 2)) == {0, 1}


def test_raw_counts_reveal_every_change_exactly() -> None:
    assert candidate_changes(20, 23, RAW, range(1, 8)) == {3}
