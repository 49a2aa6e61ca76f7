"""The governance export: a whole ended period, chosen formats, disclosure control, signed.

Nothing is written until a person has seen it. Choosing a period shows the published
(suppressed and rounded) table the export would hold, worked out by the same function the
export writes from; ctrl+s then asks to confirm, writes, and shows the signing key's
fingerprint. The export refuses to write if the figures changed after the preview.
"""

from __future__ import annotations

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
from outreach.tui.base import DataScreen
from outreach.tui.messages import ExportPreviewed, ExportWritten, Failed
from outreach.tui.programme_choice import CERVICAL, programme_choices, shown_programme
from outreach.tui.tables import sized
from outreach.tui.text import row, shown_lines
from outreach.tui.widgets.site_header import SiteHeader
from outreach.wording import counted

if TYPE_CHECKING:
    from outreach.exports.export import ExportResult
    from outreach.exports.preview import ExportPreview
    from outreach.store.store import Store


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


def confirm_question(preview: ExportPreview, folder: Path, formats: list[str]) -> str:
    """What the confirmation asks: which period, how many figures, where, in which formats."""
    summary = preview.summary
    label = summary.period.label
    if summary.programme != CERVICAL:
        label = f"{summary.programme_title} for {label}"
    return (
        f"Write the export of {label} you previewed to {folder}?\n"
        f"{counted(len(preview.rows), 'figure')}, {preview.suppressed} of them shown as *, "
        f"as {', '.join(formats)}, signed with the site key."
    )


