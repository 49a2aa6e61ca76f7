"""Writing the definitions' expressions into hand-written SQL text.

Most measures are hand-tuned SQL text (``INDEXED BY``, unary ``+``, materialised CTEs), which
SQLAlchemy cannot say; they splice in the text of an expression built here instead of
spelling the definition out again.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Protocol

from sqlalchemy import ColumnElement, FromClause, Table, literal_column
from sqlalchemy.dialects import sqlite
from sqlalchemy.sql.elements import ClauseElement

from outreach.model import Decision, FollowUp, ScreeningEvent, Stay

_DIALECT = sqlite.dialect()


def sql(
    expression: ClauseElement, *, bare: bool = False, indexed_by: Mapping[str, str] | None = None
) -> str:
    """The SQLite text of ``expression``, its constants written in as literals (they are the
    programme's own codes, never anything typed). ``bare`` leaves column names unqualified,
    as in an index's WHERE clause. ``indexed_by`` maps an alias of the expression to the index
    SQLite must read it by (``INDEXED BY``, which SQLAlchemy does not write for SQLite); an
    alias that is not exactly one FROM item is a ValueError."""
    compiled = expression.compile(
        dialect=_DIALECT, compile_kwargs={"literal_binds": True, "include_table": not bare}
    )
    written = str(compiled)
    for alias, index in (indexed_by or {}).items():
        written, found = re.subn(
            rf"\b(\w+ AS {re.escape(alias)})\b", rf"\1 INDEXED BY {index}", written
        )
        if found != 1:
            raise ValueError(f"{alias!r} is a FROM item {found} times, not once")
    return written


def param(name: str) -> ColumnElement[Any]:
    """The named parameter ``:name`` of the statement the text is spliced into."""
    return literal_column(f":{name}")


class Columns(Protocol):
    """A table, an alias or an :func:`outer` row: what has columns ``c.name``."""

    @property
    def c(self) -> Any: ...


class _Named:
    def __init__(self, alias: str) -> None:
        self._alias = alias

    def __getattr__(self, name: str) -> ColumnElement[Any]:
        return literal_column(f"{self._alias}.{name}")


class _Outer:
    def __init__(self, alias: str) -> None:
        self.c = _Named(alias)


def outer(alias: str) -> Columns:
    """The row ``alias`` of the statement the text is spliced into: ``outer("p").c.id`` is
    written ``p.id``, for a correlated subquery (SQLAlchemy would otherwise add the table to
    the subquery's FROM, having no enclosing statement to correlate with)."""
    return _Outer(alias)


def _table(model: Any) -> Table:
    table: Table = model.__table__
    return table


def events(alias: str | None = None) -> FromClause:
    """The ``screening_event`` table, or an alias of it (``e``) to write ``e.hpv``."""
    table = _table(ScreeningEvent)
    return table.alias(alias) if alias else table


def stays(alias: str | None = None) -> FromClause:
    """The ``stay`` table, or an alias of it."""
    table = _table(Stay)
    return table.alias(alias) if alias else table


def decisions(alias: str | None = None) -> FromClause:
    """The ``decision`` table, or an alias of it."""
    table = _table(Decision)
    return table.alias(alias) if alias else table


def follow_ups(alias: str | None = None) -> FromClause:
    """The ``follow_up`` table, or an alias of it."""
    table = _table(FollowUp)
    return table.alias(alias) if alias else table
