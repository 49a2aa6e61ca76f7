"""The domain's definitions, each written once as a SQLAlchemy Core expression: an adequate
test, resident on a day, eligible, covered, the decision in force, clinical ceasing, a
follow-up open on a day.

Search, follow-ups, status, standing and the statistics build their queries from these (or
splice in their SQL text, :func:`sql`, where a statement is tuned by hand), and
``tests/test_definitions_once.py`` fails when one of them is spelled out anywhere else. The
partial and expression indexes that must match them word for word (migrations 0003, 0006)
keep their frozen text; the same test holds that text to these expressions.

Below ``services`` and ``stats``: imports only ``outreach.model``, ``outreach.rules`` and
SQLAlchemy.
"""

from outreach.queries.conversations import addressed, addressed_first, talked_one_to_one
from outreach.queries.pathway import (
    CLINICAL_CEASE_REASONS,
    adequate_result,
    adequate_test,
    ceased_by,
    clinical_ceasing,
    decided_by,
    decision_in_force,
    do_not_approach,
    in_force,
    is_waiting_to_revisit,
    latest_first,
    open_on,
    open_until,
    waiting_to_revisit,
)
from outreach.queries.population import (
    FOREVER,
    aged_within,
    born_by,
    eligible,
    has_left,
    has_left_by,
    is_resident_on,
    programme_applies,
    resident,
    resident_on,
    stay_until,
    tested_within,
)
from outreach.queries.recall import add_months_sql, age_at_sql, next_test_due_by
from outreach.queries.render import Columns, decisions, events, follow_ups, outer, param, sql, stays

__all__ = [
    "CLINICAL_CEASE_REASONS",
    "FOREVER",
    "Columns",
    "add_months_sql",
    "addressed",
    "addressed_first",
    "adequate_result",
    "adequate_test",
    "age_at_sql",
    "aged_within",
    "born_by",
    "ceased_by",
    "clinical_ceasing",
    "decided_by",
    "decision_in_force",
    "decisions",
    "do_not_approach",
    "eligible",
    "events",
    "follow_ups",
    "has_left",
    "has_left_by",
    "in_force",
    "is_resident_on",
    "is_waiting_to_revisit",
    "latest_first",
    "next_test_due_by",
    "open_on",
    "open_until",
    "outer",
    "param",
    "programme_applies",
    "resident",
    "resident_on",
    "sql",
    "stay_until",
    "stays",
    "talked_one_to_one",
    "tested_within",
    "waiting_to_revisit",
]
