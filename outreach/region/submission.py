"""A trusted submission: a site's exact aggregate counts for one period, sealed to its region.

The payload is JSON: the site, its org unit code, the programme, the period, the day counted,
the sending store's sequence (higher is newer) and the exact rows of the export table that add
up across sites (counts and rates with their populations). Medians, targets and figures worked
out from targets are left out: they do not add up. No row is about a person.

Any programme can be sent. Cervical screening's rows are its export's, with coverage by every
equity field; a testing programme's
are its cascade (:mod:`outreach.exports.cascade_table`): the cohort, each stage's count out of
the stage before, each on-time count and each headline measure's counts, in total and by the
unit and every equity field (each person is in one category of each, so each breakdown adds up
across sites category by category). The median days to each stage is not sent: the medians of
the sites do not make the region's, and the on-time counts are what adds up instead.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import func
from sqlmodel import select

from outreach.errors import ValidationError
from outreach.exports.builder import build_counted
from outreach.exports.cascade_table import build_cascade_table
from outreach.exports.equity_rows import add_cervical_breakdowns, breakdown_names
from outreach.exports.preview import CERVICAL, ExportChoice, export_choice
from outreach.exports.rows import Kind
from outreach.exports.table import AggregateRow, AggregateTable
from outreach.model import AuditEntry, Site, SiteSetting
from outreach.model.site_settings import ORG_UNIT
from outreach.rules.cascade import load_cascade
from outreach.rules.programme import load_programme
from outreach.stats.period import Period
from outreach.store.sealed import SiteCard, seal
from outreach.store.store import Store

KIND = "submission/1"
"""The sealed-file kind of a submission."""
FORMAT = "outreach-submission/1"
SUMMED = (Kind.count, Kind.rate)
"""The kinds of row that add up across sites."""
_COUNTS = ("numerator", "denominator", "initial_population", "exclusions")


@dataclass(frozen=True)
class Submission:
    """A submission's payload, read back and checked."""

    site: str
    org_unit: str
    programme: str
    programme_title: str
    period: Period
    as_of: date
    sequence: int
    rows: tuple[AggregateRow, ...]


def payload(table: AggregateTable, *, org_unit: str, sequence: int) -> bytes:
    """The JSON payload of ``table``'s rows that add up across sites."""
    document = {
        "format": FORMAT,
        "site": table.site,
        "org_unit": org_unit,
        "programme": {"key": table.programme, "title": table.programme_title},
        "period": table.period.label,
        "as_of": table.as_of.isoformat(),
        "sequence": sequence,
        "rows": [row_json(row) for row in table.rows if row.kind in SUMMED],
    }
    return json.dumps(document, ensure_ascii=False, sort_keys=True).encode("utf-8")


def row_json(row: AggregateRow) -> dict[str, Any]:
    """One exact row as the payload (and the region's store) keeps it."""
    item: dict[str, Any] = {
        "measure": row.measure,
        "breakdown": row.breakdown,
        "category": row.category,
        "kind": row.kind.value,
    }
    for name in _COUNTS:
        value = getattr(row, name)
        if value is not None:
            item[name] = value
    return item


def rows_from_json(items: Any) -> tuple[AggregateRow, ...]:
    """Rows from :func:`row_json`'s items; ValidationError("file") for anything else."""
    if not isinstance(items, list):
        raise ValidationError("file", "the submission holds no rows")
    rows = []
    for item in items:
        try:
            kind = Kind(item["kind"])
            if kind not in SUMMED:
                raise ValueError(kind)
            counts = {name: item.get(name) for name in _COUNTS}
            if not all(v is None or (type(v) is int and v >= 0) for v in counts.values()):
                raise ValueError(counts)
            rows.append(
                AggregateRow(
                    measure=str(item["measure"]),
                    breakdown=str(item["breakdown"]),
                    category=str(item["category"]),
                    kind=kind,
                    numerator=counts["numerator"] or 0,
                    denominator=counts["denominator"] or 0,
                    initial_population=counts["initial_population"],
                    exclusions=counts["exclusions"],
                )
            )
        except (KeyError, TypeError, ValueError):
            raise ValidationError("file", "the submission holds a row that is not one") from None
    return tuple(rows)


