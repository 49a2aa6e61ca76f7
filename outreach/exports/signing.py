"""Signed export folders: ``manifest.json`` lists every file with its SHA-256 and size, and
``manifest.sig`` is the site's Ed25519 signature over the exact bytes of ``manifest.json``.

The manifest carries the public key, so anyone can check that a folder is unchanged since it
was signed; only a public key obtained separately (``outreach keys export-public``) also shows
who signed it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from outreach import __version__
from outreach.store.site_key import fingerprint, raw_public_key

MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
FORMAT = "outreach-export-manifest/1"
_CHUNK = 1 << 16


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as data:
        while chunk := data.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _content_files(folder: Path) -> list[Path]:
    return sorted(
        (p for p in folder.iterdir() if p.name not in (MANIFEST, SIGNATURE)),
        key=lambda p: p.name,
    )


def sign_folder(
    folder: Path,
    signing_key: bytes,
    *,
    site: str,
    period: str,
    policy: str,
    as_of: date,
    created_on: date,
    audit_head: str,
) -> bytes:
    """Write ``manifest.json`` for every file in ``folder`` and ``manifest.sig`` over it.

    Returns the manifest bytes. ``created_on`` is a day, never a time of day.
    """
    private = Ed25519PrivateKey.from_private_bytes(signing_key)
    public = private.public_key()
    files = []
    for path in _content_files(folder):
        if not path.is_file():
            raise ValueError(f"{path.name}: only plain files can be signed")
        files.append({"name": path.name, "sha256": file_digest(path), "size": path.stat().st_size})
    manifest = {
        "format": FORMAT,
        "app_version": __version__,
        "site": site,
        "period": period,
        "policy": policy,
        "as_of": as_of.isoformat(),
        "created_on": created_on.isoformat(),
        "audit_chain_head": audit_head,
        "public_key": base64.b64encode(raw_public_key(public)).decode("ascii"),
        "public_key_fingerprint": fingerprint(public),
        "files": files,
    }
    data = (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    (folder / MANIFEST).write_bytes(data)
    signature = base64.b64encode(private.sign(data)).decode("ascii") + "\n"
    (folder / SIGNATURE).write_text(signature, encoding="ascii")
    return data


@dataclass
class Verification:
    """What ``verify_export`` found. ``ok`` only when there are no problems."""

    problems: list[str] = field(default_factory=list)
    origin_checked: bool = False
    """True when the signature was checked against a key given separately, not the embedded one."""
    fingerprint: str | None = None
    """Fingerprint of the key the signature was checked against."""
    manifest: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_export(folder: Path, public_key: Ed25519PublicKey | None = None) -> Verification:
    """Check an export folder against its signed manifest, and its ``summary.json`` (when it
    has one) against the summary schema: a signature over figures that fail their own schema
    (as an export made before that check could be) is not an export to trust.

    Without ``public_key`` the signature is checked against the key inside the manifest, which
    proves the files are unchanged since signing but not who signed them.
    """
    result = Verification(origin_checked=public_key is not None)
    if not folder.is_dir():
        result.problems.append(f"{folder} is not a folder")
        return result
    manifest_path, signature_path = folder / MANIFEST, folder / SIGNATURE
    if not manifest_path.is_file():
        result.problems.append(f"{MANIFEST} is missing: this folder is not a signed export")
        return result
    data = manifest_path.read_bytes()
    manifest = _parse_manifest(data)
    if manifest is None:
        result.problems.append(f"{MANIFEST} is not a valid export manifest")
        return result
    result.manifest = manifest
    embedded = Ed25519PublicKey.from_public_bytes(base64.b64decode(manifest["public_key"]))
    key = public_key or embedded
    result.fingerprint = fingerprint(key)
    if public_key is not None and raw_public_key(public_key) != raw_public_key(embedded):
        result.problems.append(
            f"{MANIFEST} names signing key {fingerprint(embedded)}, not the key given "
            f"({fingerprint(public_key)})"
        )
    if not signature_path.is_file():
        result.problems.append(f"{SIGNATURE} is missing")
    elif not _signature_holds(key, signature_path.read_bytes(), data):
        result.problems.append(
            f"{SIGNATURE} does not match {MANIFEST}: the manifest was changed, or signed with "
            "another key"
        )
    result.problems.extend(_file_problems(folder, manifest["files"]))
    result.problems.extend(_schema_problems(folder))
    return result


def _schema_problems(folder: Path) -> list[str]:
    # Imported here: the summary's schema is needed only when a folder holds a summary.
    from outreach.exports.json_writer import SCHEMA_FILE, schema_problems

    path = folder / "summary.json"
    if not path.is_file():
        return []
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, ValueError):
        return [f"summary.json is not JSON, so it cannot satisfy {SCHEMA_FILE}"]
    found = schema_problems(document)
    shown = [f"summary.json does not satisfy {SCHEMA_FILE}: {line}" for line in found[:3]]
    if len(found) > 3:
        shown.append(f"summary.json: {len(found) - 3} more places fail {SCHEMA_FILE}")
    return shown


def _parse_manifest(data: bytes) -> dict[str, Any] | None:
    try:
        manifest = json.loads(data.decode("utf-8"))
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            return None
        key = base64.b64decode(manifest["public_key"], validate=True)
        files = manifest["files"]
        if len(key) != 32 or not isinstance(files, list):
            return None
        for entry in files:
            if not (
                isinstance(entry["name"], str)
                and isinstance(entry["sha256"], str)
                and isinstance(entry["size"], int)
            ):
                return None
    except (UnicodeDecodeError, ValueError, KeyError, TypeError, binascii.Error):
        return None
    return manifest


def _signature_holds(key: Ed25519PublicKey, signature_file: bytes, data: bytes) -> bool:
    try:
        signature = base64.b64decode(signature_file.strip(), validate=True)
        key.verify(signature, data)
    except (InvalidSignature, binascii.Error, ValueError):
        return False
    return True


def _file_problems(folder: Path, listed: list[dict[str, Any]]) -> list[str]:
    problems = []
    expected = {entry["name"]: entry for entry in listed}
    for name, entry in expected.items():
        path = folder / name
        if Path(name).name != name or name in (MANIFEST, SIGNATURE):
            problems.append(f"{MANIFEST} lists an impossible file name {name!r}")
        elif not path.is_file():
            problems.append(f"{name}: removed (listed in the manifest, not in the folder)")
        elif path.stat().st_size != entry["size"] or file_digest(path) != entry["sha256"]:
            problems.append(f"{name}: changed since the export was signed")
    for path in _content_files(folder):
        if path.name not in expected:
            problems.append(f"{path.name}: added (not in the manifest)")
    return problems
