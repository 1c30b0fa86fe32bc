"""AuthCell: connecting to the sandbox and to a sandbox served on loopback."""

from __future__ import annotations

import datetime as dt

import pytest

from flowwidgets.sandbox import Sandbox
from flowwidgets.sandbox.serve import serve_in_thread
from flowwidgets.widgets import AuthCell
from flowwidgets.widgets.auth import (
    CUSTOM_HOST,
    MODE_CLIENT_CREDENTIALS,
    MODE_SANDBOX,
    MODE_TOKEN,
    default_mode,
    format_expiry,
    region_options,
)


def test_default_mode_prefers_environment_credentials() -> None:
    assert default_mode({}) == MODE_SANDBOX
    assert default_mode({"GENESYSCLOUD_OAUTHCLIENT_ID": "id"}) == MODE_CLIENT_CREDENTIALS
    assert default_mode({"GENESYSCLOUD_ACCESS_TOKEN": "t"}) == MODE_TOKEN


def test_region_options_list_every_region_and_custom_host() -> None:
    from flowwidgets.api import REGIONS

    options = region_options()

    domains = [value for _label, value in options]
    assert domains[:-1] == [region.domain for region in REGIONS.values()]
    assert domains[-1] == CUSTOM_HOST


def test_format_expiry_counts_hours_and_minutes() -> None:
    now = dt.datetime(2025, 6, 1, 10, 0, tzinfo=dt.timezone.utc)

    text = format_expiry(now + dt.timedelta(hours=23, minutes=59, seconds=30), now)

    assert text == "2025-06-02 09:59 UTC (in 23 h 59 min)"
    assert format_expiry(now - dt.timedelta(minutes=1), now).endswith("(expired)")


async def test_auth_cell_connects_to_sandbox_by_click(monkeypatch) -> None:
    monkeypatch.delenv("GENESYSCLOUD_OAUTHCLIENT_ID", raising=False)
    monkeypatch.delenv("GENESYSCLOUD_ACCESS_TOKEN", raising=False)
    cell = AuthCell()
    seen = []
    cell.on_connect(seen.append)

    cell.connect_button.click()
    await cell.wait()

    assert cell.errors.text == ""
    assert cell.connected
    assert cell.organization_name == "Example Web Shop"
    assert "SANDBOX" in cell.badge.value
    assert "Web form backend" in cell.summary.value
    assert "(in 23 h" in cell.summary.value
    assert seen == [cell.client]
    assert repr(cell) == "<AuthCell connected to 'Example Web Shop'>"


@pytest.fixture
def served():
    with serve_in_thread(Sandbox.from_scenario("seed"), port=0) as running:
        yield running


async def test_auth_cell_client_credentials_clears_secret(served) -> None:
    cell = AuthCell(mode=MODE_CLIENT_CREDENTIALS)
    cell.region.value = CUSTOM_HOST
    cell.custom_host.value = served.url
    cell.client_id.value = "sandbox-client"
    cell.client_secret.value = "sandbox-secret"

    cell.connect_button.click()
    await cell.wait()

    assert cell.client_secret.value == ""
    assert cell.errors.text == ""
    assert cell.organization_name == "Example Web Shop"
    assert "REAL ORG" in cell.badge.value
    assert "sandbox-secret" not in repr(cell.client)
    assert "sandbox-secret" not in cell.summary.value
    await cell.client.aclose()


async def test_auth_cell_wrong_secret_shows_error_with_fix(served) -> None:
    cell = AuthCell(mode=MODE_CLIENT_CREDENTIALS)
    cell.region.value = CUSTOM_HOST
    cell.custom_host.value = served.url
    cell.client_id.value = "sandbox-client"
    cell.client_secret.value = "not-the-secret"

    cell.connect_button.click()
    await cell.wait()

    assert not cell.connected
    assert cell.client_secret.value == ""
    assert "Connecting failed" in cell.errors.text
    assert "Fix:" in cell.errors.text
    assert "auth.invalid-client" in cell.findings.value
    assert "not-the-secret" not in cell.errors.value


async def test_auth_cell_empty_token_shows_error() -> None:
    cell = AuthCell(mode=MODE_TOKEN)

    cell.connect_button.click()
    await cell.wait()

    assert "access token is empty" in cell.errors.text
    assert not cell.connected
