"""Sync between a team's laptops through files: pairing, bundles out, bundles in.

A bundle carries every change of this store's change log (``outreach.store.changes``) that the
peer has not acknowledged, sealed by this store to the peer's card (``outreach.store.sealed``,
kind ``sync-bundle/1``) with the sender's bundle number, schema revision, the hash of the
previous bundle it sent that peer, an expiry, and how far the sender has applied the peer's
own changes (the acknowledgement the peer's next bundle is cut by).

Applying is one transaction with its audit row. A change already in the log (same clock and
origin) is skipped, so a bundle applied twice, out of order or after a later one changes
nothing further. Fields are merged one by one: a field takes the incoming value unless this
store holds a later change to that same field (clock, then origin, decides). When both stores
changed the same field without having seen each other's change, both values are kept as a
conflict for a person, a clinical field keeps this store's value meanwhile, and a
do-not-approach or ceasing is never ended by a merge (``outreach.services.sync_conflicts``).
"""

from __future__ import annotations

import hashlib
import json
import zlib
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from outreach.clock import now, today
from outreach.model import SyncBundleIn, SyncPeer
from outreach.model.identity import TRAVELLING
from outreach.services.errors import ValidationError
from outreach.services.site import open_for, own_card, seal_for
from outreach.services.sync_conflicts import (
    CONFLICT_ORIGIN,
    Merge,
    contested_in,
    hold_arrival,
    hold_deletion,
    is_held,
    known_clocks,
    merge_field,
    resolutions_in,
    sides_in,
    update_held_arrival,
)
from outreach.services.sync_revive import (
    begin,
    gone_here,
    keep,
    later_insert_here,
    needed_here,
    revive,
)
from outreach.services.sync_rows import insert_row, local_id, local_values
from outreach.store.migrations import head_revision
from outreach.store.sealed import SiteCard
from outreach.store.store import Store

KIND = "sync-bundle/1"
FORMAT = "outreach-sync/1"
EXPIRY_DAYS = 30
"""How long a bundle may wait on a USB stick before it is refused as stale."""


@dataclass(frozen=True)
class Paired:
    site: str
    fingerprint: str
    own_fingerprint: str
    again: bool


@dataclass(frozen=True)
class Written:
    peer: str
    number: int
    changes: int
    size: int


@dataclass
class Applied:
    """What an import did: ``applied`` new changes, ``known`` already held (skipped)."""

    peer: str
    number: int
    applied: int = 0
    known: int = 0
    kept_local: int = 0
    conflicts: int = 0
    """Conflicts found (both values kept for a person: ``outreach sync conflicts``)."""
    held: int = 0
    """Incoming values not written: clinical, or ending a do-not-approach or ceasing."""
    replay: bool = False
    """This very bundle was applied before: nothing was done."""
    missed: int | None = None
    """The number of the bundle before this one, never applied here, whose changes this one
    carries too (None when the chain is whole)."""
    authors: int = 0
    """Authors of applied changes with no account here, kept by name (``author_id``)."""
    tables: dict[str, int] = field(default_factory=dict)
    origins: dict[str, list[int]] = field(default_factory=dict)
    """Per store that made the applied changes: how many, and their first and last clocks."""


def pair(store: Store, card_bytes: bytes) -> Paired:
    """Keep a peer's card (from ``outreach keys export-card``) so bundles can be sealed to it
    and its bundles accepted. Pairing the same card again changes nothing."""
    card = SiteCard.from_bytes(card_bytes)
    mine = own_card(store)
    if card.fingerprint == mine.fingerprint:
        raise ValidationError(
            "card", "this is this store's own card", hint="use the other laptop's"
        )
    with store.action("sync.pair", entity="sync_peer") as act:
        found = act.session.exec(
            select(SyncPeer).where(SyncPeer.fingerprint == card.fingerprint)
        ).first()
        if found is not None:
            act.unchanged()
            return Paired(found.site, found.fingerprint, mine.fingerprint, again=True)
        peer = SyncPeer(
            site=card.site,
            fingerprint=card.fingerprint,
            card=card.to_bytes().decode("utf-8"),
            paired_at=now(),
        )
        act.session.add(peer)
        act.session.flush()
        act.names(peer.id, ["site", "fingerprint"])
    return Paired(card.site, card.fingerprint, mine.fingerprint, again=False)


def peers(store: Store) -> list[SyncPeer]:
    with store.read() as session:
        return list(session.exec(select(SyncPeer).order_by(col(SyncPeer.id))).all())


