"""``outreach transfer export / import / arrivals`` between two stores, as staff type them."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from outreach.services.people import AddPerson, add_person
from outreach.services.screening import RecordScreeningEvent, record_screening_event
from outreach.store.store import Store
from tests.support.cli import ok, run
from tests.support.stores import fresh_store, frozen_on

_today = frozen_on("2025-06-01")


def _resident(store: Store) -> None:
    add_person(
        store,
        AddPerson(
            ref="A1234BC",
            display_name="Jane [b]Doe[/b]",
            date_of_birth=date(1990, 4, 2),
            unit="B wing",
            arrived_on=date(2024, 1, 10),
        ),
    )
    record_screening_event(
        store,
        RecordScreeningEvent(
            person_ref="A1234BC", occurred_on=date(2024, 2, 1), event="offered", where="on_site"
        ),
    )


@pytest.mark.slow
def test_a_resident_is_sent_taken_in_listed_and_confirmed(tmp_path: Path) -> None:
    with fresh_store(tmp_path / "styal", site="HMP Styal") as styal:
        _resident(styal)
    with fresh_store(tmp_path / "askham", site="HMP Askham Grange"):
        pass
    styal_dir, askham_dir = tmp_path / "styal", tmp_path / "askham"
    card = tmp_path / "askham-card.json"
    ok(askham_dir, "keys", "export-card", str(card))
    packet = tmp_path / "jane.transfer"

    sent = ok(styal_dir, "transfer", "export", "A1234BC", str(packet), "--to", str(card))
    lines = sent.splitlines()
    assert lines[0] == (
        f"Wrote the transfer packet for A1234BC to {packet}, sealed to HMP Askham Grange."
    )
    assert lines[1].startswith("Card fingerprint ")
    assert lines[2:] == [
        "Recorded A1234BC leaving on 2025-06-01 (transferred).",
        "It carries 1 screening step, 0 decisions, 0 open follow-ups and 0 conversations "
        "(no notes); it can be imported until 2025-07-01.",
    ]
    assert b"Jane" not in packet.read_bytes()

    taken = ok(askham_dir, "transfer", "import", str(packet)).splitlines()
    assert taken[0] == ("Took in A1234BC (new here) from HMP Styal, who left there on 2025-06-01.")
    assert taken[2:] == [
        "Added 1 screening step, 0 decisions, 0 follow-ups still due and 0 conversations to read.",
        "A1234BC is an expected arrival: confirm with "
        "'outreach people arrive A1234BC --date ... --unit ...'.",
    ]
    listed = ok(askham_dir, "transfer", "arrivals").splitlines()
    assert listed[0].split() == ["Ref", "Name", "Born", "From", "Left", "on", "Follow-ups"]
    assert listed[-1].split() == [
        "A1234BC", "Jane", "[b]Doe[/b]", "1990-04-02", "HMP", "Styal", "2025-06-01", "0"
    ]  # fmt: skip

    again = run(askham_dir, "transfer", "import", str(packet))
    assert again.exit_code == 1
    assert again.output.strip() == (
        "error: file: this transfer packet was already imported on 2025-06-01 (A1234BC); "
        "nothing was changed"
    )
    ok(askham_dir, "people", "arrive", "A1234BC", "--date", "2025-06-01", "--unit", "Garden")
    assert ok(askham_dir, "transfer", "arrivals").strip() == "No expected arrivals."


def test_a_file_that_is_not_a_card_is_refused(tmp_path: Path) -> None:
    with fresh_store(tmp_path / "styal", site="HMP Styal") as styal:
        _resident(styal)
    card = tmp_path / "roll.csv"
    card.write_text("Prison Number,Surname\n", encoding="utf-8")
    result = run(
        tmp_path / "styal", "transfer", "export", "A1234BC", str(tmp_path / "x"), "--to", str(card)
    )
    assert result.exit_code == 1
    assert result.output.strip() == (
        "error: card: not a site card (write one with 'outreach keys export-card')"
    )
    assert not (tmp_path / "x").exists()
