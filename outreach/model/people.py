"""The population: units, people and their stays."""

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Index, text
from sqlmodel import Field

from outreach.model.identity import Travelling

SEARCH_INDEX = "person_search"
PIECES_INDEX = "person_pieces"
SEARCH_INDEX_TABLES = frozenset(
    [
        SEARCH_INDEX,
        *(f"{SEARCH_INDEX}_{part}" for part in ("data", "idx", "content", "docsize", "config")),
        PIECES_INDEX,
        *(f"{PIECES_INDEX}_{part}" for part in ("data", "idx", "docsize", "config")),
    ]
)
"""The FTS5 tables of people's names (``person_search``, migrations 0013 and 0027: trigrams of
each name's search key; ``person_pieces``, migration 0031: its one- and two-character pieces,
with no copy of the text), kept by triggers on person, and the shadow tables FTS5 keeps them
in. SQLAlchemy cannot declare a virtual table, so these are the tables of the store the models
leave out, by name."""


class Unit(Travelling, table=True):
    """A wing, house block or other part of the site."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True)


class Person(Travelling, table=True):
    """Someone in the defined population. ``ref`` is the site's own reference (prison number)."""

    # Birth dates for the coverage checks without reading the wider rows (migration 0006);
    # references matched ignoring (ASCII) case by an import, reading only the file's
    # references (migration 0009), with what a conversation import's checks need of each
    # person, so it reads no person row (migration 0032): the expression must match the
    # queries word for word.
    __table_args__ = (
        Index("ix_person_birth", "id", "date_of_birth", "has_cervix"),
        Index("ix_person_ref_lower", text("lower(ref)"), "id", "ref", "date_of_birth"),
    )

    id: int | None = Field(default=None, primary_key=True)
    ref: str = Field(unique=True, index=True)
    display_name: str
    date_of_birth: date
    has_cervix: str = "unknown"
    language: str | None = None
    created_at: datetime
    # Equity fields (migration 0021): codes from schema/equity/fields.toml
    # (outreach.rules.equity); "not_stated" until recorded, "declined" when asked and refused.
    ethnicity: str = Field(default="not_stated", sa_column_kwargs={"server_default": "not_stated"})
    disability: str = Field(default="not_stated", sa_column_kwargs={"server_default": "not_stated"})
    learning_disability: str = Field(
        default="not_stated", sa_column_kwargs={"server_default": "not_stated"}
    )
    first_language: str = Field(
        default="not_stated", sa_column_kwargs={"server_default": "not_stated"}
    )
    interpreter: str = Field(
        default="not_stated", sa_column_kwargs={"server_default": "not_stated"}
    )


class Stay(Travelling, table=True):
    """A period of residence; who is resident on a day is ``queries.resident_on``."""

    __table_args__ = (
        CheckConstraint("left_on IS NULL OR left_on >= arrived_on", name="stay_left_after_arrival"),
        Index("ix_stay_person_arrived", "person_id", "arrived_on"),
        # Stays overlapping a range of days, and one person's residence, read from indexes
        # alone (migrations 0003, 0004); the expression is ``queries.stay_until``, frozen here
        # as the migration created it (tests/test_definitions_once.py holds them together).
        Index(
            "ix_stay_until_arrived",
            text("coalesce(left_on, '9999-12-31')"),
            "arrived_on",
            "person_id",
            "unit_id",
        ),
        Index("ix_stay_person_cover", "person_id", "arrived_on", "left_on", "unit_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", ondelete="CASCADE")
    unit_id: int | None = Field(default=None, foreign_key="unit.id")
    arrived_on: date
    left_on: date | None = None
    left_reason: str | None = None
