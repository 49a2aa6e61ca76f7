"""Each audit row is signed by the acting account's own key, and the head keys.json records
is signed too: someone holding the data key and one account's passphrase cannot rewrite
another account's rows, even by hashing the chain again and editing keys.json's head."""

from __future__ import annotations

import base64
import json
from datetime import date
from pathlib import Path
from unittest import mock

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from outreach.cli import app
from outreach.clock import now
from outreach.exports.signing import sign_folder
from outreach.model import AuditEntry, ExportRecord, Person, Role
from outreach.services.people import AddPerson, add_person
from outreach.store import audit
from outreach.store.backup import create_backup, read_backup_info
from outreach.store.check import check_store
from outreach.store.engine import make_engine
from outreach.store.keyslots import KeyFile
from outreach.store.store import Store
from tests.support.store_helpers import put_old
from tests.support.stores import PASSPHRASE, new_store, slots_without_signers

BOB = "bob's own long passphrase"


def _add(store: Store, n: int) -> None:
    add_person(
        store,
        AddPerson(ref=f"S{n:04d}", display_name=f"Signed {n}", date_of_birth=date(1990, 1, 1)),
    )


def _add_old(store: Store, n: int) -> None:
    """As :func:`_add`, in a store left at an older revision: the person row holds only the
    columns its table had then (no stable id yet)."""
    with store.action("person.add", entity="person") as act:
        person = Person(
            ref=f"S{n:04d}",
            display_name=f"Signed {n}",
            date_of_birth=date(1990, 1, 1),
            created_at=now(),
        )
        act.names(put_old(act.session, person), ["ref", "display_name", "date_of_birth"])


def _findings(folder: Path, key: bytes) -> dict[str, tuple[bool, str]]:
    return {
        f.name: (f.ok, f.detail)
        for f in check_store(folder, key, KeyFile.load(folder / "keys.json"))
    }


@pytest.fixture
def shop(store: Store) -> tuple[Path, bytes]:
    """Rows 1-4: ana's store.init, ana adds bob (staff), ana adds a person, bob adds one.
    Closed; the folder and the data key bob also holds."""
    store.add_account("bob", Role.staff, BOB)
    _add(store, 1)
    key = store._data_key
    store.close()
    with Store.unlock(store.folder, user="bob", passphrase=BOB) as bob:
        _add(bob, 2)
    return store.folder, key


def _rows(folder: Path, key: bytes) -> list[tuple[int | None, str, str]]:
    engine = make_engine(folder / "data.db", key)
    try:
        with Session(engine) as session:
            entries = session.exec(select(AuditEntry).order_by(col(AuditEntry.id))).all()
            return [(e.id, e.action, e.signed_by) for e in entries]
    finally:
        engine.dispose()


def _rewrite(
    folder: Path, key: bytes, row_id: int, *, signer: tuple[str, bytes] | None = None
) -> None:
    """Change row ``row_id``'s fields, hash every row again, re-sign the rows that
    ``signer`` (name, private key) signed with it, and record the new head in keys.json,
    signed by that signer: all that one account's passphrase and the data key allow."""
    engine = make_engine(folder / "data.db", key)
    own = (0, "")
    try:
        with Session(engine) as session, session.begin():
            entries = session.exec(select(AuditEntry).order_by(col(AuditEntry.id))).all()
            prev = audit.GENESIS
            for entry in entries:
                if entry.id == row_id:
                    entry.fields = "nothing"
                entry.prev_hash = prev
                entry.hash = audit._digest(entry)
                if signer is not None and entry.signed_by == signer[0]:
                    entry.signature = audit.Signer(*signer).sign(entry.hash)
                    own = (entry.id or 0, entry.hash)
                prev = entry.hash
            last = entries[-1]
            assert last.id is not None
            head = (last.id, last.hash)
    finally:
        engine.dispose()
    keyfile = KeyFile.load(folder / "keys.json")
    keyfile.audit_head = audit.signed_head(
        keyfile.store_id, *head, audit.Signer(*signer) if signer else None
    )
    if signer is not None:
        # The signer's own newest row, recorded again under its own key.
        keyfile.account_heads[signer[0]] = audit.signed_head(
            keyfile.store_id, *own, audit.Signer(*signer)
        )
    keyfile.save(folder / "keys.json")


