"""Memory freed by big reads and writes is given back to the system where the C library
allows it (glibc's malloc_trim), after each dashboard, export and import."""

from __future__ import annotations

import sys
from datetime import date

import pytest

from outreach.exports.preview import export_choice, published_table
from outreach.imports.pipeline import import_people
from outreach.stats import dashboard as board
from outreach.store import heap
from outreach.store.store import Store
from tests.support.stores import clear


@pytest.fixture
def trims(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many times memory was given back, counted as it happens."""
    counted: list[int] = []
    real = heap.give_back_freed_memory

    def counting() -> bool:
        counted.append(1)
        return real()

    for module in (
        "outreach.stats.dashboard",
        "outreach.exports.preview",
        "outreach.imports.run",
        "outreach.store.transactions",
    ):
        monkeypatch.setattr(f"{module}.give_back_freed_memory", counting)
    return counted


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc_trim")
def test_on_linux_the_c_library_is_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(heap, "_looked", False)
    assert heap.give_back_freed_memory() is True


def test_elsewhere_nothing_is_done(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(heap, "_looked", False)
    monkeypatch.setattr(heap.sys, "platform", "darwin")
    assert heap.give_back_freed_memory() is False


def test_after_a_dashboard_an_export_count_and_an_import(
    shared_store: Store, trims: list[int]
) -> None:
    clear(shared_store)
    board.dashboard(shared_store, as_of=date(2024, 3, 31))
    assert len(trims) == 1
    published_table(
        shared_store, export_choice(shared_store, period="2024-Q1", as_of=date(2024, 4, 1))
    )
    assert len(trims) == 2
    # An import: once as the idle connections give back their caches, once when it ends.
    people = b"ref,name,date_of_birth,arrived\nH1,Heap Example,1990-01-01,2024-01-01\n"
    assert import_people(shared_store, source=people).added == 1
    assert len(trims) == 4
    # A dry run leaves the caches alone, and gives back what it freed.
    import_people(shared_store, source=people, dry_run=True)
    assert len(trims) == 5
