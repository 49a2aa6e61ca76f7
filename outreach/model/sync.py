"""What a store keeps to sync with its paired stores: its change log, its clock, its peers."""

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from outreach.model.identity import Travelling


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


class SyncConflict(Travelling, table=True):
    """The same field of the same record changed on two stores that had not seen each other's
    change (``outreach.services.sync_conflicts``), or a merge that would have ended a
    do-not-approach or a ceasing. Both values are kept here, in the encrypted store, until a
    person resolves it; the row travels, so every paired store holds the same conflicts.

    ``kept_*`` is the change in force on the store that found the conflict (its own value for
    a clinical field, the later clock's otherwise), ``held_*`` the other one. Values are JSON;
    ``field`` is empty when a whole record's arrival (``op`` insert) or deletion (``op``
    delete) is held."""

    __tablename__ = "sync_conflict"
    __table_args__ = (Index("ix_sync_conflict_status", "status", "tbl", "row_uid"),)

    id: int | None = Field(default=None, primary_key=True)
    tbl: str
    row_uid: str
    field: str = ""
    op: str = Field(default="update", description="insert, update or delete (held change)")
    person_uid: str | None = None
    clinical: bool = False
    kept_value: str | None = None
    kept_clock: int = 0
    kept_store: str = ""
    held_value: str | None = None
    held_clock: int = 0
    held_store: str = ""
    detected_at: datetime
    status: str = "open"
    resolved_value: str | None = None
    resolved_by: str | None = None
    resolved_at: datetime | None = None
    resolution_clock: int | None = None
    resolution_store: str | None = None
