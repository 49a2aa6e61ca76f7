"""How the columns of a real file map onto what an import stores.

A file's header is read in this order: a column the person mapped (``--map``, a saved
mapping, the Import screen) wins; then the stored names themselves ("date_of_birth",
"Date of birth"); then the common synonyms of prison rolls, practice systems and lab lists
(:data:`SYNONYMS`: "Prison Number", "NOMIS number", "DOB", "Reception Date", "Location"...);
then identifiers the store never keeps (:data:`IDENTIFIERS`: NHS number, CRN, address), which
are ignored and named as such. Anything else is unmapped, and the import refuses the file until
each unmapped column is mapped or ignored. Ignored columns are never read into a row, so
nothing of them is stored.

A roll that splits names (Surname, Forename) has them joined into the stored name
("Forename Surname"). Location codes are turned into units by the mapping's unit codes:
the longest code the location starts with, at a separator (with ``HB2 -> Beech``, both
``HB2`` and ``HB2-1-014`` are unit Beech).

Mappings are saved by name inside the encrypted store (``import_mapping``), one kind of file
each, and reused with ``--mapping NAME``. A mapping holds header names and unit codes only,
never anything read from a row.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from sqlmodel import Session, col, select

from outreach.clock import now
from outreach.model import ImportMapping
from outreach.rules.wording import wording_key
from outreach.services.errors import ValidationError
from outreach.services.lookups import require_writer
from outreach.store.store import Store

KINDS = ("people", "conversations", "screening")

IGNORE = "ignore"
"""The target of a column that is read past: never parsed, never stored."""

SURNAME = "surname"
FORENAME = "forename"
JOINED = {"name": (FORENAME, SURNAME)}
"""Stored columns a file may give in parts, and the parts in the order they are joined."""

_NAME_LENGTH = 60


def header_key(text: str) -> str:
    """A header cell as it is compared: "Prison No." -> "prison_no"."""
    return wording_key(text)


def _synonyms(table: Mapping[str, Iterable[str]]) -> Mapping[str, str]:
    return MappingProxyType(
        {header_key(name): target for target, names in table.items() for name in names}
    )


_REFERENCE = (
    "prison number",
    "prison no",
    "prisoner number",
    "NOMIS number",
    "NOMIS no",
    "NOMIS",
    "NOMS number",
    "NOMS no",
    "reference",
    "reference number",
    "ref no",
    "local reference",
)

SYNONYMS: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {
        "people": _synonyms(
            {
                "ref": _REFERENCE,
                "name": ("full name", "display name", "resident name", "prisoner name"),
                SURNAME: ("surname", "last name", "family name", "lastname"),
                FORENAME: (
                    "forename",
                    "forenames",
                    "first name",
                    "first names",
                    "firstname",
                    "given name",
                    "given names",
                ),
                "date_of_birth": ("DOB", "D.O.B.", "birth date", "birthdate"),
                "arrived": (
                    "reception date",
                    "date of reception",
                    "reception",
                    "arrival date",
                    "date of arrival",
                    "arrival",
                    "arrived on",
                    "admission date",
                    "date received",
                ),
                "unit": (
                    "location",
                    "wing",
                    "house block",
                    "houseblock",
                    "block",
                    "living unit",
                    "unit name",
                ),
                "left": (
                    "release date",
                    "date of release",
                    "discharge date",
                    "date of discharge",
                    "left on",
                    "date left",
                    "leaving date",
                ),
                "left_reason": (
                    "release reason",
                    "reason for release",
                    "discharge reason",
                    "reason for leaving",
                    "leaving reason",
                ),
                # Equity fields as rolls and practice systems head them; their values are
                # read by outreach.rules.equity (ONS codes, NHS ethnic category letters).
                "ethnicity": (
                    "ethnic group",
                    "ethnic origin",
                    "ethnic category",
                    "ethnicity code",
                    "ethnic code",
                    "ethnic group code",
                ),
                "disability": ("disabled", "disability status", "has disability"),
                "learning_disability": (
                    "learning disability",
                    "learning difficulty",
                    "learning disabilities",
                    "LD",
                ),
                "first_language": (
                    "first language",
                    "main language",
                    "primary language",
                    "mother tongue",
                    "native language",
                ),
                "interpreter": (
                    "interpreter required",
                    "interpreter needed",
                    "interpreter requirement",
                    "needs interpreter",
                    "requires interpreter",
                ),
            }
        ),
        "conversations": _synonyms(
            {
                "ref": _REFERENCE,
                "date": ("conversation date", "date of conversation", "contact date"),
                "mentor": ("peer mentor", "peer mentors", "mentors", "mentor name"),
                "kind": ("type", "conversation type", "contact type", "session type"),
                "setting": ("place", "where"),
                "outcome": ("decision", "result"),
                "attendees": ("number attended", "group size", "number of attendees"),
                "minutes": ("duration", "duration minutes", "duration mins", "time spent"),
                "barriers": ("barriers raised", "barrier"),
                "next_step": ("next step date", "follow up date", "next contact", "revisit"),
                "note": ("notes", "comments", "comment"),
            }
        ),
        "screening": _synonyms(
            {
                "ref": _REFERENCE,
                "date": (
                    "test date",
                    "date of test",
                    "sample date",
                    "date taken",
                    "date sample taken",
                    "screening date",
                    "event date",
                ),
                "event": ("step", "event type", "activity"),
                "hpv": ("HPV result", "HPV status", "HR-HPV", "HR-HPV result", "HPV test"),
                "cytology": ("cytology result", "cytology test", "smear result"),
                "sample": ("sample taker", "sample type", "taken by"),
                "where": ("test location", "location of test"),
                "reason": ("cease reason", "ceasing reason", "reason ceased"),
                "note": ("notes", "comments", "comment"),
                "result_code": ("cytology code", "result"),
                "infection_code": ("HPV code", "infection"),
                "action_code": ("action", "recommendation code"),
                "nhs_codes": ("result infection action", "RIA code", "NHS result code"),
            }
        ),
    }
)
"""Per kind of file: header key -> stored column (or a name part)."""

IDENTIFIERS: Mapping[str, str] = _synonyms(
    {
        "NHS number": (
            "NHS number",
            "NHS no",
            "NHS",
            "NHS num",
            "CHI number",
        ),
        "CRN": ("CRN", "case reference number", "PNC number", "PNC", "CRO number"),
        "address": (
            "address",
            "home address",
            "address line 1",
            "address line 2",
            "address 1",
            "address 2",
            "postcode",
            "post code",
            "town",
        ),
        "contact details": ("telephone", "phone", "phone number", "mobile", "email"),
    }
)
"""Identifiers the store never keeps: ignored whatever the mapping says, and named so."""


@dataclass(frozen=True)
class ColumnMapping:
    """A person's choices for a kind of file: ``columns`` maps a header key to a stored
    column (or :data:`SURNAME`, :data:`FORENAME`, :data:`IGNORE`); ``units`` maps a
    location code to a unit name."""

    kind: str
    columns: Mapping[str, str] = field(default_factory=dict)
    units: Mapping[str, str] = field(default_factory=dict)

    def merged(self, other: ColumnMapping) -> ColumnMapping:
        """This mapping with ``other``'s choices on top."""
        return ColumnMapping(
            self.kind, {**self.columns, **other.columns}, {**self.units, **other.units}
        )

    def to_json(self) -> str:
        return json.dumps(
            {"columns": dict(self.columns), "units": dict(self.units)}, ensure_ascii=False
        )

    @classmethod
    def from_json(cls, kind: str, text: str) -> ColumnMapping:
        data = json.loads(text)
        return cls(kind, dict(data.get("columns", {})), dict(data.get("units", {})))