def _peer(session: Any, name: str) -> SyncPeer:
    wanted = name.strip().casefold()
    found = [
        p
        for p in session.exec(select(SyncPeer)).all()
        if wanted in (p.site.casefold(), p.fingerprint.casefold())
    ]
    if len(found) != 1:
        raise ValidationError(
            "peer",
            f"no paired store is called {name!r}" if not found else f"{name!r} names several",
            hint="see outreach sync peers; pair with outreach sync pair CARD-FILE",
        )
    return found[0]


def export_bundle(
    store: Store, peer_name: str, *, expires_in: int = EXPIRY_DAYS, everything: bool = False
) -> tuple[bytes, Written]:
    """The sealed bundle of every change ``peer_name`` has not acknowledged (``everything``:
    every change this store holds, for a peer that refused a bundle as missing some)."""
    with store.action("sync.export", entity="sync_peer") as act:
        conn = act.session.connection()
        peer = _peer(act.session, peer_name)
        store_id = conn.exec_driver_sql("SELECT store_id FROM site").scalar_one()
        start = 0 if everything else peer.acknowledged
        upto = conn.exec_driver_sql(
            "SELECT coalesce(max(seq), ?) FROM change_log", (start,)
        ).scalar_one()
        # The peer's own changes are left out: it made them, so it holds them.
        rows = conn.exec_driver_sql(
            "SELECT seq, tbl, uid, op, data, hlc, origin FROM change_log WHERE seq > ? "
            "AND origin IS NOT ? ORDER BY seq",
            (start, peer.store_id),
        ).all()
        number = peer.bundles_sent + 1
        payload = {
            "format": FORMAT,
            "store": store_id,
            "number": number,
            "schema": head_revision(),
            "previous": peer.last_sent_hash,
            "expires": (today() + timedelta(days=expires_in)).isoformat(),
            "from_seq": start,
            "upto": upto,
            "received": peer.received,
            "known": known_clocks(conn),
            "changes": [
                [tbl, uid, op, json.loads(data) if data else None, hlc, origin]
                for _, tbl, uid, op, data, hlc, origin in rows
            ],
        }
        body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        # Compressed before sealing (sealed bytes do not compress): a demo store's first
        # bundle shrinks to a fraction, and a big one still fits a FAT32 stick.
        sealed = seal_for(
            store, zlib.compress(body, 9), kind=KIND, to=SiteCard.from_bytes(peer.card.encode())
        )
        peer.bundles_sent = number
        peer.last_sent_hash = hashlib.sha256(sealed).hexdigest()
        act.session.add(peer)
        act.names(peer.id, ["bundles_sent", "last_sent_hash"])
    return sealed, Written(peer.site, number, len(rows), len(sealed))


def import_bundle(store: Store, data: bytes) -> Applied:
    """Verify a bundle and apply the changes this store does not hold, in one transaction.

    Refused (ValidationError, nothing changed) when it is not a bundle, was altered, is
    addressed to another store, comes from a store not paired with this one, has expired, or
    was written by a newer schema."""
    opened = open_for(store, data, kind=KIND)
    try:
        payload = json.loads(_unpacked(opened.payload).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, zlib.error):
        raise ValidationError("file", "the bundle's contents are not readable") from None
    if payload.get("format") != FORMAT:
        raise ValidationError("file", "this bundle's format is not one this outreach reads")
    if date.fromisoformat(payload["expires"]) < today():
        raise ValidationError(
            "file",
            f"this bundle expired on {payload['expires']}",
            hint="ask the other laptop for a new one (outreach sync export)",
        )
    if str(payload["schema"]) > head_revision():
        raise ValidationError(
            "file", "this bundle was written by a newer outreach", hint="upgrade outreach first"
        )
    with store.action("sync.import", entity="sync_peer") as act:
        conn = act.session.connection()
        peers_found = act.session.exec(
            select(SyncPeer).where(SyncPeer.fingerprint == opened.sender.fingerprint)
        ).all()
        if not peers_found:
            raise ValidationError(
                "file",
                f"this bundle comes from {opened.sender.site} "
                f"({opened.sender.fingerprint}), which is not paired with this store",
                hint="pair first: outreach sync pair CARD-FILE",
            )
        peer = peers_found[0]
        if peer.store_id not in (None, payload["store"]):
            raise ValidationError("file", "this bundle names another store than its card's")
        report = Applied(peer.site, int(payload["number"]))
        digest = hashlib.sha256(data).hexdigest()
        if _chain(act.session, peer, payload, digest, report):
            # Nothing is applied; the audit row notes that the bundle was seen again.
            report.known = len(payload["changes"])
            act.names(peer.id, [f"origin={payload['store']}", f"bundle={report.number}", "replay"])
            return report
        authors_before = conn.exec_driver_sql("SELECT count(*) FROM author_elsewhere").scalar_one()
        merge = Merge(
            conn,
            int(payload["received"]),
            known=payload.get("known"),
            resolutions=resolutions_in(payload["changes"]),
            contested=contested_in(payload["changes"]),
            sides=sides_in(payload["changes"]),
        )
        conn.exec_driver_sql("UPDATE sync_clock SET applying = 1")
        begin(conn, payload["changes"])
        for change in payload["changes"]:
            _apply(merge, change, payload["store"], report)
        report.conflicts, report.held = merge.found, merge.held
        conn.exec_driver_sql("UPDATE sync_clock SET applying = 0")
        newest = max((c[4] for c in payload["changes"]), default=0)
        conn.exec_driver_sql("UPDATE sync_clock SET last = max(last, ?)", (newest,))
        peer.store_id = payload["store"]
        if int(payload["from_seq"]) <= peer.received:  # no gap: everything up to here held
            peer.received = max(peer.received, int(payload["upto"]))
        peer.acknowledged = max(peer.acknowledged, int(payload["received"]))
        peer.bundles_received = max(peer.bundles_received, report.number)
        peer.last_received_hash = digest
        act.session.add(peer)
        assert peer.id is not None
        act.session.add(
            SyncBundleIn(
                peer_id=peer.id,
                number=report.number,
                hash=digest,
                from_seq=int(payload["from_seq"]),
                upto=int(payload["upto"]),
                applied_at=now(),
            )
        )
        report.authors = (
            conn.exec_driver_sql("SELECT count(*) FROM author_elsewhere").scalar_one()
            - authors_before
        )
        # The audit row names the origin store, the bundle and its newest clock.
        act.names(
            peer.id,
            [
                f"origin={payload['store']}",
                f"bundle={report.number}",
                f"clock<={newest}",
                f"changes={report.applied}",
                f"conflicts={report.conflicts}",
                *([f"missed={report.missed}"] if report.missed is not None else []),
                *([f"authors_kept={report.authors}"] if report.authors else []),
                # Each applied change stays in the change log with its origin and clock;
                # the audit row names, per origin store, how many and their clock range.
                *(f"from={o}:{n}@{lo}..{hi}" for o, (n, lo, hi) in sorted(report.origins.items())),
            ],
        )
    return report


