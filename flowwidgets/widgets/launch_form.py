"""``LaunchForm``: one field per flow input, the exact launch body and the same request as code."""

from __future__ import annotations

import html
import json
from collections.abc import Callable
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
from flowwidgets.widgets.inputs import parse_input_value
from flowwidgets.widgets.snippets import (
    build_launch_body,
    request_as_curl,
    request_as_fetch,
    request_as_httpx,
)

if TYPE_CHECKING:
    from flowwidgets.api import Flow, GenesysClient, InputProperty, InputSchema
    from flowwidgets.diagnose import Report

DEFAULT_API_BASE_URL = "https://api.mypurecloud.com"


class InputField:
    """The widgets for one flow input: a send checkbox, a typed value widget and its message.

    A field is sent only while its send checkbox is ticked. Editing the value
    ticks it, so an input left alone is visibly left out of ``inputData``.
    """

    def __init__(self, prop: InputProperty, on_change: Callable[[], None]) -> None:
        self.name = prop.name
        self.arch_type = str(prop.arch_type or "str")
        self.is_list = bool(getattr(prop, "is_list", False))
        self.send = w.Checkbox(
            value=False, indent=False, description="send", layout=w.Layout(width="70px")
        )
        self.value_widget = self._make_value_widget(prop)
        self.message = w.HTML("")
        kind = f"list of {self.arch_type}" if self.is_list else self.arch_type
        label = w.HTML(
            f"<code>{html.escape(self.name)}</code> <small>{html.escape(kind)}</small>",
            layout=w.Layout(width="260px"),
            tooltip=prop.description or "",
        )
        self.row = w.HBox([self.send, label, self.value_widget, self.message])
        self._on_change = on_change

        self.value_widget.observe(self._value_edited, "value")
        self.send.observe(lambda _change: self._on_change(), "value")

    def _make_value_widget(self, prop: InputProperty) -> w.ValueWidget:
        placeholder = _placeholder(self.arch_type, self.is_list)
        if self.is_list or self.arch_type == "json":
            return w.Textarea(placeholder=placeholder, rows=3, layout=w.Layout(width="320px"))
        if self.arch_type == "bool":
            return w.Checkbox(value=False, indent=False, description="true")
        return w.Text(placeholder=placeholder, layout=w.Layout(width="320px"))

    def _value_edited(self, _change: dict[str, Any]) -> None:
        self.send.value = True
        self._on_change()

    def set(self, value: Any) -> None:
        """Fill the field with ``value`` (text, bool, or a list for list inputs) and tick send."""
        if isinstance(self.value_widget, w.Checkbox):
            self.value_widget.value = bool(value)
        elif isinstance(value, list | dict):
            self.value_widget.value = json.dumps(value)
        else:
            self.value_widget.value = str(value)
        self.send.value = True

    def parsed_value(self) -> Any:
        """Return the value to send.

        Raises
        ------
        ValueError
            When the typed text is not a valid value of the input's type.
        """
        raw = self.value_widget.value
        if isinstance(raw, bool):
            return raw
        return parse_input_value(self.arch_type, raw, is_list=self.is_list)


def _placeholder(arch_type: str, is_list: bool) -> str:
    if is_list:
        return 'one item per line, or a JSON array such as ["a", "b"]'
    return {
        "int": "a whole number, e.g. 42",
        "decimal": "a number, e.g. 3.5",
        "date": "YYYY-MM-DD",
        "datetime": "YYYY-MM-DDThh:mm:ssZ",
        "json": '{"key": "value"}',
    }.get(arch_type, "text")


