"""``outreach check``: does a store hold together? Each finding names what is wrong."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, text
from sqlmodel import Session

from outreach.model.identity import TRAVELLING, missing_ids
from outreach.store import audit, changes, keyslots
from outreach.store.changes import EVENTS
from outreach.store.engine import connect, make_engine
from outreach.store.errors import StoreDamaged
from outreach.store.migrations import current_revision, head_revision
from outreach.wording import counted


@dataclass(frozen=True)
class Finding:
    name: str
    ok: bool
    detail: str


@dataclass(frozen=True)
class PublishedHead:
    """The audit head an export's manifest carries, read from an export folder (``label``
    names it), or why it could not be trusted (``problem``: the manifest does not verify)."""

    label: str
    head: str
    problem: str | None = None


@dataclass(frozen=True)
class BackupHead:
    """The audit head a backup's header recorded (``row_id``, ``hash``) when it was made, for
    the store ``store_id``; ``label`` names the backup. A later rewrite of the audit leaves the
    store's row ``row_id`` different from what the backup recorded."""

    label: str
    store_id: str
    row_id: int | None
    hash: str


def check_store(
    folder: Path,
    data_key: bytes,
    keyfile: keyslots.KeyFile,
    published: Sequence[PublishedHead] = (),
    backups: Sequence[BackupHead] = (),
) -> list[Finding]:
    """Run every check on fresh connections (a damaged page poisons later checks on the same
    connection). ``published`` are heads read from export manifests, each of which must be in
    the audit chain; ``backups`` are heads read from backup files, each of which must still be
    the row it was (a "backup heads" finding, only when some are given). Never changes the
    store."""
    db = folder / "data.db"
    findings: list[Finding] = []
    problems = list(keyfile.verify_structure())
    if keyfile.rekey_pending():
        problems.append(
            "keys.json: a change of data key is unfinished (it finishes at the next unlock "
            "when no other window or command has the store open)"
        )
    findings.append(
        Finding(
            "key slots",
            not problems,
            "; ".join(problems) or f"{len(keyfile.slots)} slots, all well formed",
        )
    )
    try:
        conn = connect(db, data_key)
    except StoreDamaged:
        findings.append(
            Finding(
                "cipher integrity", False, "page 1 (the header) cannot be decrypted with this key"
            )
        )
        return findings
    try:
        rows = [r[0] for r in conn.execute("PRAGMA cipher_integrity_check").fetchall()]
    finally:
        conn.close()
    findings.append(Finding("cipher integrity", not rows, "; ".join(rows) or "every page verified"))
    checks = [
        ("integrity", "PRAGMA integrity_check"),
        ("foreign keys", "PRAGMA foreign_key_check"),
    ]
    for name, sql in checks:
        conn = connect(db, data_key)
        try:
            out = conn.execute(sql).fetchall()
        except Exception as exc:  # a damaged page can make the check itself fail
            findings.append(Finding(name, False, f"could not run: {type(exc).__name__}: {exc}"))
            continue
        finally:
            conn.close()
        if name == "integrity":
            ok = out == [("ok",)]
            findings.append(Finding(name, ok, "ok" if ok else "; ".join(r[0] for r in out[:5])))
        else:
            detail = "; ".join(f"{r[0]} row {r[1]} -> {r[2]}" for r in out[:5])
            findings.append(Finding(name, not out, detail or "every reference resolves"))
    engine = make_engine(db, data_key, pool_size=1)
    try:
        try:
            rev, head = current_revision(engine), head_revision()
            findings.append(
                Finding(
                    "schema version",
                    rev == head,
                    f"at {rev}" + ("" if rev == head else f", expected {head}"),
                )
            )
        except Exception as exc:
            findings.append(Finding("schema version", False, f"could not read: {exc}"))
        findings.append(_first_contact(engine))
        findings.append(_sync_state(engine))
        findings.append(_roles(engine, keyfile))
        findings.append(_audit_head(engine, keyfile))
        try:
            with Session(engine) as session:
                broken = audit.verify_chain(session)
            findings.append(
                Finding(
                    "audit chain",
                    broken is None,
                    "every row links to the one before"
                    if broken is None
                    else f"row {broken.row_id} {broken.reason}",
                )
            )
        except Exception as exc:
            findings.append(Finding("audit chain", False, f"could not read: {exc}"))
        findings.append(_signatures(engine, keyfile))
        findings.append(_exports(engine, published))
        if backups:
            findings.append(_backups(engine, keyfile.store_id, backups))
    finally:
        engine.dispose()
    return findings


