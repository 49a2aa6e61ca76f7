"""The demo: a deterministic, fictional population written through the real services.

``outreach demo`` builds it once into its own folder and opens the application on it; tests
build it to check the measures against the figures it was tuned to follow.

The generator (and with it the store, the services and SQLAlchemy) is imported on first use of
one of its names, so that ``outreach.demo.account`` can be imported alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from outreach.demo.account import DEMO_PASSPHRASE, DEMO_USER, default_demo_folder

if TYPE_CHECKING:
    from outreach.demo.generator import DEFAULT_SEED, DemoInfo, build_demo
    from outreach.demo.opening import NotADemoStore, is_demo_store, open_demo

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


_OPENING = frozenset({"NotADemoStore", "is_demo_store", "open_demo"})


def __getattr__(name: str) -> Any:
    if name in _OPENING:
        # Opening a built demo store needs none of the generator.
        from outreach.demo import opening

        return getattr(opening, name)
    if name in __all__:
        from outreach.demo import generator

        return getattr(generator, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
