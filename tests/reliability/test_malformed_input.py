"""Malformed requests, HTTP messages and curl lines crash neither the doctor nor the sandbox."""

from __future__ import annotations

import base64
import json
import shlex
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reliability_support import CLIENT_ID, CLIENT_SECRET, FLOW_ID, build_scenario

FUZZ_SETTINGS = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

LAUNCH_FIELDS = {"flowId", "flowVersion", "inputData", "name"}
API_HOST = "api.mypurecloud.com"
LOGIN_HOST = "login.mypurecloud.com"
SANDBOX_ERROR_STATUSES = {400, 404, 405, 413, 415}
# The fuzz test sets these headers itself, because they decide authentication, routing or framing.
RESERVED_HEADERS = {"authorization", "host", "content-length", "transfer-encoding", "content-type"}

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=12,
)

launch_like_bodies = st.fixed_dictionaries(
    {},
    optional={
        "flowId": json_values,
        "flowVersion": json_values,
        "inputData": json_values,
        "name": json_values,
        "inputs": json_values,
        "debug": json_values,
        "Flow": json_values,
    },
)

methods = st.sampled_from(
    ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "post", "BREW"]
)
hosts = st.sampled_from(
    [
        API_HOST,
        LOGIN_HOST,
        "api.mypurecloud.co",
        "api.usw2.pure.cloud",
        "localhost:3000",
        "example.org",
    ]
)
known_paths = st.sampled_from(
    [
        "/api/v2/flows/executions",
        f"/api/v2/flows/executions/{FLOW_ID}",
        "/api/v2/flows",
        f"/api/v2/flows/{FLOW_ID}",
        f"/api/v2/flows/{FLOW_ID}/versions",
        f"/api/v2/flows/{FLOW_ID}/versions/1.0",
        "/api/v2/flows/instances/query",
        "/api/v2/flows/instances/settings/executiondata",
        "/api/v2/analytics/flowexecutions/aggregates/query",
        "/api/v2/analytics/flows/aggregates/query",
        "/api/v2/tokens/me",
        "/api/v2/organizations/me",
        "/oauth/token",
    ]
)
path_segments = st.text(
    st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), min_size=1, max_size=16
).map(lambda text: quote(text, safe=""))
paths = known_paths | st.builds(lambda base, tail: f"{base}/{tail}", known_paths, path_segments)
header_names = st.text(
    st.sampled_from("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-"),
    min_size=1,
    max_size=12,
)
header_values = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=30)
content_types = st.sampled_from(
    ["application/json", "text/plain", "application/x-www-form-urlencoded", "application/xml",
     "multipart/form-data", "application/json; charset=utf-8", ""]
)


def is_plain_launch_body(value: Any) -> bool:
    """Return whether ``value`` is a launch body the offline checks may rightly accept."""
    return (
        isinstance(value, dict)
        and isinstance(value.get("flowId"), str)
        and set(value) <= LAUNCH_FIELDS
    )


def check_everything(text: str) -> list[Any]:
    from flowwidgets.diagnose import Finding, Report, check_request, parse_request

    observed = parse_request(text)
    findings = list(observed.findings) + list(check_request(observed))
    report = Report(context={"source": "fuzz"}, findings=findings)

    assert all(isinstance(finding, Finding) for finding in findings)
    assert isinstance(report.to_text(), str)
    assert isinstance(report.to_html(), str)
    json.loads(report.to_json())
    return findings


@FUZZ_SETTINGS
@given(st.text(max_size=400))
def test_parse_request_arbitrary_text_handled(text: str) -> None:
    try:
        value = json.loads(text)
    except ValueError:
        value = None

    findings = check_everything(text)

    if not is_plain_launch_body(value):
        assert findings, text


@FUZZ_SETTINGS
@given(json_values | launch_like_bodies)
def test_parse_request_arbitrary_json_handled(value: Any) -> None:
    text = json.dumps(value)

    findings = check_everything(text)

    if not is_plain_launch_body(value):
        assert findings, text