# first_contact is kept by triggers (migration 0006); this is its definition, computed afresh.
FIRST_CONTACT_DRIFT_SQL = """
WITH fresh(person_id, first_on) AS (
    SELECT person_id, min(day) FROM (
        SELECT person_id, occurred_on AS day FROM conversation WHERE person_id IS NOT NULL
        UNION ALL
        SELECT a.person_id, c.occurred_on FROM conversation_attendee a
        JOIN conversation c ON c.id = a.conversation_id
    ) GROUP BY person_id
)
SELECT
    (SELECT count(*) FROM (
        SELECT person_id, first_on FROM fresh
        EXCEPT SELECT person_id, first_on FROM first_contact))
    + (SELECT count(*) FROM (
        SELECT person_id, first_on FROM first_contact
        EXCEPT SELECT person_id, first_on FROM fresh))
"""


def _sync_state(engine: Engine) -> Finding:
    """Whether the change log can be trusted to tell paired stores everything: each travelling
    row has its uid and origin, each table its change-log triggers, and the log holds every
    row there is and no deleted row that is still there."""
    name = "sync state"
    problems: list[str] = []
    try:
        with engine.connect() as conn:
            for table, n in missing_ids(conn).items():
                problems.append(f"{counted(n, 'row')} of {table} without a uid or origin")
            triggers = set(
                conn.exec_driver_sql(
                    "SELECT name FROM sqlite_master WHERE type = 'trigger'"
                ).scalars()
            )
            for table in TRAVELLING:
                absent = [e for e in EVENTS if changes.trigger_name(table, e) not in triggers]
                if absent:
                    problems.append(f"{table} changes are not logged ({', '.join(absent)})")
                unlogged = conn.exec_driver_sql(
                    f'SELECT count(*) FROM "{table}" AS t WHERE t.uid IS NOT NULL AND NOT '
                    "EXISTS (SELECT 1 FROM change_log AS c WHERE c.tbl = ? AND c.uid = t.uid "
                    "AND c.op != 'delete')",
                    (table,),
                ).scalar_one()
                if unlogged:
                    problems.append(f"{counted(unlogged, 'row')} of {table} not in the change log")
                # Latest by clock, not by arrival: a deletion that arrives after a revival
                # of the record (outreach.services.sync_revive) does not remove it.
                zombies = conn.exec_driver_sql(
                    f'SELECT count(*) FROM "{table}" AS t WHERE (SELECT c.op FROM change_log '
                    "AS c WHERE c.tbl = ? AND c.uid = t.uid AND c.op != 'update' "
                    "ORDER BY c.hlc DESC, c.origin DESC LIMIT 1) = 'delete'",
                    (table,),
                ).scalar_one()
                if zombies:
                    problems.append(f"{counted(zombies, 'row')} of {table} logged as deleted")
                differ, lost = _drift(conn, table)
                if differ:
                    fields = ", ".join(sorted(differ))
                    rows = len(set().union(*differ.values()))
                    problems.append(
                        f"{counted(rows, 'row')} of {table} {'differs' if rows == 1 else 'differ'}"
                        f" from the change log ({fields})"
                    )
                if lost:
                    problems.append(
                        f"{counted(lost, 'row')} of {table} in the change log but not in the store"
                    )
            logged, first, last = conn.exec_driver_sql(
                "SELECT count(*), min(seq), max(seq) FROM change_log"
            ).one()
            if logged and logged != last - first + 1:
                gap = last - first + 1 - logged
                problems.append(
                    f"{counted(gap, 'change')} missing from the change log between {first} and "
                    f"{last} (a paired store would never receive them)"
                )
    except Exception as exc:
        return Finding(name, False, f"could not read: {type(exc).__name__}: {exc}")
    if problems:
        return Finding(name, False, "; ".join(problems))
    return Finding(name, True, "every shared row has its id and is in the change log")