def targets(kind: str, known: Iterable[str]) -> tuple[str, ...]:
    """What a column of this kind of file may be mapped to."""
    parts = (FORENAME, SURNAME) if kind == "people" else ()
    return (*known, *parts, IGNORE)


@dataclass(frozen=True)
class HeaderCell:
    """One header cell: its text, its key, and how it is read (None when unmapped)."""

    text: str
    key: str
    target: str | None
    how: str
    """"mapped" (by the person), "name" (the stored name), "synonym", "identifier", or
    "unmapped"."""

    @property
    def identifier(self) -> str | None:
        """What kind of identifier an ignored column holds (NHS number, CRN, address)."""
        return IDENTIFIERS.get(self.key) if self.how == "identifier" else None


def read_header(
    header: Iterable[str], kind: str, known: Iterable[str], mapping: ColumnMapping | None
) -> list[HeaderCell | None]:
    """How each header cell is read, in file order (None for an empty cell)."""
    known = tuple(known)
    chosen = mapping.columns if mapping else {}
    cells: list[HeaderCell | None] = []
    for text in header:
        key = header_key(text)
        if not key:
            cells.append(None)
        elif key in IDENTIFIERS:
            cells.append(HeaderCell(text.strip(), key, IGNORE, "identifier"))
        elif key in chosen:
            cells.append(HeaderCell(text.strip(), key, chosen[key], "mapped"))
        elif key in known:
            cells.append(HeaderCell(text.strip(), key, key, "name"))
        elif key in SYNONYMS[kind]:
            cells.append(HeaderCell(text.strip(), key, SYNONYMS[kind][key], "synonym"))
        else:
            cells.append(HeaderCell(text.strip(), key, None, "unmapped"))
    return cells


