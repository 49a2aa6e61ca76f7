"""``outreach sync conflicts``: the list in words and as JSON, and resolving one."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from outreach.model import ScreeningEvent
from outreach.services.site import own_card
from outreach.services.sync import pair
from outreach.store.store import Store
from tests.support.cli import ok, run
from tests.support.stores import PASSPHRASE, new_store
from tests.support.sync_pairs import add_event, both, change, person, value


def _clash(tmp_path: Path) -> tuple[Path, Path]:
    """Two paired stores whose HPV result of one test was set differently on each
    (A: negative, then B: positive), exchanged both ways; both closed."""
    a, b = new_store(tmp_path / "a", site="Laptop A"), new_store(tmp_path / "b", site="Laptop B")
    pair(a, own_card(b).to_bytes())
    pair(b, own_card(a).to_bytes())
    person(a, "A1[/]")
    add_event(a, "test")
    both(a, b)
    change(a, ScreeningEvent, hpv="negative")
    change(b, ScreeningEvent, hpv="positive")
    both(a, b)
    a.close()
    b.close()
    return a.folder, b.folder


def _dated(text: str) -> str:
    return re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d", "WHEN", text)


@pytest.mark.slow
def test_the_list_shows_both_values_in_words_and_who_and_when(tmp_path: Path) -> None:
    a, _ = _clash(tmp_path)
    assert _dated(ok(a, "sync", "conflicts")) == (
        "1 conflict waiting for a person:\n"
        "#1  A1[/]  screening step: HPV result  (clinical: waits, this laptop's value kept)\n"
        "    here    (this laptop, WHEN): negative\n"
        "    theirs  (Laptop B, WHEN): positive\n"
        "Keep one side: outreach sync conflicts resolve ID --keep here|theirs\n"
    )


@pytest.mark.slow
def test_the_list_as_json(tmp_path: Path) -> None:
    _, b = _clash(tmp_path)
    (found,) = json.loads(ok(b, "sync", "conflicts", "--json"))
    assert {k: found[k] for k in ("id", "record", "reference", "field", "clinical", "status")} == {
        "id": 1,
        "record": "screening_event",
        "reference": "A1[/]",
        "field": "hpv",
        "clinical": True,
        "status": "open",
    }
    assert (found["here"]["value"], found["here"]["store"]) == ("positive", "this laptop")
    assert (found["theirs"]["value"], found["theirs"]["store"]) == ("negative", "Laptop A")
    assert found["in_force_here"] == "here"


@pytest.mark.slow
def test_resolve_keeps_one_side_and_the_list_empties(tmp_path: Path) -> None:
    _, b = _clash(tmp_path)
    out = ok(b, "sync", "conflicts", "resolve", "1", "--keep", "theirs")
    assert out == (
        "Resolved #1 (A1[/], screening step: HPV result): kept negative.\n"
        "The other laptop takes it at the next exchange (outreach sync export).\n"
    )
    assert ok(b, "sync", "conflicts") == (
        "No conflicts waiting: every change from the paired laptops is merged.\n"
    )
    assert _dated(ok(b, "sync", "conflicts", "--all")) == (
        "No conflicts waiting; 1 conflict resolved:\n"
        "#1  A1[/]  screening step: HPV result  (resolved by ana)\n"
        "    here    (this laptop, WHEN): positive\n"
        "    theirs  (Laptop A, WHEN): negative\n"
    )
    with Store.unlock(b, user="ana", passphrase=PASSPHRASE) as opened:
        assert value(opened, ScreeningEvent, "hpv") == "negative"


@pytest.mark.slow
def test_resolve_refuses_a_wrong_side_or_number(tmp_path: Path) -> None:
    a, _ = _clash(tmp_path)
    wrong = run(a, "sync", "conflicts", "resolve", "1", "--keep", "mine")
    assert wrong.exit_code == 1
    assert "keep: 'mine' is not a side" in wrong.output
    missing = run(a, "sync", "conflicts", "resolve", "7", "--keep", "here")
    assert missing.exit_code == 1
    assert "conflict: there is no conflict 7" in missing.output


@pytest.mark.slow
def test_a_bundle_with_nothing_new_says_so(tmp_path: Path) -> None:
    a, b = _clash(tmp_path)
    bundle = tmp_path / "again.bundle"

    def send(source: Path, to: str, into: Path) -> str:
        ok(source, "sync", "export", "--to", to, "--force", str(bundle))
        return ok(into, "sync", "import", str(bundle))

    # A's conflict row was logged after B last heard from A: it goes once more, then B says
    # it has it, and once A has that acknowledgement its bundle carries nothing.
    send(b, "Laptop A", a)
    assert send(a, "Laptop B", b) == (
        "Bundle 3 from Laptop A changes nothing further: "
        "this store already holds all 1 change in it.\n"
    )
    send(b, "Laptop A", a)
    assert send(a, "Laptop B", b) == (
        "Bundle 4 from Laptop A changes nothing further: it carries no changes "
        "(that laptop had nothing new for this one).\n"
    )
