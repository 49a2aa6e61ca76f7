"""Every code an import or a command accepts, with the other spellings that mean it.

The lists come from the enums, the aliases of :mod:`outreach.imports.values` and the
programme file (codes with their labels, and the wording of lab letters and clinical
systems), so what ``outreach codes`` prints is exactly what is accepted.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from outreach.imports.values import ALIASES
from outreach.model.enums import ConversationKind, HasCervix, LeftReason
from outreach.rules.equity import EquityField, alias_key, equity_fields
from outreach.rules.programme import load_programme
from outreach.rules.wording import FIELDS, load_wording
from outreach.services.lookups import PROGRAMME
from outreach.services.screening import CeaseReason


@dataclass(frozen=True)
class CodeList:
    """The codes of one column: ``entries`` pairs each stored code with the other
    spellings accepted for it (labels, aliases, lab wording), in the file's order."""

    column: str
    files: str
    entries: tuple[tuple[str, tuple[str, ...]], ...]


def _from_enum(enum: type[StrEnum], column: str, files: str) -> CodeList:
    wording = load_wording(PROGRAMME)
    field = next((f for f, e in FIELDS.items() if e is enum), None)
    aliases = ALIASES.get(enum, {})
    entries = []
    for member in enum:
        spelled = [alias for alias, code in aliases.items() if code == member.value]
        if field is not None:
            spelled.extend(wording.spellings[field].get(member.value, ()))
        entries.append((member.value, tuple(spelled)))
    return CodeList(column, files, tuple(entries))


def _labelled(labels: Mapping[str, str], column: str, files: str) -> CodeList:
    return CodeList(column, files, tuple((code, (label,)) for code, label in labels.items()))


def _equity(field: EquityField) -> CodeList:
    entries = []
    for code, label in field.codes.items():
        plain = {alias_key(code), alias_key(label)}
        others = [a for a, c in field.aliases.items() if c == code and a not in plain]
        entries.append((code, (label, *others)))
    return CodeList(field.key, "people", tuple(entries))


def code_lists() -> list[CodeList]:
    """Every coded column, people first, then conversations, then screening."""
    rules = load_programme(PROGRAMME)
    wording = load_wording(PROGRAMME)
    lists = [
        _from_enum(HasCervix, "has_cervix", "people"),
        _from_enum(LeftReason, "left_reason", "people"),
        *(_equity(field) for field in equity_fields()),
        _from_enum(ConversationKind, "kind", "conversations"),
        _labelled(rules.settings, "setting", "conversations"),
        _labelled(rules.outcome_codes, "outcome", "conversations"),
        _labelled(rules.barrier_codes, "barriers", "conversations"),
        *(_from_enum(enum, field, "screening") for field, enum in FIELDS.items()),
        _from_enum(CeaseReason, "reason", "screening"),
    ]
    for column, table in (
        ("result_code", wording.cytology_codes),
        ("infection_code", wording.infection_codes),
        ("action_code", wording.action_codes),
    ):
        lists.append(
            CodeList(column, "screening", tuple((code, (m,)) for code, m in table.items()))
        )
    return lists
