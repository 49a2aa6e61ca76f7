"""Reading a CSV file the way spreadsheets write it: the bytes decoded, the header matched to
known columns, and every row kept with the line of the file it starts on.

Promises:

- UTF-8 with or without a byte order mark; Windows-1252 only when the caller asks for it
  (never guessed: a wrong guess changes names silently). Bytes that are not valid in the
  encoding are reported with the line they are on.
- CRLF, LF or CR line ends; quoted fields may hold commas, quotes and line breaks.
- Header names are matched ignoring case, surrounding spaces, and spaces or hyphens in place
  of underscores ("Date of birth" is ``date_of_birth``), in any order. Unknown, repeated and
  missing required columns are reported on line 1. Columns with an empty header are ignored
  as long as their cells are empty too (spreadsheets add them).
- Given a kind of file, headers are read as :mod:`outreach.imports.mapping` says
  (a person's mapping, stored names, synonyms, identifiers ignored); an unmapped column is
  reported on line 1 with what it may be mapped to. Ignored columns are never read into a
  row. A name given in parts (forename, surname) is joined into ``name``.
- :func:`date_order_problem` refuses a file whose slashed dates prove month-first order.
- Line numbers are the file's own: the header is line 1, and a row whose quoted field spans
  several lines is numbered by its first line. Blank lines are skipped.
- Cells have surrounding spaces removed; nothing else is changed (accents, apostrophes and
  Unicode forms are kept exactly).
- A cell holding a control character or a bidirectional control (a note: other than a tab or
  line break), or longer than the limit for its kind, is reported with its line and column.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from outreach.errors import ValidationError
from outreach.imports.mapping import (
    FORENAME,
    IGNORE,
    JOINED,
    SURNAME,
    ColumnMapping,
    HeaderCell,
    read_header,
    targets,
)
from outreach.text import line_problem, note_problem

UTF8 = "utf-8"
CP1252 = "cp1252"
ENCODINGS = (UTF8, CP1252)

_BOM_UTF8 = b"\xef\xbb\xbf"
_BOM_UTF16 = (b"\xff\xfe", b"\xfe\xff")
_SEPARATORS = re.compile(r"[\s\-]+")
_NOTES = frozenset({"note"})


@dataclass(frozen=True, order=True)
class RowError:
    """One problem found in a file: the file's line (1 is the header; 0 when the problem
    is not on any one line), the column or setting it concerns, and what is wrong.

    Messages may quote a short value (a code or a date) but never a whole row, a name or a
    note; they are for the screen only and must never be written to a log.
    """

    line: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}, " if self.line else ""
        return f"{where}{self.field}: {self.message}"


@dataclass(frozen=True)
class Columns:
    """The columns a kind of file has: those it must have and those it may have."""

    required: tuple[str, ...]
    optional: tuple[str, ...] = ()

    @property
    def known(self) -> tuple[str, ...]:
        return self.required + self.optional


@dataclass(frozen=True)
class Row:
    """A data row: the line it starts on and its non-empty cells by column name.

    ``parts`` holds, for a column joined from parts (a name from forename and surname), the
    parts as the file wrote them, for the preview. ``refused`` names the columns whose cell
    was refused for what it holds (and reported): they are absent from ``cells``, and not
    reported again as missing."""

    line: int
    cells: dict[str, str]
    parts: dict[str, str] = field(default_factory=dict)
    refused: frozenset[str] = frozenset()

    def get(self, column: str) -> str | None:
        """The cell's text, or None when the cell is empty or the column is absent."""
        return self.cells.get(column) or None


@dataclass
class Table:
    """What :func:`read_table` found: the known columns present (in file order), the rows,
    and the problems with the file itself. When ``errors`` is not empty, ``rows`` may be
    incomplete (reading stops at a broken quote or an undecodable byte)."""

    columns: list[str] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    header: list[HeaderCell] = field(default_factory=list)
    """How each header cell was read (only when a kind of file was given)."""

    def label(self, column: str) -> str:
        """The file's own header for a stored column ("DOB"; "Forename + Surname")."""
        texts = {cell.target: cell.text for cell in self.header}
        if column in JOINED:
            parts = [texts[p] for p in JOINED[column] if p in texts]
            if parts and column not in texts:
                return " + ".join(parts)
        return texts.get(column, column)


