"""DataFrame builders for flows, input schemas, executions, history records and aggregates.

Every builder accepts the client's models (anything with a ``raw`` dict) or the raw JSON
as received: a single object, a list, or a listing page with ``entities``. Column names
and dtypes are fixed, so an empty input gives an empty frame with the same columns.
"""

from __future__ import annotations

import functools
import re
from typing import Any

import pandas as pd

from flowwidgets.analytics._convert import (
    STRING_DTYPE,
    TERMINAL_STATUSES,
    UTC_DTYPE,
    empty_frame,
    entities_of,
    nested,
    raw_of,
    status_categorical,
    text_array,
    to_utc,
)

FLOW_COLUMNS: dict[str, Any] = {
    "flow_id": STRING_DTYPE,
    "name": STRING_DTYPE,
    "type": STRING_DTYPE,
    "division_id": STRING_DTYPE,
    "division_name": STRING_DTYPE,
    "description": STRING_DTYPE,
    "published_version": STRING_DTYPE,
    "published_at": UTC_DTYPE,
    "checked_in_version": STRING_DTYPE,
    "saved_version": STRING_DTYPE,
    "input_count": "Int64",
}

INPUT_COLUMNS: dict[str, Any] = {
    "flow_id": STRING_DTYPE,
    "flow_version": STRING_DTYPE,
    "input": STRING_DTYPE,
    "arch_type": STRING_DTYPE,
    "is_list": "bool",
    "description": STRING_DTYPE,
}

EXECUTION_COLUMNS: dict[str, Any] = {
    "execution_id": STRING_DTYPE,
    "name": STRING_DTYPE,
    "flow_id": STRING_DTYPE,
    "flow_version": STRING_DTYPE,
    "status": status_categorical([]).dtype,
    "is_terminal": "bool",
    "launched_at": UTC_DTYPE,
    "finished_at": UTC_DTYPE,
    "duration_s": "float64",
    "completion_reason": STRING_DTYPE,
    "error_code": STRING_DTYPE,
    "error_message": STRING_DTYPE,
}

HISTORY_COLUMNS: dict[str, Any] = {
    "instance_id": STRING_DTYPE,
    "name": STRING_DTYPE,
    "flow_id": STRING_DTYPE,
    "flow_name": STRING_DTYPE,
    "flow_version": STRING_DTYPE,
    "flow_type": STRING_DTYPE,
    "started_at": UTC_DTYPE,
    "ended_at": UTC_DTYPE,
    "error_reason": STRING_DTYPE,
    "warning_reason": STRING_DTYPE,
}

#: Group dimensions of ``POST /api/v2/analytics/flowexecutions/aggregates/query``.
AGGREGATE_DIMENSIONS: dict[str, str] = {
    "flowId": "flow_id",
    "flowVersion": "flow_version",
    "divisionId": "division_id",
    "flowObjectId": "flow_object_id",
}

AGGREGATE_COLUMNS: dict[str, Any] = {
    "interval_start": UTC_DTYPE,
    "interval_end": UTC_DTYPE,
    **dict.fromkeys(AGGREGATE_DIMENSIONS.values(), STRING_DTYPE),
    "metric": STRING_DTYPE,
    "count": "Int64",
}

_FLOW_ID_IN_URI = re.compile(r"/flows/([^/]+)/versions/")


def _text(value: Any) -> str | None:
    if value is None or value == "":
        return None
    return str(value)


def _typed(columns: dict[str, Any], data: dict[str, Any]) -> pd.DataFrame:
    first = next(iter(data.values()))
    if len(first) == 0:
        return empty_frame(columns)

    typed: dict[str, Any] = {}
    for name, values in data.items():
        dtype = columns[name]
        if dtype == STRING_DTYPE:
            # Text columns hold raw JSON values here, and an empty string means missing.
            typed[name] = text_array(values)
        elif isinstance(dtype, pd.CategoricalDtype):
            # Categorical columns already carry their categories, including unknown values.
            typed[name] = values
        else:
            typed[name] = pd.Series(values).astype(dtype)
    return pd.DataFrame(typed)


