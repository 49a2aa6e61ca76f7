"""``outreach keys ...``: accounts and their key slots, each change audited and atomic."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from sqlmodel import col, select
from typer.testing import CliRunner, Result

from outreach.cli import app
from outreach.model import Account, AuditEntry, Role
from outreach.store.errors import NotAllowed, UnknownAccount, WrongPassphrase
from outreach.store.store import Store
from tests.support.stores import PASSPHRASE

NEW = "a brand new passphrase"
BEA = "bea's own passphrase"


def _run(*args: str, passphrase: str = PASSPHRASE, new: str = "", user: str = "") -> Result:
    env = {"OUTREACH_PASSPHRASE": passphrase, "OUTREACH_NEW_PASSPHRASE": new}
    if user:
        env["OUTREACH_USER"] = user
    return CliRunner().invoke(app, list(args), env=env)


@pytest.fixture
def folder(tmp_path: Path) -> tuple[Path, str]:
    """A store made by ``outreach init``, and the recovery code it printed."""
    folder = tmp_path / "store"
    result = _run(
        "init", "--site", "HMP Test", "--user", "ana", "--store", str(folder), new=PASSPHRASE
    )
    assert result.exit_code == 0, result.output
    code = re.search(r"^\s+([A-Z0-9]{4}(?:-[A-Z0-9]{4}){7})$", result.output, re.M)
    assert code is not None
    return folder, code.group(1)


def _actions(folder: Path) -> list[str]:
    with Store.unlock(folder, user="ana", passphrase=PASSPHRASE) as store, store.read() as s:
        return list(s.exec(select(AuditEntry.action).order_by(col(AuditEntry.id))).all())


@pytest.mark.slow
def test_list_shows_the_admin_and_the_recovery_slot(folder: tuple[Path, str]) -> None:
    result = _run("keys", "list", "--store", str(folder[0]))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    # Slot ids are random: each line starts with its slot's first 8 hex digits.
    ids = [line[:8] for line in lines]
    assert all(len(i) == 8 and set(i) <= set("0123456789abcdef") for i in ids)
    assert lines == [
        f"{ids[0]}  recovery  recovery code  argon2id t=3 m=64 MiB p=4",
        f"{ids[1]}  account   ana (admin)    argon2id t=3 m=64 MiB p=4",
    ]


@pytest.mark.slow
def test_an_added_account_unlocks_and_is_audited(folder: tuple[Path, str]) -> None:
    store = str(folder[0])
    result = _run("keys", "add", "bea", "--role", "staff", "--store", store, new=BEA)
    assert result.exit_code == 0, result.output
    with Store.unlock(folder[0], user="bea", passphrase=BEA) as bea:
        assert (bea.actor.name, bea.actor.role) == ("bea", Role.staff)
    assert _actions(folder[0])[-1] == "account.add"


@pytest.mark.slow
def test_a_removed_account_can_no_longer_unlock(folder: tuple[Path, str]) -> None:
    store = str(folder[0])
    assert _run("keys", "add", "bea", "--store", store, new=BEA).exit_code == 0
    result = _run("keys", "remove", "bea", "--store", store, user="ana")
    assert result.exit_code == 0, result.output
    with pytest.raises(UnknownAccount):
        Store.unlock(folder[0], user="bea", passphrase=BEA)
    assert _actions(folder[0])[-2:] == ["account.add", "account.remove"]


@pytest.mark.slow
def test_the_last_admin_cannot_be_removed(folder: tuple[Path, str]) -> None:
    result = _run("keys", "remove", "ana", "--store", str(folder[0]))
    assert result.exit_code == 1
    assert result.output == "error: 'ana' is the last admin and cannot be removed\n"
    Store.unlock(folder[0], user="ana", passphrase=PASSPHRASE).close()


@pytest.mark.slow
@pytest.mark.parametrize("role", ["staff", "viewer"])
def test_staff_and_viewers_cannot_add_accounts(folder: tuple[Path, str], role: str) -> None:
    store = str(folder[0])
    assert _run("keys", "add", "bea", "--role", role, "--store", store, new=BEA).exit_code == 0
    result = _run("keys", "add", "cal", "--store", store, passphrase=BEA, user="bea", new=NEW)
    assert result.exit_code == 1
    assert result.output == f"error: bea is {role}; this needs admin\n"
    with Store.unlock(folder[0], user="bea", passphrase=BEA) as bea:
        with pytest.raises(NotAllowed):
            bea.add_account("cal", Role.staff, NEW)
        with bea.read() as s:
            assert s.exec(select(Account).where(Account.name == "cal")).first() is None


@pytest.mark.slow
def test_after_passwd_the_old_passphrase_fails_and_the_new_one_opens(
    folder: tuple[Path, str],
) -> None:
    result = _run("keys", "passwd", "--store", str(folder[0]), new=NEW)
    assert result.exit_code == 0, result.output
    with pytest.raises(WrongPassphrase):
        Store.unlock(folder[0], user="ana", passphrase=PASSPHRASE)
    with Store.unlock(folder[0], user="ana", passphrase=NEW) as store, store.read() as s:
        actions = s.exec(select(AuditEntry.action).order_by(col(AuditEntry.id))).all()
    assert actions[-2:] == ["keys.passwd", "unlock.after_failures"]


@pytest.mark.slow
def test_recover_with_the_init_code_sets_a_new_passphrase(folder: tuple[Path, str]) -> None:
    store, code = folder
    env = {"OUTREACH_RECOVERY_CODE": code.lower(), "OUTREACH_NEW_PASSPHRASE": NEW}
    result = CliRunner().invoke(
        app, ["keys", "recover", "--user", "ana", "--store", str(store)], env=env
    )
    assert result.exit_code == 0, result.output
    with Store.unlock(store, user="ana", passphrase=NEW) as opened, opened.read() as s:
        actions = s.exec(select(AuditEntry.action).order_by(col(AuditEntry.id))).all()
    assert actions[-1] == "keys.recover"
    with pytest.raises(WrongPassphrase):
        Store.unlock(store, user="ana", passphrase=PASSPHRASE)


@pytest.mark.slow
def test_a_wrong_recovery_code_is_refused(folder: tuple[Path, str]) -> None:
    env = {"OUTREACH_RECOVERY_CODE": "AAAA-BBBB", "OUTREACH_NEW_PASSPHRASE": NEW}
    result = CliRunner().invoke(
        app, ["keys", "recover", "--user", "ana", "--store", str(folder[0])], env=env
    )
    assert result.exit_code == 1
    assert result.output == "error: that recovery code does not open this store\n"


@pytest.mark.slow
def test_a_failed_rewrite_leaves_keys_json_whole_and_the_account_unadded(
    folder: tuple[Path, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    keys = folder[0] / "keys.json"
    before = keys.read_bytes()
    store = Store.unlock(folder[0], user="ana", passphrase=PASSPHRASE)

    def refuse(*args: object) -> None:
        raise OSError("disk went away")

    with monkeypatch.context() as mp:
        mp.setattr(os, "replace", refuse)
        with pytest.raises(OSError, match="disk went away"):
            store.add_account("bea", Role.staff, BEA)
        with pytest.raises(OSError, match="disk went away"):
            store.change_passphrase(NEW)
    assert keys.read_bytes() == before
    assert [p.name for p in folder[0].iterdir() if p.name.endswith(".tmp")] == []
    # The slots in memory were not changed either: the next save adds cal alone.
    store.add_account("cal", Role.staff, NEW)
    store.close()
    with Store.unlock(folder[0], user="ana", passphrase=PASSPHRASE) as reopened:
        assert [s.account for s in reopened.slots()] == [None, "ana", "cal"]
    with pytest.raises(UnknownAccount):
        Store.unlock(folder[0], user="bea", passphrase=BEA)
