"""A region's store keeps only genuine, trusted, newest submissions, each change audited."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import select

from outreach.errors import ValidationError
from outreach.model import AuditEntry, RegionSubmission
from outreach.region.inbox import add_submission, kept_submissions, trust_site
from outreach.stats.period import Period
from outreach.store.store import Store
from tests.region.simulated import SimulatedSite, new_site, region_card
from tests.support.stores import fresh_store

Q2 = Period.parse("2024-Q2")


@pytest.fixture
def region(tmp_path: Path) -> Iterator[Store]:
    with fresh_store(tmp_path / "region", site="North West region") as store:
        yield store


@pytest.fixture
def ash(region: Store) -> SimulatedSite:
    site = new_site("HMP Ash", "PRISON_ASH")
    trust_site(region, site.card.to_bytes())
    return site


def sent(site: SimulatedSite, region: Store, covered: int, sequence: int = 1) -> bytes:
    table = site.table(Q2, {"coverage": (covered, 50)})
    return site.submission(table, region_card(region), sequence)


def audit_actions(store: Store) -> list[str]:
    with store.read() as session:
        return [a for a in session.exec(select(AuditEntry.action)).all() if "region" in a]


def test_a_submission_is_kept_once_and_the_same_file_again_changes_nothing(
    region: Store, ash: SimulatedSite
) -> None:
    data = sent(ash, region, 40)
    assert add_submission(region, data).outcome == "added"
    again = add_submission(region, data)
    assert again.outcome == "already"
    assert "nothing changed" in again.message
    assert audit_actions(region) == ["region.trust", "region.submission"]
    (kept,) = kept_submissions(region)
    assert (kept.site, kept.org_unit, kept.period, kept.rows) == (
        "HMP Ash",
        "PRISON_ASH",
        "2024-Q2",
        1,
    )


def test_a_newer_submission_replaces_the_older_and_the_older_cannot_come_back(
    region: Store, ash: SimulatedSite
) -> None:
    older, newer = sent(ash, region, 40, sequence=5), sent(ash, region, 42, sequence=9)
    add_submission(region, older)
    assert add_submission(region, newer).outcome == "replaced"
    with pytest.raises(ValidationError, match="an older submission than the one kept"):
        add_submission(region, sent(ash, region, 41, sequence=7))
    # The replaced file itself is recognised, and changes nothing.
    assert add_submission(region, older).outcome == "already"
    with region.read() as session:
        rows = session.exec(select(RegionSubmission).order_by(RegionSubmission.id)).all()
    assert [(r.sequence, r.replaced_by) for r in rows] == [(5, rows[1].id), (9, None)]
    assert audit_actions(region) == ["region.trust", "region.submission", "region.submission"]
    with region.read() as session:
        newest = AuditEntry.id.desc()  # type: ignore[union-attr]
        last = session.exec(select(AuditEntry).order_by(newest)).first()
    assert last is not None and "replaces" in last.fields


@pytest.mark.slow
def test_an_altered_file_is_refused(region: Store, ash: SimulatedSite) -> None:
    data = bytearray(sent(ash, region, 40))
    data[-100] ^= 1
    with pytest.raises(ValidationError, match="file: "):
        add_submission(region, bytes(data))
    assert kept_submissions(region) == []


def test_a_site_the_region_does_not_trust_is_refused(region: Store) -> None:
    stranger = new_site("HMP Stranger", "PRISON_X")
    with pytest.raises(ValidationError, match="a site this region does not trust"):
        add_submission(region, sent(stranger, region, 40))
    assert kept_submissions(region) == []


def test_a_submission_sealed_to_another_region_is_refused(
    region: Store, ash: SimulatedSite, tmp_path: Path
) -> None:
    with fresh_store(tmp_path / "other", site="Other region") as other:
        data = sent(ash, other, 40)
    with pytest.raises(ValidationError, match="file: "):
        add_submission(region, data)


def test_a_card_can_be_trusted_once_and_not_the_regions_own(region: Store) -> None:
    site = new_site("HMP Ash", "PRISON_ASH")
    assert trust_site(region, site.card.to_bytes())[1] is True
    assert trust_site(region, site.card.to_bytes())[1] is False
    with pytest.raises(ValidationError, match="this store's own card"):
        trust_site(region, region_card(region).to_bytes())