def _version_id(version: Any) -> str | None:
    if isinstance(version, dict):
        return _text(version.get("id"))
    return _text(version)


def _input_count(schema: Any) -> int | None:
    if not isinstance(schema, dict):
        return None
    properties = schema.get("properties")
    return len(properties) if isinstance(properties, dict) else 0


def flows_frame(flows: Any) -> pd.DataFrame:
    """Build one row per flow from ``GET /api/v2/flows`` pages, Flow models or dicts.

    Columns: ``flow_id``, ``name``, ``type`` (upper case as the API sends it),
    ``division_id``, ``division_name``, ``description``, ``published_version``,
    ``published_at`` (UTC), ``checked_in_version``, ``saved_version`` (version ids) and
    ``input_count`` (number of inputs in the flow's input schema, ``<NA>`` when the
    listing was fetched without ``includeSchemas``).
    """
    rows = entities_of(flows)
    published = [row.get("publishedVersion") or {} for row in rows]
    data = {
        "flow_id": [row.get("id") for row in rows],
        "name": [row.get("name") for row in rows],
        "type": [row.get("type") for row in rows],
        "division_id": [nested(row, "division", "id") for row in rows],
        "division_name": [nested(row, "division", "name") for row in rows],
        "description": [row.get("description") for row in rows],
        "published_version": [_version_id(version) for version in published],
        "published_at": to_utc(version.get("datePublished") for version in published),
        "checked_in_version": [_version_id(row.get("checkedInVersion")) for row in rows],
        "saved_version": [_version_id(row.get("savedVersion")) for row in rows],
        "input_count": [_input_count(row.get("inputSchema")) for row in rows],
    }
    return _typed(FLOW_COLUMNS, data)


def _resolve_ref(schema: dict[str, Any], node: Any) -> dict[str, Any]:
    if not isinstance(node, dict):
        return {}
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/definitions/"):
        target = nested(schema, "definitions", ref.removeprefix("#/definitions/"))
        if isinstance(target, dict):
            return {**target, **{key: value for key, value in node.items() if key != "$ref"}}
    return node


def _input_rows(
    schema: dict[str, Any], flow_id: str | None, version: str | None
) -> list[dict[str, Any]]:
    rows = []
    properties = schema.get("properties")
    for name, node in (properties if isinstance(properties, dict) else {}).items():
        resolved = _resolve_ref(schema, node)
        is_list = resolved.get("type") == "array"
        if is_list:
            resolved = {**_resolve_ref(schema, resolved.get("items")), **resolved}
        arch_type = resolved.get("archDataTypeId")
        if arch_type is None and is_list:
            arch_type = _resolve_ref(schema, resolved.get("items")).get("archDataTypeId")
        rows.append(
            {
                "flow_id": flow_id,
                "flow_version": version,
                "input": name,
                "arch_type": _text(arch_type),
                "is_list": is_list,
                "description": _text(node.get("description") if isinstance(node, dict) else None),
            }
        )
    return rows


def input_schema_frame(source: Any) -> pd.DataFrame:
    """Build one row per input variable from flows, flow versions or input schemas.

    ``source`` may be a Flow (its published version's schema, else the flow's own
    ``inputSchema``), a FlowVersion, an execution (its embedded ``flowVersion``), a bare
    input schema dict, or a list of these.

    Columns: ``flow_id``, ``flow_version``, ``input`` (the full Architect name such as
    ``Flow.email``, which is the ``inputData`` key), ``arch_type`` (``str``, ``int``,
    ``bool``, ..., and for a list input the type of its items), ``is_list`` and
    ``description``.
    """
    items = source if isinstance(source, list) else [source]
    rows: list[dict[str, Any]] = []
    for item in items:
        if item is not None:
            rows.extend(_input_rows(*_schema_and_ids(raw_of(item))))

    data_columns = {name: [row[name] for row in rows] for name in INPUT_COLUMNS}
    return _typed(INPUT_COLUMNS, data_columns)


_VERSION_TYPES = frozenset({"PUBLISH", "CHECKIN", "SAVE"})


