"""Convergence: three paired stores that started from one take random work through the
services, swap bundles in any order (some twice, some lost), and after a full exchange hold
the same records, the same change log and the same figures; nothing any of them saved is lost.

After every step each store's rows are also what its own change log says they must be
(``tests.support.sync_state.folded``), so a write the log missed, or a merge that kept the
wrong value, is caught where it happens. Figures from every run are printed (pytest -s).
"""

from __future__ import annotations

import shutil
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from sqlmodel import col, select

from outreach.errors import ValidationError
from outreach.imports.pipeline import import_people
from outreach.imports.undo import undo_import
from outreach.model import FollowUp, Person
from outreach.services.conversations import LogConversation, log_conversation
from outreach.services.decisions import RecordDecision, record_decision
from outreach.services.followup_changes import (
    CompleteFollowUp,
    RescheduleFollowUp,
    complete_followup,
    reschedule_followup,
)
from outreach.services.mentors import AddMentor, add_mentor
from outreach.services.people import (
    AddPerson,
    RecordArrival,
    RecordLeaving,
    UpdatePerson,
    add_person,
    record_arrival,
    record_leaving,
    update_person,
)
from outreach.services.screening import RecordScreeningEvent, record_screening_event
from outreach.services.site import own_card
from outreach.services.sync import export_bundle, import_bundle, pair
from outreach.services.sync_conflicts import conflicts, resolve
from outreach.stats.dashboard import dashboard
from outreach.stats.period import Period
from outreach.store.check import check_store
from outreach.store.store import Store
from tests.support.stores import as_template, copy_of, new_store
from tests.support.sync_state import (
    change_log,
    conflict_rows,
    conflict_sides,
    folded,
    records,
    waiting_apart,
)

SITES = ("Laptop A", "Laptop B", "Laptop C")
UNITS = ("Elm", "Oak")
MENTORS = ("Mo", "Di")
FIRST = date(2025, 1, 6)
"""The first day of the work the stores record; every day drawn is within a year of it."""
AS_OF = date(2025, 12, 31)
SEEDED = 6

FIGURES: Counter[str] = Counter()
"""Totals over every example, printed at the end of the module."""


def _seed(store: Store) -> None:
    """Laptop A's records before the team's other laptops join: units, mentors, people."""
    for name in MENTORS:
        add_mentor(store, AddMentor(name=name))
    for i in range(SEEDED):
        add_person(
            store,
            AddPerson(
                ref=f"S{i}",
                display_name=f"Seeded [/] {i}",
                date_of_birth=date(1970 + i, 1 + i, 3),
                has_cervix="yes",
                unit=UNITS[i % 2],
                arrived_on=date(2024, 6, 1 + i),
            ),
        )


def _exchange(sender: Store, to: str, receiver: Store) -> int:
    return import_bundle(receiver, export_bundle(sender, to)[0]).applied


@pytest.fixture(scope="module")
def templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Store]]:
    """Laptop A seeded, B and C new; all paired with each other, and B and C holding A's
    first bundle. Closed: each example opens copies of its own."""
    root = tmp_path_factory.mktemp("convergence")
    stores = [new_store(root / str(i), site=site) for i, site in enumerate(SITES)]
    _seed(stores[0])
    for a in stores:
        for b in stores:
            if a is not b:
                pair(a, own_card(b).to_bytes())
    for i in (1, 2):
        _exchange(stores[0], SITES[i], stores[i])
        _exchange(stores[i], SITES[0], stores[0])
    yield [as_template(s) for s in stores]


def _day(offset: int) -> date:
    return FIRST + timedelta(days=offset)


def _csv(rows: list[tuple[str, ...]]) -> bytes:
    lines = ["ref,name,date_of_birth,unit,arrived", *(",".join(row) for row in rows)]
    return ("\n".join(lines) + "\n").encode()


