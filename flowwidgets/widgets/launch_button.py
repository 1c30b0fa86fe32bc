"""``LaunchButton``: launch one execution or a batch, once per click, within the rate limit."""

from __future__ import annotations

import html
import logging
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import ipywidgets as w
import traitlets

from flowwidgets.widgets._base import (
    ErrorArea,
    PlainReprMixin,
    TaskRunner,
    guard_callback,
    is_sandbox,
    org_badge_html,
)

if TYPE_CHECKING:
    from flowwidgets.analytics import Ledger
    from flowwidgets.api import GenesysClient, LaunchResult, RetryWait
    from flowwidgets.widgets.launch_form import LaunchForm
    from flowwidgets.widgets.monitor import StatusMonitor

logger = logging.getLogger("flowwidgets.widgets")

MAX_BATCH = 1000


def execution_names(base: str | None, count: int) -> list[str]:
    """Return one unique execution name per launch of a batch.

    Every launch carries a name so it can be looked up when its outcome is
    unknown; a given base name gets a ``-1``, ``-2``, ... suffix in a batch.
    """
    if count < 1:
        raise ValueError(f"The number of executions must be at least 1, got {count}.")
    if base:
        return [base] if count == 1 else [f"{base}-{index}" for index in range(1, count + 1)]
    return [f"flowwidgets-{uuid.uuid4()}" for _ in range(count)]


