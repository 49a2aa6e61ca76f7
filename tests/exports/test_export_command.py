"""``outreach export`` and :func:`export_summary`: periods, target folder, audit, progress."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import col, select
from typer.testing import CliRunner

from outreach.cli import app
from outreach.exports import export as export_module
from outreach.exports.export import export_summary, parse_formats
from outreach.exports.signing import verify_export
from outreach.model import AuditEntry
from outreach.store.store import Store
from tests.support.export_store import AS_OF, PERIOD
from tests.support.stores import PASSPHRASE


def _audit(store: Store) -> list[AuditEntry]:
    with store.read() as session:
        return list(session.exec(select(AuditEntry).order_by(col(AuditEntry.id))))


def _run(store: Store, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        app,
        ["export", *args, "--store", str(store.folder)],
        env={"OUTREACH_PASSPHRASE": PASSPHRASE},
    )
    return result.exit_code, result.output


@pytest.mark.slow
def test_the_command_writes_a_verifiable_export(filled_store: Store, tmp_path: Path) -> None:
    out = tmp_path / "board"
    code, output = _run(
        filled_store, "--period", PERIOD, "--as-of", "2024-11-15", "--out", str(out)
    )
    assert code == 0, output
    assert "Exported 2024-Q3 with disclosure control nhs-hes-2018" in output
    assert verify_export(out).ok


def test_an_export_writes_one_audit_row_whose_hash_the_manifest_carries(
    filled_store: Store, tmp_path: Path
) -> None:
    before = len(_audit(filled_store))
    export_summary(filled_store, period=PERIOD, out=tmp_path / "out", as_of=AS_OF)
    rows = _audit(filled_store)
    assert len(rows) == before + 1
    last = rows[-1]
    assert (last.action, last.entity, last.fields) == (
        "export",
        "export",
        "formats,period,policy,programme",
    )
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["audit_chain_head"] == last.hash


@pytest.mark.parametrize("period", ["2024-07-15", "2024-07..2024-09", "2024-Q5", "2024-13"])
def test_a_period_that_is_not_a_whole_month_quarter_or_year_is_refused(
    filled_store: Store, tmp_path: Path, period: str
) -> None:
    code, output = _run(filled_store, "--period", period, "--out", str(tmp_path / "out"))
    assert code == 1 and "error: period:" in output
    assert not (tmp_path / "out").exists()


def test_a_period_that_has_not_ended_is_refused_and_says_when_it_can_be(
    filled_store: Store, tmp_path: Path
) -> None:
    with pytest.raises(ValueError, match=r"has not ended on 2024-09-30; export it from 2024-10-01"):
        export_summary(filled_store, period=PERIOD, out=tmp_path / "out", as_of=date(2024, 9, 30))


def test_an_as_of_date_in_the_future_is_refused(filled_store: Store, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="in the future"):
        export_summary(filled_store, period=PERIOD, out=tmp_path / "o", as_of=date(2999, 1, 1))


def test_a_folder_that_is_not_empty_is_refused_without_force(
    filled_store: Store, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(ValueError, match="not empty"):
        export_summary(filled_store, period=PERIOD, out=out, as_of=AS_OF)
    with pytest.raises(ValueError, match="only replaces a previous export"):
        export_summary(filled_store, period=PERIOD, out=out, as_of=AS_OF, force=True)
    assert (out / "keep.txt").read_text(encoding="utf-8") == "mine"


def test_force_replaces_a_previous_export(filled_store: Store, tmp_path: Path) -> None:
    out = tmp_path / "out"
    export_summary(filled_store, period=PERIOD, out=out, as_of=AS_OF, formats=["csv"])
    export_summary(filled_store, period=PERIOD, out=out, as_of=AS_OF, formats=["json"], force=True)
    assert sorted(p.name for p in out.iterdir()) == [
        "manifest.json",
        "manifest.sig",
        "notes.txt",
        "summary.json",
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_an_empty_existing_folder_is_used(filled_store: Store, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    export_summary(filled_store, period=PERIOD, out=out, as_of=AS_OF, formats=["csv"])
    assert (out / "summary.csv").is_file()


def test_a_failed_export_leaves_no_folder_and_no_audit_row(
    filled_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(_summary: object, _path: Path) -> None:
        raise OSError("disk full")

    monkeypatch.setitem(export_module.FORMATS, "html", ("report.html", broken))
    before = len(_audit(filled_store))
    with pytest.raises(OSError, match="disk full"):
        export_summary(filled_store, period=PERIOD, out=tmp_path / "out", as_of=AS_OF)
    assert list(tmp_path.iterdir()) == []
    assert len(_audit(filled_store)) == before


def test_progress_is_reported_from_counting_to_done(filled_store: Store, tmp_path: Path) -> None:
    seen: list[tuple[str, float]] = []
    export_summary(
        filled_store,
        period=PERIOD,
        out=tmp_path / "out",
        as_of=AS_OF,
        formats=["csv", "json"],
        progress=lambda what, share: seen.append((what, share)),
    )
    assert [what for what, _ in seen] == [
        "counting",
        "writing summary.csv",
        "writing summary.json",
        "signing",
        "done",
    ]
    shares = [share for _, share in seen]
    assert shares == sorted(shares) and shares[0] == 0.0 and shares[-1] == 1.0


def test_formats_are_checked_and_put_in_a_fixed_order() -> None:
    assert parse_formats("html, CSV") == ("csv", "html")
    with pytest.raises(ValueError, match="pdf"):
        parse_formats("csv,pdf")


def test_an_unknown_policy_is_refused(filled_store: Store, tmp_path: Path) -> None:
    code, output = _run(
        filled_store, "--period", PERIOD, "--policy", "lax", "--out", str(tmp_path / "o")
    )
    assert code == 1 and "unknown disclosure policy 'lax'" in output
