"""A child process that keeps a store open, as the application does, for the lock tests.

    python lock_worker.py FOLDER ACCOUNT [PURPOSE] [--lock-only]

Unlocks the store (passphrase from OUTREACH_PASSPHRASE), prints "ready" (or "refused
<ErrorType>: <message>" and exits), then reads commands
from stdin, one a line, answering each with one flushed line:

    add REF        add a person REF: "saved REF", or "refused <ErrorType>: <message>"
    count          "people N" (as this process reads them)
    hold           open a write transaction and say "holding"; the next line ends it
    quit           close the store and exit

With --lock-only it takes the store's shared lock as ACCOUNT without unlocking anything (as
an application would hold it), for stores the parent wants to leave exactly as they are.
"""

from __future__ import annotations

import os
import sys
from datetime import date
from pathlib import Path


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def main() -> None:
    args = [a for a in sys.argv[1:] if a != "--lock-only"]
    folder, account = Path(args[0]), args[1]
    purpose = args[2] if len(args) > 2 else "outreach tui"
    from sqlalchemy import func
    from sqlmodel import select

    from outreach.model import Person
    from outreach.services.people import AddPerson, add_person
    from outreach.store import store_lock
    from outreach.store.errors import StoreError
    from outreach.store.store import Store

    # What the application's command line would have given as its purpose.
    store_lock.default_purpose = lambda: purpose
    if "--lock-only" in sys.argv:
        with store_lock.shared(folder, account):
            say("ready")
            sys.stdin.read()
        return
    try:
        store = Store.unlock(folder, user=account, passphrase=os.environ["OUTREACH_PASSPHRASE"])
    except StoreError as exc:
        say(f"refused {type(exc).__name__}: {exc}")
        return
    say("ready")
    for line in sys.stdin:
        command, _, arg = line.strip().partition(" ")
        if command == "add":
            try:
                add_person(
                    store,
                    AddPerson(
                        ref=arg, display_name=f"Person {arg}", date_of_birth=date(1980, 1, 1)
                    ),
                )
            except StoreError as exc:
                say(f"refused {type(exc).__name__}: {exc}")
            else:
                say(f"saved {arg}")
        elif command == "count":
            with store.read() as session:
                say(f"people {session.exec(select(func.count()).select_from(Person)).one()}")
        elif command == "hold":
            with store.write():
                say("holding")
                sys.stdin.readline()
            say("released")
        elif command == "quit":
            break
    store.close()
    say("closed")


if __name__ == "__main__":
    main()