def _signing_key(folder: Path, name: str, passphrase: str) -> bytes:
    keyfile = KeyFile.load(folder / "keys.json")
    _, opened = keyfile.open_slot(keyfile.slot_for(name), passphrase)
    assert opened is not None and opened.signing is not None
    return opened.signing


def test_every_row_is_signed_by_its_account(shop: tuple[Path, bytes]) -> None:
    folder, key = shop
    assert _rows(folder, key) == [
        (1, "store.init", "ana"),
        (2, "account.add", "ana"),
        (3, "person.add", "ana"),
        (4, "person.add", "bob"),
    ]
    findings = _findings(folder, key)
    assert findings["audit signatures"] == (True, "all 4 rows are signed and verify")
    assert findings["audit head"] == (True, "row 4 as recorded in keys.json, signed by bob")


@pytest.mark.slow
def test_staff_rewriting_an_admins_row_and_the_head_is_named(shop: tuple[Path, bytes]) -> None:
    """The reproduction: bob (staff) changes ana's row 3, hashes the chain again, re-signs his
    own row and records the new head in keys.json, signed with his own key. The chain and
    the head then agree (all that was checked before); ana's signature does not."""
    folder, key = shop
    _rewrite(folder, key, 3, signer=("bob", _signing_key(folder, "bob", BOB)))
    findings = _findings(folder, key)
    assert findings["audit chain"][0]
    # ana's own signed record of her newest row (row 3) no longer matches either.
    assert findings["audit head"] == (
        False,
        "row 3, the newest 'ana' signed, is not the row 'ana' signed: it was rewritten",
    )
    assert findings["audit signatures"] == (
        False,
        "row 3 (by 'ana'): its signature does not verify with the key of 'ana': the row, or a "
        "row before it, was changed after it was signed",
    )


def test_staff_making_an_admins_row_unsigned_is_named(shop: tuple[Path, bytes]) -> None:
    folder, key = shop
    engine = make_engine(folder / "data.db", key)
    try:
        with Session(engine) as session, session.begin():
            entry = session.get(AuditEntry, 3)
            assert entry is not None
            entry.signed_by = entry.signature = ""
    finally:
        engine.dispose()
    assert _findings(folder, key)["audit signatures"] == (
        False,
        "row 3 (by 'ana') is not signed, though the key of 'ana' signs every row of theirs "
        "from row 0 on: written or rewritten without that key",
    )


def test_an_admins_own_rows_rewritten_and_re_signed_are_caught_by_later_rows(
    shop: tuple[Path, bytes],
) -> None:
    """ana changes her own row 3 and re-signs every row of hers: bob's row 4 chains to the
    old row 3, and only bob's key could sign it again."""
    folder, key = shop
    _rewrite(folder, key, 3, signer=("ana", _signing_key(folder, "ana", PASSPHRASE)))
    findings = _findings(folder, key)
    assert findings["audit chain"][0]
    assert findings["audit signatures"] == (
        False,
        "row 4 (by 'bob'): its signature does not verify with the key of 'bob': the row, or a "
        "row before it, was changed after it was signed",
    )


@pytest.mark.slow
def test_a_row_moved_to_another_signer_is_named(shop: tuple[Path, bytes]) -> None:
    """bob signs ana's row with his own key, leaving it hers."""
    folder, key = shop
    bob = audit.Signer("bob", _signing_key(folder, "bob", BOB))
    engine = make_engine(folder / "data.db", key)
    try:
        with Session(engine) as session, session.begin():
            entry = session.get(AuditEntry, 3)
            assert entry is not None
            entry.signed_by, entry.signature = "bob", bob.sign(entry.hash)
    finally:
        engine.dispose()
    assert _findings(folder, key)["audit signatures"] == (
        False,
        "row 3 (by 'ana') is signed as 'bob': rewritten as someone else's",
    )


