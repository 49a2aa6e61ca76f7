"""Where the shipped data contracts live.

``schema/`` in a checkout, ``outreach/_schema`` inside an installed wheel.
"""

from functools import cache
from pathlib import Path


@cache
def schema_dir() -> Path:
    """The folder holding migrations, programme definitions and export schemas."""
    packaged = Path(__file__).parent / "_schema"
    if packaged.is_dir():
        return packaged
    checkout = Path(__file__).resolve().parent.parent / "schema"
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError("outreach is installed without its schema/ folder")
