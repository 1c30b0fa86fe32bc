"""Offline checks of requests and responses: no connection, only what the person sent and saw."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

import pytest

from flowwidgets.diagnose import check_request, check_response, parse_request, parse_response
from flowwidgets.diagnose.offline import check_interval

LAUNCH_URL = "https://api.mypurecloud.com/api/v2/flows/executions"


def http(body: Any, url: str = LAUNCH_URL, method: str = "POST", headers: str | None = None) -> str:
    text = body if isinstance(body, str) else json.dumps(body)
    if headers is None:
        headers = "Authorization: Bearer <token>\nContent-Type: application/json\n"
    return f"{method} {url}\n{headers}\n{text}"


def codes(text: str) -> list[str]:
    return [finding.code for finding in check_request(parse_request(text))]


def test_check_request_clean_launch() -> None:
    body = {"flowId": "f-1", "inputData": {"Flow.email": "a@example.com"}, "name": "run-1"}

    assert codes(http(body)) == []


@pytest.mark.parametrize(
    ("field", "suggestion"),
    [
        ("inputs", "inputData"),
        ("initialData", "inputData"),
        ("input", "inputData"),
        ("data", "inputData"),
        ("parameters", "inputData"),
        ("flow_id", "flowId"),
        ("flowID", "flowId"),
        ("id", "flowId"),
        ("version", "flowVersion"),
        ("executionName", "name"),
        ("debug", None),
        ("flowStartPointId", None),
        ("context", None),
    ],
)
def test_check_request_unknown_field_suggestion(field: str, suggestion: str | None) -> None:
    body = {"flowId": "f-1", field: {"x": 1}} if field != "flowId" else {}

    findings = check_request(parse_request(http(body)))

    unknown = [f for f in findings if f.code == "request.unknown-field"]
    assert len(unknown) == 1
    assert unknown[0].evidence["suggestion"] == suggestion
    if suggestion is None:
        for accepted in ("flowId", "flowVersion", "inputData", "name"):
            assert accepted in unknown[0].detail


def test_check_request_misplaced_inputs_carried() -> None:
    body = {"flowId": "f-1", "inputs": {"email": "a@example.com", "source": "web"}}

    findings = check_request(parse_request(http(body)))

    assert findings[0].evidence["misplaced"] == {
        "inputs.email": "a@example.com",
        "inputs.source": "web",
    }


def test_check_request_missing_flow_id() -> None:
    assert "request.missing-flow-id" in codes(http({"inputData": {}}))


def test_check_request_missing_flow_id_names_alias() -> None:
    findings = check_request(parse_request(http({"flow_id": "f-1"})))

    missing = next(f for f in findings if f.code == "request.missing-flow-id")
    assert "'flow_id'" in missing.detail


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("[1, 2]", "application/json"),
        ('"flowId"', "application/json"),
        ('{"flowId": "f-1",', "application/json"),
        ('{"flowId": "f-1"}', "text/plain"),
    ],
)
def test_check_request_not_json(body: str, content_type: str) -> None:
    headers = f"Authorization: Bearer <token>\nContent-Type: {content_type}\n"

    assert "request.not-json" in codes(http(body, headers=headers))


def test_check_request_curl_form_encoded() -> None:
    text = f"curl -H 'Authorization: Bearer t0k3n' {LAUNCH_URL} -d '{{\"flowId\": \"f-1\"}}'"

    findings = check_request(parse_request(text))

    not_json = [f for f in findings if f.code == "request.not-json"]
    assert len(not_json) == 1
    assert "x-www-form-urlencoded" in not_json[0].detail


@pytest.mark.parametrize(
    ("host", "suggestion"),
    [
        ("login.mypurecloud.com", "api.mypurecloud.com"),
        ("api.mypurecloud.co", "api.mypurecloud.com"),
        ("api.mypurecloud.dee", "api.mypurecloud.de"),
        ("api.usw2.pure.clod", "api.usw2.pure.cloud"),
        ("example.org", None),
    ],
)
def test_check_request_unknown_host(host: str, suggestion: str | None) -> None:
    text = http({"flowId": "f-1"}, url=f"https://{host}/api/v2/flows/executions")

    findings = [f for f in check_request(parse_request(text)) if f.code == "request.unknown-host"]

    assert len(findings) == 1
    assert findings[0].evidence["suggestion"] == suggestion


def test_check_request_loopback_host_is_info() -> None:
    text = http({"flowId": "f-1"}, url="http://127.0.0.1:8765/api/v2/flows/executions")

    assert codes(text) == ["request.local-host"]


def test_check_request_unknown_path_still_checks_launch() -> None:
    text = http(
        {"flowId": "f-1", "inputs": {}}, url="https://api.mypurecloud.com/api/v2/flow/execution"
    )

    findings = check_request(parse_request(text))

    assert [f.code for f in findings] == ["request.unknown-path", "request.unknown-field"]
    assert findings[0].evidence["suggestion"] == "/api/v2/flows/executions"


def test_check_request_other_known_route() -> None:
    text = http("", url="https://api.mypurecloud.com/api/v2/flows/executions/e-1", method="GET")

    assert codes(text) == ["request.not-a-launch"]


def test_check_request_wrong_method() -> None:
    assert codes(http({"flowId": "f-1"}, method="PUT")) == ["request.wrong-method"]


def test_check_request_missing_auth() -> None:
    text = http({"flowId": "f-1"}, headers="Content-Type: application/json\n")

    assert codes(text) == ["request.missing-auth"]


def test_check_request_non_string_version() -> None:
    findings = check_request(parse_request(json.dumps({"flowId": "f-1", "flowVersion": 2.0})))

    assert [f.code for f in findings] == ["request.invalid-field-value"]
    assert findings[0].evidence["field"] == "flowVersion"


def test_check_request_input_keys_without_prefix() -> None:
    body = {
        "flowId": "f-1",
        "inputData": {"email": "a@example.com", "flow.source": "x", "Flow.ok": 1},
    }

    findings = check_request(parse_request(json.dumps(body)))

    suggestions = {f.evidence["key"]: f.evidence["suggestion"] for f in findings}
    assert suggestions == {"email": "Flow.email", "flow.source": "Flow.source"}


@pytest.mark.parametrize("key", ["Flow", "flow", "FLOW"])
def test_check_request_nested_flow_object(key: str) -> None:
    body = {"flowId": "f-1", "inputData": {key: {"userEmail": "a@example.com", "myInt1": 1}}}

    findings = check_request(parse_request(json.dumps(body)))

    assert [f.code for f in findings] == ["inputs.unknown-key"]
    assert findings[0].evidence["suggestions"] == ["Flow.userEmail", "Flow.myInt1"]


def test_check_request_input_data_not_object() -> None:
    body = {"flowId": "f-1", "inputData": "email=a@example.com"}

    assert codes(json.dumps(body)) == ["inputs.not-object"]


def test_check_request_conversation_analytics() -> None:
    text = http(
        {"interval": "x/y"},
        url="https://api.mypurecloud.com/api/v2/analytics/flows/aggregates/query",
    )

    findings = check_request(parse_request(text))

    assert [f.code for f in findings] == ["analytics.wrong-endpoint"]
    assert findings[0].evidence["metric"] == "nFlowExecutions"


def test_check_request_flow_execution_query_wrong_metric() -> None:
    body = {"interval": "2026-01-01T00:00:00Z/2026-01-02T00:00:00Z", "metrics": ["nFlow"]}
    url = "https://api.mypurecloud.com/api/v2/analytics/flowexecutions/aggregates/query"

    assert codes(http(body, url=url)) == ["analytics.wrong-endpoint"]


@pytest.mark.parametrize(
    ("interval", "time_zone", "problem"),
    [
        ("2026-01-01T00:00:00/2026-01-02T00:00:00", None, "no UTC offset"),
        ("2026-01-02T00:00:00Z/2026-01-01T00:00:00Z", None, "not before the end"),
        ("2027-01-01T00:00:00Z/2027-01-02T00:00:00Z", None, "in the future"),
        ("2026-01-01T00:00:00Z/2026-01-02T00:00:00Z", "Europe/Berlin", "Europe/Berlin"),
        ("yesterday", None, "not an ISO-8601 interval"),
    ],
)
def test_check_interval_problems(interval: str, time_zone: str | None, problem: str) -> None:
    now = datetime(2026, 6, 1, tzinfo=timezone.utc)

    findings = check_interval(interval, time_zone, now=now)

    assert [f.code for f in findings] == ["analytics.wrong-interval"]
    assert problem in findings[0].detail


def test_check_interval_good() -> None:
    now = datetime(2026, 6, 1, tzinfo=timezone.utc)

    assert check_interval("2026-01-01T00:00:00.000Z/2026-01-02T00:00:00.000Z", "UTC", now=now) == []


def response_codes(text: str) -> list[str]:
    return [finding.code for finding in check_response(parse_response(text))]


def test_check_response_202_with_location() -> None:
    text = "HTTP/2 202\nlocation: https://api.mypurecloud.com/api/v2/flows/executions/xyz\n\n"

    findings = check_response(parse_response(text))

    assert [f.code for f in findings] == ["response.not-genesys"]
    assert findings[0].severity.value == "error"
    assert (
        findings[0].evidence["location"]
        == "https://api.mypurecloud.com/api/v2/flows/executions/xyz"
    )
    assert findings[0].evidence["status"] == 202


def test_check_response_genuine_launch() -> None:
    body = {
        "id": "e-1",
        "name": "run",
        "flowVersion": {"id": "1.0", "name": "1.0"},
        "selfUri": "/api/v2/flows/executions/e-1",
    }
    head = "HTTP/1.1 200 OK\nContent-Type: application/json\nININ-Correlation-Id: c-1\n\n"
    text = head + json.dumps(body)

    findings = check_response(parse_response(text))

    assert [f.code for f in findings] == ["response.accepted"]
    assert findings[0].evidence["execution_id"] == "e-1"
    assert findings[0].evidence["correlation_id"] == "c-1"


@pytest.mark.parametrize(
    "text",
    [
        "HTTP/1.1 200 OK\nContent-Type: text/html\n\n<html>OK</html>",
        'HTTP/1.1 200 OK\nINIn-Correlation-Id: c\n\n{"status": "ok"}',
        "HTTP/1.1 204 No Content\n\n",
    ],
)
def test_check_response_not_genesys(text: str) -> None:
    assert response_codes(text) == ["response.not-genesys"]


def test_check_response_missing_correlation_only_warns() -> None:
    body = {"id": "e-1", "name": "n", "flowVersion": {"id": "1.0"}, "selfUri": "/x"}
    text = f"HTTP/1.1 200 OK\nContent-Type: application/json\n\n{json.dumps(body)}"

    findings = check_response(parse_response(text))

    assert [f.code for f in findings] == ["response.not-genesys"]
    assert findings[0].severity.value == "warning"


def test_check_response_error_body_explained() -> None:
    body = {"message": "Flow not found", "code": "not.found", "status": 404}
    text = f"HTTP/1.1 404 Not Found\nContent-Type: application/json\n\n{json.dumps(body)}"

    findings = check_response(parse_response(text))

    assert [f.code for f in findings] == ["response.rejected"]
    assert "not found in this org and region" in findings[0].detail


def test_check_response_missing_permission() -> None:
    body = {
        "message": "You are missing the following permission(s): architect:flow:launch",
        "code": "missing.permissions",
        "status": 403,
    }
    text = f"HTTP/1.1 403 Forbidden\n\n{json.dumps(body)}"

    findings = check_response(parse_response(text))

    assert [f.code for f in findings] == ["auth.missing-permission"]
    assert findings[0].evidence["permissions"] == ["architect:flow:launch"]


def test_check_response_gateway_error_without_error_body() -> None:
    assert response_codes(
        "HTTP/1.1 502 Bad Gateway\nServer: nginx\n\n<html>bad gateway</html>"
    ) == ["response.not-genesys"]


def test_check_response_rate_limited() -> None:
    body = {"message": "Rate limit exceeded", "code": "too.many.requests", "status": 429}
    text = f"HTTP/1.1 429 Too Many Requests\nRetry-After: 17\n\n{json.dumps(body)}"

    findings = check_response(parse_response(text))

    assert [f.code for f in findings] == ["rate.limited"]
    assert findings[0].evidence["retry_after"] == ["17"]


@pytest.mark.parametrize(
    "url", ["https://[", "https://api.mypurecloud.com:99999/api/v2/flows/executions"]
)
def test_check_request_invalid_url(url: str) -> None:
    text = http({"flowId": "f-1"}, url=url)

    findings = check_request(parse_request(text))

    assert findings[0].code == "request.unknown-host"
    assert "not a valid URL" in findings[0].detail


def test_check_request_curl_invalid_url() -> None:
    assert codes("curl [")[0] == "request.unknown-host"
