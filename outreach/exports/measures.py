"""What each published measure and breakdown means, in plain words, for every export format."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MeasureInfo:
    """How a measure is named and explained in an export."""

    label: str
    definition: str
    numerator: str = "numerator"
    """Short name of a rate's numerator, used in long-form names such as ``coverage.covered``."""
    denominator: str = "denominator"


MEASURES: dict[str, MeasureInfo] = {
    "coverage": MeasureInfo(
        "Coverage at the end of the period (%)",
        "Eligible residents on the last day of the period (aged 25 to 64, programme applies, "
        "not clinically ceased) with an adequate test within 3.5 years (25 to 49) or 5.5 years "
        "(50 to 64) before that day, wherever the test was taken.",
        "covered",
        "eligible",
    ),
    "coverage_trend": MeasureInfo(
        "Coverage at each month end (%)",
        "Coverage as above, measured on the last day of each month.",
        "covered",
        "eligible",
    ),
    "uptake": MeasureInfo(
        "Uptake of offers (%)",
        "Offers made in the period that were followed by an adequate test within 183 days, "
        "out of the offers whose 183 days have passed or that were followed by a test.",
        "tested",
        "resolved_offers",
    ),
    "uptake_pending": MeasureInfo(
        "Offers still within 183 days",
        "Offers made in the period, not yet followed by a test, whose 183 days have not passed.",
    ),
    "reach": MeasureInfo(
        "Reach of one-to-one conversations (%)",
        "Eligible residents not covered at some point in the period who had a one-to-one "
        "conversation in the period, out of all eligible residents not covered at some point "
        "in the period.",
        "reached",
        "not_covered",
    ),
    "conversations": MeasureInfo(
        "Conversations", "Outreach conversations held in the period, one-to-one and group."
    ),
    "people_reached": MeasureInfo(
        "People reached", "Different people who had at least one conversation in the period."
    ),
    "conversation_minutes": MeasureInfo(
        "Minutes spent in conversations", "Total minutes spent in conversations in the period."
    ),
    "barriers": MeasureInfo(
        "Conversations raising a barrier",
        "Conversations in the period in which a barrier was raised, by barrier. A conversation "
        "can raise several barriers.",
    ),
    "outcomes": MeasureInfo(
        "Conversation outcomes",
        "The person's own decision at the end of a conversation in the period.",
    ),
    "barrier_people": MeasureInfo(
        "People raising a barrier",
        "Different identified people who raised the barrier in a conversation in the period.",
    ),
    "first_conversations": MeasureInfo(
        "People with a first conversation",
        "People whose first conversation fell in the period.",
    ),
    "tested_after_conversation": MeasureInfo(
        "Tested after a first conversation",
        "Of the people whose first conversation fell in the period, those with an adequate "
        "test on or after it, by the as-of date.",
    ),
    "days_to_test": MeasureInfo(
        "Days from first conversation to test (median)",
        "For the people tested after a first conversation in the period, the median number "
        "of days from that conversation to the test.",
    ),
    "follow_ups_on_time": MeasureInfo(
        "Follow-ups completed on time (%)",
        "Follow-ups completed in the period that were completed on or before the due date "
        "they were set with (rescheduling does not move it).",
        "on_time",
        "completed",
    ),
    "follow_ups_open": MeasureInfo(
        "Follow-ups open",
        "Follow-ups of residents open on the last day of the period: opened by then and not "
        "yet done.",
    ),
    "follow_ups_overdue": MeasureInfo(
        "Follow-ups overdue",
        "Follow-ups of residents open on the last day of the period whose due date had "
        "passed by then.",
    ),
    "colposcopy_referred": MeasureInfo(
        "Colposcopy referrals", "Referrals to colposcopy made in the period."
    ),
    "colposcopy_attended": MeasureInfo(
        "Colposcopy attended",
        "Referrals in the period attended within 2 weeks, and within 6 weeks (which includes "
        "those within 2 weeks), by the as-of date.",
    ),
    "colposcopy_pending": MeasureInfo(
        "Colposcopy not yet due",
        "Referrals in the period not yet attended whose 6 weeks had not passed by the as-of date.",
    ),
}

_TARGETED = {"coverage": "Coverage", "uptake": "Uptake", "reach": "Reach"}
for _key, _name in _TARGETED.items():
    MEASURES[f"{_key}_target"] = MeasureInfo(
        f"{_name} target (%)", f"The {_key} target set for the site or the unit."
    )
    MEASURES[f"{_key}_baseline"] = MeasureInfo(
        f"{_name} baseline (%)", f"The {_key} the target was set against."
    )
    MEASURES[f"{_key}_target_needed"] = MeasureInfo(
        f"More people needed to reach the {_key} target",
        f"How many more people would need to be counted for {_key} to reach its target: the "
        "target times the denominator, rounded up, less the numerator (coverage at the end "
        "of the period). Like the percentages, it is worked out from the published counts, "
        "so it reveals nothing they do not, and it is * when either of them is.",
    )

BREAKDOWNS: dict[str, str] = {
    "total": "All",
    "age_band": "Age band",
    "unit": "Unit",
    "month": "Month",
    "barrier": "Barrier",
    "outcome": "Outcome",
    "setting": "Setting",
    "kind": "Kind of conversation",
    "within": "Attended within",
}


def measure_info(measure: str) -> MeasureInfo:
    """The catalogue entry of ``measure``; an unknown measure is shown by its id."""
    return MEASURES.get(measure, MeasureInfo(measure.replace("_", " ").capitalize(), ""))


def breakdown_label(breakdown: str) -> str:
    return BREAKDOWNS.get(breakdown, breakdown.replace("_", " ").capitalize())
