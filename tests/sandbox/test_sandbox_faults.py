"""Injected faults: 429 bursts, 5xx, latency, dropped connections and token expiry."""

from __future__ import annotations

import logging

import httpx
import pytest
from sandbox_support import (
    SEED_FLOW_ID,
    bearer,
    http_client,
    loopback_client,
    request_token,
    scenario,
)

from flowwidgets.sandbox import Sandbox
from flowwidgets.sandbox.serve import serve_in_thread


def with_faults(*faults: dict[str, object]) -> Sandbox:
    return Sandbox.from_scenario(scenario(faults=list(faults)))


async def test_fault_rate_limit_burst() -> None:
    sandbox = with_faults(
        {"kind": "rate_limit", "path": "/api/v2/flows", "count": 2, "retry_after": 7}
    )

    async with http_client(sandbox) as http:
        headers = await bearer(http, sandbox)
        answers = [await http.get("/api/v2/flows", headers=headers) for _ in range(3)]
        other_path = await http.get(f"/api/v2/flows/{SEED_FLOW_ID}", headers=headers)

    assert [answer.status_code for answer in answers] == [429, 429, 200]
    assert answers[0].headers["Retry-After"] == "7"
    assert answers[0].json()["code"] == "too.many.requests"
    assert other_path.status_code == 200


async def test_fault_rate_limit_per_minute_c06() -> None:
    sandbox = Sandbox.from_scenario("c06", speed=0)

    async with http_client(sandbox) as http:
        headers = await bearer(http, sandbox)
        answers = [
            await http.get(
                "/api/v2/flows", params={"pageSize": 500, "pageNumber": number}, headers=headers
            )
            for number in range(1, 6)
        ]
        sandbox.clock.advance(int(answers[-1].headers["Retry-After"]))
        retried = await http.get(
            "/api/v2/flows", params={"pageSize": 500, "pageNumber": 5}, headers=headers
        )

    assert [answer.status_code for answer in answers] == [200, 200, 200, 200, 429]
    assert retried.status_code == 200
    assert retried.json()["pageNumber"] == 5


async def test_fault_rate_limit_token_endpoint() -> None:
    sandbox = with_faults(
        {"kind": "rate_limit", "path": "/oauth/token", "count": 1, "retry_after": 3}
    )

    async with http_client(sandbox) as http:
        limited = await request_token(http, sandbox, "test-client", "test-secret")
        granted = await request_token(http, sandbox, "test-client", "test-secret")

    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == "3"
    assert "error" in limited.json()
    assert granted.status_code == 200


async def test_fault_server_error_then_recovers() -> None:
    sandbox = with_faults(
        {"kind": "server_error", "path": "/api/v2/flows/executions/*", "status": 503, "count": 1}
    )

    async with http_client(sandbox) as http:
        headers = await bearer(http, sandbox)
        launched = await http.post(
            "/api/v2/flows/executions", json={"flowId": SEED_FLOW_ID}, headers=headers
        )
        failed = await http.get(launched.json()["selfUri"], headers=headers)
        recovered = await http.get(launched.json()["selfUri"], headers=headers)

    assert launched.status_code == 200
    assert failed.status_code == 503
    assert failed.json()["code"] == "service.unavailable"
    assert recovered.status_code == 200


async def test_fault_skip_delays_start() -> None:
    sandbox = with_faults(
        {"kind": "server_error", "path": "/api/v2/organizations/me", "status": 502, "skip": 1}
    )

    async with http_client(sandbox) as http:
        headers = await bearer(http, sandbox)
        answers = [await http.get("/api/v2/organizations/me", headers=headers) for _ in range(3)]

    assert [answer.status_code for answer in answers] == [200, 502, 502]


async def test_fault_latency_exceeds_client_timeout() -> None:
    sandbox = with_faults({"kind": "latency", "path": "/api/v2/organizations/me", "seconds": 2})

    with serve_in_thread(sandbox) as served:
        async with loopback_client(served.url) as http:
            headers = await bearer(http, sandbox, login_host=served.url)
            with pytest.raises(httpx.ReadTimeout):
                await http.get("/api/v2/organizations/me", headers=headers, timeout=0.2)
            unaffected = await http.get("/api/v2/tokens/me", headers=headers, timeout=5)

    assert unaffected.status_code == 200


