"""Messages workers send back to screens: small, immutable, and free of secrets."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textual.message import Message

if TYPE_CHECKING:
    from outreach.store.store import Changes, Store


class Unlocked(Message):
    """The store opened; the application takes it from here."""

    def __init__(self, store: Store) -> None:
        super().__init__()
        self.store = store


@dataclass
class UnlockFailed(Message):
    """An unlock did not open the store. ``wait_seconds`` is how long before the next try."""

    error: str
    wait_seconds: float = 0.0


@dataclass
class Loaded(Message):
    """A worker read something for a screen; ``what`` names it, ``data`` is the result."""

    what: str
    data: Any


@dataclass
class Failed(Message):
    """A worker's call was refused or failed; ``error`` is fit to show to a person.

    When the refusal names a field, ``field`` is its name and ``problem`` what to show beside
    it (``error`` without the field's name).
    """

    what: str
    error: str
    field: str | None = None
    problem: str = ""


@dataclass
class Saved(Message):
    """A form's action was committed; ``summary`` is what to tell the person."""

    what: str
    summary: str
    data: Any = None


@dataclass
class StoreChanged(Message):
    """The store's watch found commits by other programs (or the store replaced)."""

    changes: Changes
