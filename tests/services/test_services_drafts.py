"""Drafts: kept inside the encrypted store for one account, audited by field name only, and
removed once a day old."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from freezegun import freeze_time

from outreach.model import Role
from outreach.services.drafts import (
    DiscardDraft,
    DraftSaved,
    KeepDraft,
    discard_draft,
    draft_saved,
    keep_draft,
    my_drafts,
)
from outreach.services.errors import ValidationError
from outreach.store.store import Store
from tests.support.service_helpers import last_audit
from tests.support.store_helpers import table_counts
from tests.support.stores import new_store

KEPT_AT = "2025-06-01 09:30:00"
SECRET_NOTE = "QZX unmistakable note about Wren Halloway"
FIELDS = {
    "person": {"ref": "W1", "label": "W1  Wren Halloway"},
    "mentor": "Maya Lee",
    "minutes": "",
    "note": SECRET_NOTE,
    "barriers": ["fear_anxiety"],
    "group": False,
}
BEA = "bea's long passphrase 42"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with freeze_time(KEPT_AT):
        store = new_store(tmp_path / "store")
        store.add_account("bea", Role.staff, BEA)
    try:
        yield store
    finally:
        store.close()


@pytest.mark.slow
def test_a_kept_draft_comes_back_whole_to_the_same_account(store: Store) -> None:
    with freeze_time(KEPT_AT):
        kept = keep_draft(store, KeepDraft(form="conversation", fields=FIELDS))
    entry = last_audit(store)[0]
    assert (entry.action, entry.entity, entry.entity_id) == ("draft.save", "form_draft", kept.id)
    # Field names only: the empty minutes and the unticked group are not named either.
    assert entry.fields == "barriers,conversation,mentor,note,person"
    with freeze_time("2025-06-02 09:29:00"):  # just under a day later
        (draft,) = my_drafts(store)
    assert draft.fields == FIELDS
    assert draft.form == "conversation"
    assert draft.saved_at == datetime(2025, 6, 1, 9, 30, tzinfo=UTC)


@pytest.mark.slow
def test_another_account_is_never_offered_it(store: Store) -> None:
    with freeze_time(KEPT_AT):
        kept = keep_draft(store, KeepDraft(form="conversation", fields=FIELDS))
    folder = store.folder
    store.close()
    bea = Store.unlock(folder, user="bea", passphrase=BEA)
    try:
        with freeze_time("2025-06-01 10:00:00"):
            assert my_drafts(bea) == []
        with pytest.raises(ValidationError) as refused:
            draft_saved(bea, DraftSaved(draft_id=kept.id))
        assert str(refused.value) == "draft_id: that draft is no longer kept"
        with pytest.raises(ValidationError):
            discard_draft(bea, DiscardDraft(draft_id=kept.id))
        assert table_counts(bea)["form_draft"] == 1
    finally:
        bea.close()


@pytest.mark.slow
def test_a_draft_a_day_old_is_removed_not_offered(store: Store) -> None:
    with freeze_time(KEPT_AT):
        keep_draft(store, KeepDraft(form="screening", fields={"event": "test"}))
    with freeze_time("2025-06-02 09:30:01"):
        assert my_drafts(store) == []
    assert table_counts(store)["form_draft"] == 0
    entry = last_audit(store)[0]
    assert (entry.action, entry.fields) == ("draft.expire", "count=1")


def test_using_and_discarding_remove_the_draft_with_their_audit_row(store: Store) -> None:
    with freeze_time(KEPT_AT):
        first = keep_draft(store, KeepDraft(form="mentor", fields={"name": "Jo"}))
        second = keep_draft(store, KeepDraft(form="target", fields={"value": "90"}))
        draft_saved(store, DraftSaved(draft_id=first.id))
        assert [(e.action, e.fields) for e in last_audit(store)] == [("draft.used", "mentor")]
        discard_draft(store, DiscardDraft(draft_id=second.id))
        assert [(e.action, e.fields) for e in last_audit(store)] == [("draft.discard", "target")]
        assert my_drafts(store) == []
        with pytest.raises(ValidationError):
            draft_saved(store, DraftSaved(draft_id=first.id))


def test_keeping_a_reopened_form_overwrites_its_draft(store: Store) -> None:
    with freeze_time(KEPT_AT):
        first = keep_draft(store, KeepDraft(form="mentor", fields={"name": "Jo"}))
    with freeze_time("2025-06-01 11:00:00"):
        again = keep_draft(
            store, KeepDraft(form="mentor", fields={"name": "Jo Marsh"}, replaces=first.id)
        )
        assert again.id == first.id
        (only,) = my_drafts(store)
    assert only.fields == {"name": "Jo Marsh"}
    assert only.saved_at == datetime(2025, 6, 1, 11, 0, tzinfo=UTC)
    entry = last_audit(store)[0]
    assert (entry.action, entry.entity_id, entry.fields) == ("draft.save", first.id, "mentor,name")


def test_keeping_over_a_draft_already_gone_keeps_a_new_one(store: Store) -> None:
    with freeze_time(KEPT_AT):
        first = keep_draft(store, KeepDraft(form="mentor", fields={"name": "Jo"}))
        discard_draft(store, DiscardDraft(draft_id=first.id))
        again = keep_draft(
            store, KeepDraft(form="mentor", fields={"name": "Jo"}, replaces=first.id)
        )
        assert [(d.id, d.fields) for d in my_drafts(store)] == [(again.id, {"name": "Jo"})]
    assert last_audit(store)[0].action == "draft.save"


def test_an_unknown_form_or_an_oversized_draft_is_refused(store: Store) -> None:
    before = table_counts(store)
    with pytest.raises(ValidationError) as unknown:
        keep_draft(store, KeepDraft(form="passphrase", fields={}))
    assert str(unknown.value) == "form: no draft is kept for a form called 'passphrase'"
    with pytest.raises(ValidationError) as large:
        keep_draft(store, KeepDraft(form="conversation", fields={"note": "x" * 20_001}))
    assert str(large.value) == "fields: a draft holds at most 20000 characters"
    assert table_counts(store) == before


def test_what_a_draft_holds_never_reaches_a_file_in_plaintext(store: Store) -> None:
    keep_draft(store, KeepDraft(form="conversation", fields=FIELDS))
    folder = store.folder
    store.close()
    needles = [SECRET_NOTE.encode(), b"Wren Halloway", SECRET_NOTE.encode("utf-16-le")]
    for path in folder.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert not any(n in data for n in needles), path.name
