"""``outreach region``: a region's store, which keeps its sites' submissions (exact counts,
sealed to it), sums them and exports the region's figures under disclosure control."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from outreach.cli import app
from outreach.cli.common import (
    StoreOption,
    UserOption,
    errors_shown,
    fail,
    read_file,
    say,
    unlock,
)

region = typer.Typer(
    help="A region's store: trust sites, add their submissions, export the region's figures.",
    no_args_is_help=True,
)
app.add_typer(region, name="region")


@region.command("trust")
def trust(
    card: Annotated[Path, typer.Argument(help="A site's card (outreach keys export-card).")],
    store: StoreOption = None,
    user: UserOption = None,
) -> None:
    """Accept submissions from the site whose card this is (check its fingerprint with the
    site, read aloud)."""
    from outreach.region.inbox import trust_site

    with errors_shown(), unlock(store, user) as opened:
        found, new = trust_site(opened, read_file(card, "card"))
    said = "now trusted" if new else "already trusted"
    say(f"{found.site} is {said}: card {found.fingerprint}")


@region.command("add")
def add(
    files: Annotated[list[Path], typer.Argument(help="Submission files sent by sites.")],
    store: StoreOption = None,
    user: UserOption = None,
) -> None:
    """Verify and keep sites' submissions. Each file is taken or refused on its own; a newer
    submission for the same site and period replaces the older; the same file again changes
    nothing. Exits 1 when any file was refused."""
    from outreach.errors import ValidationError
    from outreach.region.inbox import add_submission

    refused = 0
    with errors_shown(), unlock(store, user) as opened:
        for path in files:
            try:
                added = add_submission(opened, read_file(path, "submission"))
            except (ValidationError, OSError) as exc:
                refused += 1
                say(f"refused  {path.name}: {exc}", err=True)
                continue
            say(f"{added.outcome:<9}{path.name}: {added.message}")
    if refused:
        raise fail(f"{refused} of {len(files)} files refused; the others were kept")


@region.command("list")
def list_submissions(
    period: Annotated[
        str | None, typer.Option("--period", help="Only this period (2024-Q2 or ISO).")
    ] = None,
    store: StoreOption = None,
    user: UserOption = None,
) -> None:
    """The trusted sites and the submissions in force, by period."""
    from outreach.region.inbox import kept_submissions, trusted_sites
    from outreach.stats.period import Period

    with errors_shown(), unlock(store, user) as opened:
        label = Period.parse(period).label if period is not None else None
        sites = trusted_sites(opened)
        kept = kept_submissions(opened, period=label)
    say(f"{len(sites)} trusted sites:")
    for site, fingerprint in sites:
        say(f"    {site}  {fingerprint}")
    say(f"{len(kept)} submissions in force:")
    for item in kept:
        say(
            f"    {item.period}  {item.site} ({item.org_unit})  {item.programme}  counted on "
            f"{item.as_of}  {item.rows} rows"
        )


@region.command("export")
def export_region_command(
    period: Annotated[str, typer.Option("--period", help="2024-Q2, 2024-04-01/P3M, 2024, ...")],
    out: Annotated[Path, typer.Option("--out", help="Folder to write into (new or empty).")],
    formats: Annotated[
        str,
        typer.Option(
            "--format",
            help="Comma-separated: csv, xlsx, json, fhir, html, adx, dhis2-json, madx.",
        ),
    ] = "csv,json,adx,dhis2-json",
    policy: Annotated[str, typer.Option("--policy", help="Disclosure control.")] = "nhs-hes-2018",
    mapping: Annotated[
        Path | None, typer.Option("--mapping", help="Indicator mapping for adx, dhis2-json.")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace a previous export.")] = False,
    programme: Annotated[
        str,
        typer.Option(
            "--programme",
            help="The programme: cervical-screening (the default), a testing programme "
            "(outreach programmes lists them), or all: one signed export of each programme "
            "any site sent for the period, each in a folder of --out named by its key.",
        ),
    ] = "cervical-screening",
    by: Annotated[
        str,
        typer.Option(
            "--by",
            help="Add the equity breakdowns the sites sent, comma-separated: ethnicity, "
            "disability, learning-disability, language, interpreter (or equity for all "
            "five). Each is withheld whole where a cell is small.",
        ),
    ] = "",
    store: StoreOption = None,
    user: UserOption = None,
) -> None:
    """Sum the exact counts of every site's submission for the period, then apply disclosure
    control once, and write the region's export with a per-site breakdown (withheld whole
    where one site's figure is too small)."""
    from outreach.exports.equity_rows import parse_by
    from outreach.exports.export import parse_formats
    from outreach.exports.preview import check_programme
    from outreach.region.inbox import kept_submissions
    from outreach.region.rollup import export_region
    from outreach.stats.period import Period

    programme = programme.strip().lower()
    with errors_shown(), unlock(store, user) as opened:
        chosen = Period.parse(period)
        wanted = parse_formats(formats)
        breakdowns = parse_by(by)
        if programme == "all":
            # Only the programmes some site sent: the others have nothing to sum.
            keys = sorted({k.programme for k in kept_submissions(opened, period=chosen.label)})
            if not keys:
                raise fail(
                    f"no site's submission for {chosen.label} is kept: add them with "
                    "outreach region add FILE…"
                )
        else:
            check_programme(programme)
            keys = [programme]
        for key in keys:
            result = export_region(
                opened,
                period=chosen,
                out=out / key if programme == "all" else out,
                formats=wanted,
                policy=policy,
                force=force,
                mapping=mapping,
                programme=key,
                by=breakdowns,
            )
            what = "" if key == "cervical-screening" else f" of {key}"
            say(f"Exported the region's {result.period}{what} ({result.policy}) to {result.folder}")
            for name in result.files:
                say(f"    {name}")
            for line in result.left_out:
                say(line)
