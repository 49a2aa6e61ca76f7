"""What every screen with data shares: service calls in thread workers, answered by messages."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from textual.screen import ModalScreen, Screen
from textual.worker import Worker, get_current_worker

from outreach.tui.errors import field_of, message_of, shown
from outreach.tui.messages import Failed, Loaded

if TYPE_CHECKING:
    from outreach.store.store import Store


class ServiceCalls:
    """Mixin for screens: ``call(what, fn, **kwargs)`` runs ``fn(store, **kwargs)`` in a thread.

    The answer comes back as :class:`Loaded` or :class:`Failed` carrying ``what``. A newer call
    with the same ``what`` supersedes an older one, whose answer is then dropped.
    """

    def call(self, what: str, fn: Callable[..., Any], /, **kwargs: Any) -> Worker[None]:
        screen: Screen[Any] = self  # type: ignore[assignment]
        store: Store | None = getattr(screen.app, "store", None)

        def work() -> None:
            if store is None:
                return
            try:
                data = fn(store, **kwargs)
            except Exception as exc:
                answer: Loaded | Failed = Failed(what, shown(exc), field_of(exc), message_of(exc))
            else:
                answer = Loaded(what, data)
            if not get_current_worker().is_cancelled:
                screen.post_message(answer)

        return screen.run_worker(
            work, name=what, group=what, thread=True, exclusive=True, exit_on_error=False
        )


class DataScreen(ServiceCalls, Screen[None]):
    """A full screen that shows data from the store."""

    def store_changed(self) -> bool:
        """Another program committed to the store: read what this screen shows again.

        Uses the screen's ``reload`` (or ``action_refresh``); returns whether it had one.
        Screens with neither (a form half filled, an export being chosen) keep what they show.
        """
        again = getattr(self, "reload", None) or getattr(self, "action_refresh", None)
        if again is None:
            return False
        again()
        return True


class DataDialog(ServiceCalls, ModalScreen[Any]):
    """A dialog over a data screen."""
