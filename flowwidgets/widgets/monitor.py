"""``StatusMonitor``: follow each launched execution until it ends."""

from __future__ import annotations

import asyncio
import html
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import ipywidgets as w
import traitlets

from flowwidgets.widgets._base import (
    ErrorArea,
    PlainReprMixin,
    TaskRunner,
    is_sandbox,
    org_badge_html,
)

if TYPE_CHECKING:
    from flowwidgets.analytics import Ledger
    from flowwidgets.api import Execution, GenesysClient
    from flowwidgets.diagnose import Report

logger = logging.getLogger("flowwidgets.widgets")

FIRST_INTERVAL_SECONDS = 1.0
MAX_INTERVAL_SECONDS = 15.0
BACKOFF_FACTOR = 1.5
#: Simulated seconds the sandbox clock moves on each poll, so executions end quickly in demos.
SANDBOX_STEP_SECONDS = 5.0
#: Real seconds between polls of the sandbox (its clock is advanced instead of waited for).
SANDBOX_SLEEP_SECONDS = 0.05

_STATUS_COLOURS = {"COMPLETED": "#2e7d32", "RUNNING": "#1565c0"}


def status_text(execution: Execution | None) -> str:
    """Return the upper-case status of ``execution``, ``PENDING`` before the first poll."""
    if execution is None:
        return "PENDING"
    return str(getattr(execution.status, "value", execution.status)).upper()


def next_interval(interval: float) -> float:
    """Return the poll interval after ``interval``: it grows by half, up to 15 seconds."""
    return min(interval * BACKOFF_FACTOR, MAX_INTERVAL_SECONDS)


@dataclass
class TrackedExecution:
    """One execution the monitor follows: id, name, last state and, if it failed, the findings."""

    execution_id: str
    name: str
    execution: Execution | None = None
    report: Report | None = None
    error: str | None = None
    finished: bool = False

    @property
    def status(self) -> str:
        """The last status seen."""
        return status_text(self.execution)

    @property
    def done(self) -> bool:
        """Whether the execution has ended (or cannot be read any more)."""
        return self.error is not None or (self.execution is not None and self.execution.is_terminal)


