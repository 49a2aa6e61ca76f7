"""Errors a person can act on. Messages are one line and never contain key material."""

from typing import Any


class StoreError(Exception):
    """Base for every error the store reports to a person."""


class StoreNotFound(StoreError):
    pass


class StoreExists(StoreError):
    pass


class StoreDamaged(StoreError):
    pass


class StoreInUse(StoreError):
    """Another process has the store open and the operation needs it alone."""


class BackupDamaged(StoreDamaged):
    """A backup file that is truncated, altered or not a backup at all."""


class DiskFull(StoreError):
    """The disk filled up; whatever was being written was not saved."""


class KeysMissing(StoreError):
    pass


class WrongPassphrase(StoreError):
    pass


class UnknownAccount(StoreError):
    pass


class NotAllowed(StoreError):
    pass


class Throttled(StoreError):
    """Too many failed unlocks in a row; ``wait_seconds`` remain before the next try."""

    def __init__(self, message: str, wait_seconds: float) -> None:
        super().__init__(message)
        self.wait_seconds = wait_seconds


class StoreTooNew(StoreError):
    pass


class UnsupportedLibrary(StoreError):
    pass


class StoreLocked(StoreError):
    """The store's lock is held by another process; ``holders`` says who, when known."""

    def __init__(self, message: str, holders: list[Any]) -> None:
        super().__init__(message)
        self.holders = holders


class StoreBusy(StoreError):
    """Another process kept the store's write lock longer than a write may wait."""


class StoreReplaced(StoreError):
    """The store this process opened was replaced or moved away underneath it."""
