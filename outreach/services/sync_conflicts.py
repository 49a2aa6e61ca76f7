"""Conflicts between paired stores: found while a bundle is applied, resolved by a person.

**Concurrent.** A change C to field f of a record, arriving from peer P in a bundle that says
P had applied this store's change log up to ``received`` (its acknowledgement), is
*concurrent* with a change L to the same field held here, not made by C's own store nor by P,
when P cannot have known L when C was made:

- L is after ``received`` (P had not applied L from this store when it wrote the bundle)
  and P held no change from L's store as late as L (the bundle's ``known``: P may have had
  L by way of a third store), or
- L's clock is after C's (once P applies L its clock passes L's, so anything P made
  afterwards has a later clock: C, being earlier, was made before P knew L).

A concurrent pair whose values differ is a conflict. Neither value is lost: both, with their
clocks and stores, go into ``sync_conflict``. For a non-clinical field the later clock wins
provisionally (as every merge does); for a clinical field (``outreach.rules.clinical``) this
store keeps its own value. Either way the conflict stays open until a person resolves it.

**Never undone by a merge.** An incoming change that would delete a do-not-approach decision
or a ceasing, change one of their deciding fields, or add a decision that would come into
force over a do-not-approach, is held as a conflict whether or not it is concurrent, unless
it is itself a person's resolution of a conflict.

**Travelling.** A conflict row travels like the records (its id is derived from the record,
the field and the two changes, so two stores that find the same conflict hold one row). A
resolution writes the chosen value as a new change, with a new clock, and marks the conflict
resolved in the same transaction; both travel in the next bundle, and the other store applies
the value and closes the conflict there.

Values are kept only inside the encrypted store: never in the audit, a log or a message.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import Connection, select
from sqlmodel import col
from sqlmodel import select as sm_select

from outreach.clock import now
from outreach.model import DecisionKind, ScreeningEventKind, SyncConflict
from outreach.queries import do_not_approach
from outreach.rules.clinical import PROTECTED_FIELDS, is_clinical
from outreach.services.errors import ValidationError
from outreach.services.sync_rows import insert_row, local_id, local_values, travelling_row
from outreach.store.changes import log_change
from outreach.store.store import Store

_NAMESPACE = uuid.UUID("6f0d6f3e-8a52-4c38-9f55-2f1b0c6e6a11")


@dataclass
class Merge:
    """What applying one bundle needs to know to find conflicts."""

    conn: Connection
    received: int
    """The bundle's acknowledgement: this store's change-log seq the sender had applied."""
    known: dict[str, int] | None = None
    """The bundle's ``known``: for each store, the latest clock of its changes the sender held
    (None in a bundle written before bundles carried it)."""
    resolutions: set[tuple[int, str]] = field(default_factory=set)
    """``(clock, store)`` of the changes in the bundle that resolve a conflict."""
    contested: dict[tuple[int, str, str], tuple[int, str]] = field(default_factory=dict)
    """Each change a conflict in the bundle names, to the change it clashed with: the sender
    found the clash first, and this store keeps its side of it too."""
    sides: dict[tuple[int, str, str], Any] = field(default_factory=dict)
    """The value each change a conflict in the bundle names wrote to its field."""
    found: int = 0
    held: int = 0
    kept_out: set[str] = field(default_factory=set)
    """Fields of the change being applied that wait for a person (not written, not logged)."""


def resolutions_in(changes: list[list[Any]]) -> set[tuple[int, str]]:
    """The changes a bundle's conflict rows name as a person's resolution."""
    out = set()
    for table, _uid, _op, fields, _hlc, _origin in changes:
        if table == "sync_conflict" and fields and fields.get("resolution_clock") is not None:
            out.add((int(fields["resolution_clock"]), str(fields["resolution_store"])))
    return out


def contested_in(changes: list[list[Any]]) -> dict[tuple[int, str, str], tuple[int, str]]:
    """The pairs of clashing changes (and the field) the bundle's new conflict rows name,
    both ways."""
    out = {}
    for table, _uid, op, fields, _hlc, _origin in changes:
        if table == "sync_conflict" and op == "insert" and fields:
            kept = (int(fields["kept_clock"]), str(fields["kept_store"]))
            held = (int(fields["held_clock"]), str(fields["held_store"]))
            name = str(fields["field"])
            out[(*kept, name)], out[(*held, name)] = held, kept
    return out


def sides_in(changes: list[list[Any]]) -> dict[tuple[int, str, str], Any]:
    """The value each change named by the bundle's new conflict rows wrote to its field (a
    change the receiving store kept out, or holds only without that field, is known by it)."""
    out = {}
    for table, _uid, op, fields, _hlc, _origin in changes:
        if table == "sync_conflict" and op == "insert" and fields and fields.get("field"):
            name = str(fields["field"])
            for side in ("kept", "held"):
                if fields.get(f"{side}_value") is not None:
                    key = (int(fields[f"{side}_clock"]), str(fields[f"{side}_store"]), name)
                    out[key] = json.loads(fields[f"{side}_value"])
    return out


def _contested_here(m: Merge, hlc: int, origin: str, name: str) -> tuple[int, str] | None:
    """The change held here that a known conflict says ``(hlc, origin)`` clashed with on
    field ``name``."""
    other = m.contested.get((hlc, origin, name))
    if other is None:
        found = m.conn.exec_driver_sql(
            "SELECT kept_clock, kept_store FROM sync_conflict WHERE held_clock = ? "
            "AND held_store = ? AND field = ? UNION ALL SELECT held_clock, held_store "
            "FROM sync_conflict WHERE kept_clock = ? AND kept_store = ? AND field = ? LIMIT 1",
            (hlc, origin, name, hlc, origin, name),
        ).first()
        other = (int(found[0]), str(found[1])) if found else None
    if other is None:
        return None
    held = m.conn.exec_driver_sql(
        "SELECT 1 FROM change_log WHERE hlc = ? AND origin = ?", other
    ).first()
    return other if held else None


def is_held(conn: Connection, hlc: int, origin: str) -> bool:
    """Whether change ``(hlc, origin)``, not in the change log here, is one side of a clinical
    or protecting conflict this store holds: it was kept out when the conflict was found (or
    the conflict arrived first), so arriving again it is not new."""
    return (
        conn.exec_driver_sql(
            "SELECT 1 FROM sync_conflict WHERE clinical AND ((held_clock = ? AND held_store = ?) "
            "OR (kept_clock = ? AND kept_store = ?)) LIMIT 1",
            (hlc, origin, hlc, origin),
        ).first()
        is not None
    )


def protects(conn: Connection, table: str, rowid: int) -> bool:
    """Whether the record is a do-not-approach decision or a ceasing."""
    if table == "decision":
        kind = conn.exec_driver_sql("SELECT kind FROM decision WHERE rowid = ?", (rowid,)).scalar()
        return bool(kind == DecisionKind.do_not_approach.value)
    if table == "screening_event":
        event = conn.exec_driver_sql(
            "SELECT event FROM screening_event WHERE rowid = ?", (rowid,)
        ).scalar()
        return bool(event == ScreeningEventKind.ceased.value)
    return False


def would_end_do_not_approach(conn: Connection, fields: dict[str, Any]) -> bool:
    """Whether a new decision with ``fields`` (as they travel) would come into force over a
    do-not-approach: one is in force for her on the new decision's day."""
    kind = fields.get("kind")
    if kind == DecisionKind.do_not_approach.value or not fields.get("decided_on"):
        return False
    values = local_values(conn, "decision", {"person_id": fields.get("person_id")})
    if values["person_id"] is None:
        return False
    in_force = conn.execute(
        select(
            do_not_approach(
                person_id=values["person_id"],
                programme=fields.get("programme") or "cervical-screening",
                day=fields["decided_on"],
            )
        )
    ).scalar()
    return bool(in_force)


