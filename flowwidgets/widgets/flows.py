"""``FlowPicker``: find a flow among thousands and show its input schema."""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

import ipywidgets as w
import traitlets

from flowwidgets.widgets._base import (
    ErrorArea,
    PlainReprMixin,
    TaskRunner,
    guard_callback,
    org_badge_html,
)

if TYPE_CHECKING:
    from flowwidgets.api import Flow, GenesysClient, InputSchema, RetryWait

#: Flow types the launch API runs (``POST /api/v2/flows/executions``).
# NOTE: the API documentation gives workflow only as an example ("such as"), so other
# flow types may be launchable too.
LAUNCHABLE_TYPES = frozenset({"WORKFLOW"})

ALL_TYPES = "all types"
MAX_MATCHES = 200
#: Flows per page the picker requests, so an org with thousands of flows needs
#: fewer listing requests under a rate limit than with the API's default of 25.
# NOTE: the real maximum pageSize of GET /api/v2/flows is unverified; 100 is assumed
# to be accepted.
LOAD_PAGE_SIZE = 100


def flow_type(flow: Any) -> str:
    """Return the upper-case type of a flow model or a raw flow dict."""
    value = flow.get("type") if isinstance(flow, dict) else getattr(flow, "type", None)
    return str(getattr(value, "value", value) or "").upper()


def _flow_name(flow: Any) -> str:
    value = flow.get("name") if isinstance(flow, dict) else getattr(flow, "name", None)
    return str(value or "")


def filter_flows(
    flows: Iterable[Any], text: str = "", type: str | None = None, limit: int | None = None
) -> list[Any]:
    """Return the flows whose name contains ``text`` and whose type is ``type``, in input order.

    Parameters
    ----------
    flows
        Flow models or raw flow dicts.
    text
        Case-insensitive part of the name; every word must appear. Empty matches all.
    type
        Flow type such as ``"workflow"`` (any case); ``None``, ``""`` or ``"all types"`` match all.
    limit
        Return at most this many matches.
    """
    words, required_type = _search_terms(text, type)
    matches = []
    for flow in flows:
        if required_type and flow_type(flow) != required_type:
            continue
        if words:
            name = _flow_name(flow).lower()
            if not all(word in name for word in words):
                continue
        matches.append(flow)
        if limit is not None and len(matches) >= limit:
            break
    return matches


def _search_terms(text: str, type: str | None) -> tuple[list[str], str]:
    """Return the lower-case words of ``text`` and the upper-case type, empty for all types."""
    required_type = (type or "").upper()
    if required_type == ALL_TYPES.upper():
        required_type = ""
    return text.lower().split(), required_type


def _search_keys(flows: Sequence[Any]) -> list[tuple[str, str, Any]]:
    """Return (upper-case type, lower-case name, flow) for each flow, in order."""
    return [(flow_type(flow), _flow_name(flow).lower(), flow) for flow in flows]


def _filter_keyed(keys: list[tuple[str, str, Any]], text: str, type: str | None) -> list[Any]:
    """Return the flows of ``keys`` that :func:`filter_flows` would return, in the same order."""
    words, required_type = _search_terms(text, type)
    if required_type:
        keys = [key for key in keys if key[0] == required_type]
    # Each word narrows the previous matches, so later words test fewer names.
    for word in words:
        keys = [key for key in keys if word in key[1]]
    return [flow for _type, _name, flow in keys]


def launch_problem(flow: Flow) -> str | None:
    """Return why the launch API cannot run ``flow``, or ``None`` when it can."""
    kind = flow_type(flow)
    if kind not in LAUNCHABLE_TYPES:
        return f"type {kind} is not launched through POST /api/v2/flows/executions"
    if flow.published_version is None:
        return "it has no published version"
    return None


def type_options(flows: Sequence[Any]) -> list[str]:
    """Return the type filter's options: ``workflow`` first, then the other types present."""
    present = sorted({flow_type(flow).lower() for flow in flows} - {"workflow", ""})
    return ["workflow", *present, ALL_TYPES]


def flow_label(flow: Flow) -> str:
    """Describe a flow on one line: name, type, division, published version and launchability."""
    version = flow.published_version.id if flow.published_version is not None else "not published"
    launchable = "launchable" if launch_problem(flow) is None else "not launchable"
    division = flow.division_name or "no division"
    return f"{flow.name} | {flow_type(flow)} | {division} | v{version} | {launchable}"


