"""Waiting out 429s, retrying idempotent requests, and never re-sending a launch blindly."""

from __future__ import annotations

import json
import logging

import httpx
import pytest
from conftest import SleepRecorder, is_token_request, load_fixture, token_response

from flowwidgets.api import (
    ApiConnectionError,
    LaunchOutcomeUnknownError,
    RateLimitError,
    ServerError,
)

FLOW_ID = "a1b2c3d4-e5f6-7890-abcd-ef1234567890"
LAUNCH_PATH = "/api/v2/flows/executions"


def rate_limited(retry_after: str | None) -> httpx.Response:
    headers = {"Retry-After": retry_after} if retry_after is not None else {}
    return httpx.Response(429, json=load_fixture("error_rate_limited"), headers=headers)


def server_error(status: int = 503) -> httpx.Response:
    return httpx.Response(status, json=load_fixture("error_server"))


class Script:
    """A handler that responds to API requests from a list, then repeats the last response."""

    def __init__(self, *answers: httpx.Response | Exception) -> None:
        self.answers = list(answers)
        self.api_requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if is_token_request(request):
            return token_response()
        self.api_requests.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        return answer


async def test_rate_limit_waits_retry_after(make_client, sleeper: SleepRecorder) -> None:
    script = Script(
        rate_limited("7"), rate_limited("3"), httpx.Response(200, json=load_fixture("flow"))
    )

    async with make_client(script) as client:
        flow = await client.get_flow(FLOW_ID)

    assert flow.id == FLOW_ID
    assert sleeper.delays == [7.0, 3.0]
    assert len(script.api_requests) == 3
    assert [wait.retry_after for wait in sleeper.waits] == [7.0, 3.0]
    assert [wait.reason for wait in sleeper.waits] == ["rate-limited"] * 2
    assert [wait.status for wait in sleeper.waits] == [429, 429]
    assert [wait.attempt for wait in sleeper.waits] == [1, 2]
    assert sleeper.waits[0].url == f"https://api.mypurecloud.com/api/v2/flows/{FLOW_ID}"
    assert client.rate_limit_events == sleeper.waits


async def test_rate_limit_without_header_default_backoff(
    make_client, sleeper: SleepRecorder
) -> None:
    script = Script(rate_limited(None), rate_limited(None), httpx.Response(200, json={}))

    async with make_client(script) as client:
        await client.request("GET", "/api/v2/anything")

    assert sleeper.delays == [5.0, 10.0]
    assert [wait.retry_after for wait in sleeper.waits] == [None, None]


async def test_rate_limit_total_wait_bound(make_client, sleeper: SleepRecorder) -> None:
    script = Script(rate_limited("50"))

    async with make_client(script, max_retry_wait=120.0) as client:
        with pytest.raises(RateLimitError) as raised:
            await client.get_flow(FLOW_ID)

    assert sleeper.delays == [50.0, 50.0]
    assert len(script.api_requests) == 3
    assert raised.value.retry_after == 50.0
    assert raised.value.retry_after_seen == [50.0, 50.0, 50.0]
    assert raised.value.waited == 100.0
    assert raised.value.status == 429
    assert len(client.rate_limit_events) == 3


async def test_rate_limit_retry_after_longer_than_bound(
    make_client, sleeper: SleepRecorder
) -> None:
    script = Script(rate_limited("600"))

    async with make_client(script, max_retry_wait=120.0) as client:
        with pytest.raises(RateLimitError) as raised:
            await client.get_organization()

    assert sleeper.delays == []
    assert raised.value.retry_after == 600.0
    assert len(script.api_requests) == 1


async def test_rate_limit_logged_as_warning(make_client, caplog) -> None:
    script = Script(rate_limited("4"), httpx.Response(200, json=load_fixture("organization")))

    with caplog.at_level(logging.INFO, logger="flowwidgets"):
        async with make_client(script) as client:
            await client.get_organization()

    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "rate-limited" in warnings[0].getMessage()
    assert "Retry-After 4.0" in warnings[0].getMessage()


