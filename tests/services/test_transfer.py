"""A record that follows the person: a transfer packet out of one store and into another.

Two stores: HMP Styal sends Jane Doe (A1234BC, born 1990-04-02) to HMP Askham Grange on
2025-06-01. Her pathway at Styal, worked by hand:

- arrived 2024-01-10 on B wing;
- a one-to-one conversation on 2024-02-01 with mentor Mo, on the wing, 20 minutes, outcome
  booked, barrier fear_anxiety, note "worried [/] about pain";
- offered 2024-02-01 on site; tested 2024-02-20 on site by a clinician: HPV positive, cytology
  normal -> repeat in 12 months, so a repeat_test follow-up opened 2024-02-20 due 2025-02-20;
- an informed decline on 2025-03-01, revisit 2025-09-01 (note "wants time"): a revisit
  follow-up opened 2025-03-01 due 2025-09-01 (the clinical repeat test stays open).
"""

from __future__ import annotations

import json
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import col, select

from outreach.model import (
    AuditEntry,
    Decision,
    FollowUp,
    Person,
    ScreeningEvent,
    Site,
    Stay,
    Transfer,
    TransferFollowUp,
)
from outreach.services.conversations import Addressed, LogConversation, log_conversation
from outreach.services.decisions import RecordDecision, record_decision
from outreach.services.errors import ValidationError
from outreach.services.mentors import AddMentor, add_mentor
from outreach.services.people import (
    AddPerson,
    RecordArrival,
    UpdatePerson,
    add_person,
    record_arrival,
    update_person,
)
from outreach.services.profile import person_profile
from outreach.services.programme_steps import RecordProgrammeStep, record_programme_step
from outreach.services.screening import RecordScreeningEvent, record_screening_event
from outreach.services.transfer import (
    TransferIn,
    TransferOut,
    expected_arrivals,
    transfer_in,
    transfer_out,
)
from outreach.services.transfer_packet import KIND, read_packet
from outreach.stats.coverage import coverage_on
from outreach.store import sealed
from outreach.store.store import Store
from tests.support.store_helpers import encodings_of, files_containing, files_under
from tests.support.stores import fresh_store, frozen_on

_today = frozen_on("2025-06-01")

REF = "A1234BC"
SENT = date(2025, 6, 1)


@pytest.fixture
def styal(tmp_path: Path) -> Iterator[Store]:
    with fresh_store(tmp_path / "styal", site="HMP Styal") as store:
        yield store


@pytest.fixture
def askham(tmp_path: Path) -> Iterator[Store]:
    with fresh_store(tmp_path / "askham", site="HMP Askham Grange") as store:
        yield store


def jane(store: Store, *, note: str = "worried [/] about pain") -> None:
    """Jane's pathway at ``store``, as the module docstring tells it."""
    add_person(
        store,
        AddPerson(
            ref=REF,
            display_name="Jane Doe",
            date_of_birth=date(1990, 4, 2),
            has_cervix="yes",
            unit="B wing",
            arrived_on=date(2024, 1, 10),
        ),
    )
    add_mentor(store, AddMentor(name="Mo"))
    log_conversation(
        store,
        LogConversation(
            occurred_on=date(2024, 2, 1),
            kind="one_to_one",
            mentors=["Mo"],
            setting="wing",
            outcome="booked",
            minutes=20,
            person_ref=REF,
            barriers=["fear_anxiety"],
            note=note,
        ),
    )
    record_screening_event(
        store,
        RecordScreeningEvent(
            person_ref=REF, occurred_on=date(2024, 2, 1), event="offered", where="on_site"
        ),
    )
    record_screening_event(
        store,
        RecordScreeningEvent(
            person_ref=REF,
            occurred_on=date(2024, 2, 20),
            event="test",
            hpv="positive",
            cytology="normal",
            sample="clinician",
            where="on_site",
        ),
    )
    record_decision(
        store,
        RecordDecision(
            person_ref=REF,
            kind="informed_decline",
            decided_on=date(2025, 3, 1),
            revisit_on=date(2025, 9, 1),
            note="wants time",
        ),
    )