def _last_change(conn: Connection, table: str, uid: str, name: str | None) -> tuple[int, str]:
    """Clock and store of the latest change held here to the record (or to its field)."""
    found = conn.exec_driver_sql(
        "SELECT hlc, origin FROM change_log WHERE tbl = ? AND uid = ? "
        "AND (? IS NULL OR json_type(data, ?) IS NOT NULL) ORDER BY hlc DESC, origin DESC LIMIT 1",
        (table, uid, name, f'$."{name}"'),
    ).first()
    return (int(found[0]), str(found[1])) if found else (0, "")


def _first_insert(conn: Connection, table: str, uid: str) -> tuple[int, str]:
    """Clock and store of the change that first wrote the record (the same on every store that
    holds it, unlike its latest change)."""
    found = conn.exec_driver_sql(
        "SELECT hlc, origin FROM change_log WHERE tbl = ? AND uid = ? AND op = 'insert' "
        "ORDER BY hlc, origin LIMIT 1",
        (table, uid),
    ).first()
    return (int(found[0]), str(found[1])) if found else (0, "")


def concurrent_here(
    m: Merge, table: str, uid: str, name: str, hlc: int, origin: str, sender: str | None
) -> tuple[int, str] | None:
    """The latest change to field ``name`` held here that is concurrent with the incoming
    ``(hlc, origin)`` (see the module's docstring), as ``(clock, store)``; None if none is."""
    found = m.conn.exec_driver_sql(
        "SELECT hlc, origin, seq > ? FROM change_log WHERE tbl = ? AND uid = ? AND origin != ? "
        "AND origin IS NOT ? AND json_type(data, ?) IS NOT NULL "
        "AND (seq > ? OR hlc > ? OR (hlc = ? AND origin > ?)) "
        "ORDER BY hlc DESC, origin DESC",
        (m.received, table, uid, origin, sender, f'$."{name}"', m.received, hlc, hlc, origin),
    )
    for here_hlc, here_origin, unacknowledged in found:
        later = (here_hlc, here_origin) > (hlc, origin)
        # Not acknowledged by the sender from this store, yet held by it from a third store.
        unknown = m.known is None or int(here_hlc) > m.known.get(str(here_origin), 0)
        if later or (unacknowledged and unknown):
            return int(here_hlc), str(here_origin)
    return None


