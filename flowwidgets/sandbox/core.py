"""The Sandbox object: a simulated Genesys Cloud org with its ASGI app and clock."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
from starlette.applications import Starlette

from flowwidgets.sandbox.app import SandboxApp, build_app
from flowwidgets.sandbox.clock import SandboxClock
from flowwidgets.sandbox.http import ConnectionDropped
from flowwidgets.sandbox.launch import seed_executions
from flowwidgets.sandbox.org import ExecutionState, OrgState
from flowwidgets.sandbox.scenario import SandboxOAuthClient, Scenario, load_scenario


class SandboxTransport(httpx.ASGITransport):
    """An ``httpx.ASGITransport`` that turns a simulated dropped connection into an httpx error.

    A drop before the request was processed raises ``httpx.ConnectError``; a drop
    after it took effect raises ``httpx.RemoteProtocolError``, as a server closing
    the connection mid-response does.
    """

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            response = await super().handle_async_request(request)
        except ConnectionDropped as drop:
            if drop.after_processing:
                raise httpx.RemoteProtocolError(str(drop), request=request) from None
            raise httpx.ConnectError(str(drop), request=request) from None

        # The app has already produced the whole body in memory; returning it as
        # read content lets auth flows call .json() on responses without aread().
        body = await response.aread()
        return httpx.Response(response.status_code, headers=response.headers, content=body)


class Sandbox:
    """A simulated Genesys Cloud org that serves the Platform API subset flowwidgets uses.

    Parameters
    ----------
    scenario
        A parsed scenario; see :func:`load_scenario`.
    clock
        The scenario clock; by default one that starts at the scenario's
        ``clock.start`` (or now) and runs at its ``clock.speed``.

    Examples
    --------
    >>> sb = Sandbox.from_scenario("seed")
    >>> sb.region
    'mypurecloud.com'
    """

    def __init__(self, scenario: Scenario, clock: SandboxClock | None = None) -> None:
        self.scenario = scenario
        self.clock = clock or SandboxClock(start=scenario.clock_start, speed=scenario.clock_speed)
        self.org = OrgState(scenario, self.clock)
        seed_executions(self.org)
        self.app: Starlette
        self._inner: SandboxApp
        self.app, self._inner = build_app(self.org)

    @classmethod
    def from_scenario(
        cls,
        source: str | Path | dict[str, Any],
        *,
        start: datetime | None = None,
        speed: float | None = None,
    ) -> Sandbox:
        """Build a sandbox from a bundled scenario name, a JSON file path or a dict.

        Raises
        ------
        ScenarioError
            When the scenario is missing or invalid; the message names the field path.
        """
        scenario = load_scenario(source)
        clock = SandboxClock(
            start=start or scenario.clock_start,
            speed=scenario.clock_speed if speed is None else speed,
        )
        return cls(scenario, clock)

    def transport(self) -> httpx.ASGITransport:
        """Return an in-process transport for ``httpx.AsyncClient(transport=...)``."""
        return SandboxTransport(app=self.app)

    @property
    def region(self) -> str:
        """Region domain of the org, e.g. ``mypurecloud.com``."""
        return self.scenario.region

    @property
    def api_base_url(self) -> str:
        """Base URL of the API host, ``https://api.<domain>``."""
        return f"https://api.{self.region}"

    @property
    def login_base_url(self) -> str:
        """Base URL of the login host, ``https://login.<domain>``."""
        return f"https://login.{self.region}"

    @property
    def clients(self) -> list[SandboxOAuthClient]:
        """OAuth clients of the org."""
        return list(self.scenario.clients)

    @property
    def default_client(self) -> SandboxOAuthClient:
        """The first OAuth client of the scenario."""
        return self.scenario.clients[0]

    @property
    def executions(self) -> dict[str, ExecutionState]:
        """Launched executions by id."""
        return self.org.executions

    @property
    def request_log(self) -> list[dict[str, Any]]:
        """Every request received, oldest first, with secrets masked."""
        return self._inner.request_log

    def set_execution_data(self, enabled: bool) -> None:
        """Turn the org's execution-data setting on or off, as the PATCH endpoint does."""
        self.org.set_execution_data(enabled)

    def republish(self, flow_id: str) -> None:
        """Publish a flow's published version again, so execution history starts capturing it."""
        self.org.republish(flow_id)

    def __repr__(self) -> str:
        flows = len(self.org.flows)
        return f"Sandbox(scenario={self.scenario.name!r}, region={self.region!r}, flows={flows})"
