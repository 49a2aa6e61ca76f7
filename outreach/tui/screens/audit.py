"""The audit log for admins: who did what to which record, never the values."""

from __future__ import annotations

from typing import ClassVar

from rich.cells import cell_len
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Footer, Static

from outreach.tui.base import DataScreen
from outreach.tui.messages import AuditLoaded, Failed
from outreach.tui.text import row, shown_lines
from outreach.tui.widgets.site_header import SiteHeader

PAGE = 100
HEADINGS = ("#", "When (UTC)", "Who", "Action", "Record", "Fields")
NARROWEST = 12
"""The record and fields columns wrap down to this width; below it the table scrolls sideways
rather than wrapping them into shreds."""


class AuditScreen(DataScreen):
    """Newest audit rows first, a page at a time."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n,right_square_bracket", "page(1)", "Next page", id="audit.next"),
        Binding("b,left_square_bracket", "page(-1)", "Prev page", id="audit.previous"),
        Binding("escape", "app.go('dashboard')", "Back", id="audit.back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.page_start = 0
        self.has_more = False

    def compose(self) -> ComposeResult:
        yield SiteHeader("Audit log")
        yield Static("Loading…", id="audit-status", classes="muted")
        yield DataTable(id="audit", cursor_type="row", zebra_stripes=True)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns(*HEADINGS)
        self.reload()

    def reload(self) -> None:
        from outreach.services.audit_log import recent_audit

        self.call(AuditLoaded, recent_audit, offset=self.page_start, limit=PAGE)

    def action_page(self, step: int) -> None:
        self.page_start = max(0, self.page_start + step * PAGE)
        self.reload()

    @on(AuditLoaded)
    def _loaded(self, message: AuditLoaded) -> None:
        rows = message.data
        table = self.query_one(DataTable)
        cells = [
            row(
                str(r.id),
                f"{r.at:%Y-%m-%d %H:%M}",
                r.account or "",
                r.action,
                f"{r.entity} {r.entity_id}" if r.entity_id is not None else r.entity,
                ", ".join(r.fields),
            )
            for r in rows
        ]
        # The fields take what the other columns leave and wrap inside it, so a row is read
        # whole at 80 columns: the table's width less the scrollbar and every column's
        # padding (one cell either side). Where that leaves the fields too little, the record
        # column gives way too and wraps (down to NARROWEST).
        widest = [
            max([cell_len(heading), *(line[i].cell_len for line in cells)])
            for i, heading in enumerate(HEADINGS)
        ]
        room = table.size.width - table.styles.scrollbar_size_vertical - 2 * len(HEADINGS)
        room -= sum(widest[:4])
        record = min(widest[4], max(NARROWEST, room - widest[4] - NARROWEST, room // 2))
        fields = max(NARROWEST, room - record)
        table.clear(columns=True)
        for heading in HEADINGS[:4]:
            table.add_column(heading)
        table.add_column(HEADINGS[4], width=record)
        table.add_column(HEADINGS[5], width=fields)
        for line in cells:
            table.add_row(*line, height=None)
        self.query_one("#audit-status", Static).update(
            f"Rows {self.page_start + 1}–{self.page_start + len(rows)}, newest first"
            if rows
            else "No more rows."
        )
        self.has_more = len(rows) == PAGE
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Paging keys appear only when there is a page to go to.
        if action == "page":
            return self.has_more if parameters == (1,) else self.page_start > 0
        return True

    @on(Failed)
    def _failed(self, message: Failed) -> None:
        self.query_one("#audit-status", Static).update(shown_lines(message.error))