def known_clocks(conn: Connection) -> dict[str, int]:
    """For each store, the latest clock of its changes this store holds, or has held out as
    one side of a conflict (a bundle's ``known``)."""
    found = conn.exec_driver_sql(
        "SELECT origin, max(hlc) FROM change_log WHERE origin NOT LIKE 'conflict:%' "
        "GROUP BY origin UNION ALL SELECT held_store, max(held_clock) FROM sync_conflict "
        "GROUP BY held_store"
    )
    out: dict[str, int] = {}
    for origin, clock in found:
        if origin:
            out[str(origin)] = max(out.get(str(origin), 0), int(clock))
    return out


CONFLICT_ORIGIN = "conflict:"
"""The change that records a conflict is named by the conflict, not by the store that found
it (``origin`` is this prefix and the conflict's uid): every store that finds the same conflict
logs the very same change, so it travels once and is never applied twice."""


def conflict_uid(table: str, uid: str, name: str, op: str, *sides: tuple[int, str]) -> str:
    """The id of the conflict over field ``name`` of record ``uid`` between the changes
    ``sides`` (clock, store): the same on every store, whichever side it holds."""
    named = sorted(f"{clock}:{store}" for clock, store in sides)
    return str(uuid.uuid5(_NAMESPACE, "|".join([table, uid, name, op, *named])))


def record(
    m: Merge,
    *,
    table: str,
    uid: str,
    name: str,
    op: str,
    clinical: bool,
    kept: tuple[Any, int, str],
    held: tuple[Any, int, str],
    person_uid: str | None,
    concurrent: bool = True,
) -> None:
    """Keep a conflict (both values, clocks and stores), once, and log it so it travels.

    The row is the same whichever store finds it and whatever it held before: for two
    concurrent changes (``concurrent``) ``kept_*`` is the later one by clock, then store (the
    one in force for a non-clinical field on every store) and ``held_*`` the earlier; for a
    change held because it would end a do-not-approach or ceasing, ``held_*`` is that change
    and ``kept_*`` the record as it stands. Its id is derived from the record, the field and
    the change(s) it names; it is logged with the later change's clock (also its
    ``detected_at``) and an origin naming the conflict, so two stores log one change."""
    if concurrent:
        kept, held = sorted([kept, held], key=lambda side: (side[1], side[2]), reverse=True)
        cuid = conflict_uid(table, uid, name, op, kept[1:], held[1:])
        clock = kept[1]
    else:
        cuid = conflict_uid(table, uid, name, op, held[1:])
        clock = held[1]
    m.found += 1
    conn = m.conn
    if conn.exec_driver_sql("SELECT 1 FROM sync_conflict WHERE uid = ?", (cuid,)).first():
        return
    origin = CONFLICT_ORIGIN + cuid
    values = {
        "tbl": table,
        "row_uid": uid,
        "field": name,
        "op": op,
        "person_uid": person_uid,
        "clinical": clinical,
        "kept_value": json.dumps(kept[0], ensure_ascii=False),
        "kept_clock": kept[1],
        "kept_store": kept[2],
        "held_value": json.dumps(held[0], ensure_ascii=False),
        "held_clock": held[1],
        "held_store": held[2],
        "detected_at": (_at(clock) or now()).isoformat(sep=" "),
        "status": "open",
    }
    insert_row(conn, "sync_conflict", cuid, origin, values)
    rowid = local_id(conn, "sync_conflict", cuid)
    assert rowid is not None
    data = json.dumps(travelling_row(conn, "sync_conflict", rowid), ensure_ascii=False)
    conn.exec_driver_sql(
        "INSERT INTO change_log (tbl, uid, op, data, hlc, origin) VALUES "
        "('sync_conflict', ?, 'insert', ?, ?, ?)",
        (cuid, data, clock, origin),
    )


