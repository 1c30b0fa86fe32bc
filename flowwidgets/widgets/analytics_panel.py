"""``AnalyticsPanel``: execution history and flow-execution analytics for one flow and interval."""

from __future__ import annotations

import datetime as dt
import html
import json
from collections.abc import Sequence
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
    from flowwidgets.api import Flow, GenesysClient

#: Interval choices: label -> (length, aggregate granularity as an ISO 8601 period).
INTERVALS: dict[str, tuple[dt.timedelta, str]] = {
    "last hour": (dt.timedelta(hours=1), "PT5M"),
    "last 24 hours": (dt.timedelta(hours=24), "PT1H"),
    "last 7 days": (dt.timedelta(days=7), "P1D"),
}


def iso_interval(end: dt.datetime, length: dt.timedelta) -> str:
    """Return the ISO 8601 interval ``start/end`` in UTC with milliseconds."""
    end_utc = end.astimezone(dt.timezone.utc)
    start_utc = end_utc - length

    def stamp(moment: dt.datetime) -> str:
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"

    return f"{stamp(start_utc)}/{stamp(end_utc)}"


def history_query(flow_id: str, since: dt.datetime) -> dict[str, Any]:
    """Build the execution history query for one flow's executions started since ``since``."""
    start = since.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    return {
        "query": [
            {
                "and": [
                    {"key": "FlowId", "operator": "eq", "value": flow_id},
                    {"key": "FlowStartDateTime", "operator": "gte", "value": start},
                ]
            }
        ]
    }


def flow_filter(flow_id: str) -> dict[str, Any]:
    """Build the aggregates filter that keeps one flow."""
    return {
        "type": "and",
        "predicates": [
            {"type": "dimension", "dimension": "flowId", "operator": "matches", "value": flow_id}
        ],
    }


def figure_output(figure: Any) -> dict[str, Any]:
    """Return a plotly figure as a display output that JupyterLab's plotly renderer shows.

    The figure is stored as JSON in the widget state, so it survives saving the notebook.
    """
    title = getattr(getattr(figure.layout, "title", None), "text", None) or "figure"
    return {
        "output_type": "display_data",
        "data": {
            "application/vnd.plotly.v1+json": json.loads(figure.to_json()),
            "text/plain": f"<plotly figure: {title}>",
        },
        "metadata": {},
    }


