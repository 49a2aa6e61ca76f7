"""Sealed files: only the store they were sealed to opens them, and any changed byte is refused."""

from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from outreach.errors import ValidationError
from outreach.store.sealed import (
    MAGIC,
    SiteCard,
    open_sealed,
    own_fingerprint,
    receiving_key,
    seal,
    site_card,
)

KEY_A = bytes(range(32))
KEY_B = bytes(range(32, 64))
KEY_C = bytes(range(64, 96))


def _sealed(payload: bytes = b"figures", kind: str = "test/1") -> bytes:
    return seal(payload, kind=kind, sender="HMP A", signing_key=KEY_A, to=site_card("HMP B", KEY_B))


def test_the_receiving_store_opens_it_and_learns_who_sealed_it() -> None:
    opened = open_sealed(_sealed(b"exact counts"), kind="test/1", signing_key=KEY_B)

    assert opened.payload == b"exact counts"
    assert opened.sender.site == "HMP A"
    assert opened.sender.fingerprint == site_card("HMP A", KEY_A).fingerprint


def test_the_payload_is_not_in_the_file() -> None:
    assert b"exact counts" not in _sealed(b"exact counts")


def test_the_receiving_key_is_derived_from_the_signing_key_alone() -> None:
    one = receiving_key(KEY_A).public_key().public_bytes_raw()
    assert one == receiving_key(KEY_A).public_key().public_bytes_raw()
    assert one != receiving_key(KEY_B).public_key().public_bytes_raw()


def test_a_fingerprint_is_eight_groups_of_four_over_both_keys() -> None:
    card = site_card("HMP B", KEY_B)
    groups = card.fingerprint.split(" ")
    assert [len(g) for g in groups] == [4] * 8
    assert card.fingerprint == own_fingerprint(KEY_B)
    assert card.fingerprint != site_card("HMP B", KEY_C).fingerprint


def test_a_file_sealed_to_another_store_is_refused() -> None:
    with pytest.raises(ValidationError, match="sealed for another store"):
        open_sealed(_sealed(), kind="test/1", signing_key=KEY_C)


def test_a_file_of_another_kind_is_refused() -> None:
    with pytest.raises(ValidationError, match="'test/1' file, not a 'transfer/1' file"):
        open_sealed(_sealed(), kind="transfer/1", signing_key=KEY_B)


@pytest.mark.parametrize("where", ["header", "ciphertext", "signature", "length"])
def test_one_changed_byte_anywhere_is_refused(where: str) -> None:
    data = bytearray(_sealed(b"x" * 100))
    start = len(MAGIC) + 4
    header_length = int.from_bytes(data[len(MAGIC) : start], "big")
    position = {
        "header": start + header_length // 2,
        "ciphertext": start + header_length + 10,
        "signature": len(data) - 5,
        "length": len(MAGIC) + 3,
    }[where]
    data[position] ^= 0x01
    with pytest.raises(ValidationError):
        open_sealed(bytes(data), kind="test/1", signing_key=KEY_B)


def test_resealing_altered_content_under_a_stolen_name_is_refused() -> None:
    """A third store signs its own file but names HMP A as the sender: the card in the header
    is HMP A's, so the signature (made with C's key) does not verify."""
    data = bytearray(
        seal(
            b"forged",
            kind="test/1",
            sender="HMP C",
            signing_key=KEY_C,
            to=site_card("HMP B", KEY_B),
        )
    )
    start = len(MAGIC) + 4
    length = int.from_bytes(data[len(MAGIC) : start], "big")
    header = json.loads(data[start : start + length])
    header["sender"] = site_card("HMP A", KEY_A).header()
    new_header = json.dumps(header, sort_keys=True).encode()
    forged = MAGIC + len(new_header).to_bytes(4, "big") + new_header + bytes(data[start + length :])
    with pytest.raises(ValidationError, match="altered"):
        open_sealed(forged, kind="test/1", signing_key=KEY_B)


@pytest.mark.parametrize("data", [b"", b"hello", MAGIC, MAGIC + b"\xff\xff\xff\xff" + b"0" * 80])
def test_what_is_not_a_sealed_file_is_refused(data: bytes) -> None:
    with pytest.raises(ValidationError):
        open_sealed(data, kind="test/1", signing_key=KEY_B)


def test_a_card_round_trips_and_a_swapped_receiving_key_is_refused() -> None:
    card = site_card("Wing [/] =X", KEY_A)
    assert SiteCard.from_bytes(card.to_bytes()) == card

    swapped = json.loads(card.to_bytes())
    swapped["receiving"] = json.loads(site_card("Wing [/] =X", KEY_C).to_bytes())["receiving"]
    with pytest.raises(ValidationError, match="altered"):
        SiteCard.from_bytes(json.dumps(swapped).encode())

    with pytest.raises(ValidationError, match="not a site card"):
        SiteCard.from_bytes(b"-----BEGIN PUBLIC KEY-----")


def test_an_ed25519_key_is_not_accepted_as_receiving_key_material() -> None:
    # The receiving key is never the signing key itself.
    signing_raw = Ed25519PrivateKey.from_private_bytes(KEY_A).public_key().public_bytes_raw()
    assert receiving_key(KEY_A).public_key().public_bytes_raw() != signing_raw