def _value_in_change(
    m: Merge, table: str, uid: str, name: str, side: tuple[int, str], *, default: Any
) -> Any:
    """The value of field ``name`` that the change ``side`` (clock, store) wrote to record
    ``uid``: from this store's log; else, for a change held here without that field (kept
    out as one side of a conflict), from a conflict that names it, in the bundle or here;
    ``default`` when neither knows it."""
    found = m.conn.exec_driver_sql(
        "SELECT data FROM change_log WHERE tbl = ? AND uid = ? AND hlc = ? AND origin = ? "
        "AND json_type(data, ?) IS NOT NULL LIMIT 1",
        (table, uid, side[0], side[1], f'$."{name}"'),
    ).first()
    if found:
        return json.loads(found[0]).get(name, default)
    if (*side, name) in m.sides:
        return m.sides[(*side, name)]
    named = m.conn.exec_driver_sql(
        "SELECT kept_value FROM sync_conflict WHERE tbl = ? AND row_uid = ? AND field = ? "
        "AND kept_clock = ? AND kept_store = ? UNION ALL SELECT held_value FROM sync_conflict "
        "WHERE tbl = ? AND row_uid = ? AND field = ? AND held_clock = ? AND held_store = ? "
        "LIMIT 1",
        (table, uid, name, *side, table, uid, name, *side),
    ).first()
    return json.loads(named[0]) if named and named[0] is not None else default


def _person_uid(table: str, uid: str, fields: dict[str, Any]) -> str | None:
    if table == "person":
        return uid
    value = fields.get("person_id")
    return str(value) if value is not None else None


def merge_field(
    m: Merge,
    *,
    table: str,
    uid: str,
    rowid: int,
    name: str,
    value: Any,
    hlc: int,
    origin: str,
    sender: str | None,
    newer_here: bool,
) -> bool:
    """Whether the incoming value of field ``name`` is written; a conflict it raises is kept."""
    conn = m.conn
    # Which store first wrote a record is its identity, not something a person decides: the
    # later clock takes it, as for any record, and no conflict is raised over it.
    if table == "sync_conflict" or name == "origin":
        return not newer_here
    protected = (
        (hlc, origin) not in m.resolutions
        and name in PROTECTED_FIELDS.get(table, frozenset())
        and protects(conn, table, rowid)
    )
    local = None
    if not protected:
        local = concurrent_here(m, table, uid, name, hlc, origin, sender) or _contested_here(
            m, hlc, origin, name
        )
    if not protected and local is None:
        return not newer_here
    row = travelling_row(conn, table, rowid)
    current = row.get(name)
    if current == value:
        return not newer_here
    person = _person_uid(table, uid, row)
    if local is None:
        record(
            m,
            table=table,
            uid=uid,
            name=name,
            op="update",
            clinical=True,
            kept=(current, *_last_change(conn, table, uid, name)),
            held=(value, hlc, origin),
            person_uid=person,
            concurrent=False,
        )
        m.held += 1
        m.kept_out.add(name)
        return False
    clinical = is_clinical(table, name)
    # The side held here is the value its own change wrote, not the row's value now: a change
    # forwarded by a third store may be paired with an earlier change than the one in force.
    here = _value_in_change(m, table, uid, name, local, default=current)
    if clinical or newer_here:
        kept, held = (here, *local), (value, hlc, origin)
    else:
        kept, held = (value, hlc, origin), (here, *local)
    record(
        m,
        table=table,
        uid=uid,
        name=name,
        op="update",
        clinical=clinical,
        kept=kept,
        held=held,
        person_uid=person,
    )
    if clinical:
        m.held += 1
        m.kept_out.add(name)
    return not clinical and not newer_here


