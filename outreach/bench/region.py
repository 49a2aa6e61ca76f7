"""How long a region's roll-up takes: ``python -m outreach.bench.region [--sites 200]
[--quarters 20] [--adds 50] [--programmes all] [--wall]``.

Builds a throw-away region store in a temporary folder and fills it with synthetic submissions
(``--sites`` simulated sites, each with its own key and card, ``--quarters`` quarters each, of
each of ``--programmes``: cervical screening's about 80 exact rows per submission, the size of
a real site's: coverage by age band and unit, the trend, uptake, reach, conversations by kind
and setting, barriers, outcomes, follow-ups, colposcopy; a testing programme's its cascade
(cohort, stages, on-time counts, headline measures) in total and by each unit and every
category of every equity field, as a real site's submission carries it: 715 to 845 rows). The
bulk is written in one transaction as setup; ``--adds`` of the files go through ``outreach
region add``'s own path (open the sealed file, check the sender, keep it, audit row) and are
timed per file. Then every quarter of each programme is rolled up (the kept sums read,
disclosure control applied, the breakdown rule run) and one quarter's export of each
programme is written in every format. Times are CPU time of this process
(``time.process_time``), which other work on a busy machine does not inflate; ``--wall`` times
wall-clock instead. Prints the figures; asserts nothing. Only synthetic data is written.
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from sqlmodel import select

from outreach.clock import now
from outreach.exports.builder import export_period
from outreach.exports.cascade_table import headline_measure, stage_measure
from outreach.exports.equity_rows import breakdown_names, export_breakdown
from outreach.exports.preview import CERVICAL, ExportChoice
from outreach.exports.rows import ALL, TOTAL
from outreach.exports.table import AggregateTable
from outreach.model import RegionSite, RegionSubmission, Site
from outreach.region.inbox import add_submission
from outreach.region.rollup import export_region, region_summary
from outreach.region.submission import KIND, payload, row_json
from outreach.region.sums import count_in
from outreach.rules.cascade import CascadeProgramme, load_cascade
from outreach.rules.disclosure import NHS_HES_2018
from outreach.rules.programme import programme_keys
from outreach.services.site import SetOrgUnit, set_org_unit
from outreach.stats.period import Period
from outreach.store.sealed import site_card
from outreach.store.store import Store

PASSPHRASE = "bench passphrase of several words"
AS_OF = date(2026, 1, 15)
UNITS = ("A Wing", "B Wing", "C Wing", "D Wing", "Healthcare", "Induction")
SETTINGS = ("wing", "clinic", "education", "outside")
BARRIERS = tuple(f"barrier {n}" for n in range(15))
OUTCOMES = ("accepted", "declined", "thinking", "already", "booked", "other")


def site_table(rng: random.Random, site: str, period: Period) -> AggregateTable:
    """A site's exact table of ``period``, shaped like the builder's."""
    table = AggregateTable(
        site=site,
        programme="cervical-screening",
        programme_title="Cervical screening",
        period=export_period(period),
        as_of=AS_OF,
    )
    units = [(rng.randint(0, 90), 0) for _ in UNITS]
    units = [(eligible, rng.randint(0, eligible)) for eligible, _ in units]
    eligible, covered = sum(u[0] for u in units), sum(u[1] for u in units)
    ceased = rng.randint(0, 5)
    table.rate(
        "coverage", covered, eligible, initial_population=eligible + ceased, exclusions=ceased
    )
    young = rng.randint(0, eligible)
    young_covered = rng.randint(max(0, covered - (eligible - young)), min(young, covered))
    table.rate("coverage", young_covered, young, "age_band", "25-49")
    table.rate("coverage", covered - young_covered, eligible - young, "age_band", "50-64")
    for unit, (unit_eligible, unit_covered) in zip(UNITS, units, strict=True):
        table.rate("coverage", unit_covered, unit_eligible, "unit", unit)
    month = period.start
    for _ in range(15):
        trend_eligible = rng.randint(eligible // 2, eligible + 10)
        table.rate(
            "coverage_trend",
            rng.randint(0, trend_eligible),
            trend_eligible,
            "month",
            f"{month:%Y-%m}",
        )
    resolved, pending = rng.randint(0, 60), rng.randint(0, 20)
    table.rate(
        "uptake",
        rng.randint(0, resolved),
        resolved,
        initial_population=resolved + pending,
        exclusions=pending,
    )
    table.count("uptake_pending", pending)
    uncovered = rng.randint(0, 80)
    table.rate("reach", rng.randint(0, uncovered), uncovered, initial_population=uncovered)
    one, group = rng.randint(0, 120), rng.randint(0, 20)
    table.count("conversations", one + group)
    table.count("conversations", one, "kind", "one-to-one")
    table.count("conversations", group, "kind", "group")
    left = one + group
    for setting in SETTINGS:
        part = rng.randint(0, left)
        table.count("conversations", part, "setting", setting)
        left -= part
    table.count("people_reached", rng.randint(0, one + group))
    table.count("conversation_minutes", rng.randint(0, 3000))
    for barrier in BARRIERS:
        table.count("barriers", rng.randint(0, 12), "barrier", barrier)
        table.count("barrier_people", rng.randint(0, 10), "barrier", barrier)
    for outcome in OUTCOMES:
        table.count("outcomes", rng.randint(0, 30), "outcome", outcome)
    table.count("first_conversations", rng.randint(0, 40))
    table.count("tested_after_conversation", rng.randint(0, 30))
    done = rng.randint(0, 60)
    table.rate("follow_ups_on_time", rng.randint(0, done), done)
    table.count("follow_ups_open", rng.randint(0, 40))
    table.count("follow_ups_overdue", rng.randint(0, 10))
    table.count("colposcopy_referred", rng.randint(0, 4))
    table.count("colposcopy_attended", rng.randint(0, 2), "within", "2 weeks")
    table.count("colposcopy_attended", rng.randint(0, 3), "within", "6 weeks")
    table.count("colposcopy_pending", rng.randint(0, 2))
    return table


def cascade_table(
    rng: random.Random, site: str, period: Period, rules: CascadeProgramme
) -> AggregateTable:
    """A site's exact cascade of ``rules`` for ``period``, with every breakdown a submission
    carries (each unit and every category of every equity field)."""
    table = AggregateTable(
        site=site,
        programme=rules.key,
        programme_title=rules.title,
        period=export_period(period),
        as_of=AS_OF,
    )
    _cascade_rows(table, rng, rules, rng.randint(0, 150), TOTAL, ALL)
    for name in breakdown_names():
        split = export_breakdown(name)
        categories = list(UNITS) if split.field is None else list(split.field.codes.values())
        for category in categories:
            _cascade_rows(table, rng, rules, rng.randint(0, 20), split.name, category)
    return table


def _cascade_rows(
    table: AggregateTable,
    rng: random.Random,
    rules: CascadeProgramme,
    cohort: int,
    breakdown: str,
    category: str,
) -> None:
    table.count("cohort", cohort, breakdown, category)
    before = cohort
    for stage in rules.stages:
        reached = rng.randint(0, before)
        name = stage_measure(stage.key)
        table.rate(name, reached, before, breakdown, category)
        if stage.within_days is not None:
            table.rate(f"{name}_on_time", rng.randint(0, reached), reached, breakdown, category)
        before = reached
    for measure in rules.measures:
        denominator = rng.randint(0, cohort)
        table.rate(
            headline_measure(measure.key),
            rng.randint(0, denominator),
            denominator,
            breakdown,
            category,
        )


def _key() -> bytes:
    return Ed25519PrivateKey.generate().private_bytes(
        Encoding.Raw, PrivateFormat.Raw, NoEncryption()
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m outreach.bench.region")
    parser.add_argument("--sites", type=int, default=200)
    parser.add_argument("--quarters", type=int, default=20)
    parser.add_argument("--adds", type=int, default=50, help="files added through region add")
    parser.add_argument(
        "--programmes",
        default="all",
        help="comma-separated programme keys each site sends (default all)",
    )
    parser.add_argument("--wall", action="store_true", help="time wall-clock, not CPU")
    args = parser.parse_args(argv)
    clock: Callable[[], float] = time.perf_counter if args.wall else time.process_time
    unit = "s wall-clock" if args.wall else "s CPU"
    rng = random.Random(20)
    quarters = [Period.quarter(2021 + q // 4, q % 4 + 1) for q in range(args.quarters)]
    keys = (
        programme_keys()
        if args.programmes == "all"
        else tuple(k.strip() for k in args.programmes.split(","))
    )
    rules = {key: load_cascade(key) for key in keys if key != CERVICAL}

    def table_of(key: str, name: str, period: Period) -> AggregateTable:
        if key == CERVICAL:
            return site_table(rng, name, period)
        return cascade_table(rng, name, period, rules[key])

    with tempfile.TemporaryDirectory() as folder:
        store, _ = Store.init(
            Path(folder) / "region", site_name="Bench region", admin="bench", passphrase=PASSPHRASE
        )
        set_org_unit(store, SetOrgUnit("REGION_BENCH"))
        with store.read() as session:
            own = session.exec(select(Site)).one()
        card = site_card(own.name, own.signing_key)
        sites = [(f"HMP Bench {n:03d}", f"PRISON_{n:03d}", _key()) for n in range(args.sites)]
        started = clock()
        rows_per: dict[str, int] = {}
        with store.write() as session:
            for name, _org_unit, key in sites:
                mine = site_card(name, key)
                session.add(
                    RegionSite(
                        fingerprint=mine.fingerprint,
                        site=name,
                        card=mine.to_bytes(),
                        added_at=now(),
                    )
                )
            session.flush()
            for number, (period, programme) in enumerate(
                (period, programme) for period in quarters for programme in keys
            ):
                for name, org_unit, key in sites:
                    table = table_of(programme, name, period)
                    kept = [row_json(r) for r in table.rows]
                    rows_per[programme] = len(kept)
                    submission = RegionSubmission(
                        fingerprint=site_card(name, key).fingerprint,
                        site=name,
                        org_unit=org_unit,
                        programme=programme,
                        period=period.label,
                        sequence=number + 1,
                        as_of=AS_OF,
                        digest=f"bench-{name}-{period.label}-{programme}",
                        rows=json.dumps(kept),
                        received_at=now(),
                    )
                    session.add(submission)
                    session.flush()
                    # Kept as `region add` keeps them: the sums counted in, in the transaction.
                    count_in(session, submission)
        shapes = ", ".join(f"{k} {n}" for k, n in rows_per.items())
        print(
            f"setup: {args.sites} sites x {args.quarters} quarters x {len(keys)} programmes = "
            f"{args.sites * args.quarters * len(keys)} submissions (exact rows each: {shapes}), "
            f"written in one transaction in {clock() - started:.1f} {unit}"
        )
        # The real path for some more files: a newer submission of the last quarter per site.
        from outreach.store.sealed import seal

        files = []
        for number, (name, org_unit, key) in enumerate(sites[: args.adds]):
            table = table_of(keys[number % len(keys)], name, quarters[-1])
            data = payload(table, org_unit=org_unit, sequence=10_000)
            files.append(seal(data, kind=KIND, sender=name, signing_key=key, to=card))
        started = clock()
        for data in files:
            add_submission(store, data)
        if files:
            each = (clock() - started) / len(files) * 1000
            print(f"region add: {len(files)} sealed files, {each:.1f} ms {unit[2:]} each")
        everything = 0.0
        for programme in keys:
            started = clock()
            for period in quarters:
                choice = ExportChoice(period, NHS_HES_2018, AS_OF, programme)
                summary = region_summary(store, choice)
            total = clock() - started
            everything += total
            print(
                f"roll-up of {programme}: {args.quarters} quarters x {args.sites} sites summed "
                f"and published in {total:.2f} {unit} "
                f"({total / args.quarters * 1000:.0f} ms a quarter; "
                f"{len(summary.rows)} published figures each)"
            )
        print(f"roll-up: every programme, every quarter, in {everything:.2f} {unit}")
        for programme in keys:
            started = clock()
            with tempfile.TemporaryDirectory() as out:
                export_region(
                    store,
                    period=quarters[-1],
                    out=Path(out) / "export",
                    formats=("csv", "xlsx", "json", "fhir", "html", "adx", "dhis2-json", "madx"),
                    as_of=AS_OF,
                    programme=programme,
                )
            print(
                f"export of {programme}: {quarters[-1].label}, every format, signed, in "
                f"{clock() - started:.2f} {unit}"
            )
        store.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