@pytest.mark.slow
def test_an_edited_head_is_named(shop: tuple[Path, bytes]) -> None:
    folder, key = shop
    keyfile = KeyFile.load(folder / "keys.json")
    unsigned = {"id": keyfile.audit_head["id"], "hash": keyfile.audit_head["hash"]}
    keyfile.audit_head = unsigned
    keyfile.save(folder / "keys.json")
    assert _findings(folder, key)["audit head"] == (
        False,
        "keys.json's audit head is not signed, though the row it names is: keys.json was "
        "edited. Restore it from a backup",
    )
    forged = Ed25519PrivateKey.generate()
    signature = forged.sign(audit.head_payload(keyfile.store_id, 4, str(unsigned["hash"]), "ana"))
    keyfile.audit_head = {
        **unsigned,
        "signed_by": "ana",
        "signature": base64.b64encode(signature).decode("ascii"),
    }
    keyfile.save(folder / "keys.json")
    assert _findings(folder, key)["audit head"] == (
        False,
        "keys.json's audit head is signed as 'ana' but the signature does not verify: "
        "keys.json was edited. Restore it from a backup",
    )


def test_an_export_whose_head_left_the_chain_is_named(store: Store) -> None:
    """The head an export's manifest carries is its audit row's hash: rewriting the chain,
    even by the only account re-signing all of it, leaves that head behind."""
    _add(store, 1)
    with store.write() as session:
        entry = audit.record(session, actor_id=store.actor.id, action="export", entity="export")
        assert entry.id == 3
        session.add(
            ExportRecord(
                audit_id=entry.id, period="2024-Q1", policy="p", figures="{}", audit_head=entry.hash
            )
        )
    published = entry.hash
    key = store._data_key
    store.close()
    assert _findings(store.folder, key)["export heads"] == (
        True,
        "the one export recorded published a head in the chain",
    )
    _rewrite(store.folder, key, 2, signer=("ana", _signing_key(store.folder, "ana", PASSPHRASE)))
    findings = _findings(store.folder, key)
    assert findings["audit signatures"][0] and findings["audit head"][0]
    assert findings["export heads"] == (
        False,
        f"the export of 2024-Q1 (audit row 3) published the head {published[:12]}…, which is "
        "no longer in the audit chain",
    )


def test_a_removed_accounts_rows_still_verify(shop: tuple[Path, bytes]) -> None:
    folder, key = shop
    with Store.unlock(folder, user="ana", passphrase=PASSPHRASE) as ana:
        ana.remove_account("bob")
        key = ana._data_key
    assert "bob" not in {s.account for s in KeyFile.load(folder / "keys.json").slots}
    assert _findings(folder, key)["audit signatures"] == (
        True,
        "all 5 rows are signed and verify",
    )


@pytest.mark.slow
def test_rows_written_with_the_recovery_code_are_signed_by_the_store_key(
    store_dir: Path,
) -> None:
    store, code = Store.init(store_dir, site_name="HMP Test", admin="ana", passphrase=PASSPHRASE)
    store.close()
    with Store.recover(store_dir, code=code, user="ana", new_passphrase="a new long phrase") as s:
        _add(s, 1)
        key = s._data_key
    rows = _rows(store_dir, key)
    assert rows == [
        (1, "store.init", "ana"),
        (2, "keys.recover", audit.STORE_KEY),
        (3, "person.add", audit.STORE_KEY),
    ]
    findings = _findings(store_dir, key)
    assert findings["audit signatures"] == (True, "all 3 rows are signed and verify")
    assert findings["audit head"] == (
        True,
        f"row 3 as recorded in keys.json, signed by {audit.STORE_KEY}",
    )


