"""Imports and reads done in a thread before the first dashboard is asked for: while the
passphrase is typed (the unlock screen) or while the key is derived (``outreach demo``)."""

from __future__ import annotations

import contextlib


def warm_first_screen() -> None:
    """Import what the first dashboard needs (the store, the services and statistics it runs,
    Textual, the dashboard screen and its chart) and read the programme file, checked
    against its schema (importing jsonschema takes a tenth of a second), so that it is cached
    for the dashboard's first statements. A programme file that cannot be read is reported by
    the dashboard, not here."""
    import outreach.services.followups
    import outreach.stats.dashboard
    import outreach.store.store
    import outreach.tui.screens.dashboard  # noqa: F401
    from outreach.rules.programme import load_programme

    with contextlib.suppress(ValueError):
        load_programme()