def signing_key(store: Store) -> bytes:
    with store.read() as session:
        return session.exec(select(Site.signing_key)).one()


def own_card(store: Store) -> sealed.SiteCard:
    with store.read() as session:
        site = session.exec(select(Site)).one()
    return sealed.site_card(site.name, site.signing_key)


def card_file(store: Store, folder: Path) -> Path:
    path = folder / f"{store.folder.name}.card"
    path.write_bytes(own_card(store).to_bytes())
    return path


def send(sender: Store, receiver: Store, folder: Path, *, with_notes: bool = False) -> Path:
    packet = folder / "jane.transfer"
    transfer_out(
        sender,
        TransferOut(
            person_ref=REF,
            card=card_file(receiver, folder).read_bytes(),
            file=packet,
            left_on=SENT,
            with_notes=with_notes,
        ),
    )
    return packet


def opened(receiver: Store, packet: Path) -> dict[str, object]:
    data: dict[str, object] = json.loads(
        sealed.open_sealed(
            packet.read_bytes(), kind=KIND, signing_key=signing_key(receiver)
        ).payload
    )
    return data


@pytest.mark.slow
def test_a_packet_carries_her_pathway_without_notes(
    styal: Store, askham: Store, tmp_path: Path
) -> None:
    jane(styal)
    packet = send(styal, askham, tmp_path)
    payload = opened(askham, packet)
    with styal.read() as session:
        row = session.exec(select(Transfer)).one()
        # Each record keeps its stable id and the store that first wrote it.
        (offer, test), (decline,) = (
            session.exec(select(table.uid, table.origin).order_by(col(table.id))).all()
            for table in (ScreeningEvent, Decision)
        )
        repeat, revisit = session.exec(
            select(FollowUp.uid, FollowUp.origin)
            .where(FollowUp.status == "open")
            .order_by(col(FollowUp.due_on))
        ).all()
    assert payload == {
        "format": "outreach-transfer",
        "version": 1,
        "packet_id": row.packet_id,
        "from_site": "HMP Styal",
        "to_site": "HMP Askham Grange",
        "made_on": "2025-06-01",
        "left_on": "2025-06-01",
        "expires_on": "2025-07-01",
        "with_notes": False,
        "person": {
            "ref": REF,
            "display_name": "Jane Doe",
            "date_of_birth": "1990-04-02",
            "has_cervix": "yes",
            "language": None,
            "equity": {
                "ethnicity": "not_stated",
                "disability": "not_stated",
                "learning_disability": "not_stated",
                "first_language": "not_stated",
                "interpreter": "not_stated",
            },
        },
        "screening": [
            {
                "programme": "cervical-screening",
                "occurred_on": "2024-02-01",
                "event": "offered",
                "hpv": None,
                "cytology": None,
                "sample": None,
                "where": "on_site",
                "reason": None,
                "action": None,
                "note": None,
                "result": None,
                "uid": offer[0],
                "origin": offer[1],
            },
            {
                "programme": "cervical-screening",
                "occurred_on": "2024-02-20",
                "event": "test",
                "hpv": "positive",
                "cytology": "normal",
                "sample": "clinician",
                "where": "on_site",
                "reason": None,
                "action": "repeat_12_months",
                "note": None,
                "result": None,
                "uid": test[0],
                "origin": test[1],
            },
        ],
        "decisions": [
            {
                "programme": "cervical-screening",
                "kind": "informed_decline",
                "decided_on": "2025-03-01",
                "revisit_on": "2025-09-01",
                "note": None,
                "uid": decline[0],
                "origin": decline[1],
            }
        ],
        "follow_ups": [
            {
                "programme": "cervical-screening",
                "reason": "repeat_test",
                "due_on": "2025-02-20",
                "original_due_on": "2025-02-20",
                "opened_on": "2024-02-20",
                "note": None,
                "uid": repeat[0],
                "origin": repeat[1],
            },
            {
                "programme": "cervical-screening",
                "reason": "revisit",
                "due_on": "2025-09-01",
                "original_due_on": "2025-09-01",
                "opened_on": "2025-03-01",
                "note": None,
                "uid": revisit[0],
                "origin": revisit[1],
            },
        ],
        "conversations": [
            {
                "occurred_on": "2024-02-01",
                "setting": "wing",
                "minutes": 20,
                "outcome": "booked",
                "mentors": 1,
                "barriers": ["fear_anxiety"],
                "next_step_on": None,
                "note": None,
                "programme": "cervical-screening",
                "further": [],
            }
        ],
    }


