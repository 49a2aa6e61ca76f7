"""``outreach check``: does a store hold together? Each finding names what is wrong."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, text
from sqlmodel import Session

from outreach.store import audit, keyslots
from outreach.store.engine import connect, make_engine
from outreach.store.errors import StoreDamaged
from outreach.store.migrations import current_revision, head_revision


@dataclass(frozen=True)
class Finding:
    name: str
    ok: bool
    detail: str


def check_store(folder: Path, data_key: bytes, keyfile: keyslots.KeyFile) -> list[Finding]:
    """Run every check on fresh connections (a damaged page poisons later checks on the same
    connection). Never changes the store."""
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
    return Finding(name, True, f"row {keyfile.audit_head.get('id')} as recorded in keys.json")


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