async def test_rate_limit_launch_resent_after_wait(make_client, sleeper: SleepRecorder) -> None:
    script = Script(rate_limited("2"), httpx.Response(200, json=load_fixture("launch")))

    async with make_client(script) as client:
        result = await client.launch_flow(FLOW_ID, {"Flow.email": "a@example.com"}, name="n1")

    bodies = [json.loads(r.content) for r in script.api_requests]
    assert result.id == load_fixture("launch")["id"]
    assert sleeper.delays == [2.0]
    assert len(bodies) == 2
    assert bodies[0] == bodies[1]
    assert bodies[0]["name"] == "n1"


async def test_rate_limit_token_endpoint_waited_out(make_client, sleeper: SleepRecorder) -> None:
    token_answers = [rate_limited("9"), token_response()]

    def handler(request: httpx.Request) -> httpx.Response:
        if is_token_request(request):
            return token_answers.pop(0)
        return httpx.Response(200, json=load_fixture("organization"))

    async with make_client(handler) as client:
        organization = await client.get_organization()

    assert organization.id == load_fixture("organization")["id"]
    assert sleeper.delays == [9.0]


@pytest.mark.parametrize("status", [502, 503, 504])
async def test_server_error_get_retried(make_client, sleeper: SleepRecorder, status: int) -> None:
    script = Script(server_error(status), httpx.Response(200, json=load_fixture("flow")))

    async with make_client(script) as client:
        flow = await client.get_flow(FLOW_ID)

    assert flow.name == "Web form follow-up"
    assert len(script.api_requests) == 2
    assert [wait.reason for wait in sleeper.waits] == ["server-error"]
    assert sleeper.waits[0].status == status
    assert 0.25 <= sleeper.delays[0] <= 0.75


async def test_server_error_get_gives_up(make_client, sleeper: SleepRecorder) -> None:
    script = Script(server_error(503))

    async with make_client(script, max_retries=2) as client:
        with pytest.raises(ServerError) as raised:
            await client.get_flow(FLOW_ID)

    assert len(script.api_requests) == 3
    assert len(sleeper.delays) == 2
    assert raised.value.status == 503
    assert raised.value.code == "service.unavailable"


async def test_server_error_500_not_retried(make_client, sleeper: SleepRecorder) -> None:
    script = Script(server_error(500))

    async with make_client(script) as client:
        with pytest.raises(ServerError):
            await client.get_flow(FLOW_ID)

    assert len(script.api_requests) == 1
    assert sleeper.delays == []


@pytest.mark.parametrize("status", [502, 503, 504])
async def test_server_error_launch_not_resent(
    make_client, sleeper: SleepRecorder, status: int
) -> None:
    script = Script(server_error(status), httpx.Response(200, json=load_fixture("launch")))

    async with make_client(script) as client:
        with pytest.raises(LaunchOutcomeUnknownError) as raised:
            await client.launch_flow(FLOW_ID, name="gateway")

    assert len(script.api_requests) == 1
    assert sleeper.delays == []
    assert raised.value.status == status
    assert raised.value.execution_name == "gateway"
    assert raised.value.flow_id == FLOW_ID


async def test_server_error_500_launch_raises_server_error(make_client) -> None:
    script = Script(server_error(500), httpx.Response(200, json=load_fixture("launch")))

    async with make_client(script) as client:
        with pytest.raises(ServerError):
            await client.launch_flow(FLOW_ID)

    assert len(script.api_requests) == 1


