"""Client-credentials and pasted-token auth: token requests, caching, refresh and regions."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator, Callable
from urllib.parse import parse_qs

import httpx
import pytest
from conftest import CLIENT_ID, CLIENT_SECRET, is_token_request, load_fixture, token_response

from flowwidgets.api import (
    AuthError,
    BearerToken,
    ClientCredentials,
    ConfigurationError,
    GenesysClient,
    RegionMismatchError,
    UnauthorizedError,
)


class FakeClock:
    """A monotonic clock that tests move by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def organization_handler(
    token_requests: list[httpx.Request], api_requests: list[httpx.Request]
) -> Callable[[httpx.Request], httpx.Response]:
    def handler(request: httpx.Request) -> httpx.Response:
        if is_token_request(request):
            token_requests.append(request)
            return token_response(f"token-{len(token_requests)}")
        api_requests.append(request)
        return httpx.Response(200, json=load_fixture("organization"))

    return handler


async def test_client_credentials_token_request_format(make_client) -> None:
    token_requests: list[httpx.Request] = []
    api_requests: list[httpx.Request] = []

    async with make_client(
        organization_handler(token_requests, api_requests), region="mypurecloud.ie"
    ) as client:
        await client.get_organization()

    (token_request,) = token_requests
    expected_basic = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
    assert str(token_request.url) == "https://login.mypurecloud.ie/oauth/token"
    assert token_request.method == "POST"
    assert token_request.headers["Authorization"] == f"Basic {expected_basic}"
    assert token_request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert parse_qs(token_request.content.decode()) == {"grant_type": ["client_credentials"]}
    assert api_requests[0].headers["Authorization"] == "Bearer token-1"


async def test_client_credentials_token_cached_across_calls(make_client) -> None:
    token_requests: list[httpx.Request] = []
    api_requests: list[httpx.Request] = []

    async with make_client(organization_handler(token_requests, api_requests)) as client:
        for _ in range(5):
            await client.get_organization()

    assert len(token_requests) == 1
    assert len(api_requests) == 5


async def test_client_credentials_refresh_60s_before_expiry(make_client) -> None:
    clock = FakeClock()
    lifetimes = iter([120, 86400])
    token_requests: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if is_token_request(request):
            token_requests.append(request)
            return token_response(f"token-{len(token_requests)}", expires_in=next(lifetimes))
        return httpx.Response(200, json=load_fixture("organization"))

    auth = ClientCredentials(CLIENT_ID, CLIENT_SECRET, clock=clock)
    async with make_client(handler, auth=auth) as client:
        await client.get_organization()
        clock.now += 59
        await client.get_organization()
        requests_before_margin = len(token_requests)
        clock.now += 2
        await client.get_organization()

    assert requests_before_margin == 1
    assert len(token_requests) == 2


async def test_client_credentials_concurrent_single_refresh(make_client) -> None:
    clock = FakeClock()
    token_requests: list[httpx.Request] = []
    api_requests: list[httpx.Request] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        # Yield to the event loop so that concurrent calls really overlap the token request.
        for _ in range(10):
            await asyncio.sleep(0)
        if is_token_request(request):
            token_requests.append(request)
            return token_response(f"token-{len(token_requests)}", expires_in=3600)
        api_requests.append(request)
        return httpx.Response(200, json=load_fixture("organization"))

    auth = ClientCredentials(CLIENT_ID, CLIENT_SECRET, clock=clock)
    async with make_client(handler, auth=auth) as client:
        await client.get_organization()
        clock.now += 3600
        token_requests.clear()
        api_requests.clear()

        await asyncio.gather(*(client.get_organization() for _ in range(100)))

    assert len(token_requests) == 1
    assert len(api_requests) == 100
    assert {r.headers["Authorization"] for r in api_requests} == {"Bearer token-1"}


async def test_client_credentials_two_clients_share_token(make_client) -> None:
    token_requests: list[httpx.Request] = []
    api_requests: list[httpx.Request] = []
    handler = organization_handler(token_requests, api_requests)

    first = make_client(handler, auth=ClientCredentials(CLIENT_ID, CLIENT_SECRET))
    second = make_client(handler, auth=ClientCredentials(CLIENT_ID, CLIENT_SECRET))
    async with first, second:
        await first.get_organization()
        await second.get_organization()

    assert len(token_requests) == 1
    assert [r.headers["Authorization"] for r in api_requests] == ["Bearer token-1"] * 2


