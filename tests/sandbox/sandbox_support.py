"""Helpers of the sandbox tests: raw HTTP clients and tokens for an in-process sandbox."""

from __future__ import annotations

import copy
from typing import Any

import httpx

from flowwidgets.sandbox import Sandbox

SEED_FLOW_ID = "a1b2c3d4-e5f6-7890-abcd-ef1234567890"
HOME_DIVISION = "0b7e2c1a-3d4f-4e5a-8b6c-7d8e9f0a1b2c"
OTHER_DIVISION = "6a1d3f5b-7c9e-4b2d-8f0a-1c3e5a7b9d2f"


def http_client(sandbox: Sandbox, host: str | None = None) -> httpx.AsyncClient:
    """Return an httpx client on the sandbox's API host (or ``https://<host>``), in-process."""
    base = f"https://{host}" if host else sandbox.api_base_url
    return httpx.AsyncClient(transport=sandbox.transport(), base_url=base)


async def request_token(
    http: httpx.AsyncClient,
    sandbox: Sandbox,
    client_id: str | None = None,
    secret: str | None = None,
    login_host: str | None = None,
) -> httpx.Response:
    """Send POST /oauth/token with Basic auth to the sandbox's login host.

    ``login_host`` is a host name such as ``login.mypurecloud.de``, used in-process, or a
    loopback base URL such as ``http://127.0.0.1:8765`` of a served sandbox.
    """
    client = sandbox.default_client
    host = login_host or f"login.{sandbox.region}"
    base = host if host.startswith("http://127.0.0.1") else f"https://{host}"
    return await http.post(
        f"{base}/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(client_id or client.client_id, secret or client.secret),
    )


async def bearer(
    http: httpx.AsyncClient,
    sandbox: Sandbox,
    client_id: str | None = None,
    login_host: str | None = None,
) -> dict[str, str]:
    """Return an Authorization header with a fresh token for a client of the sandbox."""
    wanted = client_id or sandbox.default_client.client_id
    client = next(c for c in sandbox.clients if c.client_id == wanted)
    answer = await request_token(http, sandbox, client.client_id, client.secret, login_host)
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def workflow(flow_id: str, name: str, **extra: Any) -> dict[str, Any]:
    """Return a published workflow for a scenario dict; a null Flow.email fails its runs."""
    entry: dict[str, Any] = {
        "id": flow_id,
        "name": name,
        "type": "WORKFLOW",
        "versions": [
            {
                "id": "1.0",
                "type": "PUBLISH",
                "created_at": -86400,
                "inputs": {"Flow.email": {"type": "string", "fails_when_null": True}},
                "outputs": {"Flow.sent": {"type": "boolean"}},
            }
        ],
        "published_version": "1.0",
        "run": {"duration_seconds": 5, "outputs": {"Flow.sent": True}},
    }
    entry.update(extra)
    return entry


def scenario(**overrides: Any) -> dict[str, Any]:
    """Return a small valid scenario dict, with top-level fields replaced by ``overrides``."""
    base: dict[str, Any] = {
        "name": "test",
        "description": "A scenario built by a test.",
        "region": "mypurecloud.com",
        "divisions": [
            {"id": HOME_DIVISION, "name": "Home"},
            {"id": OTHER_DIVISION, "name": "Billing"},
        ],
        "clients": [{"client_id": "test-client", "secret": "test-secret"}],
        "flows": [workflow(SEED_FLOW_ID, "Web form follow-up")],
        "clock": {"speed": 0},
    }
    base.update(copy.deepcopy(overrides))
    return base


async def _reject_non_loopback(request: httpx.Request) -> None:
    if request.url.host != "127.0.0.1":
        raise AssertionError(
            f"a served-sandbox test tried to reach {request.url.host}; use the served URL"
        )


def loopback_client(base_url: str) -> httpx.AsyncClient:
    """Return an httpx client for a served sandbox; it refuses hosts other than 127.0.0.1."""
    return httpx.AsyncClient(base_url=base_url, event_hooks={"request": [_reject_non_loopback]})
