"""Residents' records that followed them between sites: transfer packets sent and received."""

from datetime import date, datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel


class Transfer(SQLModel, table=True):
    """One transfer packet this store wrote (``direction`` "out") or took in ("in").

    ``packet_id`` is the packet's own id (a UUID written into it), so a packet taken in twice
    is recognised; ``site`` and ``fingerprint`` name the other store (its site card);
    ``left_on`` is the day she left the sending site and ``expires_on`` the last day the packet
    may be taken in. A person with a transfer "in" and no stay begun on or after ``left_on``
    is an expected arrival (``outreach.services.transfer.expected_arrivals``). Carried
    conversations (JSON, inside the encrypted store) are kept for reading, never counted as
    this site's outreach.
    """

    __table_args__ = (UniqueConstraint("packet_id", "direction", name="uq_transfer_packet"),)

    id: int | None = Field(default=None, primary_key=True)
    packet_id: str
    direction: str
    person_id: int = Field(foreign_key="person.id", index=True)
    site: str
    fingerprint: str
    left_on: date
    expires_on: date
    with_notes: bool = False
    conversations: str = "[]"
    recorded_at: datetime


class TransferFollowUp(SQLModel, table=True):
    """A follow-up carried from the sending site by a transfer taken in."""

    __tablename__ = "transfer_follow_up"

    transfer_id: int = Field(foreign_key="transfer.id", primary_key=True, ondelete="CASCADE")
    follow_up_id: int = Field(
        foreign_key="follow_up.id", primary_key=True, index=True, ondelete="CASCADE"
    )
