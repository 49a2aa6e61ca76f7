"""``outreach check`` passes a sound store and names the damaged page or audit row."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from outreach.cli import app
from outreach.store import audit
from tests.support.store_helpers import add_people, raw
from tests.support.stores import PASSPHRASE, new_store

PAGE = 4096


@pytest.fixture(scope="module")
def sound(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, bytes]]:
    """A closed store with 2,000 people and four audit rows, and its data key."""
    folder = tmp_path_factory.mktemp("check") / "store"
    store = new_store(folder)
    add_people(store, 2000)
    with store.write() as session:
        for action in ("test.one", "test.two", "test.three"):
            audit.record(session, actor_id=store.actor.id, action=action)
    key = store._data_key
    store.close()
    yield folder, key


def _check(folder: Path) -> Result:
    return CliRunner().invoke(
        app, ["check", "--store", str(folder)], env={"OUTREACH_PASSPHRASE": PASSPHRASE}
    )


def _copy(sound: tuple[Path, bytes], tmp_path: Path) -> Path:
    return Path(shutil.copytree(sound[0], tmp_path / "store"))


@pytest.mark.slow
def test_a_sound_store_passes_every_check(sound: tuple[Path, bytes]) -> None:
    result = _check(sound[0])
    assert result.exit_code == 0, result.output
    names = [line.split()[1] for line in result.output.splitlines()]
    assert names == [
        "key",
        "cipher",
        "integrity",
        "foreign",
        "schema",
        "first",
        "sync",
        "roles",
        "audit",  # head
        "audit",  # chain
        "audit",  # signatures
        "export",
        "month",  # figures
        "month",  # counts
        "region",  # sums
    ]
    assert all(line.startswith("ok") for line in result.output.splitlines())


@pytest.mark.parametrize("page", [2, 17, 60])
def test_a_damaged_page_is_named(sound: tuple[Path, bytes], tmp_path: Path, page: int) -> None:
    folder = _copy(sound, tmp_path)
    db = folder / "data.db"
    assert db.stat().st_size > 60 * PAGE
    with open(db, "r+b") as handle:
        handle.seek((page - 1) * PAGE + PAGE // 2)
        handle.write(b"\xa5" * 32)
    result = _check(folder)
    assert result.exit_code == 1
    assert f"FAIL  cipher integrity  HMAC verification failed for page {page}" in result.output
    assert result.output.endswith("error: the store has problems (see FAIL lines above)\n")
    assert "Traceback" not in result.output


def test_an_edited_audit_row_is_named(sound: tuple[Path, bytes], tmp_path: Path) -> None:
    folder = _copy(sound, tmp_path)
    conn = raw(folder, sound[1])
    try:
        conn.execute("UPDATE audit SET action = 'test.edited' WHERE action = 'test.two'")
        (row_id,) = conn.execute("SELECT id FROM audit WHERE action = 'test.edited'").fetchone()
    finally:
        conn.close()
    assert row_id == 3  # store.init is row 1
    result = _check(folder)
    assert result.exit_code == 1
    assert "FAIL  audit chain       row 3 its contents changed after it was written" in (
        result.output
    )


def test_a_deleted_audit_row_is_named_by_the_row_after_it(
    sound: tuple[Path, bytes], tmp_path: Path
) -> None:
    folder = _copy(sound, tmp_path)
    conn = raw(folder, sound[1])
    try:
        conn.execute("DELETE FROM audit WHERE id = 2")
    finally:
        conn.close()
    result = _check(folder)
    assert result.exit_code == 1
    assert "row 3 does not follow the row before it" in result.output
