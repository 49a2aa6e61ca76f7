"""Write a signed governance export of one period into a folder, and record it in the audit.

The files are written into a temporary folder beside the target, signed, then renamed into
place, so a half-written export never appears under the target's name.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlmodel import select

from outreach.clock import today
from outreach.errors import ValidationError
from outreach.exports.adx_writer import write_adx
from outreach.exports.csv_writer import write_csv
from outreach.exports.dhis2_writer import write_dhis2_json
from outreach.exports.fhir_writer import write_fhir
from outreach.exports.history import (
    check_history,
    figures_json,
)
from outreach.exports.html_writer import write_html
from outreach.exports.indicators import MappedFigures, load_mapping, mapped_figures
from outreach.exports.json_writer import (
    InvalidSummary,
    check_document,
    validated_document,
    write_document,
    write_json,
)
from outreach.exports.madx_writer import write_madx
from outreach.exports.notes import notes
from outreach.exports.preview import CERVICAL, ExportChoice, export_choice, published_table
from outreach.exports.signing import (
    MANIFEST,
    SIGNATURE,
    file_digest,
    sign_folder,
    verify_export,
)
from outreach.exports.table import PublishedSummary
from outreach.exports.xlsx_writer import write_xlsx
from outreach.model import ExportRecord, Site, SiteSetting
from outreach.model.site_settings import ORG_UNIT
from outreach.rules.disclosure import DEFAULT_POLICY_NAME
from outreach.stats.period import Period
from outreach.store import audit
from outreach.store.site_key import fingerprint, public_key_of
from outreach.store.store import Store

Progress = Callable[[str, float], None]
"""Called with what is being done and the share done so far, 0.0 to 1.0."""

Writer = Callable[[PublishedSummary, Path], None]

FORMATS: dict[str, tuple[str, Writer]] = {
    "csv": ("summary.csv", write_csv),
    "xlsx": ("summary.xlsx", write_xlsx),
    "json": ("summary.json", write_json),
    "fhir": ("measure-reports.fhir.json", write_fhir),
    "html": ("report.html", write_html),
}
INDICATOR_FORMATS: dict[str, str] = {
    "adx": "indicators.adx.xml",
    "dhis2-json": "dataValueSets.json",
    "madx": "measure-report.madx.json",
}
"""Formats written through an indicator mapping, for a commissioner's system."""
NOTES_FILE = "notes.txt"


@dataclass(frozen=True)
class ExportResult:
    """Where an export went and how it was signed."""

    folder: Path
    files: tuple[str, ...]
    period: str
    policy: str
    key_fingerprint: str
    left_out: tuple[str, ...] = ()
    """What the ADX and DHIS2 files leave out, and why (see ``MappedFigures.left_out_lines``)."""


def parse_formats(text: str | Sequence[str]) -> tuple[str, ...]:
    """``"csv,xlsx"`` (or a list) as known format names in a fixed order; ValueError otherwise."""
    names = text.split(",") if isinstance(text, str) else list(text)
    wanted = {name.strip().lower() for name in names if name.strip()}
    known = [*FORMATS, *INDICATOR_FORMATS]
    unknown = sorted(wanted - set(known))
    if unknown or not wanted:
        raise ValidationError(
            "format", f"{', '.join(unknown) or 'none given'} (choose from {', '.join(known)})"
        )
    return tuple(name for name in known if name in wanted)


