"""Connect to a real Genesys Cloud org or to the in-process sandbox with one call."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from flowwidgets.api import BearerToken, ClientCredentials, ConfigurationError, GenesysClient

if TYPE_CHECKING:
    from flowwidgets.sandbox import Sandbox

logger = logging.getLogger("flowwidgets.connect")

DEFAULT_SCENARIO = "seed"

_ENV_CLIENT_ID = "GENESYSCLOUD_OAUTHCLIENT_ID"
_ENV_SECRET = "GENESYSCLOUD_OAUTHCLIENT_SECRET"  # noqa: S105 - the variable's name, not a secret
_ENV_TOKEN = "GENESYSCLOUD_ACCESS_TOKEN"  # noqa: S105 - the variable's name, not a secret
_ENV_REGION = "GENESYSCLOUD_REGION"


def connect(
    sandbox: str | Path | dict[str, Any] | Sandbox | None = None,
    *,
    region: str | None = None,
    client_id: str | None = None,
    client_secret: str | None = None,
    access_token: str | None = None,
    api_host: str | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    env: Mapping[str, str] | None = None,
    **client_kwargs: Any,
) -> GenesysClient:
    """Create a :class:`~flowwidgets.api.GenesysClient` for a real org or the sandbox.

    The target is chosen in this order:

    1. ``sandbox`` given: an in-process sandbox (no network); ``client.sandbox`` is set.
    2. ``client_id``/``client_secret`` or ``access_token`` given: that org, in ``region``
       (or at ``api_host``).
    3. Credentials in the environment (``GENESYSCLOUD_OAUTHCLIENT_ID`` and
       ``GENESYSCLOUD_OAUTHCLIENT_SECRET``, or ``GENESYSCLOUD_ACCESS_TOKEN``, with
       ``GENESYSCLOUD_REGION``): that org; ``region`` or ``api_host`` override the region.
    4. Otherwise the sandbox scenario ``seed``.

    Parameters
    ----------
    sandbox
        A bundled scenario name, a scenario file path, a scenario dict or a
        :class:`~flowwidgets.sandbox.Sandbox`.
    region
        Region name or domain of a real org, e.g. ``"eu-central-1"`` or ``"mypurecloud.de"``.
    client_id, client_secret
        Credentials of an OAuth client with the client-credentials grant.
    access_token
        A bearer token to use instead of client credentials.
    api_host
        Base URL that overrides the region's API host.
    transport
        ``httpx`` transport; for a sandbox it replaces the in-process transport.
    env
        Mapping read instead of ``os.environ``.
    **client_kwargs
        Other keyword arguments of :class:`~flowwidgets.api.GenesysClient`.

    Raises
    ------
    ConfigurationError
        When credentials are incomplete or combined with a sandbox.
    ScenarioError
        When the sandbox scenario is missing or invalid.
    """
    explicit = client_id is not None or client_secret is not None or access_token is not None
    if sandbox is not None:
        if explicit or api_host is not None:
            raise ConfigurationError(
                "connect() got both a sandbox and credentials or an api_host; pass either "
                "sandbox=... for the simulated org or credentials for a real org, not both."
            )
        return _connect_sandbox(sandbox, transport, client_kwargs)

    if explicit:
        auth = _auth(client_id, client_secret, access_token)
        return _connect_org(region, api_host, auth, transport, client_kwargs)

    environ = os.environ if env is None else env
    if environ.get(_ENV_CLIENT_ID, "").strip() or environ.get(_ENV_TOKEN, "").strip():
        if region is None and api_host is None:
            logger.info("connecting with the GENESYSCLOUD_* environment variables")
            return GenesysClient.from_env(transport=transport, env=environ, **client_kwargs)
        auth = _auth(
            environ.get(_ENV_CLIENT_ID, "").strip() or None,
            environ.get(_ENV_SECRET, "").strip() or None,
            environ.get(_ENV_TOKEN, "").strip() or None,
        )
        return _connect_org(region, api_host, auth, transport, client_kwargs)

    if region is not None or api_host is not None:
        raise ConfigurationError(
            f"connect() got a region or api_host but no credentials; pass client_id and "
            f"client_secret (or access_token), or set {_ENV_CLIENT_ID} and {_ENV_SECRET}."
        )
    return _connect_sandbox(DEFAULT_SCENARIO, transport, client_kwargs)


def _auth(client_id: str | None, client_secret: str | None, access_token: str | None) -> httpx.Auth:
    if access_token:
        return BearerToken(access_token)
    if not client_id or not client_secret:
        missing = "client_secret" if client_id else "client_id"
        raise ConfigurationError(
            f"connect() is missing {missing}; pass both client_id and client_secret of an OAuth "
            "client with the client-credentials grant, or an access_token."
        )
    return ClientCredentials(client_id, client_secret)


def _connect_org(
    region: str | None,
    api_host: str | None,
    auth: httpx.Auth,
    transport: httpx.AsyncBaseTransport | None,
    client_kwargs: dict[str, Any],
) -> GenesysClient:
    client = GenesysClient(
        region=region, auth=auth, api_host=api_host, transport=transport, **client_kwargs
    )
    logger.info("connecting to %s", client.api_base_url)
    return client


def _connect_sandbox(
    source: str | Path | dict[str, Any] | Sandbox,
    transport: httpx.AsyncBaseTransport | None,
    client_kwargs: dict[str, Any],
) -> GenesysClient:
    from flowwidgets.sandbox import Sandbox

    sandbox = source if isinstance(source, Sandbox) else Sandbox.from_scenario(source)
    oauth_client = sandbox.default_client
    client = GenesysClient(
        region=sandbox.region,
        auth=ClientCredentials(oauth_client.client_id, oauth_client.secret),
        transport=transport or sandbox.transport(),
        **client_kwargs,
    )
    client.sandbox = sandbox
    logger.info(
        "connecting to the in-process sandbox %r (%s)", sandbox.scenario.name, sandbox.region
    )
    return client
