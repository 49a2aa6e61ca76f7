"""The governance export: a whole ended period, chosen formats, disclosure control, signed.

After writing, the screen shows the files, the signing key's fingerprint and a preview of the
published (suppressed and rounded) figures read back from the export's CSV.
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import (
    DataTable,
    Footer,
    Input,
    Label,
    ProgressBar,
    Select,
    SelectionList,
    Static,
)

from outreach.clock import today
from outreach.tui.messages import Failed, Loaded
from outreach.tui.screens.base import DataScreen
from outreach.tui.widgets.site_header import SiteHeader

if TYPE_CHECKING:
    from outreach.exports.export import ExportResult
    from outreach.store.store import Store

PREVIEW_ROWS = 200


def ended_periods(day: date) -> list[str]:
    """Labels of recent whole periods that have ended before ``day``: months, quarters, years."""
    labels: list[str] = []
    year, month = day.year, day.month
    for _ in range(12):
        month -= 1
        if month == 0:
            year, month = year - 1, 12
        labels.append(f"{year}-{month:02d}")
    quarter = (day.month - 1) // 3 + 1
    year = day.year
    for _ in range(4):
        quarter -= 1
        if quarter == 0:
            year, quarter = year - 1, 4
        labels.append(f"{year}-Q{quarter}")
    labels += [str(day.year - 1), str(day.year - 2)]
    return labels


def read_preview(folder: Path) -> list[tuple[str, str, str, str]]:
    """Measure, breakdown, category and published value from an export's ``summary.csv``."""
    path = folder / "summary.csv"
    if not path.exists():
        return []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))[:PREVIEW_ROWS]
    return [
        (
            r["measure"],
            r["breakdown"],
            r["category"],
            "*" if r["suppressed"] == "true" else r["value"],
        )
        for r in rows
    ]


class ExportScreen(DataScreen):
    """Choose a period and formats, then ctrl+s (or e) writes the signed export."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s,f2", "export", "Export", id="export.run", priority=True),
        Binding("escape", "app.go('dashboard')", "Back", id="export.back"),
    ]

    def compose(self) -> ComposeResult:
        from outreach.exports.export import FORMATS

        periods = ended_periods(today())
        yield SiteHeader("Governance export")
        with Horizontal(id="export-top"):
            with Vertical(id="export-choices"):
                yield Label("Period (whole months, quarters, years only)")
                yield Select(
                    [(p, p) for p in periods], value=periods[0], allow_blank=False, id="period"
                )
                yield Label("Folder")
                yield Input(str(self._folder_for(periods[0])), id="folder")
            yield SelectionList[str](*[(name, name, True) for name in FORMATS], id="formats")
        yield ProgressBar(total=1.0, show_eta=False, id="export-progress")
        yield Static(
            "Disclosure control: NHS HES 2018 (0 stays 0, 1–7 shown as *, others to "
            "the nearest 5).",
            id="export-status",
            classes="muted",
        )
        yield DataTable(id="export-preview", cursor_type="row", zebra_stripes=True)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns("Measure", "Breakdown", "Category", "Published")

    @staticmethod
    def _folder_for(period: str) -> Path:
        return Path.home() / "outreach-exports" / period

    @on(Select.Changed, "#period")
    def _period_changed(self, event: Select.Changed) -> None:
        self.query_one("#folder", Input).value = str(self._folder_for(str(event.value)))

    def action_export(self) -> None:
        from outreach.exports.export import export_summary

        period = str(self.query_one("#period", Select).value)
        formats = list(self.query_one("#formats", SelectionList).selected)
        folder = Path(self.query_one("#folder", Input).value).expanduser()
        if not formats:
            self.query_one("#export-status", Static).update("Choose at least one format.")
            return
        bar = self.query_one(ProgressBar)
        bar.update(progress=0.0)

        def progress(what: str, share: float) -> None:
            self.app.call_from_thread(bar.update, progress=share)

        def work(store: Store) -> ExportResult:
            return export_summary(
                store, period=period, out=folder, formats=formats, progress=progress
            )

        self.query_one("#export-status", Static).update(f"Exporting {period}…")
        self.call("export", work)

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        if message.what == "export":
            result: ExportResult = message.data
            self.query_one(ProgressBar).update(progress=1.0)
            self.query_one("#export-status", Static).update(
                f"Exported {result.period} to {result.folder}: {', '.join(result.files)}\n"
                f"Signed; key fingerprint {result.key_fingerprint}. Policy {result.policy}."
            )
            self.call("preview", lambda _store: read_preview(result.folder))
        elif message.what == "preview":
            table = self.query_one(DataTable)
            table.clear()
            table.add_rows(message.data)

    @on(Failed)
    def _failed(self, message: Failed) -> None:
        self.query_one("#export-status", Static).update(f"Not exported: {message.error}")
