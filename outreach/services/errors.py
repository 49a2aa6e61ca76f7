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