def _schema_and_ids(data: dict[str, Any]) -> tuple[dict[str, Any], str | None, str | None]:
    """Return (input schema, flow id, version id) of a flow, flow version, execution or schema."""
    if "properties" in data and "inputSchema" not in data:
        return data, None, None

    if isinstance(data.get("flowVersion"), dict):
        version = data["flowVersion"]
        return (
            version.get("inputSchema") or {},
            _flow_id_from_uri(version),
            _text(version.get("id")),
        )

    is_version = data.get("type") in _VERSION_TYPES or "dateCreated" in data
    if is_version:
        return data.get("inputSchema") or {}, _flow_id_from_uri(data), _text(data.get("id"))

    published = data.get("publishedVersion") or {}
    schema = published.get("inputSchema") or data.get("inputSchema") or {}
    return schema, _text(data.get("id")), _version_id(published or None)


@functools.lru_cache(maxsize=4096)
def _flow_id_in_uri(uri: str) -> str | None:
    match = _FLOW_ID_IN_URI.search(uri)
    return match.group(1) if match else None


def _flow_id_from_uri(*candidates: Any) -> str | None:
    for candidate in candidates:
        uri = candidate.get("selfUri") if isinstance(candidate, dict) else candidate
        if isinstance(uri, str):
            flow_id = _flow_id_in_uri(uri)
            if flow_id:
                return flow_id
    return None


def _columns(rows: list[dict[str, Any]], keys: tuple[str, ...]) -> list[list[Any]]:
    """Return ``[row.get(key) for row in rows]`` for each key, reading each row once.

    One pass is faster than one pass per key when the objects are spread over memory,
    as freshly parsed responses are.
    """
    columns: list[list[Any]] = [[] for _ in keys]
    appends = [(key, column.append) for key, column in zip(keys, columns, strict=True)]
    for row in rows:
        get = row.get
        for key, append in appends:
            append(get(key))
    return columns


def _fields(values: list[Any], key: str) -> list[Any]:
    """Return ``value[key]`` of each value, or ``None`` where it is not a JSON object."""
    fields = [value.get(key) if type(value) is dict else None for value in values]
    # Other mappings are rare, so a second pass reads them through nested().
    for index, value in enumerate(values):
        if value is not None and type(value) is not dict:
            fields[index] = nested({"": value}, "", key)
    return fields


def _version_ids(versions: list[Any]) -> list[str | None]:
    """Return :func:`_version_id` of each version reference, converting only unusual values."""
    ids = [
        version.get("id") if type(version) is dict else _version_id(version) for version in versions
    ]
    return [value if type(value) is str or value is None else _text(value) for value in ids]


def _version_refs(versions: list[Any]) -> tuple[list[str | None], list[str | None]]:
    """Return the version id and the flow id (from ``selfUri``) of each version reference.

    The results equal :func:`_version_id` and :func:`_flow_id_from_uri` of each reference.
    """
    ids: list[Any] = []
    uris: list[Any] = []
    for version in versions:
        if type(version) is dict:
            ids.append(version.get("id"))
            uris.append(version.get("selfUri"))
        else:
            ids.append(_version_id(version))
            uris.append(version.get("selfUri") if isinstance(version, dict) else version)
    ids = [value if type(value) is str or value is None else _text(value) for value in ids]

    keys = [uri if isinstance(uri, str) else None for uri in uris]
    # A result contains a few distinct flow versions, so the regular expression runs per URI.
    flow_ids = {uri: _flow_id_in_uri(uri) for uri in set(keys) if uri is not None}
    return ids, [flow_ids.get(key) for key in keys]  # type: ignore[arg-type]