@pytest.mark.slow
def test_a_store_made_before_signing_gets_keys_at_the_next_admin_unlock(tmp_path: Path) -> None:
    """A store as the code before this change made it: roles signed, no signing keys."""
    folder = tmp_path / "old"
    old = new_store(folder, revision="0013")
    with slots_without_signers():
        old.add_account("bob", Role.staff, BOB)
    _add_old(old, 1)
    key = old._data_key
    old.close()
    assert not any(s.signer for s in KeyFile.load(folder / "keys.json").slots)
    # Opened at once by the newer code, by staff first: migrated, nothing signed yet.
    with Store.unlock(folder, user="bob", passphrase=BOB) as bob:
        _add(bob, 2)
    findings = _findings(folder, key)
    assert findings["audit signatures"] == (
        True,
        "the audit is not signed: this store's accounts have no signing keys yet (made before "
        "audit rows were signed; an admin's next unlock gives them), and roles come from the "
        "signed key slots",
    )
    assert findings["audit head"] == (
        True,
        "row 4 as recorded in keys.json (not signed: written before audit rows were signed)",
    )

    with Store.unlock(folder, user="ana", passphrase=PASSPHRASE) as ana:
        _add(ana, 3)
    with Store.unlock(folder, user="bob", passphrase=BOB) as bob:
        _add(bob, 4)
    assert _rows(folder, key) == [
        (1, "store.init", ""),
        (2, "account.add", ""),
        (3, "person.add", ""),
        (4, "person.add", ""),
        (5, "keys.signing_keys", audit.STORE_KEY),
        (6, "person.add", "ana"),
        (7, "person.add", "bob"),
    ]
    keyfile = KeyFile.load(folder / "keys.json")
    assert {(s.account, s.signer_since) for s in keyfile.account_slots()} == {
        ("ana", 6),
        ("bob", 6),
    }
    findings = _findings(folder, key)
    assert findings["audit signatures"] == (
        True,
        "3 rows signed and verified; 4 older rows were written before their account had a key",
    )
    assert findings["audit head"] == (True, "row 7 as recorded in keys.json, signed by bob")
    # From then on an unsigned row of bob's is a forgery.
    engine = make_engine(folder / "data.db", key)
    try:
        with Session(engine) as session, session.begin():
            entry = session.get(AuditEntry, 7)
            assert entry is not None
            entry.signed_by = entry.signature = ""
    finally:
        engine.dispose()
    assert _findings(folder, key)["audit signatures"][1].startswith(
        "row 7 (by 'bob') is not signed"
    )


def test_signed_head_is_what_keys_json_holds(shop: tuple[Path, bytes]) -> None:
    folder, _ = shop
    raw = json.loads((folder / "keys.json").read_text())
    assert set(raw["audit_head"]) == {"id", "hash", "signed_by", "signature"}


CY = "cy's own long passphrase here"


@pytest.mark.slow
def test_a_store_made_before_signed_roles_gets_them_at_the_next_admin_unlock(
    tmp_path: Path,
) -> None:
    """A store as the code before signed roles made it: no store key, roles from data.db."""
    folder = tmp_path / "older"
    unsigned_roles = (Ed25519PrivateKey.generate().private_bytes_raw(), "")
    with mock.patch("outreach.store.keyslots.new_authority", return_value=unsigned_roles):
        old = new_store(folder, revision="0013")
        old.add_account("bob", Role.staff, BOB)
        old.add_account("cy", Role.admin, CY)
    key = old._data_key
    old.close()
    keyfile = KeyFile.load(folder / "keys.json")
    assert keyfile.authority == ""
    assert not any(s.certificate or s.signer for s in keyfile.slots)
    with Store.unlock(folder, user="bob", passphrase=BOB) as bob:
        _add(bob, 1)
    findings = _findings(folder, key)
    assert findings["audit signatures"] == (
        True,
        "the audit is not signed: this store's accounts have no signing keys yet (made before "
        "audit rows were signed; an admin's next unlock gives them), and roles come from "
        "data.db",
    )
    assert findings["roles"] == (
        True,
        "this store's slots carry no signed roles (made before them)",
    )

    with Store.unlock(folder, user="ana", passphrase=PASSPHRASE) as ana:
        assert ana.actor.role == Role.admin
        _add(ana, 2)
    keyfile = KeyFile.load(folder / "keys.json")
    assert keyfile.authority
    assert all(keyfile.certificate_ok(s) for s in keyfile.slots)
    assert {(s.account, s.role, s.signer_since) for s in keyfile.account_slots()} == {
        ("ana", "admin", 6),
        ("bob", "staff", 6),
        ("cy", "admin", 6),
    }
    # bob's slot and cy's pin the store key at their own next unlock; cy, an admin, gets
    # its private half and can add an account.
    with Store.unlock(folder, user="bob", passphrase=BOB) as bob:
        assert bob.actor.role == Role.staff
        _add(bob, 3)
    with Store.unlock(folder, user="cy", passphrase=CY) as cy:
        cy.add_account("dee", Role.viewer, "dee's own long passphrase")
    assert [(r[1], r[2]) for r in _rows(folder, key)[4:]] == [
        ("keys.signing_keys", audit.STORE_KEY),
        ("person.add", "ana"),
        ("person.add", "bob"),
        ("account.add", "cy"),
    ]
    keyfile = KeyFile.load(folder / "keys.json")
    for name, secret in (("ana", PASSPHRASE), ("bob", BOB), ("cy", CY)):
        _, opened = keyfile.open_slot(keyfile.slot_for(name), secret)
        assert opened is not None and opened.authority_public is not None
        assert (opened.authority is not None) == (name != "bob")
        assert not keyfile.slot_for(name).authority_sealed
    findings = _findings(folder, key)
    assert findings["audit signatures"] == (
        True,
        "4 rows signed and verified; 4 older rows were written before their account had a key",
    )
    assert findings["roles"] == (True, "every account's role is the one signed in its key slot")
    assert findings["key slots"][0]


