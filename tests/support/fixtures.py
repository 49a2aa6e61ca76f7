"""The store fixtures every test folder can ask for (loaded by tests/conftest.py).

- ``store``: an empty store for one test (``store_dir`` is its folder): a copy of the session's
  ``store_template`` (one per xdist worker), which shares that template's store id, keys and
  creation time (:data:`~tests.support.stores.TEMPLATE_MADE_AT`); a test marked
  ``fresh_store`` gets a store made for it alone instead.
- ``shared_store``: one empty store for a whole module; ``empty_store`` is it, cleared of
  every person and record before the test.
- ``filled_store``: the export tests' store (tests/support/export_store.py), one per module.
- ``small_disk``: a 4 MiB file system of the test's own, to fill up.
- ``tui_template``: the small store of tests/support/tui_store.py, built once per session (per
  xdist worker) and never opened: tests copy it (``copy_built``) rather than build their own.

All are made by :func:`tests.support.stores.new_store`.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from outreach.store.store import Store
from tests.support.export_store import populate
from tests.support.stores import clear, copy_of, fresh_store, module_store, session_template
from tests.support.tui_store import build_store


@pytest.fixture
def store_dir(tmp_path: Path) -> Path:
    return tmp_path / "store"


@pytest.fixture(scope="session")
def store_template(tmp_path_factory: pytest.TempPathFactory) -> Store:
    """The new store every ``store`` copies: making one costs ~0.9 s of CPU (three Argon2id
    key derivations and every migration), copying it a few milliseconds."""
    return session_template(tmp_path_factory)


@pytest.fixture
def store(request: pytest.FixtureRequest, store_dir: Path) -> Iterator[Store]:
    """An empty store for "HMP Test", open as its one admin account, ``ana`` (holding her
    slot-signing secrets and the store's shared lock, as :meth:`Store.init` leaves it).

    A copy of ``store_template``; marked ``fresh_store``, a store of its own (its own id, keys
    and creation time), for a test that compares stores or reads when the store was made."""
    if request.node.get_closest_marker("fresh_store"):
        with fresh_store(store_dir) as opened:
            yield opened
        return
    template: Store = request.getfixturevalue("store_template")
    with copy_of(template, store_dir, signs_slots=True, locked=True) as copied:
        yield copied


shared_store = pytest.fixture(scope="module")(module_store)


@pytest.fixture
def empty_store(shared_store: Store) -> Store:
    """The module's store with every person, record and target deleted."""
    clear(shared_store)
    return shared_store


@pytest.fixture(scope="module")
def filled_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """One populated store per test module (unlocking costs ~0.1 s each time)."""
    with fresh_store(tmp_path_factory.mktemp("export-store") / "store") as opened:
        populate(opened)
        yield opened


@pytest.fixture(scope="session")
def tui_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small deterministic store of tests/support/tui_store.py, closed, to copy."""
    return build_store(tmp_path_factory.mktemp("tui-template") / "store")


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 4 MiB tmpfs mounted for the test (needs root on Linux; skipped otherwise)."""
    if not sys.platform.startswith("linux") or os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root on Linux")
    mount = tmp_path / "disk"
    mount.mkdir()
    result = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        pytest.skip(f"mount is not permitted here: {result.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)
