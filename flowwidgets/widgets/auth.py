"""``AuthCell``: connect a notebook to a Genesys Cloud org or to the sandbox."""

from __future__ import annotations

import asyncio
import datetime as dt
import html
import logging
import os
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import ipywidgets as w
import traitlets

from flowwidgets.widgets._base import (
    ErrorArea,
    PlainReprMixin,
    TaskRunner,
    guard_callback,
    org_badge_html,
)

if TYPE_CHECKING:
    from flowwidgets.api import GenesysClient

logger = logging.getLogger("flowwidgets.widgets")

MODE_SANDBOX = "sandbox"
MODE_CLIENT_CREDENTIALS = "client credentials"
MODE_TOKEN = "access token"  # noqa: S105 -- a mode label, not a token
CUSTOM_HOST = "custom host"

_CREDENTIAL_VARIABLES = ("GENESYSCLOUD_OAUTHCLIENT_ID", "GENESYSCLOUD_ACCESS_TOKEN")


def default_mode(env: Mapping[str, str] | None = None) -> str:
    """Return the mode the cell starts in: the sandbox unless credentials are set in ``env``."""
    env = os.environ if env is None else env
    if env.get("GENESYSCLOUD_ACCESS_TOKEN"):
        return MODE_TOKEN
    if env.get("GENESYSCLOUD_OAUTHCLIENT_ID"):
        return MODE_CLIENT_CREDENTIALS
    return MODE_SANDBOX


def region_options() -> list[tuple[str, str]]:
    """Return the region picker's options as ``(label, domain)`` pairs, custom host last."""
    from flowwidgets.api import REGIONS

    options = [(f"{region.domain} ({region.name})", region.domain) for region in REGIONS.values()]
    options.append(("custom host (enter the API base URL)", CUSTOM_HOST))
    return options


def scenario_options() -> list[str]:
    """Return the names of the bundled sandbox scenarios, ``seed`` first."""
    from flowwidgets.sandbox import list_scenarios

    names = sorted(list_scenarios())
    if "seed" in names:
        names.remove("seed")
        names.insert(0, "seed")
    return names