@pytest.mark.slow
def test_outreach_audit_names_the_row_whose_signature_fails_and_exits_1(
    shop: tuple[Path, bytes],
) -> None:
    folder, key = shop
    _rewrite(folder, key, 3, signer=("bob", _signing_key(folder, "bob", BOB)))
    result = CliRunner().invoke(
        app,
        ["audit", "--store", str(folder), "--user", "ana"],
        env={"OUTREACH_PASSPHRASE": PASSPHRASE},
    )
    assert result.exit_code == 1
    assert result.stdout.splitlines()[-2:] == [
        "Audit chain verified: all 4 rows link up.",
        "Audit signatures FAIL: row 3 (by 'ana'): its signature does not verify with the key "
        "of 'ana': the row, or a row before it, was changed after it was signed. Keep a copy "
        "of this store as it is, and run outreach check.",
    ]


def _export_folder(folder: Path, head: str) -> Path:
    """A signed export folder as outreach writes one, its manifest carrying ``head``."""
    out = folder.parent / "export-2024-Q1"
    out.mkdir()
    (out / "notes.txt").write_text("Figures for the board.\n", encoding="utf-8")
    sign_folder(
        out,
        Ed25519PrivateKey.generate().private_bytes_raw(),
        site="HMP Test",
        period="2024-Q1",
        policy="p",
        as_of=date(2024, 4, 1),
        created_on=date(2024, 4, 2),
        audit_head=head,
    )
    return out


def _check_cli(folder: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        app,
        ["check", "--store", str(folder), "--user", "ana", *args],
        env={"OUTREACH_PASSPHRASE": PASSPHRASE},
    )
    # The exit code and the "export heads" line.
    (line,) = [line for line in result.stdout.splitlines() if " export heads " in line]
    return result.exit_code, line


@pytest.mark.slow
def test_check_names_an_export_whose_manifest_head_left_the_chain(
    shop: tuple[Path, bytes],
) -> None:
    folder, key = shop
    head = str(KeyFile.load(folder / "keys.json").audit_head["hash"])
    out = _export_folder(folder, head)
    code, line = _check_cli(folder, "--export", str(out))
    assert code == 0
    assert line == (
        f"ok    export heads      every manifest's head is in the chain (the export in {out} "
        "(2024-Q1) at row 4); none recorded"
    )
    # ana rewrites her own row 3 and re-signs it: bob's row 4, and the manifest, hold the old.
    _rewrite(folder, key, 3, signer=("ana", _signing_key(folder, "ana", PASSPHRASE)))
    code, line = _check_cli(folder, "--export", str(out))
    assert code == 1
    assert line == (
        f"FAIL  export heads      the export in {out} (2024-Q1): its manifest's head "
        f"{head[:12]}… is not in the audit chain"
    )


def test_check_refuses_the_head_of_a_manifest_that_does_not_verify(
    shop: tuple[Path, bytes],
) -> None:
    folder, _ = shop
    head = str(KeyFile.load(folder / "keys.json").audit_head["hash"])
    out = _export_folder(folder, head)
    (out / "notes.txt").write_text("Other figures.\n", encoding="utf-8")
    code, line = _check_cli(folder, "--export", str(out))
    assert code == 1
    assert line == (
        f"FAIL  export heads      the export in {out} (2024-Q1): notes.txt: changed since the "
        "export was signed"
    )


