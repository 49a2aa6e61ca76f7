"""The demo's account, passphrase and folder: light to import, so that ``outreach demo`` can
start deriving the key before it imports the rest of the application."""

from __future__ import annotations

from pathlib import Path

from platformdirs import user_data_path

DEMO_USER = "demo"
DEMO_PASSPHRASE = "demo-passphrase"


def default_demo_folder() -> Path:
    """Where ``outreach demo`` keeps its store: beside, never inside, the real store."""
    return user_data_path("outreach", appauthor=False) / "demo"
