"""One person: where they stand today, what is next, and everything that happened."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.console import Console
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Footer, Static

from outreach.clock import today
from outreach.text import visible
from outreach.tui.base import DataScreen
from outreach.tui.messages import Failed, ProfileLoaded
from outreach.tui.text import shown_lines
from outreach.tui.widgets.person_picker import PersonChoice
from outreach.tui.widgets.site_header import SiteHeader

if TYPE_CHECKING:
    from outreach.services.profile import PersonProfile, TimelineItem


# Columns of the timeline beside its Detail: Date (10) and What (12), each cell padded by one
# on both sides, and the scroll bar.
_BESIDE_DETAIL = 10 + 12 + 3 * 2 + 2


def fill_timeline(table: DataTable[Text], items: list[TimelineItem], width: int) -> None:
    """Show ``items`` in ``table`` within ``width`` columns: the detail (labels, and the note
    on lines of its own) wraps onto as many lines as it needs, so nothing runs off the right
    edge. Everything typed is shown as plain text (never markup, no control characters)."""
    from outreach.services.profile import printable

    detail_width = max(24, width - _BESIDE_DETAIL)
    table.clear(columns=True)
    table.add_column("Date", width=10)
    table.add_column("What", width=12)
    table.add_column("Detail", width=detail_width)
    for item in items:
        detail = Text(printable(item.summary).replace("\n", " "))
        if item.note:
            detail.append("\nnote: " + printable(item.note), style="italic")
        lines = detail.wrap(Console(width=detail_width), detail_width)
        table.add_row(
            Text(item.on.isoformat()),
            Text(item.kind.replace("_", " ")),
            Text("\n").join(lines),
            height=len(lines),
        )


def _day(value: object) -> str:
    return value.isoformat() if value is not None else "–"  # type: ignore[attr-defined]


def status_text(profile: PersonProfile) -> Text:
    """The box at the top of the person screen: who, where they stand (the most urgent thing
    first), tests, and any decision asking staff to hold back, coloured. Names, units and
    languages are text as typed, never markup, with control characters written out."""
    s = profile.status
    where = visible(s.unit) if s.unit else ("left" if s.left else "no unit")
    name, ref = visible(profile.name), visible(profile.ref)
    lines = [
        Text.assemble((name, "bold"), f"  {ref}  ·  age {profile.age}  ·  {where}"),
        Text.assemble("Status: ", (s.summary, "bold")),
        Text(
            f"Last test: {_day(s.last_test_on)}"
            + (f" ({s.last_action.replace('_', ' ')})" if s.last_action else "")
            + f"   Next due: {s.next_due}"
        ),
    ]
    decision = s.decision_words
    if decision:
        style = "bold red" if s.do_not_approach else "bold yellow"
        lines.append(Text.assemble("Decision: ", (decision, style)))
    # Every testing programme she is in the ages of while resident (or has a step in).
    for standing in profile.programmes:
        if standing.on is not None or (standing.eligible and not s.left):
            lines.append(Text(standing.words))
    if profile.language:
        lines.append(Text(f"Language: {visible(profile.language)}"))
    recorded = equity_words(profile.equity)
    if recorded:
        lines.append(Text(f"Equity: {recorded}"))
    return Text("\n").join(lines)


def equity_words(equity: dict[str, str]) -> str:
    """The equity fields recorded for the person (not stated ones left out), as labels from
    the closed lists: "ethnic group: Irish · interpreter needed: declined to say"."""
    from outreach.rules.equity import NOT_STATED, equity_field

    said = []
    for key, code in equity.items():
        if code == NOT_STATED:
            continue
        field = equity_field(key)
        label = field.label_of(code)
        said.append(f"{field.label.lower()}: {label if field.stated(code) else label.lower()}")
    return " · ".join(said)


class PersonScreen(DataScreen):
    """Status, next due date and timeline of the person with reference ``ref``."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c,f5", "conversation", "Log talk", id="person.conversation"),
        Binding("s,f6", "screening", "Screening", id="person.screening"),
        # Rarely used: in help and the command palette, not the footer, which at 80
        # columns has no room for it before "? Help".
        Binding("l", "transfer_out", "Transfer", id="person.transfer_out", show=False),
        Binding("e", "equity", "Equity", id="person.equity"),
        Binding("escape,backspace", "app.pop_screen", "Back", id="person.back"),
    ]

    def __init__(self, ref: str) -> None:
        super().__init__()
        self.ref = ref
        self.profile: PersonProfile | None = None

    def compose(self) -> ComposeResult:
        yield SiteHeader(f"Person {self.ref}")
        yield Static("Loading…", id="person-status")
        yield DataTable(id="timeline", cursor_type="row", zebra_stripes=True)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.reload()

    def on_screen_resume(self) -> None:
        if self.is_mounted and self.profile is not None:
            self.reload()

    def action_equity(self) -> None:
        """Record the person's equity fields (a form of five choices)."""
        from outreach.tui.dialogs.equity_form import EquityForm

        if self.profile is None:
            return
        self.app.push_screen(
            EquityForm(self.profile.ref, dict(self.profile.equity)), lambda _: self.reload()
        )

    def reload(self) -> None:
        from outreach.services.profile import person_profile

        self.call(ProfileLoaded, person_profile, ref=self.ref, as_of=today())

    @on(ProfileLoaded)
    def _loaded(self, message: ProfileLoaded) -> None:
        profile = message.data
        self.profile = profile
        self.query_one("#person-status", Static).update(status_text(profile))
        fill_timeline(self.query_one(DataTable), profile.timeline, self.size.width)

    @on(Failed)
    def _failed(self, message: Failed) -> None:
        self.query_one("#person-status", Static).update(shown_lines(message.error))

    def _choice(self) -> PersonChoice:

        name = self.profile.name if self.profile else ""
        return PersonChoice(self.ref, f"{self.ref}  {name}".strip())

    def action_conversation(self) -> None:
        from outreach.tui.dialogs.conversation_form import ConversationForm

        self.app.push_screen(ConversationForm(self._choice()))

    def action_screening(self) -> None:
        from outreach.tui.dialogs.screening_form import ScreeningForm

        self.app.push_screen(ScreeningForm(self._choice()))

    def action_transfer_out(self) -> None:
        from outreach.tui.screens.transfers import TransferOutDialog

        name = self.profile.name if self.profile else ""
        self.app.push_screen(TransferOutDialog(self.ref, name), self._after_transfer)

    def _after_transfer(self, sent: bool | None) -> None:
        if sent:
            self.reload()
