"""Set a target: the measure, its value, the baseline it starts from and the date to reach it,
for one programme (cervical screening's coverage, uptake or reach, or a testing programme's
own measures, as ``outreach targets set --programme`` sets them).

Setting a target for a measure and scope replaces the one already set for them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Footer, Input, Select, Static

from outreach.model import TargetMeasure
from outreach.tui.dialogs.form import Form, field_row, parse_day
from outreach.tui.messages import TargetSaved
from outreach.tui.programme_choice import CERVICAL

if TYPE_CHECKING:
    from outreach.stats.targets import TargetRow
    from outreach.store.store import Store


def parse_percent(text: str) -> tuple[float | None, str]:
    """The optional percentage in ``text`` (a trailing % allowed) and the problem with it."""
    raw = text.strip().removesuffix("%").strip()
    if not raw:
        return None, ""
    try:
        value = float(raw)
    except ValueError:
        return None, "a percentage, such as 90 or 92.5"
    if not 0 <= value <= 100:
        return None, "a percentage from 0 to 100"
    return value, ""


def measure_labels(programme: str) -> dict[str, str]:
    """A programme's target measures, key -> what the screen calls it, in the file's order:
    cervical screening's coverage, uptake and reach, or a testing programme's own measures."""
    from outreach.rules.cascade import CascadeProgramme, load_any

    rules = load_any(programme)
    if isinstance(rules, CascadeProgramme):
        return {m.key: m.label for m in rules.measures}
    return {m.value: m.value.capitalize() for m in TargetMeasure}


class TargetForm(Form):
    """The set-target form; dismisses with the target set."""

    DRAFT_KIND = "target"
    FIELDS: ClassVar[tuple[str, ...]] = (
        "measure",
        "value",
        "target_on",
        "baseline",
        "baseline_on",
        "unit",
    )

    def __init__(self, current: TargetRow | None = None, *, programme: str = CERVICAL) -> None:
        super().__init__()
        self._current = current
        self._programme = current.programme if current else programme

    def compose(self) -> ComposeResult:
        from outreach.rules.cascade import load_any

        t = self._current
        measures = [(label, key) for key, label in measure_labels(self._programme).items()]
        title = load_any(self._programme).title
        with VerticalScroll(classes="form dialog-form", id="target-form"):
            yield Static(f"Set a target: {title}", classes="form-title")
            yield Static("", id="form-status", classes="form-status")
            yield from field_row(
                "Measure",
                Select(
                    measures,
                    compact=True,
                    value=t.measure if t else measures[0][1],
                    allow_blank=False,
                    id="measure",
                ),
                "measure",
            )
            yield from field_row(
                "Target %",
                Input(f"{t.value:g}" if t else "", compact=True, placeholder="90", id="value"),
                "value",
            )
            yield from field_row(
                "By",
                Input(
                    t.target_on.isoformat() if t else "",
                    compact=True,
                    placeholder="date to reach it",
                    id="target_on",
                ),
                "target_on",
            )
            yield from field_row(
                "Baseline %",
                Input(
                    f"{t.baseline:g}" if t and t.baseline is not None else "",
                    compact=True,
                    placeholder="optional, with its date",
                    id="baseline",
                ),
                "baseline",
            )
            yield from field_row(
                "Baseline on",
                Input(
                    t.baseline_on.isoformat() if t and t.baseline_on else "",
                    compact=True,
                    placeholder="date of the baseline",
                    id="baseline_on",
                ),
                "baseline_on",
            )
            yield from field_row(
                "Unit",
                Input(
                    (t.unit or "") if t else "",
                    compact=True,
                    placeholder="blank: the whole site",
                    id="unit",
                ),
                "unit",
            )
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#value" if self._current else "#measure").focus()

    @on(Input.Changed)
    def _typed(self, event: Input.Changed) -> None:
        touched = {event.input.id or ""}
        if touched & {"baseline", "baseline_on", "target_on"}:
            touched |= {"baseline", "baseline_on"}
        self.revalidate(touched)

    @on(Select.Changed, "#measure")
    def _measure_changed(self) -> None:
        self.revalidate({"unit"})

    def check(self) -> dict[str, str]:
        errors: dict[str, str] = {}
        value, problem = parse_percent(self.value_of("#value"))
        if problem or value is None:
            errors["value"] = problem or "the target percentage"
        elif value == 0:
            errors["value"] = "a percentage above 0"
        target_on, problem = parse_day(self.value_of("#target_on"), "target_on")
        if problem or target_on is None:
            errors["target_on"] = problem or "the date to reach it by"
        baseline, problem = parse_percent(self.value_of("#baseline"))
        if problem:
            errors["baseline"] = problem
        baseline_on, problem = parse_day(self.value_of("#baseline_on"), "baseline_on")
        if problem:
            errors["baseline_on"] = problem
        elif "baseline" not in errors and (baseline is None) != (baseline_on is None):
            field = "baseline" if baseline is None else "baseline_on"
            errors[field] = "give the baseline and its date together"
        elif baseline_on and target_on and baseline_on >= target_on:
            errors["baseline_on"] = "is not before the target date"
        unit = self.value_of("#unit").strip()
        if unit and self.value_of("#measure") != TargetMeasure.coverage.value:
            errors["unit"] = "only coverage targets can be for one unit"
        return errors

    def save(self) -> None:
        from outreach.services.targets import SetTarget, set_target

        value, _ = parse_percent(self.value_of("#value"))
        baseline, _ = parse_percent(self.value_of("#baseline"))
        target_on, _ = parse_day(self.value_of("#target_on"), "target_on")
        baseline_on, _ = parse_day(self.value_of("#baseline_on"), "baseline_on")
        measure = str(self.value_of("#measure"))
        unit = self.value_of("#unit").strip() or None
        programme = self._programme
        assert value is not None and target_on is not None

        def work(store: Store) -> TargetRow:
            return set_target(
                store,
                SetTarget(
                    measure=measure,
                    value=value,
                    target_on=target_on,
                    baseline=baseline,
                    baseline_on=baseline_on,
                    unit=unit,
                    programme=programme,
                ),
            )

        self.call(TargetSaved, work)

    @on(TargetSaved)
    def _target_saved(self, message: TargetSaved) -> None:
        row = message.data
        scope = row.unit or "the site"
        self.app.notify(
            f"Target for {row.measure} in {scope}: {row.value:g}% by {row.target_on:%d %b %Y}.",
            title="Saved",
        )
        self.dismiss(row)