@pytest.mark.slow
def test_with_notes_the_packet_carries_them(styal: Store, askham: Store, tmp_path: Path) -> None:
    jane(styal)
    payload = opened(askham, send(styal, askham, tmp_path, with_notes=True))
    assert payload["with_notes"] is True
    conversations = payload["conversations"]
    decisions = payload["decisions"]
    assert isinstance(conversations, list) and isinstance(decisions, list)
    assert [c["note"] for c in conversations] == ["worried [/] about pain"]
    assert [d["note"] for d in decisions] == ["wants time"]


@pytest.mark.slow
def test_sending_records_her_leaving_as_transferred_in_one_audited_action(
    styal: Store, askham: Store, tmp_path: Path
) -> None:
    jane(styal)
    with styal.read() as session:
        before = len(session.exec(select(AuditEntry)).all())
    send(styal, askham, tmp_path)
    with styal.read() as session:
        stay = session.exec(select(Stay)).one()
        transfer = session.exec(select(Transfer)).one()
        audits = session.exec(select(AuditEntry).order_by(col(AuditEntry.id))).all()
    assert (stay.left_on, stay.left_reason) == (SENT, "transferred")
    assert (transfer.direction, transfer.site, transfer.left_on) == (
        "out",
        "HMP Askham Grange",
        SENT,
    )
    assert transfer.fingerprint == own_card(askham).fingerprint
    assert len(audits) == before + 1
    last = audits[-1]
    assert (last.action, last.entity, last.entity_id) == ("transfer.out", "transfer", transfer.id)
    assert last.fields == f"left_on,left_reason,packet={transfer.packet_id}"


@pytest.mark.slow
def test_only_a_current_resident_can_be_transferred(
    styal: Store, askham: Store, tmp_path: Path
) -> None:
    jane(styal)
    send(styal, askham, tmp_path)
    with pytest.raises(ValidationError) as raised:
        transfer_out(
            styal,
            TransferOut(
                person_ref=REF,
                card=card_file(askham, tmp_path).read_bytes(),
                file=tmp_path / "again.transfer",
                left_on=SENT,
            ),
        )
    assert str(raised.value) == (
        "person_ref: A1234BC is not a current resident: only a resident can be transferred"
    )
    assert not (tmp_path / "again.transfer").exists()


@pytest.mark.slow
def test_a_file_that_is_not_a_card_is_refused_and_nothing_changes(
    styal: Store, tmp_path: Path
) -> None:
    jane(styal)
    with pytest.raises(ValidationError) as raised:
        transfer_out(
            styal,
            TransferOut(
                person_ref=REF, card=b"name,ref\n", file=tmp_path / "x.transfer", left_on=SENT
            ),
        )
    assert raised.value.field == "card"
    assert not (tmp_path / "x.transfer").exists()
    with styal.read() as session:
        assert session.exec(select(Stay.left_on)).one() is None
        assert session.exec(select(Transfer)).all() == []


@pytest.mark.slow
def test_the_store_s_own_card_is_refused(styal: Store, tmp_path: Path) -> None:
    jane(styal)
    with pytest.raises(ValidationError) as raised:
        transfer_out(
            styal,
            TransferOut(
                person_ref=REF,
                card=card_file(styal, tmp_path).read_bytes(),
                file=tmp_path / "x.transfer",
                left_on=SENT,
            ),
        )
    assert str(raised.value) == "card: that is this store's own site card"
    assert not (tmp_path / "x.transfer").exists()


@pytest.mark.slow
def test_an_existing_file_is_never_overwritten(styal: Store, askham: Store, tmp_path: Path) -> None:
    jane(styal)
    (tmp_path / "jane.transfer").write_bytes(b"keep me")
    with pytest.raises(ValidationError) as raised:
        send(styal, askham, tmp_path)
    assert raised.value.field == "file"
    assert (tmp_path / "jane.transfer").read_bytes() == b"keep me"


