"""A region's store receiving submissions: the sites it trusts, and adding what they send.

A submission is added only when it opens (sealed to this store, unaltered, well signed), comes
from a site whose card the region's analyst added (:func:`trust_site`), and is newer than the
one kept for the same site, programme and period. The same file added again changes nothing.
Each change is one action with its audit row.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date

from sqlmodel import select

from outreach.clock import now
from outreach.errors import ValidationError
from outreach.model import RegionSite, RegionSubmission, Role, Site
from outreach.region.submission import KIND, read_payload, row_json
from outreach.region.sums import count_in, count_out
from outreach.rules.programme import programme_keys
from outreach.store.sealed import SiteCard, open_sealed
from outreach.store.store import Store

ANALYST = (Role.admin, Role.staff)


@dataclass(frozen=True)
class Added:
    """What :func:`add_submission` did with one file."""

    outcome: str
    """``added``, ``replaced`` (a newer one for the same site and period) or ``already``
    (this very file was added before: nothing changed)."""
    site: str
    period: str
    message: str


@dataclass(frozen=True)
class KeptSubmission:
    """One submission in force: the newest kept for its site, programme and period."""

    site: str
    org_unit: str
    fingerprint: str
    programme: str
    period: str
    as_of: date
    sequence: int
    rows: int


def trust_site(store: Store, card_bytes: bytes) -> tuple[SiteCard, bool]:
    """Accept submissions from the site whose card is ``card_bytes``; one ``region.trust``
    audit row. Returns the card and whether it was new (a card already trusted changes
    nothing). Refuses a card that is not one, and this store's own."""
    card = SiteCard.from_bytes(card_bytes)
    with store.action("region.trust", entity="region_site", roles=ANALYST) as act:
        session = act.session
        own = session.exec(select(Site)).one()
        from outreach.store.sealed import own_fingerprint

        if card.fingerprint == own_fingerprint(own.signing_key):
            raise ValidationError("card", "that is this store's own card, not a site's")
        if session.get(RegionSite, card.fingerprint) is not None:
            act.unchanged()
            return card, False
        session.add(
            RegionSite(
                fingerprint=card.fingerprint, site=card.site, card=card_bytes, added_at=now()
            )
        )
        act.names(None, ["fingerprint", "site"])
    return card, True


def add_submission(store: Store, data: bytes) -> Added:
    """Verify a sealed submission and keep it; one ``region.submission`` audit row when it is
    added or replaces an older one, none when this very file was added before.

    Refuses (ValidationError("file", ...)) a file that is not a submission, is sealed to
    another store, was altered or is badly signed (:func:`open_sealed`); one from a site this
    store does not trust; one whose payload names another site than its signer; and one
    older than (or as old as) the submission kept for its site, programme and period.
    """
    digest = hashlib.sha256(data).hexdigest()
    with store.action("region.submission", entity="region_submission", roles=ANALYST) as act:
        session = act.session
        seen = session.exec(select(RegionSubmission).where(RegionSubmission.digest == digest))
        found = seen.first()
        if found is not None:
            act.unchanged()
            return Added(
                "already",
                found.site,
                found.period,
                f"{found.site} {found.period}: this file was added on "
                f"{found.received_at:%Y-%m-%d}; nothing changed",
            )
        own = session.exec(select(Site)).one()
        opened = open_sealed(data, kind=KIND, signing_key=own.signing_key)
        sender = opened.sender
        trusted = session.get(RegionSite, sender.fingerprint)
        if trusted is None:
            raise ValidationError(
                "file",
                f"sent by {sender.site!r} (card {sender.fingerprint}), a site this region does "
                "not trust; if it is one of the region's sites, add its card first: "
                "outreach region trust CARD",
            )
        submission = read_payload(opened.payload)
        if submission.programme not in programme_keys():
            raise ValidationError(
                "file",
                f"a submission of the programme {submission.programme!r}, which this outreach "
                f"does not know (it knows {', '.join(programme_keys())}); add the programme's "
                "file to schema/programmes/ first",
            )
        if submission.site != sender.site:
            raise ValidationError(
                "file",
                f"the submission names {submission.site!r} but is signed by {sender.site!r}",
            )
        if submission.as_of <= submission.period.end:
            raise ValidationError(
                "file", f"counted on {submission.as_of}, before {submission.period.label} ended"
            )
        kept = session.exec(
            select(RegionSubmission).where(
                RegionSubmission.fingerprint == sender.fingerprint,
                RegionSubmission.programme == submission.programme,
                RegionSubmission.period == submission.period.label,
                RegionSubmission.replaced_by.is_(None),  # type: ignore[union-attr]
            )
        ).first()
        if kept is not None and submission.sequence <= kept.sequence:
            raise ValidationError(
                "file",
                f"{sender.site} {submission.period.label}: an older submission than the one "
                f"kept (counted on {kept.as_of}); nothing changed",
            )
        row = RegionSubmission(
            fingerprint=sender.fingerprint,
            site=sender.site,
            org_unit=submission.org_unit,
            programme=submission.programme,
            period=submission.period.label,
            sequence=submission.sequence,
            as_of=submission.as_of,
            digest=digest,
            rows=json.dumps([row_json(r) for r in submission.rows], ensure_ascii=False),
            received_at=now(),
        )
        session.add(row)
        session.flush()
        fields = ["site", "period", "programme"]
        if kept is not None:
            kept.replaced_by = row.id
            session.add(kept)
            count_out(session, kept)
            fields.append("replaces")
        count_in(session, row)
        act.names(row.id, fields)
    if kept is not None:
        return Added(
            "replaced",
            sender.site,
            submission.period.label,
            f"{sender.site} {submission.period.label}: replaces the submission counted on "
            f"{kept.as_of}",
        )
    return Added(
        "added",
        sender.site,
        submission.period.label,
        f"{sender.site} {submission.period.label}: added (counted on {submission.as_of})",
    )


def kept_submissions(store: Store, *, period: str | None = None) -> list[KeptSubmission]:
    """The submissions in force (newest per site, programme and period), by period and site."""
    query = select(RegionSubmission).where(
        RegionSubmission.replaced_by.is_(None)  # type: ignore[union-attr]
    )
    if period is not None:
        query = query.where(RegionSubmission.period == period)
    with store.read() as session:
        found = session.exec(query).all()
        return sorted(
            (
                KeptSubmission(
                    site=s.site,
                    org_unit=s.org_unit,
                    fingerprint=s.fingerprint,
                    programme=s.programme,
                    period=s.period,
                    as_of=s.as_of,
                    sequence=s.sequence,
                    rows=len(json.loads(s.rows)),
                )
                for s in found
            ),
            key=lambda k: (k.period, k.site, k.fingerprint),
        )


def trusted_sites(store: Store) -> list[tuple[str, str]]:
    """The trusted sites as (site, fingerprint), by name."""
    with store.read() as session:
        return sorted((s.site, s.fingerprint) for s in session.exec(select(RegionSite)).all())
