"""The site a store belongs to, its staff accounts and the audit log."""

from datetime import datetime

from sqlalchemy import Column
from sqlmodel import AutoString, Field, SQLModel


class Site(SQLModel, table=True):
    """The one site a store serves. Its Ed25519 signing key never leaves the encrypted store."""

    id: int | None = Field(default=None, primary_key=True)
    name: str
    store_id: str = Field(description="The id bound into every key slot of keys.json")
    signing_key: bytes = Field(description="Raw 32-byte Ed25519 private key for export manifests")
    created_at: datetime


class Account(SQLModel, table=True):
    """A staff account. Its passphrase lives in a key slot of keys.json, never here."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, index=True)
    role: str
    created_at: datetime
    removed_at: datetime | None = None


class AuditEntry(SQLModel, table=True):
    """One row per user action, written in the same transaction as the action.

    Holds ids, the action and the names of the fields touched; never names, notes or results.
    ``hash`` is SHA-256 over ``prev_hash`` and this row's canonical form, so editing or deleting
    any row breaks the chain from that row on.
    """

    __tablename__ = "audit"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime
    account_id: int | None = Field(default=None, foreign_key="account.id")
    action: str
    entity: str = ""
    entity_id: int | None = None
    fields: str = ""
    prev_hash: str
    hash: str
    # Server defaults only: a row written without a signer leaves both columns out of its
    # INSERT, as versions before signatures did.
    signed_by: str = Field(
        default="", sa_column=Column(AutoString(), nullable=False, server_default="")
    )
    """The account whose key signed ``hash`` (``store key``: the store's authority; empty:
    written before the account had a signing key, or by an older outreach)."""
    signature: str = Field(
        default="", sa_column=Column(AutoString(), nullable=False, server_default="")
    )
    """Ed25519 signature, base64, over ``signed_by`` and ``hash`` (see audit.signed_payload)."""
