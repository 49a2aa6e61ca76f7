"""What every screen with data shares: service calls in thread workers, answered by messages."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from textual.screen import ModalScreen, Screen
from textual.worker import Worker, get_current_worker

from outreach.tui.errors import field_of, message_of, shown
from outreach.tui.messages import Answer, Failed

if TYPE_CHECKING:
    from outreach.store.store import Store

A = TypeVar("A", bound=Answer)


class ServiceCalls:
    """Mixin for screens: ``call(Answer, fn, **kwargs)`` runs ``fn(store, **kwargs)`` in a thread.

    The result comes back as the message ``Answer(result)`` (a subclass of :class:`Answer`, one
    per kind of result), or as :class:`Failed` naming ``Answer``. A newer call for the same
    ``Answer`` supersedes an older one, whose answer is then dropped.
    """

    def call(self, what: type[A], fn: Callable[..., object], /, **kwargs: Any) -> Worker[None]:
        screen: Screen[Any] = self  # type: ignore[assignment]
        store: Store | None = getattr(screen.app, "store", None)

        def work() -> None:
            if store is None:
                return
            answer: A | Failed
            try:
                answer = what(fn(store, **kwargs))
            except Exception as exc:
                answer = Failed(what, shown(exc), field_of(exc), message_of(exc))
            if not get_current_worker().is_cancelled:
                screen.post_message(answer)

        name = what.__name__
        return screen.run_worker(
            work, name=name, group=name, thread=True, exclusive=True, exit_on_error=False
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
