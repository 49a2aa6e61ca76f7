"""Errors a service raises for input a person can correct."""

from __future__ import annotations


class ValidationError(ValueError):
    """Input refused before anything was written; ``field`` names what to correct.

    The message starts with the field name ("date_of_birth: 2030-01-01 is in the future") so
    one line on a screen or in an import report says what is wrong and where.
    """

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


class AlreadyChanged(ValidationError):
    """The record was changed (in another window or on another computer) since it was shown.

    The message says in words who changed it and when ("follow-up 3 was already marked done
    by ana at 10:03"), not which field; nothing was written.
    """

    def __init__(self, field: str, message: str) -> None:
        ValueError.__init__(self, message)
        self.field = field
        self.problem = message
