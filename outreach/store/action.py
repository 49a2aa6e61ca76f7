"""One write use case in progress: the transaction it writes through and the audit row it leaves.

Every write use case is one function taking an :class:`Actions` (a :class:`~outreach.store.
store.Store`, or an :class:`Action` already under way) and a small frozen command. It opens its
action with ``on.action(name, entity=...)``:

- on a store, that checks the acting account's role, opens one write transaction and, when
  the block ends cleanly, appends the action's audit row in that same transaction;
- inside another action (a conversation recording a decision), or inside a transaction that
  audits itself (an import, the demo build: :meth:`Action.within`), it runs in that
  transaction and leaves no audit row of its own, as the outer work names what it did.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from sqlmodel import Session


class Actions(Protocol):
    """Where a use case can run: a store (its own audited transaction) or an action."""

    def action(self, name: str, *, entity: str = "") -> AbstractContextManager[Action]: ...


@dataclass
class Action:
    """A write under way: what it writes through, and what its audit row will say.

    ``name`` and ``entity`` are the audit row's action and kind of record; the use case sets
    :attr:`entity_id` and :attr:`fields` (:meth:`names`) once it knows them.
    """

    session: Session
    actor_id: int | None
    name: str = ""
    entity: str = ""
    entity_id: int | None = None
    fields: list[str] = field(default_factory=list)
    audited: bool = True
    """False inside work that writes its own audit row (an outer action, an import)."""
    earliest: date | None = None
    """The earliest day of data this action touched (:meth:`touches`), for whoever keeps
    figures of past periods."""
    parent: Action | None = None

    @classmethod
    def within(cls, session: Session, actor_id: int | None) -> Action:
        """Actions run inside ``session``'s transaction, which the caller opened and audits."""
        return cls(session, actor_id, audited=False)

    def names(self, entity_id: int | None, fields: Iterable[str] = ()) -> None:
        """The record this action wrote or changed, and the names of the fields it set."""
        self.entity_id = entity_id
        self.fields = list(fields)

    def unchanged(self) -> None:
        """Nothing was written after all (a correction that changes nothing): no audit row."""
        self.audited = False

    def touches(self, day: date | None) -> None:
        """This action writes data dated ``day`` (None: no dated data); the earliest is kept,
        here and in every action this one runs inside."""
        if day is None:
            return
        if self.earliest is None or day < self.earliest:
            self.earliest = day
        if self.parent is not None:
            self.parent.touches(day)

    @contextmanager
    def action(self, name: str, *, entity: str = "") -> Iterator[Action]:
        """Another use case run as part of this one: same transaction, no audit row."""
        yield Action(self.session, self.actor_id, name, entity, audited=False, parent=self)