def executions_frame(executions: Any) -> pd.DataFrame:
    """Build one row per execution from ``GET /api/v2/flows/executions/{id}`` results.

    Columns: ``execution_id``, ``name``, ``flow_id``, ``flow_version``, ``status``,
    ``is_terminal``, ``launched_at`` and ``finished_at`` (UTC), ``duration_s`` (seconds
    from launch to completion, NaN while running), ``completion_reason``, and
    ``error_code`` and ``error_message`` from ``flowErrorInfo``. ``flow_id`` is read
    from the embedded flow version's ``selfUri`` because an execution has no flowId
    field. ``status`` is categorical: the documented statuses, then any unknown one as
    sent.
    """
    rows = entities_of(executions)
    (
        ids,
        names,
        versions,
        statuses,
        launched_values,
        finished_values,
        reasons,
        errors,
    ) = _columns(
        rows,
        (
            "id",
            "name",
            "flowVersion",
            "status",
            "dateLaunched",
            "dateCompleted",
            "completionReason",
            "flowErrorInfo",
        ),
    )
    version_ids, flow_ids = _version_refs(versions)
    status = status_categorical(statuses)
    launched = to_utc(launched_values)
    finished = to_utc(finished_values)
    data = {
        "execution_id": ids,
        "name": names,
        "flow_id": flow_ids,
        "flow_version": version_ids,
        "status": status,
        "is_terminal": status.isin(TERMINAL_STATUSES).to_numpy(),
        "launched_at": launched,
        "finished_at": finished,
        "duration_s": (finished - launched).dt.total_seconds(),
        "completion_reason": reasons,
        "error_code": _fields(errors, "code"),
        "error_message": _fields(errors, "message"),
    }
    return _typed(EXECUTION_COLUMNS, data)


def history_frame(records: Any) -> pd.DataFrame:
    """Build one row per execution history record from ``POST /api/v2/flows/instances/query``.

    Columns: ``instance_id``, ``name``, ``flow_id``, ``flow_name``, ``flow_version``,
    ``flow_type`` (lower case as the API sends it), ``started_at`` and ``ended_at``
    (UTC), ``error_reason`` and ``warning_reason``.
    """
    rows = entities_of(records)
    keys = {
        "instance_id": "id",
        "name": "name",
        "flow_id": "flowId",
        "flow_name": "flowName",
        "flow_version": "flowVersion",
        "flow_type": "flowType",
        "started_at": "startDateTime",
        "ended_at": "endDateTime",
        "error_reason": "flowErrorReason",
        "warning_reason": "flowWarningReason",
    }
    data = dict(zip(keys, _columns(rows, tuple(keys.values())), strict=True))
    data["flow_version"] = _version_ids(data["flow_version"])
    data["started_at"] = to_utc(data["started_at"])
    data["ended_at"] = to_utc(data["ended_at"])
    return _typed(HISTORY_COLUMNS, data)


def aggregates_frame(result: Any) -> pd.DataFrame:
    """Build one row per group, interval and metric from flow-execution aggregates.

    ``result`` is the response of ``POST /api/v2/analytics/flowexecutions/aggregates/query``
    (an ``AggregateResult`` or its JSON), or a list of them. A response with no
    ``results`` key, which the API returns when nothing was counted, gives an empty frame.

    Columns: ``interval_start`` and ``interval_end`` (UTC), one column per group
    dimension (``flow_id``, ``flow_version``, ``division_id``, ``flow_object_id``, NA
    when the query did not group by it), ``metric`` (``nFlowExecutions``) and ``count``
    (``stats.count``).
    """
    items = result if isinstance(result, list) else [result]
    records: list[dict[str, Any]] = []
    for item in items:
        if item is None:
            continue
        for group_result in raw_of(item).get("results") or []:
            group = group_result.get("group") or {}
            dimensions = {
                column: _text(group.get(key)) for key, column in AGGREGATE_DIMENSIONS.items()
            }
            for bucket in group_result.get("data") or []:
                start, _, end = str(bucket.get("interval") or "").partition("/")
                for metric in bucket.get("metrics") or []:
                    records.append(
                        {
                            "interval_start": start or None,
                            "interval_end": end or None,
                            **dimensions,
                            "metric": _text(metric.get("metric")),
                            "count": nested(metric, "stats", "count"),
                        }
                    )

    data: dict[str, Any] = {
        name: [record[name] for record in records] for name in AGGREGATE_COLUMNS
    }
    data["interval_start"] = to_utc(data["interval_start"])
    data["interval_end"] = to_utc(data["interval_end"])
    return _typed(AGGREGATE_COLUMNS, data)