@pytest.mark.slow
def test_round_trip_she_is_expected_then_arrives_and_counts_at_the_receiving_site(
    styal: Store, askham: Store, tmp_path: Path
) -> None:
    jane(styal)
    packet = send(styal, askham, tmp_path)
    taken = transfer_in(askham, TransferIn(packet.read_bytes()))
    assert (taken.person_ref, taken.from_site, taken.matched, taken.resident) == (
        REF,
        "HMP Styal",
        False,
        False,
    )
    assert (taken.screening, taken.decisions, taken.follow_ups, taken.conversations) == (
        2,
        1,
        2,
        1,
    )
    assert taken.fingerprint == own_card(styal).fingerprint
    (expected,) = expected_arrivals(askham)
    assert (expected.person_ref, expected.display_name, expected.from_site) == (
        REF,
        "Jane Doe",
        "HMP Styal",
    )
    assert (expected.left_on, expected.follow_ups) == (SENT, 2)
    with askham.read() as session:
        # Expected, not resident: she counts nowhere yet.
        before = coverage_on(session, SENT)
    assert (before.eligible, before.covered) == (0, 0)

    record_arrival(askham, RecordArrival(person_ref=REF, arrived_on=SENT, unit="Garden house"))
    assert expected_arrivals(askham) == []
    with askham.read() as session:
        after = coverage_on(session, SENT)
        events = session.exec(
            select(ScreeningEvent.occurred_on, ScreeningEvent.event, ScreeningEvent.where).order_by(
                col(ScreeningEvent.occurred_on)
            )
        ).all()
        follow_ups = session.exec(
            select(FollowUp.reason, FollowUp.due_on, FollowUp.status, FollowUp.note).order_by(
                col(FollowUp.due_on)
            )
        ).all()
        carried = session.exec(select(TransferFollowUp)).all()
        person = session.exec(select(Person)).one()
    # Aged 35 on 2025-06-01, an adequate test (HPV positive) on 2024-02-20, within 3.5 years:
    # eligible and covered, on her unit.
    assert (after.eligible, after.covered) == (1, 1)
    assert after.by_unit == {"Garden house": (1, 1)}
    assert events == [
        (date(2024, 2, 1), "offered", "before_arrival"),
        (date(2024, 2, 20), "test", "before_arrival"),
    ]
    assert follow_ups == [
        ("repeat_test", date(2025, 2, 20), "open", None),
        ("revisit", date(2025, 9, 1), "open", None),
    ]
    assert len(carried) == 2
    assert (person.display_name, person.date_of_birth, person.has_cervix) == (
        "Jane Doe",
        date(1990, 4, 2),
        "yes",
    )


@pytest.mark.slow
def test_do_not_approach_arrives_in_force(styal: Store, askham: Store, tmp_path: Path) -> None:
    jane(styal)
    record_decision(
        styal, RecordDecision(person_ref=REF, kind="do_not_approach", decided_on=date(2025, 4, 1))
    )
    transfer_in(askham, TransferIn(send(styal, askham, tmp_path).read_bytes()))
    from outreach.services.standing import is_do_not_approach

    with askham.read() as session:
        person_id = session.exec(select(Person.id)).one()
        assert is_do_not_approach(session, person_id, SENT)
        # Do not approach cancelled the revisit at Styal: only the clinical repeat travels.
        reasons = session.exec(select(FollowUp.reason)).all()
        kinds = session.exec(select(Decision.kind).order_by(col(Decision.decided_on))).all()
    assert reasons == ["repeat_test"]
    assert kinds == ["informed_decline", "do_not_approach"]


@pytest.mark.slow
def test_ceasing_arrives_in_force(styal: Store, askham: Store, tmp_path: Path) -> None:
    jane(styal)
    record_screening_event(
        styal,
        RecordScreeningEvent(
            person_ref=REF, occurred_on=date(2025, 5, 1), event="ceased", reason="no_cervix"
        ),
    )
    transfer_in(askham, TransferIn(send(styal, askham, tmp_path).read_bytes()))
    record_arrival(askham, RecordArrival(person_ref=REF, arrived_on=SENT, unit="Garden house"))
    with askham.read() as session:
        cov = coverage_on(session, SENT)
    assert (cov.eligible, cov.covered, cov.ceased) == (0, 0, 1)


