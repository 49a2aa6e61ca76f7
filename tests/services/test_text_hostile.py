"""Text is data: what a person typed is refused at the boundary when it holds control
characters, NUL or bidirectional controls, and text already stored is printed written out,
never obeyed by the terminal."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from contextlib import redirect_stdout
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import select

import outreach.cli as outreach_cli
from outreach.cli.common import say
from outreach.clock import now
from outreach.imports.files import Columns, read_table
from outreach.imports.pipeline import import_people
from outreach.model import Mentor, Person, Stay, Unit
from outreach.services.errors import ValidationError
from outreach.services.mentors import AddMentor, add_mentor
from outreach.services.people import AddPerson, add_person
from outreach.store.store import Store
from outreach.text import line_problem, note_problem, visible, visible_lines
from tests.support.cli import run as _run
from tests.support.stores import PASSPHRASE, new_store

PWNED = "\x1b]0;PWNED\x07\x1b[2J"
"""Retitles the terminal and clears the screen when printed raw."""
HOSTILE_NAME = f"Ann{PWNED}Lee"
SHOWN_NAME = "Ann\\u001b]0;PWNED\\u0007\\u001b[2JLee"

# Every character a boundary must refuse in a name, unit or reference.
REFUSED = [chr(c) for c in (*range(0x20), *range(0x7F, 0xA0))] + list(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u2028\u2029"
)


def test_visible_writes_out_each_control_character_as_a_json_escape() -> None:
    assert visible(HOSTILE_NAME) == SHOWN_NAME
    assert visible("a\nb\tc\u202ed\x9b") == "a\\u000ab\\u0009c\\u202ed\\u009b"
    assert visible_lines("a\nb\tc\u202ed\x9b") == "a\nb\tc\\u202ed\\u009b"
    assert visible("Wing [/] X — Zoë") == "Wing [/] X — Zoë"


@pytest.mark.parametrize("char", REFUSED)
def test_every_control_and_bidi_character_is_refused_in_a_line(char: str) -> None:
    problem = line_problem(f"Ann{char}Lee")
    assert problem is not None
    assert f"U+{ord(char):04X}" in problem


def test_line_problem_names_the_character_and_never_repeats_the_text() -> None:
    assert line_problem("Ann\x00Lee") == (
        "holds a NUL character (U+0000) that cannot be shown safely: type plain text"
    )
    assert line_problem("Ann\u202eeeL") == (
        "holds a bidirectional control (U+202E RIGHT-TO-LEFT OVERRIDE) that cannot be shown "
        "safely: type plain text"
    )
    assert line_problem("x" * 200, limit=200) is None
    assert line_problem("x" * 201, limit=200) == "at most 200 characters"
    assert line_problem("Siobhán O'Neill [/] =1+1 @x") is None


def test_a_note_keeps_line_breaks_and_tabs_but_not_other_controls() -> None:
    assert note_problem("seen on\r\nthe wing\tlater") is None
    problem = note_problem("seen\x1b[2J")
    assert problem is not None and "U+001B" in problem
    problem = note_problem("seen\rover")
    assert problem is not None and "U+000D" in problem


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = new_store(tmp_path / "store")
    yield opened
    opened.close()


def _person_count(store: Store) -> int:
    with store.read() as session:
        return len(session.exec(select(Person)).all())


@pytest.mark.slow
@pytest.mark.parametrize(
    ("fields", "field", "code_point"),
    [
        ({"display_name": HOSTILE_NAME}, "display_name", "U+001B"),
        ({"display_name": "Ann\u202eeeL"}, "display_name", "U+202E"),
        ({"unit": "Wing\x00A"}, "unit", "U+0000"),
        ({"ref": "A1\x07"}, "ref", "U+0007"),
    ],
)
def test_add_person_refuses_control_characters_and_writes_nothing(
    store: Store, fields: dict[str, str], field: str, code_point: str
) -> None:
    values = {"ref": "A1", "display_name": "Ann Lee", "unit": "Wing A", **fields}
    with pytest.raises(ValidationError) as refused:
        add_person(
            store,
            AddPerson(
                ref=values["ref"],
                display_name=values["display_name"],
                date_of_birth=date(1990, 1, 1),
                unit=values["unit"],
                arrived_on=date(2024, 1, 2),
            ),
        )
    assert refused.value.field == field
    assert code_point in refused.value.problem
    assert PWNED not in str(refused.value)
    assert _person_count(store) == 0


@pytest.mark.slow
def test_a_mentor_name_with_an_escape_is_refused(store: Store) -> None:
    with pytest.raises(ValidationError, match="U\\+001B"):
        add_mentor(store, AddMentor(name=HOSTILE_NAME))


def test_a_site_name_with_a_control_character_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="site name: holds a control character \\(U\\+001B"):
        Store.init(tmp_path / "s", site_name=f"HMP{PWNED}", admin="ana", passphrase=PASSPHRASE)
    assert not (tmp_path / "s" / "data.db").exists()


@pytest.mark.slow
def test_import_refuses_a_nul_in_a_unit_with_its_line_and_column(store: Store) -> None:
    data = (
        "ref,name,date_of_birth,arrived,unit\n"
        "A1,Ann Lee,1990-01-01,2024-01-02,Wing A\n"
        "A2,Bea Moss,1990-01-01,2024-01-02,Wing\x00B\n"
        f"A3,{HOSTILE_NAME},1990-01-01,2024-01-02,Wing A\n"
    ).encode()
    report = import_people(store, data)
    assert [(e.line, e.field) for e in report.errors] == [(3, "unit"), (4, "name")]
    assert "U+0000" in report.errors[0].message
    assert _person_count(store) == 0


_hostile = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8"),
        st.sampled_from(["[", "]", "/", "\\", "=", "+", "-", "@", "\t", "\r", "\x1b", "\x00"]),
    ),
    max_size=300,
)


@settings(max_examples=300, deadline=None)
@given(_hostile)
def test_any_text_is_either_refused_or_kept_exactly_by_the_csv_reader(cell: str) -> None:
    quoted = '"' + cell.replace('"', '""') + '"'
    data = f"ref,name\nA1,{quoted}\n".encode()
    table = read_table(data, Columns(required=("ref", "name"), optional=("note",)))
    if line_problem(cell.strip()) is None:
        assert [e for e in table.errors if e.field == "name"] == []
        assert table.rows[0].get("name") == (cell.strip() or None)
    else:
        assert [(e.line, e.field) for e in table.errors if e.field == "name"] == [(2, "name")]
        assert table.rows[0].get("name") is None


@settings(max_examples=300, deadline=None)
@given(_hostile)
def test_printed_text_holds_no_control_character_but_line_breaks_and_tabs(text: str) -> None:
    out = io.StringIO()
    with redirect_stdout(out):
        say(text)
    printed = out.getvalue()
    assert [c for c in printed if c in REFUSED and c not in "\n\t"] == []
    if "\\u" not in text:
        # Written out, not lost: reading the escapes back gives the text exactly.
        back = re.sub(r"\\u([0-9a-f]{4})", lambda m: chr(int(m.group(1), 16)), printed)
        assert back == text + "\n"


@pytest.fixture
def legacy_store(tmp_path: Path) -> Path:
    """A store holding a name with an escape sequence, written before the boundary refused it."""
    folder = tmp_path / "legacy"
    opened = new_store(folder)
    with opened.write() as session:
        unit = Unit(name="Wing [/] X")
        session.add_all([unit, Mentor(name=f"Mo{PWNED}")])
        session.flush()
        person = Person(
            ref="H1",
            display_name=HOSTILE_NAME,
            date_of_birth=date(1990, 1, 1),
            has_cervix="yes",
            created_at=now(),
        )
        session.add(person)
        session.flush()
        assert person.id is not None
        session.add(Stay(person_id=person.id, unit_id=unit.id, arrived_on=date(2024, 1, 2)))
    opened.close()
    return folder


WRITTEN_OUT = "\\u001b]0;PWNED\\u0007\\u001b[2J"
# The person card replaces each control character with U+FFFD before it is printed.
REPLACED = "\ufffd]0;PWNED\ufffd\ufffd[2J"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("args", "shown"),
    [
        (("people", "search", "H1"), WRITTEN_OUT),
        (("person", "H1"), REPLACED),
        (("mentors", "list"), WRITTEN_OUT),
    ],
)
def test_the_cli_prints_a_stored_escape_sequence_written_out(
    legacy_store: Path, args: tuple[str, ...], shown: str
) -> None:
    result = _run(legacy_store, *args)
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output and "\x07" not in result.output
    assert shown in result.output


@pytest.mark.slow
def test_the_cli_json_keeps_the_stored_name_exactly(legacy_store: Path) -> None:
    result = _run(legacy_store, "people", "search", "H1", "--json")
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output
    rows = json.loads(result.output)["rows"]
    assert [(r["ref"], r["name"], r["unit"]) for r in rows] == [("H1", HOSTILE_NAME, "Wing [/] X")]


@pytest.mark.slow
def test_an_error_naming_a_typed_value_prints_it_written_out(legacy_store: Path) -> None:
    result = _run(legacy_store, "person", f"Z9{PWNED}")
    assert result.exit_code == 1
    assert "\x1b" not in result.output
    assert result.output.startswith("error: ")


def test_every_command_prints_through_say() -> None:
    """say() is the one way out to the terminal; a raw echo or print would bypass it."""
    cli = Path(outreach_cli.__file__).parent
    raw = [
        f"{path.name}: {line.strip()}"
        for path in sorted(cli.glob("*.py"))
        if path.name != "common.py"
        for line in path.read_text(encoding="utf-8").splitlines()
        if re.search(r"\btyper\.(echo|secho)\(|\bclick\.echo\(|(?<![\w.])print\(", line)
    ]
    # main() prints the crash message, which names only a type and the report's path.
    assert raw == ["__init__.py: print(calm_message(exc, write_report(exc)), file=sys.stderr)"]


@pytest.fixture(scope="module")
def form_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    folder = tmp_path_factory.mktemp("forms") / "store"
    opened = new_store(folder)
    yield opened
    opened.close()


_refs = iter(range(1_000_000))


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(name=_hostile, unit=_hostile)
def test_what_a_form_saves_is_refused_naming_the_field_or_kept_exactly(
    form_store: Store, name: str, unit: str
) -> None:
    """The forms call these services: any name and unit is either refused, with the field
    named and nothing written, or stored exactly as typed (surrounding space removed)."""
    ref = f"HY{next(_refs):06d}"
    try:
        add_person(
            form_store,
            AddPerson(
                ref=ref,
                display_name=name,
                date_of_birth=date(1990, 1, 1),
                unit=unit,
                arrived_on=date(2024, 1, 2),
            ),
        )
    except ValidationError as refused:
        assert refused.field in {"display_name", "unit"}
        with form_store.read() as session:
            assert session.exec(select(Person).where(Person.ref == ref)).first() is None
        return
    assert line_problem(name.strip()) is None and line_problem(unit.strip()) is None
    with form_store.read() as session:
        person = session.exec(select(Person).where(Person.ref == ref)).one()
        assert person.display_name == name.strip()
