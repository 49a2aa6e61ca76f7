"""The Import screen: a spreadsheet into the store, seen before it is written, undoable after.

Choose a file (the path field completes folder and file names; it starts in the folder of the
last file imported), what it holds and, if it has one, its saved mapping. ctrl+t (or enter in
the path) previews: how each column is read, the first rows as they will be stored, the counts,
and every problem grouped by cause. enter on a column maps it (or ignores it). ctrl+s asks
for confirmation (saying how many would be marked as left or changed when that is more than a
fifth) and imports with a progress bar; the result offers the undo. Every step goes through
:func:`outreach.imports.pipeline.import_file`, the service behind ``outreach import``.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.suggester import Suggester
from textual.widgets import DataTable, Footer, Input, Label, OptionList, ProgressBar, Select, Static

from outreach.tui.base import DataDialog, DataScreen
from outreach.tui.last_folder import last_import_folder, remember_import_folder
from outreach.tui.messages import (
    Failed,
    ImportPreviewed,
    ImportUndone,
    ImportWritten,
    MappingsLoaded,
)
from outreach.tui.widgets.site_header import SiteHeader
from outreach.wording import counted

if TYPE_CHECKING:
    from outreach.imports.mapping import ColumnMapping
    from outreach.imports.run import ImportReport
    from outreach.store.store import Store

KINDS = (
    ("People (the roll)", "people"),
    ("Conversations", "conversations"),
    ("Screening", "screening"),
)
ENCODINGS = (("UTF-8", "utf-8"), ("Windows-1252", "cp1252"))
NO_MAPPING = "(none)"
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]+")


def plain(text: str) -> Text:
    """Text from a file, shown as it is: never read as markup, control characters (escapes,
    line breaks inside a cell) shown as one space."""
    return Text(_CONTROL.sub(" ", text))


class PathSuggester(Suggester):
    """Completes a path with the first folder or file in its folder that starts with what was
    typed (hidden ones left out); folders end with a separator so typing can go on."""

    def __init__(self) -> None:
        super().__init__(use_cache=False, case_sensitive=True)

    async def get_suggestion(self, value: str) -> str | None:
        if not value:
            return None
        typed = Path(value).expanduser()
        folder, start = (typed, "") if value.endswith(("/", "\\")) else (typed.parent, typed.name)
        try:
            names = sorted(p.name + ("/" if p.is_dir() else "") for p in folder.iterdir())
        except OSError:
            return None
        for name in names:
            if name.startswith(start) and not name.startswith("."):
                return value + name[len(start) :]
        return None


def preview_text(report: ImportReport, file_name: str) -> Text:
    """What the preview pane shows: counts, what needs confirming, problems by cause, and the
    first rows as they will be stored."""
    out = Text()
    verb = "to" if report.dry_run else ""
    counts = (
        f"{counted(report.rows, 'row')}: {report.added} {verb} add, "
        f"{report.updated} {verb} update, {report.unchanged} unchanged"
    ).replace("  ", " ")
    if report.marked_left:
        counts += f", {report.marked_left} to mark as left"
    if any(error.line == 1 for error in report.errors):
        counts = "the rows are read once every column is mapped or ignored"
    out.append(f"{file_name}: {counts}\n", style="bold")
    for sweeping in report.needs_confirmation:
        out.append(f"To confirm: {sweeping}\n", style="bold yellow")
    groups = report.problem_groups()
    if groups:
        many = counted(len(report.errors), "problem")
        out.append(f"{many}; nothing can be imported yet:\n", style="red")
        for group in groups:
            out.append_text(plain(f"• {group}"))
            out.append("\n")
    for row in report.preview:
        out.append(f"Line {row.line} as it will be stored:\n", style="bold")
        for cell in row.cells:
            out.append_text(plain(f"  {cell.label}: {cell.written} → {cell.stored}"))
            out.append("\n")
    return out


COLUMN_LABELS = ("Column", "Read as")
"""The headers of the table of the file's columns."""