class Team(RuleBasedStateMachine):
    """Three laptops, bundles in flight between them, and what was done and refused."""

    templates: list[Store]

    def __init__(self) -> None:
        super().__init__()
        self._exit = ExitStack()
        self.folder = Path(tempfile.mkdtemp(prefix="converge-"))
        self.stores = [
            self._exit.enter_context(copy_of(t, self.folder / str(i)))
            for i, t in enumerate(self.templates)
        ]
        self.in_flight: list[tuple[int, bytes]] = []  # (receiving store, bundle)
        self.made = [0, 0, 0]
        self.figures: Counter[str] = Counter()

    def teardown(self) -> None:
        self._exit.close()
        shutil.rmtree(self.folder, ignore_errors=True)
        FIGURES.update(self.figures)
        FIGURES["examples"] += 1

    # -- choosing what to work on, as each laptop sees it --------------------------------

    def _refs(self, i: int) -> list[str]:
        with self.stores[i].read() as session:
            return list(session.exec(select(Person.ref).order_by(col(Person.ref))).all())

    def _residents(self, i: int) -> list[tuple[str, str, str, str]]:
        """Current residents as a roll file lists them: ref, birth, unit, arrival."""
        with self.stores[i].read() as session:
            rows = session.connection().exec_driver_sql(
                "SELECT p.ref, p.date_of_birth, u.name, s.arrived_on FROM person p "
                "JOIN stay s ON s.person_id = p.id AND s.left_on IS NULL "
                "JOIN unit u ON u.id = s.unit_id ORDER BY p.ref"
            )
            return [(r, str(b), str(u), str(a)) for r, b, u, a in rows]

    def _open_followups(self, i: int) -> list[int]:
        with self.stores[i].read() as session:
            rows = session.exec(
                select(FollowUp.id).where(FollowUp.status == "open").order_by(col(FollowUp.id))
            ).all()
        return [int(r) for r in rows if r is not None]

    def _pick(self, items: list[Any], n: int) -> Any:
        return items[n % len(items)] if items else None

    def _do(self, kind: str, work: Callable[[], object]) -> None:
        """Run one operation; the services refuse some drawn at random (a leaving before
        arrival, a follow-up already done), which changes nothing and is counted."""
        try:
            done = work()
            errors = getattr(done, "errors", None)
            if errors:  # an import of a file with errors writes nothing
                raise ValidationError("file", str(errors[0]))
        except ValidationError:
            self.figures["refused"] += 1
            self.figures[f"refused {kind}"] += 1
            return
        self.figures["operations"] += 1
        self.figures[f"op {kind}"] += 1

    # -- the work ------------------------------------------------------------------------

    @rule(i=st.integers(0, 2), unit=st.sampled_from(UNITS), day=st.integers(0, 300))
    def add_person(self, i: int, unit: str, day: int) -> None:
        self.made[i] += 1
        ref = f"{'ABC'[i]}{self.made[i]}"
        self._do(
            "add person",
            lambda: add_person(
                self.stores[i],
                AddPerson(
                    ref=ref,
                    display_name=f"=Name {ref} [b]",
                    date_of_birth=date(1980, 1 + day % 12, 1 + day % 28),
                    has_cervix="yes",
                    unit=unit,
                    arrived_on=_day(day),
                ),
            ),
        )

    @rule(
        i=st.integers(0, 2),
        n=st.integers(0, 99),
        language=st.sampled_from(["pl", "cy", "ro", None]),
        name=st.sampled_from(["Ann", "Bea [/]", None]),
    )
    def update_person(self, i: int, n: int, language: str | None, name: str | None) -> None:
        ref = self._pick(self._refs(i), n)
        if ref is None or (language is None and name is None):
            return
        self._do(
            "update person",
            lambda: update_person(
                self.stores[i], UpdatePerson(person_ref=ref, language=language, display_name=name)
            ),
        )

    @rule(
        i=st.integers(0, 2),
        n=st.integers(0, SEEDED - 1),
        language=st.sampled_from(["pl", "cy", "ro"]),
    )
    def edit_shared(self, i: int, n: int, language: str) -> None:
        """A person every laptop holds from the start, so two laptops change the same field
        between exchanges (the later change wins on every laptop)."""
        self._do(
            "update shared person",
            lambda: update_person(
                self.stores[i], UpdatePerson(person_ref=f"S{n}", language=language)
            ),
        )

    @rule(i=st.integers(0, 2), n=st.integers(0, SEEDED - 1), day=st.integers(1, 28))
    def correct_shared_birth(self, i: int, n: int, day: int) -> None:
        """A date of birth (clinical) of a person every laptop holds corrected, so two laptops
        can clash on a clinical field: each keeps its own value until a person chooses."""
        self._do(
            "date of birth corrected",
            lambda: update_person(
                self.stores[i],
                UpdatePerson(person_ref=f"S{n}", date_of_birth=date(1970 + n, 1 + n, day)),
            ),
        )

    @rule(
        i=st.integers(0, 2),
        n=st.integers(0, 99),
        day=st.integers(0, 330),
        reason=st.sampled_from(["released", "transferred", "other"]),
    )
    def leave(self, i: int, n: int, day: int, reason: str) -> None:
        ref = self._pick(self._refs(i), n)
        if ref is None:
            return
        self._do(
            "leave",
            lambda: record_leaving(
                self.stores[i], RecordLeaving(person_ref=ref, left_on=_day(day), left_reason=reason)
            ),
        )

    @rule(
        i=st.integers(0, 2),
        n=st.integers(0, 99),
        day=st.integers(0, 330),
        unit=st.sampled_from(UNITS),
    )
    def arrive(self, i: int, n: int, day: int, unit: str) -> None:
        ref = self._pick(self._refs(i), n)
        if ref is None:
            return
        self._do(
            "arrive or move",
            lambda: record_arrival(
                self.stores[i], RecordArrival(person_ref=ref, arrived_on=_day(day), unit=unit)
            ),
        )

    @rule(
        i=st.integers(0, 2),
        n=st.integers(0, 99),
        day=st.integers(0, 330),
        outcome=st.sampled_from(
            ["accepted_offer", "undecided_more_time", "informed_decline", "do_not_approach"]
        ),
        setting=st.sampled_from(["escorted_outside", "wing"]),
        next_step=st.booleans(),
    )
    def talk(self, i: int, n: int, day: int, outcome: str, setting: str, next_step: bool) -> None:
        ref = self._pick(self._refs(i), n)
        if ref is None:
            return
        self._do(
            "conversation",
            lambda: log_conversation(
                self.stores[i],
                LogConversation(
                    occurred_on=_day(day),
                    kind="one_to_one",
                    mentors=[MENTORS[n % 2]],
                    setting=setting,
                    outcome=outcome,
                    minutes=5 + n % 20,
                    person_ref=ref,
                    barriers=["fear_anxiety"] if n % 3 == 0 else [],
                    next_step_on=_day(day + 14) if next_step else None,
                    note="=SUM(A1) said [/]" if n % 4 == 0 else None,
                ),
            ),
        )

    @rule(
        i=st.integers(0, 2),
        n=st.integers(0, 99),
        day=st.integers(0, 330),
        step=st.sampled_from(
            [
                ("offered", None, None),
                ("booked", None, None),
                ("test", "negative", None),
                ("test", "positive", "normal"),
                ("test", "positive", "high_grade"),
                ("colposcopy_referred", None, None),
                ("ceased", None, None),
            ]
        ),
    )
    def screen(self, i: int, n: int, day: int, step: tuple[str, str | None, str | None]) -> None:
        ref = self._pick(self._refs(i), n)
        if ref is None:
            return
        event, hpv, cytology = step
        self._do(
            f"screening {event}",
            lambda: record_screening_event(
                self.stores[i],
                RecordScreeningEvent(
                    person_ref=ref,
                    occurred_on=_day(day),
                    event=event,
                    hpv=hpv,
                    cytology=cytology,
                    where="outside",
                    reason="informed_choice" if event == "ceased" else None,
                ),
            ),
        )

    @rule(
        i=st.integers(0, 2),
        n=st.integers(0, 99),
        day=st.integers(0, 330),
        kind=st.sampled_from(["informed_decline", "do_not_approach", "approach_again"]),
    )
    def decide(self, i: int, n: int, day: int, kind: str) -> None:
        ref = self._pick(self._refs(i), n)
        if ref is None:
            return
        self._do(
            f"decision {kind}",
            lambda: record_decision(
                self.stores[i],
                RecordDecision(
                    person_ref=ref,
                    kind=kind,
                    decided_on=_day(day),
                    revisit_on=_day(day + 180) if kind == "informed_decline" else None,
                ),
            ),
        )

    @rule(i=st.integers(0, 2), n=st.integers(0, 99), day=st.integers(0, 330))
    def follow_up_done(self, i: int, n: int, day: int) -> None:
        found = self._pick(self._open_followups(i), n)
        if found is None:
            return
        self._do(
            "follow-up done",
            lambda: complete_followup(
                self.stores[i], CompleteFollowUp(followup_id=found, done_on=_day(day))
            ),
        )

    @rule(i=st.integers(0, 2), n=st.integers(0, 99), day=st.integers(0, 330))
    def follow_up_moved(self, i: int, n: int, day: int) -> None:
        found = self._pick(self._open_followups(i), n)
        if found is None:
            return
        self._do(
            "follow-up rescheduled",
            lambda: reschedule_followup(
                self.stores[i], RescheduleFollowUp(followup_id=found, due_on=_day(day + 30))
            ),
        )

    @rule(i=st.integers(0, 2), day=st.integers(0, 300))
    def roll_import(self, i: int, day: int) -> None:
        """A small roll import: two new people, and one current resident renamed."""
        self.made[i] += 2
        known = self._pick(self._residents(i), day)
        rows = [
            (
                f"{'ABC'[i]}{self.made[i] - k}",
                f"Imported {k}",
                f"1985-02-0{3 + k}",
                "Elm",
                str(_day(day)),
            )
            for k in (0, 1)
        ]
        if known is not None:
            ref, born, unit, arrived = known
            rows.append((ref, f"Renamed {day}", born, unit, arrived))
        self._do("import", lambda: import_people(self.stores[i], _csv(rows)))

    @rule(i=st.integers(0, 2))
    def undo_latest_import(self, i: int) -> None:
        """The latest import undone, perhaps after it travelled and was worked on elsewhere."""
        self._do("import undone", lambda: undo_import(self.stores[i]))

    @rule(i=st.integers(0, 2), n=st.integers(0, 99), keep=st.sampled_from(["here", "theirs"]))
    def resolve_conflict(self, i: int, n: int, keep: str) -> None:
        """A person on laptop i resolves one of the conflicts waiting there, perhaps while
        another laptop resolves the same one or works on the same record."""
        found = self._pick([c.id for c in conflicts(self.stores[i])], n)
        if found is None:
            return
        self._do("conflict resolved", lambda: resolve(self.stores[i], found, keep))

    # -- bundles ---------------------------------------------------------------------------

    @rule(src=st.integers(0, 2), hop=st.integers(1, 2))
    def export(self, src: int, hop: int) -> None:
        dst = (src + hop) % 3
        sealed, _ = export_bundle(self.stores[src], SITES[dst])
        self.in_flight.append((dst, sealed))
        self.figures["bundles"] += 1

    @rule(
        src=st.integers(0, 2),
        hop=st.integers(1, 2),
        fate=st.sampled_from(["arrives", "arrives", "arrives twice", "is lost"]),
    )
    def send(self, src: int, hop: int, fate: str) -> None:
        """A bundle written and carried over at once (or lost on the way)."""
        self.export(src, hop)
        self.carry(len(self.in_flight) - 1, fate)

    @precondition(lambda self: self.in_flight)
    @rule(
        n=st.integers(0, 99),
        fate=st.sampled_from(["arrives", "arrives", "arrives", "arrives twice", "is lost"]),
    )
    def carry(self, n: int, fate: str) -> None:
        """One bundle in flight, whichever was written first, arrives; or arrives and a copy
        stays on the stick to arrive again; or is lost (the stick left in a drawer)."""
        k = n % len(self.in_flight)
        if fate == "is lost":
            self.in_flight.pop(k)
            self.figures["dropped"] += 1
            return
        dst, sealed = self.in_flight[k] if fate == "arrives twice" else self.in_flight.pop(k)
        report = import_bundle(self.stores[dst], sealed)
        self.figures["delivered"] += 1
        self.figures["changes applied"] += report.applied
        self.figures["changes already held"] += report.known
        self.figures["fields kept as changed later"] += report.kept_local
        if fate == "arrives twice":
            self.figures["duplicates"] += 1

    # -- what must hold --------------------------------------------------------------------

    @invariant()
    def each_store_is_its_change_log(self) -> None:
        for store in self.stores:
            assert records(store) == folded(store)

    def full_exchange(self) -> int:
        """Every bundle still in flight arrives, then each store sends each other one bundle,
        round after round, until a round applies nothing; returns the rounds it took."""
        for dst, sealed in self.in_flight:
            import_bundle(self.stores[dst], sealed)
        self.in_flight.clear()
        for rounds in range(1, 6):
            applied = 0
            for a, b in [(a, b) for a in range(3) for b in range(3) if a != b]:
                sealed, _ = export_bundle(self.stores[a], SITES[b])
                report = import_bundle(self.stores[b], sealed)
                applied += report.applied
                self.figures["full exchange: changes applied"] += report.applied
                self.figures["full exchange: fields kept as changed later"] += report.kept_local
            if not applied:
                return rounds
        raise AssertionError("the stores still had changes for each other after 5 rounds")


