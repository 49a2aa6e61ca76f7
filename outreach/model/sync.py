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


class SyncBundleIn(SQLModel, table=True):
    """A bundle this store applied from a peer: its hash (the next bundle from that peer names
    it as its previous one), its number and the peer's change-log range it carried."""

    __tablename__ = "sync_bundle_in"

    id: int | None = Field(default=None, primary_key=True)
    peer_id: int = Field(foreign_key="sync_peer.id", index=True)
    number: int
    hash: str = Field(unique=True)
    from_seq: int
    upto: int
    applied_at: datetime


class AuthorElsewhere(SQLModel, table=True):
    """An account made here only to keep the name of the author of a change that came from a
    paired store (``sync_rows.author_id``): it has no key slot and never logs in. Kept apart
    from ``account`` so that reading accounts never depends on this revision."""

    __tablename__ = "author_elsewhere"

    account_id: int = Field(foreign_key="account.id", primary_key=True)
    from_store: str = Field(description="The store id of the change that named the author")


class SyncConflict(Travelling, table=True):
    """The same field of the same record changed on two stores that had not seen each other's
    change (``outreach.services.sync_conflicts``), or a merge that would have ended a
    do-not-approach or a ceasing. Both values are kept here, in the encrypted store, until a
    person resolves it; the row travels, so every paired store holds the same conflicts.

    The row is the same on every store, whichever found it. For two concurrent changes
    ``kept_*`` is the later by clock, then store (in force everywhere for a non-clinical field;
    a clinical field keeps each store's own value until a person chooses) and ``held_*`` the
    earlier; for a change held because it would end a do-not-approach or a ceasing, ``held_*``
    is that change and ``kept_*`` the record as it stands. ``detected_at`` is the time of the
    later change, not of the store's clock when it found it. Values are JSON;
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