async def test_fault_drop_before_processing() -> None:
    sandbox = with_faults(
        {"kind": "drop_connection", "path": "/api/v2/flows/executions", "count": 1}
    )

    async with http_client(sandbox) as http:
        headers = await bearer(http, sandbox)
        with pytest.raises(httpx.ConnectError):
            await http.post(
                "/api/v2/flows/executions", json={"flowId": SEED_FLOW_ID}, headers=headers
            )
        dropped_count = len(sandbox.executions)
        retried = await http.post(
            "/api/v2/flows/executions", json={"flowId": SEED_FLOW_ID}, headers=headers
        )

    assert dropped_count == 0
    assert retried.status_code == 200


async def test_fault_drop_after_launch_processed() -> None:
    sandbox = with_faults(
        {
            "kind": "drop_connection",
            "path": "/api/v2/flows/executions",
            "method": "POST",
            "after_processing": True,
        }
    )

    async with http_client(sandbox) as http:
        headers = await bearer(http, sandbox)
        with pytest.raises(httpx.RemoteProtocolError):
            await http.post(
                "/api/v2/flows/executions",
                json={"flowId": SEED_FLOW_ID, "name": "lost-reply"},
                headers=headers,
            )

    assert [execution.name for execution in sandbox.executions.values()] == ["lost-reply"]


async def test_fault_drop_after_processing_served() -> None:
    sandbox = with_faults(
        {"kind": "drop_connection", "path": "/api/v2/flows/executions", "after_processing": True}
    )

    with serve_in_thread(sandbox) as served:
        async with loopback_client(served.url) as http:
            headers = await bearer(http, sandbox, login_host=served.url)
            with pytest.raises(httpx.TransportError):
                await http.post(
                    "/api/v2/flows/executions", json={"flowId": SEED_FLOW_ID}, headers=headers
                )

    assert len(sandbox.executions) == 1


async def test_fault_token_expiry_revokes_token() -> None:
    sandbox = with_faults({"kind": "token_expiry", "path": "/api/v2/flows", "count": 1})

    async with http_client(sandbox) as http:
        old = await bearer(http, sandbox)
        expired = await http.get("/api/v2/flows", headers=old)
        still_expired = await http.get("/api/v2/organizations/me", headers=old)
        fresh = await http.get("/api/v2/flows", headers=await bearer(http, sandbox))

    assert expired.status_code == 401
    assert expired.json()["code"] == "bad.credentials"
    assert still_expired.status_code == 401
    assert fresh.status_code == 200


async def test_fault_rate_limit_logged_only_when_fired(caplog: pytest.LogCaptureFixture) -> None:
    sandbox = with_faults({"kind": "rate_limit", "path": "/api/v2/flows", "per_minute": 1})
    caplog.set_level(logging.INFO, logger="flowwidgets.sandbox")

    async with http_client(sandbox) as http:
        headers = await bearer(http, sandbox)
        admitted = await http.get("/api/v2/flows", headers=headers)
        admitted_log = caplog.text
        limited = await http.get("/api/v2/flows", headers=headers)

    assert admitted.status_code == 200
    assert "injected fault" not in admitted_log
    assert limited.status_code == 429
    assert "injected fault rate_limit hits GET /api/v2/flows" in caplog.text


async def test_revoked_tokens_dropped_after_expiry() -> None:
    sandbox = Sandbox.from_scenario(
        scenario(
            clients=[{"client_id": "c", "secret": "s", "token_lifetime_seconds": 300}],
            faults=[{"kind": "token_expiry", "path": "/api/v2/flows"}],
        )
    )

    async with http_client(sandbox) as http:
        first = await bearer(http, sandbox)
        await http.get("/api/v2/flows", headers=first)
        revoked_before_expiry = len(sandbox.org.revoked_tokens)
        sandbox.clock.advance(301)
        second = await bearer(http, sandbox)
        await http.get("/api/v2/flows", headers=second)
        still_rejected = await http.get("/api/v2/organizations/me", headers=first)

    assert revoked_before_expiry == 1
    assert list(sandbox.org.revoked_tokens) == [second["Authorization"].split()[1]]
    assert still_rejected.status_code == 401
