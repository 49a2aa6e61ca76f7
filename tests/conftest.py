"""Shared fixtures: fresh stores in temporary folders, and an environment kept clean."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from outreach.store.store import Store

PASSPHRASE = "correct horse battery"


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Keep the developer's own store, account and passphrase out of every test."""
    for name in (
        "OUTREACH_STORE",
        "OUTREACH_USER",
        "OUTREACH_PASSPHRASE",
        "OUTREACH_NEW_PASSPHRASE",
        "OUTREACH_RECOVERY_CODE",
        "OUTREACH_DEBUG",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))


@pytest.fixture
def store_dir(tmp_path: Path) -> Path:
    return tmp_path / "store"


@pytest.fixture
def store(store_dir: Path) -> Iterator[Store]:
    """A new store for "HMP Test" with one admin account, ``ana``."""
    opened, _ = Store.init(store_dir, site_name="HMP Test", admin="ana", passphrase=PASSPHRASE)
    try:
        yield opened
    finally:
        opened.close()
