"""Figures of ended months kept in the store: derived data, never a record of its own."""

from datetime import date

from sqlmodel import Field, SQLModel


class MonthCoverage(SQLModel, table=True):
    """The coverage cells on one month end (migration 0015): ``cells`` is JSON, a list of
    ``[band, unit id, eligible, covered, ceased]``, as ``outreach.stats.checks.check`` counts
    them; ``rules`` fingerprints the programme's rules they were counted under. Kept only for
    month ends before the day they were counted, and removed by triggers from the earliest
    date a change to a stay, a screening event or a person's birth date or cervix touches, in
    that change's transaction (``outreach.stats.month_cache``)."""

    __tablename__ = "month_coverage"

    programme: str = Field(primary_key=True)
    day: date = Field(primary_key=True)
    rules: str
    cells: str


class MonthActivity(SQLModel, table=True):
    """The additive conversation counts of one ended month (migration 0023): ``month`` is
    ``YYYY-MM``; ``counts`` is JSON as ``outreach.stats.month_activity`` counts it (by kind,
    setting and outcome, by mentor, by barrier); ``rules`` fingerprints the statement that
    counted them. Removed by triggers for the month of every conversation a change touches
    (the conversation, its mentors or its barriers), in that change's transaction."""

    __tablename__ = "month_activity"

    month: str = Field(primary_key=True)
    rules: str
    counts: str
