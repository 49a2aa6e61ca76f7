"""``outreach export``, ``outreach verify`` and ``outreach keys export-public``: signed,
disclosure-controlled governance summaries and how a reader checks them."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from outreach.cli import app
from outreach.cli.common import StoreOption, UserOption, errors_shown, fail, unlock
from outreach.cli.store_commands import keys

ALL_FORMATS = "csv,xlsx,json,fhir,html"


@app.command()
def export(
    period: Annotated[
        str,
        typer.Option(
            "--period",
            help="A whole calendar year, quarter or month that has ended: 2024, 2024-Q3 or "
            "2024-03.",
        ),
    ],
    out: Annotated[
        Path, typer.Option("--out", help="Folder to write into (created; must be empty).")
    ],
    formats: Annotated[
        str,
        typer.Option("--format", help="Comma-separated formats: csv, xlsx, json, fhir, html."),
    ] = ALL_FORMATS,
    policy: Annotated[
        str,
        typer.Option(
            "--policy",
            help="Disclosure control: nhs-hes-2018 (default), or none for internal use only.",
        ),
    ] = "nhs-hes-2018",
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Count up to this date (YYYY-MM-DD; default today)."),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Replace a previous export in --out.")
    ] = False,
    store: StoreOption = None,
    user: UserOption = None,
) -> None:
    """Write an anonymised, disclosure-controlled summary of one period, signed by the site."""
    from outreach.exports.export import export_summary, parse_formats
    from outreach.services.dates import parse_date
    from outreach.stats.period import Period

    with errors_shown():
        chosen = Period.parse(period)
        wanted = parse_formats(formats)
        day = parse_date(as_of, "--as-of") if as_of is not None else None
        with unlock(store, user) as opened:
            result = export_summary(
                opened,
                period=chosen,
                out=out,
                formats=wanted,
                policy=policy,
                as_of=day,
                force=force,
                progress=lambda what, _share: typer.echo(f"  {what}…", err=True),
            )
    typer.echo(
        f"Exported {result.period} with disclosure control {result.policy} to {result.folder}"
    )
    for name in result.files:
        typer.echo(f"    {name}")
    typer.echo(f"Signed with the site key {result.key_fingerprint}.")
    typer.echo("Readers check it with: outreach verify DIR --public-key site-key.pem")


@app.command()
def verify(
    folder: Annotated[Path, typer.Argument(help="The export folder to check.")],
    public_key: Annotated[
        Path | None,
        typer.Option(
            "--public-key",
            help="The site's public key (from 'outreach keys export-public'), to check origin.",
        ),
    ] = None,
) -> None:
    """Check an export folder against its signed manifest; exits 0 only when it is untouched."""
    from outreach.exports.signing import load_public_key, verify_export

    with errors_shown():
        key = load_public_key(public_key.read_bytes()) if public_key is not None else None
        result = verify_export(folder, key)
    if not result.ok:
        for problem in result.problems:
            typer.echo(f"FAIL  {problem}", err=True)
        raise fail(f"{folder} is not an untouched signed export")
    typer.echo(f"ok    every file matches manifest.json, signed by {result.fingerprint}")
    if not result.origin_checked:
        typer.echo(
            "note  checked against the key inside the manifest: this proves the files are "
            "unchanged since signing, not who signed them. Pass --public-key with the site's "
            "published key to check the origin too."
        )


@keys.command("export-public")
def keys_export_public(
    file: Annotated[Path, typer.Argument(help="Where to write the public key (PEM).")],
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
    store: StoreOption = None,
    user: UserOption = None,
) -> None:
    """Write the site's public signing key, for readers of exports to verify them."""
    from outreach.services.site import site_signing_public_pem

    with errors_shown():
        if file.exists() and not force:
            raise ValueError(f"{file} exists; pass --force to overwrite it")
        with unlock(store, user) as opened:
            pem, printed = site_signing_public_pem(opened)
        file.write_bytes(pem)
    typer.echo(f"Wrote the site's public key to {file}")
    typer.echo(f"Fingerprint {printed}: read it out to readers so they can check the file.")
