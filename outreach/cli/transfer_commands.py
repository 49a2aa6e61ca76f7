"""``outreach transfer``: a resident's record that follows her to another site.

``export`` seals one resident's pathway to the receiving site's card and records her leaving;
``import`` takes a packet in at the receiving site, where she is an expected arrival until
``outreach people arrive`` (or the Arrivals screen) gives her a stay; ``arrivals`` lists them.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer

from outreach.cli import app
from outreach.cli.common import (
    JsonOption,
    StoreOption,
    UserOption,
    errors_shown,
    read_file,
    say,
    unlock,
)
from outreach.cli.tables import plain_table
from outreach.wording import counted

transfer = typer.Typer(
    help="Send a resident's record to the site she moves to, and take one in.",
    no_args_is_help=True,
)
app.add_typer(transfer, name="transfer")


@transfer.command("export")
def transfer_export(
    ref: Annotated[str, typer.Argument(help="Reference of the resident who is moving.")],
    file: Annotated[Path, typer.Argument(help="Where to write the sealed transfer packet.")],
    to: Annotated[
        Path,
        typer.Option(
            "--to", help="The receiving site's card (from 'outreach keys export-card' there)."
        ),
    ],
    with_notes: Annotated[
        bool,
        typer.Option("--with-notes", help="Also carry free-text notes (left out by default)."),
    ] = False,
    date_text: Annotated[
        str | None, typer.Option("--date", help="The day she leaves (default today).")
    ] = None,
    store: StoreOption = None,
    user: UserOption = None,
) -> None:
    """Write a resident's pathway, sealed to the receiving site, and record her leaving.

    The packet carries her screening history, open follow-ups with their due dates, her
    decisions and her one-to-one conversations (codes and minutes; notes only with
    --with-notes). Only the receiving store can open it; she leaves with reason transferred.
    """
    from outreach.clock import today
    from outreach.services.dates import parse_optional_date
    from outreach.services.transfer import TransferOut, transfer_out

    with errors_shown():
        left_on = parse_optional_date(date_text, "left_on") or today()
        card = read_file(to, "card")
        with unlock(store, user) as opened:
            sent = transfer_out(
                opened,
                TransferOut(
                    person_ref=ref, card=card, file=file, left_on=left_on, with_notes=with_notes
                ),
            )
    notes = "with notes" if sent.with_notes else "no notes"
    say(f"Wrote the transfer packet for {sent.person_ref} to {file}, sealed to {sent.to_site}.")
    say(f"Card fingerprint {sent.fingerprint}: check it with the receiving site.")
    say(f"Recorded {sent.person_ref} leaving on {sent.left_on} (transferred).")
    say(
        f"It carries {counted(sent.screening, 'screening step')}, "
        f"{counted(sent.decisions, 'decision')}, {counted(sent.follow_ups, 'open follow-up')} "
        f"and {counted(sent.conversations, 'conversation')} ({notes}); it can be imported "
        f"until {sent.expires_on}."
    )


@transfer.command("import")
def transfer_import(
    file: Annotated[Path, typer.Argument(help="The transfer packet the sending site wrote.")],
    store: StoreOption = None,
    user: UserOption = None,
) -> None:
    """Take in a transfer packet sealed to this store: she becomes an expected arrival.

    Refused, with nothing changed, when the packet was altered, is sealed to another store,
    has expired or was imported before, or when her reference is known here with another
    date of birth (check who she is first).
    """
    from outreach.services.transfer import TransferIn, transfer_in

    with errors_shown():
        data = read_file(file, "file")
        with unlock(store, user) as opened:
            taken = transfer_in(opened, TransferIn(data))
    known = "already known here" if taken.matched else "new here"
    say(
        f"Took in {taken.person_ref} ({known}) from {taken.from_site}, "
        f"who left there on {taken.left_on}."
    )
    say(f"Sender's card fingerprint {taken.fingerprint}: check it with the sending site.")
    say(
        f"Added {counted(taken.screening, 'screening step')}, "
        f"{counted(taken.decisions, 'decision')}, {counted(taken.follow_ups, 'follow-up')} "
        f"still due and {counted(taken.conversations, 'conversation')} to read"
        + (f" ({taken.already_here} already here)." if taken.already_here else ".")
    )
    if taken.resident:
        say(f"{taken.person_ref} already has a stay here: nothing left to confirm.")
    else:
        say(
            f"{taken.person_ref} is an expected arrival: confirm with "
            f"'outreach people arrive {taken.person_ref} --date ... --unit ...'."
        )


@transfer.command("arrivals")
def transfer_arrivals(
    as_json: JsonOption = False,
    store: StoreOption = None,
    user: UserOption = None,
) -> None:
    """List expected arrivals: people a transfer packet brought who have no stay here yet."""
    from outreach.services.transfer import expected_arrivals

    with errors_shown(), unlock(store, user) as opened:
        rows = expected_arrivals(opened)
    if as_json:
        say(json.dumps([asdict(r) for r in rows], default=str, indent=2, ensure_ascii=False))
        return
    if not rows:
        say("No expected arrivals.")
        return
    table = plain_table(
        [
            (
                r.person_ref,
                r.display_name,
                str(r.date_of_birth),
                r.from_site,
                str(r.left_on),
                str(r.follow_ups),
            )
            for r in rows
        ],
        headings=("Ref", "Name", "Born", "From", "Left on", "Follow-ups"),
        wrap=(1, 3),
    )
    for line in table:
        say(line)
