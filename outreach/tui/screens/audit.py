"""The audit log for admins: who did what to which record, never the values."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Footer, Static

from outreach.tui.base import DataScreen
from outreach.tui.messages import AuditLoaded, Failed
from outreach.tui.text import row, shown_lines
from outreach.tui.widgets.site_header import SiteHeader

if TYPE_CHECKING:
    pass

PAGE = 100


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
        self.query_one(DataTable).add_columns(
            "#", "When (UTC)", "Who", "Action", "Record", "Fields"
        )
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
        table.clear()
        table.add_rows(
            [
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
        )
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