@FUZZ_SETTINGS
@given(
    method=methods,
    host=hosts,
    path=paths,
    headers=st.dictionaries(header_names, header_values, max_size=4),
    content_type=content_types,
    body=launch_like_bodies.map(json.dumps) | st.text(max_size=120),
    version=st.sampled_from([" HTTP/1.1", " HTTP/2", ""]),
)
def test_parse_request_http_message_handled(
    method: str, host: str, path: str, headers: dict[str, str], content_type: str, body: str,
    version: str,
) -> None:
    lines = [f"{method} https://{host}{path}{version}", f"Content-Type: {content_type}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    message = "\n".join(lines) + "\n\n" + body

    findings = check_everything(message)

    if method != "POST" or path != "/api/v2/flows/executions" or host != API_HOST:
        assert findings, message


@FUZZ_SETTINGS
@given(
    method=methods,
    host=hosts,
    path=paths,
    headers=st.dictionaries(header_names, header_values, max_size=3),
    body=launch_like_bodies.map(json.dumps) | st.text(max_size=80),
    data_option=st.sampled_from(["-d", "--data", "--data-raw", "--data-binary", "--json"]),
    continuation=st.booleans(),
)
def test_parse_request_curl_line_handled(
    method: str, host: str, path: str, headers: dict[str, str], body: str, data_option: str,
    continuation: bool,
) -> None:
    separator = " \\\n  " if continuation else " "
    words = ["curl", "-X", method, shlex.quote(f"https://{host}{path}")]
    for name, value in headers.items():
        words += ["-H", shlex.quote(f"{name}: {value}")]
    words += [data_option, shlex.quote(body)]
    command = separator.join(words)

    findings = check_everything(command)

    if method != "POST" or path != "/api/v2/flows/executions" or host != API_HOST:
        assert findings, command


@FUZZ_SETTINGS
@given(st.text(max_size=200).map(lambda tail: "curl " + tail))
def test_parse_request_broken_curl_handled(command: str) -> None:
    findings = check_everything(command)

    assert isinstance(findings, list)


@FUZZ_SETTINGS
@given(
    status=st.integers(min_value=100, max_value=599) | st.just(200),
    headers=st.dictionaries(header_names, header_values, max_size=4),
    body=json_values.map(json.dumps) | st.text(max_size=120),
    prefix=st.sampled_from(["HTTP/1.1 ", "HTTP/2 ", "", "HTTP/9 "]),
)
def test_parse_response_arbitrary_message_handled(
    status: int, headers: dict[str, str], body: str, prefix: str
) -> None:
    from flowwidgets.diagnose import Finding, check_response, parse_response

    lines = [f"{prefix}{status}"] + [f"{name}: {value}" for name, value in headers.items()]
    message = "\n".join(lines) + "\n\n" + body

    observed = parse_response(message)
    findings = list(getattr(observed, "findings", [])) + list(check_response(observed))

    assert all(isinstance(finding, Finding) for finding in findings)
    if status != 200 or not headers:
        assert findings, message


@FUZZ_SETTINGS
@given(st.binary(max_size=300))
def test_parse_request_binary_data_handled(data: bytes) -> None:
    from flowwidgets.diagnose import Finding, check_request, parse_request

    observed = parse_request(data)
    findings = list(observed.findings) + list(check_request(observed))

    assert findings
    assert all(isinstance(finding, Finding) for finding in findings)


# -- the sandbox receiving malformed requests -----------------------------------------------


@pytest.fixture(scope="module")
def sandbox_http() -> Iterator[tuple[Any, str]]:
    """Yield a synchronous test client on an in-process sandbox and a valid access token."""
    from starlette.testclient import TestClient

    from flowwidgets.sandbox import Sandbox

    scenario = build_scenario(client={"rate_limit_per_minute": 1_000_000})
    sandbox = Sandbox.from_scenario(scenario)
    basic = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
    with TestClient(sandbox.app, base_url=f"https://{API_HOST}") as http:
        answer = http.post(
            f"https://{LOGIN_HOST}/oauth/token",
            data={"grant_type": "client_credentials"},
            headers={"Authorization": f"Basic {basic}"},
        )
        assert answer.status_code == 200, answer.text
        yield http, answer.json()["access_token"]


def assert_error_body(answer: Any, allowed: set[int]) -> None:
    assert answer.status_code < 500, answer.text
    if answer.status_code < 400:
        return
    assert answer.status_code in allowed, (answer.status_code, answer.text)
    if answer.request.method == "HEAD":
        return
    body = answer.json()
    assert body["status"] == answer.status_code
    assert isinstance(body["code"], str)
    assert isinstance(body["message"], str)


@FUZZ_SETTINGS
@given(
    method=methods.filter(lambda method: method != "BREW"),
    path=paths.filter(lambda path: not path.startswith("/oauth/token")),
    query=st.dictionaries(
        st.sampled_from(["pageSize", "pageNumber", "type", "includeSchemas", "name", "id",
                         "divisionId", "sortOrder", "deleted", "x"]) | header_names,
        header_values | st.text(max_size=12),
        max_size=4,
    ),
    content_type=content_types,
    extra_headers=st.dictionaries(
        header_names.filter(lambda name: name.lower() not in RESERVED_HEADERS),
        header_values,
        max_size=3,
    ),
    body=st.binary(max_size=200) | json_values.map(lambda value: json.dumps(value).encode())
    | launch_like_bodies.map(lambda value: json.dumps(value).encode()),
)
def test_sandbox_malformed_request_answers_error_body(
    sandbox_http: tuple[Any, str], method: str, path: str, query: dict[str, str],
    content_type: str, extra_headers: dict[str, str], body: bytes,
) -> None:
    http, token = sandbox_http
    headers = {**extra_headers, "Authorization": f"Bearer {token}"}
    if content_type:
        headers["Content-Type"] = content_type

    answer = http.request(method.upper(), path, params=query, content=body, headers=headers)

    assert_error_body(answer, SANDBOX_ERROR_STATUSES)


@FUZZ_SETTINGS
@given(
    headers=st.dictionaries(
        st.sampled_from(["Authorization", "Content-Type", "Accept", "Host"]) | header_names,
        header_values,
        max_size=4,
    ),
    body=st.binary(max_size=200),
)
def test_sandbox_token_endpoint_malformed_request_handled(
    sandbox_http: tuple[Any, str], headers: dict[str, str], body: bytes
) -> None:
    http, _token = sandbox_http
    headers.setdefault("Host", LOGIN_HOST)

    answer = http.post(f"https://{LOGIN_HOST}/oauth/token", content=body, headers=headers)

    assert answer.status_code < 500, answer.text
    if answer.status_code >= 400:
        assert answer.headers["content-type"].startswith("application/json")
        assert isinstance(answer.json(), dict)


@FUZZ_SETTINGS
@given(
    path=paths.filter(lambda path: not path.startswith("/oauth/token")),
    authorization=header_values.map(lambda value: f"Bearer {value}") | header_values,
)
def test_sandbox_bad_token_answers_401(
    sandbox_http: tuple[Any, str], path: str, authorization: str
) -> None:
    http, _token = sandbox_http

    answer = http.get(path, headers={"Authorization": authorization})

    assert_error_body(answer, SANDBOX_ERROR_STATUSES | {401})


def test_sandbox_api_host_login_path_error_body(sandbox_http: tuple[Any, str]) -> None:
    http, token = sandbox_http

    answer = http.post("/oauth/token", headers={"Authorization": f"Bearer {token}"})

    assert_error_body(answer, {404, 405})
