"""SQLModel tables and enums. Importing this module registers every table on the metadata."""

from outreach.model.drafts import FormDraft
from outreach.model.enums import (
    CeaseReason,
    ConversationKind,
    Cytology,
    DecisionKind,
    FollowUpReason,
    FollowUpStatus,
    HasCervix,
    HpvResult,
    LeftReason,
    ResultAction,
    Role,
    SampleTaker,
    ScreeningEventKind,
    TargetMeasure,
    Where,
)
from outreach.model.exports import ExportRecord
from outreach.model.figures import MonthActivity, MonthCoverage
from outreach.model.imports import ImportBatch, ImportChange, ImportMapping
from outreach.model.outreach_log import (
    Conversation,
    ConversationAttendee,
    ConversationBarrier,
    ConversationMentor,
    ConversationProgramme,
    ConversationProgrammeBarrier,
    FirstContact,
    Mentor,
)
from outreach.model.pathway import Decision, FollowUp, ScreeningEvent, Target
from outreach.model.people import Person, Stay, Unit
from outreach.model.region import RegionSite, RegionSiteTotal, RegionSubmission, RegionSum
from outreach.model.site import Account, AuditEntry, Site
from outreach.model.site_settings import SiteSetting
from outreach.model.sync import (
    AuthorElsewhere,
    ChangeLog,
    SyncBundleIn,
    SyncClock,
    SyncConflict,
    SyncPeer,
)
from outreach.model.transfers import Transfer, TransferFollowUp

__all__ = [
    "Account",
    "AuditEntry",
    "AuthorElsewhere",
    "CeaseReason",
    "ChangeLog",
    "Conversation",
    "ConversationAttendee",
    "ConversationBarrier",
    "ConversationKind",
    "ConversationMentor",
    "ConversationProgramme",
    "ConversationProgrammeBarrier",
    "Cytology",
    "Decision",
    "DecisionKind",
    "ExportRecord",
    "FirstContact",
    "FollowUp",
    "FollowUpReason",
    "FollowUpStatus",
    "FormDraft",
    "HasCervix",
    "HpvResult",
    "ImportBatch",
    "ImportChange",
    "ImportMapping",
    "LeftReason",
    "Mentor",
    "MonthActivity",
    "MonthCoverage",
    "Person",
    "RegionSite",
    "RegionSiteTotal",
    "RegionSubmission",
    "RegionSum",
    "ResultAction",
    "Role",
    "SampleTaker",
    "ScreeningEvent",
    "ScreeningEventKind",
    "Site",
    "SiteSetting",
    "Stay",
    "SyncBundleIn",
    "SyncClock",
    "SyncConflict",
    "SyncPeer",
    "Target",
    "TargetMeasure",
    "Transfer",
    "TransferFollowUp",
    "Unit",
    "Where",
]