@pytest.mark.parametrize(
    "failure",
    [
        httpx.RemoteProtocolError("Server disconnected without sending a response."),
        httpx.ReadError("connection reset"),
        httpx.ReadTimeout("timed out"),
        httpx.WriteError("broken pipe"),
    ],
    ids=["disconnected", "reset", "read-timeout", "write-error"],
)
async def test_launch_connection_lost_not_resent(
    make_client, sleeper: SleepRecorder, failure: Exception
) -> None:
    script = Script(failure, httpx.Response(200, json=load_fixture("launch")))

    async with make_client(script) as client:
        with pytest.raises(LaunchOutcomeUnknownError) as raised:
            await client.launch_flow(FLOW_ID, {"Flow.email": "a@example.com"}, name="lost-1")

    assert len(script.api_requests) == 1
    assert sleeper.delays == []
    assert raised.value.execution_name == "lost-1"
    assert raised.value.flow_id == FLOW_ID
    assert raised.value.status is None
    assert "lost-1" in str(raised.value)
    assert "not re-sent" in str(raised.value)


async def test_launch_generated_name_in_unknown_outcome(make_client) -> None:
    script = Script(httpx.RemoteProtocolError("Server disconnected"))

    async with make_client(script) as client:
        with pytest.raises(LaunchOutcomeUnknownError) as raised:
            await client.launch_flow(FLOW_ID)

    sent_name = json.loads(script.api_requests[0].content)["name"]
    assert raised.value.execution_name == sent_name
    assert sent_name.startswith("flowwidgets-")


async def test_launch_connect_error_nothing_launched(make_client) -> None:
    script = Script(httpx.ConnectError("connection refused"))

    async with make_client(script) as client:
        with pytest.raises(ApiConnectionError) as raised:
            await client.launch_flow(FLOW_ID)

    assert len(script.api_requests) == 1
    assert "nothing was launched" in str(raised.value)


async def test_connection_error_get_retried(make_client, sleeper: SleepRecorder) -> None:
    script = Script(
        httpx.ConnectError("connection refused"),
        httpx.ReadTimeout("timed out"),
        httpx.Response(200, json=load_fixture("organization")),
    )

    async with make_client(script) as client:
        organization = await client.get_organization()

    assert organization.name == "Example Org"
    assert len(script.api_requests) == 3
    assert [wait.reason for wait in sleeper.waits] == ["connection-error"] * 2
    assert [wait.status for wait in sleeper.waits] == [None, None]


async def test_connection_error_get_gives_up(make_client) -> None:
    script = Script(httpx.ConnectError("connection refused"))

    async with make_client(script, max_retries=1) as client:
        with pytest.raises(ApiConnectionError) as raised:
            await client.get_organization()

    assert len(script.api_requests) == 2
    assert raised.value.method == "GET"
    assert "2 attempt(s)" in str(raised.value)


async def test_read_queries_retried_on_server_error(make_client) -> None:
    script = Script(
        server_error(503),
        httpx.Response(200, json=load_fixture("instances_query")),
        server_error(502),
        httpx.Response(200, json=load_fixture("aggregates")),
    )

    async with make_client(script) as client:
        records = await client.query_flow_instances({"query": []})
        result = await client.query_flow_execution_aggregates("2026-01-02T00:00:00Z/P1D")

    assert len(records) == 2
    assert len(result.rows) == 2
    assert [r.method for r in script.api_requests] == ["POST"] * 4


async def test_request_non_idempotent_post_not_retried(make_client) -> None:
    script = Script(server_error(503), httpx.Response(200, json={}))

    async with make_client(script) as client:
        with pytest.raises(ServerError):
            await client.request("POST", "/api/v2/flows/instances/jobs", json={"ids": ["x"]})

    assert len(script.api_requests) == 1


async def test_launch_token_request_lost_nothing_launched(make_client) -> None:
    launches: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if is_token_request(request):
            raise httpx.ReadError("connection reset")
        launches.append(request)
        return httpx.Response(200, json=load_fixture("launch"))

    async with make_client(handler) as client:
        with pytest.raises(ApiConnectionError) as raised:
            await client.launch_flow(FLOW_ID, name="never-sent")

    assert launches == []
    assert "nothing was launched" in str(raised.value)
