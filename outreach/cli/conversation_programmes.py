"""How ``outreach log conversation`` reads the programmes a conversation addressed.

``--programme KEY`` (repeatable, in order; cervical screening when none is given) names them.
``--outcome`` and ``--barrier`` take either a bare code or ``KEY=CODE``:

- a bare ``--outcome CODE`` is the outcome of every programme not given its own
  ``--outcome KEY=CODE``;
- a bare ``--barrier CODE`` belongs to the only programme; with several programmes each
  barrier says whose it is (``--barrier bbv-hepatitis-c=needles``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from outreach.services.errors import ValidationError
from outreach.services.lookups import PROGRAMME


@dataclass(frozen=True)
class Addressing:
    """The programmes in the order typed, each one's outcome and barrier codes."""

    programmes: list[str]
    outcomes: dict[str, str]
    barriers: dict[str, list[str]] = field(default_factory=dict)


def _split(text: str) -> tuple[str | None, str]:
    key, sep, code = text.partition("=")
    if not sep:
        return None, text.strip()
    return key.strip(), code.strip()


def read_addressing(
    programmes: Sequence[str], outcomes: Sequence[str], barriers: Sequence[str]
) -> Addressing:
    """The programmes, outcomes and barriers as typed, checked against one another (each code
    belongs to a programme named; every programme has one outcome). The codes themselves are
    the service's to check."""
    keys: list[str] = []
    for key in programmes or [PROGRAMME]:
        key = key.strip()
        if key in keys:
            raise ValidationError("programme", f"{key} is named twice")
        keys.append(key)

    def owner(key: str | None, what: str, typed: str) -> str:
        if key is None:
            if len(keys) > 1 and what == "barrier":
                raise ValidationError(
                    "barriers",
                    f"{typed!r}: say which programme the barrier is about",
                    hint=f"e.g. --barrier {keys[-1]}={typed}",
                )
            return keys[0]
        if key not in keys:
            raise ValidationError(
                "programme",
                f"--{what} {key}=...: {key} is not among the programmes named",
                hint=f"add --programme {key}",
            )
        return key

    given: dict[str, str] = {}
    bare: str | None = None
    for typed in outcomes:
        named, code = _split(typed)
        if named is None:
            if bare is not None:
                raise ValidationError("outcome", "give one bare --outcome, or one per programme")
            bare = code
            continue
        key = owner(named, "outcome", typed)
        if key in given:
            raise ValidationError("outcome", f"{key} is given two outcomes")
        given[key] = code
    missing = [k for k in keys if k not in given]
    if missing and bare is None:
        raise ValidationError(
            "outcome",
            "no outcome for " + ", ".join(missing),
            hint=f"--outcome CODE for all, or --outcome {missing[0]}=CODE",
        )
    final = {k: given.get(k, bare or "") for k in keys}
    raised: dict[str, list[str]] = {k: [] for k in keys}
    for typed in barriers:
        named, code = _split(typed)
        raised[owner(named, "barrier", code)].append(code)
    return Addressing(keys, final, raised)
