"""The site a store serves."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from sqlmodel import select

from outreach.model import Role, Site, SiteSetting
from outreach.model.site_settings import ORG_UNIT
from outreach.services.errors import ValidationError
from outreach.store.sealed import Opened, SiteCard, open_sealed, seal, site_card
from outreach.store.site_key import fingerprint, public_key_of, public_key_pem
from outreach.store.store import Store


def site_name(store: Store) -> str:
    """The name of the store's site (empty when the store has no site row), in one read."""
    with store.read() as session:
        name = session.exec(select(Site.name).limit(1)).first()
    return name or ""


def site_signing_public_pem(store: Store) -> tuple[bytes, str]:
    """The site's public export-signing key as PEM, and its fingerprint.

    The private key never leaves the encrypted store; only its public half is returned.
    """
    with store.read() as session:
        signing_key = session.exec(select(Site.signing_key).limit(1)).one()
    return public_key_pem(signing_key), fingerprint(public_key_of(signing_key))


def _site_row(store: Store) -> tuple[str, bytes]:
    with store.read() as session:
        name, signing_key = session.exec(select(Site.name, Site.signing_key).limit(1)).one()
    return name, signing_key


def own_card(store: Store) -> SiteCard:
    """This store's site card: its public identity, to hand to peers, other sites or a region."""
    name, signing_key = _site_row(store)
    return site_card(name, signing_key)


def seal_for(store: Store, payload: bytes, *, kind: str, to: SiteCard) -> bytes:
    """``payload`` sealed by this store's site to the store whose card is ``to``.

    Held in memory only: callers write the sealed bytes, never the payload.
    """
    name, signing_key = _site_row(store)
    return seal(payload, kind=kind, sender=name, signing_key=signing_key, to=to)


def open_for(store: Store, data: bytes, *, kind: str) -> Opened:
    """A file sealed to this store, opened and verified (ValidationError naming what is wrong)."""
    _name, signing_key = _site_row(store)
    return open_sealed(data, kind=kind, signing_key=signing_key)


ORG_UNIT_MAX = 50
"""DHIS2 keeps codes of up to 50 characters."""


@dataclass(frozen=True)
class SetOrgUnit:
    """The code a commissioner's system (DHIS2, ADX) knows the site by."""

    code: str


def org_unit_problem(code: str) -> str | None:
    """Why ``code`` cannot be an org unit code, None when it can: 1 to 50 characters, none of
    them a control character (XML cannot carry them), no space at either end."""
    if not code:
        return "is empty"
    if code != code.strip():
        return "has a space at one end"
    if len(code) > ORG_UNIT_MAX:
        return f"is longer than {ORG_UNIT_MAX} characters"
    if any(unicodedata.category(c) in ("Cc", "Cs") for c in code):
        return "holds a control character"
    return None


def set_org_unit(store: Store, cmd: SetOrgUnit) -> str:
    """Set the site's org unit code, written into ADX and DHIS2 exports; one
    ``site.org_unit`` audit row (none when it is already that code). Returns the code.

    Raises ValidationError("org_unit", ...) for a code :func:`org_unit_problem` refuses;
    only an admin may set it (NotAllowed).
    """
    problem = org_unit_problem(cmd.code)
    if problem is not None:
        raise ValidationError(
            "org_unit",
            f"the org unit code {problem}",
            "use the code the commissioner's system gives the site, such as PRISON_STYAL",
        )
    with store.action("site.org_unit", entity="site_setting", roles=(Role.admin,)) as act:
        setting = act.session.get(SiteSetting, ORG_UNIT)
        if setting is not None and setting.value == cmd.code:
            act.unchanged()
            return cmd.code
        if setting is None:
            setting = SiteSetting(name=ORG_UNIT, value=cmd.code)
        setting.value = cmd.code
        act.session.add(setting)
        act.names(None, [ORG_UNIT])
    return cmd.code


def site_org_unit(store: Store) -> str:
    """The site's org unit code, empty when none is set."""
    with store.read() as session:
        setting = session.get(SiteSetting, ORG_UNIT)
    return "" if setting is None else setting.value