def _figures(store: Store) -> dict[str, Any]:
    """What ``outreach stats --json`` prints, on one day and over one year."""
    return dashboard(store, as_of=AS_OF, period=Period.parse("2025")).to_json()


class Converging(Team):
    """The team, checked after a full exchange at the end of every example; then a person
    resolves every conflict still open, on one laptop each, and after another full exchange
    every laptop holds exactly the same records and figures."""

    def converged(self, *, settled: bool) -> None:
        logs = [change_log(s) for s in self.stores]
        made = set().union(*logs)
        # Nothing any store saved is lost: every change reached every store, but for a side
        # of a conflict that store kept out (a clinical value it did not take)...
        for store, log in zip(self.stores, logs, strict=True):
            missing = {(c[4], c[5]) for c in made - log}
            assert missing <= conflict_sides(store), missing - conflict_sides(store)
        # ...every store holds what its own log says, record by record...
        rows = [records(s) for s in self.stores]
        for store, held in zip(self.stores, rows, strict=True):
            assert held == folded(store)
        # ...the same conflicts, each with the same content...
        found = conflict_rows(self.stores[0])
        assert all(conflict_rows(s) == found for s in self.stores[1:])
        # ...and the same records, but for exactly what an open clinical conflict holds
        # apart (each store then holds one of its two sides).
        if settled:
            assert all(r == rows[0] for r in rows[1:])
        else:
            apart = [waiting_apart(s, r) for s, r in zip(self.stores, rows, strict=True)]
            assert all(a == apart[0] for a in apart[1:])

    def settle(self) -> int:
        """A person resolves each open conflict on one laptop (taking turns, both sides
        taken), then a full exchange; again until none is open. Returns how many."""
        resolved = 0
        for _ in range(5):
            waiting = conflicts(self.stores[0])
            if not waiting:
                return resolved
            for k, view in enumerate(waiting):
                i = k % 3
                mine = {c.id for c in conflicts(self.stores[i])}
                local = view.id if i == 0 else None
                if local is None:  # the same conflict as laptop i numbers it
                    uid = _conflict_uid(self.stores[0], view.id)
                    local = _conflict_id(self.stores[i], uid)
                if local in mine:
                    resolve(self.stores[i], local, ("here", "theirs")[k % 2])
                    resolved += 1
            self.full_exchange()
        raise AssertionError("conflicts were still open after 5 rounds of resolving")

    def teardown(self) -> None:
        try:
            rounds = self.full_exchange()
            self.figures["full exchange rounds"] += rounds
            self.converged(settled=False)
            open_ = conflicts(self.stores[0])
            self.figures["conflicts raised"] += len(conflict_rows(self.stores[0]))
            self.figures["conflicts open after the exchange"] += len(open_)
            self.figures["clinical conflicts open after the exchange"] += sum(
                c.clinical for c in open_
            )
            self.figures["conflicts resolved at the end"] += self.settle()
            self.converged(settled=True)
            first = records(self.stores[0])
            self.figures["records at the end"] += sum(len(r) for r in first.values())
            figures = [_figures(s) for s in self.stores]
            assert figures[1] == figures[0] and figures[2] == figures[0]
        finally:
            super().teardown()


