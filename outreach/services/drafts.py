"""Drafts: a half-filled form kept when the application locks, offered back to the same
account after unlock, and removed after a day.

A draft is what was typed, so it may identify a person: it is kept only in the encrypted
store (table ``form_draft``), never in a file. Opening a draft changes nothing: it stays kept
until the form opened from it is saved (:func:`draft_saved`) or the person discards it
(:func:`discard_draft`). Keeping, using, discarding and expiring
drafts are each one write transaction with one audit row, which names the form's fields that
held something, never their values.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete
from sqlmodel import Session, col, select

from outreach.clock import now
from outreach.model import FormDraft, Role
from outreach.services.errors import ValidationError
from outreach.store.action import Action
from outreach.store.store import Store

KEPT_FOR = timedelta(days=1)
"""A draft older than this is removed, never offered."""

MAX_DRAFT_CHARS = 20_000
"""Forms hold a few short fields; anything larger is not a form's draft."""

FORMS = frozenset({"conversation", "screening", "mentor", "target"})
"""The forms whose drafts are kept."""


@dataclass(frozen=True)
class Draft:
    """A kept form: which form, what was typed (field id -> value), and when it was kept."""

    id: int
    form: str
    fields: dict[str, Any]
    saved_at: datetime


def _filled(fields: dict[str, Any]) -> list[str]:
    """Field ids that hold something (the audit's list: names only)."""
    return [name for name, value in fields.items() if value not in (None, "", [], False)]


def _draft(row: FormDraft) -> Draft:
    assert row.id is not None
    return Draft(row.id, row.form, json.loads(row.fields), row.saved_at)


_ANYONE = tuple(Role)
"""Every account keeps its own drafts, viewers included. Drafts stay on the computer and
account that kept them, so their actions run on a store, never inside other work."""


@dataclass(frozen=True)
class KeepDraft:
    """What was typed into ``form`` (field id -> a JSON-serialisable value); ``replaces``: the
    draft the form was opened from."""

    form: str
    fields: dict[str, Any]
    replaces: int | None = None


def keep_draft(store: Store, cmd: KeepDraft) -> Draft:
    """Keep what was typed into a form for the acting account; one ``draft.save`` audit row
    naming the fields that held something.

    The draft ``cmd.replaces`` is overwritten in the same transaction (so one form is never
    kept twice); when it is gone, a new draft is kept."""
    if cmd.form not in FORMS:
        raise ValidationError("form", f"no draft is kept for a form called {cmd.form!r}")
    payload = json.dumps(cmd.fields, ensure_ascii=False, sort_keys=True)
    if len(payload) > MAX_DRAFT_CHARS:
        raise ValidationError("fields", f"a draft holds at most {MAX_DRAFT_CHARS} characters")
    with store.action("draft.save", entity="form_draft", roles=_ANYONE) as act:
        session, replaces = act.session, cmd.replaces
        row = session.get(FormDraft, replaces) if replaces is not None else None
        if row is not None and row.account_id == store.actor.id:
            row.form, row.fields, row.saved_at = cmd.form, payload, now()
        else:
            row = FormDraft(
                account_id=store.actor.id, form=cmd.form, fields=payload, saved_at=now()
            )
        session.add(row)
        session.flush()
        act.names(row.id, [cmd.form, *_filled(cmd.fields)])
        return _draft(row)


def _expired(session: Session) -> list[int]:
    cutoff = now() - KEPT_FOR
    return [
        i
        for i in session.exec(select(FormDraft.id).where(col(FormDraft.saved_at) < cutoff))
        if i is not None
    ]


def my_drafts(store: Store) -> list[Draft]:
    """The acting account's drafts, newest first, after removing every account's drafts
    older than :data:`KEPT_FOR` (one write transaction with one ``draft.expire`` audit row,
    only when there are any; otherwise nothing is written). Other accounts' drafts are never
    returned."""
    with store.read() as session:
        expired = _expired(session)
    if expired:
        with store.action("draft.expire", entity="form_draft", roles=_ANYONE) as act:
            # Read again inside the write: another process may have removed them meanwhile.
            old = _expired(act.session)
            if old:
                act.session.exec(delete(FormDraft).where(col(FormDraft.id).in_(old)))
                act.names(None, [f"count={len(old)}"])
            else:
                act.unchanged()
    with store.read() as session:
        rows = session.exec(
            select(FormDraft)
            .where(FormDraft.account_id == store.actor.id)
            .order_by(col(FormDraft.saved_at).desc(), col(FormDraft.id).desc())
        ).all()
        return [_draft(row) for row in rows]


def _mine(act: Action, draft_id: int) -> FormDraft:
    row = act.session.get(FormDraft, draft_id)
    if row is None or row.account_id != act.actor_id:
        raise ValidationError("draft_id", "that draft is no longer kept")
    return row


@dataclass(frozen=True)
class DraftSaved:
    """The form opened from the acting account's draft ``draft_id`` has been saved."""

    draft_id: int


def draft_saved(store: Store, cmd: DraftSaved) -> None:
    """Remove the draft whose form has been saved; one ``draft.used`` audit row. Until then
    the draft stays in the store, so that opening it never loses it (a crash before the save
    finds it still kept)."""
    with store.action("draft.used", entity="form_draft", roles=_ANYONE) as act:
        row = _mine(act, cmd.draft_id)
        form = row.form
        act.session.delete(row)
        act.names(cmd.draft_id, [form])


@dataclass(frozen=True)
class DiscardDraft:
    """Remove one of the acting account's drafts unused."""

    draft_id: int


def discard_draft(store: Store, cmd: DiscardDraft) -> None:
    """Remove one of the acting account's drafts unused; one ``draft.discard`` audit row."""
    with store.action("draft.discard", entity="form_draft", roles=_ANYONE) as act:
        row = _mine(act, cmd.draft_id)
        form = row.form
        act.session.delete(row)
        act.names(cmd.draft_id, [form])
