"""Region names, domains and URLs, and the hosts a client derives from them."""

from __future__ import annotations

import pytest

from flowwidgets.api import (
    REGIONS,
    BearerToken,
    ClientCredentials,
    ConfigurationError,
    GenesysClient,
    Region,
    resolve_region,
)

SDK_DOMAINS = {
    "mypurecloud.com",
    "use2.us-gov-pure.cloud",
    "usw2.pure.cloud",
    "cac1.pure.cloud",
    "sae1.pure.cloud",
    "mxc1.pure.cloud",
    "mypurecloud.ie",
    "euw2.pure.cloud",
    "mypurecloud.de",
    "euc2.pure.cloud",
    "mec1.pure.cloud",
    "aps1.pure.cloud",
    "apse1.pure.cloud",
    "mypurecloud.com.au",
    "mypurecloud.jp",
    "apne2.pure.cloud",
    "apne3.pure.cloud",
}


def test_regions_cover_sdk_domains_and_eusc() -> None:
    domains = {region.domain for region in REGIONS.values()}

    assert domains == SDK_DOMAINS | {"edee1.eusc-pure.cloud"}


@pytest.mark.parametrize("region", list(REGIONS.values()), ids=lambda r: r.name)
def test_resolve_region_every_spelling(region: Region) -> None:
    spellings = [
        region.name,
        region.name.replace("_", "-"),
        region.name.upper(),
        region.domain,
        f"api.{region.domain}",
        f"https://api.{region.domain}",
        f"https://api.{region.domain}/",
    ]

    resolved = {spelling: resolve_region(spelling) for spelling in spellings}

    for spelling, result in resolved.items():
        assert result == region, spelling


def test_resolve_region_hosts() -> None:
    region = resolve_region("eu-central-1")

    assert region.domain == "mypurecloud.de"
    assert region.api_base_url == "https://api.mypurecloud.de"
    assert region.login_base_url == "https://login.mypurecloud.de"


def test_resolve_region_unknown_lists_close_matches() -> None:
    with pytest.raises(ConfigurationError) as raised:
        resolve_region("eu-central-3")

    message = str(raised.value)
    assert "'eu-central-3'" in message
    assert "'eu-central-1'" in message
    assert "eu_central" not in message
    assert "api_host=" in message


def test_resolve_region_misspelled_domain() -> None:
    with pytest.raises(ConfigurationError) as raised:
        resolve_region("mypurecloud.dee")

    assert "mypurecloud.de" in str(raised.value)


async def test_client_region_sets_both_hosts() -> None:
    client = GenesysClient(region="ap_southeast_2", auth=ClientCredentials("id", "secret"))

    async with client:
        assert client.region.domain == "mypurecloud.com.au"
        assert client.api_base_url == "https://api.mypurecloud.com.au"
        assert client.login_base_url == "https://login.mypurecloud.com.au"


async def test_client_api_host_loopback_serves_login() -> None:
    client = GenesysClient(api_host="http://127.0.0.1:8765", auth=ClientCredentials("id", "s"))

    async with client:
        assert client.api_base_url == "http://127.0.0.1:8765"
        assert client.login_base_url == "http://127.0.0.1:8765"
        assert client.region.domain == "127.0.0.1"


async def test_client_api_host_unlisted_region() -> None:
    client = GenesysClient(api_host="https://api.zzz1.pure.example/", auth=BearerToken("t"))

    async with client:
        assert client.api_base_url == "https://api.zzz1.pure.example"
        assert client.login_base_url == "https://login.zzz1.pure.example"
        assert client.region == Region("custom", "zzz1.pure.example")


async def test_client_api_host_of_listed_region() -> None:
    client = GenesysClient(api_host="api.mypurecloud.ie", auth=BearerToken("t"))

    async with client:
        assert client.region.name == "eu_west_1"


def test_client_unknown_region_raises() -> None:
    with pytest.raises(ConfigurationError):
        GenesysClient(region="moon-base-1", auth=BearerToken("t"))


def test_client_without_auth_raises() -> None:
    with pytest.raises(ConfigurationError) as raised:
        GenesysClient(region="mypurecloud.com")

    assert "ClientCredentials" in str(raised.value)
