"""The client secret and the access token never appear in logs, reprs or exception text.

A representative set of client operations runs against a MockTransport with a known secret and
token: every endpoint's success and every kind of error. Everything a user could see or share
afterwards is collected and scanned.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from flowwidgets.api import (
    BearerToken,
    ClientCredentials,
    FlowwidgetsError,
    GenesysClient,
    clear_token_cache,
)

CLIENT_ID = "secret-scan-client"
SECRET = "S3CRET-scan-value-4b1e7d"
TOKEN = "TOKEN-scan-value-9c2a55"
FLOW_ID = "a1b2c3d4-e5f6-7890-abcd-ef1234567890"

FORBIDDEN = {
    SECRET,
    TOKEN,
    base64.b64encode(f"{CLIENT_ID}:{SECRET}".encode()).decode(),
}

FLOW = {
    "id": FLOW_ID,
    "name": "Web form follow-up",
    "type": "WORKFLOW",
    "publishedVersion": {"id": "1.0", "dateCreated": 1767225600000},
}
EXECUTION = {
    "id": "e1",
    "name": "scan",
    "status": "COMPLETED",
    "dateLaunched": "2026-01-02T09:15:00Z",
    "flowVersion": {"id": "1.0", "selfUri": f"/api/v2/flows/{FLOW_ID}/versions/1.0"},
}

SUCCESS: dict[str, Any] = {
    "/api/v2/tokens/me": {"organization": {"id": "o1"}, "OAuthClient": {"id": CLIENT_ID}},
    "/api/v2/organizations/me": {"id": "o1", "name": "Org"},
    "/api/v2/flows": {"entities": [FLOW], "pageNumber": 1, "pageCount": 1},
    f"/api/v2/flows/{FLOW_ID}": FLOW,
    f"/api/v2/flows/{FLOW_ID}/versions": {"entities": [FLOW["publishedVersion"]]},
    f"/api/v2/flows/{FLOW_ID}/versions/1.0": FLOW["publishedVersion"],
    "/api/v2/flows/executions": {"id": "e1", "name": "scan", "flowVersion": {"id": "1.0"}},
    "/api/v2/flows/executions/e1": EXECUTION,
    "/api/v2/flows/instances/settings/executiondata": {"enabled": True},
    "/api/v2/flows/instances/query": {"entities": [{"id": "i1", "flowId": FLOW_ID}]},
    "/api/v2/analytics/flowexecutions/aggregates/query": {},
}

FAILURES: dict[str, Callable[[], httpx.Response]] = {
    "/api/v2/fail/401": lambda: httpx.Response(401, json={"code": "bad.credentials"}),
    "/api/v2/fail/403": lambda: httpx.Response(
        403,
        json={"code": "missing.permissions", "messageParams": {"p": "architect:flow:view"}},
    ),
    "/api/v2/fail/404": lambda: httpx.Response(404, json={"code": "not.found"}),
    "/api/v2/fail/400": lambda: httpx.Response(400, text="not json"),
    "/api/v2/fail/429": lambda: httpx.Response(429, headers={"Retry-After": "500"}),
    "/api/v2/fail/500": lambda: httpx.Response(500),
}
INVALID_PATH = "/api/v2/flows/broken"


def handler(request: httpx.Request) -> httpx.Response:
    path = request.url.path
    if path == "/oauth/token":
        if request.url.host.startswith("login.mypurecloud.ie"):
            return httpx.Response(401, json={"error": "invalid_client", "error_description": "x"})
        return httpx.Response(200, json={"access_token": TOKEN, "expires_in": 3600})
    if path == "/api/v2/fail/connection" or (
        path == "/api/v2/flows/executions" and request.url.host == "api.mypurecloud.de"
    ):
        raise httpx.RemoteProtocolError("Server disconnected without sending a response.")
    if path in FAILURES:
        return FAILURES[path]()
    if path == INVALID_PATH:
        return httpx.Response(200, text="<html>")
    return httpx.Response(200, json=SUCCESS[path], headers={"ININ-Correlation-Id": "c1"})


async def noop_sleep(seconds: float) -> None:
    return None


def make_client(region: str, auth: httpx.Auth) -> GenesysClient:
    return GenesysClient(
        region=region,
        auth=auth,
        transport=httpx.MockTransport(handler),
        sleep=noop_sleep,
        max_retries=1,
    )


async def run_operations() -> list[object]:
    """Run every operation and return the results and exceptions it produced."""
    seen: list[object] = []

    async def attempt(call: Any) -> None:
        try:
            seen.append(await call)
        except FlowwidgetsError as exc:
            seen.append(exc)

    client = make_client("mypurecloud.com", ClientCredentials(CLIENT_ID, SECRET))
    seen.append(client)
    async with client:
        await attempt(client.get_token_info())
        await attempt(client.get_organization())
        await attempt(client.list_flows(type="workflow"))
        await attempt(client.get_flow(FLOW_ID))
        seen.append([version async for version in client.iter_flow_versions(FLOW_ID)])
        await attempt(client.get_flow_version(FLOW_ID, "1.0"))
        await attempt(client.launch_flow(FLOW_ID, {"Flow.email": "a@example.com"}, name="scan"))
        await attempt(client.get_execution("e1"))
        await attempt(client.get_execution_data_setting())
        await attempt(client.query_flow_instances({"query": []}))
        await attempt(client.query_flow_execution_aggregates("2026-01-01T00:00:00Z/P1D"))
        await attempt(client.get_flow("broken"))
        for path in [*FAILURES, "/api/v2/fail/connection"]:
            await attempt(client.request("GET", path))
        seen.append(list(client.rate_limit_events))

    for region, auth in [
        ("mypurecloud.ie", ClientCredentials(CLIENT_ID, SECRET)),
        (
            "mypurecloud.com.au",
            ClientCredentials(CLIENT_ID, SECRET, login_host="login.mypurecloud.de"),
        ),
        ("mypurecloud.com.au", BearerToken(TOKEN, region="mypurecloud.jp")),
        ("mypurecloud.de", BearerToken(TOKEN)),
    ]:
        other = make_client(region, auth)
        seen.extend([other, auth])
        async with other:
            await attempt(other.get_organization())
            await attempt(other.launch_flow(FLOW_ID, name="lost"))
    return seen


def texts_of(value: object) -> list[str]:
    texts = [repr(value), str(value)]
    if isinstance(value, BaseException):
        texts.append(repr(vars(value)))
        texts.extend(str(arg) for arg in value.args)
    return texts


@pytest.fixture(autouse=True)
def _empty_token_cache() -> None:
    clear_token_cache()


async def test_secrets_absent_from_logs_reprs_and_errors(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG):
        seen = await run_operations()

    error_kinds = {type(value).__name__ for value in seen if isinstance(value, Exception)}
    texts = [caplog.text, *(r.getMessage() for r in caplog.records)]
    for value in seen:
        texts.extend(texts_of(value))
    assert {
        "UnauthorizedError",
        "MissingPermissionError",
        "NotFoundError",
        "BadRequestError",
        "RateLimitError",
        "ServerError",
        "InvalidResponseError",
        "ApiConnectionError",
        "AuthError",
        "RegionMismatchError",
        "LaunchOutcomeUnknownError",
    } <= error_kinds
    assert len(caplog.records) > 20
    for text in texts:
        for forbidden in FORBIDDEN:
            assert forbidden not in text
