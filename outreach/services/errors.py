"""Errors a service raises for input a person can correct (defined in :mod:`outreach.errors`)."""

from __future__ import annotations

from outreach.errors import AlreadyChanged, ValidationError

__all__ = ["AlreadyChanged", "ValidationError"]
