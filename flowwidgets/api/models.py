"""Typed results of the Platform API calls the client makes.

Every model is a frozen dataclass with a ``raw`` field holding the JSON object as received and a
``from_json`` classmethod. Datetimes are timezone-aware UTC: FlowVersion dates arrive as epoch
milliseconds, the others as ISO-8601 strings, and both forms are accepted everywhere.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from datetime import datetime, timezone
from enum import Enum
from typing import Any

from flowwidgets._warnings import UnknownEnumValueWarning

__all__ = [
    "AggregateResult",
    "AggregateRow",
    "Execution",
    "ExecutionDataSetting",
    "ExecutionHistoryRecord",
    "ExecutionStatus",
    "Flow",
    "FlowVersion",
    "InputProperty",
    "InputSchema",
    "LaunchResult",
    "ModelError",
    "Organization",
    "TokenInfo",
    "parse_datetime",
]


class ModelError(ValueError):
    """A JSON value does not have the shape a model needs.

    The client reports it as an InvalidResponseError naming the endpoint.
    """


class ExecutionStatus(str, Enum):
    """Status of a flow execution as ``GET /api/v2/flows/executions/{id}`` reports it."""

    UNKNOWN = "UNKNOWN"
    RUNNING = "RUNNING"
    ERROR = "ERROR"
    TERMINATED = "TERMINATED"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"

    def __str__(self) -> str:
        return self.value


TERMINAL_STATUSES = frozenset(
    {
        ExecutionStatus.COMPLETED,
        ExecutionStatus.ERROR,
        ExecutionStatus.FAILED,
        ExecutionStatus.TERMINATED,
    }
)


def parse_datetime(value: Any) -> datetime | None:
    """Parse epoch milliseconds or an ISO-8601 string to an aware UTC datetime.

    A string without an offset is taken as UTC. None and empty strings give None.

    Raises
    ------
    ModelError
        If the value is neither a number nor a date-time string.
    """
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ModelError(f"invalid date-time {value!r}")
    if isinstance(value, (int, float)):
        return datetime.fromtimestamp(value / 1000, tz=timezone.utc)
    if isinstance(value, str):
        text = value.strip()
        if text.isdigit():
            return datetime.fromtimestamp(int(text) / 1000, tz=timezone.utc)
        try:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError as exc:
            raise ModelError(f"invalid date-time {value!r}") from exc
        if parsed.tzinfo is None:
            return parsed.replace(tzinfo=timezone.utc)
        return parsed.astimezone(timezone.utc)
    raise ModelError(f"invalid date-time {value!r}")


def parse_status(value: Any) -> ExecutionStatus | str:
    """Return the :class:`ExecutionStatus` for a value, or the value itself with a warning."""
    if value is None:
        return ExecutionStatus.UNKNOWN
    text = str(value)
    try:
        return ExecutionStatus(text.upper())
    except ValueError:
        warnings.warn(
            f"Unknown execution status {text!r} from the server; it is kept as sent. "
            "A newer flowwidgets may know it.",
            UnknownEnumValueWarning,
            stacklevel=3,
        )
        return text


def _object(data: Any, context: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise ModelError(f"expected a JSON object for {context}, got {type(data).__name__}")
    return data


def _dict_field(data: dict[str, Any], key: str) -> dict[str, Any]:
    """Return ``data[key]`` when it is an object, else an empty dict."""
    value = data.get(key)
    return value if isinstance(value, dict) else {}


def _optional_str(value: Any) -> str | None:
    if value is None:
        return None
    return str(value)


def _ref_id(value: Any) -> str | None:
    """Return the ``id`` of a ``{"id", "name", "selfUri"}`` reference, or a bare string id."""
    if isinstance(value, dict):
        return _optional_str(value.get("id"))
    return _optional_str(value)


_JSON_TYPE_TO_ARCH = {
    "string": "str",
    "integer": "int",
    "boolean": "bool",
    "number": "decimal",
    "object": "json",
}


@dataclass(frozen=True)
class InputProperty:
    """One input variable of a flow, from its input schema.

    Attributes
    ----------
    name
        Full variable name as the launch's ``inputData`` needs it, e.g. ``"Flow.email"``.
    arch_type
        Architect data type from ``archDataTypeId`` (``"str"``, ``"int"``, ``"bool"``,
        ``"decimal"``, ``"date"``, ``"datetime"``, ``"json"``, ...); for a list, the type of its
        items. Derived from the JSON schema ``type`` when the schema has no ``archDataTypeId``,
        and None when neither is present.
    description
        Description from the schema, if any.
    raw
        The property's schema as received.
    is_list
        True when the variable is a list (JSON schema ``"type": "array"``).
    """

    name: str
    arch_type: str | None
    description: str | None
    raw: dict[str, Any]
    is_list: bool = False

    @classmethod
    def from_json(
        cls, name: str, data: Any, definitions: dict[str, Any] | None = None
    ) -> InputProperty:
        """Build a property from its schema, resolving ``#/definitions/...`` references."""
        data = _object(data, f"input property {name}")
        definitions = definitions or {}
        is_list = data.get("type") == "array"
        item = data.get("items", {}) if is_list else data
        resolved = _resolve_ref(item, definitions) if isinstance(item, dict) else {}
        arch_type = resolved.get("archDataTypeId")
        if arch_type is None:
            arch_type = _JSON_TYPE_TO_ARCH.get(_json_type_of(resolved) or "")
        return cls(
            name=name,
            arch_type=_optional_str(arch_type),
            description=_optional_str(data.get("description") or resolved.get("description")),
            raw=data,
            is_list=is_list,
        )


