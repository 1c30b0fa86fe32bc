"""``Troubleshooter``: every widget in one layout, with findings that grow as checks run."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import ipywidgets as w

from flowwidgets.widgets._base import ErrorArea, PlainReprMixin, TaskRunner
from flowwidgets.widgets.analytics_panel import AnalyticsPanel
from flowwidgets.widgets.auth import AuthCell
from flowwidgets.widgets.flows import FlowPicker
from flowwidgets.widgets.launch_button import LaunchButton
from flowwidgets.widgets.launch_form import LaunchForm
from flowwidgets.widgets.monitor import StatusMonitor, TrackedExecution

if TYPE_CHECKING:
    from flowwidgets.analytics import Ledger
    from flowwidgets.api import Flow, GenesysClient
    from flowwidgets.diagnose import Finding, Report

logger = logging.getLogger("flowwidgets.widgets")

SECTION_TITLES = (
    "1 Connect",
    "2 Flow",
    "3 Launch",
    "4 Executions",
    "5 Analytics",
    "Findings",
)


class Troubleshooter(PlainReprMixin, w.VBox):
    """Connect, pick a flow, fill its inputs, launch, watch and read the findings, in one widget.

    The sections are tabs. Connecting loads the flows. Selecting a flow builds
    the launch form and runs the doctor's checks on the flow. Every launch goes
    to the monitor. Failed executions and checked requests add their findings
    to the Findings tab.

    Parameters
    ----------
    client
        An already connected client; without one, connect in the first tab.
    ledger
        Where launches are recorded (``flowwidgets.analytics.Ledger``), optional.
    """

    def __init__(
        self, client: GenesysClient | None = None, *, ledger: Ledger | None = None, **kwargs: Any
    ) -> None:
        self.findings: list[Finding] = []
        self.context: dict[str, Any] = {}

        self.auth = AuthCell()
        self.picker = FlowPicker()
        self.form = LaunchForm()
        self.monitor = StatusMonitor(ledger=ledger)
        self.launcher = LaunchButton(self.form, ledger=ledger, monitor=self.monitor)
        self.analytics = AnalyticsPanel(ledger=ledger)
        self.report_view = w.HTML("<i>No findings yet.</i>")
        self.errors = ErrorArea()
        self._runner = TaskRunner(self.errors, "Troubleshooter")

        self.tabs = w.Tab(
            children=[
                self.auth,
                self.picker,
                w.VBox([self.form, self.launcher]),
                self.monitor,
                self.analytics,
                w.VBox([self.report_view, self.errors]),
            ]
        )
        for index, title in enumerate(SECTION_TITLES):
            self.tabs.set_title(index, title)

        self.auth.on_connect(self._connected)
        self.picker.on_select(self._flow_selected)
        self.form.on_report(self.add_report)
        self.monitor.on_finished(self._execution_finished)
        super().__init__([self.tabs], **kwargs)

        self._connecting = client is not None
        if client is not None:
            self._runner.start(self._attach(client), "Connecting")

    async def _attach(self, client: GenesysClient) -> None:
        try:
            await self.auth.attach(client)
        finally:
            self._connecting = False

    def __repr__(self) -> str:
        # Inside a kernel the connection finishes after the cell output is shown, so the
        # repr shows "connecting" there rather than depending on timing.
        fallback = "connecting" if self._connecting else "not connected"
        organization = self.auth.organization_name or fallback
        return f"<Troubleshooter {organization}: {len(self.findings)} findings>"

    @property
    def client(self) -> GenesysClient | None:
        """The connected client, or ``None``."""
        return self.auth.client

    @property
    def report(self) -> Report:
        """Every finding gathered so far, as one report."""
        from flowwidgets.diagnose import Report

        return Report(context=dict(self.context), findings=list(self.findings))

    @property
    def codes(self) -> list[str]:
        """The codes of the findings gathered so far, in order."""
        return [finding.code for finding in self.findings]

    def add_findings(self, findings: list[Finding]) -> None:
        """Add ``findings`` to the report (a finding already shown is not repeated)."""
        # Titles are generic ("A flow input was not supplied"), so the detail distinguishes them.
        seen = {(finding.code, finding.detail) for finding in self.findings}
        for finding in findings:
            if (finding.code, finding.detail) not in seen:
                self.findings.append(finding)
                seen.add((finding.code, finding.detail))
        self.report_view.value = (
            self.report.to_html() if self.findings else "<i>No findings yet.</i>"
        )

    def add_report(self, report: Report) -> None:
        """Add the findings and context of ``report``."""
        self.context.update(report.context)
        self.add_findings(list(report.findings))

    async def _connected(self, client: GenesysClient) -> None:
        for widget in (self.picker, self.form, self.launcher, self.monitor, self.analytics):
            widget.set_client(client)
        self.context["host"] = client.api_base_url
        self.tabs.selected_index = 1

    def _flow_selected(self, flow: Flow) -> None:
        self.form.set_flow(flow)
        self.analytics.select_flow(flow)
        self.context["flow"] = flow.id
        self._runner.start(self.check_flow(flow.id), "Checking the flow")

    async def check_flow(self, flow_id: str) -> Report | None:
        """Run the doctor's connected checks on ``flow_id`` and add the findings."""
        from flowwidgets.diagnose import Doctor

        if self.client is None:
            return None
        report = await Doctor(self.client).run(flow_id=flow_id)
        self.add_report(report)
        return report

    def _execution_finished(self, tracked: TrackedExecution) -> None:
        if tracked.report is not None:
            self.add_report(tracked.report)

    async def wait(self) -> None:
        """Wait until every task the sections started has finished."""
        for part in (self.auth, self.picker, self.form, self.launcher, self.analytics):
            await part.wait()
        await self._runner.join()
        await self.monitor.join()
