"""The demo people's equity fields (``schema/equity/fields.toml``), as a prison's health
record would hold them: many "not stated" (never asked at reception), a few "declined".

The mix is a rough one for a women's prison in England: mostly White British, with more
Gypsy or Irish Traveller and Mixed White and Black Caribbean women than in the population at
large (the ONS Census 2021 groups, weighted roughly as HMPPS's annual offender equalities
reports describe women in custody); a quarter or so with a disability, a few with a learning
disability. First language follows the language the simulation gave the person, and most of
those whose first language is not English or Welsh need an interpreter. Nothing here is a
real person's answer.

Each person's answers come from a random source of their own (the seed and the reference),
so the cervical screening story, drawn from other sources, is exactly as it was.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from outreach.demo.plan import PersonPlan

ETHNICITY = (
    ("white_british", 760),
    ("white_irish", 12),
    ("white_gypsy_traveller", 30),
    ("white_roma", 3),
    ("white_other", 35),
    ("mixed_white_black_caribbean", 35),
    ("mixed_white_black_african", 8),
    ("mixed_white_asian", 7),
    ("mixed_other", 10),
    ("asian_indian", 8),
    ("asian_pakistani", 8),
    ("asian_bangladeshi", 3),
    ("asian_chinese", 2),
    ("asian_other", 6),
    ("black_caribbean", 30),
    ("black_african", 22),
    ("black_other", 8),
    ("other_arab", 3),
    ("other_any", 6),
)
"""Ethnic group of English speakers whose group is recorded, with relative weights."""

LANGUAGE_CODES = {
    None: "en",
    "Welsh": "cy",
    "Polish": "pl",
    "Romanian": "ro",
    "Portuguese": "pt",
    "Lithuanian": "lt",
    "Urdu": "ur",
    "Vietnamese": "vi",
}
"""The simulation's languages as first-language codes."""

LANGUAGE_ETHNICITY = {
    "Welsh": (("white_british", 1),),
    "Polish": (("white_other", 1),),
    "Romanian": (("white_other", 4), ("white_roma", 1)),
    "Portuguese": (("white_other", 3), ("black_african", 1)),
    "Lithuanian": (("white_other", 1),),
    "Urdu": (("asian_pakistani", 1),),
    "Vietnamese": (("asian_other", 1),),
}
"""Ethnic group of those who speak a language other than English first."""

NEEDS_INTERPRETER = 0.75
"""Of those whose first language is not English or Welsh, the share who need an interpreter."""


@dataclass(frozen=True)
class EquityPlan:
    """What the record says (codes of ``outreach.rules.equity``) and whether the person in
    fact needs an interpreter (which the record may not say)."""

    ethnicity: str
    disability: str
    learning_disability: str
    first_language: str
    interpreter: str
    needs_interpreter: bool

    def fields(self) -> dict[str, str]:
        """The five fields as ``AddPerson`` takes them."""
        return {
            "ethnicity": self.ethnicity,
            "disability": self.disability,
            "learning_disability": self.learning_disability,
            "first_language": self.first_language,
            "interpreter": self.interpreter,
        }


def plan_equity(seed: str, person: PersonPlan) -> EquityPlan:
    """The person's equity fields, from a random source of their own."""
    rng = random.Random(f"{seed}-{person.ref}")
    english = person.language in (None, "Welsh")
    needs = not english and rng.random() < NEEDS_INTERPRETER
    return EquityPlan(
        ethnicity=_ethnicity(rng, person.language),
        disability=_answer(rng, (("yes", 28), ("no", 32), ("not_stated", 36), ("declined", 4))),
        learning_disability=_answer(
            rng, (("yes", 6), ("no", 48), ("not_stated", 44), ("declined", 2))
        ),
        first_language=_first_language(rng, person.language),
        interpreter=_interpreter(rng, english=english, needs=needs),
        needs_interpreter=needs,
    )


def _ethnicity(rng: random.Random, language: str | None) -> str:
    # Asked at reception less often than it should be: a third not stated, a few declined.
    recorded = _answer(rng, (("asked", 62), ("not_stated", 34), ("declined", 4)))
    if recorded != "asked":
        return recorded
    return _answer(rng, LANGUAGE_ETHNICITY.get(language or "", ETHNICITY))


def _first_language(rng: random.Random, language: str | None) -> str:
    # A language other than English is nearly always noted; English often goes unrecorded.
    stated = 0.9 if language not in (None, "Welsh") else 0.6
    roll = rng.random()
    if roll < stated:
        return LANGUAGE_CODES[language]
    return "declined" if roll > 0.98 else "not_stated"


def _interpreter(rng: random.Random, *, english: bool, needs: bool) -> str:
    roll = rng.random()
    if needs:
        return "yes" if roll < 0.85 else "not_stated"
    if english:
        return "no" if roll < 0.5 else "declined" if roll > 0.98 else "not_stated"
    return "no" if roll < 0.7 else "not_stated"


def _answer(rng: random.Random, choices: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([c for c, _ in choices], weights=[w for _, w in choices])[0]


def assign_equity(seed: str, people: list[PersonPlan]) -> None:
    """Give every person their equity fields and whether they need an interpreter."""
    for person in people:
        planned = plan_equity(seed, person)
        person.equity = planned.fields()
        person.needs_interpreter = planned.needs_interpreter
