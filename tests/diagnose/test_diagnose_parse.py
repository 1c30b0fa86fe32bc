"""Reading requests and responses as people paste them, including awkward and broken input."""

from __future__ import annotations

import json

import pytest

from flowwidgets.diagnose import parse_request, parse_response
from flowwidgets.diagnose.parse import MAX_TEXT_CHARS

BODY = {"flowId": "f-1", "inputData": {"Flow.email": "a@example.com"}}


def test_parse_request_json_body() -> None:
    text = json.dumps(BODY)

    observed = parse_request(text)

    assert observed.source == "json"
    assert observed.body == BODY
    assert observed.url is None
    assert observed.findings == []


def test_parse_request_http_message_with_version() -> None:
    text = (
        "POST /api/v2/flows/executions HTTP/1.1\r\n"
        "Host: api.mypurecloud.de\r\n"
        "Content-Type: application/json\r\n"
        "\r\n" + json.dumps(BODY)
    )

    observed = parse_request(text)

    assert observed.source == "http"
    assert observed.method == "POST"
    assert observed.url == "https://api.mypurecloud.de/api/v2/flows/executions"
    assert observed.host == "api.mypurecloud.de"
    assert observed.header("CONTENT-TYPE") == "application/json"
    assert observed.body == BODY


def test_parse_request_http_message_without_blank_line() -> None:
    text = (
        "POST https://api.mypurecloud.com/api/v2/flows/executions\n"
        "Content-Type: application/json\n"
        '{"flowId": "f-1"}'
    )

    observed = parse_request(text)

    assert observed.body == {"flowId": "f-1"}


def test_parse_request_truncated_http_body() -> None:
    text = (
        "POST https://api.mypurecloud.com/api/v2/flows/executions\n"
        "Content-Type: application/json\nContent-Length: 200\n\n"
        '{"flowId": "f-1", "inputData": {"Flow.em'
    )

    observed = parse_request(text)

    assert observed.body is None
    assert "not valid JSON" in (observed.body_error or "")
    assert "Content-Length says 200" in (observed.body_error or "")


def test_parse_request_curl_with_continuations() -> None:
    text = (
        "curl -s -X POST 'https://api.usw2.pure.cloud/api/v2/flows/executions' \\\n"
        "  -H 'Authorization: Bearer abc' \\\n"
        '  -H "Content-Type: application/json" \\\n'
        f"  --data-raw '{json.dumps(BODY)}'"
    )

    observed = parse_request(text)

    assert observed.source == "curl"
    assert observed.method == "POST"
    assert observed.host == "api.usw2.pure.cloud"
    assert observed.header("authorization") == "Bearer abc"
    assert observed.body == BODY


def test_parse_request_curl_data_implies_post() -> None:
    text = 'curl https://api.mypurecloud.com/api/v2/flows/executions -d \'{"flowId": "f-1"}\''

    observed = parse_request(text)

    assert observed.method == "POST"
    assert observed.header("content-type") == "application/x-www-form-urlencoded"


def test_parse_request_curl_json_option() -> None:
    text = 'curl --json \'{"flowId": "f-1"}\' --url=https://api.mypurecloud.com/api/v2/flows/executions'

    observed = parse_request(text)

    assert observed.header("content-type") == "application/json"
    assert observed.url == "https://api.mypurecloud.com/api/v2/flows/executions"
    assert observed.body == {"flowId": "f-1"}


def test_parse_request_curl_glued_short_options() -> None:
    text = (
        "curl -XPOST -H'Content-Type: application/json' -d'{\"flowId\":\"f-1\"}' "
        "api.mypurecloud.com/api/v2/flows/executions"
    )

    observed = parse_request(text)

    assert observed.method == "POST"
    assert observed.url == "https://api.mypurecloud.com/api/v2/flows/executions"
    assert observed.body == {"flowId": "f-1"}


def test_parse_request_curl_data_from_file() -> None:
    text = "curl -X POST https://api.mypurecloud.com/api/v2/flows/executions -d @launch.json"

    observed = parse_request(text)

    assert [finding.code for finding in observed.findings] == ["request.body-from-file"]
    assert observed.findings[0].evidence["file"] == "launch.json"
    assert observed.body is None


def test_parse_request_curl_broken_quoting() -> None:
    text = 'curl -X POST https://api.mypurecloud.com/api/v2/flows/executions -d \'{"flowId": "f-1"}'

    observed = parse_request(text)

    assert [finding.code for finding in observed.findings] == ["request.unreadable"]
    assert "quoting" in observed.findings[0].detail


def test_parse_request_binary_bytes() -> None:
    data = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"

    observed = parse_request(data)

    assert observed.source == "binary"
    assert [finding.code for finding in observed.findings] == ["request.unreadable"]


def test_parse_request_latin1_bytes() -> None:
    data = '{"flowId": "f-1", "name": "Caf\xe9"}'.encode("latin-1")

    observed = parse_request(data)

    assert [finding.code for finding in observed.findings] == ["request.unreadable"]
    assert "not UTF-8" in observed.findings[0].detail