async def test_client_credentials_other_secret_own_token(make_client) -> None:
    token_requests: list[httpx.Request] = []
    api_requests: list[httpx.Request] = []
    handler = organization_handler(token_requests, api_requests)

    first = make_client(handler, auth=ClientCredentials(CLIENT_ID, CLIENT_SECRET))
    second = make_client(handler, auth=ClientCredentials(CLIENT_ID, "another-secret"))
    third = make_client(
        handler, auth=ClientCredentials(CLIENT_ID, CLIENT_SECRET), region="mypurecloud.de"
    )
    async with first, second, third:
        await first.get_organization()
        await second.get_organization()
        await third.get_organization()

    assert len(token_requests) == 3


async def test_client_credentials_refresh_once_on_401(make_client) -> None:
    token_requests: list[httpx.Request] = []
    # The client re-sends the same request object, so the header is copied when it arrives.
    authorizations: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if is_token_request(request):
            token_requests.append(request)
            return token_response(f"token-{len(token_requests)}")
        authorizations.append(request.headers["Authorization"])
        if request.headers["Authorization"] == "Bearer token-1":
            return httpx.Response(401, json=load_fixture("error_bad_credentials"))
        return httpx.Response(200, json=load_fixture("organization"))

    async with make_client(handler) as client:
        organization = await client.get_organization()

    assert organization.name == "Example Org"
    assert len(token_requests) == 2
    assert authorizations == ["Bearer token-1", "Bearer token-2"]


async def test_client_credentials_second_401_raises(make_client) -> None:
    token_requests: list[httpx.Request] = []
    api_requests: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if is_token_request(request):
            token_requests.append(request)
            return token_response(f"token-{len(token_requests)}")
        api_requests.append(request)
        return httpx.Response(401, json=load_fixture("error_bad_credentials"))

    async with make_client(handler) as client:
        with pytest.raises(UnauthorizedError) as raised:
            await client.get_organization()

    assert raised.value.status == 401
    assert raised.value.code == "bad.credentials"
    assert len(token_requests) == 2
    assert len(api_requests) == 2


async def test_client_credentials_login_host_other_region(make_client) -> None:
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return token_response()

    auth = ClientCredentials(CLIENT_ID, CLIENT_SECRET, login_host="login.mypurecloud.de")
    async with make_client(handler, auth=auth, region="mypurecloud.com.au") as client:
        with pytest.raises(RegionMismatchError) as raised:
            await client.get_organization()

    assert sent == []
    assert raised.value.token_domain == "mypurecloud.de"
    assert raised.value.api_domain == "mypurecloud.com.au"
    assert "login.mypurecloud.de" in str(raised.value)
    assert "api.mypurecloud.com.au" in str(raised.value)


async def test_bearer_token_region_mismatch_not_sent(make_client) -> None:
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json=load_fixture("organization"))

    auth = BearerToken("pasted-token", region="eu-central-1")
    async with make_client(handler, auth=auth, region="ap-southeast-2") as client:
        with pytest.raises(RegionMismatchError) as raised:
            await client.get_organization()

    assert sent == []
    assert "mypurecloud.de" in str(raised.value)
    assert "mypurecloud.com.au" in str(raised.value)


async def test_bearer_token_sent_and_not_refreshed(make_client) -> None:
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(401, json=load_fixture("error_bad_credentials"))

    async with make_client(handler, auth=BearerToken("pasted-token")) as client:
        with pytest.raises(UnauthorizedError) as raised:
            await client.get_organization()

    assert [r.headers["Authorization"] for r in sent] == ["Bearer pasted-token"]
    assert "expired" in str(raised.value)
    assert "login.mypurecloud.com" in str(raised.value)


async def test_client_credentials_invalid_client(make_client) -> None:
    api_requests: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if is_token_request(request):
            return httpx.Response(400, json=load_fixture("login_invalid_client"))
        api_requests.append(request)
        return httpx.Response(200, json={})

    async with make_client(handler) as client:
        with pytest.raises(AuthError) as raised:
            await client.get_organization()

    assert api_requests == []
    assert raised.value.status == 400
    assert raised.value.code == "invalid_client"
    assert raised.value.message == "client not found"
    assert "login.mypurecloud.com" in str(raised.value)
    assert "client id and secret" in raised.value.fix


