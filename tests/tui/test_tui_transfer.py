"""Transfers in the application: "transfer out" on a person, then the Arrivals list at the
receiving site taking the packet in and confirming her onto a unit."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from freezegun import freeze_time
from sqlmodel import select
from textual.widgets import DataTable, Input

from outreach.model import Site, Stay, Unit
from outreach.services.people import AddPerson, add_person
from outreach.store import sealed
from outreach.store.store import Store
from outreach.tui.app import create_app
from outreach.tui.screens.person import PersonScreen
from outreach.tui.screens.transfers import (
    ArrivalsScreen,
    ConfirmArrivalDialog,
    ImportTransferDialog,
    TransferOutDialog,
)
from tests.support.stores import fresh_store
from tests.support.tui_helpers import FROZEN, wait_for

REF = "A1234BC"


def _card(store: Store, path: Path) -> Path:
    with store.read() as session:
        site = session.exec(select(Site)).one()
    path.write_bytes(sealed.site_card(site.name, site.signing_key).to_bytes())
    return path


def _text(widget: object) -> str:
    return str(widget.render())  # type: ignore[attr-defined]


@pytest.mark.slow
@pytest.mark.asyncio
async def test_a_resident_is_transferred_out_then_taken_in_and_confirmed(tmp_path: Path) -> None:
    packet = tmp_path / "jane.transfer"
    with freeze_time("2025-06-01", **FROZEN):
        with fresh_store(tmp_path / "askham", site="HMP Askham Grange") as askham:
            card = _card(askham, tmp_path / "askham.card")
        with fresh_store(tmp_path / "styal", site="HMP Styal") as styal:
            add_person(
                styal,
                AddPerson(
                    ref=REF,
                    display_name="Jane [/] Doe",
                    date_of_birth=date(1990, 4, 2),
                    unit="B wing",
                    arrived_on=date(2024, 1, 10),
                ),
            )
            app = create_app(styal.folder, store=styal, idle_minutes=60)
            async with app.run_test(size=(80, 24)) as pilot:
                app.push_screen(PersonScreen(REF))
                person = app.screen
                await wait_for(pilot, lambda: getattr(person, "profile", None) is not None)
                await pilot.press("l")
                await wait_for(pilot, lambda: isinstance(app.screen, TransferOutDialog))
                dialog = app.screen
                dialog.query_one("#transfer-card", Input).value = str(card)
                dialog.query_one("#transfer-file", Input).value = str(packet)
                await pilot.press("ctrl+s")
                status = dialog.query_one("#transfer-status")
                await wait_for(pilot, lambda: "ctrl+s again" in _text(status))
                assert _text(status).startswith("Send A1234BC to HMP Askham Grange (card ")
                assert not packet.exists()
                await pilot.press("ctrl+s")
                await wait_for(pilot, lambda: app.screen is person)
            assert packet.exists()
            with styal.read() as session:
                stay = session.exec(select(Stay)).one()
            assert (stay.left_on, stay.left_reason) == (date(2025, 6, 1), "transferred")

        with Store.unlock(
            tmp_path / "askham", user="ana", passphrase="correct horse battery"
        ) as askham:
            app = create_app(askham.folder, store=askham, idle_minutes=60)
            async with app.run_test(size=(80, 24)) as pilot:
                await wait_for(pilot, lambda: app.screen.__class__.__name__ == "DashboardScreen")
                await pilot.press("g")
                await wait_for(pilot, lambda: isinstance(app.screen, ArrivalsScreen))
                arrivals = app.screen
                assert isinstance(arrivals, ArrivalsScreen)
                await wait_for(
                    pilot,
                    lambda: "No expected arrivals" in _text(arrivals.query_one("#arrivals-status")),
                )
                await pilot.press("insert")
                await wait_for(pilot, lambda: isinstance(app.screen, ImportTransferDialog))
                app.screen.query_one(Input).value = str(packet)
                await pilot.press("ctrl+s")
                await wait_for(pilot, lambda: app.screen is arrivals and len(arrivals.rows) == 1)
                table = arrivals.query_one(DataTable)
                assert [str(c) for c in table.get_row_at(0)] == [
                    REF, "Jane [/] Doe", "1990-04-02", "2025-06-01", "0", "HMP Styal"
                ]  # fmt: skip
                table.focus()
                await pilot.press("enter")
                await wait_for(pilot, lambda: isinstance(app.screen, ConfirmArrivalDialog))
                app.screen.query_one("#arrival-unit", Input).value = "Garden house"
                await pilot.press("ctrl+s")
                await wait_for(pilot, lambda: app.screen is arrivals and arrivals.rows == [])
            with askham.read() as session:
                stay, unit = session.exec(select(Stay, Unit).join(Unit)).one()
            assert (stay.arrived_on, stay.left_on, unit.name) == (
                date(2025, 6, 1),
                None,
                "Garden house",
            )
