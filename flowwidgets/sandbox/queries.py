"""Execution-history criteria queries and flow-execution aggregates over sandbox executions."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flowwidgets.sandbox.http import bad_request
from flowwidgets.sandbox.wire import iso

if TYPE_CHECKING:
    from flowwidgets.sandbox.org import ExecutionState

_CRITERIA_FIELDS = {
    "FlowId": "flowId",
    "FlowStartDateTime": "startDateTime",
    "FlowEndDateTime": "endDateTime",
    "FlowType": "flowType",
    "FlowErrorReason": "flowErrorReason",
    "FlowWarningReason": "flowWarningReason",
    "ConversationId": "conversationId",
    "WorkitemId": "workitemId",
}
_OPERATORS = {"eq", "gt", "gte", "lt", "lte", "not", "begins", "not_null"}
_GROUP_DIMENSIONS = {"divisionId", "flowId", "flowObjectId", "flowVersion"}
_DURATION = re.compile(r"^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$")


# -- execution history ------------------------------------------------------------------------


def match_criteria_query(query: dict[str, Any], record: dict[str, Any]) -> bool:
    """Return whether a history record matches a CriteriaQuery (groups are AND-ed)."""
    groups = query.get("query", [])
    if not isinstance(groups, list):
        raise bad_request("Field query must be a list of criteria groups.", field="query")
    return all(_match_group(group, record, f"query[{index}]") for index, group in enumerate(groups))


def _match_group(group: Any, record: dict[str, Any], path: str) -> bool:
    if not isinstance(group, dict):
        raise bad_request(f"Field {path} must be a criteria group object.", field=path)

    matched = True
    if "criteria" in group:
        matched = matched and _match_item(group["criteria"], record, f"{path}.criteria")
    if "and" in group:
        matched = matched and all(
            _match_item(item, record, f"{path}.and") for item in _items(group["and"], path)
        )
    if "or" in group:
        matched = matched and any(
            _match_item(item, record, f"{path}.or") for item in _items(group["or"], path)
        )
    if "not" in group:
        matched = matched and not any(
            _match_item(item, record, f"{path}.not") for item in _items(group["not"], path)
        )
    return matched


def _items(value: Any, path: str) -> list[Any]:
    if not isinstance(value, list):
        raise bad_request(f"Criteria lists in {path} must be JSON arrays.", field=path)
    return value


def _match_item(item: Any, record: dict[str, Any], path: str) -> bool:
    if not isinstance(item, dict) or not isinstance(item.get("key"), str):
        raise bad_request(
            f"Each criteria item in {path} needs a key, an operator and a value.", field=path
        )
    key = item["key"]
    operator = item.get("operator", "eq")
    if operator not in _OPERATORS:
        raise bad_request(f"Criteria operator {operator!r} in {path} is invalid.", field=path)

    # NOTE: criteria keys about actions and bots are accepted but never match,
    # because sandbox executions have no actions or bots.
    actual = record.get(_CRITERIA_FIELDS.get(key, ""))
    expected = item.get("value")
    if operator == "not_null":
        return actual is not None
    if actual is None or not isinstance(expected, str):
        return operator == "not"
    if key in ("FlowStartDateTime", "FlowEndDateTime"):
        return _compare(_parse_time(actual), operator, _parse_time(expected, path))
    return _compare(str(actual), operator, expected)


def _compare(actual: Any, operator: str, expected: Any) -> bool:
    result: bool
    if operator == "eq":
        result = actual == expected
    elif operator == "not":
        result = actual != expected
    elif operator == "begins":
        result = str(actual).startswith(str(expected))
    elif operator == "gt":
        result = actual > expected
    elif operator == "gte":
        result = actual >= expected
    elif operator == "lt":
        result = actual < expected
    else:
        result = actual <= expected
    return result


def _parse_time(text: str, path: str = "") -> datetime:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise bad_request(f"Date-time {text!r} in {path or 'the query'} is not ISO-8601.") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment


# -- flow-execution aggregates ----------------------------------------------------------------


def parse_interval(text: Any, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """Parse an ISO-8601 ``start/end`` interval; naive ends are read in ``zone``."""
    if not isinstance(text, str) or text.count("/") != 1:
        raise bad_request(
            "Field interval is required as start/end, "
            "e.g. 2025-03-26T00:00:00.000Z/2025-03-27T00:00:00.000Z.",
            field="interval",
        )
    ends = []
    for part in text.split("/"):
        try:
            moment = datetime.fromisoformat(part.replace("Z", "+00:00"))
        except ValueError:
            raise bad_request(
                f"Interval end {part!r} is not an ISO-8601 date-time.", field="interval"
            ) from None
        ends.append(moment if moment.tzinfo else moment.replace(tzinfo=zone))
    start, end = ends
    if end <= start:
        raise bad_request(f"Interval {text} ends before it starts.", field="interval")
    return start, end


def parse_period(text: str) -> timedelta:
    """Parse an ISO-8601 period such as ``PT1H`` or ``P1D`` (weeks down to seconds)."""
    match = _DURATION.match(text)
    if not match or not any(match.groups()):
        raise bad_request(
            f"Granularity {text!r} is not an ISO-8601 period such as PT1H or P1D.",
            field="granularity",
        )
    weeks, days, hours, minutes, seconds = (int(group or 0) for group in match.groups())
    return timedelta(weeks=weeks, days=days, hours=hours, minutes=minutes, seconds=seconds)


def aggregate_executions(
    query: dict[str, Any], executions: Iterable[ExecutionState]
) -> dict[str, Any]:
    """Count ``nFlowExecutions`` as POST /api/v2/analytics/flowexecutions/aggregates/query does.

    Executions are bucketed by launch time.
    """
    # NOTE: which timestamp the real service buckets by (launch or completion) is
    # not documented.
    metrics = query.get("metrics")
    if not isinstance(metrics, list) or not metrics:
        raise bad_request('Field metrics is required, e.g. ["nFlowExecutions"].', field="metrics")
    unknown_metrics = [metric for metric in metrics if metric != "nFlowExecutions"]
    if unknown_metrics:
        raise bad_request(
            f"Metric {unknown_metrics[0]!r} is invalid; the only metric is nFlowExecutions.",
            field="metrics",
        )

    zone_name = query.get("timeZone", "UTC")
    try:
        zone = ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise bad_request(
            f"Time zone {zone_name!r} is not an IANA time zone name.", field="timeZone"
        ) from None

    start, end = parse_interval(query.get("interval"), zone)
    granularity = query.get("granularity")
    step = parse_period(granularity) if isinstance(granularity, str) else end - start

    group_by = query.get("groupBy", [])
    if not isinstance(group_by, list) or any(
        dimension not in _GROUP_DIMENSIONS for dimension in group_by
    ):
        raise bad_request(
            f"Field groupBy must list dimensions among {', '.join(sorted(_GROUP_DIMENSIONS))}.",
            field="groupBy",
        )
    filter_clause = query.get("filter")

    groups: dict[tuple[tuple[str, str], ...], dict[datetime, int]] = {}
    for execution in executions:
        if not start <= execution.date_launched < end:
            continue
        dimensions = _dimensions(execution)
        if filter_clause is not None and not _match_filter(filter_clause, dimensions):
            continue
        key = tuple((dimension, dimensions[dimension]) for dimension in group_by)
        bucket = start + step * ((execution.date_launched - start) // step)
        buckets = groups.setdefault(key, {})
        buckets[bucket] = buckets.get(bucket, 0) + 1

    if not groups:
        return {}
    results = []
    for key, buckets in groups.items():
        data = [
            {
                "interval": f"{iso(bucket)}/{iso(min(bucket + step, end))}",
                "metrics": [{"metric": "nFlowExecutions", "stats": {"count": count}}],
            }
            for bucket, count in sorted(buckets.items())
        ]
        results.append({"group": dict(key), "data": data})
    return {"results": results}


def _dimensions(execution: ExecutionState) -> dict[str, str]:
    return {
        "flowId": execution.flow_id,
        "flowVersion": execution.version_id,
        "divisionId": execution.division_id,
        "flowObjectId": execution.flow_id,
    }


def _match_filter(clause: Any, dimensions: dict[str, str]) -> bool:
    if not isinstance(clause, dict) or clause.get("type") not in ("and", "or"):
        raise bad_request("Field filter needs a type of and or or.", field="filter")

    results = [
        _match_predicate(predicate, dimensions) for predicate in clause.get("predicates", [])
    ]
    results.extend(_match_filter(inner, dimensions) for inner in clause.get("clauses", []))
    if not results:
        return True
    return all(results) if clause["type"] == "and" else any(results)


def _match_predicate(predicate: Any, dimensions: dict[str, str]) -> bool:
    if not isinstance(predicate, dict):
        raise bad_request("Each filter predicate must be an object.", field="filter")
    dimension = predicate.get("dimension")
    if dimension not in _GROUP_DIMENSIONS:
        raise bad_request(
            f"Filter dimension {dimension!r} is invalid; "
            f"use one of {', '.join(sorted(_GROUP_DIMENSIONS))}.",
            field="filter",
        )
    operator = predicate.get("operator", "matches")
    if operator == "exists":
        return dimension in dimensions
    if operator == "notExists":
        return dimension not in dimensions
    if operator != "matches":
        raise bad_request(
            f"Filter operator {operator!r} is invalid; use matches, exists or notExists.",
            field="filter",
        )
    return dimensions.get(dimension) == predicate.get("value")
