"""Closed vocabularies of the domain, stored as their string values."""

from enum import StrEnum


class Role(StrEnum):
    """What an account may do: admins manage accounts, staff log, viewers only look."""

    admin = "admin"
    staff = "staff"
    viewer = "viewer"


class HasCervix(StrEnum):
    """Whether the cervical screening programme applies; unknown counts as applicable."""

    yes = "yes"
    no = "no"
    unknown = "unknown"


class LeftReason(StrEnum):
    released = "released"
    transferred = "transferred"
    other = "other"


class ConversationKind(StrEnum):
    one_to_one = "one_to_one"
    group = "group"


class ScreeningEventKind(StrEnum):
    """Steps on the screening pathway, in the order a person usually meets them."""

    offered = "offered"
    declined = "declined"
    booked = "booked"
    attended = "attended"
    did_not_attend = "did_not_attend"
    test = "test"
    result_communicated = "result_communicated"
    colposcopy_referred = "colposcopy_referred"
    colposcopy_attended = "colposcopy_attended"
    ceased = "ceased"


class CeaseReason(StrEnum):
    """Why screening stopped for someone."""

    no_cervix = "no_cervix"
    radiotherapy = "radiotherapy"
    informed_choice = "informed_choice"
    other = "other"


class HpvResult(StrEnum):
    negative = "negative"
    positive = "positive"
    unavailable = "unavailable"


class Cytology(StrEnum):
    """Cytology (triage) result; only read when the HPV result is positive.

    High-grade dyskaryosis is kept as the lab reports it: ``high_grade_moderate`` and
    ``high_grade_severe`` are different findings (CIN2 and CIN3); ``high_grade`` is a
    high-grade result whose grade was not recorded.
    """

    normal = "normal"
    borderline = "borderline"
    low_grade = "low_grade"
    high_grade = "high_grade"
    high_grade_moderate = "high_grade_moderate"
    high_grade_severe = "high_grade_severe"
    invasive = "invasive"
    glandular = "glandular"
    inadequate = "inadequate"


class SampleTaker(StrEnum):
    clinician = "clinician"
    self = "self"


class Where(StrEnum):
    """Where a screening step happened: go where the people are."""

    on_site = "on_site"
    outside = "outside"
    before_arrival = "before_arrival"


class ResultAction(StrEnum):
    """What a test result asks for next (gov.uk cervical screening care pathway)."""

    routine_recall = "routine_recall"
    repeat_12_months = "repeat_12_months"
    repeat_3_months = "repeat_3_months"
    colposcopy_2_weeks = "colposcopy_2_weeks"
    colposcopy_6_weeks = "colposcopy_6_weeks"


class FollowUpStatus(StrEnum):
    open = "open"
    done = "done"
    cancelled = "cancelled"


class FollowUpReason(StrEnum):
    repeat_test = "repeat_test"
    colposcopy = "colposcopy"
    revisit = "revisit"
    next_step = "next_step"
    result = "result"
    other = "other"


class DecisionKind(StrEnum):
    """A person's own decision. An informed decline is respected and revisited later;
    do-not-approach removes the person from every outreach worklist until withdrawn."""

    informed_decline = "informed_decline"
    do_not_approach = "do_not_approach"
    approach_again = "approach_again"


class TargetMeasure(StrEnum):
    coverage = "coverage"
    uptake = "uptake"
    reach = "reach"
