"""XLSX: Summary, Trend, Breakdowns and Notes sheets, with * for every suppressed figure."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from outreach.exports.cells import xlsx_text
from outreach.exports.measures import breakdown_label
from outreach.exports.notes import notes
from outreach.exports.rows import MONTH, TOTAL, Kind, PublishedRow
from outreach.exports.table import PublishedSummary
from outreach.rules.disclosure import SUPPRESSED_MARK, Published

if TYPE_CHECKING:
    from openpyxl import Workbook
    from openpyxl.cell.cell import Cell
    from openpyxl.styles import Font
    from openpyxl.worksheet.worksheet import Worksheet

COLUMNS = ("Measure", "Breakdown", "Category", "Value", "Numerator", "Denominator")
TREND_MEASURE = "coverage_trend"


def write_xlsx(summary: PublishedSummary, path: Path) -> None:
    """Write ``summary`` to ``path`` as a workbook of four sheets."""
    book = _workbook_class()()
    # No author or editor from the operating system account: only the site is named.
    book.properties.creator = xlsx_text(summary.site)
    book.properties.lastModifiedBy = None
    summary_sheet = book.active
    assert summary_sheet is not None
    summary_sheet.title = "Summary"
    _heading(summary_sheet, summary)
    _rows(summary_sheet, summary, [r for r in summary.rows if r.breakdown == TOTAL])
    if summary.measure_rows(TREND_MEASURE):
        # A testing programme has no coverage trend: no empty sheet for it.
        _trend(book.create_sheet("Trend"), summary)
    breakdowns = book.create_sheet("Breakdowns")
    _heading(breakdowns, summary)
    _rows(breakdowns, summary, [r for r in summary.rows if r.breakdown not in (TOTAL, MONTH)])
    notes_sheet = book.create_sheet("Notes")
    _append(notes_sheet, ["Notes"])
    notes_sheet["A1"].font = _bold()
    for line in notes(summary):
        _append(notes_sheet, [line])
    notes_sheet.column_dimensions["A"].width = 120
    book.save(path)


def _workbook_class() -> type[Workbook]:
    """openpyxl's ``Workbook``, imported only when a workbook is written, and without numpy.

    openpyxl imports numpy whenever it is installed (only to accept numpy numbers as cell
    values, which outreach never writes): about 16 MB that the rest of the process never uses.
    numpy is not among outreach's own dependencies, but any environment that also holds it
    (a developer's, with the test tools) would load it. So while openpyxl is first imported,
    numpy is hidden from it (a ``None`` entry in ``sys.modules`` makes ``import numpy`` raise
    ImportError, openpyxl's own fallback); a numpy already loaded is left alone.
    """
    if "openpyxl" not in sys.modules and "numpy" not in sys.modules:
        sys.modules["numpy"] = None  # type: ignore[assignment]
        try:
            import openpyxl  # noqa: F401
        finally:
            if "numpy" in sys.modules and sys.modules["numpy"] is None:
                del sys.modules["numpy"]
    from openpyxl import Workbook

    return Workbook


def _heading(sheet: Worksheet, summary: PublishedSummary) -> None:
    _append(sheet, [f"{summary.programme_title}: {summary.site}"])
    sheet["A1"].font = _bold()
    _append(sheet, ["Period", summary.period.label])
    _append(sheet, ["As of", summary.as_of.isoformat()])
    _append(sheet, ["Disclosure control", summary.policy.name])
    _append(sheet, [])


def _rows(sheet: Worksheet, summary: PublishedSummary, rows: list[PublishedRow]) -> None:
    for cell in _append(sheet, list(COLUMNS)):
        cell.font = _bold()
    for row in rows:
        _append(
            sheet,
            [
                summary.info(row.measure).label,
                breakdown_label(row.breakdown),
                row.category,
                _cell(row.value),
                _cell(row.numerator),
                _cell(row.denominator),
            ],
        )
    for column, width in zip("ABCDEF", (44, 16, 40, 10, 12, 12), strict=True):
        sheet.column_dimensions[column].width = width


def _trend(sheet: Worksheet, summary: PublishedSummary) -> None:
    _heading(sheet, summary)
    target = summary.total("coverage_target")
    info = summary.info(TREND_MEASURE)
    for cell in _append(
        sheet, ["Month", info.label, "Covered", "Eligible", "Target (%)", "National (%)"]
    ):
        cell.font = _bold()
    for row in summary.measure_rows(TREND_MEASURE, MONTH):
        if row.kind is not Kind.rate:
            continue
        _append(
            sheet,
            [
                row.category,
                _cell(row.value),
                _cell(row.numerator),
                _cell(row.denominator),
                _cell(target.value) if target else None,
                summary.national_coverage,
            ],
        )
    for column in "ABCDEF":
        sheet.column_dimensions[column].width = 16


def _append(sheet: Worksheet, values: Sequence[int | float | str | None]) -> list[Cell]:
    """Append a row whose text is always a string cell: a unit or site name that starts with
    ``=`` stays text, never a live formula; numbers stay numbers. Returns the row's cells.

    The cells are made here and handed to ``append`` (which takes cells as they are) rather than
    looked up afterwards: ``sheet[sheet.max_row]`` scans every cell of the sheet, which made a
    region's export of a few thousand rows quadratic."""
    from openpyxl.cell.cell import Cell

    cells = []
    for value in values:
        cell = Cell(sheet, value=xlsx_text(value) if isinstance(value, str) else value)
        if isinstance(value, str):
            cell.data_type = "s"
        cells.append(cell)
    sheet.append(cells)
    return cells


def _cell(published: Published | None) -> int | float | str | None:
    if published is None:
        return None
    return SUPPRESSED_MARK if published.value is None else published.value


def _bold() -> Font:
    from openpyxl.styles import Font

    return Font(bold=True)