def format_expiry(expires_at: dt.datetime | None, now: dt.datetime | None = None) -> str:
    """Describe when a token expires, e.g. ``"2025-06-01 10:00 UTC (in 23 h 59 min)"``."""
    if expires_at is None:
        return "unknown (a pasted token does not say)"
    now = now or dt.datetime.now(dt.timezone.utc)
    minutes = int((expires_at - now).total_seconds() // 60)
    stamp = expires_at.astimezone(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    if minutes < 0:
        return f"{stamp} (expired)"
    return f"{stamp} (in {minutes // 60} h {minutes % 60} min)"


def token_expiry(client: GenesysClient) -> dt.datetime | None:
    """Return when the client's cached access token expires, or ``None`` when it cannot tell."""
    auth = getattr(client, "auth", None)
    value = getattr(auth, "expires_at", None)
    if isinstance(value, dt.datetime):
        return value

    read_expiry = getattr(auth, "token_expiry", None)
    if callable(read_expiry):
        expiry = read_expiry(client.login_base_url)
        return expiry if isinstance(expiry, dt.datetime) else None
    return None


class AuthCell(PlainReprMixin, w.VBox):
    """Connect to a Genesys Cloud org (client credentials or a pasted token) or to the sandbox.

    After connecting, the cell shows the organization, region, OAuth client and
    token expiry. The client secret and the token are read from the password
    fields once and cleared at once; they live on only inside the client's auth.

    Parameters
    ----------
    mode
        ``"sandbox"``, ``"client credentials"`` or ``"access token"``; by default
        the sandbox unless credentials are set in the environment.
    scenario
        The sandbox scenario selected at first.
    """

    connected = traitlets.Bool(False, help="Whether the cell has a connected client.")
    organization_name = traitlets.Unicode("", help="Name of the connected organization.")
    region_domain = traitlets.Unicode("", help="Domain of the connected region.")

    def __init__(self, mode: str | None = None, scenario: str = "seed", **kwargs: Any) -> None:
        self.client: GenesysClient | None = None
        self._observers: list[Callable[[GenesysClient], Any]] = []

        self.badge = w.HTML(org_badge_html(None))
        self.mode = w.ToggleButtons(
            options=[MODE_SANDBOX, MODE_CLIENT_CREDENTIALS, MODE_TOKEN],
            value=mode or default_mode(),
            description="Connect to",
        )
        scenarios = scenario_options()
        self.scenario = w.Dropdown(
            options=scenarios,
            value=_pick_scenario(scenario, scenarios),
            description="Scenario",
        )
        self.region = w.Dropdown(
            options=region_options(),
            value=_env_region_domain(),
            description="Region",
            layout=w.Layout(width="420px"),
        )
        self.custom_host = w.Text(
            placeholder="http://127.0.0.1:8765",
            description="API host",
            layout=w.Layout(width="420px"),
        )
        self.client_id = w.Text(
            value=os.environ.get("GENESYSCLOUD_OAUTHCLIENT_ID", ""),
            description="Client id",
            layout=w.Layout(width="420px"),
        )
        self.client_secret = w.Password(description="Secret", layout=w.Layout(width="420px"))
        self.token = w.Password(description="Token", layout=w.Layout(width="420px"))
        self.connect_button = w.Button(description="Connect", button_style="primary", icon="plug")
        self.summary = w.HTML("")
        self.findings = w.HTML("")
        self.errors = ErrorArea()
        self._runner = TaskRunner(self.errors, "AuthCell")

        self.mode.observe(
            guard_callback(self.errors, "AuthCell", "switch mode", self._show_mode_fields), "value"
        )
        self.region.observe(
            guard_callback(self.errors, "AuthCell", "pick region", self._show_mode_fields), "value"
        )
        self.connect_button.on_click(
            guard_callback(self.errors, "AuthCell", "connect", self._on_connect_click)
        )
        self._fields = w.VBox()
        super().__init__(
            [
                w.HBox([w.HTML("<b>Genesys Cloud connection</b>"), self.badge]),
                self.mode,
                self._fields,
                self.connect_button,
                self.summary,
                self.errors,
                self.findings,
            ],
            **kwargs,
        )
        self._show_mode_fields()

    def __repr__(self) -> str:
        state = f"connected to {self.organization_name!r}" if self.connected else "not connected"
        return f"<AuthCell {state}>"

    def on_connect(self, callback: Callable[[GenesysClient], Any]) -> None:
        """Call ``callback(client)`` every time the cell connects (at once if it already is)."""
        self._observers.append(callback)
        if self.client is not None:
            result = callback(self.client)
            if asyncio.iscoroutine(result):
                self._runner.start(result, "Updating after connect")

    def _show_mode_fields(self, *_: Any) -> None:
        mode = self.mode.value
        fields: list[w.Widget] = []
        if mode == MODE_SANDBOX:
            fields = [self.scenario]
        else:
            fields = [self.region]
            if self.region.value == CUSTOM_HOST:
                fields.append(self.custom_host)
            if mode == MODE_CLIENT_CREDENTIALS:
                fields += [self.client_id, self.client_secret]
            else:
                fields.append(self.token)
        self._fields.children = fields

    def _on_connect_click(self, _button: w.Button) -> None:
        self.errors.clear()
        self.findings.value = ""
        client = self.build_client()
        self._runner.start(self._attach_or_explain(client), "Connecting")

    async def _attach_or_explain(self, client: GenesysClient) -> None:
        from flowwidgets.api import FlowwidgetsError

        try:
            await self.attach(client)
        except FlowwidgetsError:
            await self.explain_failure(client)
            raise

    async def explain_failure(self, client: GenesysClient) -> None:
        """Show the doctor's ``auth.*`` findings (wrong region, invalid client) for ``client``."""
        from flowwidgets.diagnose import Doctor, Report

        try:
            report = await Doctor(client).run()
        except Exception as error:  # noqa: BLE001 -- the connection error is shown anyway
            logger.warning("AuthCell: the doctor could not explain the failure: %s", error)
            return
        auth_findings = [finding for finding in report.findings if finding.code.startswith("auth.")]
        if auth_findings:
            self.findings.value = Report(context=report.context, findings=auth_findings).to_html()

    def build_client(self) -> GenesysClient:
        """Create the client the form describes and clear the secret and token fields.

        Raises
        ------
        ValueError
            When a field the mode needs is empty.
        """
        from flowwidgets.api import BearerToken, ClientCredentials, GenesysClient

        mode = self.mode.value
        # The password widgets sync their value to the browser, so read and clear them first.
        secret, self.client_secret.value = self.client_secret.value, ""
        token, self.token.value = self.token.value, ""

        if mode == MODE_SANDBOX:
            from flowwidgets.connect import connect

            return connect(sandbox=self.scenario.value)

        region: str | None = self.region.value
        api_host: str | None = None
        if region == CUSTOM_HOST:
            api_host = self.custom_host.value.strip()
            region = None
            if not api_host:
                raise ValueError(
                    "The custom API host is empty: enter a base URL such as http://127.0.0.1:8765."
                )

        auth: Any
        if mode == MODE_CLIENT_CREDENTIALS:
            client_id = self.client_id.value.strip()
            if not client_id or not secret:
                raise ValueError(
                    "The client id or the secret is empty: enter both, then connect again."
                )
            auth = ClientCredentials(client_id, secret)
        else:
            if not token.strip():
                raise ValueError("The access token is empty: paste a token, then connect again.")
            auth = BearerToken(token.strip())
        return GenesysClient(region=region, auth=auth, api_host=api_host)

    async def attach(self, client: GenesysClient) -> None:
        """Check ``client`` with who-am-i calls, show the org and tell the observers.

        Calls ``GET /api/v2/tokens/me`` and ``GET /api/v2/organizations/me``.
        """
        token_info = await client.get_token_info()
        organization = await client.get_organization()
        self.client = client
        self.organization_name = str(getattr(organization, "name", "") or "")
        self.region_domain = str(getattr(client.region, "domain", ""))
        self.connected = True
        self.badge.value = org_badge_html(client)
        self.summary.value = _summary_html(client, token_info, organization)
        logger.info(
            "AuthCell connected to organization %r at %s",
            self.organization_name,
            client.api_base_url,
        )

        for callback in list(self._observers):
            result = callback(client)
            if asyncio.iscoroutine(result):
                await result

    async def connect_sandbox(self, scenario: str = "seed") -> GenesysClient:
        """Connect to the in-process sandbox running ``scenario`` (what the Connect button does)."""
        from flowwidgets.connect import connect

        client = connect(sandbox=scenario)
        await self.attach(client)
        return client

    async def wait(self) -> None:
        """Wait until a connection started by the Connect button has finished or failed."""
        await self._runner.join()


def _pick_scenario(requested: str, scenarios: list[str]) -> str | None:
    if requested in scenarios:
        return requested
    return scenarios[0] if scenarios else None


def _env_region_domain() -> str:
    from flowwidgets.api import REGIONS, resolve_region

    configured = os.environ.get("GENESYSCLOUD_REGION")
    if configured:
        try:
            return resolve_region(configured).domain
        except Exception:  # noqa: BLE001 -- a bad variable only changes the preselected region
            logger.warning(
                "GENESYSCLOUD_REGION=%r is not a known region; preselecting us_east_1", configured
            )
    return REGIONS["us_east_1"].domain


def _summary_html(client: GenesysClient, token_info: Any, organization: Any) -> str:
    oauth_client = getattr(token_info, "oauth_client_name", None) or getattr(
        token_info, "oauth_client_id", ""
    )
    rows = [
        (
            "Organization",
            f"{getattr(organization, 'name', '')} ({getattr(organization, 'id', '')})",
        ),
        ("Region", f"{getattr(client.region, 'name', '')} {getattr(client.region, 'domain', '')}"),
        ("API host", client.api_base_url),
        ("OAuth client", str(oauth_client or "")),
        ("Token expires", format_expiry(token_expiry(client))),
    ]
    cells = "".join(
        f"<tr><th style='text-align:left;padding-right:12px'>{html.escape(label)}</th>"
        f"<td>{html.escape(value)}</td></tr>"
        for label, value in rows
    )
    return f"<table>{cells}</table>"
