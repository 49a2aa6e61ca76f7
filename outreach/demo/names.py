"""Fixed word lists for the demo population. Every name here is made up.

Combinations are drawn by the generator's seeded random source, so a seed always gives the
same people. Some names carry accents and apostrophes on purpose: the application must show,
search and export them correctly.
"""

from __future__ import annotations

SITE_NAME = "HMP Demo (women's prison)"

UNITS = (
    "Elm House",
    "Beech House",
    "Rowan House",
    "Willow House",
    "Hawthorn House",
    "Juniper Wing",
)
"""The six units (house blocks and one wing), in the order they fill."""

UNIT_WEIGHTS = (20, 19, 18, 17, 14, 12)
"""Relative sizes of the units."""

FIRST_NAMES = (
    "Aaliyah", "Abigail", "Agnieszka", "Aisha", "Alison", "Amanda", "Amber", "Amira", "Angela",
    "Aoife", "Bethan", "Bronwen", "Caitlin", "Carla", "Chantelle", "Charlotte", "Chidinma",
    "Chloé", "Claire", "Courtney", "Danielle", "Dawn", "Deborah", "Demi", "Donna", "Eilís",
    "Elif", "Emma", "Esther", "Fatima", "Ffion", "Gemma", "Georgia", "Grace", "Hannah",
    "Hayley", "Heather", "Ioana", "Jade", "Jasmine", "Jennifer", "Joanne", "Kayleigh", "Keisha",
    "Kelly", "Kerry", "Kirsty", "Laura", "Leanne", "Lisa", "Louise", "Lucy", "Maja", "Marta",
    "Megan", "Michelle", "Nadia", "Naomi", "Natalie", "Nicola", "Niamh", "Olivia", "Paula",
    "Priya", "Rachel", "Rebecca", "Renée", "Rhiannon", "Róisín", "Samantha", "Sarah", "Seren",
    "Shannon", "Sharon", "Siobhán", "Sophie", "Stacey", "Tanya", "Tracey", "Vanessa", "Zainab",
    "Zoë",
)  # fmt: skip

SURNAMES = (
    "Adeyemi", "Ahmed", "Allen", "Bailey", "Barnes", "Bell", "Brennan", "Brown", "Byrne",
    "Campbell", "Carter", "Chowdhury", "Clarke", "Collins", "Cooper", "D'Arcy", "D'Souza",
    "Davies", "Doherty", "Edwards", "Evans", "Fitzgerald", "Fletcher", "Gallagher", "Green",
    "Griffiths", "Hall", "Harris", "Hughes", "Iqbal", "Jackson", "James", "Jones", "Kaur",
    "Kelly", "Khan", "Kowalska", "Lewis", "Lloyd", "MacLeod", "Marshall", "McCarthy",
    "McLaughlin", "Moore", "Morgan", "Müller", "Murphy", "Ní Bhriain", "Nowak", "O'Brien",
    "O'Connor", "O'Neill", "Okafor", "Parry", "Patel", "Phillips", "Popescu", "Price",
    "Quinn", "Reid", "Roberts", "Robinson", "Santos", "Scott", "Shaw", "Silva", "Smith",
    "Stewart", "Taylor", "Thomas", "Thompson", "Turner", "Walker", "Ward", "Watson", "White",
    "Williams", "Wilson", "Wood", "Wright", "Yilmaz", "Young",
)  # fmt: skip

LANGUAGES = (
    (None, 940),
    ("Polish", 18),
    ("Romanian", 14),
    ("Welsh", 10),
    ("Portuguese", 6),
    ("Lithuanian", 5),
    ("Urdu", 4),
    ("Vietnamese", 3),
)
"""Preferred language other than English, with relative weights (None: English)."""
