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
- Line numbers are the file's own: the header is line 1, and a row whose quoted field spans
  several lines is numbered by its first line. Blank lines are skipped.
- Cells have surrounding spaces removed; nothing else is changed (accents, apostrophes and
  Unicode forms are kept exactly).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

UTF8 = "utf-8"
CP1252 = "cp1252"
ENCODINGS = (UTF8, CP1252)

_BOM_UTF8 = b"\xef\xbb\xbf"
_BOM_UTF16 = (b"\xff\xfe", b"\xfe\xff")
_SEPARATORS = re.compile(r"[\s\-]+")


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
    """A data row: the line it starts on and its non-empty cells by column name."""

    line: int
    cells: dict[str, str]

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


def column_key(header: str) -> str:
    """A header cell as a column name: "  Date of Birth " -> "date_of_birth"."""
    return _SEPARATORS.sub("_", header.strip().lower()).strip("_")


def read_table(data: bytes, columns: Columns, *, encoding: str = UTF8) -> Table:
    """Decode ``data``, match its header to ``columns`` and return its rows.

    Never raises for a bad file: every problem with the file is in ``Table.errors``.
    """
    table = Table()
    text = _decode(data, encoding, table.errors)
    if text is None:
        return table
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header: list[str] | None = None
    names: list[str | None] = []
    next_line = 1
    try:
        for cells in reader:
            line, next_line = next_line, reader.line_num + 1
            if not any(cell.strip() for cell in cells):
                continue
            if header is None:
                header = cells
                names = _match_header(header, columns, table)
                if table.errors:
                    return table
                continue
            table.rows.append(_row(line, cells, names, table.errors))
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
        raise ValueError(f"encoding: one of {', '.join(ENCODINGS)}")
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


def _row(line: int, cells: list[str], names: list[str | None], errors: list[RowError]) -> Row:
    values: dict[str, str] = {}
    extra = False
    for index, cell in enumerate(cells):
        value = cell.strip()
        name = names[index] if index < len(names) else None
        if name is None:
            extra = extra or bool(value)
            continue
        if value:
            values[name] = value
    if extra:
        errors.append(RowError(line, "file", "a cell has a value but no column header above it"))
    return Row(line, values)
