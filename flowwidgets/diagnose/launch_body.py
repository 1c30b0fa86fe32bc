"""Read a launch body: flow, version, inputs, and inputs sent in the wrong place."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from flowwidgets.diagnose._match import closest, normalize

_UUID = re.compile(r"^[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")

#: The only top-level fields of a launch body (FlowExecutionLaunchRequest).
LAUNCH_FIELDS = ("flowId", "flowVersion", "inputData", "name")

# Names people use for a launch field, seen in tutorials and client code, keyed by normalized name.
_FIELD_ALIASES = {
    **dict.fromkeys(
        (
            "inputs",
            "input",
            "initialdata",
            "data",
            "parameters",
            "params",
            "variables",
            "vars",
            "payload",
            "body",
            "arguments",
            "args",
            "inputvariables",
            "flowinputs",
            "inputparameters",
            "flowdata",
        ),
        "inputData",
    ),
    **dict.fromkeys(("id", "flow", "flowid", "flowuuid", "workflowid", "flowidentifier"), "flowId"),
    **dict.fromkeys(
        ("version", "versionid", "flowversionid", "flowversionnumber", "versionnumber"),
        "flowVersion",
    ),
    **dict.fromkeys(
        ("executionname", "displayname", "title", "label", "flowname", "runname"), "name"
    ),
}


def suggest_field(name: str) -> str | None:
    """Return the launch field an unknown top-level field most likely meant, or ``None``."""
    key = normalize(name)
    alias = _FIELD_ALIASES.get(key)
    if alias is not None:
        return alias
    match = closest(name, LAUNCH_FIELDS, cutoff=0.8)
    if match is not None:
        return match
    # Word parts that give away the intent, e.g. initialVariables, flowParams, workflowVersion.
    if any(part in key for part in ("input", "param", "variable", "arg")):
        return "inputData"
    if "version" in key:
        return "flowVersion"
    return None


@dataclass
class LaunchIntent:
    """A launch body as sent, and the inputs it tried to send outside ``inputData``.

    ``misplaced`` maps a dotted path such as ``"inputs.email"`` to the value sent there: entries of
    an unknown top-level field whose value is an object, which the API never reads as inputs. A
    ``Flow`` object inside such a field gives paths such as ``"inputs.Flow.email"``.
    """

    body: dict[str, Any]
    flow_id: Any = None
    flow_version: Any = None
    name: Any = None
    input_data: Any = None
    unknown_fields: dict[str, str | None] = field(default_factory=dict)
    misplaced: dict[str, Any] = field(default_factory=dict)

    @property
    def input_dict(self) -> dict[str, Any]:
        """``inputData`` when it is an object, else an empty dict."""
        return self.input_data if isinstance(self.input_data, dict) else {}

    def misspelt_flow_id(self) -> tuple[str, str] | None:
        """Return the field and value of a flow id sent under a misspelt name, such as ``flow_id``.

        Only a UUID value counts, and only when ``flowId`` itself is missing.
        """
        if self.flow_id is not None:
            return None
        for key, suggestion in self.unknown_fields.items():
            value = self.body.get(key)
            if suggestion == "flowId" and isinstance(value, str) and _UUID.match(value.strip()):
                return key, value.strip()
        return None

    @property
    def has_inputs(self) -> bool:
        """Whether ``inputData`` was sent at all."""
        return "inputData" in self.body


def read_launch_body(body: dict[str, Any]) -> LaunchIntent:
    """Split a launch body into its accepted fields, its unknown fields and any misplaced inputs."""
    intent = LaunchIntent(
        body=body,
        flow_id=body.get("flowId"),
        flow_version=body.get("flowVersion"),
        name=body.get("name"),
        input_data=body.get("inputData"),
    )
    for key, value in body.items():
        if key in LAUNCH_FIELDS:
            continue
        intent.unknown_fields[key] = suggest_field(key)
        if isinstance(value, dict):
            for inner_key, inner_value in value.items():
                if inner_key.lower() == "flow" and isinstance(inner_value, dict):
                    # Inputs nested in a Flow object sit one level further down.
                    for name, nested_value in inner_value.items():
                        intent.misplaced[f"{key}.{inner_key}.{name}"] = nested_value
                else:
                    intent.misplaced[f"{key}.{inner_key}"] = inner_value
    return intent
