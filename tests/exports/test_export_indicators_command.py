"""``outreach export --format adx,dhis2-json`` on the export tests' store (figures in
tests/support/export_store.py): the org unit setting, the files signed with the others, and
what the mapping leaves out said on screen and in notes.txt."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from sqlmodel import delete, select

from outreach.exports.signing import verify_export
from outreach.model import AuditEntry, SiteSetting
from outreach.services.site import SetOrgUnit, set_org_unit, site_org_unit
from outreach.store.store import Store
from tests.support.cli import ok, run
from tests.support.export_store import AS_OF

ADX = "{urn:ihe:qrph:adx:2015}"


def test_indicator_formats_need_the_sites_org_unit(filled_store: Store, tmp_path: Path) -> None:
    set_org_unit_to(filled_store, None)
    result = run(
        filled_store.folder,
        "export",
        "--period",
        "2024-07-01/P3M",
        "--format",
        "adx",
        "--as-of",
        AS_OF.isoformat(),
        "--out",
        str(tmp_path / "out"),
    )
    assert result.exit_code == 1
    assert "org_unit: the site has no org unit code" in result.output
    assert "outreach site org-unit CODE" in result.output
    assert not (tmp_path / "out").exists()


def set_org_unit_to(store: Store, code: str | None) -> None:
    if code is None:
        with store.write() as session:
            session.execute(delete(SiteSetting))
    else:
        set_org_unit(store, SetOrgUnit(code))


def test_setting_the_org_unit_is_audited_once(filled_store: Store) -> None:
    set_org_unit_to(filled_store, None)

    def rows() -> int:
        with filled_store.read() as session:
            found = session.exec(select(AuditEntry).where(AuditEntry.action == "site.org_unit"))
            return len(found.all())

    before = rows()
    set_org_unit(filled_store, SetOrgUnit("PRISON_TEST"))
    set_org_unit(filled_store, SetOrgUnit("PRISON_TEST"))
    assert (site_org_unit(filled_store), rows()) == ("PRISON_TEST", before + 1)


@pytest.mark.parametrize(
    ("code", "said"),
    [("", "is empty"), (" X", "space at one end"), ("A\x1bB", "control character")],
)
def test_an_unusable_org_unit_code_is_refused(filled_store: Store, code: str, said: str) -> None:
    with pytest.raises(ValueError, match=said):
        set_org_unit(filled_store, SetOrgUnit(code))


def test_the_command_writes_signed_adx_and_dhis2_files(filled_store: Store, tmp_path: Path) -> None:
    folder = filled_store.folder
    assert "now PRISON_TEST" in ok(folder, "site", "org-unit", "PRISON_TEST")
    assert ok(folder, "site", "org-unit").strip() == "PRISON_TEST"
    out = tmp_path / "q3"
    shown = ok(
        folder,
        "export",
        "--period",
        "2024-07-01/P3M",
        "--format",
        "adx,dhis2-json,madx",
        "--as-of",
        AS_OF.isoformat(),
        "--out",
        str(out),
    )
    assert sorted(p.name for p in out.iterdir()) == [
        "dataValueSets.json",
        "indicators.adx.xml",
        "manifest.json",
        "manifest.sig",
        "measure-report.madx.json",
        "notes.txt",
    ]
    assert verify_export(out).ok
    # 30 covered of 43 eligible -> 30 of 45; age bands 21 of 24 -> 20 of 25, 9 of 19 -> 10 of
    # 20 (tests/support/export_store.py).
    (group,) = list(ET.fromstring((out / "indicators.adx.xml").read_bytes()))
    assert (group.get("orgUnit"), group.get("period")) == ("PRISON_TEST", "2024-07-01/P3M")
    values = {
        (v.get("dataElement"), v.get("AGE_BAND")): v.get("value")
        for v in group.iter(f"{ADX}dataValue")
    }
    assert values[("CX_COVERED", None)] == "30"
    assert values[("CX_ELIGIBLE", None)] == "45"
    assert values[("CX_COVERED_AGE", "Y25_49")] == "20"
    assert values[("CX_ELIGIBLE_AGE", "Y25_49")] == "25"
    assert values[("CX_COVERED_AGE", "Y50_64")] == "10"
    assert values[("CX_ELIGIBLE_AGE", "Y50_64")] == "20"
    sent = json.loads((out / "dataValueSets.json").read_text(encoding="utf-8"))
    assert (sent["period"], sent["orgUnit"]) == ("2024Q3", "PRISON_TEST")
    left_out = [line for line in shown.splitlines() if line.startswith("Not in the indicator")]
    assert len(left_out) == 1 and "coverage by unit" in left_out[0]
    assert left_out[0] in (out / "notes.txt").read_text(encoding="utf-8")


def test_a_mapping_file_can_be_chosen(filled_store: Store, tmp_path: Path) -> None:
    set_org_unit_to(filled_store, "PRISON_TEST")
    from outreach.exports.indicators import mapping_path

    copy = tmp_path / "mine.toml"
    shutil.copy(mapping_path(), copy)
    copy.write_text(
        copy.read_text(encoding="utf-8").replace('"CX_COVERED"', '"REAL_COVERED"'), "utf-8"
    )
    out = tmp_path / "mine"
    ok(
        filled_store.folder,
        "export",
        "--period",
        "2024-Q3",
        "--format",
        "adx",
        "--mapping",
        str(copy),
        "--as-of",
        AS_OF.isoformat(),
        "--out",
        str(out),
    )
    text = (out / "indicators.adx.xml").read_text(encoding="utf-8")
    assert 'dataElement="REAL_COVERED" value="30"' in text
    assert "Not in the indicator mapping mine," in (out / "notes.txt").read_text(encoding="utf-8")
