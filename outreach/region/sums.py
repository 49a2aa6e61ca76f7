"""The region's exact sums, kept as submissions arrive.

A roll-up adds up every site's rows for a period. Doing that when the export is asked for means
reading and parsing every submission (200 sites send 16,000 rows a quarter); instead each
submission's rows are counted in (and a replaced submission's counted out) in the transaction
that keeps it, so ``region_sum`` always holds the sums over the submissions in force and a
roll-up reads a few hundred rows. The sums are derived data: :func:`recount` works them out
again from the submissions, and :func:`differences` compares the two (``tests/region``).

A population (or exclusion count) only some sites gave cannot be summed: each is kept with the
number of sites that gave it, and published only when every site in the sum did.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, text
from sqlmodel import Session, select

from outreach.exports.rows import TOTAL
from outreach.model import RegionSiteTotal, RegionSubmission
from outreach.store.derived import Finding, recounted

NOT_SUMMED = ("unit",)
"""Breakdowns whose categories are a site's own: each site's are kept in its submission only."""

_UPSERT = text(
    """
    INSERT INTO region_sum (period, programme, measure, breakdown, category, kind, position,
        sites, numerator, denominator, initial_population, population_sites, exclusions,
        exclusion_sites)
    VALUES (:period, :programme, :measure, :breakdown, :category, :kind, :position, :sites,
        :numerator, :denominator, :initial_population, :population_sites, :exclusions,
        :exclusion_sites)
    ON CONFLICT (period, programme, measure, breakdown, category) DO UPDATE SET
        position = MIN(position, excluded.position),
        sites = sites + excluded.sites,
        numerator = numerator + excluded.numerator,
        denominator = denominator + excluded.denominator,
        initial_population = initial_population + excluded.initial_population,
        population_sites = population_sites + excluded.population_sites,
        exclusions = exclusions + excluded.exclusions,
        exclusion_sites = exclusion_sites + excluded.exclusion_sites
    """
)
_EMPTIED = text(
    "DELETE FROM region_sum WHERE period = :period AND programme = :programme AND sites = 0"
)


def _changes(
    rows: Sequence[Mapping[str, Any]], period: str, programme: str, sign: int
) -> list[dict[str, Any]]:
    changes = []
    for position, item in enumerate(rows):
        if item["breakdown"] in NOT_SUMMED:
            continue
        population, exclusions = item.get("initial_population"), item.get("exclusions")
        changes.append(
            {
                "period": period,
                "programme": programme,
                "measure": item["measure"],
                "breakdown": item["breakdown"],
                "category": item["category"],
                "kind": item["kind"],
                "position": position,
                "sites": sign,
                "numerator": sign * item["numerator"],
                "denominator": sign * item["denominator"],
                "initial_population": sign * (population or 0),
                "population_sites": sign * (population is not None),
                "exclusions": sign * (exclusions or 0),
                "exclusion_sites": sign * (exclusions is not None),
            }
        )
    return changes


def count_in(session: Session, submission: RegionSubmission) -> None:
    """Add the rows of ``submission`` (flushed, so it has its id) to the sums of its period
    and programme, and keep its own totals for the per-site breakdown."""
    assert submission.id is not None
    rows = json.loads(submission.rows)
    conn = session.connection()
    conn.execute(_UPSERT, _changes(rows, submission.period, submission.programme, +1))
    totals = [
        {
            "submission_id": submission.id,
            "position": position,
            "measure": item["measure"],
            "kind": item["kind"],
            "numerator": item["numerator"],
            "denominator": item["denominator"],
            "initial_population": item.get("initial_population"),
            "exclusions": item.get("exclusions"),
        }
        for position, item in enumerate(rows)
        if item["breakdown"] == TOTAL
    ]
    if totals:
        conn.execute(RegionSiteTotal.__table__.insert(), totals)  # type: ignore[attr-defined]


def count_out(session: Session, submission: RegionSubmission) -> None:
    """Take the rows of ``submission`` (one being replaced) out of the sums of its period and
    programme. Its own totals stay with it: the per-site breakdown reads those of the
    submissions in force only."""
    conn = session.connection()
    conn.execute(
        _UPSERT,
        _changes(json.loads(submission.rows), submission.period, submission.programme, -1),
    )
    conn.execute(_EMPTIED, {"period": submission.period, "programme": submission.programme})


SumKey = tuple[str, str, str, str, str]
"""period, programme, measure, breakdown, category."""
SumFigures = tuple[str, int, int, int, int | None, int | None]
"""kind, sites, numerator, denominator, initial population, exclusions (None unless every site
gave one)."""


def kept_sums(conn: Connection) -> dict[SumKey, SumFigures]:
    """Every kept sum, as published figures are worked out from it."""
    found = conn.execute(
        text(
            "SELECT period, programme, measure, breakdown, category, kind, sites, numerator, "
            "denominator, CASE WHEN population_sites = sites THEN initial_population END, "
            "CASE WHEN exclusion_sites = sites THEN exclusions END FROM region_sum"
        )
    )
    return {tuple(r[:5]): tuple(r[5:]) for r in found}


def recount(submissions: Iterable[RegionSubmission]) -> dict[SumKey, SumFigures]:
    """The sums worked out again from ``submissions`` (those in force), the slow way."""
    sums: dict[SumKey, list[Any]] = {}
    for submission in submissions:
        for item in json.loads(submission.rows):
            if item["breakdown"] in NOT_SUMMED:
                continue
            key = (
                submission.period,
                submission.programme,
                item["measure"],
                item["breakdown"],
                item["category"],
            )
            found = sums.setdefault(key, [item["kind"], 0, 0, 0, 0, 0])
            found[1] += 1
            found[2] += item["numerator"]
            found[3] += item["denominator"]
            for index, name in ((4, "initial_population"), (5, "exclusions")):
                given = item.get(name)
                if found[index] is not None:
                    found[index] = None if given is None else found[index] + given
    return {key: tuple(figures) for key, figures in sums.items()}


def differences(session: Session) -> list[str]:
    """Where the kept sums differ from a recount of the submissions in force: empty when they
    agree. Names figures, never counts."""
    in_force = session.exec(
        select(RegionSubmission).where(
            RegionSubmission.replaced_by.is_(None)  # type: ignore[union-attr]
        )
    ).all()
    expected = recount(in_force)
    kept = kept_sums(session.connection())
    return [
        " / ".join(key)
        for key in sorted(set(expected) | set(kept))
        if expected.get(key) != kept.get(key)
    ]


def check_finding(folder: Path, data_key: bytes) -> Finding:
    """``outreach check``'s line on a region's kept sums: (ok, what it found)."""

    def finding(session: Session) -> Finding:
        wrong = differences(session)
        held = len(kept_sums(session.connection()))
        if wrong:
            return False, f"{len(wrong)} kept sums differ from a recount: " + ", ".join(wrong[:5])
        if not held:
            return True, "none kept (no site's submission in force)"
        return True, f"{held} kept sums agree with a recount of the submissions in force"

    return recounted(folder, data_key, finding, failing="could not recount")
