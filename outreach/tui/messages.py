"""Messages workers send back to screens: small, immutable, and free of secrets."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textual.message import Message

if TYPE_CHECKING:
    from outreach.exports.export import ExportResult
    from outreach.exports.preview import ExportPreview
    from outreach.imports.mapping import SavedMapping
    from outreach.imports.run import ImportReport
    from outreach.imports.undo import UndoReport
    from outreach.model import Mentor, Stay
    from outreach.services.audit_log import AuditRow
    from outreach.services.conversations import ConversationLogged
    from outreach.services.followup_changes import FollowUpChange
    from outreach.services.followups import FollowUpRow
    from outreach.services.mentors import MentorRow
    from outreach.services.profile import PersonProfile
    from outreach.services.screening import ScreeningRecorded
    from outreach.services.search import PeoplePage
    from outreach.services.sync_conflicts import ConflictView
    from outreach.services.targets import TargetRow
    from outreach.services.transfer import (
        ExpectedArrival,
    )
    from outreach.services.transfer import (
        TransferSent as Sent,
    )
    from outreach.services.transfer import (
        TransferTaken as Taken,
    )
    from outreach.stats.cascade import ProgrammeFigures
    from outreach.stats.dashboard import Dashboard
    from outreach.stats.equity import EquityFigures
    from outreach.stats.headline import Headline
    from outreach.store.backup import BackupInfo
    from outreach.store.store import Changes, Store


class Unlocked(Message):
    """The store opened; the application takes it from here."""

    def __init__(self, store: Store) -> None:
        super().__init__()
        self.store = store


@dataclass
class UnlockFailed(Message):
    """An unlock did not open the store. ``wait_seconds`` is how long before the next try."""

    error: str
    wait_seconds: float = 0.0


@dataclass
class StepSaid(Message):
    """What a long step run in a worker is doing (an upgrade at unlock, a backup's copy), to
    show meanwhile."""

    text: str


@dataclass
class Answer(Message):
    """What a worker's call returned. Each kind of result is its own subclass, whose ``data``
    has its type, so a screen handles each with its own handler (``@on(DashboardLoaded)``)."""

    data: Any


@dataclass
class Failed(Message):
    """A worker's call was refused or failed; ``error`` is fit to show to a person.

    ``what`` is the answer the call would have sent. When the refusal names a field, ``field``
    is its name and ``problem`` what to show beside it (``error`` without the field's name).
    """

    what: type[Answer]
    error: str
    field: str | None = None
    problem: str = ""


# -- one class per result ----------------------------------------------------------------
@dataclass(frozen=True)
class HeadlineView:
    """The top of the dashboard: coverage against its targets and today's follow-ups."""

    headline: Headline
    due_today: int
    overdue: int
    oldest_overdue_days: int
    national: float


@dataclass(frozen=True)
class DashboardView:
    """The rest of the dashboard: the month's figures, the trend and barrier labels."""

    board: Dashboard
    barrier_labels: dict[str, str]
    national: float


@dataclass
class HeadlineLoaded(Answer):
    """The dashboard's headline: coverage against its targets, today's follow-ups."""

    data: HeadlineView


@dataclass
class DashboardLoaded(Answer):
    """The rest of the dashboard's figures: the month, the trend, the barriers."""

    data: DashboardView


@dataclass
class ProgrammeLoaded(Answer):
    """The dashboard's figures for a testing programme (BBV, bowel): its cascade this year."""

    data: ProgrammeFigures


@dataclass
class PeopleLoaded(Answer):
    """One page of the people list."""

    data: PeoplePage


@dataclass
class ProfileLoaded(Answer):
    """One person's standing and timeline."""

    data: PersonProfile


@dataclass
class FollowupsLoaded(Answer):
    """One page of follow-ups due."""

    data: list[FollowUpRow]


@dataclass
class FollowupChanged(Answer):
    """A follow-up was marked done, moved, or its change undone."""

    data: FollowUpChange


@dataclass
class AuditLoaded(Answer):
    """One page of the audit log, newest first."""

    data: list[AuditRow]


@dataclass
class AccountsLoaded(Answer):
    """Every account with its role, by name."""

    data: list[tuple[str, str]]


@dataclass
class AccountChanged(Answer):
    """An account was added or removed, or a passphrase changed; ``data`` says which."""

    data: str


@dataclass
class MentorsLoaded(Answer):
    """The mentors, with whether each is active."""

    data: list[MentorRow]


@dataclass
class MentorAdded(Answer):
    """A new mentor was saved."""

    data: Mentor


@dataclass
class MentorActiveChanged(Answer):
    """A mentor's active period was ended or started again."""

    data: Mentor


@dataclass
class EquitySaved(Answer):
    """A person's equity fields were saved: the names of those that changed."""

    data: list[str]


@dataclass
class MissedLoaded(Answer):
    """Every measure by each equity field (who is being missed)."""

    data: list[EquityFigures]


@dataclass
class TargetsLoaded(Answer):
    """Every target set."""

    data: list[TargetRow]


@dataclass
class TargetSaved(Answer):
    """A target was set or changed."""

    data: TargetRow


@dataclass
class ConversationSaved(Answer):
    """A conversation was logged."""

    data: ConversationLogged


@dataclass
class ScreeningSaved(Answer):
    """A screening step was recorded."""

    data: ScreeningRecorded


@dataclass
class BackupWritten(Answer):
    """A backup file was written and checked."""

    data: BackupInfo


@dataclass
class ExportPreviewed(Answer):
    """The table an export would publish; nothing written."""

    data: ExportPreview


@dataclass
class ExportWritten(Answer):
    """An export was written and signed."""

    data: ExportResult


@dataclass
class MappingsLoaded(Answer):
    """The saved column mappings, by name."""

    data: list[SavedMapping]


@dataclass
class ImportPreviewed(Answer):
    """What importing a file would do; nothing written."""

    data: ImportReport


@dataclass
class ImportWritten(Answer):
    """A file was imported (or refused as a whole: ``data.written`` says which)."""

    data: ImportReport


@dataclass
class ImportUndone(Answer):
    """An import was undone."""

    data: UndoReport


@dataclass
class StoreChanged(Message):
    """The store's watch found commits by other programs (or the store replaced)."""

    changes: Changes


@dataclass
class TransferCardRead(Answer):
    """The site a chosen card names, and its fingerprint."""

    data: tuple[str, str]


@dataclass
class TransferSent(Answer):
    """A transfer packet written and her leaving recorded."""

    data: Sent


@dataclass
class TransferTaken(Answer):
    """A transfer packet taken in."""

    data: Taken


@dataclass
class ArrivalsLoaded(Answer):
    """The expected arrivals."""

    data: list[ExpectedArrival]


@dataclass
class ArrivalConfirmed(Answer):
    """An expected arrival given her stay."""

    data: Stay


@dataclass
class ConflictsLoaded(Answer):
    """The sync conflicts waiting for a person."""

    data: list[ConflictView]


@dataclass
class ConflictResolved(Answer):
    """A sync conflict resolved, one side kept."""

    data: ConflictView


@dataclass
class ConflictsCounted(Answer):
    """How many sync conflicts wait for a person."""

    data: int