def _conflict_uid(store: Store, conflict_id: int) -> str:
    with store.read() as session:
        return str(
            session.connection()
            .exec_driver_sql("SELECT uid FROM sync_conflict WHERE id = ?", (conflict_id,))
            .scalar_one()
        )


def _conflict_id(store: Store, uid: str) -> int | None:
    with store.read() as session:
        found = (
            session.connection()
            .exec_driver_sql("SELECT id FROM sync_conflict WHERE uid = ?", (uid,))
            .scalar()
        )
        return int(found) if found is not None else None


@pytest.mark.slow
def test_three_laptops_converge(templates: list[Store]) -> None:
    Converging.templates = templates
    runner = Converging.TestCase
    runner.settings = settings(
        max_examples=20,
        stateful_step_count=20,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        derandomize=True,
    )
    runner().runTest()
    print(
        "\n[convergence] " + ", ".join(f"{name} {count}" for name, count in sorted(FIGURES.items()))
    )


def _undo_meets_work_elsewhere(templates: list[Store], *, tombstone_first: bool) -> Converging:
    """Found by the state machine: A imports A1 and A2, B receives them and talks to A1, then
    A undoes the import. Before, the deletion reaching B failed on B's conversation (B could
    take no bundle from A again), and B's conversation reaching A first was written without
    its person."""
    Team.templates = templates
    team = Converging()
    team.roll_import(0, 10)
    team.send(0, 1, "arrives")
    team.talk(1, team._refs(1).index("A1"), 40, "accepted_offer", "escorted_outside", True)
    team.undo_latest_import(0)
    assert team.figures["op import undone"] == 1
    if tombstone_first:
        team.send(0, 1, "arrives")  # A's deletions reach B, which still needs A1
    team.send(1, 2, "arrives")  # B's conversation (and follow-up) reach A
    team.each_store_is_its_change_log()
    return team


