"""Each figure the benchmark compares: the application's way of reading it (on the keyed
store) and the hand-written SQL for the same figure (``outreach.bench.hand``), both turned
into the same plain values so the benchmark can check they agree before it times them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import text

from outreach.bench import hand
from outreach.bench.data import AS_OF
from outreach.rules.programme import load_programme
from outreach.services.search import search_people
from outreach.stats.activity import counted_figures, follow_ups
from outreach.stats.coverage import NO_UNIT, Coverage, coverage_on, coverage_trend, month_end_days
from outreach.stats.dashboard import Dashboard, dashboard
from outreach.stats.pathway import colposcopy, reach, uptake
from outreach.stats.period import Period
from outreach.store.store import Store
from outreach.wording import search_key

MONTH = Period.containing(AS_OF, "month")
YEAR = Period.containing(AS_OF, "year")


@dataclass(frozen=True)
class Measure:
    """``app(store)`` and ``hand(conn)`` return equal values when both are right."""

    name: str
    app: Callable[[Store], Any]
    hand: Callable[[Any], Any]
    note: str = ""


def _place(conn: Any, period: Period = MONTH, as_of: date = AS_OF) -> hand.Place:
    return hand.Place(conn, load_programme(), as_of, period)


def _units(conn: Any) -> dict[int, str]:
    return {row[0]: row[1] for row in conn.execute("SELECT id, name FROM unit")}


def _cov(cov: Coverage) -> tuple[Any, ...]:
    bands = {k: v for k, v in cov.by_age_band.items() if v[0]}
    return (cov.eligible, cov.covered, cov.ceased, bands, dict(sorted(cov.by_unit.items())))


def _hand_cov(conn: Any, day: date) -> tuple[Any, ...]:
    eligible, covered, ceased, bands, by_unit = hand.coverage(_place(conn), day)
    names = _units(conn)
    units = {NO_UNIT if k is None else names[k]: v for k, v in by_unit.items()}
    return (eligible, covered, ceased, bands, dict(sorted(units.items())))


def _app_read(read: Callable[[Any], Any]) -> Callable[[Store], Any]:
    def run(store: Store) -> Any:
        with store.read() as session:
            return read(session)

    return run


def _figures(figures: Any) -> dict[str, Any]:
    conv = figures.conversations
    days = figures.days_to_test
    return {
        "count": conv.count,
        "people": conv.people,
        "one_to_one": conv.one_to_one,
        "group": conv.group,
        "minutes": conv.minutes,
        "attendees": conv.attendees,
        "by_setting": dict(conv.by_setting),
        "by_mentor": dict(conv.by_mentor),
        "outcomes": dict(figures.outcomes),
        "barriers": dict(figures.barriers),
        "days_to_test": (days.people, days.tested, days.median_days),
    }


def _follow(f: Any) -> tuple[int, ...]:
    return (f.open, f.overdue, f.completed, f.completed_on_time, f.open_left)


def _board(board: Dashboard) -> dict[str, Any]:
    """The figures of a dashboard the hand SQL works out too."""
    act = board.activity
    return {
        "coverage": _cov(board.coverage),
        "trend": [(c.eligible, c.covered) for c in board.trend],
        "conversations": {
            "count": act.conversations.count,
            "people": act.conversations.people,
            "minutes": act.conversations.minutes,
            "by_mentor": dict(act.conversations.by_mentor),
            "barriers": dict(act.barriers),
            "days_to_test": (
                act.days_to_test.people,
                act.days_to_test.tested,
                act.days_to_test.median_days,
            ),
        },
        "reach": (board.reach.uncovered, board.reach.reached),
        "follow_ups": _follow(act.follow_ups),
        "uptake": (board.uptake.offers, board.uptake.tested, board.uptake.untested),
        "colposcopy": (
            board.colposcopy.referred,
            board.colposcopy.within_2_weeks,
            board.colposcopy.within_6_weeks,
            board.colposcopy.pending,
        ),
    }


def _forgetting(store: Store) -> Dashboard:
    """The month dashboard counted with no month figures kept (as on first use)."""
    with store.write() as session:
        session.execute(text("DELETE FROM month_coverage"))
        session.execute(text("DELETE FROM month_activity"))
    return dashboard(store, as_of=AS_OF, period=MONTH)


def hand_board(conn: Any, period: Period) -> dict[str, Any]:
    """Every figure :func:`_board` keeps, from the hand SQL, one statement after another."""
    place = _place(conn, period)
    days = month_end_days(AS_OF, 12)
    conv = hand.conversations(place)
    return {
        "coverage": _hand_cov(conn, AS_OF),
        # The last trend point is as-of, just read: not read twice.
        "trend": [*hand.trend(place, days[:-1]), (0, 0)],
        "conversations": {
            key: conv[key]
            for key in ("count", "people", "minutes", "by_mentor", "barriers", "days_to_test")
        },
        "reach": hand.reach(place),
        "follow_ups": hand.follow_ups(place),
        "uptake": hand.uptake(place),
        "colposcopy": hand.colposcopy(place),
    }


def _fix_trend(board: dict[str, Any]) -> dict[str, Any]:
    board["trend"][-1] = board["coverage"][:2]
    return board


def search_text(size: int) -> str:
    return f"Person {size // 2}"


SEARCH_SQL = (
    "SELECT ref FROM person WHERE ref LIKE :prefix OR search_key(display_name) LIKE :within "
    "ORDER BY ref LIMIT 51"
)


def hand_search(conn: Any, needle: str) -> list[str]:
    """People whose reference starts with ``needle`` or whose name's search key holds its
    search key."""
    params = {"prefix": f"{needle}%", "within": f"%{search_key(needle)}%"}
    return [row[0] for row in conn.execute(SEARCH_SQL, params)]


def measures(size: int) -> list[Measure]:
    """The measures of a store of ``size`` people, in the order they are printed."""
    needle = search_text(size)
    programme = load_programme()
    return [
        Measure(
            "coverage by band, unit",
            _app_read(lambda s: _cov(coverage_on(s, AS_OF, programme=programme))),
            lambda c: _hand_cov(c, AS_OF),
            "on as-of",
        ),
        Measure(
            "12-month trend",
            _app_read(lambda s: [(c.eligible, c.covered) for c in coverage_trend(s, AS_OF)]),
            lambda c: hand.trend(_place(c), month_end_days(AS_OF, 12)),
            "12 month ends",
        ),
        Measure(
            "conversations, month",
            # Counted as the running month is (no month figures of it kept), whatever the
            # store's kept months hold when the benchmark runs.
            _app_read(
                lambda s: _figures(
                    counted_figures(s, MONTH, as_of=AS_OF, programme=programme, today=AS_OF)[0]
                )
            ),
            lambda c: hand.conversations(_place(c)),
            "kinds, mentors, people, barriers, days to test; the running month",
        ),
        Measure(
            "reach, month",
            _app_read(lambda s: tuple(vars(reach(s, MONTH, as_of=AS_OF)).values())),
            lambda c: hand.reach(_place(c)),
        ),
        Measure(
            "follow-ups open, overdue",
            _app_read(lambda s: _follow(follow_ups(s, MONTH, as_of=AS_OF))),
            lambda c: hand.follow_ups(_place(c)),
        ),
        Measure(
            "uptake, colposcopy, month",
            _app_read(
                lambda s: (
                    tuple(vars(uptake(s, MONTH, as_of=AS_OF)).values()),
                    tuple(vars(colposcopy(s, MONTH, as_of=AS_OF)).values()),
                )
            ),
            lambda c: (hand.uptake(_place(c)), hand.colposcopy(_place(c))),
        ),
        Measure(
            "dashboard, month",
            lambda store: _board(dashboard(store, as_of=AS_OF, period=MONTH)),
            lambda c: _fix_trend(hand_board(c, MONTH)),
            "all of the above; the app on two connections, ended months kept",
        ),
        Measure(
            "dashboard, nothing kept",
            lambda store: _board(_forgetting(store)),
            lambda c: _fix_trend(hand_board(c, MONTH)),
            "the same, the kept month figures removed first",
        ),
        _search_measure("person search", needle),
        _search_measure("search, reference", reference_text(size)),
        _search_measure("search, common text", COMMON_TEXT),
    ]


def reference_text(size: int) -> str:
    """The start of the references of about 100 people (the bench's are ``R`` and 7 digits)."""
    return f"R{size // 2:07d}"[:6]


COMMON_TEXT = "person 1"
"""Text in the names of more than half the people (the bench names people ``Person N``): the
people list walks them in reference order instead of reading the index."""


def _search_measure(name: str, needle: str) -> Measure:
    return Measure(
        name,
        lambda store: [
            row.ref for row in search_people(store, text=needle, as_of=AS_OF, limit=50).rows
        ],
        lambda c: hand_search(c, needle)[:50],
        f"{needle!r}, first page of 50",
    )


def export_check(store: Store, conn: Any) -> bool:
    """Whether the hand SQL's figures of the year are the dashboard's (which the export
    publishes: definitions.md, "Where each figure comes from")."""
    app = _board(dashboard(store, as_of=AS_OF, period=YEAR))
    return app == _fix_trend(hand_board(conn, YEAR))


def hand_export(conn: Any, out: Path) -> None:
    """The year's figures by hand SQL, written as a CSV."""
    figures = _fix_trend(hand_board(conn, YEAR))
    lines = ["figure,value"]
    for key, value in figures.items():
        lines.append(f'{key},"{value}"')
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
