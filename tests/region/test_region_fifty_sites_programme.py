"""Fifty real sites' stores, each with a small random hepatitis C cohort, send their returns;
the region's figures are compared with the sums worked out from the sites' stores directly,
and with what adding the sites' own published (rounded, suppressed) exports would give."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from sqlmodel import Session

from outreach.exports.preview import ExportChoice, published_summary
from outreach.exports.table import PublishedSummary
from outreach.model import Person
from outreach.region.rollup import SITE, region_summary
from outreach.rules.cascade import load_cascade
from outreach.rules.disclosure import NHS_HES_2018, publish_count
from outreach.stats.cascade import cascade
from outreach.stats.period import Period
from outreach.store.store import Store
from tests.region.site_stores import send, site_from
from tests.support.cohort import Cohort
from tests.support.stores import as_template, fresh_store, new_store

HEP_C = "bbv-hepatitis-c"
Q1 = Period.quarter(2024, 1)
AS_OF = date(2024, 6, 30)
SITES = 50
ETHNICITIES = ("white_british", "white_irish", "black_african", "not_stated")
STAGES = ("offered", "tested", "antibody_positive", "rna_positive", "referred", "treated")


def random_cohort(session: Session, rng: random.Random) -> None:
    """2 to 12 adult receptions in 2024-Q1, each going some way down the cascade; at most
    three per site go past a negative antibody test, so those counts stay small."""
    c = Cohort(session)
    positives = 0
    for _ in range(rng.randint(2, 12)):
        arrived = date(2024, 1, 1) + timedelta(days=rng.randint(0, 89))
        person = c.person(date(1985, 6, 1), stays=[(arrived, None, rng.choice("AB"))])
        row = session.get(Person, person)
        assert row is not None
        row.ethnicity = rng.choice(ETHNICITIES)
        session.add(row)
        day = arrived + timedelta(days=rng.randint(0, 6))
        if rng.random() < 0.15:
            continue
        c.event(person, day, "offered", programme=HEP_C)
        if rng.random() < 0.3:
            continue
        day += timedelta(days=rng.randint(0, 3))
        positive = positives < 3 and rng.random() < 0.4
        result = "positive" if positive else "negative"
        c.event(person, day, "antibody_test", programme=HEP_C, result=result)
        if not positive:
            continue
        positives += 1
        for step, result in (("rna_test", "positive"), ("referred", None)):
            if rng.random() < 0.3:
                break
            day += timedelta(days=rng.randint(1, 14))
            c.event(person, day, step, programme=HEP_C, result=result)
        else:
            if rng.random() < 0.6:
                day += timedelta(days=rng.randint(10, 40))
                c.event(person, day, "treatment_started", programme=HEP_C)
    session.flush()


def exact_figures(site: Store) -> dict[str, int]:
    """The counts the region should sum, worked out from the site's store directly."""
    rules = load_cascade(HEP_C)
    with site.read() as session:
        found = cascade(session, rules, Q1, as_of=AS_OF)
        by_group = cascade(session, rules, Q1, as_of=AS_OF, breakdown="ethnicity")
    figures = {"cohort": found.overall.cohort}
    for key in STAGES:
        stage = found.overall.stage(key)
        figures[key] = stage.count
        if stage.on_time is not None:
            figures[f"{key} on time"] = stage.on_time
    for code in ETHNICITIES:
        group = by_group.groups.get(code)
        figures[f"cohort {code}"] = 0 if group is None else group.cohort
    return figures


def published_figures(found: PublishedSummary) -> dict[str, int | None]:
    """The same counts as ``found`` publishes them (None where it shows *)."""

    def value(
        measure: str, part: str = "numerator", breakdown: str = "total", category: str = "all"
    ) -> int | None:
        (row,) = [
            r
            for r in found.rows
            if (r.measure, r.breakdown, r.category) == (measure, breakdown, category)
        ]
        published = getattr(row, part)
        return None if published is None else published.value

    figures = {"cohort": value("cohort", "value")}
    for key in STAGES:
        figures[key] = value(f"stage_{key}")
        if key in ("offered", "treated"):
            figures[f"{key} on time"] = value(f"stage_{key}_on_time")
    labels = {
        "white_british": "English, Welsh, Scottish, Northern Irish or British",
        "white_irish": "Irish",
        "black_african": "African",
        "not_stated": "Not stated",
    }
    for code, label in labels.items():
        figures[f"cohort {code}"] = value("cohort", "value", "ethnicity", label)
    return figures


@pytest.fixture(scope="module")
def fifty(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Store, list[dict[str, int]], list[dict[str, int | None]]]]:
    """The region, with each site's exact figures and its own published ones."""
    folder = tmp_path_factory.mktemp("fifty-sites")
    template = as_template(new_store(folder / "template"))
    rng = random.Random(20)
    exact, published = [], []
    with fresh_store(folder / "region", site="Midlands region") as hub:
        for number in range(SITES):
            name, code = f"HMP Site {number:02d}", f"PRISON_{number:02d}"
            with site_from(template, folder / code, name, code) as site:
                with site.write() as session:
                    random_cohort(session, rng)
                exact.append(exact_figures(site))
                published.append(
                    published_figures(
                        published_summary(
                            site, period=Q1, programme=HEP_C, as_of=AS_OF, by=("ethnicity",)
                        )
                    )
                )
                send(site, hub, Q1, HEP_C, AS_OF)
        yield hub, exact, published


@pytest.mark.slow
def test_fifty_sites_add_up_where_their_published_exports_do_not(
    fifty: tuple[Store, list[dict[str, int]], list[dict[str, int | None]]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    hub, exact, published = fifty
    found = region_summary(hub, ExportChoice(Q1, NHS_HES_2018, AS_OF, HEP_C, ("ethnicity",)))
    regional = published_figures(found)
    names = list(exact[0])
    # The region publishes the sum of the sites' exact counts, rounded once.
    direct = {n: publish_count(sum(site[n] for site in exact), NHS_HES_2018).value for n in names}
    assert regional == direct
    from_published = {n: sum(site[n] or 0 for site in published) for n in names}
    hidden = {n: sum(1 for site in published if site[n] is None) for n in names}
    with capsys.disabled():
        print("\nfigure                   exact  region  sum of published (sites showing *)")
        for n in names:
            total = sum(site[n] for site in exact)
            print(f"{n:<24} {total:>5}  {regional[n]!s:>6}  {from_published[n]:>6} ({hidden[n]} *)")
    # No site has more than three antibody positives, so every site's RNA positive, referred
    # and treated counts are * or 0: their published exports add up to 0, the region's
    # figures are the real totals (each above 7, so published).
    for n in ("rna_positive", "referred", "treated"):
        assert from_published[n] == 0
        assert sum(site[n] for site in exact) > 7
        assert regional[n] == direct[n]
    # The cohort: sites of 8 or more publish a rounded count, the rest *; the sum differs.
    assert from_published["cohort"] != regional["cohort"]
    # Some site is small, so the per-site breakdown of the cohort is withheld whole.
    by_site = found.measure_rows("cohort", SITE)
    assert len(by_site) == SITES
    assert all(r.value.value is None and r.withheld_reason == "breakdown" for r in by_site)
