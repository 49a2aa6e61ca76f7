"""``outreach export --preview``: the published table printed before anything is written.

The figures come from the export tests' store (worked out by hand in
``tests/exports/test_export_store.py``): 2024-Q3 counted on 2024-11-15.
"""

from __future__ import annotations

import csv
import dataclasses
import json
from pathlib import Path

import pytest
from freezegun import freeze_time
from typer.testing import CliRunner, Result

from outreach.cli import app
from outreach.exports import preview as preview_module
from outreach.exports.preview import ExportPreview, PreviewRow, preview_export
from outreach.services.audit_log import recent_audit
from outreach.store.store import Store
from tests.support.export_store import AS_OF, PERIOD
from tests.support.stores import PASSPHRASE

Cells = tuple[str, str, str, str, str]


def _run(store: Store, *args: str) -> Result:
    return CliRunner().invoke(
        app,
        ["export", "--period", PERIOD, *args, "--store", str(store.folder)],
        env={"OUTREACH_PASSPHRASE": PASSPHRASE},
    )


def _json_cells(output: str) -> list[Cells]:
    return [
        (r["measure"], r["breakdown"], r["category"], r["value"], r["withheld_reason"])
        for r in json.loads(output)["rows"]
    ]


def _csv_cells(folder: Path) -> list[Cells]:
    """The same five cells of every line of an export's ``summary.csv``, ``*`` for a value the
    CSV marks as suppressed."""
    with (folder / "summary.csv").open(encoding="utf-8-sig", newline="") as handle:
        return [
            (
                line["measure"],
                line["breakdown"],
                line["category"],
                "*" if line["suppressed"] == "true" else line["value"],
                line["withheld_reason"],
            )
            for line in csv.DictReader(handle)
        ]


def _tiny(store: Store) -> ExportPreview:
    """The store's real preview cut down to four figures and a one-line explanation."""
    rows = (
        PreviewRow("coverage", "total", "all", "66.7", "", exact="69.8"),
        PreviewRow("follow_ups_on_time.completed", "total", "all", "*", "", exact="3"),
        PreviewRow(
            "barriers",
            "barrier",
            "Practical or access (appointment, time, putting it off)",
            "10",
            "",
            exact="9",
        ),
        PreviewRow(
            "outcomes", "outcome", "Undecided, wants more time", "*", "breakdown", exact="3"
        ),
    )
    real = preview_export(store, period=PERIOD, as_of=AS_OF)
    return dataclasses.replace(
        real, rows=rows, explanation=("* = too small to publish.",), screen_notes=()
    )


@pytest.mark.slow
def test_the_previewed_rows_are_the_cells_of_the_summary_csv_then_written(
    filled_store: Store, tmp_path: Path
) -> None:
    shown = _run(filled_store, "--as-of", "2024-11-15", "--preview", "--json")
    assert shown.exit_code == 0, shown.output
    out = tmp_path / "board"
    written = _run(filled_store, "--as-of", "2024-11-15", "--format", "csv", "--out", str(out))
    assert written.exit_code == 0, written.output
    assert _json_cells(shown.stdout) == _csv_cells(out)


def test_the_json_preview_names_the_period_policy_and_day_and_says_nothing_was_written(
    filled_store: Store,
) -> None:
    result = _run(filled_store, "--as-of", "2024-11-15", "--preview", "--json")
    shown = json.loads(result.stdout)
    assert (shown["period"], shown["policy"], shown["as_of"], shown["written"]) == (
        "2024-Q3",
        "nhs-hes-2018",
        "2024-11-15",
        False,
    )
    assert shown["explanation"][-1] == (
        "Withheld in this export: Coverage at the end of the period (%) by unit; "
        "Conversation outcomes by outcome."
    )
    # Coverage 30 / 43 publishes as 30 / 45 = 66.7%; Birch House's 3 withholds the unit rows.
    assert shown["rows"][0] == {
        "measure": "coverage",
        "breakdown": "total",
        "category": "all",
        "value": "66.7",
        "withheld_reason": "",
    }
    assert shown["rows"][9]["category"] == "Alder Wing"
    assert (shown["rows"][9]["value"], shown["rows"][9]["withheld_reason"]) == ("*", "breakdown")


def test_a_preview_writes_no_folder_no_file_and_no_audit_row(
    filled_store: Store, tmp_path: Path
) -> None:
    before = recent_audit(filled_store, limit=500)
    out = tmp_path / "board"
    result = _run(filled_store, "--as-of", "2024-11-15", "--out", str(out), "--preview")
    assert result.exit_code == 0, result.output
    assert "Nothing was written." in result.stdout
    assert list(tmp_path.iterdir()) == []
    assert recent_audit(filled_store, limit=500) == before


def test_a_preview_of_a_period_still_running_is_refused_as_the_export_is(
    filled_store: Store, tmp_path: Path
) -> None:
    with freeze_time("2024-09-20"):
        previewed = _run(filled_store, "--preview")
        exported = _run(filled_store, "--out", str(tmp_path / "board"))
    assert (previewed.exit_code, exported.exit_code) == (1, 1)
    assert previewed.stdout == ""
    assert previewed.stderr == exported.stderr
    assert previewed.stderr.startswith(
        "error: period: 2024-Q3 runs to 2024-09-30 and has not ended on 2024-09-20; "
        "export it from 2024-10-01"
    )
    assert list(tmp_path.iterdir()) == []


