"""What a store keeps to sync with its paired stores: its change log, its clock, its peers."""

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel


class ChangeLog(SQLModel, table=True):
    """One change to one travelling row, made here or applied from another store
    (``outreach.store.changes``): written by triggers, never by the application directly."""

    __tablename__ = "change_log"
    __table_args__ = (
        Index("ix_change_log_change", "hlc", "origin", unique=True),
        Index("ix_change_log_row", "tbl", "uid"),
    )

    seq: int | None = Field(default=None, primary_key=True)
    tbl: str
    uid: str
    op: str = Field(description="insert, update or delete (a tombstone)")
    data: str | None = Field(default=None, description="JSON of the fields written")
    hlc: int = Field(description="hybrid logical clock, milliseconds")
    origin: str = Field(description="store_id of the store that made the change")


class SyncClock(SQLModel, table=True):
    """The store's hybrid logical clock (one row), and whether changes from another store
    are being applied (the change-log triggers then stay quiet)."""

    __tablename__ = "sync_clock"

    id: int | None = Field(default=None, primary_key=True)
    last: int = 0
    applying: int = 0


class SyncPeer(SQLModel, table=True):
    """A store paired with this one: its card, and how far each side has got."""

    __tablename__ = "sync_peer"

    id: int | None = Field(default=None, primary_key=True)
    site: str
    fingerprint: str = Field(unique=True)
    card: str = Field(description="The peer's site card as it was read at pairing")
    store_id: str | None = Field(default=None, description="Learnt from its first bundle")
    paired_at: datetime
    acknowledged: int = Field(default=0, description="Our change_log seq it has confirmed")
    received: int = Field(default=0, description="Its change_log seq we have applied up to")
    bundles_sent: int = 0
    last_sent_hash: str = ""
    bundles_received: int = 0
    last_received_hash: str = ""