def column_key(header: str) -> str:
    """A header cell as a column name: "  Date of Birth " -> "date_of_birth"."""
    return _SEPARATORS.sub("_", header.strip().lower()).strip("_")


def read_table(
    data: bytes,
    columns: Columns,
    *,
    encoding: str = UTF8,
    kind: str | None = None,
    mapping: ColumnMapping | None = None,
) -> Table:
    """Decode ``data``, match its header to ``columns`` and return its rows.

    With ``kind`` (people, conversations, screening) the header is read through ``mapping``
    and the kind's synonyms; without, only the column names themselves are accepted.
    Never raises for a bad file: every problem with the file is in ``Table.errors``.
    """
    table = Table()
    text = _decode(data, encoding, table.errors)
    if text is None:
        return table
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header: list[str] | None = None
    names: list[str | None] = []
    joined = False
    next_line = 1
    try:
        for cells in reader:
            line, next_line = next_line, reader.line_num + 1
            if not any(cell.strip() for cell in cells):
                continue
            if header is None:
                header = cells
                if kind is None:
                    names = _match_header(header, columns, table)
                else:
                    names = _map_header(header, columns, kind, mapping, table)
                    joined = any(n in (FORENAME, SURNAME) for n in names)
                if table.errors:
                    return table
                continue
            table.rows.append(_row(line, cells, names, table.errors, joined))
    except csv.Error as exc:
        table.errors.append(
            RowError(
                next_line,
                "file",
                f"cannot read on from here ({exc}); check the quotes around this line",
            )
        )
        return table
    if header is None:
        table.errors.append(RowError(1, "file", "the file is empty: it needs a header line"))
    return table


def _decode(data: bytes, encoding: str, errors: list[RowError]) -> str | None:
    if encoding not in ENCODINGS:
        raise ValidationError("encoding", f"one of {', '.join(ENCODINGS)}")
    if data.startswith(_BOM_UTF16):
        errors.append(
            RowError(
                1,
                "file",
                "the file is UTF-16 text, not CSV: save it from the spreadsheet as "
                "'CSV UTF-8 (comma delimited)'",
            )
        )
        return None
    # A UTF-8 byte order mark settles the question whatever was asked for.
    if data.startswith(_BOM_UTF8):
        encoding = UTF8
    try:
        return data.decode("utf-8-sig" if encoding == UTF8 else encoding)
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        bad = data[exc.start : exc.start + 1].hex().upper()
        hint = (
            "save it from the spreadsheet as 'CSV UTF-8 (comma delimited)', or import it "
            "with --encoding cp1252 if it came from an older Windows program"
            if encoding == UTF8
            else "the file is not Windows-1252 text either"
        )
        errors.append(RowError(line, "file", f"byte 0x{bad} is not {encoding} text: {hint}"))
        return None


def _match_header(header: list[str], columns: Columns, table: Table) -> list[str | None]:
    """Column names for each header cell (None for empty headers); problems go to the table."""
    names: list[str | None] = []
    seen: set[str] = set()
    for cell in header:
        key = column_key(cell)
        if not key:
            names.append(None)
            continue
        if key not in columns.known:
            table.errors.append(
                RowError(
                    1,
                    key,
                    f"unknown column; the columns are {', '.join(columns.known)} "
                    f"(required: {', '.join(columns.required)})",
                )
            )
        elif key in seen:
            table.errors.append(RowError(1, key, "the column appears more than once"))
        seen.add(key)
        names.append(key)
    for missing in columns.required:
        if missing not in seen:
            table.errors.append(RowError(1, missing, "required column missing from the header"))
    if table.errors and len(header) == 1 and any(sep in header[0] for sep in ";\t"):
        table.errors.append(
            RowError(1, "file", "the columns look separated by ';' or tabs: save it with commas")
        )
    table.columns = [n for n in names if n in columns.known]
    return names