def hold_deletion(m: Merge, table: str, uid: str, rowid: int, hlc: int, origin: str) -> bool:
    """Hold the deletion of a do-not-approach or a ceasing as a conflict (True if held)."""
    if (hlc, origin) in m.resolutions or not protects(m.conn, table, rowid):
        return False
    row = travelling_row(m.conn, table, rowid)
    record(
        m,
        table=table,
        uid=uid,
        name="",
        op="delete",
        clinical=True,
        kept=(row, *_first_insert(m.conn, table, uid)),
        held=(None, hlc, origin),
        person_uid=_person_uid(table, uid, row),
        concurrent=False,
    )
    m.held += 1
    return True


def hold_arrival(
    m: Merge, table: str, uid: str, fields: dict[str, Any], hlc: int, origin: str
) -> bool:
    """Hold a new decision that would end a do-not-approach as a conflict (True if held)."""
    if (hlc, origin) in m.resolutions or table != "decision":
        return False
    if not would_end_do_not_approach(m.conn, fields):
        return False
    record(
        m,
        table=table,
        uid=uid,
        name="",
        op="insert",
        clinical=True,
        kept=(None, 0, ""),
        held=(fields, hlc, origin),
        person_uid=_person_uid(table, uid, fields),
        concurrent=False,
    )
    m.held += 1
    return True


def update_held_arrival(m: Merge, table: str, uid: str, fields: dict[str, Any]) -> bool:
    """A later change to a record whose arrival is held joins the held record (True if so)."""
    found = m.conn.exec_driver_sql(
        "SELECT id, held_value FROM sync_conflict WHERE tbl = ? AND row_uid = ? AND op = 'insert' "
        "AND status = 'open'",
        (table, uid),
    ).first()
    if found is None:
        return False
    merged = json.dumps({**json.loads(found[1]), **fields}, ensure_ascii=False)
    if merged != found[1]:
        m.conn.exec_driver_sql(
            "UPDATE sync_conflict SET held_value = ? WHERE id = ?", (merged, found[0])
        )
        cuid = m.conn.exec_driver_sql(
            "SELECT uid FROM sync_conflict WHERE id = ?", (found[0],)
        ).scalar_one()
        log_change(m.conn, "sync_conflict", cuid, "update", json.dumps({"held_value": merged}))
    m.held += 1
    return True


# -- Reading and resolving -------------------------------------------------------------------


Side = Literal["here", "theirs"]


@dataclass(frozen=True)
class ConflictView:
    """One conflict as a person reads it: ``here`` is this laptop's side."""

    id: int
    table: str
    person_ref: str | None
    field: str
    op: str
    clinical: bool
    status: str
    here_value: Any
    here_store: str
    here_at: datetime | None
    theirs_value: Any
    theirs_store: str
    theirs_at: datetime | None
    held_here: bool
    """True when the value in force here is ``theirs`` (a later clock won provisionally)."""
    resolved_by: str | None = None
    resolved_at: datetime | None = None
    settled_with: tuple[int, ...] = ()
    """Other conflicts on the same field that the same choice closed (from :func:`resolve`)."""


