"""What earlier exports published, kept so that a new export can be checked against them."""

from sqlmodel import Field, SQLModel


class ExportRecord(SQLModel, table=True):
    """The figures one written export published that add up across periods (counts of events:
    conversations, minutes, outcomes, barriers raised, referrals, first conversations, offers).

    Aggregates only, exactly as they left the laptop (rounded, ``*`` as null), keyed to the
    export's audit row; never a record, a name or an exact count.
    """

    __tablename__ = "export_record"

    id: int | None = Field(default=None, primary_key=True)
    audit_id: int = Field(foreign_key="audit.id", index=True)
    audit_head: str | None = None
    """The audit chain head the export's manifest carries (its audit row's hash): if the
    chain is later rewritten, ``outreach check`` names the export whose head left it."""
    period: str
    """The period's label: ``2024``, ``2024-Q1`` or ``2024-03``."""
    policy: str
    """The disclosure policy the figures were published under."""
    programme: str = Field(
        default="cervical-screening", sa_column_kwargs={"server_default": "cervical-screening"}
    )
    """The programme whose figures the export published: an export is checked against the
    earlier exports of its own programme."""
    figures: str
    """JSON object: ``measure|breakdown|category|part`` -> published value, null when
    suppressed, ``"withheld"`` when withheld by the breakdown rule."""
