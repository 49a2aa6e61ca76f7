"""CSV, long form: one published figure per line, UTF-8 with a BOM so Excel reads it right."""

from __future__ import annotations

import csv
from pathlib import Path

from outreach.exports.cells import csv_text
from outreach.exports.long_form import figures
from outreach.exports.table import PublishedSummary

HEADER = (
    "period",
    "measure",
    "breakdown",
    "category",
    "value",
    "suppressed",
    "policy",
    "withheld_reason",
)


def write_csv(summary: PublishedSummary, path: Path) -> None:
    """Write ``summary`` to ``path``: a header, then one line per figure.

    A suppressed figure has an empty ``value`` and ``suppressed`` = ``true``; every line names
    the disclosure policy. ``withheld_reason`` is empty unless the breakdown rule withheld the
    figure: ``breakdown`` (withheld with its whole breakdown) or ``total`` (a total of parts).
    """
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(HEADER)
        for figure in figures(summary):
            # Every text cell through csv_text: a category is a unit's name, typed by a person.
            writer.writerow(
                (
                    csv_text(summary.period.label),
                    csv_text(figure.measure),
                    csv_text(figure.breakdown),
                    csv_text(figure.category),
                    "" if figure.value is None else _number(figure.value),
                    "true" if figure.suppressed else "false",
                    csv_text(summary.policy.name),
                    csv_text(figure.withheld_reason or ""),
                )
            )


def _number(value: int | float) -> str:
    return str(value) if isinstance(value, int) else f"{value:.1f}"
