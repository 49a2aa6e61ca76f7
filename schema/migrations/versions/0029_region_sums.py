"""region sums: a region's exact sums kept as submissions arrive

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-06 22:05:00

- region_sum(period, programme, measure, breakdown, category, ...): each figure summed over
  the submissions in force, with how many sites gave it (and gave a population or exclusions);
  kept by ``outreach.region.sums`` in the transaction that adds a submission.
- region_site_total(submission_id, position, ...): each submission's own ``total`` rows.

A region's store is small (hundreds of submissions), so the sums of the submissions it already
holds are worked out here from their JSON, the same way ``outreach.region.sums.recount`` does.
"""

import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0029"
down_revision: str | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TEXT = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    region_sum = op.create_table(
        "region_sum",
        sa.Column("period", _TEXT(), nullable=False),
        sa.Column("programme", _TEXT(), nullable=False),
        sa.Column("measure", _TEXT(), nullable=False),
        sa.Column("breakdown", _TEXT(), nullable=False),
        sa.Column("category", _TEXT(), nullable=False),
        sa.Column("kind", _TEXT(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("sites", sa.Integer(), nullable=False),
        sa.Column("numerator", sa.Integer(), nullable=False),
        sa.Column("denominator", sa.Integer(), nullable=False),
        sa.Column("initial_population", sa.Integer(), nullable=False),
        sa.Column("population_sites", sa.Integer(), nullable=False),
        sa.Column("exclusions", sa.Integer(), nullable=False),
        sa.Column("exclusion_sites", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("period", "programme", "measure", "breakdown", "category"),
    )
    site_total = op.create_table(
        "region_site_total",
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("measure", _TEXT(), nullable=False),
        sa.Column("kind", _TEXT(), nullable=False),
        sa.Column("numerator", sa.Integer(), nullable=False),
        sa.Column("denominator", sa.Integer(), nullable=False),
        sa.Column("initial_population", sa.Integer(), nullable=True),
        sa.Column("exclusions", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["submission_id"], ["region_submission.id"]),
        sa.PrimaryKeyConstraint("submission_id", "position"),
    )
    sums: dict[tuple[str, ...], dict[str, Any]] = {}
    totals = []
    found = op.get_bind().execute(
        sa.text("SELECT id, period, programme, rows, replaced_by FROM region_submission")
    )
    for submission_id, period, programme, rows, replaced_by in found:
        for position, item in enumerate(json.loads(rows)):
            population, exclusions = item.get("initial_population"), item.get("exclusions")
            if item["breakdown"] == "total":
                totals.append(
                    {
                        "submission_id": submission_id,
                        "position": position,
                        "measure": item["measure"],
                        "kind": item["kind"],
                        "numerator": item["numerator"],
                        "denominator": item["denominator"],
                        "initial_population": population,
                        "exclusions": exclusions,
                    }
                )
            if replaced_by is not None or item["breakdown"] == "unit":
                continue
            key = (period, programme, item["measure"], item["breakdown"], item["category"])
            figures = sums.setdefault(
                key,
                {
                    "period": period,
                    "programme": programme,
                    "measure": item["measure"],
                    "breakdown": item["breakdown"],
                    "category": item["category"],
                    "kind": item["kind"],
                    "position": position,
                    "sites": 0,
                    "numerator": 0,
                    "denominator": 0,
                    "initial_population": 0,
                    "population_sites": 0,
                    "exclusions": 0,
                    "exclusion_sites": 0,
                },
            )
            figures["position"] = min(figures["position"], position)
            figures["sites"] += 1
            figures["numerator"] += item["numerator"]
            figures["denominator"] += item["denominator"]
            figures["initial_population"] += population or 0
            figures["population_sites"] += population is not None
            figures["exclusions"] += exclusions or 0
            figures["exclusion_sites"] += exclusions is not None
    if sums:
        op.bulk_insert(region_sum, list(sums.values()))
    if totals:
        op.bulk_insert(site_total, totals)


def downgrade() -> None:
    op.drop_table("region_site_total")
    op.drop_table("region_sum")
