"""Signed manifests: verify passes only an untouched export and names what changed."""

from __future__ import annotations

import hashlib
import json
import shutil
from datetime import date
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from typer.testing import CliRunner

from outreach.cli import app
from outreach.exports.signing import (
    MANIFEST,
    SIGNATURE,
    sign_folder,
    verify_export,
)
from outreach.store.site_key import fingerprint, load_public_key, public_key_of, public_key_pem
from outreach.store.store import Store
from tests.support.export_store import export_all
from tests.support.stores import PASSPHRASE

KEY = Ed25519PrivateKey.generate().private_bytes_raw()
OTHER_KEY = Ed25519PrivateKey.generate().private_bytes_raw()
FILES = {"summary.csv": b"period,measure\r\n2024-Q3,coverage\r\n", "report.html": b"<html></html>"}


def _sign(folder: Path, key: bytes = KEY) -> None:
    sign_folder(
        folder,
        key,
        site="HMP Test",
        period="2024-Q3",
        policy="nhs-hes-2018",
        as_of=date(2024, 10, 15),
        created_on=date(2024, 10, 16),
        audit_head="ab" * 32,
    )


@pytest.fixture
def signed(tmp_path: Path) -> Path:
    folder = tmp_path / "export"
    folder.mkdir()
    for name, data in FILES.items():
        (folder / name).write_bytes(data)
    _sign(folder)
    return folder


def _flip_byte(path: Path, at: int = 5) -> None:
    data = bytearray(path.read_bytes())
    data[at] ^= 0x01
    path.write_bytes(bytes(data))


def test_an_untouched_export_verifies(signed: Path) -> None:
    result = verify_export(signed)
    assert result.ok and result.fingerprint == fingerprint(public_key_of(KEY))
    assert not result.origin_checked


def test_the_manifest_lists_every_file_with_its_hash_and_size(signed: Path) -> None:
    manifest = json.loads((signed / MANIFEST).read_text(encoding="utf-8"))
    # "period,measure\r\n" is 16 bytes and "2024-Q3,coverage\r\n" 18.
    assert [(f["name"], f["size"], f["sha256"]) for f in manifest["files"]] == [
        ("report.html", 13, hashlib.sha256(FILES["report.html"]).hexdigest()),
        ("summary.csv", 34, hashlib.sha256(FILES["summary.csv"]).hexdigest()),
    ]
    assert manifest["audit_chain_head"] == "ab" * 32 and manifest["created_on"] == "2024-10-16"


@pytest.mark.parametrize("name", sorted(FILES))
def test_a_flipped_byte_in_a_file_is_named(signed: Path, name: str) -> None:
    _flip_byte(signed / name)
    assert verify_export(signed).problems == [f"{name}: changed since the export was signed"]


def test_a_flipped_byte_in_the_manifest_breaks_the_signature(signed: Path) -> None:
    text = (signed / MANIFEST).read_text(encoding="utf-8")
    (signed / MANIFEST).write_text(text.replace("2024-Q3", "2024-Q4"), encoding="utf-8")
    problems = verify_export(signed).problems
    assert problems == [
        f"{SIGNATURE} does not match {MANIFEST}: the manifest was changed, or signed with "
        "another key"
    ]


def test_a_flipped_byte_in_the_signature_is_caught(signed: Path) -> None:
    _flip_byte(signed / SIGNATURE, at=3)
    assert any(SIGNATURE in p for p in verify_export(signed).problems)


def test_a_manifest_that_is_not_json_is_refused(signed: Path) -> None:
    _flip_byte(signed / MANIFEST, at=0)
    assert verify_export(signed).problems == [f"{MANIFEST} is not a valid export manifest"]


def test_a_removed_file_is_named(signed: Path) -> None:
    (signed / "report.html").unlink()
    assert verify_export(signed).problems == [
        "report.html: removed (listed in the manifest, not in the folder)"
    ]


def test_an_added_file_is_named(signed: Path) -> None:
    (signed / "extra.csv").write_text("x", encoding="utf-8")
    assert verify_export(signed).problems == ["extra.csv: added (not in the manifest)"]


def test_a_missing_signature_is_named(signed: Path) -> None:
    (signed / SIGNATURE).unlink()
    assert verify_export(signed).problems == [f"{SIGNATURE} is missing"]


def test_a_missing_manifest_is_named(signed: Path) -> None:
    (signed / MANIFEST).unlink()
    assert verify_export(signed).problems == [
        f"{MANIFEST} is missing: this folder is not a signed export"
    ]


def test_a_re_signed_forgery_passes_integrity_but_not_origin(signed: Path) -> None:
    (signed / "summary.csv").write_bytes(b"forged")
    _sign(signed, OTHER_KEY)
    assert verify_export(signed).ok
    result = verify_export(signed, public_key_of(KEY))
    assert result.origin_checked and not result.ok
    assert result.problems[0].startswith(f"{MANIFEST} names signing key")


def test_the_right_public_key_checks_origin(signed: Path) -> None:
    result = verify_export(signed, load_public_key(public_key_pem(KEY)))
    assert result.ok and result.origin_checked


def test_a_file_that_is_not_a_public_key_is_refused() -> None:
    with pytest.raises(ValueError, match="not a PEM public key"):
        load_public_key(b"hello")


# -- the commands, on a real export ------------------------------------------------------


@pytest.fixture(scope="module")
def real_export(filled_store: Store, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return export_all(filled_store, tmp_path_factory.mktemp("signing") / "out")


@pytest.fixture
def copy(real_export: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(real_export, tmp_path / "copy"))


@pytest.fixture(scope="module")
def site_key_pem(filled_store: Store, tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("key") / "site.pem"
    result = CliRunner().invoke(
        app,
        ["keys", "export-public", str(target), "--store", str(filled_store.folder)],
        env={"OUTREACH_PASSPHRASE": PASSPHRASE},
    )
    assert result.exit_code == 0, result.output
    return target


@pytest.mark.slow
def test_keys_export_public_writes_the_key_the_export_is_signed_with(
    site_key_pem: Path, real_export: Path
) -> None:
    manifest = json.loads((real_export / MANIFEST).read_text(encoding="utf-8"))
    key = load_public_key(site_key_pem.read_bytes())
    assert fingerprint(key) == manifest["public_key_fingerprint"]


def test_verify_command_passes_an_untouched_export_and_says_what_it_proves(copy: Path) -> None:
    result = CliRunner().invoke(app, ["verify", str(copy)])
    assert result.exit_code == 0
    assert "not who signed them" in result.output


def test_verify_command_with_the_site_key_checks_origin(copy: Path, site_key_pem: Path) -> None:
    result = CliRunner().invoke(app, ["verify", str(copy), "--public-key", str(site_key_pem)])
    assert result.exit_code == 0 and "not who signed them" not in result.output


@pytest.mark.parametrize(
    "name",
    [
        "measure-reports.fhir.json",
        "notes.txt",
        "report.html",
        "summary.csv",
        "summary.json",
        "summary.xlsx",
    ],
)
def test_verify_command_fails_and_names_a_file_with_a_flipped_byte(copy: Path, name: str) -> None:
    _flip_byte(copy / name, at=100)
    result = CliRunner().invoke(app, ["verify", str(copy)])
    assert result.exit_code == 1
    assert f"{name}: changed since the export was signed" in result.output


def test_verify_command_fails_on_a_changed_manifest(copy: Path) -> None:
    _flip_byte(copy / MANIFEST, at=200)
    result = CliRunner().invoke(app, ["verify", str(copy)])
    assert result.exit_code == 1 and MANIFEST in result.output
