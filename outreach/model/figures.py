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
