"""New passphrases must resist guessing (NIST SP 800-63B: length and a check against common
passwords, no composition rules), and failed unlocks are counted even when tried in parallel."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from outreach.cli import app
from outreach.demo.generator import DEMO_PASSPHRASE
from outreach.model import Role
from outreach.store.passphrases import ADVICE, passphrase_problem
from outreach.store.store import Store
from tests.support.stores import PASSPHRASE

WEAK = ["password", "12345678", "aaaaaaaa", " " * 8]
ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("weak", WEAK)
def test_the_common_and_repetitive_passphrases_of_the_issue_are_refused(weak: str) -> None:
    problem = passphrase_problem(weak)
    assert problem is not None
    assert problem.endswith(ADVICE)


def test_the_refusal_says_why_in_words() -> None:
    assert passphrase_problem("password") == f"this is a top-10 common password; {ADVICE}"
    assert passphrase_problem("aaaaaaaa") == f'repeats like "aaa" are easy to guess; {ADVICE}'
    assert passphrase_problem(" " * 8) == f"a passphrase of only spaces is easy to guess; {ADVICE}"
    assert passphrase_problem("seven!!") == f"at least 8 characters are needed; {ADVICE}"


def test_the_site_name_counts_as_known_to_an_attacker() -> None:
    assert passphrase_problem("hmp larkfield wing") is None
    assert passphrase_problem("hmp larkfield wing", known=["HMP Larkfield"]) is not None


@pytest.mark.parametrize(
    "good", [DEMO_PASSPHRASE, PASSPHRASE, "tulip kettle orbit mild", "x" * 2000 + "z"]
)
def test_passphrases_of_several_words_pass(good: str) -> None:
    if len(good) > 1024:
        assert passphrase_problem(good) == "at most 1024 characters"
    else:
        assert passphrase_problem(good) is None


def test_init_refuses_a_weak_passphrase_and_writes_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "store"
    with pytest.raises(ValueError, match=r"^passphrase: this is a top-10 common password"):
        Store.init(folder, site_name="HMP Test", admin="ana", passphrase="password")
    assert not (folder / "data.db").exists() and not (folder / "keys.json").exists()


def test_adding_an_account_and_changing_a_passphrase_refuse_weak_ones(store: Store) -> None:
    before = store.keys_path.read_bytes()
    with pytest.raises(ValueError, match=r"^passphrase: "):
        store.add_account("bea", Role.staff, "12345678")
    with pytest.raises(ValueError, match=r"^passphrase: "):
        store.change_passphrase("aaaaaaaa")
    assert store.keys_path.read_bytes() == before
    assert [s.account for s in store.slots()] == [None, "ana"]


@pytest.mark.slow
@pytest.mark.parametrize("weak", WEAK)
def test_the_cli_refuses_weak_passphrases_at_init_add_and_passwd(
    tmp_path: Path, store: Store, weak: str
) -> None:
    runner = CliRunner()
    folder = str(tmp_path / "new")
    result = runner.invoke(
        app,
        ["init", "--site", "HMP New", "--user", "ana", "--store", folder],
        env={"OUTREACH_NEW_PASSPHRASE": weak},
    )
    assert result.exit_code == 1
    assert "error: passphrase: " in result.output and ADVICE in result.output
    store.close()
    env = {"OUTREACH_PASSPHRASE": PASSPHRASE, "OUTREACH_NEW_PASSPHRASE": weak}
    for args in (["keys", "add", "bea"], ["keys", "passwd"]):
        result = runner.invoke(app, [*args, "--store", str(store.folder)], env=env)
        assert result.exit_code == 1, args
        assert "error: passphrase: " in result.output, args
    with Store.unlock(store.folder, user="ana", passphrase=PASSPHRASE) as again:
        assert [s.account for s in again.slots()] == [None, "ana"]


WORKER = """
import sys, time
from pathlib import Path
from outreach.store.errors import Throttled, WrongPassphrase
from outreach.store.store import unwrap_data_key
go = Path(sys.argv[2])
while not go.exists():
    time.sleep(0.005)
try:
    unwrap_data_key(Path(sys.argv[1]), user="ana", passphrase="not the passphrase " + sys.argv[3])
except WrongPassphrase:
    print("wrong")
except Throttled:
    print("throttled")
"""


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="processes start too slowly to overlap")
def test_failed_unlocks_tried_in_parallel_processes_are_each_counted(store: Store) -> None:
    """Each try spends about a second in Argon2id before it fails; every one that got that far
    is counted (before, parallel tries read the same count and wrote it back plus one)."""
    store.close()
    go = store.folder.parent / "go"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    tries = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, str(store.folder), str(go), str(i)],
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        for i in range(12)
    ]
    time.sleep(3)  # every interpreter started and waiting
    go.touch()
    outcomes = [p.communicate(timeout=300)[0].strip() for p in tries]
    assert set(outcomes) <= {"wrong", "throttled"}
    wrong = outcomes.count("wrong")
    assert wrong >= 4  # at least this many overlapped: the count was 0 when they read it
    failures = json.loads(store.keys_path.read_text())["unlock_failures"]
    assert failures["count"] == wrong
