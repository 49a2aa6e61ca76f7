"""The command-line options of the equity fields a person may have recorded
(``outreach.rules.equity``), shared by ``people add`` and ``people update``."""

from __future__ import annotations

from typing import Annotated

import typer

_ANSWER = "a code, label or common spelling; blank: not stated; 'declined': asked, not said"

Ethnicity = Annotated[
    str | None,
    typer.Option(
        "--ethnicity",
        help="Ethnic group, ONS 2021 (e.g. white_irish, 14 or B; "
        f"'outreach codes ethnicity' lists them): {_ANSWER}.",
    ),
]
Disability = Annotated[
    str | None, typer.Option("--disability", help=f"Disability: yes or no; {_ANSWER}.")
]
LearningDisability = Annotated[
    str | None,
    typer.Option("--learning-disability", help=f"Learning disability: yes or no; {_ANSWER}."),
]
FirstLanguage = Annotated[
    str | None,
    typer.Option(
        "--first-language",
        help="First language from the list ('outreach codes first_language'), or 'other'; "
        f"{_ANSWER}.",
    ),
]
Interpreter = Annotated[
    str | None,
    typer.Option("--interpreter", help=f"Whether an interpreter is needed: yes or no; {_ANSWER}."),
]