def _at(clock: int) -> datetime | None:
    """A change's clock (milliseconds since 1970, UTC) as the time it was made."""
    if not clock:
        return None
    # Whole milliseconds, not a float's rounding: the same instant on every store.
    return datetime.fromtimestamp(clock // 1000, UTC).replace(microsecond=clock % 1000 * 1000)


def _site_names(conn: Connection) -> dict[str, str]:
    names = {
        str(r[0]): str(r[1])
        for r in conn.exec_driver_sql(
            "SELECT store_id, site FROM sync_peer WHERE store_id IS NOT NULL"
        )
    }
    mine = conn.exec_driver_sql("SELECT store_id FROM site").scalar_one()
    names[str(mine)] = "this laptop"
    return names


def _sides(c: SyncConflict, store_id: str, current: Any) -> tuple[bool, bool]:
    """(here is the kept side, this store holds the kept value now)."""
    if c.kept_store == store_id:
        here_kept = True
    elif c.held_store == store_id:
        here_kept = False
    else:
        here_kept = current != _loads(c.held_value)
    return here_kept, current == _loads(c.kept_value)


def _loads(text: str | None) -> Any:
    return json.loads(text) if text is not None else None


def conflicts(store: Store, *, include_resolved: bool = False) -> list[ConflictView]:
    """The conflicts this store holds, open ones only unless ``include_resolved``, oldest
    first."""
    with store.read() as session:
        conn = session.connection()
        names = _site_names(conn)
        store_id = conn.exec_driver_sql("SELECT store_id FROM site").scalar_one()
        query = sm_select(SyncConflict).order_by(col(SyncConflict.id))
        if not include_resolved:
            query = query.where(SyncConflict.status == "open")
        out = []
        for c in session.exec(query).all():
            rowid = local_id(conn, c.tbl, c.row_uid)
            row = travelling_row(conn, c.tbl, rowid) if rowid is not None else None
            current = (row or {}).get(c.field) if c.field else row
            here_kept, _ = _sides(c, store_id, current)
            ref = None
            if c.person_uid:
                ref = conn.exec_driver_sql(
                    "SELECT ref FROM person WHERE uid = ?", (c.person_uid,)
                ).scalar()
            here = (c.kept_value, c.kept_store, c.kept_clock)
            there = (c.held_value, c.held_store, c.held_clock)
            if not here_kept:
                here, there = there, here
            out.append(
                ConflictView(
                    id=int(c.id or 0),
                    table=c.tbl,
                    person_ref=ref,
                    field=c.field,
                    op=c.op,
                    clinical=c.clinical,
                    status=c.status,
                    here_value=_loads(here[0]),
                    here_store=names.get(here[1], here[1] or "this laptop"),
                    here_at=_at(here[2]),
                    theirs_value=_loads(there[0]),
                    theirs_store=names.get(there[1], there[1] or "another laptop"),
                    theirs_at=_at(there[2]),
                    held_here=c.field != "" and current == _loads(there[0]),
                    resolved_by=c.resolved_by,
                    resolved_at=c.resolved_at,
                )
            )
        return out


def open_count(store: Store) -> int:
    """How many conflicts wait for a person."""
    with store.read() as session:
        return int(
            session.connection()
            .exec_driver_sql("SELECT count(*) FROM sync_conflict WHERE status = 'open'")
            .scalar_one()
        )


def resolve(store: Store, conflict_id: int, keep: str) -> ConflictView:
    """Resolve an open conflict by keeping this laptop's side (``here``) or the other's
    (``theirs``): one action, audited (the conflict's id and which side, never the values).
    The chosen value is written as a new change and the conflict closed; both travel to the
    paired stores in the next bundle."""
    if keep not in ("here", "theirs"):
        raise ValidationError("keep", f"{keep!r} is not a side", hint="here or theirs")
    with store.action("sync.resolve", entity="sync_conflict") as act:
        session = act.session
        conn = session.connection()
        c = session.get(SyncConflict, conflict_id)
        if c is None:
            raise ValidationError(
                "conflict",
                f"there is no conflict {conflict_id}",
                hint="see outreach sync conflicts",
            )
        if c.status != "open":
            raise ValidationError(
                "conflict",
                f"conflict {conflict_id} was already resolved by {c.resolved_by}",
                hint="see outreach sync conflicts --all",
            )
        store_id = conn.exec_driver_sql("SELECT store_id FROM site").scalar_one()
        rowid = local_id(conn, c.tbl, c.row_uid)
        row = travelling_row(conn, c.tbl, rowid) if rowid is not None else None
        current = (row or {}).get(c.field) if c.field else row
        here_kept, _ = _sides(c, store_id, current)
        chose_kept = here_kept == (keep == "here")
        chosen = c.kept_value if chose_kept else c.held_value
        conn.exec_driver_sql("UPDATE sync_clock SET applying = 1")
        if c.op == "update":
            value = _loads(chosen)
            if rowid is not None:
                values = local_values(conn, c.tbl, {c.field: value})
                conn.exec_driver_sql(
                    f'UPDATE "{c.tbl}" SET "{c.field}" = ? WHERE rowid = ?',
                    (values[c.field], rowid),
                )
            hlc, origin = log_change(
                conn, c.tbl, c.row_uid, "update", json.dumps({c.field: value}, ensure_ascii=False)
            )
        elif (c.op == "insert") == (not chose_kept):
            # The held record arrives (a new decision kept), or a held deletion is refused:
            # either way the record is written out whole again, so every store holds it.
            fields = _loads(c.held_value) if c.op == "insert" else (row or _loads(c.kept_value))
            if rowid is None:
                insert_row(conn, c.tbl, c.row_uid, c.held_store or store_id, fields)
            hlc, origin = log_change(
                conn, c.tbl, c.row_uid, "insert", json.dumps(fields, ensure_ascii=False)
            )
        else:
            # The record goes: a held new decision is not kept, or a held deletion is.
            if rowid is not None:
                conn.exec_driver_sql(f'DELETE FROM "{c.tbl}" WHERE rowid = ?', (rowid,))
            hlc, origin = log_change(conn, c.tbl, c.row_uid, "delete", None)
        conn.exec_driver_sql("UPDATE sync_clock SET applying = 0")
        # One choice settles the field: three laptops that each changed it leave several
        # conflicts open on it, and the value now written answers them all.
        others = (
            session.exec(
                sm_select(SyncConflict).where(
                    SyncConflict.tbl == c.tbl,
                    SyncConflict.row_uid == c.row_uid,
                    SyncConflict.field == c.field,
                    SyncConflict.op == "update",
                    SyncConflict.status == "open",
                    SyncConflict.id != c.id,
                )
            ).all()
            if c.op == "update"
            else []
        )
        for settled in (c, *others):
            settled.status = "resolved"
            settled.resolved_value = chosen
            settled.resolved_by = store.actor.name
            settled.resolved_at = now()
            settled.resolution_clock = hlc
            settled.resolution_store = origin
            session.add(settled)
        session.flush()
        act.names(
            c.id,
            [
                f"kept={keep}",
                f"table={c.tbl}",
                f"field={c.field or c.op}",
                *(f"also={o.id}" for o in others),
            ],
        )
    view = next(v for v in conflicts(store, include_resolved=True) if v.id == conflict_id)
    return replace(view, settled_with=tuple(int(o.id or 0) for o in others))


# -- In words ---------------------------------------------------------------------------------

RECORDS = {
    "person": "person",
    "stay": "stay",
    "unit": "unit",
    "mentor": "mentor",
    "screening_event": "screening step",
    "decision": "decision",
    "follow_up": "follow-up",
    "target": "target",
    "conversation": "conversation",
    "conversation_mentor": "conversation's mentor",
    "conversation_barrier": "conversation's barrier",
    "conversation_attendee": "conversation's attendee",
}
FIELDS = {
    "hpv": "HPV result",
    "cytology": "cytology result",
    "action": "action from the result",
    "occurred_on": "date",
    "decided_on": "date decided",
    "revisit_on": "revisit date",
    "has_cervix": "programme applies",
    "date_of_birth": "date of birth",
    "display_name": "name",
    "due_on": "due date",
    "done_on": "done on",
    "kind": "decision",
    "event": "step",
}


def _code(value: str) -> str:
    """A stored code in words (``do_not_approach`` → "do not approach"); other text as is."""
    return (
        value.replace("_", " ") if value.replace("_", "").isalpha() and value.islower() else value
    )


def value_words(value: Any) -> str:
    """A field's value, or a whole record's, as a person reads it."""
    if value is None:
        return "(empty)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict):
        what = value.get("kind") or value.get("event") or value.get("reason") or "record"
        day = value.get("decided_on") or value.get("occurred_on") or value.get("due_on")
        return _code(str(what)) + (f" on {day}" if day else "")
    return _code(str(value))


def conflict_words(view: ConflictView) -> tuple[str, str, str]:
    """(what clashed, this side in words, the other side in words)."""
    record_name = RECORDS.get(view.table, view.table.replace("_", " "))
    if view.op == "update":
        what = f"{record_name}: {FIELDS.get(view.field, view.field.replace('_', ' '))}"
        return what, value_words(view.here_value), value_words(view.theirs_value)
    absent = "deleted" if view.op == "delete" else "not added"

    def side(value: Any) -> str:
        return absent if value is None else value_words(value)

    what = (
        f"{record_name} deleted on one side"
        if view.op == "delete"
        else f"new {record_name} over a do-not-approach"
    )
    return what, side(view.here_value), side(view.theirs_value)
