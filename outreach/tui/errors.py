"""Turning an exception from a worker into a line fit to show on screen."""

from __future__ import annotations

from outreach.errors import ValidationError
from outreach.store.errors import StoreError


def shown(exc: BaseException) -> str:
    """What to tell the person about ``exc``.

    Errors the store and services raise for people (and ValueError, which they use for bad
    input) are shown as they are; anything else by its type only, since its text may carry data.
    """
    if isinstance(exc, StoreError | ValueError):
        return str(exc)
    return f"unexpected {type(exc).__name__}; nothing was saved by the failed step"


def field_of(exc: BaseException) -> str | None:
    """The form field a :class:`ValidationError` names; None for any other error."""
    return exc.field if isinstance(exc, ValidationError) else None


def message_of(exc: BaseException) -> str:
    """What to show beside the field :func:`field_of` names (the whole line when it names none)."""
    return exc.message if isinstance(exc, ValidationError) else shown(exc)
