"""Which programme the dashboard and "Who is being missed" show: one choice for the whole
application, moved on by ``n`` on either screen, so leaving one for the other keeps it."""

from __future__ import annotations

CERVICAL = "cervical-screening"
"""The programme shown until ``n`` is pressed."""


def programme_choices() -> tuple[str, ...]:
    """The programmes shown in turn: cervical screening, then every other file in
    ``schema/programmes`` in key order."""
    from outreach.rules.programme import programme_keys

    return (CERVICAL, *(key for key in programme_keys() if key != CERVICAL))


def shown_programme(app: object) -> str:
    """The programme ``app`` shows now (cervical screening when none was chosen, or when the
    one chosen is no longer a programme file)."""
    chosen = getattr(app, "programme", CERVICAL)
    return chosen if chosen in programme_choices() else CERVICAL


def next_programme(app: object) -> str:
    """Move ``app`` on to the next programme (after the last, cervical screening again) and
    return its key."""
    choices = programme_choices()
    key = choices[(choices.index(shown_programme(app)) + 1) % len(choices)]
    app.programme = key  # type: ignore[attr-defined]
    return key