def _sync_state(store: Store) -> tuple[bool, str]:
    """``outreach check``'s finding on the sync state."""
    findings = check_store(store.folder, store._data_key, store._keyfile)
    found = [(f.ok, f.detail) for f in findings if f.name == "sync state"]
    assert len(found) == 1
    return found[0]


def _who(store: Store) -> list[tuple[str, str, int, int]]:
    """Each A person: ref, name, stays, conversations."""
    with store.read() as session:
        rows = session.connection().exec_driver_sql(
            "SELECT p.ref, p.display_name, (SELECT count(*) FROM stay s WHERE s.person_id = p.id),"
            " (SELECT count(*) FROM conversation c WHERE c.person_id = p.id) FROM person p "
            "WHERE p.ref LIKE 'A%' ORDER BY p.ref"
        )
        return [(r, n, s, c) for r, n, s, c in rows]


@pytest.mark.slow
@pytest.mark.parametrize("tombstone_first", [True, False], ids=["tombstone-first", "work-first"])
def test_an_undone_import_keeps_the_person_work_elsewhere_needs(
    templates: list[Store], tombstone_first: bool
) -> None:
    team = _undo_meets_work_elsewhere(templates, tombstone_first=tombstone_first)
    try:
        team.full_exchange()
        # A2 is gone everywhere; A1 comes back everywhere, with B's conversation and without
        # the stay the undone import gave her.
        for store in team.stores:
            assert _who(store) == [("A1", "Imported 1", 0, 1)]
            assert records(store) == folded(store)
            assert _sync_state(store) == (
                True,
                "every shared row has its id and is in the change log",
            )
        assert records(team.stores[1]) == records(team.stores[0]) == records(team.stores[2])
    finally:
        Team.teardown(team)


