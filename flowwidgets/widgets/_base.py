"""Pieces every flowwidgets widget shares: the org badge, the error area and task handling."""

from __future__ import annotations

import asyncio
import html
import logging
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

import ipywidgets as w

if TYPE_CHECKING:
    from flowwidgets.api import GenesysClient

logger = logging.getLogger("flowwidgets.widgets")

_BADGE_STYLE = (
    "display:inline-block;padding:1px 8px;border-radius:4px;font-weight:600;"
    "font-size:11px;letter-spacing:0.05em;color:#fff;background:{color}"
)


class PlainReprMixin:
    """Mixin that makes IPython's plain-text display use the widget's deterministic ``repr``.

    nbval compares ``text/plain`` outputs, so a widget's ``__repr__`` must show no
    ids, addresses or times, and the pretty printer must use it as it is.
    """

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(repr(self))


def org_badge_html(client: GenesysClient | None) -> str:
    """Build the badge that shows whether a widget talks to the sandbox or to a real org.

    Parameters
    ----------
    client
        The connected client, or ``None`` before connecting.

    Returns
    -------
    str
        HTML for a small coloured label: SANDBOX, REAL ORG with the region domain, or NOT CONNECTED.
    """
    if client is None:
        return f'<span style="{_BADGE_STYLE.format(color="#777")}">NOT CONNECTED</span>'
    if getattr(client, "sandbox", None) is not None:
        return f'<span style="{_BADGE_STYLE.format(color="#2e7d32")}">SANDBOX</span>'
    domain = html.escape(str(getattr(client.region, "domain", client.api_base_url)))
    return f'<span style="{_BADGE_STYLE.format(color="#c62828")}">REAL ORG {domain}</span>'


def is_sandbox(client: GenesysClient | None) -> bool:
    """Return whether ``client`` talks to an in-process sandbox (``client.sandbox`` is set)."""
    return client is not None and getattr(client, "sandbox", None) is not None


def describe_error(error: BaseException) -> tuple[str, str | None]:
    """Return the message of ``error`` and the fix it carries, if any.

    Exceptions of the client carry a ``fix`` attribute with what to do next;
    other exceptions have only their message.
    """
    message = str(error) or type(error).__name__
    fix = getattr(error, "fix", None)
    if not fix:
        return f"{type(error).__name__}: {message}", None
    fix = str(fix)
    message = message.replace(fix, "").strip()
    return f"{type(error).__name__}: {message}", fix


class ErrorArea(w.HTML):
    """An HTML area that shows the last error a widget caught, with its fix."""

    def show(self, error: BaseException, action: str) -> None:
        """Show ``error`` as the reason ``action`` failed."""
        message, fix = describe_error(error)
        parts = [
            '<div style="border-left:4px solid #c62828;padding:4px 8px;background:#fdecea">',
            f"<b>{html.escape(action)} failed.</b> {html.escape(message)}",
        ]
        if fix:
            parts.append(f"<br><b>Fix:</b> {html.escape(fix)}")
        parts.append("</div>")
        self.value = "".join(parts)

    def clear(self) -> None:
        """Remove the error shown."""
        self.value = ""

    @property
    def text(self) -> str:
        """The error shown, as plain text without markup (empty when there is none)."""
        import re

        return html.unescape(re.sub(r"<[^>]+>", "", self.value))


class TaskRunner:
    """Run a widget's coroutines on the running event loop and report their errors in the widget.

    Inside a Jupyter kernel a callback runs while the kernel's event loop is
    running, so work is scheduled as a task there and the kernel stays free.
    Without a running loop (a plain script), the coroutine runs to completion
    before the call returns.
    """

    def __init__(self, errors: ErrorArea, owner: str) -> None:
        self._errors = errors
        self._owner = owner
        self._tasks: set[asyncio.Task[Any]] = set()

    def start(self, coroutine: Coroutine[Any, Any, Any], action: str) -> asyncio.Task[Any] | None:
        """Start ``coroutine``; a failure is logged and shown in the error area, never lost."""
        guarded = self._guard(coroutine, action)
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            # NOTE: without a running loop the coroutine runs in a fresh loop. A client whose
            # connections were opened on another loop may fail to reuse them there.
            asyncio.run(guarded)
            return None

        task = loop.create_task(guarded)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        # A task cancelled before it first ran never awaited the coroutine; close it quietly.
        task.add_done_callback(lambda _task: coroutine.close())
        return task

    async def _guard(self, coroutine: Coroutine[Any, Any, Any], action: str) -> Any:
        try:
            return await coroutine
        except asyncio.CancelledError:
            raise
        except Exception as error:  # noqa: BLE001 -- any failure must reach the user, not vanish
            logger.warning("%s: %s failed: %s", self._owner, action, describe_error(error)[0])
            self._errors.show(error, action)
            return None

    async def join(self) -> None:
        """Wait until every task started so far (and those they start) has finished."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    @property
    def busy(self) -> bool:
        """Whether a task is still running."""
        return any(not task.done() for task in self._tasks)

    def cancel(self) -> None:
        """Cancel every running task."""
        for task in list(self._tasks):
            task.cancel()


def guard_callback(
    errors: ErrorArea, owner: str, action: str, callback: Callable[..., Any]
) -> Callable[..., None]:
    """Wrap a synchronous widget callback so an exception is logged and shown, never swallowed."""

    def wrapper(*args: Any) -> None:
        try:
            callback(*args)
        except Exception as error:  # noqa: BLE001 -- ipywidgets would only log it
            logger.warning("%s: %s failed: %s", owner, action, describe_error(error)[0])
            errors.show(error, action)

    return wrapper
