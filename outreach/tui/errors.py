"""Turning an exception from a worker into a line fit to show on screen."""

from __future__ import annotations


def shown(exc: BaseException) -> str:
    """What to tell the person about ``exc``.

    Errors the store and services raise for people (and ValueError, which they use for bad
    input) are shown as they are; anything else by its type only, since its text may carry data.
    """
    from outreach.store.errors import StoreError

    if isinstance(exc, StoreError | ValueError) or type(exc).__name__ == "ValidationError":
        return str(exc)
    return f"unexpected {type(exc).__name__}; nothing was saved by the failed step"


def field_of(exc: BaseException) -> str | None:
    """The form field a validation error names, if any."""
    field = getattr(exc, "field", None)
    if isinstance(field, str):
        return field
    text = str(exc)
    # The store names the field as "field: problem".
    head, sep, _ = text.partition(":")
    if sep and head.isidentifier():
        return head
    return None
