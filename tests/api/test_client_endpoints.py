"""Every endpoint of the client: request sent, typed result, and malformed or empty bodies."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import datetime, timezone
from typing import Any

import httpx
import pytest
from conftest import is_token_request, load_fixture, token_response

from flowwidgets.api import (
    AggregateResult,
    Execution,
    ExecutionDataSetting,
    ExecutionStatus,
    Flow,
    FlowVersion,
    GenesysClient,
    InvalidResponseError,
    LaunchResult,
    Organization,
    TokenInfo,
)

FLOW_ID = "a1b2c3d4-e5f6-7890-abcd-ef1234567890"
EXECUTION_ID = "e7000000-0000-4000-8000-000000000001"
INTERVAL = "2026-01-02T00:00:00.000Z/2026-01-03T00:00:00.000Z"


class Recorder:
    """A handler that responds to every API request with one response and records the requests."""

    def __init__(self, answer: Callable[[], httpx.Response]) -> None:
        self.answer = answer
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if is_token_request(request):
            return token_response()
        self.requests.append(request)
        return self.answer()


def json_answer(name: str) -> Callable[[], httpx.Response]:
    return lambda: httpx.Response(200, json=load_fixture(name))


async def call_flows(client: GenesysClient) -> Any:
    return await client.list_flows()


# (endpoint as the error names it, method, path, fixture, call)
ENDPOINTS: list[tuple[str, str, str, str, Callable[[GenesysClient], Awaitable[Any]]]] = [
    ("GET /api/v2/tokens/me", "GET", "/api/v2/tokens/me", "token_info",
     lambda c: c.get_token_info()),
    ("GET /api/v2/organizations/me", "GET", "/api/v2/organizations/me", "organization",
     lambda c: c.get_organization()),
    ("GET /api/v2/flows", "GET", "/api/v2/flows", "flows_page2", call_flows),
    ("GET /api/v2/flows/{flowId}", "GET", f"/api/v2/flows/{FLOW_ID}", "flow",
     lambda c: c.get_flow(FLOW_ID)),
    ("GET /api/v2/flows/{flowId}/versions", "GET", f"/api/v2/flows/{FLOW_ID}/versions",
     "flow_versions", lambda c: _collect(c.iter_flow_versions(FLOW_ID))),
    ("GET /api/v2/flows/{flowId}/versions/{versionId}", "GET",
     f"/api/v2/flows/{FLOW_ID}/versions/3.0", "flow_version",
     lambda c: c.get_flow_version(FLOW_ID, "3.0")),
    ("POST /api/v2/flows/executions", "POST", "/api/v2/flows/executions", "launch",
     lambda c: c.launch_flow(FLOW_ID, {"Flow.email": "a@example.com"})),
    ("GET /api/v2/flows/executions/{flowExecutionId}", "GET",
     f"/api/v2/flows/executions/{EXECUTION_ID}", "execution_completed",
     lambda c: c.get_execution(EXECUTION_ID)),
    ("GET /api/v2/flows/instances/settings/executiondata", "GET",
     "/api/v2/flows/instances/settings/executiondata", "execution_data_setting",
     lambda c: c.get_execution_data_setting()),
    ("POST /api/v2/flows/instances/query", "POST", "/api/v2/flows/instances/query",
     "instances_query", lambda c: c.query_flow_instances({"query": []})),
    ("POST /api/v2/analytics/flowexecutions/aggregates/query", "POST",
     "/api/v2/analytics/flowexecutions/aggregates/query", "aggregates",
     lambda c: c.query_flow_execution_aggregates(INTERVAL)),
]  # fmt: skip


async def _collect(iterator: Any) -> list[Any]:
    return [item async for item in iterator]


@pytest.mark.parametrize(
    ("endpoint", "method", "path", "fixture", "call"), ENDPOINTS, ids=[e[0] for e in ENDPOINTS]
)
async def test_endpoint_request_line(
    make_client, endpoint: str, method: str, path: str, fixture: str, call: Callable
) -> None:
    recorder = Recorder(json_answer(fixture))

    async with make_client(recorder, region="mypurecloud.de") as client:
        await call(client)

    (request,) = recorder.requests
    assert request.method == method
    assert request.url.host == "api.mypurecloud.de"
    assert request.url.path == path
    assert request.headers["Authorization"] == "Bearer token-1"
    assert request.headers["Accept"] == "application/json"


@pytest.mark.parametrize(
    ("endpoint", "method", "path", "fixture", "call"), ENDPOINTS, ids=[e[0] for e in ENDPOINTS]
)
@pytest.mark.parametrize(
    ("body", "problem"),
    [(b"", "empty"), (b"<html>gateway</html>", "not JSON"), (b'"just a string"', "str")],
    ids=["empty", "html", "json-string"],
)
async def test_endpoint_malformed_body(
    make_client,
    endpoint: str,
    method: str,
    path: str,
    fixture: str,
    call: Callable,
    body: bytes,
    problem: str,
) -> None:
    recorder = Recorder(lambda: httpx.Response(200, content=body))

    async with make_client(recorder) as client:
        with pytest.raises(InvalidResponseError) as raised:
            await call(client)

    assert endpoint in str(raised.value)
    assert problem in str(raised.value)
    assert raised.value.status == 200


@pytest.mark.parametrize(
    ("call", "endpoint"),
    [
        (lambda c: c.get_flow(FLOW_ID), "GET /api/v2/flows/{flowId}"),
        (lambda c: c.get_execution(EXECUTION_ID), "GET /api/v2/flows/executions/{flowExecutionId}"),
        (lambda c: c.launch_flow(FLOW_ID), "POST /api/v2/flows/executions"),
        (lambda c: c.get_execution_data_setting(), "executiondata"),
        (lambda c: c.get_organization(), "GET /api/v2/organizations/me"),
    ],
    ids=["flow", "execution", "launch", "execution-data", "organization"],
)
async def test_endpoint_object_without_required_field(
    make_client, call: Callable, endpoint: str
) -> None:
    recorder = Recorder(lambda: httpx.Response(200, json={"unexpected": True}))

    async with make_client(recorder) as client:
        with pytest.raises(InvalidResponseError) as raised:
            await call(client)

    assert endpoint in str(raised.value)


async def test_get_token_info_fields(make_client) -> None:
    recorder = Recorder(json_answer("token_info"))

    async with make_client(recorder) as client:
        info = await client.get_token_info()

    assert isinstance(info, TokenInfo)
    assert info.organization_id == "o1000000-0000-4000-8000-000000000001"
    assert info.organization_name == "Example Org"
    assert info.oauth_client_id == "c1000000-0000-4000-8000-000000000001"
    assert info.oauth_client_name == "Web form backend"
    assert info.grant_type == "CLIENT-CREDENTIALS"


async def test_get_organization_fields(make_client) -> None:
    recorder = Recorder(json_answer("organization"))

    async with make_client(recorder) as client:
        organization = await client.get_organization()

    assert isinstance(organization, Organization)
    assert organization.name == "Example Org"
    assert organization.state == "active"
    assert organization.raw == load_fixture("organization")


async def test_get_flow_fields(make_client) -> None:
    recorder = Recorder(json_answer("flow"))

    async with make_client(recorder) as client:
        flow = await client.get_flow(FLOW_ID)

    assert isinstance(flow, Flow)
    assert flow.type == "WORKFLOW"
    assert flow.division_name == "Home"
    assert flow.published_version is not None
    assert flow.published_version.id == "3.0"
    assert flow.checked_in_version is not None
    assert flow.checked_in_version.id == "4.0"
    assert flow.saved_version is not None
    assert flow.saved_version.date_saved == datetime(2026, 1, 2, tzinfo=timezone.utc)
    assert flow.input_schema is not None
    assert list(flow.input_schema.properties) == ["Flow.email", "Flow.retryLimit", "Flow.tags"]


async def test_get_flow_id_quoted_in_path(make_client) -> None:
    recorder = Recorder(json_answer("flow"))

    async with make_client(recorder) as client:
        await client.get_flow("../organizations/me")

    assert recorder.requests[0].url.raw_path == b"/api/v2/flows/..%2Forganizations%2Fme"


async def test_get_flow_version_dates(make_client) -> None:
    recorder = Recorder(json_answer("flow_version"))

    async with make_client(recorder) as client:
        version = await client.get_flow_version(FLOW_ID, "3.0")

    assert isinstance(version, FlowVersion)
    assert version.type == "PUBLISH"
    assert version.date_created == datetime(2026, 1, 1, tzinfo=timezone.utc)
    assert version.date_checked_in == datetime(2026, 1, 1, 0, 1, tzinfo=timezone.utc)
    assert version.date_published == datetime(2026, 1, 1, 0, 2, tzinfo=timezone.utc)
    assert version.output_schema is not None
    assert version.output_schema.properties["Flow.sent"].arch_type == "bool"


async def test_launch_flow_body(make_client) -> None:
    recorder = Recorder(json_answer("launch"))

    async with make_client(recorder) as client:
        result = await client.launch_flow(
            FLOW_ID, {"Flow.email": "a@example.com"}, flow_version="3.0", name="web-form-1"
        )

    assert json.loads(recorder.requests[0].content) == {
        "flowId": FLOW_ID,
        "flowVersion": "3.0",
        "inputData": {"Flow.email": "a@example.com"},
        "name": "web-form-1",
    }
    assert recorder.requests[0].headers["Content-Type"] == "application/json"
    assert isinstance(result, LaunchResult)
    assert result.id == EXECUTION_ID
    assert result.flow_version_id == "3.0"
    assert result.self_uri == f"/api/v2/flows/executions/{EXECUTION_ID}"


async def test_launch_flow_minimal_body_generated_name(make_client) -> None:
    recorder = Recorder(json_answer("launch"))

    async with make_client(recorder) as client:
        await client.launch_flow(FLOW_ID)
        await client.launch_flow(FLOW_ID)

    bodies = [json.loads(r.content) for r in recorder.requests]
    assert [set(body) for body in bodies] == [{"flowId", "name"}] * 2
    assert all(body["name"].startswith("flowwidgets-") for body in bodies)
    assert bodies[0]["name"] != bodies[1]["name"]


async def test_get_execution_completed(make_client) -> None:
    recorder = Recorder(json_answer("execution_completed"))

    async with make_client(recorder) as client:
        execution = await client.get_execution(EXECUTION_ID)

    assert isinstance(execution, Execution)
    assert execution.status is ExecutionStatus.COMPLETED
    assert execution.is_terminal
    assert execution.completion_reason == "Success"
    assert execution.output_data == {"Flow.sent": True}
    assert execution.date_launched == datetime(2026, 1, 2, 9, 15, 0, 250000, tzinfo=timezone.utc)
    assert execution.flow_version is not None
    assert execution.flow_version.input_schema is not None
    assert execution.flow_id == FLOW_ID


async def test_get_execution_failed(make_client) -> None:
    recorder = Recorder(json_answer("execution_failed"))

    async with make_client(recorder) as client:
        execution = await client.get_execution("e7000000-0000-4000-8000-000000000002")

    assert execution.status is ExecutionStatus.FAILED
    assert execution.is_terminal
    assert execution.flow_error_info is not None
    assert execution.flow_error_info["code"] == "error.workflow.expression.unexpectedNull"
    assert execution.output_data == {}


async def test_get_execution_data_setting(make_client) -> None:
    recorder = Recorder(json_answer("execution_data_setting"))

    async with make_client(recorder) as client:
        setting = await client.get_execution_data_setting()

    assert isinstance(setting, ExecutionDataSetting)
    assert setting.enabled is False
    assert setting.date_modified == datetime(2025, 12, 1, 8, tzinfo=timezone.utc)


async def test_query_flow_instances(make_client) -> None:
    recorder = Recorder(json_answer("instances_query"))
    query = {"query": [{"and": [{"key": "FlowId", "operator": "eq", "value": FLOW_ID}]}]}

    async with make_client(recorder) as client:
        records = await client.query_flow_instances(query, page_size=200)

    (request,) = recorder.requests
    assert json.loads(request.content) == query
    assert request.url.params["pageSize"] == "200"
    assert [r.name for r in records] == ["web-form-2026-01-02", "web-form-2026-01-03"]
    assert records[0].flow_id == FLOW_ID
    assert records[0].flow_version == "3.0"
    assert records[0].flow_type == "workflow"
    assert records[0].flow_name == "Web form follow-up"
    assert records[0].start == datetime(2026, 1, 2, 9, 15, 0, 300000, tzinfo=timezone.utc)
    assert records[0].error_reason is None
    assert records[1].error_reason == "error.workflow.expression.unexpectedNull"


async def test_query_flow_execution_aggregates_body(make_client) -> None:
    recorder = Recorder(json_answer("aggregates"))
    predicate = {"type": "dimension", "dimension": "flowId", "value": FLOW_ID}

    async with make_client(recorder) as client:
        result = await client.query_flow_execution_aggregates(
            INTERVAL,
            group_by=["flowId"],
            filter={"type": "and", "predicates": [predicate]},
            granularity="PT1H",
            time_zone="Europe/Berlin",
        )

    assert json.loads(recorder.requests[0].content) == {
        "interval": INTERVAL,
        "metrics": ["nFlowExecutions"],
        "groupBy": ["flowId"],
        "filter": {"type": "and", "predicates": [predicate]},
        "granularity": "PT1H",
        "timeZone": "Europe/Berlin",
    }
    assert isinstance(result, AggregateResult)
    assert [row.count for row in result.rows] == [4, 1]
    assert result.rows[0].group == {"flowId": FLOW_ID}
    assert result.rows[0].metric == "nFlowExecutions"
    assert result.rows[0].interval_start == datetime(2026, 1, 2, tzinfo=timezone.utc)
    assert result.rows[1].interval_end == datetime(2026, 1, 2, 2, tzinfo=timezone.utc)


async def test_query_flow_execution_aggregates_minimal_body(make_client) -> None:
    recorder = Recorder(lambda: httpx.Response(200, json={}))

    async with make_client(recorder) as client:
        result = await client.query_flow_execution_aggregates(INTERVAL)

    assert json.loads(recorder.requests[0].content) == {
        "interval": INTERVAL,
        "metrics": ["nFlowExecutions"],
    }
    assert result.rows == []
    assert result.raw == {}
