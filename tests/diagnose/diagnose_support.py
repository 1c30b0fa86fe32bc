"""Helpers of the diagnose tests: a client wired to an in-process sandbox, and scenario builders."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

from flowwidgets.api import BearerToken, GenesysClient
from flowwidgets.sandbox import Sandbox


@asynccontextmanager
async def sandbox_client(scenario: str | dict[str, Any]) -> AsyncIterator[GenesysClient]:
    """Yield a client for a sandbox org, with ``client.sandbox`` set as ``connect`` sets it.

    The token comes from the sandbox's own token endpoint, so every call goes through the real
    client and the real sandbox app.
    """
    sandbox = Sandbox.from_scenario(scenario)
    oauth = sandbox.default_client
    async with httpx.AsyncClient(
        transport=sandbox.transport(), base_url=f"https://login.{sandbox.region}"
    ) as login:
        answer = await login.post(
            "/oauth/token",
            data={"grant_type": "client_credentials"},
            auth=(oauth.client_id, oauth.secret),
        )
    token = answer.json()["access_token"]

    async def advance(seconds: float) -> None:
        sandbox.clock.advance(seconds)

    client = GenesysClient(
        region=sandbox.region,
        auth=BearerToken(token),
        transport=sandbox.transport(),
        sleep=advance,
    )
    client.sandbox = sandbox
    async with client:
        yield client


def workflow_scenario(
    *,
    flow_id: str,
    inputs: dict[str, dict[str, Any]],
    region: str = "mypurecloud.com",
    flow_type: str = "WORKFLOW",
    name: str = "Test workflow",
    versions: list[dict[str, Any]] | None = None,
    published_version: str | None = "1.0",
    execution_data: dict[str, Any] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """Build a scenario dict with one flow; ``inputs`` maps ``Flow.x`` to a variable spec."""
    flow: dict[str, Any] = {
        "id": flow_id,
        "name": name,
        "type": flow_type,
        "versions": versions
        or [
            {"id": "1.0", "type": "PUBLISH", "created_at": -86400, "inputs": copy.deepcopy(inputs)}
        ],
        "run": {"duration_seconds": 3},
    }
    if published_version is not None:
        flow["published_version"] = published_version
    return {
        "name": "test",
        "description": "One flow built by a diagnose test.",
        "region": region,
        "organization": {"id": "9d1c4f6a-2b3e-4c5d-8e7f-0a1b2c3d4e5f", "name": "Test Org"},
        "clients": [
            {
                "client_id": "test-client",
                "secret": "test-secret",
                "name": "Test",
                "permissions": ["*"],
                "divisions": ["*"],
            }
        ],
        "flows": [flow],
        "execution_data": execution_data or {"enabled": False},
        **extra,
    }