class StatusMonitor(PlainReprMixin, w.VBox):
    """Poll every launched execution with backoff until it ends and explain the failures.

    Polling runs as an asyncio task on the kernel's running loop, so the kernel
    stays free. In a test or script, ``await monitor.poll_once()`` or
    ``await monitor.wait()`` drive it directly. In the sandbox each poll
    advances the sandbox clock, so executions finish at demo speed.
    """

    tracked_count = traitlets.Int(0, help="How many executions the monitor follows.")
    running_count = traitlets.Int(0, help="How many followed executions have not ended yet.")

    def __init__(
        self,
        client: GenesysClient | None = None,
        *,
        ledger: Ledger | None = None,
        advance_sandbox_clock: bool = True,
        autostart: bool = True,
        **kwargs: Any,
    ) -> None:
        self.client = client
        self.ledger = ledger
        self.advance_sandbox_clock = advance_sandbox_clock
        self.autostart = autostart
        self.executions: dict[str, TrackedExecution] = {}
        self._observers: list[Callable[[TrackedExecution], Any]] = []
        self._poll_task: asyncio.Task[Any] | None = None

        self.badge = w.HTML(org_badge_html(client))
        self.table = w.HTML("<i>No executions launched yet.</i>")
        self.stop_button = w.Button(description="Stop polling", icon="stop", disabled=True)
        self.state = w.HTML("")
        self.errors = ErrorArea()
        self._runner = TaskRunner(self.errors, "StatusMonitor")
        self.stop_button.on_click(lambda _button: self.stop())
        super().__init__(
            [
                w.HBox([w.HTML("<b>Executions</b>"), self.badge, self.stop_button, self.state]),
                self.table,
                self.errors,
            ],
            **kwargs,
        )

    def __repr__(self) -> str:
        if not self.executions:
            return "<StatusMonitor no executions>"
        counts: dict[str, int] = {}
        for tracked in self.executions.values():
            counts[tracked.status] = counts.get(tracked.status, 0) + 1
        summary = ", ".join(f"{count} {status}" for status, count in sorted(counts.items()))
        return f"<StatusMonitor {len(self.executions)} executions: {summary}>"

    def set_client(self, client: GenesysClient) -> None:
        """Poll through ``client`` from now on."""
        self.client = client
        self.badge.value = org_badge_html(client)

    def on_finished(self, callback: Callable[[TrackedExecution], Any]) -> None:
        """Call ``callback(tracked)`` once for each execution that ends."""
        self._observers.append(callback)

    def status_of(self, execution_id: str) -> str:
        """Return the last status seen for ``execution_id``."""
        return self.executions[execution_id].status

    @property
    def all_done(self) -> bool:
        """Whether every followed execution has ended."""
        return all(tracked.done for tracked in self.executions.values())

    def track(self, execution_id: str, name: str | None = None) -> TrackedExecution:
        """Follow ``execution_id``; starts background polling when a loop is running."""
        tracked = self.executions.get(execution_id)
        if tracked is None:
            tracked = TrackedExecution(execution_id, name or execution_id)
            self.executions[execution_id] = tracked
        self._render()
        if self.autostart:
            self.start()
        return tracked

    def start(self) -> None:
        """Start polling as a task on the running event loop; does nothing without one."""
        if self._poll_task is not None and not self._poll_task.done():
            return
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return
        task = self._runner.start(self._poll_until_done(), "Polling executions")
        self._poll_task = task
        self.stop_button.disabled = False
        self.state.value = "<i>polling...</i>"

    def stop(self) -> None:
        """Stop the background polling (executions keep running in the org)."""
        if self._poll_task is not None:
            self._poll_task.cancel()
        self._poll_task = None
        self.stop_button.disabled = True
        self.state.value = "<i>polling stopped</i>"

    async def _poll_until_done(self) -> None:
        try:
            await self.wait(timeout=None)
        finally:
            self.stop_button.disabled = True
            self.state.value = "" if self.all_done else "<i>polling stopped</i>"

    async def wait(self, timeout: float | None = 120.0) -> None:
        """Poll with backoff until every followed execution has ended.

        Raises
        ------
        TimeoutError
            When executions are still running after ``timeout`` seconds of real time.
        """
        await asyncio.wait_for(self._poll_with_backoff(), timeout)

    async def _poll_with_backoff(self) -> None:
        interval = FIRST_INTERVAL_SECONDS
        while True:
            await self.poll_once()
            if self.all_done:
                return
            await asyncio.sleep(SANDBOX_SLEEP_SECONDS if self._in_sandbox() else interval)
            interval = next_interval(interval)

    def _in_sandbox(self) -> bool:
        return self.advance_sandbox_clock and is_sandbox(self.client)

    async def poll_once(self) -> None:
        """Read each execution that has not ended, through ``GET /api/v2/flows/executions/{id}``."""
        from flowwidgets.api import NotFoundError

        if self.client is None:
            raise RuntimeError(
                "StatusMonitor has no client: connect first (AuthCell) or pass client=."
            )
        if self._in_sandbox():
            self.client.sandbox.clock.advance(SANDBOX_STEP_SECONDS)

        for tracked in list(self.executions.values()):
            if tracked.done:
                continue
            try:
                tracked.execution = await self.client.get_execution(tracked.execution_id)
            except NotFoundError as error:
                tracked.error = str(error)
            if tracked.done and not tracked.finished:
                tracked.finished = True
                await self._finish(tracked)
        self._render()

    async def _finish(self, tracked: TrackedExecution) -> None:
        status = tracked.status
        logger.info("execution %s (%s) ended: %s", tracked.execution_id, tracked.name, status)
        if status != "COMPLETED":
            tracked.report = await self._explain(tracked)
        if self.ledger is not None and tracked.execution is not None:
            self.ledger.record_status(
                tracked.name,
                status=status,
                finished_at=tracked.execution.date_completed,
                error_code=_error_code(tracked.execution),
                execution_id=tracked.execution_id,
            )
        for callback in list(self._observers):
            callback(tracked)

    async def _explain(self, tracked: TrackedExecution) -> Report | None:
        from flowwidgets.diagnose import Doctor

        assert self.client is not None
        try:
            return await Doctor(self.client).run(execution_id=tracked.execution_id)
        except Exception as error:  # noqa: BLE001 -- the status is shown even if the explanation fails
            logger.warning("could not explain execution %s: %s", tracked.execution_id, error)
            return None

    async def join(self) -> None:
        """Wait for the background polling task, if any, to end."""
        await self._runner.join()

    def _render(self) -> None:
        self.tracked_count = len(self.executions)
        self.running_count = sum(1 for tracked in self.executions.values() if not tracked.done)
        if not self.executions:
            self.table.value = "<i>No executions launched yet.</i>"
            return
        header = (
            "<tr><th style='text-align:left'>name</th><th>status</th><th>launched</th>"
            "<th>ended</th><th style='text-align:left'>outputs or error</th></tr>"
        )
        rows = [_row_html(tracked) for tracked in self.executions.values()]
        self.table.value = (
            f"<table style='border-collapse:collapse'>{header}{''.join(rows)}</table>"
        )


def _error_code(execution: Execution) -> str | None:
    info = execution.flow_error_info or {}
    code = info.get("code")
    return str(code) if code else None


def _row_html(tracked: TrackedExecution) -> str:
    status = tracked.status
    colour = _STATUS_COLOURS.get(status, "#c62828" if tracked.done else "#555")
    execution = tracked.execution
    launched = _time(execution.date_launched) if execution else ""
    ended = _time(execution.date_completed) if execution else ""

    if tracked.error is not None:
        detail = html.escape(tracked.error)
    elif execution is not None and execution.flow_error_info:
        info = execution.flow_error_info
        detail = html.escape(f"{info.get('code', '')}: {info.get('message', '')}")
    elif execution is not None and execution.output_data:
        detail = (
            f"<code>{html.escape(json.dumps(execution.output_data, ensure_ascii=False))}</code>"
        )
    else:
        detail = ""
    if tracked.report is not None and tracked.report.findings:
        detail += f"<details><summary>why</summary>{tracked.report.to_html()}</details>"

    return (
        f"<tr><td>{html.escape(tracked.name)}</td>"
        f"<td style='color:{colour};font-weight:600;padding:0 8px'>{status}</td>"
        f"<td style='padding:0 8px'>{launched}</td><td style='padding:0 8px'>{ended}</td>"
        f"<td>{detail}</td></tr>"
    )


def _time(value: Any) -> str:
    if value is None:
        return ""
    strftime = getattr(value, "strftime", None)
    return strftime("%H:%M:%S UTC") if strftime else html.escape(str(value))