def read_payload(data: bytes) -> Submission:
    """A payload written by :func:`payload`; ValidationError("file") when it is not one."""
    try:
        document = json.loads(data.decode("utf-8"))
        if document.get("format") != FORMAT:
            raise ValueError(document.get("format"))
        period = Period.parse(str(document["period"]))
        return Submission(
            site=str(document["site"]),
            org_unit=str(document["org_unit"]),
            programme=str(document["programme"]["key"]),
            programme_title=str(document["programme"]["title"]),
            period=period,
            as_of=date.fromisoformat(document["as_of"]),
            sequence=int(document["sequence"]),
            rows=rows_from_json(document["rows"]),
        )
    except ValidationError:
        raise
    except (UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError):
        raise ValidationError(
            "file", f"not an {FORMAT} submission (written by a different outreach?)"
        ) from None


@dataclass(frozen=True)
class Written:
    """A submission written: where, for which period, to which region."""

    path: Path
    period: str
    region: str
    region_fingerprint: str
    rows: int
    programme: str = CERVICAL


def write_submission(
    store: Store,
    *,
    period: Period | str,
    to: SiteCard,
    out: Path,
    as_of: date | None = None,
    force: bool = False,
    programme: str = CERVICAL,
) -> Written:
    """Write this site's exact counts of ``programme`` for ``period`` (ended on ``as_of``,
    default today) to ``out``, sealed to the region whose card is ``to``; one
    ``submission.write`` audit row.

    Refuses (ValidationError) an unknown programme, a period that has not ended, a site with
    no org unit code, and an existing ``out`` unless ``force``. The exact counts exist only in
    memory and, sealed, in the file: nothing readable is written anywhere.
    """
    choice = export_choice(store, period=period, as_of=as_of, programme=programme)
    out = out.expanduser().resolve()
    if out.exists() and (out.is_dir() or not force):
        raise ValidationError("out", f"{out} exists; choose a new file name or pass --force")
    table = exact_table(store, choice)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.parent / f".{out.name}.partial-{secrets.token_hex(4)}"
    with store.action("submission.write", entity="submission") as act:
        session = act.session
        setting = session.get(SiteSetting, ORG_UNIT)
        if setting is None:
            raise ValidationError(
                "org_unit",
                "the site has no org unit code, which the region knows it by; set it with: "
                "outreach site org-unit CODE",
            )
        site = session.exec(select(Site)).one()
        # The audit row this action writes will be the next one: a number that only grows.
        sequence = (session.exec(select(func.max(AuditEntry.id))).one() or 0) + 1
        data = seal(
            payload(table, org_unit=setting.value, sequence=sequence),
            kind=KIND,
            sender=site.name,
            signing_key=site.signing_key,
            to=to,
        )
        act.names(None, ["period", "region"])
        try:
            with partial.open("xb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(partial, out)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    rows = sum(1 for row in table.rows if row.kind in SUMMED)
    return Written(out, choice.period.label, to.site, to.fingerprint, rows, choice.programme)


def exact_table(store: Store, choice: ExportChoice) -> AggregateTable:
    """The exact table a submission of ``choice`` is made from, in one read transaction: a
    testing programme's cascade broken down by the unit and every equity field."""
    with store.read() as session:
        if choice.programme == CERVICAL:
            programme = load_programme()
            table = build_counted(
                session, choice.period, as_of=choice.as_of, programme=programme
            ).table
            add_cervical_breakdowns(table, session, programme, choice.period, breakdown_names())
            return table
        return build_cascade_table(
            session,
            load_cascade(choice.programme),
            choice.period,
            as_of=choice.as_of,
            by=breakdown_names(),
        )