def _resolve_ref(schema: dict[str, Any], definitions: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/definitions/"):
        target = definitions.get(ref.rsplit("/", 1)[-1])
        if isinstance(target, dict):
            return {**target, **{k: v for k, v in schema.items() if k != "$ref"}}
    return schema


def _json_type_of(schema: dict[str, Any]) -> str | None:
    kind = schema.get("type")
    if isinstance(kind, str) and kind != "null":
        return kind
    if isinstance(kind, list):
        return next((k for k in kind if k != "null"), None)
    for option in schema.get("oneOf", []) + schema.get("anyOf", []):
        if isinstance(option, dict) and option.get("type") not in (None, "null"):
            return str(option["type"])
    return None


@dataclass(frozen=True)
class InputSchema:
    """Input (or output) schema of a flow version: the variables a launch may set.

    Attributes
    ----------
    properties
        Variables by full name (``"Flow.email"``), in schema order.
    additional_properties
        The schema's ``additionalProperties``; Architect sends False.
    raw
        The schema as received.
    required
        Names in the schema's ``required`` list; Architect schemas usually have none, and an
        omitted input takes the initial value configured in the flow.
    """

    properties: dict[str, InputProperty]
    additional_properties: bool | None
    raw: dict[str, Any]
    required: tuple[str, ...] = ()

    @classmethod
    def from_json(cls, data: Any) -> InputSchema:
        """Build a schema from a JSON schema document as Architect writes it."""
        data = _object(data, "input schema")
        definitions = _dict_field(data, "definitions")
        properties_json = data.get("properties") or {}
        if not isinstance(properties_json, dict):
            raise ModelError("input schema 'properties' is not an object")
        properties = {
            name: InputProperty.from_json(name, value, definitions)
            for name, value in properties_json.items()
        }
        additional = data.get("additionalProperties")
        required = data.get("required") if isinstance(data.get("required"), list) else []
        return cls(
            properties=properties,
            additional_properties=additional if isinstance(additional, bool) else None,
            raw=data,
            required=tuple(str(name) for name in required),
        )


def _optional_schema(value: Any) -> InputSchema | None:
    if value is None:
        return None
    return InputSchema.from_json(value)


@dataclass(frozen=True)
class FlowVersion:
    """One version of a flow (``FlowVersion``); its dates arrive as epoch milliseconds.

    Attributes
    ----------
    id, name
        Version id such as ``"1.0"`` and its display name.
    type
        ``"PUBLISH"``, ``"CHECKIN"`` or ``"SAVE"``, or None in a bare reference.
    date_created, date_checked_in, date_saved, date_published
        Aware UTC datetimes, or None.
    input_schema, output_schema
        Variable schemas, when the server included them.
    """

    id: str
    name: str | None
    type: str | None
    date_created: datetime | None
    date_checked_in: datetime | None
    date_saved: datetime | None
    date_published: datetime | None
    input_schema: InputSchema | None
    output_schema: InputSchema | None
    raw: dict[str, Any]

    @classmethod
    def from_json(cls, data: Any) -> FlowVersion:
        """Build a version from a FlowVersion object or a ``{id, name, selfUri}`` reference."""
        data = _object(data, "flow version")
        if data.get("id") is None:
            raise ModelError("flow version has no 'id'")
        return cls(
            id=str(data["id"]),
            name=_optional_str(data.get("name")),
            type=_optional_str(data.get("type")),
            date_created=parse_datetime(data.get("dateCreated")),
            date_checked_in=parse_datetime(data.get("dateCheckedIn")),
            date_saved=parse_datetime(data.get("dateSaved")),
            date_published=parse_datetime(data.get("datePublished")),
            input_schema=_optional_schema(data.get("inputSchema")),
            output_schema=_optional_schema(data.get("outputSchema")),
            raw=data,
        )


def _optional_version(value: Any) -> FlowVersion | None:
    if value is None:
        return None
    return FlowVersion.from_json(value)


@dataclass(frozen=True)
class Flow:
    """An Architect flow (``Flow``) with its versions and, when asked for, its input schema.

    Attributes
    ----------
    type
        Upper-case flow type as the server sends it, e.g. ``"WORKFLOW"``.
    published_version
        The version a launch without ``flowVersion`` runs; None if the flow was never published.
    input_schema
        The flow's ``inputSchema`` (sent with ``includeSchemas=true``), else the published
        version's input schema, else None.
    """

    id: str
    name: str | None
    type: str | None
    division_id: str | None
    division_name: str | None
    description: str | None
    published_version: FlowVersion | None
    checked_in_version: FlowVersion | None
    saved_version: FlowVersion | None
    input_schema: InputSchema | None
    raw: dict[str, Any]

    @classmethod
    def from_json(cls, data: Any) -> Flow:
        """Build a flow from a ``Flow`` or ``FlowDivisionView`` object."""
        data = _object(data, "flow")
        if data.get("id") is None:
            raise ModelError("flow has no 'id'")
        division = _dict_field(data, "division")
        published = _optional_version(data.get("publishedVersion"))
        input_schema = _optional_schema(data.get("inputSchema"))
        if input_schema is None and published is not None:
            input_schema = published.input_schema
        return cls(
            id=str(data["id"]),
            name=_optional_str(data.get("name")),
            type=_optional_str(data.get("type")),
            division_id=_optional_str(division.get("id")),
            division_name=_optional_str(division.get("name")),
            description=_optional_str(data.get("description")),
            published_version=published,
            checked_in_version=_optional_version(data.get("checkedInVersion")),
            saved_version=_optional_version(data.get("savedVersion")),
            input_schema=input_schema,
            raw=data,
        )


@dataclass(frozen=True)
class Execution:
    """One flow execution (``FlowRuntimeExecution``).

    Attributes
    ----------
    status
        An :class:`ExecutionStatus`, or the server's string as sent when it is not a known value.
    completion_reason
        E.g. ``"Success"`` for a completed execution.
    flow_version
        The full version that ran, with its schemas.
    flow_error_info
        The ErrorBody explaining a failed execution, or None.
    output_data
        Output variables by full name; only filled for completed executions.
    """

    id: str
    name: str | None
    status: ExecutionStatus | str
    date_launched: datetime | None
    date_completed: datetime | None
    completion_reason: str | None
    flow_version: FlowVersion | None
    flow_error_info: dict[str, Any] | None
    output_data: dict[str, Any]
    raw: dict[str, Any]

    @property
    def is_terminal(self) -> bool:
        """Whether the execution has ended (COMPLETED, ERROR, FAILED or TERMINATED)."""
        return self.status in TERMINAL_STATUSES

    @property
    def flow_id(self) -> str | None:
        """Id of the flow that ran, taken from the version's ``selfUri``, or None if absent."""
        if self.flow_version is None:
            return None
        uri = self.flow_version.raw.get("selfUri")
        parts = str(uri or "").strip("/").split("/")
        if len(parts) >= 4 and parts[-2] == "versions":
            return parts[-3]
        return None

    @classmethod
    def from_json(cls, data: Any) -> Execution:
        """Build an execution from a ``FlowRuntimeExecution`` object."""
        data = _object(data, "flow execution")
        if data.get("id") is None:
            raise ModelError("flow execution has no 'id'")
        error_info = data.get("flowErrorInfo")
        output = data.get("outputData")
        return cls(
            id=str(data["id"]),
            name=_optional_str(data.get("name")),
            status=parse_status(data.get("status")),
            date_launched=parse_datetime(data.get("dateLaunched")),
            date_completed=parse_datetime(data.get("dateCompleted")),
            completion_reason=_optional_str(data.get("completionReason")),
            flow_version=_optional_version(data.get("flowVersion")),
            flow_error_info=error_info if isinstance(error_info, dict) else None,
            output_data=output if isinstance(output, dict) else {},
            raw=data,
        )


@dataclass(frozen=True)
class LaunchResult:
    """Launch response (``FlowExecutionLaunchResponse``): the new execution's id and version."""

    id: str
    name: str | None
    flow_version_id: str | None
    self_uri: str | None
    raw: dict[str, Any]

    @classmethod
    def from_json(cls, data: Any) -> LaunchResult:
        """Build the result from the launch response body."""
        data = _object(data, "launch response")
        if data.get("id") is None:
            raise ModelError("launch response has no execution 'id'")
        return cls(
            id=str(data["id"]),
            name=_optional_str(data.get("name")),
            flow_version_id=_ref_id(data.get("flowVersion")),
            self_uri=_optional_str(data.get("selfUri")),
            raw=data,
        )


@dataclass(frozen=True)
class ExecutionHistoryRecord:
    """One result of the execution-history query (``FlowExecutionDataQueryResult``).

    Attributes
    ----------
    flow_version
        Version id as a string, e.g. ``"1.0"``.
    flow_type
        Lower-case flow type as the history sends it, e.g. ``"workflow"``.
    error_reason
        ``flowErrorReason``, or None for a run without error.
    """

    id: str
    name: str | None
    flow_id: str | None
    flow_version: str | None
    flow_type: str | None
    start: datetime | None
    end: datetime | None
    error_reason: str | None
    raw: dict[str, Any]
    flow_name: str | None = None

    @classmethod
    def from_json(cls, data: Any) -> ExecutionHistoryRecord:
        """Build a record from one entity of the instances query result."""
        data = _object(data, "execution history record")
        if data.get("id") is None:
            raise ModelError("execution history record has no 'id'")
        return cls(
            id=str(data["id"]),
            name=_optional_str(data.get("name")),
            flow_id=_optional_str(data.get("flowId")),
            flow_version=_optional_str(data.get("flowVersion")),
            flow_type=_optional_str(data.get("flowType")),
            start=parse_datetime(data.get("startDateTime")),
            end=parse_datetime(data.get("endDateTime")),
            error_reason=_optional_str(data.get("flowErrorReason")),
            raw=data,
            flow_name=_optional_str(data.get("flowName")),
        )


@dataclass(frozen=True)
class AggregateRow:
    """One metric value of one group in one interval of a flow-execution aggregates result."""

    group: dict[str, Any]
    interval_start: datetime | None
    interval_end: datetime | None
    metric: str
    count: int | None


@dataclass(frozen=True)
class AggregateResult:
    """Result of a flow-execution aggregates query, flattened to one row per metric value.

    The server's ``{}`` for "no data" gives an empty ``rows`` list.
    """

    rows: list[AggregateRow]
    raw: dict[str, Any]

    @classmethod
    def from_json(cls, data: Any) -> AggregateResult:
        """Flatten ``results[].data[].metrics[]`` to rows; ``stats.count`` is the count."""
        data = _object(data, "aggregates response")
        results = data.get("results") or []
        if not isinstance(results, list):
            raise ModelError("aggregates response 'results' is not a list")

        rows: list[AggregateRow] = []
        for result in results:
            result = _object(result, "aggregates result")
            group = _dict_field(result, "group")
            for bucket in result.get("data") or []:
                bucket = _object(bucket, "aggregates data entry")
                start, end = _parse_interval(bucket.get("interval"))
                for metric in bucket.get("metrics") or []:
                    metric = _object(metric, "aggregates metric")
                    stats = _dict_field(metric, "stats")
                    count = stats.get("count")
                    rows.append(
                        AggregateRow(
                            group=dict(group),
                            interval_start=start,
                            interval_end=end,
                            metric=str(metric.get("metric")),
                            count=int(count) if count is not None else None,
                        )
                    )
        return cls(rows=rows, raw=data)


def _parse_interval(value: Any) -> tuple[datetime | None, datetime | None]:
    if not isinstance(value, str) or "/" not in value:
        return None, None
    start, end = value.split("/", 1)
    return parse_datetime(start), parse_datetime(end)


@dataclass(frozen=True)
class TokenInfo:
    """Token details from ``GET /api/v2/tokens/me``: its org and OAuth client."""

    organization_id: str | None
    organization_name: str | None
    oauth_client_id: str | None
    oauth_client_name: str | None
    raw: dict[str, Any]
    grant_type: str | None = None

    @classmethod
    def from_json(cls, data: Any) -> TokenInfo:
        """Build the info from a ``TokenInfo`` object (note its ``OAuthClient`` key)."""
        data = _object(data, "token info")
        organization = (
            data.get("organization") if isinstance(data.get("organization"), dict) else {}
        )
        client = _dict_field(data, "OAuthClient")
        return cls(
            organization_id=_optional_str(organization.get("id")),
            organization_name=_optional_str(organization.get("name")),
            oauth_client_id=_optional_str(client.get("id")),
            oauth_client_name=_optional_str(client.get("name")),
            raw=data,
            grant_type=_optional_str(client.get("authorizedGrantType")),
        )


@dataclass(frozen=True)
class Organization:
    """The org of the token (``GET /api/v2/organizations/me``)."""

    id: str
    name: str | None
    domain: str | None
    state: str | None
    raw: dict[str, Any]

    @classmethod
    def from_json(cls, data: Any) -> Organization:
        """Build the org from an ``Organization`` object."""
        data = _object(data, "organization")
        if data.get("id") is None:
            raise ModelError("organization has no 'id'")
        return cls(
            id=str(data["id"]),
            name=_optional_str(data.get("name")),
            domain=_optional_str(data.get("domain")),
            state=_optional_str(data.get("state")),
            raw=data,
        )


@dataclass(frozen=True)
class ExecutionDataSetting:
    """The org's execution-data setting: whether execution history is recorded at all."""

    enabled: bool
    date_modified: datetime | None
    raw: dict[str, Any] = field(repr=False)

    @classmethod
    def from_json(cls, data: Any) -> ExecutionDataSetting:
        """Build the setting from an ``ExecutionDataFlowSettingsResponse`` object."""
        data = _object(data, "execution data setting")
        enabled = data.get("enabled")
        if not isinstance(enabled, bool):
            raise ModelError("execution data setting has no boolean 'enabled'")
        return cls(
            enabled=enabled, date_modified=parse_datetime(data.get("dateModified")), raw=data
        )