@pytest.mark.slow
def test_an_altered_packet_is_refused_and_changes_nothing(
    styal: Store, askham: Store, tmp_path: Path
) -> None:
    jane(styal)
    data = bytearray(send(styal, askham, tmp_path).read_bytes())
    data[len(data) // 2] ^= 0x01
    with pytest.raises(ValidationError) as raised:
        transfer_in(askham, TransferIn(bytes(data)))
    assert raised.value.field == "file"
    assert "altered" in raised.value.message
    with askham.read() as session:
        assert session.exec(select(Person)).all() == []


@pytest.mark.slow
def test_a_packet_sealed_to_another_store_is_refused(
    styal: Store, askham: Store, tmp_path: Path
) -> None:
    jane(styal)
    with fresh_store(tmp_path / "third", site="HMP Low Newton") as third:
        packet = send(styal, third, tmp_path)
    with pytest.raises(ValidationError) as raised:
        transfer_in(askham, TransferIn(packet.read_bytes()))
    assert str(raised.value) == "file: this file was sealed for another store, not this one"
    with askham.read() as session:
        assert session.exec(select(Person)).all() == []


@pytest.mark.slow
def test_a_packet_imported_twice_says_so_and_changes_nothing(
    styal: Store, askham: Store, tmp_path: Path
) -> None:
    jane(styal)
    data = send(styal, askham, tmp_path).read_bytes()
    transfer_in(askham, TransferIn(data))
    with askham.read() as session:
        audits = len(session.exec(select(AuditEntry)).all())
        counts = [
            len(session.exec(select(table)).all())
            for table in (Person, ScreeningEvent, Decision, FollowUp, Transfer)
        ]
    with pytest.raises(ValidationError) as raised:
        transfer_in(askham, TransferIn(data))
    assert str(raised.value) == (
        "file: this transfer packet was already imported on 2025-06-01 (A1234BC); "
        "nothing was changed"
    )
    with askham.read() as session:
        assert len(session.exec(select(AuditEntry)).all()) == audits
        assert counts == [1, 2, 1, 2, 1]
        assert [
            len(session.exec(select(table)).all())
            for table in (Person, ScreeningEvent, Decision, FollowUp, Transfer)
        ] == counts


@pytest.mark.slow
def test_an_expired_packet_is_refused(styal: Store, askham: Store, tmp_path: Path) -> None:
    from freezegun import freeze_time

    jane(styal)
    data = send(styal, askham, tmp_path).read_bytes()
    with freeze_time("2025-07-02"), pytest.raises(ValidationError) as raised:
        transfer_in(askham, TransferIn(data))
    assert str(raised.value) == "file: this transfer packet expired on 2025-07-01"


@pytest.mark.slow
def test_a_reference_known_with_another_birth_date_is_refused_for_a_person_to_decide(
    styal: Store, askham: Store, tmp_path: Path
) -> None:
    jane(styal)
    add_person(
        askham,
        AddPerson(ref=REF.lower(), display_name="J Doe", date_of_birth=date(1991, 4, 2)),
    )
    with pytest.raises(ValidationError) as raised:
        transfer_in(askham, TransferIn(send(styal, askham, tmp_path).read_bytes()))
    assert raised.value.message == (
        "a1234bc here has date of birth 1991-04-02, the packet 1990-04-02: they may be two "
        "people; nothing was imported"
    )
    with askham.read() as session:
        assert len(session.exec(select(Person)).all()) == 1
        assert session.exec(select(ScreeningEvent)).all() == []


@pytest.mark.slow
def test_she_is_matched_by_reference_and_birth_date_and_nothing_is_added_twice(
    styal: Store, askham: Store, tmp_path: Path
) -> None:
    jane(styal)
    # Askham knew her from an earlier stay and holds the same test already.
    add_person(
        askham,
        AddPerson(
            ref=REF,
            display_name="Jane Doe",
            date_of_birth=date(1990, 4, 2),
            arrived_on=date(2024, 2, 10),
        ),
    )
    record_screening_event(
        askham,
        RecordScreeningEvent(
            person_ref=REF,
            occurred_on=date(2024, 2, 20),
            event="test",
            hpv="positive",
            cytology="normal",
            sample="clinician",
            where="outside",
        ),
    )
    taken = transfer_in(askham, TransferIn(send(styal, askham, tmp_path).read_bytes()))
    # The test and the repeat it asked for were already here: one step, one follow-up
    # not added twice.
    assert (taken.matched, taken.resident, taken.already_here, taken.follow_ups) == (
        True,
        True,
        2,
        1,
    )
    with askham.read() as session:
        assert len(session.exec(select(Person)).all()) == 1
        assert len(session.exec(select(ScreeningEvent)).all()) == 2
    assert expected_arrivals(askham) == []


# Made afresh each run, so no other file in the shared temporary folder can hold it.
MARKER = f"Zébulon Ñandú 漢字 {uuid.uuid4().hex}"


@pytest.mark.slow
def test_no_plaintext_of_the_packet_reaches_disk(
    styal: Store, askham: Store, tmp_path: Path
) -> None:
    started = time.time()
    jane(styal, note=MARKER)
    folder = tmp_path / "stick"
    folder.mkdir()
    packet = send(styal, askham, folder, with_notes=True)
    transfer_in(askham, TransferIn(packet.read_bytes()))
    # The marker travelled (so the scan below can find it), sealed.
    conversations = opened(askham, packet)["conversations"]
    assert isinstance(conversations, list) and conversations[0]["note"] == MARKER
    needles = encodings_of(MARKER) + encodings_of("Jane Doe") + encodings_of(REF)
    for store in (styal, askham):
        store.close()
    everywhere = [*files_under(tmp_path)]
    recent = [
        path
        for path in files_under(Path(tempfile.gettempdir()))
        if tmp_path not in path.parents and _written_since(path, started)
    ]
    assert [p.name for p in files_under(folder)] == ["askham.card", "jane.transfer"]
    assert files_containing(everywhere, needles) == []
    # Other people's files share the temporary folder: look there for the marker alone.
    assert files_containing(recent, encodings_of(MARKER)) == []


def _written_since(path: Path, started: float) -> bool:
    try:
        found = path.stat()
    except OSError:
        return False
    return found.st_mtime >= started - 1 and found.st_size < 50 * 1024 * 1024


@pytest.mark.slow
def test_carried_records_keep_their_ids_and_one_held_already_is_not_added_again(
    styal: Store, askham: Store, tmp_path: Path
) -> None:
    jane(styal)
    data = send(styal, askham, tmp_path).read_bytes()
    with styal.read() as session:
        sent = set(session.exec(select(ScreeningEvent.uid, ScreeningEvent.origin)).all())
        test_uid = session.exec(
            select(ScreeningEvent.uid).where(ScreeningEvent.event == "test")
        ).one()
    # Askham already holds the test under its id (as a sync or an earlier stay would leave
    # it), recorded there with another date: only its id says it is the same record.
    add_person(
        askham,
        AddPerson(ref=REF, display_name="Jane Doe", date_of_birth=date(1990, 4, 2)),
    )
    record_screening_event(
        askham,
        RecordScreeningEvent(
            person_ref=REF,
            occurred_on=date(2024, 2, 21),
            event="test",
            hpv="positive",
            cytology="normal",
            sample="clinician",
            where="outside",
        ),
    )
    with askham.write() as session:
        held = session.exec(select(ScreeningEvent)).one()
        held.uid = test_uid
        session.add(held)
    taken = transfer_in(askham, TransferIn(data))
    assert (taken.matched, taken.already_here) == (True, 1)
    with askham.read() as session:
        kept = set(session.exec(select(ScreeningEvent.uid, ScreeningEvent.origin)).all())
        days = session.exec(
            select(ScreeningEvent.occurred_on).order_by(col(ScreeningEvent.occurred_on))
        ).all()
    # The offer arrived with Styal's id and origin; the test was not added a second time.
    offer = next(pair for pair in sent if pair[0] != test_uid)
    assert offer in kept
    assert len(kept) == 2
    assert days == [date(2024, 2, 1), date(2024, 2, 21)]


@pytest.mark.slow
def test_her_equity_answers_and_a_decline_travel_with_her(
    styal: Store, askham: Store, tmp_path: Path
) -> None:
    jane(styal)
    update_person(styal, UpdatePerson(person_ref=REF, ethnicity="Irish", disability="declined"))
    transfer_in(askham, TransferIn(send(styal, askham, tmp_path).read_bytes()))
    with askham.read() as session:
        person = session.exec(select(Person).where(Person.ref == REF)).one()
    assert (
        person.ethnicity,
        person.disability,
        person.learning_disability,
        person.first_language,
        person.interpreter,
    ) == ("white_irish", "declined", "not_stated", "not_stated", "not_stated")


@pytest.mark.parametrize(
    "equity",
    [["white_irish"], {"ethnicity": "Martian"}, {"shoe_size": "9"}, {"ethnicity": 3}],
)
def test_a_packet_with_equity_values_no_field_knows_is_refused(equity: object) -> None:
    payload = {
        "format": "outreach-transfer",
        "version": 1,
        "person": {
            "ref": REF,
            "display_name": "Jane Doe",
            "date_of_birth": "1990-04-02",
            "has_cervix": "yes",
            "equity": equity,
        },
    }
    with pytest.raises(ValidationError, match="equity fields"):
        read_packet(json.dumps(payload).encode())


@pytest.mark.slow
def test_a_testing_programme_s_steps_travel_with_their_results(
    styal: Store, askham: Store, tmp_path: Path
) -> None:
    jane(styal)
    record_programme_step(
        styal,
        RecordProgrammeStep(
            person_ref=REF,
            programme="bbv-hepatitis-c",
            step="antibody_test",
            occurred_on=date(2024, 3, 1),
            result="positive",
        ),
    )
    taken = transfer_in(askham, TransferIn(send(styal, askham, tmp_path).read_bytes()))
    assert taken.screening == 3
    with askham.read() as session:
        carried = session.exec(
            select(ScreeningEvent.event, ScreeningEvent.result).where(
                ScreeningEvent.programme == "bbv-hepatitis-c"
            )
        ).all()
    assert carried == [("antibody_test", "positive")]


@pytest.mark.parametrize(
    ("step", "why"),
    [
        ({"programme": "bbv-hepatitis-c", "event": "colposcopy_referred"}, "does not list"),
        (
            {"programme": "bbv-hepatitis-c", "event": "antibody_test", "result": "cured"},
            "result its programme does not list",
        ),
        ({"programme": "cervical-screening", "event": "test", "result": "positive"}, "result"),
        ({"programme": "martian-screening", "event": "offered"}, "does not run"),
    ],
)
def test_a_carried_step_its_programme_does_not_know_is_refused(
    step: dict[str, str], why: str
) -> None:
    payload = {
        "format": "outreach-transfer",
        "version": 1,
        "person": {
            "ref": REF,
            "display_name": "Jane Doe",
            "date_of_birth": "1990-04-02",
            "has_cervix": "yes",
        },
        "screening": [{"occurred_on": "2024-03-01", **step}],
    }
    with pytest.raises(ValidationError, match=why):
        read_packet(json.dumps(payload).encode())


def jane_and_hepatitis_c(styal: Store, barriers: list[str]) -> None:
    """Jane's pathway, and on 2024-03-05 a conversation with Mo about cervical screening
    (booked) and hepatitis C (an informed decline, with ``barriers``)."""
    jane(styal)
    log_conversation(
        styal,
        LogConversation(
            occurred_on=date(2024, 3, 5),
            kind="one_to_one",
            mentors=["Mo"],
            setting="wing",
            outcome="booked",
            person_ref=REF,
            programme="cervical-screening",
            also=[Addressed("bbv-hepatitis-c", "informed_decline", barriers)],
        ),
    )


@pytest.mark.slow
def test_a_conversation_about_several_programmes_travels_with_each(
    styal: Store, askham: Store, tmp_path: Path
) -> None:
    jane_and_hepatitis_c(styal, ["needles", "stigma"])
    packet = send(styal, askham, tmp_path)
    carried = opened(askham, packet)["conversations"]
    assert isinstance(carried, list)
    # The first conversation was about cervical screening alone; the second about both.
    assert [(c["occurred_on"], c["programme"], c["outcome"], c["further"]) for c in carried] == [
        ("2024-02-01", "cervical-screening", "booked", []),
        (
            "2024-03-05",
            "cervical-screening",
            "booked",
            [
                {
                    "programme": "bbv-hepatitis-c",
                    "outcome": "informed_decline",
                    "barriers": ["needles", "stigma"],
                }
            ],
        ),
    ]
    transfer_in(askham, TransferIn(packet.read_bytes()))
    with askham.read() as session:
        kept = json.loads(session.exec(select(Transfer.conversations)).one())
    assert [(c["programme"], c["further"]) for c in kept] == [
        ("cervical-screening", []),
        (
            "cervical-screening",
            [
                {
                    "programme": "bbv-hepatitis-c",
                    "outcome": "informed_decline",
                    "barriers": ["needles", "stigma"],
                }
            ],
        ),
    ]


def _with_conversation(conversation: dict[str, object]) -> bytes:
    talk = {"occurred_on": "2024-02-01", "setting": "wing", "minutes": 20, "outcome": "booked"}
    payload = {
        "format": "outreach-transfer",
        "version": 1,
        "packet_id": "p-1",
        "from_site": "Styal",
        "to_site": "Askham",
        "made_on": "2024-06-01",
        "left_on": "2024-06-01",
        "expires_on": "2024-07-01",
        "with_notes": False,
        "person": {
            "ref": REF,
            "display_name": "Jane Doe",
            "date_of_birth": "1990-04-02",
            "has_cervix": "yes",
        },
        "screening": [],
        "decisions": [],
        "follow_ups": [],
        "conversations": [{**talk, "mentors": 1, "barriers": [], **conversation}],
    }
    return json.dumps(payload).encode()


def test_a_packet_made_before_programmes_travelled_reads_as_cervical_screening() -> None:
    (talk,) = read_packet(_with_conversation({})).conversations
    assert (talk.programme, talk.further) == ("cervical-screening", [])


@pytest.mark.parametrize(
    ("conversation", "why"),
    [
        ({"programme": "martian-screening"}, "does not run"),
        (
            {"further": [{"programme": "martian-screening", "outcome": "booked", "barriers": []}]},
            "does not run",
        ),
        (
            {"further": [{"programme": "cervical-screening", "outcome": "booked", "barriers": []}]},
            "twice",
        ),
        ({"further": [{"programme": "bbv-hiv", "outcome": "booked", "barriers": "x"}]}, "barriers"),
    ],
)
def test_a_carried_conversation_s_programmes_are_checked(
    conversation: dict[str, object], why: str
) -> None:
    with pytest.raises(ValidationError, match=why):
        read_packet(_with_conversation(conversation))


@pytest.mark.slow
def test_the_conversations_she_had_there_are_in_her_timeline_here(
    styal: Store, askham: Store, tmp_path: Path
) -> None:
    """Read with the sending site's name, a mentor count and no note (not chosen); the second
    conversation with each programme it addressed, as her own conversations read."""
    jane_and_hepatitis_c(styal, ["needles"])
    transfer_in(askham, TransferIn(send(styal, askham, tmp_path).read_bytes()))
    talks = [
        (item.on, item.summary, item.note)
        for item in person_profile(askham, REF).timeline
        if item.kind == "conversation"
    ]
    assert talks == [
        (
            date(2024, 3, 5),
            "at HMP Styal: one-to-one with 1 mentor (on the wing); Cervical screening: booked a "
            "test; Hep C: informed decline, barriers: fear of needles or blood tests",
            None,
        ),
        (
            date(2024, 2, 1),
            "at HMP Styal: one-to-one, 20 min with 1 mentor (on the wing); outcome: booked a test;"
            " barriers: fear or anxiety",
            None,
        ),
    ]