@pytest.mark.slow
def test_three_laptops_leaving_one_resident_on_three_days(templates: list[Store]) -> None:
    """The smallest case the random walk found: the same resident left on days 329, 12 and
    90, one on each laptop. A laptop paired a change forwarded by a third laptop with the
    row's value then, not the value of the change it named, so laptops kept different
    contents for one conflict; every conflict must be the same row on every laptop."""
    Converging.templates = templates
    team = Converging()
    team.leave(day=329, i=1, n=29, reason="released")
    team.leave(day=12, i=0, n=17, reason="released")
    team.leave(day=90, i=2, n=65, reason="transferred")
    team.teardown()


def test_a_correction_made_over_what_both_laptops_held_is_not_a_conflict(
    templates: list[Store],
) -> None:
    """Found by the random walk: B corrects a date of birth every laptop held from the start
    and sends it to C, which has never sent B a bundle. C's copy of the old date was not
    acknowledged by B from C, but B held it all along (from the store they all started from),
    so B's correction was made over it, not beside it: C takes it, and no conflict is raised
    (before, C raised one between the correction and the first record of the date)."""
    Converging.templates = templates
    team = Converging()
    try:
        team.correct_shared_birth(i=1, n=3, day=8)
        team.send(src=1, hop=1, fate="arrives")
        assert conflict_rows(team.stores[2]) == {}
        born = {r for r in team._residents(2) if r[0] == "S3"}
        assert [b for _, b, _, _ in born] == ["1973-04-08"]
        # Two laptops that both change it before hearing of the other do clash: one conflict.
        team.correct_shared_birth(i=0, n=3, day=27)
        team.send(src=0, hop=2, fate="arrives")
        clashes = list(conflict_rows(team.stores[2]).values())
        assert [(c[2], c[5], c[6]) for c in clashes] == [
            ("date_of_birth", "1973-04-27", "1973-04-08")
        ]
    finally:
        Team.teardown(team)