def _chain(
    session: Any, peer: SyncPeer, payload: dict[str, Any], digest: str, report: Applied
) -> bool:
    """Check the bundle's place in the chain of bundles from ``peer``; True for a replay.

    A bundle already applied (its hash is known) is a replay: it changes nothing and says so.
    A bundle whose previous one was never applied here (its hash is not one this store has
    applied) is applied only when it carries every change since the last this store applied
    from that peer (bundles carry everything not acknowledged, so a lost bundle's changes are
    in the next one): the safer of the two choices, since a bundle that does not is refused
    with what is missing, and nothing is applied out of a broken chain. Refusing every gap
    would stop two laptops for good whenever a stick is lost."""
    applied = set(
        session.exec(select(SyncBundleIn.hash).where(SyncBundleIn.peer_id == peer.id)).all()
    )
    if peer.last_received_hash:
        applied.add(peer.last_received_hash)
    if digest in applied:
        report.replay = True
        return True
    previous = str(payload.get("previous") or "")
    if previous and previous not in applied:
        report.missed = report.number - 1
    if int(payload["from_seq"]) > peer.received:
        missing = (
            f"bundle {report.number - 1} from {peer.site} never arrived here"
            if report.missed is not None
            else f"a bundle before this one from {peer.site} is not applied here"
        )
        raise ValidationError(
            "file",
            f"{missing}, and this one (bundle {report.number}) does not carry its changes: "
            f"that laptop's changes {peer.received + 1} to {payload['from_seq']} are missing",
            hint=f"on that laptop, write one with everything: outreach sync export --to "
            f'"{_own_site(session)}" --all FILE; nothing was applied',
        )
    return False


def _own_site(session: Any) -> str:
    return str(session.connection().exec_driver_sql("SELECT name FROM site").scalar_one())


def _unpacked(body: bytes) -> bytes:
    """A bundle's payload as JSON: zlib-compressed since compression came in, plain before."""
    return body if body[:1] == b"{" else zlib.decompress(body)


def _revive(conn: Connection, table: str, uid: str) -> int | None:
    """A record deleted here that a change refers to comes back (sync_revive)."""
    return revive(conn, table, uid, _insert)


def _values(conn: Connection, table: str, fields: dict[str, Any], origin: str) -> dict[str, Any]:
    """A change's fields as this store's columns; an author with no account here is kept by
    name (``sync_rows.author_id``)."""
    return local_values(conn, table, fields, origin, revive=_revive)


def _insert(conn: Connection, table: str, uid: str, origin: str, fields: dict[str, Any]) -> None:
    """Write a record that came from another store, with its uid and the origin it names (a
    revival names the record's own) or the change's."""
    insert_row(conn, table, uid, fields.get("origin") or origin, fields, revive=_revive)