def test_the_plain_preview_of_a_tiny_table_reads_exactly(
    filled_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    tiny = _tiny(filled_store)
    monkeypatch.setattr(preview_module, "preview_export", lambda *_a, **_k: tiny)
    result = _run(filled_store, "--as-of", "2024-11-15", "--policy", "nhs-hes-2018", "--preview")
    assert result.exit_code == 0, result.output
    # The measure (28), breakdown and withheld (9 each), value and exact (5 each) and five gaps
    # of 2 take 66 columns: the category wraps within the other 14, the numbers align right.
    assert result.stdout == (
        "Preview of 2024-Q3, counted on 2024-11-15: 4 figures, 2 shown as *.\n"
        "* = too small to publish.\n"
        "\n"
        "measure                       breakdown  category        value  exact  withheld\n"
        "coverage                      total      all              66.7   69.8\n"
        "follow_ups_on_time.completed  total      all                 *      3\n"
        "barriers                      barrier    Practical or       10      9\n"
        "                                         access\n"
        "                                         (appointment,\n"
        "                                         time, putting\n"
        "                                         it off)\n"
        "outcomes                      outcome    Undecided,          *      3  breakdown\n"
        "                                         wants more\n"
        "                                         time\n"
        "\n"
        "Nothing was written. To write it:\n"
        "    outreach export --period 2024-Q3 --as-of 2024-11-15 --out DIR\n"
    )


def test_on_a_narrow_line_each_category_goes_under_its_row_and_names_stay_whole(
    filled_store: Store,
) -> None:
    from outreach.cli.export_commands import preview_text

    text = preview_text(_tiny(filled_store), width=60)
    # The other columns take 66 of the 60: fewer than 12 would be left for the category.
    # (The heading takes two lines at this width, the note one, then a blank line.)
    assert text.splitlines()[4:14] == [
        "measure                       breakdown  value  exact  withheld",
        "coverage                      total       66.7   69.8",
        "    category: all",
        "follow_ups_on_time.completed  total          *      3",
        "    category: all",
        "barriers                      barrier       10      9",
        "    category: Practical or access (appointment, time,",
        "    putting it off)",
        "outcomes                      outcome        *      3  breakdown",
        "    category: Undecided, wants more time",
    ]


def test_hostile_text_in_a_category_is_shown_as_typed_never_acted_on(
    filled_store: Store,
) -> None:
    from outreach.cli.export_commands import preview_text

    hostile = dataclasses.replace(
        _tiny(filled_store),
        rows=(PreviewRow("coverage", "unit", "[b]Wing[/] \x1b[2J=1+1", "66.7", "", exact="69.8"),),
    )
    lines = preview_text(hostile).splitlines()
    # The escape is written out (\\u001b, six characters): the category is 24 wide.
    assert lines[3:5] == [
        "measure   breakdown  category" + " " * 18 + "value  exact  withheld",
        "coverage  unit       [b]Wing[/] \\u001b[2J=1+1   66.7   69.8",
    ]


@pytest.mark.slow
def test_the_plain_preview_fits_80_columns_and_shows_every_cell_whole(
    filled_store: Store,
) -> None:
    plain = _run(filled_store, "--as-of", "2024-11-15", "--preview").stdout.splitlines()
    assert max(len(line) for line in plain) <= 80
    expected = _json_cells(
        _run(filled_store, "--as-of", "2024-11-15", "--preview", "--json").stdout
    )
    top = next(i for i, line in enumerate(plain) if line.startswith("measure "))
    heading = plain[top]
    # Left-aligned columns start under their heading, right-aligned ones end under it; the
    # value column is as wide as its widest published value (or its heading).
    breakdown, category = heading.index("breakdown"), heading.index("category")
    value_end = heading.index("value") + len("value")
    value_width = max(len("value"), *(len(v) for _m, _b, _c, v, _w in expected))
    exact_end, withheld = heading.index("exact") + len("exact"), heading.index("withheld")
    spans = [
        (0, breakdown),
        (breakdown, category),
        (category, value_end - value_width),
        (value_end - value_width, value_end),
        (value_end, exact_end),
        (withheld, None),
    ]
    table: list[list[str]] = []
    for line in plain[top + 1 : plain.index("", top)]:
        cells = [line[a:b].strip() for a, b in spans]
        if cells[1]:
            table.append(cells)
        else:  # a category carried on to the next line
            table[-1][2] += f" {cells[2]}"
    # Every column but the exact one, which is on screen only.
    assert [(m, b, c, v, w) for m, b, c, v, _exact, w in table] == expected


def test_writing_without_a_folder_or_preview_is_refused_with_a_clear_message(
    filled_store: Store,
) -> None:
    before = recent_audit(filled_store, limit=500)
    result = _run(filled_store, "--as-of", "2024-11-15")
    assert result.exit_code == 2
    assert result.stderr == (
        "error: --out DIR is required to write an export (or pass --preview to see the "
        "published table without writing anything)\n"
    )
    assert recent_audit(filled_store, limit=500) == before


@pytest.mark.slow
def test_json_without_preview_is_refused_before_anything_is_written(
    filled_store: Store, tmp_path: Path
) -> None:
    result = _run(filled_store, "--as-of", "2024-11-15", "--out", str(tmp_path / "b"), "--json")
    assert result.exit_code == 2
    assert result.stderr == (
        "error: --json goes with --preview; an export writes summary.json itself\n"
    )
    assert list(tmp_path.iterdir()) == []
