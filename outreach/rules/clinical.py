"""Which fields of the shared records are clinical: the one list sync consults.

A clinical field changed on two laptops that had not seen each other's change keeps each
laptop's own value until a person chooses (``outreach sync conflicts``); any other field takes
the later change provisionally, and the conflict is still kept for a person to review.

Clinical: screening steps and their results (what happened, when, the HPV and cytology
results, a cascade result, the action a result asks for, the reason, which includes why
someone was ceased), the person's own decisions (do not approach, informed decline, approach
again, their dates and revisit dates), whether the cervical programme applies to her, and a
follow-up's status (a colposcopy or repeat test marked done or cancelled).
"""

from __future__ import annotations

CLINICAL_FIELDS: dict[str, frozenset[str]] = {
    "screening_event": frozenset(
        {
            "person_id",
            "programme",
            "occurred_on",
            "event",
            "hpv",
            "cytology",
            "result",
            "action",
            "reason",
            "sample",
        }
    ),
    "decision": frozenset({"person_id", "programme", "kind", "decided_on", "revisit_on"}),
    "person": frozenset({"has_cervix", "date_of_birth"}),
    "follow_up": frozenset({"status", "done_on", "cancelled_on"}),
}

PROTECTED_FIELDS: dict[str, frozenset[str]] = {
    "decision": frozenset({"person_id", "programme", "kind", "decided_on"}),
    "screening_event": frozenset({"person_id", "programme", "event", "reason", "occurred_on"}),
}
"""Fields of a do-not-approach decision or a ceasing that a merge never changes: changing
any of them could end it (another decision would come into force, or the ceasing would stop
counting)."""


def is_clinical(table: str, name: str) -> bool:
    """Whether field ``name`` of ``table`` waits for a person when both laptops changed it."""
    return name in CLINICAL_FIELDS.get(table, frozenset())