def unit_for(location: str, units: Mapping[str, str]) -> str | None:
    """The unit a location code names: the longest mapped code that ``location`` is, or
    starts with followed by a separator (``-``, ``/``, ``.``, space); None when none does."""
    text = location.strip().casefold()
    best: tuple[int, str] | None = None
    for code, unit in units.items():
        prefix = code.strip().casefold()
        if not prefix:
            continue
        matches = text == prefix or (text.startswith(prefix) and text[len(prefix)] in "-/. ")
        if matches and (best is None or len(prefix) > best[0]):
            best = (len(prefix), unit)
    return best[1] if best else None


def parse_pairs(pairs: Iterable[str], what: str) -> dict[str, str]:
    """``["Location=unit", "Cell = ignore"]`` as a dict; ValidationError naming ``what`` for
    a pair with no ``=`` or an empty side."""
    found: dict[str, str] = {}
    for pair in pairs:
        left, sep, right = pair.partition("=")
        if not sep or not left.strip() or not right.strip():
            raise ValidationError(what, f"{pair!r} should be written HEADER=VALUE")
        found[left.strip()] = right.strip()
    return found


def mapping_from(
    kind: str,
    *,
    columns: Mapping[str, str] = MappingProxyType({}),
    ignored: Iterable[str] = (),
    units: Mapping[str, str] = MappingProxyType({}),
    known: Iterable[str] = (),
) -> ColumnMapping:
    """A mapping from what a person typed: header -> column, headers to ignore, location
    code -> unit. Refuses a target the kind of file does not have."""
    allowed = targets(kind, known)
    chosen: dict[str, str] = {}
    for header, target in columns.items():
        name = header_key(target) if target.strip().casefold() != IGNORE else IGNORE
        if name not in allowed:
            raise ValidationError(
                "map", f"{target!r} is not a column of {kind} files: {', '.join(allowed)}"
            )
        chosen[header_key(header)] = name
    for header in ignored:
        chosen[header_key(header)] = IGNORE
    if any(not key for key in chosen):
        raise ValidationError("map", "a header needs letters or digits")
    for code, unit in units.items():
        if not code.strip() or not unit.strip():
            raise ValidationError("unit", "write each unit code as CODE=UNIT")
    return ColumnMapping(kind, chosen, {c.strip(): u.strip() for c, u in units.items()})


@dataclass(frozen=True)
class SavedMapping:
    """A mapping as saved: its name and when, with the mapping itself."""

    name: str
    mapping: ColumnMapping


def _check_name(name: str) -> str:
    text = name.strip()
    if not text:
        raise ValidationError("mapping", "a mapping needs a name")
    if len(text) > _NAME_LENGTH:
        raise ValidationError("mapping", f"a mapping name has at most {_NAME_LENGTH} characters")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in text):
        raise ValidationError("mapping", "a mapping name cannot hold control characters")
    return text


def save_mapping(store: Store, name: str, mapping: ColumnMapping) -> None:
    """Save ``mapping`` under ``name`` (replacing a mapping of that name and kind), in one
    transaction with its audit row (``import_mapping.save``)."""
    require_writer(store)
    text = _check_name(name)
    if mapping.kind not in KINDS:
        raise ValidationError("kind", f"one of {', '.join(KINDS)}")
    with store.action("import_mapping.save", entity="import_mapping") as act:
        session = act.session
        row = _find(session, text)
        if row is not None and row.kind != mapping.kind:
            raise ValidationError(
                "mapping", f"{text!r} is a mapping for {row.kind} files, not {mapping.kind}"
            )
        if row is None:
            row = ImportMapping(name=text, kind=mapping.kind, body="{}", saved_at=now())
        row.body = mapping.to_json()
        row.saved_at = now()
        row.account_id = store.actor.id
        session.add(row)
        session.flush()
        act.names(row.id, ["name", "kind", "columns", "units"])


def load_mapping(store: Store, name: str, kind: str) -> ColumnMapping:
    """The mapping saved as ``name`` (ignoring case) for ``kind`` files, or ValidationError
    listing the saved ones."""
    text = _check_name(name)
    with store.read() as session:
        row = _find(session, text)
        if row is None or row.kind != kind:
            saved = [s.name for s in saved_mappings_in(session) if s.mapping.kind == kind]
            listed = ", ".join(repr(n) for n in saved) or "none yet"
            raise ValidationError(
                "mapping", f"no saved mapping {text!r} for {kind} files (saved: {listed})"
            )
        return ColumnMapping.from_json(row.kind, row.body)


def saved_mappings(store: Store) -> list[SavedMapping]:
    """Every saved mapping, by name."""
    with store.read() as session:
        return saved_mappings_in(session)


def saved_mappings_in(session: Session) -> list[SavedMapping]:
    rows = session.exec(select(ImportMapping).order_by(col(ImportMapping.name))).all()
    return [SavedMapping(r.name, ColumnMapping.from_json(r.kind, r.body)) for r in rows]


def _find(session: Session, name: str) -> ImportMapping | None:
    wanted = name.casefold()
    for row in session.exec(select(ImportMapping)):
        if row.name.casefold() == wanted:
            return row
    return None