async def test_client_credentials_token_body_without_token(make_client) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"token_type": "bearer"})

    async with make_client(handler) as client:
        with pytest.raises(Exception, match="access_token") as raised:
            await client.get_organization()

    assert type(raised.value).__name__ == "InvalidResponseError"


def test_auth_reprs_hide_secrets() -> None:
    credentials = ClientCredentials(CLIENT_ID, CLIENT_SECRET)
    token = BearerToken("pasted-token-value", region="mypurecloud.de")

    texts = [repr(credentials), repr(token), str(credentials), str(token)]

    for text in texts:
        assert CLIENT_SECRET not in text
        assert "pasted-token-value" not in text
    assert CLIENT_ID in repr(credentials)


@pytest.mark.parametrize(
    ("client_id", "secret"),
    [("", "secret"), ("id", ""), ("", "")],
    ids=["no-id", "no-secret", "none"],
)
def test_client_credentials_missing_values(client_id: str, secret: str) -> None:
    with pytest.raises(ConfigurationError):
        ClientCredentials(client_id, secret)


async def test_from_env_client_credentials() -> None:
    env = {
        "GENESYSCLOUD_OAUTHCLIENT_ID": CLIENT_ID,
        "GENESYSCLOUD_OAUTHCLIENT_SECRET": CLIENT_SECRET,
        "GENESYSCLOUD_REGION": "eu_west_1",
    }

    client = GenesysClient.from_env(env=env)

    async with client:
        assert isinstance(client.auth, ClientCredentials)
        assert client.auth.client_id == CLIENT_ID
        assert client.api_base_url == "https://api.mypurecloud.ie"


async def test_from_env_access_token_wins() -> None:
    env = {
        "GENESYSCLOUD_OAUTHCLIENT_ID": CLIENT_ID,
        "GENESYSCLOUD_OAUTHCLIENT_SECRET": CLIENT_SECRET,
        "GENESYSCLOUD_ACCESS_TOKEN": "env-token",
        "GENESYSCLOUD_REGION": "mypurecloud.jp",
    }

    client = GenesysClient.from_env(env=env)

    async with client:
        assert isinstance(client.auth, BearerToken)
        assert client.auth.region is not None
        assert client.auth.region.domain == "mypurecloud.jp"


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"GENESYSCLOUD_OAUTHCLIENT_ID": "x", "GENESYSCLOUD_OAUTHCLIENT_SECRET": "y"}, "REGION"),
        ({"GENESYSCLOUD_REGION": "mypurecloud.com"}, "GENESYSCLOUD_OAUTHCLIENT_ID"),
    ],
    ids=["no-region", "no-credentials"],
)
def test_from_env_missing_names_variable(env: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigurationError) as raised:
        GenesysClient.from_env(env=env)

    assert named in str(raised.value)


class StreamedBody(httpx.AsyncByteStream):
    """A response body that arrives as a stream, as it does from a real network transport."""

    def __init__(self, data: object) -> None:
        self.data = json.dumps(data).encode()

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield self.data


async def test_client_credentials_streamed_token_response(make_client) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if is_token_request(request):
            body = {"access_token": "streamed-token", "expires_in": 3600}
            return httpx.Response(200, stream=StreamedBody(body))
        assert request.headers["Authorization"] == "Bearer streamed-token"
        return httpx.Response(200, stream=StreamedBody(load_fixture("organization")))

    async with make_client(handler) as client:
        organization = await client.get_organization()

    assert organization.name == "Example Org"


async def test_client_credentials_token_expiry_public(make_client) -> None:
    import datetime as dt

    clock = FakeClock()

    def handler(request: httpx.Request) -> httpx.Response:
        if is_token_request(request):
            return token_response("token-1", expires_in=3600)
        return httpx.Response(200, json=load_fixture("organization"))

    auth = ClientCredentials(CLIENT_ID, CLIENT_SECRET, clock=clock)
    async with make_client(handler, auth=auth) as client:
        before_token = auth.token_expiry(client.login_base_url)
        await client.get_organization()
        clock.now += 600
        expiry = auth.token_expiry(client.login_base_url)

    remaining = expiry - dt.datetime.now(dt.timezone.utc)
    assert before_token is None
    assert dt.timedelta(minutes=49) < remaining <= dt.timedelta(minutes=50)