def test_four_changes_to_one_date_of_birth_settle_with_one_choice(
    templates: list[Store],
) -> None:
    """Found by the random walk: laptop A corrects S2's date of birth twice (the 27th, then
    the 2nd), B once (the 6th) and C once (the 17th) before any exchange. Several conflicts
    open on the one field; a laptop that held one side out must still name the value that
    side's change wrote (before, A named its own value for B's change, so one conflict had two
    contents). Then one choice on B settles every conflict on the field, and after an
    exchange all three hold the value chosen."""
    Converging.templates = templates
    team = Converging()
    try:
        for i, day in ((0, 27), (0, 2), (1, 6), (2, 17)):
            team.correct_shared_birth(i=i, n=2, day=day)
        team.full_exchange()
        team.converged(settled=False)
        rows = conflict_rows(team.stores[1])
        sides = {(c[5], c[6]) for c in rows.values()}
        # Every pair of changes made on different laptops, the later one kept by clock.
        assert sides == {
            ("1972-03-06", "1972-03-27"),
            ("1972-03-06", "1972-03-02"),
            ("1972-03-17", "1972-03-27"),
            ("1972-03-17", "1972-03-02"),
            ("1972-03-17", "1972-03-06"),
        }
        first = next(c for c in conflicts(team.stores[1]) if c.here_value == "1972-03-06")
        done = resolve(team.stores[1], first.id, "here")
        assert len(done.settled_with) == 4 and conflicts(team.stores[1]) == []
        team.full_exchange()
        for i, store in enumerate(team.stores):
            assert conflicts(store) == []
            born = {b for r, b, _, _ in team._residents(i) if r == "S2"}
            assert born == {"1972-03-06"}
        team.converged(settled=True)
    finally:
        Team.teardown(team)
