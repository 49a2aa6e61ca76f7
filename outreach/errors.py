"""The one error a person can correct: it names the field (or option, column, variable) at fault.

It sits below every layer (rules, store, services, imports, exports, forms all raise it) and
imports nothing, so any module may use it.
"""

from __future__ import annotations


class ValidationError(ValueError):
    """Input refused before anything was written; ``field`` names what to correct.

    ``message`` is what to tell the person about that field, ``hint`` (optional) what to do
    about it. ``str()`` is "field: message" so one line on a screen, in a command's output or
    in an import report says what is wrong and where; a form shows ``message`` beside the
    field named by ``field``. It is a ValueError, so code that refuses bad values with
    ValueError keeps catching it.
    """

    def __init__(self, field: str, message: str, hint: str | None = None) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message
        self.hint = hint

    @property
    def problem(self) -> str:
        """The message without the field's name (the name an import report shows it under)."""
        return self.message


class AlreadyChanged(ValidationError):
    """The record was changed (in another window or on another computer) since it was shown.

    The message says in words who changed it and when ("follow-up 3 was already marked done
    by ana at 10:03"), not which field; nothing was written.
    """

    def __init__(self, field: str, message: str) -> None:
        super().__init__(field, message)
        self.args = (message,)

    def __str__(self) -> str:
        return self.message
