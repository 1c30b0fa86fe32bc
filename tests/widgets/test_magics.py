"""The IPython extension, driven through IPython's test shell."""

from __future__ import annotations

import pytest
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell

from flowwidgets.widgets import Troubleshooter


@pytest.fixture
def shell():
    ip = InteractiveShell.instance()
    ip.run_line_magic("load_ext", "flowwidgets")
    ip.user_ns.pop("flowwidgets_client", None)
    ip.user_ns.pop("flowwidgets_report", None)
    yield ip
    ip.user_ns.pop("flowwidgets_client", None)


def test_magic_connect_sandbox_stores_client(shell) -> None:
    client = shell.run_line_magic("flowwidgets_connect", "--sandbox seed")

    assert shell.user_ns["flowwidgets_client"] is client
    assert client.sandbox is not None


def test_magic_connect_region_without_credentials_is_usage_error(shell, monkeypatch) -> None:
    for name in (
        "GENESYSCLOUD_OAUTHCLIENT_ID",
        "GENESYSCLOUD_OAUTHCLIENT_SECRET",
        "GENESYSCLOUD_ACCESS_TOKEN",
    ):
        monkeypatch.delenv(name, raising=False)

    with pytest.raises(UsageError, match="GENESYSCLOUD_OAUTHCLIENT_ID"):
        shell.run_line_magic("flowwidgets_connect", "--region mypurecloud.de")


def test_magic_connect_rejects_both_targets(shell) -> None:
    with pytest.raises(UsageError, match="not allowed with"):
        shell.run_line_magic("flowwidgets_connect", "--sandbox seed --region mypurecloud.de")


def test_magic_doctor_cell_offline(shell, c01_request) -> None:
    report = shell.run_cell_magic("flowwidgets_doctor", "", c01_request)

    assert "request.unknown-field" in report.codes
    assert shell.user_ns["flowwidgets_report"] is report


def test_magic_doctor_cell_connected_finds_missing_inputs(shell, c01_request) -> None:
    shell.run_line_magic("flowwidgets_connect", "--sandbox seed")

    report = shell.run_cell_magic("flowwidgets_doctor", "", c01_request)

    assert "inputs.missing" in report.codes
    assert "history.disabled" in report.codes


def test_magic_doctor_variable_dict(shell) -> None:
    shell.user_ns["body"] = {"inputData": {"Flow.email": "a@example.com"}}

    report = shell.run_line_magic("flowwidgets_doctor", "body")

    assert "request.missing-flow-id" in report.codes


def test_magic_doctor_unknown_variable_is_usage_error(shell) -> None:
    with pytest.raises(UsageError, match="No variable named 'missing_body'"):
        shell.run_line_magic("flowwidgets_doctor", "missing_body")


def test_magic_doctor_wrong_variable_type_is_usage_error(shell) -> None:
    shell.user_ns["number"] = 42

    with pytest.raises(UsageError, match="must be a str, bytes or dict"):
        shell.run_line_magic("flowwidgets_doctor", "number")


def test_magic_doctor_empty_cell_is_usage_error(shell) -> None:
    with pytest.raises(UsageError, match="no request to check"):
        shell.run_cell_magic("flowwidgets_doctor", "", "   \n")


def test_magic_troubleshoot_connects_stored_client(shell) -> None:
    shell.run_line_magic("flowwidgets_connect", "--sandbox seed")

    app = shell.run_line_magic("flowwidgets_troubleshoot", "")

    assert isinstance(app, Troubleshooter)
    assert app.auth.organization_name == "Example Web Shop"