def _map_header(
    header: list[str],
    columns: Columns,
    kind: str,
    mapping: ColumnMapping | None,
    table: Table,
) -> list[str | None]:
    """Column names for each header cell through the mapping (IGNORE for ignored columns,
    None for empty headers); problems go to the table."""
    read = read_header(header, kind, columns.known, mapping)
    table.header = [cell for cell in read if cell is not None]
    allowed = ", ".join(t for t in targets(kind, columns.known))
    by_target: dict[str, str] = {}
    for cell in table.header:
        if cell.target is None:
            table.errors.append(
                RowError(1, cell.text, f"column not mapped: map it to one of {allowed}")
            )
        elif cell.target != IGNORE and cell.target in by_target:
            table.errors.append(
                RowError(
                    1,
                    cell.target,
                    f"both {by_target[cell.target]!r} and {cell.text!r} are read as "
                    f"{cell.target}: ignore one of them",
                )
            )
        elif cell.target != IGNORE:
            by_target[cell.target] = cell.text
    for whole, parts in JOINED.items():
        if whole in by_target and any(p in by_target for p in parts):
            table.errors.append(
                RowError(1, whole, "the name is given whole and in parts: ignore one of them")
            )
        elif any(p in by_target for p in parts):
            by_target[whole] = " + ".join(by_target[p] for p in parts if p in by_target)
    for missing in columns.required:
        if missing not in by_target:
            table.errors.append(RowError(1, missing, "required column missing from the header"))
    if table.errors and len(header) == 1 and any(sep in header[0] for sep in ";\t"):
        table.errors.append(
            RowError(1, "file", "the columns look separated by ';' or tabs: save it with commas")
        )
    part_of = {part: whole for whole, parts in JOINED.items() for part in parts}
    for cell in table.header:
        column = part_of.get(cell.target or "", cell.target)
        if column in columns.known and column not in table.columns:
            table.columns.append(column)
    return [cell.target if cell else None for cell in read]


def _row(
    line: int, cells: list[str], names: list[str | None], errors: list[RowError], joined: bool
) -> Row:
    values: dict[str, str] = {}
    refused: set[str] = set()
    extra = False
    for index, cell in enumerate(cells):
        name = names[index] if index < len(names) else None
        if name == IGNORE:
            # Read past: an ignored column's cells are never kept, not even for a moment.
            continue
        value = cell.strip()
        if name is None:
            extra = extra or bool(value)
            continue
        if value:
            # A cell is text a person typed: a control character or bidirectional control is
            # refused here, for every column of every import (a note may hold line breaks).
            problem = note_problem(value) if name in _NOTES else line_problem(value)
            if problem is not None:
                errors.append(RowError(line, name, problem))
                refused.add(name)
                continue
            values[name] = value
    if extra:
        errors.append(RowError(line, "file", "a cell has a value but no column header above it"))
    parts: dict[str, str] = {}
    if joined:
        for whole, pieces in JOINED.items():
            given = [values.pop(p) for p in pieces if p in values]
            if given:
                values[whole] = " ".join(given)
                parts[whole] = " + ".join(given)
            if any(p in refused for p in pieces):
                refused.add(whole)
                values.pop(whole, None)
    return Row(line, values, parts, frozenset(refused))


_SLASHED = re.compile(r"^(\d{1,2})/(\d{1,2})/\d{2,4}(?:\s|$)")


def date_order_problem(rows: Iterable[Row], columns: Iterable[str]) -> RowError | None:
    """A problem when the file's slashed dates prove month-first order (a second number
    above 12, as in 04/23/2024): its other dates could then be read either way, and a date
    is never guessed. Names the lines that prove it (and those that prove day first)."""
    wanted = tuple(columns)
    month_first: list[tuple[int, str]] = []
    day_first: list[tuple[int, str]] = []
    for row in rows:
        for column in wanted:
            text = row.get(column)
            match = _SLASHED.match(text) if text else None
            if text is None or match is None:
                continue
            first, second = int(match.group(1)), int(match.group(2))
            if second > 12 >= first:
                month_first.append((row.line, text.split()[0]))
            elif first > 12 >= second:
                day_first.append((row.line, text.split()[0]))
    if not month_first:
        return None
    line, example = month_first[0]
    proof = f"month first on {_lines(month_first)} ({example!r} on line {line} has no month "
    proof += f"{example.split('/')[1]})"
    if day_first:
        proof += f" and day first on {_lines(day_first)}"
    return RowError(
        0,
        "dates",
        f"the dates are written {proof}, so a date such as 03/04/2024 could be read either "
        "way and none is guessed: save the dates as dd/mm/yyyy or yyyy-mm-dd",
    )


def _lines(found: list[tuple[int, str]]) -> str:
    lines = sorted({line for line, _ in found})
    shown = ", ".join(str(n) for n in lines[:10])
    more = f" and {len(lines) - 10} more" if len(lines) > 10 else ""
    return f"line{'s' if len(lines) > 1 else ''} {shown}{more}"
