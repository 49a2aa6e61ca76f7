"""The site's own settings, kept in the encrypted store: one row per setting that has been set."""

from sqlmodel import Field, SQLModel

ORG_UNIT = "org_unit"
"""The code a commissioner's system (DHIS2, ADX) knows the site by."""


class SiteSetting(SQLModel, table=True):
    """One setting of the site, by name (:data:`ORG_UNIT`, ...). A setting never set has no
    row, so a store made before the setting existed needs nothing written for it."""

    __tablename__ = "site_setting"

    name: str = Field(primary_key=True)
    value: str
