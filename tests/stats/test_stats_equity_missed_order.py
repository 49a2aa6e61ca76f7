"""Who is being missed lists the groups below the site in an order a reader can trust: the
groups big enough to publish first, biggest gap first; the groups too small to publish (1 to
7 people, a count an export suppresses) after them; and never a finding such as antibody
positivity, where a lower rate in a group is not a group being missed."""

from __future__ import annotations

from datetime import date

from outreach.rules.disclosure import NO_DISCLOSURE_CONTROL
from outreach.rules.equity import equity_field
from outreach.stats.equity import EquityFigures, breakdown

FIELD = equity_field("interpreter")


def _figures() -> EquityFigures:
    # Tested: site 60 of 100 (60%). Needing an interpreter 1 of 5 (20%, -40, too small);
    # not needing 50 of 80 (62.5%, +2.5); not stated 9 of 15 (60%, 0).
    tested = breakdown(
        FIELD, "stage:tested", "Tested", {"yes": (1, 5), "no": (50, 80), "not_stated": (9, 15)}
    )
    # Antibody positive: site 12 of 60 (20%). Needing an interpreter 0 of 1 (-20): a finding.
    positive = breakdown(
        FIELD,
        "stage:positive",
        "Antibody positive",
        {"yes": (0, 1), "no": (10, 50), "not_stated": (2, 9)},
        finding=True,
    )
    # Offered: site 80 of 100 (80%). Not stated 9 of 15 (60%, -20); not needing 66 of 80
    # (82.5%, +2.5); needing 5 of 5 (100%, +20).
    offered = breakdown(
        FIELD, "stage:offered", "Offered", {"yes": (5, 5), "no": (66, 80), "not_stated": (9, 15)}
    )
    return EquityFigures(
        programme="bbv-hepatitis-c",
        title="Hepatitis C testing",
        by=FIELD.by,
        label=FIELD.label,
        as_of=date(2025, 12, 31),
        period="2025",
        measures=(offered, tested, positive),
    )


def test_groups_too_small_to_publish_come_after_the_others() -> None:
    missed = _figures().missed()
    assert [(m.measure, m.group.code, round(m.group.gap or 0, 3), m.small) for m in missed] == [
        ("Offered", "not_stated", -20.0, False),
        ("Tested", "yes", -40.0, True),
    ]


def test_a_finding_is_never_listed_as_a_gap() -> None:
    figures = _figures()
    positive = figures.measures[2]
    assert positive.finding
    assert [round(g.gap or 0, 3) for g in positive.groups if g.denominator] == [-20.0, 0.0, 2.222]
    assert "Antibody positive" not in {m.measure for m in figures.missed()}


def test_with_no_disclosure_control_every_group_is_ordered_by_its_gap_alone() -> None:
    missed = _figures().missed(NO_DISCLOSURE_CONTROL)
    assert [(m.measure, m.group.code, m.small) for m in missed] == [
        ("Tested", "yes", False),
        ("Offered", "not_stated", False),
    ]


def test_the_programme_files_mark_what_a_test_found() -> None:
    from outreach.rules.cascade import load_cascade

    found = {
        key: [s.key for s in load_cascade(key).stages if s.finding]
        for key in ("bbv-hepatitis-b", "bbv-hepatitis-c", "bbv-hiv", "bowel-screening")
    }
    assert found == {
        "bbv-hepatitis-b": ["positive"],
        "bbv-hepatitis-c": ["antibody_positive", "rna_positive"],
        "bbv-hiv": ["reactive", "positive"],
        "bowel-screening": ["abnormal"],
    }
