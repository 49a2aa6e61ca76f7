"""The text read out of a snapshot SVG, which a snapshot mismatch prints as a diff."""

from __future__ import annotations

import io
import pickle
from pathlib import Path

from rich.console import Console

from tests.support.snapshot_text import mismatch, svg_lines


def _svg(*lines: str) -> str:
    console = Console(width=20, file=io.StringIO(), record=True, force_terminal=True)
    for line in lines:
        console.print(line, markup=False, highlight=False)
    return console.export_svg(title="t")


def test_the_rows_of_an_svg_are_read_back_as_text() -> None:
    assert svg_lines(_svg("Siobhán O'Neill", "  [/] & <x>", "end")) == [
        "Siobhán O'Neill",
        "  [/] & <x>",
        "end",
    ]


def test_a_mismatch_is_told_as_the_lines_that_differ(tmp_path: Path) -> None:
    saved = tmp_path / "report"
    saved.write_bytes(pickle.dumps((False, _svg("a", "b", "c"), _svg("a", "B", "c"))))
    assert mismatch(saved).splitlines() == [
        "--- snapshot",
        "+++ this run",
        "@@ -1,3 +1,3 @@",
        " a",
        "-b",
        "+B",
        " c",
    ]
    saved.write_bytes(pickle.dumps((False, _svg("a"), _svg("a"))))
    assert mismatch(saved) == "the snapshot's text is the same: only colours or styles differ"
