"""``outreach site``: the site's own settings (its org unit code for commissioners' systems)."""

from __future__ import annotations

from typing import Annotated

import typer

from outreach.cli import app
from outreach.cli.common import StoreOption, UserOption, errors_shown, say, unlock

site = typer.Typer(help="The site's settings.", no_args_is_help=True)
app.add_typer(site, name="site")


@site.command("org-unit")
def org_unit(
    code: Annotated[
        str | None,
        typer.Argument(
            help="The code the commissioner's system (DHIS2, ADX) knows the site by. Leave it "
            "out to show the code set now.",
            show_default=False,
        ),
    ] = None,
    store: StoreOption = None,
    user: UserOption = None,
) -> None:
    """Show or set the site's org unit code, which ADX and DHIS2 exports are written for
    (admins only to set it)."""
    from outreach.services.site import SetOrgUnit, set_org_unit, site_org_unit

    with errors_shown(), unlock(store, user) as opened:
        if code is None:
            current = site_org_unit(opened)
            say(current if current else "No org unit code is set: outreach site org-unit CODE")
            return
        set_org_unit(opened, SetOrgUnit(code))
    say(f"The site's org unit code is now {code}.")
