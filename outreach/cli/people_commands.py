"""``outreach people update``: correct a person's details and record their equity fields."""

from __future__ import annotations

from typing import Annotated

import typer

from outreach.cli.common import StoreOption, UserOption, errors_shown, say, unlock
from outreach.cli.domain_commands import people
from outreach.cli.equity_options import (
    Disability,
    Ethnicity,
    FirstLanguage,
    Interpreter,
    LearningDisability,
)


@people.command("update")
def people_update(
    ref: Annotated[str, typer.Argument(help="Reference of the person.")],
    new_ref: Annotated[str | None, typer.Option("--ref", help="A corrected reference.")] = None,
    name: Annotated[str | None, typer.Option("--name", help="Name as staff use it.")] = None,
    dob: Annotated[str | None, typer.Option("--dob", help="Date of birth.")] = None,
    has_cervix: Annotated[
        str | None, typer.Option("--has-cervix", help="yes, no or unknown.")
    ] = None,
    language: Annotated[
        str | None, typer.Option("--language", help="Preferred language ('' clears it).")
    ] = None,
    ethnicity: Ethnicity = None,
    disability: Disability = None,
    learning_disability: LearningDisability = None,
    first_language: FirstLanguage = None,
    interpreter: Interpreter = None,
    store: StoreOption = None,
    user: UserOption = None,
) -> None:
    """Correct a person's details or record their equity fields; options left out are kept.

    An equity field given as '' is "not stated" again (never asked); 'declined' records that
    the person was asked and chose not to say. Prints the names of the fields that changed,
    never their values.
    """
    from outreach.services.dates import parse_optional_date
    from outreach.services.people import UpdatePerson, update_person

    with errors_shown():
        date_of_birth = parse_optional_date(dob, "date_of_birth")
        with unlock(store, user) as opened:
            changed = update_person(
                opened,
                UpdatePerson(
                    person_ref=ref,
                    ref=new_ref,
                    display_name=name,
                    date_of_birth=date_of_birth,
                    has_cervix=has_cervix,
                    language=language,
                    ethnicity=ethnicity,
                    disability=disability,
                    learning_disability=learning_disability,
                    first_language=first_language,
                    interpreter=interpreter,
                ),
            )
    if changed:
        say(f"Updated {', '.join(name.replace('_', ' ') for name in changed)}.")
    else:
        say("Nothing to change.")