def _drift(conn: Connection, table: str) -> tuple[dict[str, set[str]], int]:
    """Rows of ``table`` whose values are not what the change log says, by field (field ->
    uids), and how many rows the log says are there that are not.

    The log is folded record by record in clock order, as every paired store applies it: an
    insert gives the whole record (a later one, a revival, brings a deleted record back), an
    update the fields it changed, a deletion removes it. One pass over the log and one over
    the table, both in uid order, so a large store is read once."""
    log = conn.exec_driver_sql(
        "SELECT uid, op, data, origin FROM change_log WHERE tbl = ? ORDER BY uid, hlc, origin",
        (table,),
    )
    rows = conn.exec_driver_sql(
        f"SELECT t.uid, t.origin, {changes.fields_sql(conn, table, 't')} "
        f'FROM "{table}" AS t WHERE t.uid IS NOT NULL ORDER BY t.uid'
    )
    # An account is each store's own: a record logged by one this store has no account for
    # is held here without it (see README, "Two laptops, one team").
    accounts = {
        row[3]
        for row in conn.exec_driver_sql(f'PRAGMA foreign_key_list("{table}")')
        if row[2] not in TRAVELLING
    }
    known = set(conn.exec_driver_sql("SELECT name FROM account").scalars()) if accounts else set()
    held = iter(rows)
    row = next(held, None)
    differ: dict[str, set[str]] = {}
    lost = 0

    def compare(uid: str, folded: dict[str, Any] | None) -> None:
        nonlocal row, lost
        while row is not None and row[0] < uid:
            row = next(held, None)
        if folded is None:
            return
        if row is None or row[0] != uid:
            lost += 1
            return
        now = {"origin": row[1], **json.loads(row[2])}
        for name, value in folded.items():
            if name in accounts and now[name] is None and value not in known:
                continue
            if name in now and now[name] != value:
                differ.setdefault(name, set()).add(uid)

    current: str | None = None
    record: dict[str, Any] | None = None
    for uid, op, data, origin in log:
        if uid != current:
            if current is not None:
                compare(current, record)
            current, record = uid, None
        if op == "delete":
            record = None
        elif op == "insert":
            record = {"origin": origin, **json.loads(data)}
        elif record is not None and data:
            record.update(json.loads(data))
    if current is not None:
        compare(current, record)
    return differ, lost


def _roles(engine: Engine, keyfile: keyslots.KeyFile) -> Finding:
    """Whether each account's role in data.db is the one an admin signed into its slot."""
    name = "roles"
    if not keyfile.authority:
        return Finding(name, True, "this store's slots carry no signed roles (made before them)")
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text("SELECT name, role FROM account WHERE removed_at IS NULL")
            ).all()
    except Exception as exc:
        return Finding(name, False, f"could not read: {type(exc).__name__}: {exc}")
    in_db = {str(r[0]): str(r[1]) for r in rows}
    problems = [
        f"account {s.account!r} is {in_db[s.account]} in data.db but {s.role} in its signed "
        "key slot (changed by hand; the signed role is the one that counts)"
        for s in keyfile.account_slots()
        if s.account in in_db and keyfile.certificate_ok(s) and in_db[s.account] != s.role
    ]
    if problems:
        return Finding(name, False, "; ".join(problems))
    return Finding(name, True, "every account's role is the one signed in its key slot")


def _audit_head(engine: Engine, keyfile: keyslots.KeyFile) -> Finding:
    """Whether data.db still holds the newest audit row keys.json recorded, unchanged."""
    name = "audit head"
    try:
        with Session(engine) as session:
            found = audit.missing_after(session, keyfile.audit_head)
    except Exception as exc:
        return Finding(name, False, f"could not read: {type(exc).__name__}: {exc}")
    if found is not None:
        return Finding(name, False, found[1])
    if not keyfile.audit_head:
        return Finding(name, True, "none recorded yet in keys.json")
    rid = int(str(keyfile.audit_head.get("id", 0)))
    try:
        with engine.connect() as conn:
            signed_by = conn.execute(
                text("SELECT signed_by FROM audit WHERE id = :id"), {"id": rid}
            ).scalar()
    except Exception as exc:
        return Finding(name, False, f"could not read: {type(exc).__name__}: {exc}")
    signers = keyfile.signers()
    problem = audit.verify_head(
        keyfile.store_id,
        keyfile.audit_head,
        signers,
        keyfile.authority_key(),
        row_signed=bool(signed_by),
    )
    try:
        with Session(engine) as session:
            problems = audit.verify_account_heads(
                session, keyfile.store_id, keyfile.account_heads, signers
            )
    except Exception as exc:
        return Finding(name, False, f"could not read: {type(exc).__name__}: {exc}")
    if problem is not None:
        problems.insert(0, problem)
    if problems:
        return Finding(name, False, "; ".join(problems))
    who = keyfile.audit_head.get("signed_by")
    by = f", signed by {who}" if who else " (not signed: written before audit rows were signed)"
    return Finding(name, True, f"row {rid} as recorded in keys.json{by}")


def _signatures(engine: Engine, keyfile: keyslots.KeyFile) -> Finding:
    """Whether every audit row is signed by its account's certified key."""
    name = "audit signatures"
    signers = keyfile.signers()
    if not signers:
        return Finding(
            name,
            True,
            "the audit is not signed: this store's accounts have no signing keys yet "
            "(made before audit rows were signed; an admin's next unlock gives them), and "
            + (
                "roles come from the signed key slots"
                if keyfile.authority
                else "roles come from data.db"
            ),
        )
    try:
        with Session(engine) as session:
            found = audit.verify_signatures(session, signers, keyfile.authority_key())
    except Exception as exc:
        return Finding(name, False, f"could not read: {type(exc).__name__}: {exc}")
    if found.problems:
        more = found.failed - len(found.problems)
        tail = f"; and {more} more row{'s' if more > 1 else ''}" if more else ""
        return Finding(name, False, "; ".join(found.problems) + tail)
    detail = (
        "its one row is signed and verifies"
        if found.signed == 1
        else f"all {found.signed} rows are signed and verify"
    )
    if found.unsigned:
        older = "1 older row was" if found.unsigned == 1 else f"{found.unsigned} older rows were"
        detail = (
            f"{found.signed} row{'s' if found.signed != 1 else ''} signed and verified; "
            f"{older} written before their account had a key"
        )
    return Finding(name, True, detail)