def test_parse_request_utf8_bom() -> None:
    data = b"\xef\xbb\xbf" + json.dumps(BODY).encode()

    observed = parse_request(data)

    assert observed.body == BODY


def test_parse_request_huge_body_is_capped() -> None:
    text = '{"flowId": "f-1", "name": "' + "x" * (MAX_TEXT_CHARS + 10) + '"}'

    observed = parse_request(text)

    assert [finding.code for finding in observed.findings] == ["request.too-large"]
    assert observed.body is None
    assert observed.body_error is not None


def test_parse_request_empty_text() -> None:
    observed = parse_request("   \n")

    assert observed.body is None
    assert observed.body_error == "there is no body"


def test_parse_request_plain_text_is_not_json() -> None:
    observed = parse_request("flowId=f-1&email=a@example.com")

    assert observed.source == "text"
    assert "not valid JSON" in (observed.body_error or "")


@pytest.mark.parametrize(
    ("status_line", "status", "reason"),
    [
        ("HTTP/2 202", 202, None),
        ("HTTP/1.1 200 OK", 200, "OK"),
        ("HTTP/1.0 404 Not Found", 404, "Not Found"),
    ],
)
def test_parse_response_status_lines(status_line: str, status: int, reason: str | None) -> None:
    text = f"{status_line}\nx-request-id: r-1\n\n"

    observed = parse_response(text)

    assert observed.status == status
    assert observed.reason == reason
    assert observed.header("X-Request-Id") == "r-1"
    assert observed.body_text is None


def test_parse_response_json_body() -> None:
    text = 'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{"id": "e-1"}'

    observed = parse_response(text)

    assert observed.body == {"id": "e-1"}


def test_parse_response_bare_json() -> None:
    observed = parse_response('{"id": "e-1", "name": "n"}')

    assert observed.status is None
    assert observed.body == {"id": "e-1", "name": "n"}


def test_parse_response_garbage_first_line() -> None:
    observed = parse_response("It worked, I think\n")

    assert [finding.code for finding in observed.findings] == ["response.unreadable"]


TOKEN_THEN_LAUNCH_SCRIPT = """#!/bin/bash
set -e
# Get a token with the client-credentials grant.
TOKEN=$(curl -s -X POST "https://login.mypurecloud.com/oauth/token" \\
  -u "$CLIENT_ID:$CLIENT_SECRET" \\
  -d grant_type=client_credentials | jq -r .access_token)

# Launch the workflow.
curl -X POST "https://api.mypurecloud.com/api/v2/flows/executions" \\
  -H "Authorization: Bearer $TOKEN" \\
  -H "Content-Type: application/json" \\
  -d '{
    "flowId": "f-1",
    "inputData": {"Flow.email": "a@example.com"}
  }'
echo "launched"
"""


def test_parse_request_script_picks_launch() -> None:
    observed = parse_request(TOKEN_THEN_LAUNCH_SCRIPT)

    assert observed.source == "curl"
    assert observed.method == "POST"
    assert observed.url == "https://api.mypurecloud.com/api/v2/flows/executions"
    assert observed.body == BODY
    assert observed.header("authorization") == "Bearer $TOKEN"
    codes = [finding.code for finding in observed.findings]
    assert codes == ["request.several-commands"]
    assert observed.findings[0].evidence["checked"] == 2
    assert len(observed.findings[0].evidence["commands"]) == 2


def test_parse_request_script_without_launch_takes_last() -> None:
    text = (
        "curl -X POST https://login.mypurecloud.com/oauth/token -d grant_type=client_credentials\n"
        "curl -H 'Authorization: Bearer $TOKEN' https://api.mypurecloud.com/api/v2/flows; "
        "echo done\n"
    )

    observed = parse_request(text)

    assert observed.method == "GET"
    assert observed.url == "https://api.mypurecloud.com/api/v2/flows"
    assert observed.findings[0].code == "request.several-commands"
    assert observed.findings[0].evidence["checked"] == 2


def test_parse_request_curl_piped_to_jq() -> None:
    text = "curl -s https://api.mypurecloud.com/api/v2/flows/executions/e-1 | jq ."

    observed = parse_request(text)

    assert observed.url == "https://api.mypurecloud.com/api/v2/flows/executions/e-1"
    assert observed.method == "GET"
    assert observed.findings == []


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_parse_request_utf16_with_bom(encoding: str) -> None:
    text = (
        "POST https://api.mypurecloud.com/api/v2/flows/executions\n"
        "Content-Type: application/json\n\n"
    )
    bom = {"utf-16-le": b"\xff\xfe", "utf-16-be": b"\xfe\xff"}.get(encoding, b"")
    data = bom + (text + json.dumps(BODY)).encode(encoding)

    observed = parse_request(data)

    assert observed.findings == []
    assert observed.source == "http"
    assert observed.body == BODY


def test_parse_request_binary_has_body_error() -> None:
    observed = parse_request(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")

    assert observed.body is None
    assert observed.body_error is not None
