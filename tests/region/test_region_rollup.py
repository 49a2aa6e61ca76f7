"""A region adds up: exact counts summed across sites, then disclosure control once.

Three sites worked by hand, then fifty simulated sites compared with the sum of their exact
figures and with what adding their own published (rounded, suppressed) exports would give."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from outreach.exports.preview import ExportChoice
from outreach.exports.table import PublishedSummary
from outreach.region.inbox import add_submission, trust_site
from outreach.region.rollup import SITE, region_summary
from outreach.rules.disclosure import NHS_HES_2018, publish_count
from outreach.stats.period import Period
from outreach.store.store import Store
from tests.region.simulated import AS_OF, new_site, random_counts, region_card
from tests.support.stores import fresh_store

Q2 = Period.parse("2024-Q2")


@pytest.fixture
def region(tmp_path: Path) -> Iterator[Store]:
    with fresh_store(tmp_path / "region", site="North West region") as store:
        yield store


def summary(store: Store) -> PublishedSummary:
    return region_summary(store, ExportChoice(Q2, NHS_HES_2018, AS_OF))


def value(
    found: PublishedSummary,
    measure: str,
    part: str = "value",
    breakdown: str = "total",
    category: str = "all",
) -> int | float | None:
    (row,) = [
        r
        for r in found.rows
        if (r.measure, r.breakdown, r.category) == (measure, breakdown, category)
    ]
    figure = getattr(row, part)
    return None if figure is None else figure.value


def test_three_sites_worked_by_hand(region: Store) -> None:
    card = region_card(region)
    sites = [
        new_site(f"HMP {name}", f"PRISON_{name.upper()}") for name in ("Ash", "Beech", "Cedar")
    ]
    figures = [
        {"coverage": (45, 52), "colposcopy_referred": 3},
        {"coverage": (5, 6), "colposcopy_referred": 4},
        {"coverage": (30, 33), "colposcopy_referred": 2},
    ]
    for site, counts in zip(sites, figures, strict=True):
        trust_site(region, site.card.to_bytes())
        add_submission(region, site.submission(site.table(Q2, counts), card))
    found = summary(region)
    # Coverage 80 of 91 exact -> 80 of 90 published -> 88.9%.
    assert (value(found, "coverage", "numerator"), value(found, "coverage", "denominator")) == (
        80,
        90,
    )
    assert value(found, "coverage") == 88.9
    # Referrals 3 + 4 + 2 = 9 -> 10, though every site alone publishes *.
    assert value(found, "colposcopy_referred") == 10
    # Beech alone (5 of 6) is too small: the per-site breakdown is withheld whole.
    by_site = [r for r in found.rows if r.measure == "coverage" and r.breakdown == SITE]
    assert [r.category for r in by_site] == [
        "HMP Ash (PRISON_ASH)",
        "HMP Beech (PRISON_BEECH)",
        "HMP Cedar (PRISON_CEDAR)",
    ]
    assert all(r.value.value is None and r.withheld_reason == "breakdown" for r in by_site)
    # What adding the sites' own published exports gives: 45 + * + 30 covered of
    # 50 + * + 35 eligible, and * + * + * referrals: no regional figure at all.
    published = [publish_count(n, NHS_HES_2018).value for n in (45, 5, 30)]
    assert published == [45, None, 30]


def test_a_per_site_breakdown_is_published_when_no_site_is_small(region: Store) -> None:
    card = region_card(region)
    for name, counts in (("Ash", (45, 52)), ("Beech", (20, 24))):
        site = new_site(f"HMP {name}", f"PRISON_{name.upper()}")
        trust_site(region, site.card.to_bytes())
        add_submission(region, site.submission(site.table(Q2, {"coverage": counts}), card))
    found = summary(region)
    assert value(found, "coverage", "numerator", SITE, "HMP Ash (PRISON_ASH)") == 45
    assert value(found, "coverage", "denominator", SITE, "HMP Beech (PRISON_BEECH)") == 25
    # 65 of 76 -> 65 of 75 -> 86.7%.
    assert value(found, "coverage") == 86.7


def test_fifty_sites_add_up_where_their_published_exports_do_not(
    region: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    rng = random.Random(50)
    card = region_card(region)
    exact: dict[str, list[int]] = {"covered": [], "eligible": [], "referred": [], "talks": []}
    for number in range(50):
        site = new_site(f"HMP Site {number:02d}", f"PRISON_{number:02d}")
        counts = random_counts(rng)
        trust_site(region, site.card.to_bytes())
        add_submission(region, site.submission(site.table(Q2, counts), card))
        covered, eligible = counts["coverage"]  # type: ignore[misc]
        exact["covered"].append(covered)
        exact["eligible"].append(eligible)
        exact["referred"].append(counts["colposcopy_referred"])  # type: ignore[arg-type]
        exact["talks"].append(counts["conversations"])  # type: ignore[arg-type]
    found = summary(region)
    regional = {
        "covered": value(found, "coverage", "numerator"),
        "eligible": value(found, "coverage", "denominator"),
        "referred": value(found, "colposcopy_referred"),
        "talks": value(found, "conversations"),
    }
    # The region publishes the sum of the exact counts, rounded once.
    direct = {name: publish_count(sum(parts), NHS_HES_2018).value for name, parts in exact.items()}
    assert regional == direct
    # Adding the sites' published figures instead: suppressed cells are lost, rounding adds up.
    from_published = {
        name: sum(publish_count(n, NHS_HES_2018).value or 0 for n in parts)
        for name, parts in exact.items()
    }
    suppressed = {
        name: sum(1 for n in parts if publish_count(n, NHS_HES_2018).value is None)
        for name, parts in exact.items()
    }
    with capsys.disabled():
        print("\nfigure     exact  region  sum of published (cells shown as * at sites)")
        for name in exact:
            print(
                f"{name:<10} {sum(exact[name]):>5}  {regional[name]:>6}  "
                f"{from_published[name]:>6} ({suppressed[name]} of 50 *)"
            )
    # Referrals are 0 to 3 at each site: every non-zero one is * there, so the sum of the
    # published figures is 0 while the region publishes the real total.
    assert from_published["referred"] == 0
    assert regional["referred"] == publish_count(sum(exact["referred"]), NHS_HES_2018).value
    assert isinstance(regional["referred"], int) and regional["referred"] > 0
    assert from_published["covered"] != regional["covered"]
    # The per-site breakdown holds a small site, so it is withheld whole.
    by_site = [r for r in found.rows if r.breakdown == SITE and r.measure == "coverage"]
    assert len(by_site) == 50
    assert all(r.value.value is None for r in by_site)


def test_a_period_no_site_sent_is_refused(region: Store) -> None:
    with pytest.raises(ValueError, match="no site's submission for 2024-Q2 is kept"):
        summary(region)
