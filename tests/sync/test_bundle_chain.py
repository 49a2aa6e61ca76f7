"""The chain of bundles between two paired laptops: each bundle names the hash of the one
before it to the same peer; a replay changes nothing and says so, a lost bundle whose changes
the next one carries is named, and a bundle that would leave changes out is refused."""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import col, select

from outreach.clock import now
from outreach.errors import ValidationError
from outreach.model import Account, AuditEntry, AuthorElsewhere, Decision, Person, SyncBundleIn
from outreach.services.site import own_card
from outreach.services.sync import export_bundle, import_bundle, pair
from outreach.store.store import Store
from tests.support.store_helpers import table_counts
from tests.support.stores import ADMIN, PASSPHRASE, new_store


@pytest.fixture
def two(tmp_path: Path) -> Iterator[tuple[Store, Store]]:
    a, b = new_store(tmp_path / "a", site="Laptop A"), new_store(tmp_path / "b", site="Laptop B")
    pair(a, own_card(b).to_bytes())
    pair(b, own_card(a).to_bytes())
    yield a, b
    a.close()
    b.close()


def _add(store: Store, ref: str) -> None:
    with store.write() as session:
        session.add(
            Person(ref=ref, display_name=ref, date_of_birth=date(1990, 1, 2), created_at=now())
        )


def _refs(store: Store) -> list[str]:
    with store.read() as session:
        return list(session.exec(select(Person.ref).order_by(col(Person.ref))).all())


def _applied(store: Store) -> list[tuple[int, str]]:
    with store.read() as session:
        rows = session.exec(select(SyncBundleIn).order_by(col(SyncBundleIn.id))).all()
        return [(r.number, r.hash) for r in rows]


def _audit_count(store: Store) -> int:
    with store.read() as session:
        return len(session.exec(select(AuditEntry)).all())


@pytest.mark.slow
def test_each_bundle_names_the_one_before_and_the_chain_is_kept(two: tuple[Store, Store]) -> None:
    a, b = two
    _add(a, "A1")
    first, _ = export_bundle(a, "Laptop B")
    assert import_bundle(b, first).missed is None
    _add(a, "A2")
    second, _ = export_bundle(a, "Laptop B")
    report = import_bundle(b, second)
    # Nothing acknowledged yet: bundle 2 carries A1 again (already held) and A2.
    assert (report.applied, report.known, report.missed, report.replay) == (1, 1, None, False)
    assert _applied(b) == [
        (1, hashlib.sha256(first).hexdigest()),
        (2, hashlib.sha256(second).hexdigest()),
    ]


@pytest.mark.slow
def test_a_replay_is_named_and_changes_nothing(two: tuple[Store, Store]) -> None:
    a, b = two
    _add(a, "A1")
    sealed, _ = export_bundle(a, "Laptop B")
    import_bundle(b, sealed)
    counts, audits = table_counts(b), _audit_count(b)
    again = import_bundle(b, sealed)
    assert (again.replay, again.number, again.applied, again.known) == (True, 1, 0, 1)
    # Nothing changes but one audit row noting the replay.
    assert {k: v for k, v in table_counts(b).items() if k != "audit"} == {
        k: v for k, v in counts.items() if k != "audit"
    }
    assert _audit_count(b) == audits + 1
    assert _refs(b) == ["A1"]


@pytest.mark.slow
def test_a_lost_bundle_is_named_when_the_next_carries_its_changes(
    two: tuple[Store, Store],
) -> None:
    a, b = two
    _add(a, "A1")
    export_bundle(a, "Laptop B")  # lost on the way
    _add(a, "A2")
    second, _ = export_bundle(a, "Laptop B")
    report = import_bundle(b, second)
    # Nothing was acknowledged, so bundle 2 carries A1 too.
    assert (report.number, report.missed, report.replay) == (2, 1, False)
    assert _refs(b) == ["A1", "A2"]
    with b.read() as session:
        row = session.exec(
            select(AuditEntry)
            .where(AuditEntry.action == "sync.import")
            .order_by(col(AuditEntry.id).desc())
        ).first()
    assert row is not None and "missed=1" in row.fields


