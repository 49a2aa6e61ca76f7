"""``--force`` removes only what outreach wrote: a folder is replaced only when it holds an
untouched export of this site, and only the files its manifest lists are deleted."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from outreach.cli import app
from outreach.exports.export import _remove_listed, export_summary
from outreach.exports.signing import file_digest
from outreach.store.store import Store
from tests.support.export_store import AS_OF, PERIOD
from tests.support.stores import PASSPHRASE


def _tree(folder: Path) -> dict[str, bytes | None]:
    """Every path under ``folder`` with its bytes (None for a folder)."""
    return {
        str(p.relative_to(folder)): None if p.is_dir() else p.read_bytes()
        for p in sorted(folder.rglob("*"))
    }


def _not_an_export(tmp_path: Path) -> Path:
    """The issue's reproduction: mkdir -p web/src; echo '{}' >web/manifest.json;
    echo x >web/thesis.docx."""
    web = tmp_path / "web"
    (web / "src").mkdir(parents=True)
    (web / "manifest.json").write_text("{}\n", encoding="utf-8")
    (web / "thesis.docx").write_text("x\n", encoding="utf-8")
    return web


def test_force_on_a_folder_with_a_fake_manifest_deletes_nothing(
    filled_store: Store, tmp_path: Path
) -> None:
    web = _not_an_export(tmp_path)
    before = _tree(web)
    with pytest.raises(ValueError, match=r"manifest\.json is not a valid export manifest"):
        export_summary(filled_store, period=PERIOD, out=web, as_of=AS_OF, force=True)
    assert _tree(web) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["web"]


def test_the_cli_refuses_the_reproduction_and_deletes_nothing(
    filled_store: Store, tmp_path: Path
) -> None:
    web = _not_an_export(tmp_path)
    before = _tree(web)
    result = CliRunner().invoke(
        app,
        [
            *("export", "--period", PERIOD, "--as-of", AS_OF.isoformat()),
            *("--out", str(web), "--force", "--store", str(filled_store.folder)),
        ],
        env={"OUTREACH_PASSPHRASE": PASSPHRASE},
    )
    assert result.exit_code == 1
    assert "nothing was removed" in result.output
    assert _tree(web) == before


def test_an_export_with_a_file_added_is_not_replaced(filled_store: Store, tmp_path: Path) -> None:
    out = tmp_path / "out"
    export_summary(filled_store, period=PERIOD, out=out, as_of=AS_OF, formats=["csv"])
    (out / "thesis.docx").write_text("x\n", encoding="utf-8")
    before = _tree(out)
    with pytest.raises(ValueError, match=r"thesis\.docx: added \(not in the manifest\)"):
        export_summary(filled_store, period=PERIOD, out=out, as_of=AS_OF, force=True)
    assert _tree(out) == before


def test_an_export_with_a_changed_file_is_not_replaced(filled_store: Store, tmp_path: Path) -> None:
    out = tmp_path / "out"
    export_summary(filled_store, period=PERIOD, out=out, as_of=AS_OF, formats=["csv"])
    (out / "summary.csv").write_text("my own edits\n", encoding="utf-8")
    before = _tree(out)
    with pytest.raises(ValueError, match=r"summary\.csv: changed since the export was signed"):
        export_summary(filled_store, period=PERIOD, out=out, as_of=AS_OF, force=True)
    assert _tree(out) == before


def test_another_sites_export_is_not_replaced(filled_store: Store, tmp_path: Path) -> None:
    other, _ = Store.init(
        tmp_path / "other", site_name="HMP Other", admin="bo", passphrase=PASSPHRASE
    )
    out = tmp_path / "out"
    try:
        export_summary(other, period=PERIOD, out=out, as_of=AS_OF, formats=["csv"])
    finally:
        other.close()
    before = _tree(out)
    with pytest.raises(ValueError, match="names signing key"):
        export_summary(filled_store, period=PERIOD, out=out, as_of=AS_OF, force=True)
    assert _tree(out) == before


def test_replacing_removes_only_listed_files_that_still_match(tmp_path: Path) -> None:
    aside = tmp_path / "aside"
    aside.mkdir()
    for name in ("summary.csv", "notes.txt", "manifest.json", "manifest.sig"):
        (aside / name).write_text(name, encoding="utf-8")
    listed = {name: file_digest(aside / name) for name in ("summary.csv", "notes.txt")}
    listed["manifest.json"] = file_digest(aside / "manifest.json")
    # Appeared after the check, or changed since: kept.
    (aside / "thesis.docx").write_text("x", encoding="utf-8")
    (aside / "manifest.sig").write_text("changed", encoding="utf-8")
    listed["manifest.sig"] = "0" * 64
    _remove_listed(aside, listed)
    assert sorted(p.name for p in aside.iterdir()) == ["manifest.sig", "thesis.docx"]
    shutil.rmtree(aside)
    aside.mkdir()
    (aside / "summary.csv").write_text("a", encoding="utf-8")
    _remove_listed(aside, {"summary.csv": file_digest(aside / "summary.csv")})
    assert not aside.exists()