def export_summary(
    store: Store,
    *,
    period: Period | str,
    out: Path,
    formats: Sequence[str] = tuple(FORMATS),
    policy: str = DEFAULT_POLICY_NAME,
    as_of: date | None = None,
    force: bool = False,
    progress: Progress | None = None,
    previewed: PublishedSummary | None = None,
    mapping: Path | None = None,
    summary_source: Callable[[ExportChoice], PublishedSummary] | None = None,
    programme: str = CERVICAL,
    by: Sequence[str] = (),
    extra_notes: Sequence[str] = (),
) -> ExportResult:
    """Export ``period`` into ``out`` in ``formats``, signed, with one audit row.

    Refuses a period that has not ended on ``as_of`` (default today), an ``as_of`` in the
    future, and a non-empty ``out`` unless ``force``. ``force`` replaces only a previous export
    of this site that verifies untouched against its signed manifest (every file listed and
    unchanged, nothing else in the folder, signed with this site's key); anything else is
    refused and nothing is removed. Of the old folder only the files its manifest lists (and
    the manifest and signature) are deleted, each only while it still matches the manifest.
    Refuses (:class:`~outreach.exports.json_writer.InvalidSummary`, nothing written or signed)
    figures whose JSON document fails ``schema/export/summary.schema.json``.
    The figures are :func:`~outreach.exports.preview.published_summary`'s; given the
    ``previewed`` summary a person confirmed, it writes nothing (ValueError) unless the figures
    are still exactly those.

    ``adx`` and ``dhis2-json`` write the figures an indicator mapping names (``mapping``, a
    TOML file; default the shipped ``schema/indicators/dhis2-screening.toml``) for the site's
    org unit code, which must be set (ValidationError("org_unit") otherwise). What they leave
    out (figures the mapping does not name, figures withheld by disclosure control) is said in
    notes.txt and returned in :attr:`ExportResult.left_out`.

    ``summary_source`` gives the published figures instead of this store's own records (a
    region's table, summed from its sites' submissions); ``extra_notes`` are paragraphs added
    to notes.txt (what such a table cannot hold).

    ``programme`` names the programme exported (default cervical screening, whose files are
    what they always were); a testing programme's figures are its cascade
    (:mod:`outreach.exports.cascade_table`), checked only against earlier exports of the same
    programme. ``by`` adds breakdowns (``unit`` and the equity fields, see
    :mod:`outreach.exports.equity_rows`) under the same breakdown rule.
    """
    report = progress or (lambda _what, _share: None)
    choice = export_choice(
        store, period=period, policy=policy, as_of=as_of, programme=programme, by=by
    )
    wanted = parse_formats(formats)
    out = out.expanduser().resolve()
    with store.read() as session:
        site_key = public_key_of(session.exec(select(Site)).one().signing_key)
        setting = session.get(SiteSetting, ORG_UNIT)
        org_unit = "" if setting is None else setting.value
    indicator_formats = [name for name in wanted if name in INDICATOR_FORMATS]
    chosen_mapping = load_mapping(mapping) if indicator_formats else None
    if indicator_formats and not org_unit:
        raise ValidationError(
            "org_unit",
            f"the site has no org unit code, which {' and '.join(indicator_formats)} files "
            "are written for; set it with: outreach site org-unit CODE (the code the "
            "commissioner's system gives the site)",
        )
    replaced = _check_target(out, force, site_key)

    report("counting", 0.0)
    summary = (summary_source or (lambda chosen: published_table(store, chosen)))(choice)
    if previewed is not None and summary != previewed:
        raise ValueError(
            f"the figures of {choice.period.label} changed after the preview (a record was "
            "added or changed, or the day turned); nothing was written: preview it again"
        )
    # Every format carries these figures: one that fails the schema is written in none.
    document = validated_document(summary)
    the_period, chosen, day = choice.period, choice.policy, choice.as_of
    # The figures that add up with earlier exports' (a quarter with its months): refused when
    # together they would pin a count this or an earlier export shows as *.
    figures, refused = check_history(store, summary)
    if refused is not None:
        raise ValueError(refused)
    mapped = mapped_figures(summary, chosen_mapping) if chosen_mapping is not None else None
    left_out = tuple(mapped.left_out_lines()) if mapped is not None else ()
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.parent / f".{out.name}.partial-{secrets.token_hex(4)}"
    partial.mkdir()
    aside: Path | None = None
    placed = False
    try:
        steps = len(wanted) + 2
        for done, name in enumerate(wanted, start=1):
            if name in INDICATOR_FORMATS:
                assert mapped is not None
                report(f"writing {INDICATOR_FORMATS[name]}", done / steps)
                _write_indicators(name, mapped, partial, org_unit)
                continue
            filename, write = FORMATS[name]
            report(f"writing {filename}", done / steps)
            if name == "json":
                # The document checked above: checking it again took a tenth of a second
                # at 200,000 people.
                write_document(document, partial / filename)
            else:
                write(summary, partial / filename)
        (partial / NOTES_FILE).write_text(
            "\n\n".join([*notes(summary), *extra_notes, *left_out]) + "\n", encoding="utf-8"
        )
        if "json" in wanted:
            # What is signed is the file: read back, it must be the document checked above.
            written = json.loads((partial / FORMATS["json"][0]).read_text(encoding="utf-8"))
            if written != document:
                check_document(written)
                raise InvalidSummary(
                    "summary.json is not the summary that was checked against its schema; "
                    "nothing was signed or written"
                )
        report("signing", (steps - 1) / steps)
        with store.write() as session:
            entry = audit.record(
                session,
                actor_id=store.actor.id,
                action="export",
                entity="export",
                fields=["period", "policy", "formats", "programme"],
            )
            assert entry.id is not None
            session.add(
                ExportRecord(
                    audit_id=entry.id,
                    period=the_period.label,
                    policy=chosen.name,
                    figures=figures_json(figures),
                    audit_head=entry.hash,
                    programme=summary.programme,
                )
            )
            site = session.exec(select(Site)).one()
            sign_folder(
                partial,
                site.signing_key,
                site=site.name,
                period=the_period.label,
                policy=chosen.name,
                as_of=day,
                created_on=today(),
                audit_head=entry.hash,
            )
            key = fingerprint(public_key_of(site.signing_key))
            # Renamed into place last, inside the transaction: if the rename fails, the audit
            # row rolls back with it.
            aside = _move_into_place(partial, out)
            placed = True
    except BaseException:
        if placed:
            shutil.rmtree(out, ignore_errors=True)
            if aside is not None:
                os.rename(aside, out)
        shutil.rmtree(partial, ignore_errors=True)
        raise
    if aside is not None:
        _remove_listed(aside, replaced)
    report("done", 1.0)
    files = tuple(sorted(p.name for p in out.iterdir()))
    return ExportResult(out, files, the_period.label, chosen.name, key, left_out)