def test_an_accounts_newest_row_rewritten_into_anothers_name_is_named(
    shop: tuple[Path, bytes],
) -> None:
    """bob turns ana's newest row 3 into a row of his own and signs it and everything after
    it with his key: every signature verifies, but keys.json holds ana's own signed record
    of her newest row, which bob cannot sign again."""
    folder, key = shop
    bob = audit.Signer("bob", _signing_key(folder, "bob", BOB))
    engine = make_engine(folder / "data.db", key)
    try:
        with Session(engine) as session, session.begin():
            entries = session.exec(select(AuditEntry).order_by(col(AuditEntry.id))).all()
            prev = audit.GENESIS
            for entry in entries:
                if entry.id == 3:
                    entry.account_id = 2  # bob
                    entry.signed_by = "bob"
                entry.prev_hash = prev
                entry.hash = audit._digest(entry)
                if entry.signed_by == "bob":
                    entry.signature = bob.sign(entry.hash)
                prev = entry.hash
            head = (entries[-1].id or 0, entries[-1].hash)
    finally:
        engine.dispose()
    keyfile = KeyFile.load(folder / "keys.json")
    assert {name: h["id"] for name, h in keyfile.account_heads.items()} == {"ana": 3, "bob": 4}
    keyfile.audit_head = audit.signed_head(keyfile.store_id, *head, bob)
    keyfile.account_heads["bob"] = audit.signed_head(keyfile.store_id, *head, bob)
    keyfile.save(folder / "keys.json")
    findings = _findings(folder, key)
    assert findings["audit signatures"] == (True, "all 4 rows are signed and verify")
    assert findings["audit head"] == (
        False,
        "row 3, the newest 'ana' signed, is not the row 'ana' signed: it was rewritten",
    )
    # Nor can bob put a record of his own making in ana's place.
    keyfile.account_heads["ana"] = audit.signed_head(keyfile.store_id, *head, bob)
    keyfile.save(folder / "keys.json")
    assert _findings(folder, key)["audit head"] == (
        False,
        "keys.json's record of the newest row of 'ana' is not signed by 'ana': keys.json was "
        "edited",
    )


def _backup_line(folder: Path, file: Path) -> tuple[int, str]:
    result = CliRunner().invoke(
        app,
        ["check", "--store", str(folder), "--user", "ana", "--backup", str(file)],
        env={"OUTREACH_PASSPHRASE": PASSPHRASE},
    )
    (line,) = [line for line in result.stdout.splitlines() if " backup heads " in line]
    return result.exit_code, line


@pytest.mark.slow
def test_check_names_a_backup_whose_head_row_was_rewritten_after_it(
    shop: tuple[Path, bytes], tmp_path: Path
) -> None:
    folder, key = shop
    file = tmp_path / "before.bak"
    with Store.unlock(folder, user="ana", passphrase=PASSPHRASE) as ana:
        info = create_backup(ana, file)
    row, recorded = info.audit_head["id"], str(info.audit_head["hash"])
    # The four rows of the shop: the backup's head is bob's row 4 (its own store.backup row,
    # row 5, is written after the copy is taken).
    assert row == 4
    made = info.created_at[:16]
    code, line = _backup_line(folder, file)
    assert (code, line) == (
        0,
        "ok    backup heads      every backup's head is still in the chain "
        f"(the backup before.bak (made {made}) at row 4)",
    )
    # ana rewrites her own row 3 and re-signs it, and records a new head: the store alone
    # cannot tell that row 4 is not the row it was, but the backup still holds the old hash.
    _rewrite(folder, key, 3, signer=("ana", _signing_key(folder, "ana", PASSPHRASE)))
    assert [r[:2] for r in _rows(folder, key)][3:] == [(4, "person.add"), (5, "store.backup")]
    code, line = _backup_line(folder, file)
    assert code == 1
    assert line.startswith(
        f"FAIL  backup heads      the backup before.bak (made {made}): audit row 4 is not the "
        f"row it recorded (hash {recorded[:12]}…, now "
    )
    assert line.endswith("): the audit was rewritten after the backup was made")


