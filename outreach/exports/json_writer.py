"""JSON: the summary as one document, valid against ``schema/export/summary.schema.json``."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from outreach import __version__
from outreach.exports.long_form import Figure, figures
from outreach.exports.notes import notes
from outreach.exports.table import PublishedSummary
from outreach.paths import schema_dir

FORMAT = "outreach-summary/1"
SCHEMA_FILE = "schema/export/summary.schema.json"


class InvalidSummary(ValueError):
    """The summary fails its own JSON Schema: it must not be written or signed."""


def summary_document(summary: PublishedSummary) -> dict[str, Any]:
    """The JSON document of ``summary`` as plain Python data."""
    period = summary.period
    document: dict[str, Any] = {
        "format": FORMAT,
        "app_version": __version__,
        "site": summary.site,
        "programme": {"key": summary.programme, "title": summary.programme_title},
        "period": {
            "label": period.label,
            "kind": period.kind,
            "first_month": period.first_month,
            "last_month": period.last_month,
        },
        "as_of": summary.as_of.isoformat(),
        "disclosure": {
            "policy": summary.policy.name,
            "description": summary.policy.description,
        },
        "figures": [_figure(f) for f in figures(summary)],
        "notes": notes(summary),
    }
    if summary.national_coverage is not None:
        document["national_coverage"] = {
            "value": summary.national_coverage,
            "source": summary.national_coverage_source,
        }
    return document


def _figure(figure: Figure) -> dict[str, Any]:
    found: dict[str, Any] = {
        "measure": figure.measure,
        "breakdown": figure.breakdown,
        "category": figure.category,
        "value": figure.value,
        "suppressed": figure.suppressed,
    }
    if figure.withheld_reason is not None:
        found["withheld_reason"] = figure.withheld_reason
    return found


def schema_problems(document: Any) -> list[str]:
    """Where ``document`` fails the summary schema, one line each (empty when valid). A line
    names the figure by its published labels, never a count."""
    problems = []
    for error in _validator().iter_errors(document):
        where = error.json_path
        path = list(error.absolute_path)
        if len(path) >= 2 and path[0] == "figures" and isinstance(path[1], int):
            figure = document["figures"][path[1]]
            if isinstance(figure, dict):
                labels = (figure.get(key) for key in ("measure", "breakdown", "category"))
                where = f"figure {' / '.join(str(label) for label in labels)}"
        problems.append(f"{where} fails the schema's '{error.validator}' rule")
    return sorted(problems)


def check_document(document: Any) -> None:
    """Raise :class:`InvalidSummary` naming the first problems if ``document`` fails the
    summary schema."""
    problems = schema_problems(document)
    if problems:
        shown = "; ".join(problems[:3]) + ("; …" if len(problems) > 3 else "")
        raise InvalidSummary(
            f"the export fails its own schema ({SCHEMA_FILE}): {shown}. Nothing was signed "
            "or written; please report this"
        )


def validated_document(summary: PublishedSummary) -> dict[str, Any]:
    """:func:`summary_document`, checked against the schema (:class:`InvalidSummary` if not)."""
    document = summary_document(summary)
    check_document(document)
    return document


def write_json(summary: PublishedSummary, path: Path) -> None:
    """Write ``summary`` to ``path`` as UTF-8 JSON; refuses (:class:`InvalidSummary`) a
    document that fails the schema."""
    write_document(validated_document(summary), path)


def write_document(document: dict[str, Any], path: Path) -> None:
    """Write a document :func:`validated_document` made to ``path`` as UTF-8 JSON (as
    :func:`write_json` writes it), without checking it against the schema again."""
    text = json.dumps(document, ensure_ascii=False, indent=2)
    path.write_text(text + "\n", encoding="utf-8")


@cache
def _validator() -> Any:
    """The schema's validator, made once: building it is most of a check's cost."""
    from jsonschema import Draft202012Validator

    return Draft202012Validator(summary_schema())


@cache
def summary_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) every summary document satisfies."""
    path = schema_dir() / "export" / "summary.schema.json"
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded
