"""Scenarios, clients and recorders shared by the reliability tests.

Every test here builds its own scenario dict, so the faults it injects are
visible in the test itself. The sandbox clock is frozen (speed 0), and the
client's sleep advances it, so a 429 with ``Retry-After: 30`` costs no real
time but still moves the sandbox's rate-limit window forward.
"""

from __future__ import annotations

import asyncio
import copy
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import httpx

CLIENT_ID = "reliability-client"
CLIENT_SECRET = "s3cr3t-reliability-NEVER-SHOWN-7f4e2a"
FLOW_ID = "6a1f2e3d-4c5b-4a69-8877-665544332211"
ORG_ID = "0d9c8b7a-6f5e-4d3c-9b2a-1f0e9d8c7b6a"
LAUNCH_PATH = "/api/v2/flows/executions"

_BASE_SCENARIO: dict[str, Any] = {
    "name": "reliability",
    "description": "One workflow with execution history on, for fault, load and secret tests.",
    "region": "mypurecloud.com",
    "organization": {"id": ORG_ID, "name": "Reliability Test Org"},
    "clients": [
        {
            "client_id": CLIENT_ID,
            "secret": CLIENT_SECRET,
            "name": "Reliability OAuth client",
        }
    ],
    "flows": [
        {
            "id": FLOW_ID,
            "name": "Order follow-up",
            "type": "WORKFLOW",
            "versions": [
                {
                    "id": "1.0",
                    "type": "PUBLISH",
                    "created_at": -7200,
                    "inputs": {
                        "Flow.email": {"type": "string", "fails_when_null": True},
                        "Flow.orderId": {"type": "string"},
                    },
                    "outputs": {"Flow.sent": {"type": "boolean"}},
                }
            ],
            "published_version": "1.0",
            "published_at": -3600,
            "run": {"duration_seconds": 30, "outputs": {"Flow.sent": True}},
        }
    ],
    "execution_data": {"enabled": True, "enabled_at": -5400},
    "analytics": {"lag_seconds": 60},
    "clock": {"speed": 0},
    "faults": [],
}


def build_scenario(
    *,
    faults: Iterable[dict[str, Any]] = (),
    history: bool = True,
    client: dict[str, Any] | None = None,
    retention: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Return a copy of the reliability scenario with ``faults`` injected."""
    scenario = copy.deepcopy(_BASE_SCENARIO)
    scenario["faults"] = list(faults)
    scenario["execution_data"]["enabled"] = history
    if client:
        scenario["clients"][0].update(client)
    if retention:
        scenario["retention"] = retention
    return scenario


@dataclass
class WaitRecorder:
    """Records every sleep the client asks for and every ``on_wait`` report.

    The sleep advances the sandbox clock by the requested delay and yields to
    the event loop, so rate-limit windows move on without real waiting.
    """

    sandbox: Any = None
    sleeps: list[float] = field(default_factory=list)
    waits: list[Any] = field(default_factory=list)

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        if self.sandbox is not None and seconds > 0:
            self.sandbox.clock.advance(seconds)
        await asyncio.sleep(0)

    def on_wait(self, wait: Any) -> None:
        self.waits.append(wait)


def make_sandbox(scenario: dict[str, Any]) -> Any:
    """Build an in-process sandbox from a scenario dict."""
    from flowwidgets.sandbox import Sandbox

    return Sandbox.from_scenario(scenario)


def make_client(
    sandbox: Any, recorder: WaitRecorder, *, transport: Any = None, **kwargs: Any
) -> Any:
    """Build a client wired to ``sandbox`` in process, sleeping through ``recorder``."""
    from flowwidgets.api import ClientCredentials, GenesysClient

    recorder.sandbox = sandbox
    client = GenesysClient(
        region=sandbox.region,
        auth=ClientCredentials(CLIENT_ID, CLIENT_SECRET),
        transport=transport or sandbox.transport(),
        on_wait=recorder.on_wait,
        sleep=recorder.sleep,
        **kwargs,
    )
    # As flowwidgets.connect does, so the doctor advances the sandbox clock instead of waiting.
    client.sandbox = sandbox
    return client


def requests_to(sandbox: Any, path: str, method: str | None = None) -> list[Any]:
    """Return the requests the sandbox received on ``path`` (and ``method`` when given)."""
    matches = []
    for entry in sandbox.request_log:
        entry_path = _field(entry, "path")
        entry_method = _field(entry, "method")
        if entry_path == path and (method is None or entry_method == method):
            matches.append(entry)
    return matches


def _field(entry: Any, name: str) -> Any:
    if isinstance(entry, dict):
        return entry.get(name)
    return getattr(entry, name, None)


def clear_token_cache() -> None:
    """Empty the client's process-wide token cache, so each test counts its own token requests."""
    try:
        from flowwidgets.api import auth
    except ImportError:
        return
    for name in ("clear_token_cache", "_clear_token_cache"):
        function = getattr(auth, name, None)
        if callable(function):
            function()
            return
    cache = getattr(auth, "_TOKEN_CACHE", None)
    if isinstance(cache, dict):
        cache.clear()


def fault(kind: str, path: str, **options: Any) -> dict[str, Any]:
    """Return a scenario fault entry (kind, fnmatch path pattern, options as in the schema)."""
    return {"kind": kind, "path": path, **options}



class TokenRecorder(httpx.AsyncBaseTransport):
    """Wraps a transport and keeps every access token the login host issued through it.

    The sandbox signs its tokens instead of storing them, so the secret-hygiene
    tests learn the tokens of a run here.
    """

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.tokens: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if request.url.path == "/oauth/token" and response.status_code == 200:
            body = json.loads(await response.aread())
            self.tokens.append(body["access_token"])
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()
