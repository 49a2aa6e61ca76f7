"""Half-filled forms kept when the application locks, to be offered back to the same account.

A draft holds what was typed, which may identify a person: it lives only in this table, inside
the encrypted store, never in a file; the audit names its fields, never their values.
"""

from datetime import datetime

from sqlmodel import Field, SQLModel


class FormDraft(SQLModel, table=True):
    """One form as it was when the store locked: which form, for whom, what was typed."""

    __tablename__ = "form_draft"

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    form: str
    """Which form: ``conversation``, ``screening``, ``mentor`` or ``target``."""
    fields: str
    """JSON object: field id -> value as typed."""
    saved_at: datetime
