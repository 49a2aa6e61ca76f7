"""Sites simulated without a store of their own: an Ed25519 key, a card, and exact tables
sealed to a region as a real site's store would seal them."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from sqlmodel import select

from outreach.exports.builder import export_period
from outreach.exports.table import AggregateTable
from outreach.model import Site
from outreach.region.submission import KIND, payload
from outreach.stats.period import Period
from outreach.store.sealed import SiteCard, seal, site_card
from outreach.store.store import Store

AS_OF = date(2024, 11, 15)


@dataclass
class SimulatedSite:
    name: str
    org_unit: str
    key: bytes

    @property
    def card(self) -> SiteCard:
        return site_card(self.name, self.key)

    def table(self, period: Period, counts: dict[str, tuple[int, int] | int]) -> AggregateTable:
        """A table with ``counts``: measure -> (numerator, denominator) for a rate, or a
        count; ``coverage_<band>`` keys are age-band rows of coverage."""
        table = AggregateTable(
            site=self.name,
            programme="cervical-screening",
            programme_title="Cervical screening",
            period=export_period(period),
            as_of=AS_OF,
        )
        for measure, value in counts.items():
            if measure.startswith("coverage_"):
                assert isinstance(value, tuple)
                table.rate("coverage", *value, "age_band", measure.removeprefix("coverage_"))
            elif isinstance(value, tuple):
                table.rate(measure, *value)
            else:
                table.count(measure, value)
        return table

    def submission(self, table: AggregateTable, to: SiteCard, sequence: int = 1) -> bytes:
        return seal(
            payload(table, org_unit=self.org_unit, sequence=sequence),
            kind=KIND,
            sender=self.name,
            signing_key=self.key,
            to=to,
        )


def new_site(name: str, org_unit: str) -> SimulatedSite:
    raw = Ed25519PrivateKey.generate().private_bytes(
        Encoding.Raw, PrivateFormat.Raw, NoEncryption()
    )
    return SimulatedSite(name, org_unit, raw)


def region_card(store: Store) -> SiteCard:
    with store.read() as session:
        site = session.exec(select(Site)).one()
    return site_card(site.name, site.signing_key)


def random_counts(rng: random.Random) -> dict[str, tuple[int, int] | int]:
    """A site's exact figures: small prisons, so many cells fall in the suppressed range."""
    young = rng.randint(0, 40)
    old = rng.randint(0, 15)
    young_covered = rng.randint(0, young)
    old_covered = rng.randint(0, old)
    resolved = rng.randint(0, 20)
    return {
        "coverage": (young_covered + old_covered, young + old),
        "coverage_25-49": (young_covered, young),
        "coverage_50-64": (old_covered, old),
        "uptake": (rng.randint(0, resolved), resolved),
        "conversations": rng.randint(0, 30),
        "colposcopy_referred": rng.randint(0, 3),
    }