def input_schema_html(schema: InputSchema | None) -> str:
    """Render an input schema as an HTML table of input names, types and descriptions."""
    if schema is None or not schema.properties:
        return "<i>This version has no inputs.</i>"
    rows = []
    for name, prop in schema.properties.items():
        kind = (
            f"list of {prop.arch_type}" if getattr(prop, "is_list", False) else str(prop.arch_type)
        )
        rows.append(
            f"<tr><td><code>{html.escape(name)}</code></td><td>{html.escape(kind)}</td>"
            f"<td>{html.escape(prop.description or '')}</td></tr>"
        )
    header = "<tr><th style='text-align:left'>input</th><th>type</th><th>description</th></tr>"
    return f"<table>{header}{''.join(rows)}</table>"


class FlowPicker(PlainReprMixin, w.VBox):
    """Search the org's flows by name and type and show the selected flow's input schema.

    All flows are loaded once (``GET /api/v2/flows``, 100 per page) and
    filtered in memory; at most 200 matches are listed. While the client waits
    out a 429, the status line shows the wait.
    """

    selected_flow_id = traitlets.Unicode("", help="Id of the selected flow, empty when none is.")
    flow_count = traitlets.Int(0, help="How many flows were loaded.")
    match_count = traitlets.Int(0, help="How many loaded flows match the search.")

    def __init__(self, client: GenesysClient | None = None, **kwargs: Any) -> None:
        self.client = client
        self.flows: list[Flow] = []
        self._by_id: dict[str, Flow] = {}
        # Types and lower-case names of self.flows, computed once per list of flows.
        self._keyed_flows: list[Flow] = self.flows
        self._search_keys: list[tuple[str, str, Any]] = []
        self._observers: list[Callable[[Flow], Any]] = []

        self.badge = w.HTML(org_badge_html(client))
        self.search = w.Text(
            placeholder="part of the flow name", description="Search", continuous_update=True
        )
        self.type_filter = w.Dropdown(
            options=type_options([]), value="workflow", description="Type"
        )
        self.reload_button = w.Button(description="Load flows", icon="refresh")
        self.matches = w.Select(options=[], rows=12, layout=w.Layout(width="100%"))
        self.status = w.HTML("")
        self.details = w.HTML("")
        self.errors = ErrorArea()
        self._runner = TaskRunner(self.errors, "FlowPicker")

        refilter = guard_callback(self.errors, "FlowPicker", "filter flows", self._refresh_matches)
        self.search.observe(refilter, "value")
        self.type_filter.observe(refilter, "value")
        self.matches.observe(
            guard_callback(self.errors, "FlowPicker", "select flow", self._on_select), "value"
        )
        self.reload_button.on_click(
            guard_callback(self.errors, "FlowPicker", "load flows", lambda _b: self.start_loading())
        )
        super().__init__(
            [
                w.HBox([w.HTML("<b>Flows</b>"), self.badge]),
                w.HBox([self.search, self.type_filter, self.reload_button]),
                self.status,
                self.matches,
                self.details,
                self.errors,
            ],
            **kwargs,
        )

    def __repr__(self) -> str:
        return f"<FlowPicker {self.flow_count} flows loaded, {self.match_count} shown>"

    @property
    def selected_flow(self) -> Flow | None:
        """The selected flow, or ``None``."""
        return self._by_id.get(self.selected_flow_id)

    def on_select(self, callback: Callable[[Flow], Any]) -> None:
        """Call ``callback(flow)`` whenever a flow is selected."""
        self._observers.append(callback)

    def set_client(self, client: GenesysClient) -> None:
        """Use ``client`` from now on and load its flows in the background."""
        self.client = client
        self.badge.value = org_badge_html(client)
        self.start_loading()

    def start_loading(self) -> None:
        """Load the flows as a task (what the Load flows button does)."""
        self._runner.start(self.load(), "Loading flows")

    async def load(self) -> list[Flow]:
        """Load every flow of the org with its schemas, through ``GET /api/v2/flows``."""
        if self.client is None:
            raise RuntimeError(
                "FlowPicker has no client: connect first (AuthCell) or pass client=."
            )
        self.errors.clear()
        self.status.value = "<i>Loading flows...</i>"
        flows: list[Flow] = []
        previous_on_wait = self.client.on_wait

        def show_wait(wait: RetryWait) -> None:
            if previous_on_wait is not None:
                previous_on_wait(wait)
            if wait.status == 429:
                self.status.value = (
                    f"<i>Loading flows: {len(flows)} loaded so far. Rate limited (HTTP 429): "
                    f"waiting {wait.delay:.1f} s as Retry-After says.</i>"
                )

        self.client.on_wait = show_wait
        try:
            pages = self.client.iter_flows(include_schemas=True, page_size=LOAD_PAGE_SIZE)
            async for flow in pages:
                flows.append(flow)
                if len(flows) % LOAD_PAGE_SIZE == 0:
                    self.status.value = f"<i>Loading flows: {len(flows)} loaded so far...</i>"
        finally:
            if self.client.on_wait is show_wait:
                self.client.on_wait = previous_on_wait
        self.set_flows(flows)
        return flows

    def set_flows(self, flows: Sequence[Flow]) -> None:
        """Show ``flows`` (sorted by name) in place of those loaded before."""
        self.flows = sorted(flows, key=lambda flow: _flow_name(flow).lower())
        self._by_id = {flow.id: flow for flow in self.flows}
        self._keyed_flows = self.flows
        self._search_keys = _search_keys(self.flows)
        self.flow_count = len(self.flows)
        current = self.type_filter.value
        options = type_options(self.flows)
        self.type_filter.options = options
        self.type_filter.value = current if current in options else "workflow"
        self._refresh_matches()

    def _refresh_matches(self, *_: Any) -> None:
        if self._keyed_flows is not self.flows or len(self._search_keys) != len(self.flows):
            # The list was replaced or changed without set_flows.
            self._keyed_flows = self.flows
            self._search_keys = _search_keys(self.flows)
        total = _filter_keyed(self._search_keys, self.search.value, self.type_filter.value)
        shown = total[:MAX_MATCHES]
        self.match_count = len(shown)
        keep = self.matches.value
        self.matches.options = [(flow_label(flow), flow.id) for flow in shown]
        if keep in {flow.id for flow in shown}:
            self.matches.value = keep
        more = (
            f" (showing the first {MAX_MATCHES}; narrow the search)"
            if len(total) > MAX_MATCHES
            else ""
        )
        self.status.value = f"{len(total)} of {len(self.flows)} flows match{more}."

    def select(self, flow_id: str) -> Flow:
        """Select the flow with id ``flow_id`` as if the user had clicked it.

        Raises
        ------
        KeyError
            When no loaded flow has that id.
        """
        flow = self._by_id.get(flow_id)
        if flow is None:
            raise KeyError(f"No loaded flow has id {flow_id!r}: load the flows or check the id.")
        if flow_id not in {value for _label, value in self.matches.options}:
            self.search.value = ""
            self.type_filter.value = ALL_TYPES
        self.matches.value = flow_id
        return flow

    async def wait(self) -> None:
        """Wait until loading started by the button or by ``set_client`` has finished."""
        await self._runner.join()

    def _on_select(self, change: dict[str, Any]) -> None:
        flow_id = change["new"] or ""
        self.selected_flow_id = flow_id
        flow = self._by_id.get(flow_id)
        if flow is None:
            self.details.value = ""
            return

        problem = launch_problem(flow)
        verdict = "can be launched" if problem is None else f"cannot be launched: {problem}"
        version = str(flow.published_version.id) if flow.published_version is not None else "none"
        division = html.escape(flow.division_name or "-")
        self.details.value = (
            f"<b>{html.escape(flow.name or flow.id)}</b> ({html.escape(flow_type(flow))}), "
            f"division {division}, published version {html.escape(version)}: "
            f"{html.escape(verdict)}.<br>{input_schema_html(_published_schema(flow))}"
        )
        for callback in list(self._observers):
            callback(flow)


def _published_schema(flow: Flow) -> InputSchema | None:
    version = flow.published_version
    if version is not None and version.input_schema is not None:
        return version.input_schema
    return flow.input_schema