def _backups(engine: Engine, store_id: str, backups: Sequence[BackupHead]) -> Finding:
    """Whether the row each backup recorded as the audit head is still that row: a backup is a
    copy of the head from before any later rewrite, kept outside this store."""
    name = "backup heads"
    problems: list[str] = []
    held: list[str] = []
    try:
        with engine.connect() as conn:
            for backup in backups:
                if backup.store_id != store_id:
                    problems.append(f"{backup.label}: it is a backup of another store")
                    continue
                if backup.row_id is None or not backup.hash:
                    held.append(f"{backup.label} recorded no head")
                    continue
                found = conn.execute(
                    text("SELECT hash FROM audit WHERE id = :id"), {"id": backup.row_id}
                ).scalar()
                if found is None:
                    problems.append(
                        f"{backup.label}: its head, audit row {backup.row_id}, is no longer in "
                        "this store (rows were removed after the backup was made)"
                    )
                elif found != backup.hash:
                    problems.append(
                        f"{backup.label}: audit row {backup.row_id} is not the row it recorded "
                        f"(hash {backup.hash[:12]}…, now {str(found)[:12]}…): the audit was "
                        "rewritten after the backup was made"
                    )
                else:
                    held.append(f"{backup.label} at row {backup.row_id}")
    except Exception as exc:
        return Finding(name, False, f"could not read: {type(exc).__name__}: {exc}")
    if problems:
        return Finding(name, False, "; ".join(problems))
    return Finding(name, True, f"every backup's head is still in the chain ({'; '.join(held)})")


def _exports(engine: Engine, published: Sequence[PublishedHead]) -> Finding:
    """Whether the audit head each recorded export published, and each manifest given, is
    still in the chain."""
    name = "export heads"
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT e.period, e.audit_id, e.audit_head, a.hash, a.action "
                    "FROM export_record e LEFT JOIN audit a ON a.id = e.audit_id "
                    "ORDER BY e.audit_id"
                )
            ).all()
            in_chain = {
                head.head: conn.execute(
                    text("SELECT id FROM audit WHERE hash = :hash"), {"hash": head.head}
                ).scalar()
                for head in published
            }
    except Exception as exc:
        return Finding(name, False, f"could not read: {type(exc).__name__}: {exc}")
    given = [
        f"{head.label}: {head.problem}"
        if head.problem
        else f"{head.label}: its manifest's head {head.head[:12]}… is not in the audit chain"
        for head in published
        if head.problem or in_chain.get(head.head) is None
    ]
    if given:
        return Finding(name, False, "; ".join(given))
    problems = [
        f"the export of {period} (audit row {audit_id}) published the head "
        f"{str(published)[:12]}…, which is no longer in the audit chain"
        for period, audit_id, published, found, action in rows
        if published is not None and (found != published or action != "export")
    ]
    if problems:
        return Finding(name, False, "; ".join(problems))
    if published:
        found = "; ".join(f"{h.label} at row {in_chain[h.head]}" for h in published)
        recorded = f"{len(rows)} recorded" if rows else "none recorded"
        return Finding(name, True, f"every manifest's head is in the chain ({found}); {recorded}")
    if not rows:
        return Finding(name, True, "no exports recorded")
    if len(rows) == 1:
        return Finding(name, True, "the one export recorded published a head in the chain")
    return Finding(
        name, True, f"each of the {len(rows)} exports recorded published a head in the chain"
    )


def _first_contact(engine: Engine) -> Finding:
    """Whether the first-contact table agrees with the conversations it is derived from."""
    name = "first contacts"
    try:
        with engine.connect() as conn:
            drift = conn.execute(text(FIRST_CONTACT_DRIFT_SQL)).scalar_one()
    except Exception as exc:
        return Finding(name, False, f"could not read: {type(exc).__name__}: {exc}")
    if drift:
        disagree = (
            "1 row disagrees with the conversation it is derived from"
            if drift == 1
            else f"{drift} rows disagree with the conversations they are derived from"
        )
        return Finding(name, False, disagree)
    return Finding(name, True, "agree with the conversations")
