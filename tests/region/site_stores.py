"""Real sites' stores for a region's tests: copies of one template store, each made a site of
its own (its name and signing key), with its org unit set, writing its submission through
``outreach export --format submission``'s own function."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from sqlmodel import select

from outreach.model import Site
from outreach.region.inbox import add_submission, trust_site
from outreach.region.submission import write_submission
from outreach.services.site import SetOrgUnit, own_card, set_org_unit
from outreach.stats.period import Period
from outreach.store.store import Store
from tests.region.simulated import region_card
from tests.support.stores import copy_of


@contextmanager
def site_from(template: Store, folder: Path, name: str, org_unit: str) -> Iterator[Store]:
    """A copy of the closed ``template`` that is the site ``name``: its own signing key (so
    its own card) and org unit code."""
    key = Ed25519PrivateKey.generate().private_bytes(
        Encoding.Raw, PrivateFormat.Raw, NoEncryption()
    )
    with copy_of(template, folder) as site:
        with site.write() as session:
            row = session.exec(select(Site)).one()
            row.name, row.signing_key = name, key
            session.add(row)
        set_org_unit(site, SetOrgUnit(org_unit))
        yield site


def send(site: Store, region: Store, period: Period, programme: str, as_of: date) -> None:
    """``site`` writes its sealed submission of ``programme`` and ``region`` trusts the site
    and adds it, as the two commands do."""
    card = own_card(site)
    out = site.folder.parent / f"{site.folder.name}-{programme}.submission"
    write_submission(
        site, period=period, to=region_card(region), out=out, as_of=as_of, programme=programme
    )
    trust_site(region, card.to_bytes())
    assert add_submission(region, out.read_bytes()).outcome == "added"