@pytest.mark.slow
def test_a_bundle_missing_changes_is_refused_until_one_with_everything_comes(
    tmp_path: Path,
) -> None:
    """B goes back to a backup taken before A's first bundle: A's next bundle starts after
    what B had acknowledged, so it would leave A1 out. It is refused, naming bundle 1, and
    nothing changes; a bundle with everything (``--all``) then brings B level."""
    a, b = new_store(tmp_path / "a", site="Laptop A"), new_store(tmp_path / "b", site="Laptop B")
    pair(a, own_card(b).to_bytes())
    pair(b, own_card(a).to_bytes())
    b.close()
    backup = tmp_path / "b-before"
    shutil.copytree(b.folder, backup)
    b = Store.unlock(b.folder, user=ADMIN, passphrase=PASSPHRASE)
    try:
        _add(a, "A1")
        import_bundle(b, export_bundle(a, "Laptop B")[0])
        import_bundle(a, export_bundle(b, "Laptop A")[0])  # B acknowledges A1
        b.close()
        shutil.rmtree(b.folder)
        shutil.copytree(backup, b.folder)  # B restored from before bundle 1
        b = Store.unlock(b.folder, user=ADMIN, passphrase=PASSPHRASE)
        _add(a, "A2")
        gap, written = export_bundle(a, "Laptop B")
        assert (written.number, written.changes) == (2, 1)  # A2 only
        counts = table_counts(b)
        with pytest.raises(ValidationError) as refused:
            import_bundle(b, gap)
        assert "bundle 1 from Laptop A never arrived here" in refused.value.message
        assert "--all" in (refused.value.hint or "")
        assert table_counts(b) == counts and _refs(b) == []
        whole, written = export_bundle(a, "Laptop B", everything=True)
        assert (written.number, written.changes) == (3, 2)
        report = import_bundle(b, whole)
        assert (report.applied, report.replay) == (2, False)
        assert _refs(b) == ["A1", "A2"]
    finally:
        a.close()
        b.close()


@pytest.mark.slow
def test_an_author_with_no_account_here_is_kept_by_name(two: tuple[Store, Store]) -> None:
    """A's account "mo" recorded a decision; B has no account "mo": B keeps the name on an
    account marked as from A's store, removed and without a key slot (it never logs in), so
    the decision still names mo on B."""
    a, b = two
    _add(a, "A1")
    with a.write() as session:
        mo = Account(name="mo", role="staff", created_at=now())
        session.add(mo)
        session.flush()
        person = session.exec(select(Person)).one()
        assert person.id is not None
        session.add(
            Decision(
                person_id=person.id,
                kind="informed_decline",
                decided_on=date(2025, 3, 4),
                logged_by=mo.id,
                created_at=now(),
            )
        )
    report = import_bundle(b, export_bundle(a, "Laptop B")[0])
    assert report.authors == 1
    with a.read() as session:
        a_store = session.connection().exec_driver_sql("SELECT store_id FROM site").scalar_one()
    with b.read() as session:
        kept = session.exec(select(Account).where(Account.name == "mo")).one()
        elsewhere = session.get(AuthorElsewhere, kept.id)
        assert elsewhere is not None
        assert (elsewhere.from_store, kept.removed_at is not None) == (a_store, True)
        who = (
            session.connection()
            .exec_driver_sql("SELECT a.name FROM decision d JOIN account a ON a.id = d.logged_by")
            .scalar_one()
        )
    assert who == "mo"
    # A second bundle naming mo again makes no second account.
    with a.write() as session:
        decision = session.exec(select(Decision)).one()
        decision.note = "second thoughts"
        session.add(decision)
    assert import_bundle(b, export_bundle(a, "Laptop B")[0]).authors == 0
    with pytest.raises(Exception):  # noqa: B017 - no key slot: the kept name never unlocks
        Store.unlock(b.folder, user="mo", passphrase=PASSPHRASE)
