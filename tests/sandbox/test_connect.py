"""connect(): the in-process sandbox, explicit credentials and the environment."""

from __future__ import annotations

import pytest
from sandbox_support import SEED_FLOW_ID, scenario

from flowwidgets.api import BearerToken, ClientCredentials, ConfigurationError, clear_token_cache
from flowwidgets.connect import connect
from flowwidgets.sandbox import Sandbox

ENV = {
    "GENESYSCLOUD_OAUTHCLIENT_ID": "env-client",
    "GENESYSCLOUD_OAUTHCLIENT_SECRET": "env-secret",
    "GENESYSCLOUD_REGION": "eu-central-1",
}


@pytest.fixture(autouse=True)
def empty_token_cache():
    clear_token_cache()
    yield
    clear_token_cache()


async def test_connect_sandbox_name_runs_in_process() -> None:
    client = connect(sandbox="seed")

    async with client:
        flows = await client.list_flows()
        info = await client.get_token_info()

    assert isinstance(client.sandbox, Sandbox)
    assert client.region.domain == "mypurecloud.com"
    assert [flow.id for flow in flows] == [SEED_FLOW_ID]
    assert info.oauth_client_id == client.sandbox.default_client.client_id


async def test_connect_sandbox_object_is_kept(sandbox: Sandbox) -> None:
    client = connect(sandbox=sandbox)

    async with client:
        result = await client.launch_flow(SEED_FLOW_ID, {"Flow.email": "a@b.c"})

    assert client.sandbox is sandbox
    assert result.id in sandbox.executions


async def test_connect_sandbox_dict() -> None:
    client = connect(sandbox=scenario(region="usw2.pure.cloud"))

    async with client:
        organization = await client.get_organization()

    assert client.region.domain == "usw2.pure.cloud"
    assert organization.id == client.sandbox.scenario.organization_id


def test_connect_defaults_to_seed_without_env() -> None:
    client = connect(env={})

    assert client.sandbox is not None
    assert client.sandbox.scenario.name == "seed"


def test_connect_uses_environment() -> None:
    client = connect(env=ENV)

    assert client.sandbox is None
    assert client.region.domain == "mypurecloud.de"
    assert isinstance(client.auth, ClientCredentials)


def test_connect_region_overrides_environment() -> None:
    client = connect(region="mypurecloud.ie", env=ENV)

    assert client.region.domain == "mypurecloud.ie"
    assert client.auth.client_id == "env-client"


def test_connect_explicit_credentials() -> None:
    client = connect(region="mypurecloud.de", client_id="id", client_secret="s3cr3t-value", env={})

    assert client.api_base_url == "https://api.mypurecloud.de"
    assert "s3cr3t-value" not in repr(client)


def test_connect_access_token() -> None:
    client = connect(region="usw2.pure.cloud", access_token="pasted-token", env={})

    assert isinstance(client.auth, BearerToken)
    assert "pasted-token" not in repr(client)


def test_connect_api_host_override() -> None:
    client = connect(api_host="http://127.0.0.1:8765", client_id="id", client_secret="s", env={})

    assert client.api_base_url == "http://127.0.0.1:8765"


def test_connect_missing_secret_rejected() -> None:
    with pytest.raises(ConfigurationError, match="client_secret"):
        connect(region="mypurecloud.com", client_id="id", env={})


def test_connect_sandbox_with_credentials_rejected() -> None:
    with pytest.raises(ConfigurationError, match="not both"):
        connect(sandbox="seed", client_id="id", client_secret="s")


def test_connect_region_without_credentials_rejected() -> None:
    with pytest.raises(ConfigurationError, match="no credentials"):
        connect(region="mypurecloud.com", env={})


async def test_connect_api_host_reaches_served_sandbox(served_sandbox) -> None:
    oauth_client = served_sandbox.sandbox.default_client
    client = connect(
        api_host=served_sandbox.url,
        client_id=oauth_client.client_id,
        client_secret=oauth_client.secret,
        env={},
    )

    async with client:
        flows = await client.list_flows()

    assert client.login_base_url == served_sandbox.url
    assert [flow.id for flow in flows] == [SEED_FLOW_ID]
    assert [entry["path"] for entry in served_sandbox.sandbox.request_log] == [
        "/oauth/token",
        "/api/v2/flows",
    ]
