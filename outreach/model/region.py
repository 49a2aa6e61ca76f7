"""A region's store: the sites it trusts and the submissions they sent (exact aggregate
counts, encrypted at rest with the rest of the store; never a record about a person)."""

from datetime import date, datetime

from sqlmodel import Field, SQLModel


class RegionSite(SQLModel, table=True):
    """A site whose submissions this store accepts: its card, added by the region's analyst."""

    __tablename__ = "region_site"

    fingerprint: str = Field(primary_key=True)
    """The site card's fingerprint (``outreach.store.sealed.SiteCard.fingerprint``)."""
    site: str
    card: bytes
    added_at: datetime


class RegionSubmission(SQLModel, table=True):
    """One submission kept, for one site, programme and period. A newer one replaces it: the
    older row stays, with ``replaced_by`` set, so it can never be added again."""

    __tablename__ = "region_submission"

    id: int | None = Field(default=None, primary_key=True)
    fingerprint: str = Field(foreign_key="region_site.fingerprint", index=True)
    site: str
    org_unit: str
    programme: str
    period: str = Field(index=True)
    """The period's label: ``2024``, ``2024-Q1`` or ``2024-03``."""
    sequence: int
    """The sending store's own order of its submissions: higher is newer."""
    as_of: date
    digest: str = Field(unique=True)
    """SHA-256 of the sealed file, so the same file is recognised when it comes again."""
    rows: str
    """JSON: the exact aggregate rows (measure, breakdown, category, kind and counts)."""
    received_at: datetime
    replaced_by: int | None = Field(default=None, foreign_key="region_submission.id")


class RegionSum(SQLModel, table=True):
    """The exact counts of one figure (measure, breakdown, category) summed over the
    submissions in force for a period and programme: derived data, kept up to date in the
    transaction that adds or replaces a submission (``outreach.region.sums``), so a roll-up
    reads a few hundred sums instead of every site's rows. Breakdowns whose categories are a
    site's own (units) are not summed."""

    __tablename__ = "region_sum"

    period: str = Field(primary_key=True)
    programme: str = Field(primary_key=True)
    measure: str = Field(primary_key=True)
    breakdown: str = Field(primary_key=True)
    category: str = Field(primary_key=True)
    kind: str
    position: int
    """Where the figure first came in a site's rows: the table keeps that order."""
    sites: int
    """How many submissions in force give this figure."""
    numerator: int
    denominator: int
    initial_population: int
    """The sum of the initial populations given, by ``population_sites`` of the ``sites``: a
    population only some sites gave is not published, never guessed."""
    population_sites: int
    exclusions: int
    exclusion_sites: int


class RegionSiteTotal(SQLModel, table=True):
    """One ``total`` row of a kept submission (a site's own figure of a measure), copied out
    of its JSON when the submission is added: the roll-up's per-site breakdown reads these."""

    __tablename__ = "region_site_total"

    submission_id: int = Field(foreign_key="region_submission.id", primary_key=True)
    position: int = Field(primary_key=True)
    measure: str
    kind: str
    numerator: int
    denominator: int
    initial_population: int | None = None
    exclusions: int | None = None
