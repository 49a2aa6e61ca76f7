"""The demo: a deterministic, fictional population written through the real services.

``outreach demo`` builds it once into its own folder and opens the application on it; tests
build it to check the measures against the figures it was tuned to follow.
"""

from outreach.demo.generator import (
    DEFAULT_SEED,
    DEMO_PASSPHRASE,
    DEMO_USER,
    DemoInfo,
    NotADemoStore,
    build_demo,
    default_demo_folder,
    is_demo_store,
    open_demo,
)

__all__ = [
    "DEFAULT_SEED",
    "DEMO_PASSPHRASE",
    "DEMO_USER",
    "DemoInfo",
    "NotADemoStore",
    "build_demo",
    "default_demo_folder",
    "is_demo_store",
    "open_demo",
]
