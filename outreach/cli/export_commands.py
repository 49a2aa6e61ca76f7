"""``outreach export``, ``outreach verify`` and ``outreach keys export-public``/``export-card``:
signed, disclosure-controlled governance summaries, their preview, how a reader checks them,
and the site card other stores seal files to."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

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
from outreach.cli.store_commands import keys
from outreach.cli.tables import plain_table
from outreach.wording import counted

if TYPE_CHECKING:
    from outreach.exports.export import ExportResult
    from outreach.exports.preview import ExportPreview

ALL_FORMATS = "csv,xlsx,json,fhir,html"
DEFAULT_POLICY = "nhs-hes-2018"
CERVICAL = "cervical-screening"
ALL_PROGRAMMES = "all"
WIDTH = 80
"""The terminal width the plain preview is laid out for."""
HEADINGS = ("measure", "breakdown", "category", "value", "exact", "withheld")
MIN_CATEGORY = 12
"""The category column is never narrower than this: below it, categories go under their row."""


@app.command()
def export(
    period: Annotated[
        str,
        typer.Option(
            "--period",
            help="A whole calendar year, quarter or month that has ended: 2024, 2024-Q3 or "
            "2024-03, or in ISO 8601 as ADX writes it: 2024-01-01/P1Y, 2024-07-01/P3M, "
            "2024-03-01/P1M.",
        ),
    ],
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Folder to write into (created; must be empty). Required unless --preview.",
            show_default=False,
        ),
    ] = None,
    formats: Annotated[
        str,
        typer.Option(
            "--format",
            help="Comma-separated formats: csv, xlsx, json, fhir, html; and for a "
            "commissioner's system adx, dhis2-json and madx (written through --mapping, for the "
            "site's org unit code: outreach site org-unit CODE). Or, alone, submission: the "
            "exact counts sealed to the region (--to REGION-CARD --out FILE; with --programme "
            "all, --out is a folder and each programme's file in it is KEY.submission).",
        ),
    ] = ALL_FORMATS,
    mapping: Annotated[
        Path | None,
        typer.Option(
            "--mapping",
            help="Indicator mapping (TOML) for adx and dhis2-json: which figure goes to which "
            "data element (default: the example DHIS2 mapping shipped in "
            "schema/indicators/dhis2-screening.toml; copy and edit it for a real data set).",
            show_default=False,
        ),
    ] = None,
    to: Annotated[
        Path | None,
        typer.Option(
            "--to",
            help="With --format submission: the region's card (its 'outreach keys "
            "export-card'); the exact counts are sealed so only that store can read them.",
            show_default=False,
        ),
    ] = None,
    policy: Annotated[
        str,
        typer.Option(
            "--policy",
            help="Disclosure control: nhs-hes-2018 (default), or none for internal use only.",
        ),
    ] = DEFAULT_POLICY,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Count up to this date (YYYY-MM-DD; default today)."),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Replace a previous export in --out.")
    ] = False,
    preview: Annotated[
        bool,
        typer.Option(
            "--preview",
            help="Print the published table the export would hold (each figure as summary.csv "
            "will have it, * where suppressed) under a short explanation, and write nothing: "
            "no folder, no file, no audit row. --out, --format and --force are then ignored.",
        ),
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="With --preview: print the table as JSON for scripts.")
    ] = False,
    programme: Annotated[
        str,
        typer.Option(
            "--programme",
            help="The programme: cervical-screening (the default), a testing programme "
            "(outreach programmes lists them: its cascade stage by stage), or all: one signed "
            "export of each programme, each in a folder of --out named by its key.",
        ),
    ] = CERVICAL,
    by: Annotated[
        str,
        typer.Option(
            "--by",
            help="Add breakdowns, comma-separated: ethnicity, disability, learning-disability, "
            "language, interpreter (or equity for all five), and unit for a testing programme "
            "(cervical screening always has it). Each is withheld whole where a cell is small.",
        ),
    ] = "",
    store: StoreOption = None,
    user: UserOption = None,
) -> None:
    """Write an anonymised, disclosure-controlled summary of one period, signed by the site;
    or, with --preview, show its published table and write nothing."""
    from outreach.exports.equity_rows import parse_by
    from outreach.exports.export import export_summary, parse_formats
    from outreach.exports.preview import check_programme
    from outreach.rules.programme import programme_keys
    from outreach.services.dates import parse_date
    from outreach.stats.period import Period

    programme = programme.strip().lower()
    if preview:
        if programme == ALL_PROGRAMMES:
            raise fail("--preview shows one programme: name it with --programme KEY", code=2)
        _preview(period, policy, as_of, as_json, store, user, programme, by)
        return
    if "submission" in {name.strip().lower() for name in formats.split(",")}:
        _submission(period, formats, to, out, as_of, force, store, user, programme)
        return
    if out is None:
        raise fail(
            "--out DIR is required to write an export (or pass --preview to see the published "
            "table without writing anything)",
            code=2,
        )
    if as_json:
        raise fail("--json goes with --preview; an export writes summary.json itself", code=2)
    with errors_shown():
        chosen = Period.parse(period)
        wanted = parse_formats(formats)
        day = parse_date(as_of, "--as-of") if as_of is not None else None
        keys = programme_keys() if programme == ALL_PROGRAMMES else (programme,)
        breakdowns = parse_by(by)
        if programme != ALL_PROGRAMMES:
            check_programme(programme)
        with unlock(store, user) as opened:
            for key in keys:
                # Each programme its own signed export: with all, in a folder named by its key.
                folder = out / key if programme == ALL_PROGRAMMES else out
                result = export_summary(
                    opened,
                    period=chosen,
                    out=folder,
                    formats=wanted,
                    policy=policy,
                    as_of=day,
                    force=force,
                    progress=lambda what, _share: say(f"  {what}…", err=True),
                    mapping=mapping,
                    programme=key,
                    by=breakdowns,
                )
                _exported(result, key)
    say("Readers check it with: outreach verify DIR --public-key site-key.pem")


def _exported(result: ExportResult, programme: str) -> None:
    what = "" if programme == CERVICAL else f" of {programme}"
    say(
        f"Exported {result.period}{what} with disclosure control {result.policy} to {result.folder}"
    )
    for name in result.files:
        say(f"    {name}")
    for line in result.left_out:
        say(line)
    say(f"Signed with the site key {result.key_fingerprint}.")


def _submission(
    period: str,
    formats: str,
    to: Path | None,
    out: Path | None,
    as_of: str | None,
    force: bool,
    store: Path | None,
    user: str | None,
    programme: str = CERVICAL,
) -> None:
    from outreach.exports.preview import check_programme
    from outreach.region.submission import write_submission
    from outreach.rules.programme import programme_keys
    from outreach.services.dates import parse_date
    from outreach.stats.period import Period
    from outreach.store.sealed import SiteCard

    if formats.strip().lower() != "submission":
        raise fail("--format submission writes one sealed file: give it alone", code=2)
    if to is None or out is None:
        raise fail("--format submission needs --to REGION-CARD and --out FILE", code=2)
    with errors_shown():
        if programme != ALL_PROGRAMMES:
            check_programme(programme)
        card = SiteCard.from_bytes(read_file(to, "--to"))
        chosen = Period.parse(period)
        day = parse_date(as_of, "--as-of") if as_of is not None else None
        keys = programme_keys() if programme == ALL_PROGRAMMES else (programme,)
        with unlock(store, user) as opened:
            for key in keys:
                # With all, --out is a folder and each programme its own sealed file in it.
                path = out / f"{key}.submission" if programme == ALL_PROGRAMMES else out
                written = write_submission(
                    opened, period=chosen, to=card, out=path, as_of=day, force=force, programme=key
                )
                what = "" if key == CERVICAL else f" for {key}"
                say(
                    f"Wrote the exact counts of {written.period}{what} ({written.rows} rows), "
                    f"sealed to {written.region} (card {written.region_fingerprint}), to "
                    f"{written.path}"
                )
    say("Only the region's store can open it. Send it; they add it with: outreach region add")


def _preview(
    period: str,
    policy: str,
    as_of: str | None,
    as_json: bool,
    store: Path | None,
    user: str | None,
    programme: str = CERVICAL,
    by: str = "",
) -> None:
    from outreach.exports.equity_rows import parse_by
    from outreach.exports.preview import preview_export
    from outreach.services.dates import parse_date
    from outreach.stats.period import Period

    with errors_shown():
        chosen = Period.parse(period)
        day = parse_date(as_of, "--as-of") if as_of is not None else None
        with unlock(store, user) as opened:
            shown = preview_export(
                opened,
                period=chosen,
                policy=policy,
                as_of=day,
                programme=programme,
                by=parse_by(by),
            )
    if as_json:
        say(json.dumps(preview_as_json(shown), indent=2, ensure_ascii=False))
        return
    say(preview_text(shown, to_write=_export_command(period, policy, as_of, programme, by)))


def _export_command(
    period: str, policy: str, as_of: str | None, programme: str = CERVICAL, by: str = ""
) -> str:
    """The command that writes what was previewed."""
    words = ["outreach export --period", period]
    if programme != CERVICAL:
        words += ["--programme", programme]
    if by.strip():
        words += ["--by", by.strip()]
    if policy != DEFAULT_POLICY:
        words += ["--policy", policy]
    if as_of is not None:
        words += ["--as-of", as_of]
    return " ".join([*words, "--out DIR"])


def preview_as_json(preview: ExportPreview) -> dict[str, object]:
    """The preview for scripts: ``rows`` hold the cells of ``summary.csv`` (``value`` is ``*``
    where suppressed, ``withheld_reason`` empty, ``breakdown`` or ``total``)."""
    summary = preview.summary
    return {
        "period": summary.period.label,
        "policy": summary.policy.name,
        "as_of": summary.as_of.isoformat(),
        "written": False,
        "explanation": list(preview.explanation),
        "rows": [
            {
                "measure": row.measure,
                "breakdown": row.breakdown,
                "category": row.category,
                "value": row.value,
                "withheld_reason": row.withheld_reason,
            }
            for row in preview.rows
        ],
    }


def preview_text(preview: ExportPreview, *, to_write: str = "", width: int = WIDTH) -> str:
    """The preview as plain text no wider than ``width`` (unless a column cannot shrink): a
    heading, the explanation, then one line per figure with the cells of ``summary.csv`` and,
    beside the published value, the exact figure it came from (``!`` where rounding moves it
    across its target). The exact figures are printed, never written to a file.

    Long categories wrap inside their column rather than being cut short (or go under their
    row when the other columns leave them too little room), so every cell is shown whole; the
    other columns are names, short codes and numbers, each kept on one line. Text is shown as
    typed (a unit named ``[b]`` or holding an escape sequence is printed, never acted on).
    """
    summary = preview.summary
    heading = (
        f"Preview of {summary.period.label}, counted on {summary.as_of.isoformat()}: "
        f"{counted(len(preview.rows), 'figure')}, {preview.suppressed} shown as *."
    )
    lines = textwrap.wrap(heading, width)
    for note in (*preview.explanation, *preview.screen_notes):
        lines += textwrap.wrap(note, width)
    lines.append("")
    cells = [
        (
            row.measure,
            row.breakdown,
            row.category,
            row.value,
            f"{row.exact} !" if row.crosses_target else row.exact,
            row.withheld_reason,
        )
        for row in preview.rows
    ]
    # Measure names are kept whole (they are names to look up and copy); the category wraps
    # inside its column, and when the others leave it too narrow it goes under its row.
    lines += plain_table(
        cells, headings=HEADINGS, wrap=(2,), right=(3, 4), width=width, min_wrap=MIN_CATEGORY
    )
    lines += ["", "Nothing was written." + (" To write it:" if to_write else "")]
    if to_write:
        # On a line of its own, whole, so it can be copied.
        lines.append(f"    {to_write}")
    return "\n".join(lines)


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
    from outreach.exports.signing import verify_export
    from outreach.store.site_key import load_public_key

    with errors_shown():
        key = (
            load_public_key(read_file(public_key, "--public-key"))
            if public_key is not None
            else None
        )
        result = verify_export(folder, key)
    if not result.ok:
        for problem in result.problems:
            say(f"FAIL  {problem}", err=True)
        raise fail(f"{folder} is not an untouched signed export")
    say(f"ok    every file matches manifest.json, signed by {result.fingerprint}")
    if not result.origin_checked:
        say(
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
    say(f"Wrote the site's public key to {file}")
    say(f"Fingerprint {printed}: read it out to readers so they can check the file.")


@keys.command("export-card")
def keys_export_card(
    file: Annotated[Path, typer.Argument(help="Where to write this store's site card.")],
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
    store: StoreOption = None,
    user: UserOption = None,
) -> None:
    """Write this store's site card: the public keys other stores seal files to.

    Hand the card to a team's other laptop (sync), to another site (transfers) or to the
    region (returns). It holds no secret; read its fingerprint aloud so the receiver can check
    it arrived unchanged.
    """
    from outreach.services.site import own_card

    with errors_shown():
        if file.exists() and not force:
            raise ValueError(f"{file} exists; pass --force to overwrite it")
        with unlock(store, user) as opened:
            card = own_card(opened)
        file.write_bytes(card.to_bytes())
    say(f"Wrote the site card of {card.site} to {file}")
    say(f"Fingerprint {card.fingerprint}: read it aloud to whoever receives the card.")
