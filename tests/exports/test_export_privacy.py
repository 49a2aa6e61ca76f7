"""Nothing identifying leaves in an export: every byte of every file is searched."""

from __future__ import annotations

import re

import pytest

from outreach.clock import today
from outreach.store.store import Store
from tests.support.export_store import AS_OF, export_all, file_bytes, identifying_texts

_ISO_DAY = re.compile(rb"(?<![0-9])\d{4}-\d{2}-\d{2}(?![0-9])")


@pytest.fixture(scope="module", params=["nhs-hes-2018", "none"])
def exported(
    request: pytest.FixtureRequest, filled_store: Store, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, bytes]:
    folder = export_all(filled_store, tmp_path_factory.mktemp("privacy") / "out", request.param)
    return file_bytes(folder)


@pytest.mark.slow
def test_the_xlsx_members_are_searched_too(exported: dict[str, bytes]) -> None:
    assert "summary.xlsx:xl/worksheets/sheet1.xml" in exported


def test_no_name_reference_or_note_appears_in_any_file(exported: dict[str, bytes]) -> None:
    found = [
        (name, text)
        for name, data in exported.items()
        for text in identifying_texts()
        for encoded in {text.encode("utf-8"), text.encode("utf-16-le")}
        if encoded.lower() in data.lower()
    ]
    assert found == []


def test_the_mentor_is_not_named(exported: dict[str, bytes]) -> None:
    assert all(b"Corvidae" not in data for data in exported.values())


def test_the_only_full_dates_are_the_as_of_and_created_days(exported: dict[str, bytes]) -> None:
    allowed = {AS_OF.isoformat().encode(), today().isoformat().encode()}
    days = {
        (name, match)
        for name, data in exported.items()
        if not name.startswith("summary.xlsx:docProps/")  # workbook timestamps, not people's
        for match in _ISO_DAY.findall(data)
        if match not in allowed
    }
    assert days == set()
