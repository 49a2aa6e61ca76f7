"""A child process for the fault tests: does one kind of work on a store until it is killed.

    python fault_worker.py save FOLDER FIRST      numbered people + conversations, one per commit
    python fault_worker.py passwd FOLDER NEW      change ana's passphrase
    python fault_worker.py rotate FOLDER          re-encrypt the store under a new data key
    python fault_worker.py remove FOLDER NAME     remove an account (which re-keys the store)
    python fault_worker.py backup FOLDER TARGET   write a backup
    python fault_worker.py migrate FOLDER         unlock (which migrates an old store)
    python fault_worker.py import FOLDER CSV      import a roll of people (one transaction)
    python fault_worker.py undo FOLDER            undo the latest import (one transaction)
    python fault_worker.py restore FOLDER BACKUP [before:N|after:N]
                                                  restore --force as ana; with a step, the
                                                  worker SIGKILLs itself at the swap's Nth step

The passphrase comes from OUTREACH_PASSPHRASE. The worker prints "ready" just before the
work starts, each committed id for ``save``, and "done" when the work is complete; every
line is flushed, so a line the parent has read is a promise the work was committed.
"""

from __future__ import annotations

import itertools
import os
import signal
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def restore(folder: Path, backup: Path, passphrase: str, kill_at: str | None) -> None:
    """Restore, saying "step N" after each change the swap makes (and dying at one if asked)."""
    from outreach.store import restore_swap
    from outreach.store.backup import restore_backup

    when, _, nth = (kill_at or ":").partition(":")
    steps = [0]

    def counted(change: Callable[..., None]) -> Callable[..., None]:
        def step(*paths: Path) -> None:
            steps[0] += 1
            if when == "before" and steps[0] == int(nth):
                os.kill(os.getpid(), signal.SIGKILL)
            change(*paths)
            say(f"step {steps[0]}")
            if when == "after" and steps[0] == int(nth):
                os.kill(os.getpid(), signal.SIGKILL)

        return step

    restore_swap._move = counted(restore_swap._move)
    restore_swap._remove = counted(restore_swap._remove)
    say("ready")
    result = restore_backup(backup, folder, secret=passphrase, user="ana", force=True)
    say(f"removed {result.leftovers_removed}")
    say("done")


def main() -> None:
    mode, folder = sys.argv[1], Path(sys.argv[2])
    passphrase = os.environ["OUTREACH_PASSPHRASE"]
    if mode == "restore":
        restore(folder, Path(sys.argv[3]), passphrase, sys.argv[4] if len(sys.argv) > 4 else None)
        return

    from outreach.clock import now
    from outreach.model import Conversation, Person
    from outreach.store import audit
    from outreach.store.backup import create_backup
    from outreach.store.store import Store

    if mode == "migrate":
        say("ready")
        Store.unlock(folder, user="ana", passphrase=passphrase).close()
        say("done")
        return
    store = Store.unlock(folder, user="ana", passphrase=passphrase)
    if mode == "import":
        from outreach.imports.pipeline import import_people

        say("ready")
        report = import_people(store, Path(sys.argv[3]))
        assert report.ok, report.errors[:3]
        say("done")
        return
    if mode == "undo":
        from outreach.imports.undo import undo_import

        say("ready")
        undo_import(store)
        say("done")
        return
    if mode == "save":
        say("ready")
        for i in itertools.count(int(sys.argv[3])):
            with store.write() as session:
                person = Person(
                    ref=f"K{i:06d}",
                    display_name=f"Kill test {i}",
                    date_of_birth=date(1990, 1, 1),
                    created_at=now(),
                )
                session.add(person)
                session.flush()
                session.add(
                    Conversation(
                        occurred_on=date(2025, 1, 1),
                        kind="one_to_one",
                        person_id=person.id,
                        setting="wing",
                        outcome="considering",
                        note=f"note {i}",
                        created_at=now(),
                    )
                )
                audit.record(
                    session,
                    actor_id=store.actor.id,
                    action="person.add",
                    entity="person",
                    entity_id=person.id,
                )
            say(str(i))
    elif mode == "passwd":
        say("ready")
        store.change_passphrase(sys.argv[3])
    elif mode == "rotate":
        say("ready")
        store.rotate_key()
    elif mode == "remove":
        say("ready")
        store.remove_account(sys.argv[3])
    elif mode == "backup":
        say("ready")
        create_backup(store, Path(sys.argv[3]))
    else:
        raise SystemExit(f"unknown mode {mode}")
    store.close()
    say("done")


if __name__ == "__main__":
    main()