class ExportScreen(DataScreen):
    """Choose a period and formats, see what would be published, then ctrl+s to write it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s,f2", "export", "Write export", id="export.run", priority=True),
        Binding("escape", "app.go('dashboard')", "Back", id="export.back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.preview: ExportPreview | None = None
        """The published table on the screen; None while none is shown for the period."""
        self.previewing: str | None = None
        """The period whose preview is shown or being worked out."""
        self.writing = False

    def compose(self) -> ComposeResult:
        from outreach.exports.export import FORMATS

        periods = ended_periods(today())
        yield SiteHeader("Governance export")
        with Horizontal(id="export-top"):
            with Vertical(id="export-choices"):
                yield Label("Programme")
                yield Select(
                    [(_title(key), key) for key in programme_choices()],
                    value=shown_programme(self.app),
                    allow_blank=False,
                    id="programme",
                )
                yield Label("Period (whole months, quarters, years only)")
                yield Select(
                    [(p, p) for p in periods], value=periods[0], allow_blank=False, id="period"
                )
                yield Label("Folder")
                yield Input(
                    str(self._folder_for(periods[0], shown_programme(self.app))), id="folder"
                )
            yield SelectionList[str](*[(name, name, True) for name in FORMATS], id="formats")
        yield ProgressBar(total=1.0, show_eta=False, id="export-progress")
        yield Static("", id="export-status")
        yield Static("", id="export-notes", classes="muted")
        yield DataTable(id="export-preview", cursor_type="row", zebra_stripes=True)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns(
            "Measure", "Breakdown", "Category", "Published", "Exact", "Withheld"
        )
        self._show_preview_of(self._period())

    @staticmethod
    def _folder_for(period: str, programme: str = CERVICAL) -> Path:
        # Cervical screening's folder is named by the period, as it always was; another
        # programme's by the period and its key, so one export never lands on another.
        name = period if programme == CERVICAL else f"{period}-{programme}"
        return Path.home() / "outreach-exports" / name

    def _period(self) -> str:
        return str(self.query_one("#period", Select).value)

    def _programme(self) -> str:
        return str(self.query_one("#programme", Select).value)

    def _shows(self, preview: ExportPreview) -> bool:
        """Whether ``preview`` is of the period and programme chosen now."""
        summary = preview.summary
        return summary.period.label == self._period() and summary.programme == self._programme()

    def _status(self, text: str) -> None:
        self.query_one("#export-status", Static).update(shown_lines(text))

    @on(Select.Changed, "#period")
    def _period_changed(self, event: Select.Changed) -> None:
        period = str(event.value)
        if period == self.previewing:
            return  # the Select announces its first value too: nothing changed
        self.query_one("#folder", Input).value = str(self._folder_for(period, self._programme()))
        self._show_preview_of(period)

    @on(Select.Changed, "#programme")
    def _programme_changed(self, event: Select.Changed) -> None:
        programme = str(event.value)
        if self.previewing is not None and programme != self._previewing_programme:
            folder = self._folder_for(self._period(), programme)
            self.query_one("#folder", Input).value = str(folder)
            self._show_preview_of(self._period())

    _previewing_programme = CERVICAL
    """The programme whose preview is shown or being worked out."""

    def _show_preview_of(self, period: str) -> None:
        from outreach.exports.preview import preview_export

        # The old figures go at once, so they are never confirmed for another choice.
        programme = self._programme()
        self.preview = None
        self.previewing = period
        self._previewing_programme = programme
        self.query_one(DataTable).clear()
        self.query_one("#export-notes", Static).update("")
        self._status(
            f"Working out what an export of {_title(programme)} for {period} would publish…"
        )
        self.call(ExportPreviewed, preview_export, period=period, programme=programme)

    def action_export(self) -> None:
        period = self._period()
        formats = list(self.query_one("#formats", SelectionList).selected)
        folder = Path(self.query_one("#folder", Input).value).expanduser()
        if self.writing:
            return
        if not formats:
            self._status("Choose at least one format.")
            return
        preview = self.preview
        if preview is None or not self._shows(preview):
            self._status(
                f"Nothing written: the export of {period} is written only once its preview "
                "is shown here."
            )
            return

        def confirmed(yes: bool | None) -> None:
            if yes:
                self._write(preview, folder, formats)
            else:
                self._status(f"Cancelled: nothing was written to {folder}.")

        from outreach.tui.dialogs.account_dialogs import ConfirmDialog

        self.app.push_screen(ConfirmDialog(confirm_question(preview, folder, formats)), confirmed)

    def _write(self, preview: ExportPreview, folder: Path, formats: list[str]) -> None:
        from outreach.exports.export import export_summary

        bar = self.query_one(ProgressBar)
        bar.update(progress=0.0)
        summary = preview.summary

        def progress(what: str, share: float) -> None:
            self.app.call_from_thread(bar.update, progress=share)

        def work(store: Store) -> ExportResult:
            # Counted as of the preview's day, and refused if any figure is not the one shown.
            return export_summary(
                store,
                period=summary.period.label,
                policy=summary.policy.name,
                as_of=summary.as_of,
                out=folder,
                formats=formats,
                progress=progress,
                previewed=summary,
                programme=summary.programme,
            )

        self.writing = True
        self._status(f"Writing the export of {summary.period.label}…")
        self.call(ExportWritten, work)

    @on(ExportPreviewed)
    def _previewed(self, message: ExportPreviewed) -> None:
        preview = message.data
        label = preview.summary.period.label
        if not self._shows(preview):
            return  # an answer for a period or programme no longer chosen
        self.preview = preview
        table = self.query_one(DataTable)
        table.clear()
        # Exact figures are shown here only (never written); "!" marks a figure that
        # rounding moves across its target. Category names were typed by people: plain text.
        table.add_rows(
            [
                row(
                    r.measure,
                    r.breakdown,
                    r.category,
                    r.value,
                    f"{r.exact} !" if r.crosses_target else r.exact,
                    r.withheld,
                )
                for r in preview.rows
            ]
        )
        sized(table)
        notes = (*preview.explanation, *preview.screen_notes)
        self.query_one("#export-notes", Static).update(shown_lines("\n".join(notes)))
        self._status(
            f"Preview of {_title(preview.summary.programme)} for {label} as of "
            f"{preview.summary.as_of.isoformat()}: the figures "
            "that would leave this laptop, in every format. Nothing has been written; "
            "ctrl+s to write it."
        )

    @on(ExportWritten)
    def _written(self, message: ExportWritten) -> None:
        self.writing = False
        result = message.data
        self.query_one(ProgressBar).update(progress=1.0)
        self._status(
            f"Exported {result.period} to {result.folder}: {', '.join(result.files)}\n"
            f"Signed; key fingerprint {result.key_fingerprint}. Policy {result.policy}. "
            "The files hold the figures shown below."
        )

    @on(Failed)
    def _failed(self, message: Failed) -> None:
        if message.what is ExportPreviewed:
            self._status(f"No preview: {message.error}")
        elif message.what is ExportWritten:
            self.writing = False
            self._status(f"Not exported: {message.error}")


def _title(key: str) -> str:
    from outreach.rules.cascade import load_any

    return load_any(key).title
