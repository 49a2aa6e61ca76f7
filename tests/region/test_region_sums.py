"""The region's kept sums: counted in when a submission is added, counted out when a newer one
replaces it, always equal to a recount of the submissions in force."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from outreach.region.inbox import add_submission, trust_site
from outreach.region.sums import differences, kept_sums
from outreach.stats.period import Period
from outreach.store.store import Store
from tests.region.simulated import new_site, random_counts, region_card
from tests.support.stores import fresh_store

Q2 = Period.parse("2024-Q2")
Q3 = Period.parse("2024-Q3")
PROGRAMME = "cervical-screening"


@pytest.fixture
def region(tmp_path: Path) -> Iterator[Store]:
    with fresh_store(tmp_path / "region", site="North West region") as store:
        yield store


def kept(store: Store, measure: str, breakdown: str = "total", category: str = "all") -> tuple:
    with store.read() as session:
        return kept_sums(session.connection())[(Q2.label, PROGRAMME, measure, breakdown, category)]


def test_a_replacement_is_counted_out_and_its_successor_in(region: Store) -> None:
    card = region_card(region)
    ash, beech = new_site("HMP Ash", "PRISON_ASH"), new_site("HMP Beech", "PRISON_BEECH")
    for site in (ash, beech):
        trust_site(region, site.card.to_bytes())
    add_submission(region, ash.submission(ash.table(Q2, {"coverage": (45, 52)}), card))
    add_submission(region, beech.submission(beech.table(Q2, {"coverage": (5, 6)}), card))
    # kind, sites, numerator, denominator, initial population, exclusions: no site gave a
    # population, so none is summed.
    assert kept(region, "coverage") == ("rate", 2, 50, 58, None, None)
    newer = ash.table(Q2, {"coverage": (40, 50), "colposcopy_referred": 3})
    add_submission(region, ash.submission(newer, card, sequence=2))
    # Ash's 45 of 52 out, 40 of 50 in: 45 of 56.
    assert kept(region, "coverage") == ("rate", 2, 45, 56, None, None)
    assert kept(region, "colposcopy_referred") == ("count", 1, 3, 0, None, None)
    newest = ash.table(Q2, {"coverage": (41, 50)})
    add_submission(region, ash.submission(newest, card, sequence=3))
    # Ash no longer reports referrals: the figure is gone, not left at 0 from one site.
    with region.read() as session:
        keys = {key[2] for key in kept_sums(session.connection())}
    assert keys == {"coverage"}
    assert kept(region, "coverage") == ("rate", 2, 46, 56, None, None)


def test_a_population_only_some_sites_gave_is_not_summed(region: Store) -> None:
    card = region_card(region)
    ash, beech = new_site("HMP Ash", "PRISON_ASH"), new_site("HMP Beech", "PRISON_BEECH")
    for site in (ash, beech):
        trust_site(region, site.card.to_bytes())
    table = ash.table(Q2, {})
    table.rate("coverage", 45, 52, initial_population=55, exclusions=3)
    add_submission(region, ash.submission(table, card))
    assert kept(region, "coverage") == ("rate", 1, 45, 52, 55, 3)
    add_submission(region, beech.submission(beech.table(Q2, {"coverage": (5, 6)}), card))
    assert kept(region, "coverage") == ("rate", 2, 50, 58, None, None)


def test_kept_sums_equal_a_recount_after_random_adds_and_replacements(region: Store) -> None:
    rng = random.Random(7)
    card = region_card(region)
    sites = [new_site(f"HMP {n}", f"PRISON_{n}") for n in range(6)]
    for site in sites:
        trust_site(region, site.card.to_bytes())
    for sequence in range(1, 31):
        site = rng.choice(sites)
        period = rng.choice((Q2, Q3))
        counts = random_counts(rng)
        if rng.random() < 0.3:
            del counts["colposcopy_referred"]
        add_submission(region, site.submission(site.table(period, counts), card, sequence))
        with region.read() as session:
            assert differences(session) == []
    with region.read() as session:
        held = session.execute(text("SELECT COUNT(*) FROM region_sum")).scalar_one()
    assert held > 0


def test_a_sum_changed_behind_its_back_is_found(region: Store) -> None:
    card = region_card(region)
    ash = new_site("HMP Ash", "PRISON_ASH")
    trust_site(region, ash.card.to_bytes())
    add_submission(region, ash.submission(ash.table(Q2, {"coverage": (45, 52)}), card))
    with region.write(derived=True) as session:
        session.execute(text("UPDATE region_sum SET numerator = numerator + 1"))
    with region.read() as session:
        assert differences(session) == [f"{Q2.label} / {PROGRAMME} / coverage / total / all"]


def _row(measure: str, numerator: int, denominator: int = 0, **extra: int) -> dict:
    kind = "rate" if denominator else "count"
    return {
        "measure": measure,
        "breakdown": "total",
        "category": "all",
        "kind": kind,
        "numerator": numerator,
        "denominator": denominator,
        **extra,
    }


def test_the_migration_sums_the_submissions_a_region_already_held(tmp_path: Path) -> None:
    import json
    from datetime import date

    from outreach.clock import now
    from outreach.model import RegionSite, RegionSubmission
    from tests.support.stores import PASSPHRASE, new_store

    old = new_store(tmp_path / "r", revision="0028")
    sent = {
        # (site, sequence): rows; Ash's first is replaced by its second.
        ("HMP Ash", 1): [_row("coverage", 45, 52, initial_population=55, exclusions=3)],
        ("HMP Ash", 2): [_row("coverage", 40, 50, initial_population=52, exclusions=2)],
        ("HMP Beech", 1): [
            _row("coverage", 5, 6, initial_population=6, exclusions=0),
            {**_row("coverage", 2, 3), "breakdown": "unit", "category": "Elm"},
        ],
    }
    with old.write() as session:
        for site in ("HMP Ash", "HMP Beech"):
            session.add(RegionSite(fingerprint=site, site=site, card=b"", added_at=now()))
        session.flush()
        ids = {}
        for (site, sequence), rows in sent.items():
            submission = RegionSubmission(
                fingerprint=site,
                site=site,
                org_unit=site.upper(),
                programme=PROGRAMME,
                period=Q2.label,
                sequence=sequence,
                as_of=date(2024, 8, 1),
                digest=f"{site}-{sequence}",
                rows=json.dumps(rows),
                received_at=now(),
            )
            session.add(submission)
            session.flush()
            ids[site, sequence] = submission.id
        replaced = session.get(RegionSubmission, ids["HMP Ash", 1])
        assert replaced is not None
        replaced.replaced_by = ids["HMP Ash", 2]
        session.add(replaced)
    old.close()
    with Store.unlock(tmp_path / "r", user="ana", passphrase=PASSPHRASE) as migrated:
        # Ash's second (40 of 50, population 52, 2 excluded) and Beech's (5 of 6, 6, 0); the
        # unit row is a site's own and is not summed.
        assert kept(migrated, "coverage") == ("rate", 2, 45, 56, 58, 2)
        with migrated.read() as session:
            assert differences(session) == []
            totals = session.execute(text("SELECT COUNT(*) FROM region_site_total")).scalar_one()
    # One total row in each of the three submissions, the replaced one's included.
    assert totals == 3


def test_check_reports_the_kept_sums(region: Store) -> None:
    from outreach.region.sums import check_finding

    assert check_finding(region.folder, region._data_key) == (
        True,
        "none kept (no site's submission in force)",
    )
    card = region_card(region)
    ash = new_site("HMP Ash", "PRISON_ASH")
    trust_site(region, ash.card.to_bytes())
    add_submission(region, ash.submission(ash.table(Q2, {"coverage": (45, 52)}), card))
    assert check_finding(region.folder, region._data_key) == (
        True,
        "1 kept sums agree with a recount of the submissions in force",
    )
    with region.write(derived=True) as session:
        session.execute(text("UPDATE region_sum SET denominator = 60"))
    assert check_finding(region.folder, region._data_key) == (
        False,
        f"1 kept sums differ from a recount: {Q2.label} / {PROGRAMME} / coverage / total / all",
    )
