"""What other programs committed to an open store since it last looked, cheaply (the TUI polls
it to refresh its screens and to notice a store replaced underneath it)."""

from __future__ import annotations

from dataclasses import dataclass

from outreach.store.engine import (
    connect,
)
from outreach.store.transactions import OpenStore, file_identity


@dataclass(frozen=True)
class Changes:
    """What :meth:`Store.poll_changes` found since it last looked."""

    by: tuple[str, ...] = ()
    """Accounts (in order of first change) whose commits came from other programs."""
    replaced: bool = False
    """``data.db`` in the folder is no longer the file this store opened."""


class WatchedStore(OpenStore):
    """An open store that can say what other programs changed (:meth:`poll_changes`)."""

    def poll_changes(self) -> Changes | None:
        """What other programs committed since the last call (None: nothing), cheaply.

        Reads ``PRAGMA data_version`` on a connection kept for it, and only when that moved,
        the audit rows added since: changes whose rows this store wrote itself are left out.
        Also says when the store was replaced underneath this one. The first call only takes
        its bearings. Safe from any thread.
        """
        with self._watch_lock:
            if file_identity(self.db_path) != self._identity:
                return Changes(replaced=True)
            if self._watch_conn is None:
                self._watch_conn = connect(self.db_path, self._data_key)
            conn = self._watch_conn
            version = int(conn.execute("PRAGMA data_version").fetchone()[0])
            if version == self._seen_version:
                return None
            self._seen_version = version
            if not self._bearings:
                self._bearings = True
                newest = conn.execute("SELECT coalesce(max(id), 0) FROM audit").fetchone()[0]
                self._seen_audit = int(newest)
                self._own_audit = []
                return None
            rows = conn.execute(
                "SELECT audit.id, account.name FROM audit "
                "LEFT JOIN account ON account.id = audit.account_id "
                "WHERE audit.id > ? ORDER BY audit.id",
                (self._seen_audit,),
            ).fetchall()
            own, self._own_audit = self._own_audit, []
            if rows:
                self._seen_audit = int(rows[-1][0])
            names: dict[str, None] = {}
            for row_id, name in rows:
                if not any(lo < row_id <= hi for lo, hi in own):
                    names[name or "someone"] = None
            return Changes(by=tuple(names)) if names else None
