"""``outreach keys export-card``: the store's card, whose keys are the store's own."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from outreach.cli import app
from outreach.services.site import open_for, own_card, seal_for
from outreach.store.sealed import SiteCard
from outreach.store.store import Store
from tests.support.stores import PASSPHRASE, SITE


def test_export_card_writes_the_card_files_are_sealed_to(store: Store, tmp_path: Path) -> None:
    target = tmp_path / "card.json"
    result = CliRunner().invoke(
        app,
        ["keys", "export-card", str(target), "--store", str(store.folder)],
        env={"OUTREACH_PASSPHRASE": PASSPHRASE},
    )
    assert result.exit_code == 0, result.output
    card = SiteCard.from_bytes(target.read_bytes())
    assert card == own_card(store)
    assert card.site == SITE
    assert f"Fingerprint {card.fingerprint}" in result.output

    # What another store seals to this card, this store (and only it) opens.
    sealed = seal_for(store, b"hello", kind="test/1", to=card)
    opened = open_for(store, sealed, kind="test/1")
    assert opened.payload == b"hello" and opened.sender == card


def test_export_card_does_not_overwrite_without_force(store: Store, tmp_path: Path) -> None:
    target = tmp_path / "card.json"
    target.write_text("keep me")
    result = CliRunner().invoke(
        app,
        ["keys", "export-card", str(target), "--store", str(store.folder)],
        env={"OUTREACH_PASSPHRASE": PASSPHRASE},
    )
    assert result.exit_code != 0
    assert "--force" in result.output
    assert target.read_text() == "keep me"


def test_a_missing_file_is_named_with_the_reason_not_a_traceback(
    store: Store, tmp_path: Path
) -> None:
    missing = tmp_path / "nowhere" / "submission.sealed"
    env = {"OUTREACH_PASSPHRASE": PASSPHRASE}
    for args in (
        ["region", "add", str(missing)],
        ["region", "trust", str(missing)],
        ["sync", "import", str(missing)],
        ["transfer", "import", str(missing)],
    ):
        result = CliRunner().invoke(app, [*args, "--store", str(store.folder)], env=env)
        assert result.exit_code == 1, (args, result.output)
        assert f"cannot read {missing}: No such file or directory" in result.output, args
        assert "Errno" not in result.output and "Traceback" not in result.output