@pytest.mark.slow
def test_check_names_a_backup_whose_head_row_is_gone_or_of_another_store(
    shop: tuple[Path, bytes], tmp_path: Path
) -> None:
    folder, key = shop
    file = tmp_path / "before.bak"
    with Store.unlock(folder, user="ana", passphrase=PASSPHRASE) as ana:
        info = create_backup(ana, file)
    made = info.created_at[:16]
    # Row 4 deleted with the data key (the chain up to row 3 still links).
    engine = make_engine(folder / "data.db", key)
    try:
        with Session(engine) as session, session.begin():
            session.exec(select(AuditEntry).where(col(AuditEntry.id) == 4)).one()
            session.connection().exec_driver_sql("DELETE FROM audit WHERE id = 4")
    finally:
        engine.dispose()
    code, line = _backup_line(folder, file)
    assert (code, line) == (
        1,
        f"FAIL  backup heads      the backup before.bak (made {made}): its head, audit row 4, "
        "is no longer in this store (rows were removed after the backup was made)",
    )
    # A backup of another store is named as such, whatever its head.
    other = new_store(tmp_path / "other")
    try:
        create_backup(other, tmp_path / "other.bak")
    finally:
        other.close()
    code, line = _backup_line(folder, tmp_path / "other.bak")
    assert (code, line) == (
        1,
        "FAIL  backup heads      the backup other.bak (made "
        f"{read_backup_info(tmp_path / 'other.bak').created_at[:16]}): it is a backup of "
        "another store",
    )


class _Killed(Exception):
    """Stands for a kill: raised once keys.json is saved inside the signing keys' write."""


def test_a_signing_keys_row_lost_to_a_kill_is_written_at_the_next_admin_unlock(
    tmp_path: Path,
) -> None:
    """keys.json is saved with the new signing keys before their audit row commits (no
    program may write an unsigned row after it); a kill between the two loses the row but
    keeps the keys, and the next admin unlock writes the row again, marked as late."""
    folder = tmp_path / "store"
    with slots_without_signers():
        store = new_store(folder)
        store.add_account("bob", Role.staff, BOB)
    key = store._data_key
    store.close()
    assert _rows(folder, key) == [(1, "store.init", ""), (2, "account.add", "")]
    save = KeyFile.save

    def save_then_die(keyfile: KeyFile, path: Path) -> None:
        save(keyfile, path)
        if keyfile.signing_keys_row:
            raise _Killed

    with (
        mock.patch.object(KeyFile, "save", save_then_die),
        pytest.raises(_Killed),
    ):
        Store.unlock(folder, user="ana", passphrase=PASSPHRASE)
    keyfile = KeyFile.load(folder / "keys.json")
    assert {(s.account, s.signer_since) for s in keyfile.account_slots()} == {
        ("ana", 4),
        ("bob", 4),
    }
    assert keyfile.signing_keys_row["id"] == 3
    assert _rows(folder, key) == [(1, "store.init", ""), (2, "account.add", "")]

    # Staff alone cannot write the row (it is signed by the store's key): bob's own row takes
    # id 3, signed with the key keys.json gave him.
    with Store.unlock(folder, user="bob", passphrase=BOB) as bob:
        _add(bob, 1)
    with Store.unlock(folder, user="ana", passphrase=PASSPHRASE) as ana:
        _add(ana, 2)
    with Store.unlock(folder, user="ana", passphrase=PASSPHRASE) as again:
        # As a second admin's unlock that read keys.json before the first wrote the row
        # again: it finds the row once it holds the write lock, and writes no second one.
        again._keyfile.signing_keys_row = dict(keyfile.signing_keys_row)
        again._record_lost_signing_row()
        assert again._keyfile.signing_keys_row["id"] == 4
    assert _rows(folder, key) == [
        (1, "store.init", ""),
        (2, "account.add", ""),
        (3, "person.add", "bob"),
        (4, "keys.signing_keys", audit.STORE_KEY),
        (5, "person.add", "ana"),
    ]
    engine = make_engine(folder / "data.db", key)
    try:
        with Session(engine) as session:
            late = session.get(AuditEntry, 4)
            assert late is not None and late.fields == "accounts=2,lost_row=3"
            assert audit.verify_chain(session) is None
    finally:
        engine.dispose()
    assert KeyFile.load(folder / "keys.json").signing_keys_row["id"] == 4
    findings = _findings(folder, key)
    assert findings["audit signatures"] == (
        True,
        "3 rows signed and verified; 2 older rows were written before their account had a key",
    )
