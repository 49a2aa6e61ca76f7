"""The limits every way of entering data applies (the forms, the commands, CSV import), stated
once. The README repeats them for staff; a change here is a change there too.

Each is checked by the services; the forms also use them to stop typing early.
"""

from __future__ import annotations

from datetime import date

from outreach.rules.screening import age_on

NOTE_MAX = 500
"""Characters in a note (conversation, screening step, decision, follow-up). A note is a
reminder, not a record of what was said: trauma and other detail are never written down."""

NAME_MAX = 100
"""Characters in a person's or a mentor's name."""

REF_MAX = 40
"""Characters in a person's reference (a prison number is 6 to 8)."""

MINUTES_MIN = 1
MINUTES_MAX = 480
"""Minutes of a conversation, when recorded: 1 to 480 (a working day). 0, or nothing typed,
means not recorded, which a conversation that did not reach the person often is."""

RESIDENT_AGE_MIN = 18
RESIDENT_AGE_MAX = 110
"""A resident's age on arrival, in whole years. The setting is the adult secure estate (adult
prisons in England and Wales hold people aged 18 and over; younger people are held in the
youth secure estate); an age above 110 is a mistyped date of birth."""


def minutes_problem(minutes: int) -> str | None:
    """What is wrong with ``minutes`` for a conversation, or None (0 is "not recorded")."""
    if minutes == 0 or MINUTES_MIN <= minutes <= MINUTES_MAX:
        return None
    return f"{minutes} is not between {MINUTES_MIN} and {MINUTES_MAX} (0 or empty: not recorded)"


def text_problem(text: str, most: int) -> str | None:
    """What is wrong with the length of ``text`` (surrounding space ignored), or None."""
    length = len(text.strip())
    if length <= most:
        return None
    return f"{length} characters; at most {most}"


def arrival_age_problem(date_of_birth: date, arrived_on: date) -> str | None:
    """What is implausible about a resident's age on arriving, or None."""
    age = age_on(date_of_birth, arrived_on)
    if RESIDENT_AGE_MIN <= age <= RESIDENT_AGE_MAX:
        return None
    return (
        f"aged {age} on arriving ({arrived_on.isoformat()}): a resident is "
        f"{RESIDENT_AGE_MIN} to {RESIDENT_AGE_MAX}; check the date of birth"
    )
