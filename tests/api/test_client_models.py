"""Models built from canned Genesys JSON: dates, enums, schemas and aggregates."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from conftest import load_fixture

from flowwidgets.api import (
    AggregateResult,
    Execution,
    ExecutionStatus,
    Flow,
    InputSchema,
    UnknownEnumValueWarning,
)
from flowwidgets.api.models import ModelError, parse_datetime


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1767225600000, datetime(2026, 1, 1, tzinfo=timezone.utc)),
        ("1767225600000", datetime(2026, 1, 1, tzinfo=timezone.utc)),
        ("2026-01-01T00:00:00.000Z", datetime(2026, 1, 1, tzinfo=timezone.utc)),
        ("2026-01-01T02:00:00+02:00", datetime(2026, 1, 1, tzinfo=timezone.utc)),
        ("2026-01-01T00:00:00", datetime(2026, 1, 1, tzinfo=timezone.utc)),
        (None, None),
        ("", None),
    ],
    ids=["epoch-ms", "epoch-ms-string", "iso-z", "iso-offset", "iso-naive", "none", "empty"],
)
def test_parse_datetime_forms(value: object, expected: datetime | None) -> None:
    parsed = parse_datetime(value)

    assert parsed == expected
    if parsed is not None:
        assert parsed.utcoffset() == timedelta(0)


@pytest.mark.parametrize("value", ["yesterday", True, [1]], ids=["word", "bool", "list"])
def test_parse_datetime_invalid(value: object) -> None:
    with pytest.raises(ModelError):
        parse_datetime(value)


def test_execution_unknown_status_kept_with_warning() -> None:
    data = {**load_fixture("execution_completed"), "status": "PAUSED_FOR_REVIEW"}

    with pytest.warns(UnknownEnumValueWarning, match="PAUSED_FOR_REVIEW"):
        execution = Execution.from_json(data)

    assert execution.status == "PAUSED_FOR_REVIEW"
    assert not isinstance(execution.status, ExecutionStatus)
    assert not execution.is_terminal


@pytest.mark.parametrize(
    ("status", "terminal"),
    [("RUNNING", False), ("UNKNOWN", False), ("COMPLETED", True), ("ERROR", True),
     ("FAILED", True), ("TERMINATED", True)],
)  # fmt: skip
def test_execution_is_terminal(status: str, terminal: bool) -> None:
    execution = Execution.from_json({**load_fixture("execution_completed"), "status": status})

    assert execution.status == ExecutionStatus(status)
    assert execution.is_terminal is terminal


def test_execution_status_compares_as_string() -> None:
    execution = Execution.from_json(load_fixture("execution_completed"))

    assert execution.status == "COMPLETED"
    assert str(execution.status) == "COMPLETED"


def test_input_schema_arch_types() -> None:
    schema = InputSchema.from_json(load_fixture("flow")["publishedVersion"]["inputSchema"])

    email = schema.properties["Flow.email"]
    retry_limit = schema.properties["Flow.retryLimit"]
    tags = schema.properties["Flow.tags"]
    assert schema.additional_properties is False
    assert (email.arch_type, email.is_list) == ("str", False)
    assert email.description == "Address to follow up with"
    assert (retry_limit.arch_type, retry_limit.is_list) == ("int", False)
    assert (tags.arch_type, tags.is_list) == ("str", True)
    assert schema.required == ()


def test_input_schema_plain_json_types() -> None:
    data = {
        "type": "object",
        "required": ["Flow.count"],
        "properties": {
            "Flow.count": {"type": ["null", "integer"]},
            "Flow.flag": {"oneOf": [{"type": "null"}, {"type": "boolean"}]},
            "Flow.blob": {},
        },
    }

    schema = InputSchema.from_json(data)

    assert schema.properties["Flow.count"].arch_type == "int"
    assert schema.properties["Flow.flag"].arch_type == "bool"
    assert schema.properties["Flow.blob"].arch_type is None
    assert schema.required == ("Flow.count",)
    assert schema.additional_properties is None


def test_flow_without_published_version() -> None:
    data = {"id": "f1", "name": "Draft", "type": "WORKFLOW"}

    flow = Flow.from_json(data)

    assert flow.published_version is None
    assert flow.input_schema is None
    assert flow.division_id is None
    assert flow.raw is data


def test_flow_top_level_schema_preferred() -> None:
    data = load_fixture("flow")
    data["inputSchema"] = {"type": "object", "properties": {"Flow.only": {"type": "string"}}}

    flow = Flow.from_json(data)

    assert flow.input_schema is not None
    assert list(flow.input_schema.properties) == ["Flow.only"]


def test_aggregate_result_empty_object() -> None:
    result = AggregateResult.from_json({})

    assert result.rows == []


def test_aggregate_result_several_groups() -> None:
    data = load_fixture("aggregates")
    data["results"].append(
        {
            "group": {"flowId": "other"},
            "data": [
                {
                    "interval": "2026-01-02T00:00:00Z/2026-01-03T00:00:00Z",
                    "metrics": [{"metric": "nFlowExecutions", "stats": {"count": 9}}],
                }
            ],
        }
    )

    result = AggregateResult.from_json(data)

    assert [(row.group["flowId"], row.count) for row in result.rows][-1] == ("other", 9)
    assert len(result.rows) == 3


def test_models_are_frozen() -> None:
    flow = Flow.from_json(load_fixture("flow"))

    with pytest.raises(AttributeError):
        flow.name = "changed"  # type: ignore[misc]
