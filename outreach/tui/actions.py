"""Every application-wide action: its key, an alternative key for consoles that drop some
keys (old Windows consoles), and the words the help screen and command palette show.

One table feeds the bindings, the command palette and the help screen, so they never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding


@dataclass(frozen=True)
class AppAction:
    """An action reachable from anywhere once the store is unlocked."""

    id: str
    keys: str
    """Comma-separated keys: the usual key first, then the alternative (a function key)."""
    action: str
    title: str
    help: str
    show: bool = True
    """Shown in the dashboard's footer (other screens' footers keep to their own keys, lock,
    help and quit, so they fit 80 columns)."""
    needs_admin: bool = False


APP_ACTIONS: tuple[AppAction, ...] = (
    AppAction(
        "dashboard",
        "d,ctrl+g",
        "go('dashboard')",
        "Dashboard",
        "Coverage against target",
        show=False,
    ),
    AppAction("people", "p,f3", "go('people')", "People", "Search and filter people"),
    AppAction("followups", "w,f4", "go('followups')", "Follow-ups", "Worklist of follow-ups due"),
    AppAction(
        "conversation", "c,f5", "log_conversation", "Log talk", "Log an outreach conversation"
    ),
    AppAction("screening", "s,f6", "record_screening", "Screening", "Record a screening step"),
    AppAction("mentors", "m,f7", "go('mentors')", "Mentors", "Peer mentors", show=False),
    AppAction("targets", "t,f8", "go('targets')", "Targets", "Targets and baselines", show=False),
    AppAction("export", "x,f9", "go('export')", "Export", "Governance export", show=False),
    AppAction(
        "missed",
        "h,ctrl+y",
        "go('missed')",
        "Who is missed",
        "Who is missed: groups below the site's rate",
        show=False,
    ),
    AppAction(
        "import",
        "o,ctrl+o",
        "go('import')",
        "Import",
        "Import a roll, conversations or screening results from a CSV file",
        show=False,
    ),
    AppAction(
        "arrivals",
        "g",
        "go('arrivals')",
        "Arrivals",
        "Expected arrivals from transfers; import a transfer packet",
        show=False,
    ),
    AppAction(
        "conflicts",
        "f,ctrl+u",
        "go('conflicts')",
        "Conflicts",
        "Changes both laptops made to the same thing: keep one side",
        show=False,
    ),
    AppAction(
        "accounts",
        "a,f11",
        "go('accounts')",
        "Accounts",
        "Staff accounts and passphrases",
        show=False,
    ),
    AppAction(
        "audit",
        "u",
        "go('audit')",
        "Audit log",
        "Who did what (admins)",
        show=False,
        needs_admin=True,
    ),
    AppAction("lock", "ctrl+l,f12", "lock", "Lock", "Lock now: hide everything, ask again"),
    AppAction("help", "question_mark,f1", "help", "Help", "Keys on this screen"),
)


ALWAYS_SHOWN = {"lock", "help"}
"""Actions shown in every screen's footer."""

_KEY_NAMES = {
    "question_mark": "?",
    "plus": "+",
    "escape": "esc",
    "colon": ":",
    "full_stop": ".",
    "slash": "/",
    "greater_than_sign": ">",
    "less_than_sign": "<",
    "left_square_bracket": "[",
    "right_square_bracket": "]",
    "insert": "ins",
    "delete": "del",
}


def keys_text(keys: str) -> str:
    """Comma-separated Textual key names as a person reads them: ``"?/f1"``."""
    return " / ".join(_KEY_NAMES.get(k.strip(), k.strip()) for k in keys.split(","))


def _first_key(keys: str) -> str:
    # Footers are short of room: "^l" as Textual writes ctrl+p.
    return keys_text(keys.split(",")[0]).replace("ctrl+", "^")


def app_bindings() -> list[Binding]:
    """Bindings for :data:`APP_ACTIONS`; lock and help work even while typing in a field."""
    return [
        Binding(
            a.keys,
            a.action,
            a.title,
            show=a.id in ALWAYS_SHOWN,
            id=a.id,
            priority=a.id == "lock",
            key_display=_first_key(a.keys),
        )
        for a in APP_ACTIONS
    ]


def dashboard_bindings() -> list[Binding]:
    """The same keys again, for the dashboard's footer: where to go from the first screen."""
    return [
        Binding(
            a.keys,
            f"app.{a.action}",
            a.title,
            id=f"dashboard.{a.id}",
            key_display=_first_key(a.keys),
        )
        for a in APP_ACTIONS
        if a.show and a.id not in ALWAYS_SHOWN
    ]


def app_action_keys() -> set[str]:
    """Every key string of :data:`APP_ACTIONS` (the help screen lists them once)."""
    return {a.keys for a in APP_ACTIONS}