def _newer_here(conn: Connection, table: str, uid: str, name: str, hlc: int, origin: str) -> bool:
    """Whether this store holds a later change to field ``name`` of the row (or its deletion)."""
    return (
        conn.exec_driver_sql(
            "SELECT 1 FROM change_log WHERE tbl = ? AND uid = ? AND (hlc > ? OR "
            "(hlc = ? AND origin > ?)) AND (op = 'delete' OR json_type(data, ?) IS NOT NULL) "
            "LIMIT 1",
            (table, uid, hlc, hlc, origin, f'$."{name}"'),
        ).first()
        is not None
    )


def _apply(m: Merge, change: list[Any], sender: str | None, report: Applied) -> None:
    table, uid, op, fields, hlc, origin = change
    if table not in TRAVELLING:
        raise ValidationError("file", f"the bundle changes {table!r}, which never travels")
    conn = m.conn
    known = conn.exec_driver_sql(
        "SELECT 1 FROM change_log WHERE hlc = ? AND origin = ?", (hlc, origin)
    ).first()
    if known is not None or is_held(conn, hlc, origin):
        report.known += 1
        return
    rowid = local_id(conn, table, uid)
    logged = fields
    if op == "delete":
        # A deletion wins over any change to the row, but not over rows here that still
        # refer to it, nor over a later revival of it (sync_revive): every store ends alike.
        # A do-not-approach or a ceasing waits for a person.
        if rowid is not None and not later_insert_here(conn, table, uid, hlc, origin):
            if hold_deletion(m, table, uid, rowid, hlc, origin):
                return
            if needed_here(conn, table, rowid):
                keep(conn, table, uid, rowid, hlc)
            else:
                conn.exec_driver_sql(f'DELETE FROM "{table}" WHERE rowid = ?', (rowid,))
    elif rowid is None:
        if op == "update" and update_held_arrival(m, table, uid, fields):
            return
        if not gone_here(conn, table, uid, op, hlc, origin):
            if op == "insert" and hold_arrival(m, table, uid, fields, hlc, origin):
                return
            try:
                _insert(conn, table, uid, origin, fields)
            except IntegrityError:
                raise ValidationError(
                    "file",
                    f"a {table.replace('_', ' ')} in the bundle clashes with one this store "
                    "already holds (the same reference entered on both laptops)",
                    hint="nothing was applied; correct one of them, then sync again",
                ) from None
    else:
        m.kept_out.clear()
        wanted = {
            n: v
            for n, v in fields.items()
            if merge_field(
                m,
                table=table,
                uid=uid,
                rowid=rowid,
                name=n,
                value=v,
                hlc=hlc,
                origin=origin,
                sender=sender,
                newer_here=_newer_here(conn, table, uid, n, hlc, origin),
            )
        }
        if len(wanted) < len(fields):
            report.kept_local += len(fields) - len(wanted)
        # A value waiting for a person (a clinical conflict, a do-not-approach or ceasing) is
        # not logged as if this store held it; one older than a change here is, as it was.
        logged = {n: v for n, v in fields.items() if n not in m.kept_out}
        if wanted:
            values = _values(conn, table, wanted, origin)
            sets = ", ".join(f'"{n}" = ?' for n in values)
            conn.exec_driver_sql(
                f'UPDATE "{table}" SET {sets} WHERE rowid = ?', (*values.values(), rowid)
            )
    conn.exec_driver_sql(
        "INSERT INTO change_log (tbl, uid, op, data, hlc, origin) VALUES (?, ?, ?, ?, ?, ?)",
        (table, uid, op, json.dumps(logged) if logged is not None else None, hlc, origin),
    )
    if table == "sync_conflict" and op == "insert" and rowid is not None:
        # Two stores found the same conflict: like any record, it belongs to the store that
        # wrote it first (by clock), on every store.
        conn.exec_driver_sql(
            "UPDATE sync_conflict SET origin = (SELECT origin FROM change_log WHERE "
            "tbl = 'sync_conflict' AND uid = ? AND op = 'insert' ORDER BY hlc, origin LIMIT 1) "
            "WHERE rowid = ?",
            (uid, rowid),
        )
    report.applied += 1
    report.tables[table] = report.tables.get(table, 0) + 1
    # The conflicts a bundle carries are named by themselves, not a store: counted together.
    by = "conflicts" if origin.startswith(CONFLICT_ORIGIN) else origin
    seen = report.origins.setdefault(by, [0, hlc, hlc])
    seen[0], seen[1], seen[2] = seen[0] + 1, min(seen[1], hlc), max(seen[2], hlc)