def _write_indicators(name: str, mapped: MappedFigures, folder: Path, org_unit: str) -> None:
    path = folder / INDICATOR_FORMATS[name]
    if name == "adx":
        write_adx(mapped, path, org_unit=org_unit, exported=today())
    elif name == "madx":
        last_day = Period.parse(mapped.iso_period).end
        write_madx(mapped, path, org_unit=org_unit, last_day=last_day)
    else:
        write_dhis2_json(mapped, path, org_unit=org_unit)


def _check_target(out: Path, force: bool, site_key: Ed25519PublicKey) -> dict[str, str]:
    """Refuse an ``out`` that cannot be written; return the files a forced export may remove
    (name -> SHA-256; manifest and signature included), empty when nothing is replaced."""
    if out.exists() and not out.is_dir():
        raise ValidationError("out", f"{out} is a file, not a folder")
    if not out.is_dir() or not any(out.iterdir()):
        return {}
    if not force:
        raise ValidationError("out", f"{out} is not empty; choose an empty folder or pass --force")
    found = verify_export(out, site_key)
    if not found.ok:
        shown = "; ".join(found.problems[:3]) + ("; …" if len(found.problems) > 3 else "")
        raise ValidationError(
            "out",
            f"{out} is not an untouched export of this site ({shown}); --force only "
            "replaces a previous export, so nothing was removed: choose an empty folder",
        )
    listed = {entry["name"]: entry["sha256"] for entry in found.manifest["files"]}
    for name in (MANIFEST, SIGNATURE):
        listed[name] = file_digest(out / name)
    return listed


def _remove_listed(aside: Path, listed: dict[str, str]) -> None:
    """Delete from the replaced export only the files its manifest listed, each only while it
    still holds what was verified; the folder goes only if that leaves it empty."""
    for name, digest in listed.items():
        path = aside / name
        if path.is_file() and not path.is_symlink() and file_digest(path) == digest:
            path.unlink()
    # Anything not written by outreach that appeared there since the check is kept.
    with contextlib.suppress(OSError):
        aside.rmdir()


def _move_into_place(partial: Path, out: Path) -> Path | None:
    """Rename ``partial`` to ``out``; a previous export there is moved aside and returned."""
    aside = None
    if out.is_dir():
        if any(out.iterdir()):
            aside = out.parent / f".{out.name}.replaced-{secrets.token_hex(4)}"
            os.rename(out, aside)
        else:
            out.rmdir()
    os.rename(partial, out)
    return aside