def how_read(cell: Any) -> Text:
    """How a header cell is read, as the column table shows it."""
    if cell.target is None:
        return Text("not mapped: enter", style="bold red")
    if cell.identifier:
        return Text(f"ignored ({cell.identifier})", style="dim")
    if cell.target == "ignore":
        return Text("ignored", style="dim")
    return Text(f"→ {cell.target}")


class MapColumnDialog(ModalScreen[str | None]):
    """Pick what a column is read as (or ignore it); esc leaves it as it was."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss(None)", "Cancel", id="map.cancel"),
    ]

    def __init__(self, header: str, targets: tuple[str, ...]) -> None:
        super().__init__()
        self._header = header
        self._targets = targets

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="map-box"):
            yield Static(Text.assemble("Read the column ", plain(self._header), " as:"))
            yield OptionList(*self._targets, id="map-targets")
            yield Static("enter: choose   esc: cancel", classes="muted")

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self._targets[event.option_index])


class ImportResultDialog(DataDialog):
    """What an import wrote, with its undo."""

    BINDINGS: ClassVar[list[BindingType]] = [
        # z as on the worklist: u opens the audit log everywhere else.
        Binding("z,ctrl+z", "undo", "Undo this import", id="import-result.undo"),
        Binding("escape,enter", "close", "Close", id="import-result.close"),
    ]

    def __init__(self, summary: str, batch_id: int) -> None:
        super().__init__()
        self._summary = summary
        self._batch_id = batch_id
        self._undone = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="import-result"):
            yield Static(self._summary, id="import-result-text")
            yield Static("z: undo this import   esc: close", classes="muted", id="result-keys")

    def action_close(self) -> None:
        self.dismiss(self._undone)

    def action_undo(self) -> None:
        from outreach.imports.undo import undo_import

        if self._undone:
            return
        self.query_one("#import-result-text", Static).update("Undoing the import…")
        self.call(ImportUndone, undo_import, batch_id=self._batch_id)

    @on(ImportUndone)
    def _undone_now(self, message: ImportUndone) -> None:
        report = message.data
        self._undone = True
        self.query_one("#import-result-text", Static).update(
            f"Import {report.batch_id} undone: {counted(report.removed_total, 'record')} removed, "
            f"{report.restored_total} put back as they were."
        )
        self.query_one("#result-keys", Static).update("esc: close")

    @on(Failed)
    def _refused(self, message: Failed) -> None:
        self.query_one("#import-result-text", Static).update(
            Text.assemble("Not undone: ", plain(message.error))
        )


class ImportScreen(DataScreen):
    """Choose a file, map its columns, preview it, then ctrl+s to import it."""

    DEFAULT_CSS = """
    ImportScreen #import-form { height: auto; padding: 0 1; }
    ImportScreen .row { height: 1; }
    ImportScreen .row Label { width: auto; padding: 0 1 0 0; }
    ImportScreen #path { width: 1fr; }
    ImportScreen #kind { width: 24; }
    ImportScreen #encoding { width: 18; }
    ImportScreen #mapping { width: 1fr; }
    ImportScreen #units { width: 1fr; }
    ImportScreen #left-on { width: 12; }
    ImportScreen #save-as { width: 16; }
    ImportScreen #import-status { height: auto; max-height: 2; padding: 0 1; }
    ImportScreen #import-body { height: 1fr; }
    ImportScreen #columns { width: 40; }
    ImportScreen #preview-pane { width: 1fr; padding: 0 1; }
    ImportScreen #import-progress { height: 1; padding: 0 1; }
    MapColumnDialog #map-box { width: 40; height: auto; max-height: 20; }
    MapColumnDialog #map-targets { height: auto; max-height: 14; }
    ImportResultDialog #import-result { width: 64; height: auto; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+t", "preview", "Preview", id="import.preview", priority=True),
        Binding("ctrl+s,f2", "run_import", "Import", id="import.run", priority=True),
        Binding("escape", "app.go('dashboard')", "Back", id="import.back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.report: ImportReport | None = None
        """The preview on the screen; None while there is none for the choices shown."""
        self.chosen: dict[str, str] = {}
        """Columns mapped on this screen: header key -> what it is read as."""
        self.saved: dict[str, ColumnMapping] = {}
        self.running = False

    def compose(self) -> ComposeResult:
        folder = last_import_folder()
        yield SiteHeader("Import a file")
        with Vertical(id="import-form"):
            with Horizontal(classes="row"):
                yield Label("File")
                # The remembered folder is the start of the path, not a value to replace:
                # what is typed goes on after it (not selected on focus).
                yield Input(
                    str(folder) + "/" if folder else "",
                    placeholder="path to a .csv file",
                    suggester=PathSuggester(),
                    compact=True,
                    select_on_focus=False,
                    id="path",
                )
            with Horizontal(classes="row"):
                yield Label("Holds")
                yield Select(KINDS, value="people", allow_blank=False, compact=True, id="kind")
                yield Label(" Text")
                yield Select(
                    ENCODINGS, value="utf-8", allow_blank=False, compact=True, id="encoding"
                )
                yield Label(" Mapping")
                yield Select(
                    [(NO_MAPPING, NO_MAPPING)],
                    value=NO_MAPPING,
                    allow_blank=False,
                    compact=True,
                    id="mapping",
                )
            with Horizontal(classes="row"):
                yield Label("Units")
                yield Input(placeholder="codes, e.g. HB1=Ash, HB2=Beech", compact=True, id="units")
                yield Label(" Missing left on")
                yield Input(placeholder="dd/mm/yyyy", compact=True, id="left-on")
                yield Label(" Save as")
                yield Input(placeholder="mapping name", compact=True, id="save-as")
        yield Static(
            "Type the file's path (→ completes), then enter or ctrl+t to preview.",
            id="import-status",
        )
        with Horizontal(id="import-body"):
            yield DataTable(id="columns", cursor_type="row", zebra_stripes=True)
            with VerticalScroll(id="preview-pane"):
                yield Static("", id="preview")
        yield ProgressBar(total=1, show_eta=False, id="import-progress")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        from outreach.imports.mapping import saved_mappings

        self.query_one("#columns", DataTable).add_columns(*COLUMN_LABELS)
        self.query_one("#path", Input).focus()
        self.call(MappingsLoaded, saved_mappings)

    # -- choices -------------------------------------------------------------------------
    def _status(self, text: str | Text) -> None:
        self.query_one("#import-status", Static).update(text)

    def _kind(self) -> str:
        return str(self.query_one("#kind", Select).value)

    def _path(self) -> Path:
        return Path(self.query_one("#path", Input).value.strip()).expanduser()

    def _mapping(self) -> ColumnMapping:
        from outreach.imports.mapping import (
            ColumnMapping,
            mapping_from,
            parse_pairs,
        )
        from outreach.imports.pipeline import file_columns

        kind = self._kind()
        units_text = self.query_one("#units", Input).value
        pairs = [p for p in re.split(r"[,;]", units_text) if p.strip()]
        typed = mapping_from(
            kind, units=parse_pairs(pairs, "units"), known=file_columns(kind).known
        )
        name = str(self.query_one("#mapping", Select).value)
        base = self.saved.get(name) if name != NO_MAPPING else None
        if base is None or base.kind != kind:
            base = ColumnMapping(kind)
        return base.merged(ColumnMapping(kind, dict(self.chosen), typed.units))

    def _left_on(self) -> date | None:
        from outreach.services.dates import parse_date

        text = self.query_one("#left-on", Input).value.strip()
        return parse_date(text, "mark_missing_left") if text else None

    def _forget_preview(self) -> None:
        self.report = None
        self.query_one("#preview", Static).update("")

    @on(Select.Changed, "#kind")
    def _kind_changed(self) -> None:
        self.chosen.clear()
        self._refresh_mappings()
        self._forget_preview()

    @on(Select.Changed, "#mapping")
    def _mapping_changed(self, event: Select.Changed) -> None:
        mapping = self.saved.get(str(event.value))
        if mapping is not None:
            units = ", ".join(f"{c}={u}" for c, u in mapping.units.items())
            self.query_one("#units", Input).value = units
            self.chosen.clear()
            self.action_preview()

    @on(Input.Changed)
    @on(Select.Changed, "#encoding")
    def _typed(self) -> None:
        self._forget_preview()

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_preview()

    def _refresh_mappings(self) -> None:
        kind = self._kind()
        names = [name for name, m in self.saved.items() if m.kind == kind]
        select = self.query_one("#mapping", Select)
        select.set_options([(NO_MAPPING, NO_MAPPING), *((plain(n), n) for n in names)])
        select.value = NO_MAPPING

    # -- preview ---------------------------------------------------------------------------
    def action_preview(self) -> None:
        # ctrl+t is a priority binding, so it is taken as soon as it arrives: keys pasted or
        # typed just ahead of it may still wait in the path field's queue. Read the field once
        # it has handled them (its queue runs in order).
        self.query_one("#path", Input).call_later(self._preview)

    def _preview(self) -> None:
        from outreach.imports.pipeline import import_file

        if self.running:
            return
        path = self._path()
        if not path.is_file():
            self._status(Text.assemble("No file at ", plain(str(path)), ": check the path."))
            return
        try:
            mapping, left_on = self._mapping(), self._left_on()
        except ValueError as exc:
            self._status(plain(str(exc)))
            return
        self._forget_preview()
        self._status(Text.assemble("Reading ", plain(path.name), "…"))
        self.call(
            ImportPreviewed,
            import_file,
            kind=self._kind(),
            source=path,
            dry_run=True,
            mark_missing_left=left_on,
            encoding=str(self.query_one("#encoding", Select).value),
            mapping=mapping,
        )

    def _show(self, report: ImportReport) -> None:
        self.report = report
        table = self.query_one("#columns", DataTable)
        names = [plain(cell.text) for cell in report.header]
        reads = [how_read(cell) for cell in report.header]
        # The columns are sized here from what they hold, not by the table when it is next
        # idle: a frame drawn in between left the header row (which the table caches) at the
        # old widths above rows drawn at the new ones.
        table.clear(columns=True)
        for label, texts in zip(COLUMN_LABELS, (names, reads), strict=True):
            table.add_column(label, width=max([len(label), *(t.cell_len for t in texts)]))
        for cell, name_text, read in zip(report.header, names, reads, strict=True):
            table.add_row(name_text, read, key=cell.key)
        name = self._path().name
        self.query_one("#preview", Static).update(preview_text(report, name))
        if not report.ok:
            unmapped = sum(cell.target is None for cell in report.header)
            columns = "1 column needs" if unmapped == 1 else f"{unmapped} columns need"
            hint = f"{columns} mapping: enter on one. " if unmapped else ""
            self._status(f"{hint}Nothing can be imported until every problem is put right.")
        elif report.changes == 0:
            self._status("Nothing to change: the store already holds all of it.")
        else:
            self._status("Preview only: nothing written yet. ctrl+s imports it.")

    # -- mapping a column ------------------------------------------------------------------
    @on(DataTable.RowSelected, "#columns")
    def _map_column(self, event: DataTable.RowSelected) -> None:
        from outreach.imports.mapping import targets
        from outreach.imports.pipeline import file_columns

        report = self.report
        key = event.row_key.value
        if report is None or key is None:
            return
        cell = next((c for c in report.header if c.key == key), None)
        if cell is None or cell.identifier:
            self._status("An identifier the store does not keep is always ignored.")
            return
        kind = self._kind()

        def chosen(target: str | None) -> None:
            if target is not None:
                self.chosen[cell.key] = target
                self.action_preview()

        self.app.push_screen(
            MapColumnDialog(cell.text, targets(kind, file_columns(kind).known)), chosen
        )

    # -- import ----------------------------------------------------------------------------
    def action_run_import(self) -> None:
        from outreach.tui.dialogs.account_dialogs import ConfirmDialog

        report = self.report
        if self.running:
            return
        if report is None:
            self._status("Nothing imported: preview the file first (ctrl+t).")
            return
        if not report.ok:
            self._status("Nothing imported: the file has problems (see the preview).")
            return
        if report.changes == 0:
            self._status("Nothing to import: the store already holds all of it.")
            return
        question = (
            f"Import {self._path().name}: {report.added} to add, {report.updated} to update"
            + (f", {report.marked_left} to mark as left" if report.marked_left else "")
            + "?"
        )
        for change in report.needs_confirmation:
            question += f"\nThis import {change}."
        sweeping = bool(report.needs_confirmation)
        self.app.push_screen(
            ConfirmDialog(question), lambda yes: self._confirmed(bool(yes), sweeping)
        )

    def _confirmed(self, yes: bool, sweeping: bool) -> None:
        from outreach.imports.mapping import save_mapping
        from outreach.imports.pipeline import import_file

        if not yes:
            self._status("Cancelled: nothing was imported.")
            return
        bar = self.query_one(ProgressBar)
        bar.update(total=max(1, self.report.rows if self.report else 1), progress=0)
        path, kind = self._path(), self._kind()
        mapping, left_on = self._mapping(), self._left_on()
        encoding = str(self.query_one("#encoding", Select).value)
        save_as = self.query_one("#save-as", Input).value.strip()

        def progress(done: int, total: int) -> None:
            self.app.call_from_thread(bar.update, total=max(1, total), progress=done)

        def work(store: Store) -> ImportReport:
            report = import_file(
                store,
                kind,
                path,
                mark_missing_left=left_on,
                encoding=encoding,
                progress=progress,
                mapping=mapping,
                confirm_sweeping=sweeping,
            )
            if report.written and save_as:
                save_mapping(store, save_as, mapping)
            return report

        self.running = True
        self._status(Text.assemble("Importing ", plain(path.name), "…"))
        self.call(ImportWritten, work)

    # -- answers ---------------------------------------------------------------------------
    @on(MappingsLoaded)
    def _mappings_loaded(self, message: MappingsLoaded) -> None:
        self.saved = {s.name: s.mapping for s in message.data}
        self._refresh_mappings()

    @on(ImportPreviewed)
    def _previewed(self, message: ImportPreviewed) -> None:
        remember_import_folder(self._path().parent)
        self._show(message.data)

    @on(ImportWritten)
    def _imported(self, message: ImportWritten) -> None:
        self.running = False
        done = message.data
        self._forget_preview()
        if not done.written:
            self._show(done)
            self._status("Nothing was imported: see the preview.")
            return
        assert done.batch_id is not None
        summary = (
            f"Imported {self._path().name} as import {done.batch_id}: {done.added} added, "
            f"{done.updated} updated, {done.unchanged} unchanged"
            + (f", {done.marked_left} marked as left." if done.marked_left else ".")
        )
        self._status(summary)
        # The import's commit left its pages in the WAL (Store.write, bulk): fold them into
        # data.db now, beside the result, rather than in the next save someone makes.
        checkpoint = getattr(self.app, "checkpoint_if_written", None)
        if checkpoint is not None:
            checkpoint()

        def closed(undone: bool | None) -> None:
            if undone:
                self._status(f"Import {done.batch_id} was undone: the store is as it was.")

        self.app.push_screen(ImportResultDialog(summary, done.batch_id), closed)
        from outreach.imports.mapping import saved_mappings

        self.call(MappingsLoaded, saved_mappings)

    @on(Failed)
    def _failed(self, message: Failed) -> None:
        if message.what is ImportWritten:
            self.running = False
        self._status(Text.assemble("Not done: ", plain(message.error)))
