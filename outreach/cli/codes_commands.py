"""``outreach codes [COLUMN]``: every code the imports and commands accept, with the other
spellings (labels, aliases, the wording of lab letters, NHS result codes) that mean it."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from outreach.cli import app
from outreach.cli.common import JsonOption, fail, say
from outreach.cli.tables import plain_table


@app.command("codes")
def codes_command(
    column: Annotated[
        str | None,
        typer.Argument(
            help="Only this column's codes (hpv, cytology, event, setting, result_code, ...).",
            show_default=False,
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """List every accepted code and each other spelling that means it.

    Needs no store: the lists come from the programme file.
    """
    from outreach.imports.codes import code_lists

    lists = code_lists()
    if column is not None:
        lists = [c for c in lists if c.column == column.strip().lower()]
        if not lists:
            names = ", ".join(c.column for c in code_lists())
            raise fail(f"no column {column!r}; the coded columns are {names}")
    if as_json:
        say(
            json.dumps(
                [
                    {
                        "column": c.column,
                        "files": c.files,
                        "codes": {code: list(spelled) for code, spelled in c.entries},
                    }
                    for c in lists
                ],
                indent=2,
                ensure_ascii=False,
            )
        )
        return
    for index, codes in enumerate(lists):
        if index:
            say("")
        say(f"{codes.column} ({codes.files} files)")
        # Indented by two: the table gets the other 78 columns.
        table = plain_table(
            [(code, "; ".join(spelled)) for code, spelled in codes.entries], width=78
        )
        for line in table:
            say(f"  {line}".rstrip())