class AnalyticsPanel(PlainReprMixin, w.VBox):
    """Show what execution history and flow-execution analytics see of one flow.

    For the chosen flow and interval it shows the execution-data setting
    (history is off by default), the history records and the ``nFlowExecutions``
    counts. With a ledger it also plots launched against counted executions.
    """

    history_count = traitlets.Int(
        0, help="How many execution history records the last refresh found."
    )
    counted = traitlets.Int(0, help="Sum of nFlowExecutions over the interval in the last refresh.")

    def __init__(
        self, client: GenesysClient | None = None, *, ledger: Ledger | None = None, **kwargs: Any
    ) -> None:
        self.client = client
        self.ledger = ledger
        self.history: list[Any] = []
        self.aggregates: Any = None
        self.history_enabled: bool | None = None

        self.badge = w.HTML(org_badge_html(client))
        self.interval = w.Dropdown(
            options=list(INTERVALS), value="last hour", description="Interval"
        )
        self.flow = w.Dropdown(options=[], description="Flow", layout=w.Layout(width="420px"))
        self.refresh_button = w.Button(description="Refresh", icon="refresh")
        self.visibility = w.HTML("")
        self.history_view = w.HTML("")
        self.figures = w.Output()
        self.errors = ErrorArea()
        self._runner = TaskRunner(self.errors, "AnalyticsPanel")
        self.refresh_button.on_click(
            guard_callback(
                self.errors, "AnalyticsPanel", "refresh", lambda _b: self.start_refresh()
            )
        )
        super().__init__(
            [
                w.HBox([w.HTML("<b>History and analytics</b>"), self.badge]),
                w.HBox([self.flow, self.interval, self.refresh_button]),
                self.visibility,
                self.history_view,
                self.figures,
                self.errors,
            ],
            **kwargs,
        )

    def __repr__(self) -> str:
        return f"<AnalyticsPanel {self.history_count} history records, {self.counted} counted>"

    def set_client(self, client: GenesysClient) -> None:
        """Query through ``client`` from now on."""
        self.client = client
        self.badge.value = org_badge_html(client)

    def set_flows(self, flows: Sequence[Flow], selected: str | None = None) -> None:
        """Offer ``flows`` in the flow selector and select ``selected`` (a flow id) or the first."""
        self.flow.options = [(flow.name or flow.id, flow.id) for flow in flows]
        if selected is not None:
            self.flow.value = selected
        elif flows:
            self.flow.value = flows[0].id

    def select_flow(self, flow: Flow | str) -> None:
        """Select a flow, given as a ``Flow`` or a flow id, adding it to the selector if needed.

        A flow id that is not offered yet is listed under the id itself, because
        the panel has no flow name for it.
        """
        if isinstance(flow, str):
            flow_id, label = flow, flow
        else:
            flow_id, label = flow.id, flow.name or flow.id
        ids = [value for _label, value in self.flow.options]
        if flow_id not in ids:
            self.flow.options = [*self.flow.options, (label, flow_id)]
        self.flow.value = flow_id

    def start_refresh(self) -> None:
        """Refresh as a task (what the Refresh button does)."""
        self._runner.start(self.refresh(), "Refreshing analytics")

    def _now(self) -> dt.datetime:
        if is_sandbox(self.client):
            assert self.client is not None
            return self.client.sandbox.clock.now()
        return dt.datetime.now(dt.timezone.utc)

    async def refresh(self) -> None:
        """Query history and analytics for the selected flow and interval.

        Calls ``GET /api/v2/flows/instances/settings/executiondata``,
        ``POST /api/v2/flows/instances/query`` and
        ``POST /api/v2/analytics/flowexecutions/aggregates/query``.
        """
        from flowwidgets.api import ApiError

        if self.client is None:
            raise RuntimeError(
                "AnalyticsPanel has no client: connect first (AuthCell) or pass client=."
            )
        flow_id = self.flow.value
        if not flow_id:
            raise ValueError("No flow selected: pick a flow in the Flow list first.")
        self.errors.clear()
        length, granularity = INTERVALS[self.interval.value]
        now = self._now()

        setting = await self.client.get_execution_data_setting()
        self.history_enabled = bool(setting.enabled)
        self.aggregates = await self.client.query_flow_execution_aggregates(
            iso_interval(now, length),
            group_by=["flowId"],
            filter=flow_filter(flow_id),
            granularity=granularity,
        )
        history_note = ""
        try:
            self.history = await self.client.query_flow_instances(
                history_query(flow_id, now - length)
            )
        except ApiError as error:
            self.history = []
            history_note = f" The history query failed: {html.escape(str(error))}"

        self.counted = sum(int(row.count or 0) for row in self.aggregates.rows)
        self.history_count = len(self.history)
        self._render(history_note)

    def _render(self, history_note: str) -> None:
        from flowwidgets.analytics import history_frame

        if self.history_enabled:
            state = "on: executions are stored in execution history (for flows republished since)."
        else:
            state = (
                "off: execution history stays empty until it is turned on and the flow republished."
            )
        self.visibility.value = (
            f"Execution data is <b>{state}</b><br>"
            f"Execution history records: <b>{self.history_count}</b>.{history_note} "
            f"Counted by flow-execution analytics (nFlowExecutions): <b>{self.counted}</b>."
        )
        frame = history_frame(self.history)
        self.history_view.value = (
            frame.to_html(index=False, max_rows=50, na_rep="")
            if len(frame)
            else "<i>No history records.</i>"
        )
        self.figures.outputs = tuple(figure_output(figure) for figure in self._figures())

    def _figures(self) -> list[Any]:
        from flowwidgets.analytics import (
            funnel_figure,
            reconcile_executions,
            reconcile_intervals,
            timeline_figure,
        )

        if self.ledger is None or len(self.ledger) == 0:
            return []
        intervals = reconcile_intervals(
            self.ledger, history=self.history, aggregates=self.aggregates, now=self._now()
        )
        reconciled = reconcile_executions(
            self.ledger, history=self.history, aggregates=self.aggregates, now=self._now()
        )
        return [timeline_figure(intervals), funnel_figure(reconciled)]

    async def wait(self) -> None:
        """Wait until a refresh started by the button has finished."""
        await self._runner.join()