class LaunchForm(PlainReprMixin, w.VBox):
    """Fill the inputs of the flow version that will run and see the launch request it makes.

    Shows the exact JSON body of ``POST /api/v2/flows/executions`` and the same
    request as curl, Python (httpx) and Node.js ``fetch`` with a ``<token>``
    placeholder. A paste box diagnoses a body or request the user already has.
    """

    body_json = traitlets.Unicode(
        "", help="The launch body as JSON, empty while a field is invalid."
    )
    valid = traitlets.Bool(False, help="Whether a flow is set and every sent field is valid.")

    def __init__(
        self, client: GenesysClient | None = None, flow: Flow | None = None, **kwargs: Any
    ) -> None:
        self.client = client
        self.flow: Flow | None = None
        self.schema: InputSchema | None = None
        self.fields: dict[str, InputField] = {}
        self.report: Report | None = None
        self._report_observers: list[Callable[[Report], Any]] = []

        self.badge = w.HTML(org_badge_html(client))
        self.title = w.HTML("<i>Select a flow to fill its inputs.</i>")
        self.execution_name = w.Text(
            description="Name", placeholder="optional; generated when empty"
        )
        self.flow_version = w.Text(
            description="Version",
            placeholder="empty: latest published version",
            continuous_update=False,
        )
        self.fields_box = w.VBox()
        self.body_view = w.HTML("")
        self.curl_view = w.HTML("")
        self.httpx_view = w.HTML("")
        self.fetch_view = w.HTML("")
        self.code_tabs = w.Tab(
            children=[self.body_view, self.curl_view, self.httpx_view, self.fetch_view]
        )
        for index, title in enumerate(["JSON body", "curl", "Python (httpx)", "Node.js fetch"]):
            self.code_tabs.set_title(index, title)
        self.paste = w.Textarea(
            placeholder="Paste a launch body, an HTTP request or a curl command to check it",
            rows=6,
            layout=w.Layout(width="100%"),
        )
        self.diagnose_button = w.Button(description="Check request", icon="stethoscope")
        self.findings = w.HTML("")
        self.errors = ErrorArea()
        self._runner = TaskRunner(self.errors, "LaunchForm")

        rebuild = guard_callback(self.errors, "LaunchForm", "update body", self.refresh)
        self.execution_name.observe(rebuild, "value")
        self.flow_version.observe(
            guard_callback(self.errors, "LaunchForm", "choose version", self._on_version_change),
            "value",
        )
        self.diagnose_button.on_click(
            guard_callback(self.errors, "LaunchForm", "check request", self._on_diagnose_click)
        )
        super().__init__(
            [
                w.HBox([w.HTML("<b>Launch inputs</b>"), self.badge]),
                self.title,
                self.fields_box,
                w.HBox([self.execution_name, self.flow_version]),
                self.code_tabs,
                w.HTML("<b>Check a request you already have</b>"),
                self.paste,
                self.diagnose_button,
                self.findings,
                self.errors,
            ],
            **kwargs,
        )
        if flow is not None:
            self.set_flow(flow)
        else:
            self.refresh()

    def __repr__(self) -> str:
        if self.flow is None:
            return "<LaunchForm no flow selected>"
        return f"<LaunchForm {self.flow.name!r}: {len(self.fields)} inputs>"

    def set_client(self, client: GenesysClient) -> None:
        """Use ``client`` for the request URL and the checks."""
        self.client = client
        self.badge.value = org_badge_html(client)
        self.refresh()

    def set_flow(self, flow: Flow, schema: InputSchema | None = None) -> None:
        """Build one field per input of the version of ``flow`` that will run (published)."""
        if schema is None:
            version = flow.published_version
            schema = version.input_schema if version is not None and version.input_schema else None
            schema = schema or flow.input_schema
        published = flow.published_version
        label = f"published version {published.id if published is not None else 'none'}"
        self._build_fields(flow, schema, label)

    def _build_fields(self, flow: Flow, schema: InputSchema | None, version_label: str) -> None:
        self.flow = flow
        self.schema = schema
        self.fields = {}
        if schema is not None:
            for name, prop in schema.properties.items():
                self.fields[name] = InputField(prop, self.refresh)
        self.fields_box.children = [field.row for field in self.fields.values()]

        count = len(self.fields)
        self.title.value = (
            f"<b>{html.escape(flow.name or flow.id)}</b>: "
            f"{html.escape(version_label)} will run; "
            f"{count} input{'s' if count != 1 else ''}. "
            "Untick send to leave an input out (it then takes its initial value)."
        )
        self.refresh()

    async def use_version(self, version_id: str) -> None:
        """Rebuild the fields from the input schema of ``version_id``, or of the published one.

        Reads the version through ``GET /api/v2/flows/{flowId}/versions/{versionId}``.
        Values already typed are kept for inputs the other version also has.
        """
        if self.flow is None:
            raise ValueError("No flow selected: pick a flow before choosing a version.")
        typed = {
            name: field.value_widget.value
            for name, field in self.fields.items()
            if field.send.value
        }
        if not version_id:
            self.set_flow(self.flow)
        else:
            if self.client is None:
                raise RuntimeError("LaunchForm has no client to read the version: connect first.")
            version = await self.client.get_flow_version(self.flow.id, version_id)
            self._build_fields(self.flow, version.input_schema, f"version {version.id}")
        for name, value in typed.items():
            if name in self.fields:
                self.fields[name].set(value)

    def set_value(self, name: str, value: Any) -> None:
        """Fill the input ``name`` (e.g. ``"Flow.email"``) as if the user had typed it.

        Raises
        ------
        KeyError
            When the flow has no input of that name.
        """
        field = self.fields.get(name)
        if field is None:
            known = ", ".join(self.fields) or "none"
            raise KeyError(f"The flow has no input {name!r}; its inputs are: {known}.")
        field.set(value)

    def input_data(self) -> dict[str, Any]:
        """Return ``inputData`` from the ticked fields.

        Raises
        ------
        ValueError
            When a ticked field contains an invalid value. The message names the input.
        """
        data: dict[str, Any] = {}
        for name, field in self.fields.items():
            if not field.send.value:
                continue
            try:
                data[name] = field.parsed_value()
            except ValueError as error:
                raise ValueError(f"{name}: {error}") from None
        return data

    def body(self) -> dict[str, Any]:
        """Return the launch body the form describes.

        Raises
        ------
        ValueError
            When no flow is set or a field is invalid.
        """
        if self.flow is None:
            raise ValueError("No flow selected: pick a flow first.")
        return build_launch_body(
            self.flow.id,
            self.input_data(),
            flow_version=self.flow_version.value.strip() or None,
            name=self.execution_name.value.strip() or None,
        )

    def refresh(self, *_: Any) -> None:
        """Validate every field inline and rebuild the body and the code views."""
        if self.flow is None:
            self.valid = False
            self.body_json = ""
            return

        all_valid = True
        for field in self.fields.values():
            field.message.value = ""
            if not field.send.value:
                continue
            try:
                field.parsed_value()
            except ValueError as error:
                all_valid = False
                field.message.value = (
                    f"<span style='color:#c62828'>{html.escape(str(error))}</span>"
                )

        if not all_valid:
            self.valid = False
            self.body_json = ""
            note = "<i>Fix the fields marked in red to see the request.</i>"
            for view in (self.body_view, self.curl_view, self.httpx_view, self.fetch_view):
                view.value = note
            return

        body = self.body()
        base_url = self.client.api_base_url if self.client is not None else DEFAULT_API_BASE_URL
        self.body_json = json.dumps(body, indent=2, ensure_ascii=False)
        self.valid = True
        self.body_view.value = _pre(self.body_json)
        self.curl_view.value = _pre(request_as_curl(body, base_url))
        self.httpx_view.value = _pre(request_as_httpx(body, base_url))
        self.fetch_view.value = _pre(request_as_fetch(body, base_url))

    def _on_version_change(self, change: dict[str, Any]) -> None:
        self.errors.clear()
        self._runner.start(self.use_version(change["new"].strip()), "Reading the version")

    def on_report(self, callback: Callable[[Report], Any]) -> None:
        """Call ``callback(report)`` after every check of a pasted request."""
        self._report_observers.append(callback)

    def _on_diagnose_click(self, _button: w.Button) -> None:
        self.errors.clear()
        self._runner.start(self.diagnose(self.paste.value), "Checking the request")

    async def diagnose(self, text: str) -> Report:
        """Check a pasted request (JSON body, HTTP message or curl command) and show the findings.

        With a client, the connected checks of the doctor run too (they read the
        flow through ``GET /api/v2/flows/{flowId}`` and its versions).
        """
        from flowwidgets.diagnose import Doctor, Report, check_request, parse_request

        if not text.strip():
            raise ValueError("The paste box is empty: paste the body or request you sent.")
        observed = parse_request(text)
        if self.client is not None:
            report = await Doctor(self.client).run(request=observed)
        else:
            report = Report(context={}, findings=check_request(observed))

        self.report = report
        self.findings.value = report.to_html()
        for callback in list(self._report_observers):
            callback(report)
        return report

    async def wait(self) -> None:
        """Wait until a check started by the button has finished."""
        await self._runner.join()


def _pre(text: str) -> str:
    return f"<pre style='white-space:pre-wrap;margin:0'>{html.escape(text)}</pre>"