class LaunchButton(PlainReprMixin, w.VBox):
    """Launch the form's request once, or N times with a progress bar.

    The button is disabled while launching, so a double click launches once.
    Against a real org (``client.sandbox is None``) a click requires
    confirmation first. On HTTP 429 the client waits for the ``Retry-After`` seconds
    and the button shows the wait. Every launch is recorded in ``ledger`` when
    one is given, and handed to ``monitor`` when one is given.
    """

    launch_count = traitlets.Int(0, help="How many launches this button has made successfully.")
    launching = traitlets.Bool(False, help="Whether a launch or batch is in progress.")

    def __init__(
        self,
        form: LaunchForm | None = None,
        client: GenesysClient | None = None,
        *,
        ledger: Ledger | None = None,
        monitor: StatusMonitor | None = None,
        **kwargs: Any,
    ) -> None:
        self.form = form
        self.client = client
        self.ledger = ledger
        self.monitor = monitor
        self.results: list[LaunchResult] = []
        self._observers: list[Callable[[LaunchResult], Any]] = []

        self.badge = w.HTML(org_badge_html(client))
        self.count = w.BoundedIntText(value=1, min=1, max=MAX_BATCH, description="Executions")
        self.button = w.Button(description="Launch", button_style="success", icon="play")
        self.progress = w.IntProgress(value=0, min=0, max=1, description="Launched")
        self.status = w.HTML("")
        self.confirm_text = w.HTML("")
        self.confirm_button = w.Button(description="Launch on real org", button_style="danger")
        self.cancel_button = w.Button(description="Cancel")
        self.confirm_box = w.HBox([self.confirm_text, self.confirm_button, self.cancel_button])
        self.confirm_box.layout.display = "none"
        self.errors = ErrorArea()
        self._runner = TaskRunner(self.errors, "LaunchButton")

        self.button.on_click(guard_callback(self.errors, "LaunchButton", "launch", self._on_click))
        self.confirm_button.on_click(
            guard_callback(self.errors, "LaunchButton", "launch", self._on_confirm)
        )
        self.cancel_button.on_click(
            guard_callback(self.errors, "LaunchButton", "cancel", self._on_cancel)
        )
        super().__init__(
            [
                w.HBox([self.count, self.button, self.badge]),
                self.confirm_box,
                self.progress,
                self.status,
                self.errors,
            ],
            **kwargs,
        )

    def __repr__(self) -> str:
        return f"<LaunchButton {self.launch_count} launched>"

    def set_client(self, client: GenesysClient) -> None:
        """Launch through ``client`` from now on."""
        self.client = client
        self.badge.value = org_badge_html(client)

    def on_launch(self, callback: Callable[[LaunchResult], Any]) -> None:
        """Call ``callback(result)`` after every successful launch."""
        self._observers.append(callback)

    def _set_launching(self, value: bool) -> None:
        self.launching = value
        self.button.disabled = value
        self.count.disabled = value

    def _on_click(self, _button: w.Button) -> None:
        if self.launching:
            logger.info("LaunchButton: click ignored, a launch is already in progress")
            return
        self.errors.clear()
        self._set_launching(True)
        if self.client is not None and not is_sandbox(self.client):
            domain = getattr(self.client.region, "domain", self.client.api_base_url)
            self.confirm_text.value = (
                f"Launch <b>{self.count.value}</b> execution(s) on the real org at "
                f"<b>{html.escape(str(domain))}</b>?"
            )
            self.confirm_box.layout.display = "flex"
            return
        self._start()

    def _on_confirm(self, _button: w.Button) -> None:
        self.confirm_box.layout.display = "none"
        self._start()

    def _on_cancel(self, _button: w.Button) -> None:
        self.confirm_box.layout.display = "none"
        self.status.value = "Launch cancelled."
        self._set_launching(False)

    def _start(self) -> None:
        self._runner.start(self._launch_and_release(self.count.value), "Launching")

    async def _launch_and_release(self, count: int) -> None:
        try:
            await self._launch_batch(count)
        finally:
            self._set_launching(False)

    async def launch(self, count: int | None = None) -> list[LaunchResult]:
        """Launch ``count`` executions (default: the count field) without asking for confirmation.

        Sends ``POST /api/v2/flows/executions`` once per execution, one after
        the other. Awaiting this is an explicit request, so the confirmation
        that the button requires on a real org is skipped.

        Raises
        ------
        RuntimeError
            When a launch is already in progress.
        """
        if self.launching:
            raise RuntimeError("A launch is already in progress: wait for it to finish.")
        self._set_launching(True)
        try:
            return await self._launch_batch(count or self.count.value)
        finally:
            self._set_launching(False)

    async def _launch_batch(self, count: int) -> list[LaunchResult]:
        if self.client is None:
            raise RuntimeError(
                "LaunchButton has no client: connect first (AuthCell) or pass client=."
            )
        if self.form is None:
            raise RuntimeError("LaunchButton has no form: pass form= (a LaunchForm).")
        body = self.form.body()
        names = execution_names(body.get("name"), count)
        self.progress.max = count
        self.progress.value = 0
        waits_before = len(self.client.rate_limit_events)

        launched: list[LaunchResult] = []
        for name in names:
            self.status.value = f"Launching {html.escape(name)} ({len(launched) + 1} of {count})..."
            result = await self._launch_one(body, name)
            launched.append(result)
            self.progress.value = len(launched)

        summary = f"Launched {len(launched)} execution(s)."
        waits = self.client.rate_limit_events[waits_before:]
        if waits:
            seconds = sum(wait.delay for wait in waits)
            summary += (
                f" The rate limit (HTTP 429) made the client wait {len(waits)} time(s), "
                f"{seconds:.1f} s in all."
            )
        self.status.value = summary
        return launched

    async def _launch_one(self, body: dict[str, Any], name: str) -> LaunchResult:
        from flowwidgets.api import ApiError, LaunchOutcomeUnknownError

        assert self.client is not None  # checked by the caller
        flow_id = body["flowId"]
        if self.ledger is not None:
            # On the sandbox, launches happen at sandbox time, which may be far from the
            # computer's clock. The ledger must use the org's time so intervals line up.
            sandbox = getattr(self.client, "sandbox", None)
            self.ledger.record_launch(
                name,
                flow_id,
                flow_version=body.get("flowVersion"),
                region=getattr(self.client.region, "domain", None),
                inputs=body.get("inputData"),
                launched_at=sandbox.clock.now() if sandbox is not None else None,
            )

        previous_on_wait = self.client.on_wait

        def show_wait(wait: RetryWait) -> None:
            if previous_on_wait is not None:
                previous_on_wait(wait)
            if wait.status == 429:
                self.status.value = (
                    f"Rate limited (HTTP 429) while launching {html.escape(name)}: "
                    f"waiting {wait.delay:.1f} s as Retry-After says."
                )

        self.client.on_wait = show_wait
        try:
            result = await self.client.launch_flow(
                flow_id,
                input_data=body.get("inputData"),
                flow_version=body.get("flowVersion"),
                name=name,
            )
        except LaunchOutcomeUnknownError:
            self._record_outcome(name, "outcome-unknown")
            raise
        except ApiError as error:
            self._record_outcome(name, "error", error_code=error.code)
            raise
        finally:
            if self.client.on_wait is show_wait:
                self.client.on_wait = previous_on_wait

        self._record_outcome(
            name, "ok", execution_id=result.id, flow_version=result.flow_version_id
        )
        self.results.append(result)
        self.launch_count += 1
        if self.monitor is not None:
            self.monitor.track(result.id, name=result.name or name)
        for callback in list(self._observers):
            callback(result)
        return result

    def _record_outcome(self, name: str, outcome: str, **details: Any) -> None:
        if self.ledger is not None:
            self.ledger.record_outcome(name, outcome, **details)

    async def wait(self) -> None:
        """Wait until a launch started by the button has finished or failed."""
        await self._runner.join()
