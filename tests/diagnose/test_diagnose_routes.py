"""Requests to routes other than the launch: token requests, queries, listings and bare bodies."""

from __future__ import annotations

import json

import pytest
from diagnose_support import sandbox_client, workflow_scenario

from flowwidgets.diagnose import (
    Doctor,
    check_request,
    check_response,
    parse_request,
    parse_response,
)
from flowwidgets.diagnose.offline import request_flow_id
from flowwidgets.diagnose.routes import region_domains

FLOW_ID = "3b2a1f0e-9d8c-4b7a-a695-847362514031"
INPUTS = {"Flow.address": {"type": "string", "fails_when_null": True}}
API = "https://api.mypurecloud.com"
TOKEN_REQUEST = (
    "POST https://login.mypurecloud.com/oauth/token\n"
    "Authorization: Basic Y2xpZW50OnNlY3JldA==\n"
    "Content-Type: application/x-www-form-urlencoded\n"
    "\n"
    "grant_type=client_credentials"
)
HISTORY_QUERY = {
    "query": [
        {
            "and": [
                {"key": "FlowId", "operator": "eq", "value": FLOW_ID},
                {"key": "FlowStartDateTime", "operator": "gte", "value": "2026-01-01T00:00:00Z"},
            ]
        }
    ]
}
ANALYTICS_QUERY = {
    "interval": "2026-01-01T00:00:00.000Z/2026-01-02T00:00:00.000Z",
    "metrics": ["nFlowExecutions"],
    "groupBy": ["flowId"],
    "filter": {"type": "and", "predicates": [{"dimension": "flowId", "value": FLOW_ID}]},
}


def http(method: str, path: str, body: object = None) -> str:
    text = "" if body is None else json.dumps(body)
    return (
        f"{method} {API}{path}\nAuthorization: Bearer <token>\n"
        f"Content-Type: application/json\n\n{text}"
    )


def codes(findings: list) -> list[str]:
    return [finding.code for finding in findings]


def test_check_request_token_request_is_known_route() -> None:
    findings = check_request(parse_request(TOKEN_REQUEST))

    assert "request.unknown-host" not in codes(findings)
    assert codes(findings) == ["request.not-a-launch"]


def test_check_request_token_request_to_api_host() -> None:
    text = TOKEN_REQUEST.replace("login.mypurecloud.com", "api.mypurecloud.com")

    findings = check_request(parse_request(text))

    wrong_host = [finding for finding in findings if finding.code == "request.unknown-host"]
    assert len(wrong_host) == 1
    assert wrong_host[0].evidence["suggestion"] == "login.mypurecloud.com"


def test_check_response_login_rate_limited() -> None:
    response = (
        "HTTP/1.1 429 Too Many Requests\nRetry-After: 60\nContent-Type: application/json\n\n"
        '{"error": "too_many_requests", "description": "Rate limit exceeded"}'
    )

    findings = check_response(parse_response(response), parse_request(TOKEN_REQUEST))

    assert codes(findings) == ["rate.limited"]
    assert findings[0].evidence["retry_after"] == ["60"]
    assert "60" in findings[0].detail


@pytest.mark.parametrize(
    ("error", "code"),
    [
        ("invalid_client", "auth.invalid-client"),
        ("unauthorized_client", "auth.invalid-client"),
        ("invalid_grant", "response.rejected"),
        ("unsupported_grant_type", "response.rejected"),
    ],
)
def test_check_response_login_error_kinds(error: str, code: str) -> None:
    response = f'HTTP/1.1 400 Bad Request\n\n{{"error": "{error}", "error_description": "x"}}'

    findings = check_response(parse_response(response), parse_request(TOKEN_REQUEST))

    assert codes(findings) == [code]


@pytest.mark.parametrize(
    ("method", "path", "body", "response_body"),
    [
        ("POST", "/api/v2/flows/instances/query", HISTORY_QUERY, {"entities": []}),
        ("GET", "/api/v2/flows", None, {"entities": [], "pageNumber": 1, "total": 0}),
        (
            "POST",
            "/api/v2/analytics/flowexecutions/aggregates/query",
            ANALYTICS_QUERY,
            {"results": []},
        ),
        ("GET", "/api/v2/flows/executions/e-1", None, {"id": "e-1", "status": "RUNNING"}),
    ],
)
def test_check_response_listing_is_genesys(
    method: str, path: str, body: object, response_body: dict
) -> None:
    response = (
        "HTTP/1.1 200 OK\nININ-Correlation-Id: 5e1f\nContent-Type: application/json\n\n"
        + json.dumps(response_body)
    )

    findings = check_response(parse_response(response), parse_request(http(method, path, body)))

    assert findings == []


def test_check_response_listing_without_correlation_id() -> None:
    response = 'HTTP/1.1 200 OK\nContent-Type: application/json\n\n{"entities": []}'
    request = parse_request(http("GET", "/api/v2/flows"))

    findings = check_response(parse_response(response), request)

    assert codes(findings) == ["response.not-genesys"]
    assert findings[0].severity == "warning"
    assert "/api/v2/flows" in findings[0].detail


def test_check_response_empty_file_unreadable() -> None:
    findings = check_response(parse_response(b""))

    assert codes(findings) == ["response.unreadable"]


def test_request_flow_id_from_history_criteria() -> None:
    request = parse_request(http("POST", "/api/v2/flows/instances/query", HISTORY_QUERY))

    assert request_flow_id(request) == FLOW_ID


FLOW_CRITERION = {"key": "FlowId", "operator": "eq", "value": FLOW_ID}


@pytest.mark.parametrize(
    "query",
    [
        [{"criteria": FLOW_CRITERION}],
        [{"criteria": [FLOW_CRITERION]}],
        [{"or": [{"criteria": [FLOW_CRITERION]}]}],
        [{"and": [{"not": [FLOW_CRITERION]}, {"criteria": FLOW_CRITERION}]}],
    ],
    ids=["criteria-single", "criteria-list", "or-criteria", "after-not"],
)
def test_request_flow_id_from_criteria_groups(query: list) -> None:
    request = parse_request(http("POST", "/api/v2/flows/instances/query", {"query": query}))

    assert request_flow_id(request) == FLOW_ID


def test_request_flow_id_skips_negated_criteria() -> None:
    query = {"query": [{"not": [{"criteria": FLOW_CRITERION}]}]}

    flow_id = request_flow_id(parse_request(http("POST", "/api/v2/flows/instances/query", query)))

    assert flow_id is None


async def test_doctor_criteria_history_query_flow_checked() -> None:
    org = workflow_scenario(
        flow_id=FLOW_ID, inputs=INPUTS, execution_data={"enabled": True, "enabled_at": -3600}
    )
    query = {"query": [{"criteria": [FLOW_CRITERION]}]}
    request = http("POST", "/api/v2/flows/instances/query", query)

    async with sandbox_client(org) as client:
        report = await Doctor(client).run(request=request)

    assert report.context["flow_id"] == FLOW_ID
    assert "history.not-republished" in report.codes


def test_request_flow_id_ignores_other_operators() -> None:
    query = {"query": [{"key": "FlowId", "operator": "in", "value": FLOW_ID}]}

    assert request_flow_id(parse_request(json.dumps(query))) is None


def test_check_request_bare_analytics_body() -> None:
    body = {**ANALYTICS_QUERY, "metrics": ["nFlow"]}

    findings = check_request(parse_request(json.dumps(body)))

    assert codes(findings) == ["request.not-a-launch", "analytics.wrong-endpoint"]
    assert findings[0].evidence["route"] == "/api/v2/analytics/flowexecutions/aggregates/query"
    assert "nFlow" in findings[1].detail


def test_check_request_bare_analytics_body_interval() -> None:
    body = {**ANALYTICS_QUERY, "interval": "2026-01-01/2026-01-02T00:00:00"}

    findings = check_request(parse_request(json.dumps(body)))

    assert codes(findings) == ["request.not-a-launch", "analytics.wrong-interval"]


def test_check_request_bare_history_body() -> None:
    findings = check_request(parse_request(json.dumps(HISTORY_QUERY)))

    assert codes(findings) == ["request.not-a-launch"]
    assert findings[0].evidence["route"] == "/api/v2/flows/instances/query"


def test_check_request_analytics_body_from_file() -> None:
    text = (
        f"curl -X POST {API}/api/v2/analytics/flowexecutions/aggregates/query "
        "-H 'Authorization: Bearer x' -H 'Content-Type: application/json' -d @query.json"
    )

    findings = check_request(parse_request(text))

    assert codes(findings) == ["request.body-from-file"]


def test_check_request_analytics_get_is_wrong_method() -> None:
    text = (
        f"curl -H 'Authorization: Bearer x' {API}/api/v2/analytics/flowexecutions/aggregates/query"
    )

    findings = check_request(parse_request(text))

    assert codes(findings) == ["request.wrong-method"]
    assert findings[0].evidence["allowed"] == ["POST"]


def test_check_request_form_data_one_not_json() -> None:
    text = (
        f"curl -X POST {API}/api/v2/flows/executions -H 'Authorization: Bearer x' "
        "-d 'flowId=3b2a1f0e'"
    )

    findings = check_request(parse_request(text))

    assert codes(findings) == ["request.not-json"]
    assert "not JSON either" in findings[0].detail


def test_check_request_utf16_file() -> None:
    text = http("POST", "/api/v2/flows/executions", {"flowId": FLOW_ID})
    data = text.encode("utf-16")

    findings = check_request(parse_request(data))

    assert findings == []


def test_check_request_binary_one_finding() -> None:
    findings = check_request(parse_request(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"))

    assert codes(findings) == ["request.unreadable"]


async def test_doctor_history_query_flow_checked() -> None:
    org = workflow_scenario(
        flow_id=FLOW_ID, inputs=INPUTS, execution_data={"enabled": True, "enabled_at": -3600}
    )
    request = http("POST", "/api/v2/flows/instances/query", HISTORY_QUERY)

    async with sandbox_client(org) as client:
        report = await Doctor(client).run(request=request)

    assert report.context["flow_id"] == FLOW_ID
    assert "history.not-republished" in report.codes
    assert not [code for code in report.codes if code.startswith("inputs.")]


async def test_doctor_query_no_input_findings() -> None:
    org = workflow_scenario(flow_id=FLOW_ID, inputs=INPUTS)
    request = http("POST", "/api/v2/analytics/flowexecutions/aggregates/query", ANALYTICS_QUERY)
    response = 'HTTP/1.1 200 OK\nININ-Correlation-Id: 5e1f\n\n{"results": []}'

    async with sandbox_client(org) as client:
        report = await Doctor(client).run(request=request, response=response, flow_id=FLOW_ID)

    assert not [code for code in report.codes if code.startswith("inputs.")]
    assert "response.not-genesys" not in report.codes


def test_region_domains_hyphenated_names() -> None:
    domains = region_domains()

    assert domains["mypurecloud.com.au"] == "ap-southeast-2"
    assert all("_" not in name for name in domains.values())


async def test_doctor_region_mismatch_hyphenated_name() -> None:
    org = workflow_scenario(flow_id=FLOW_ID, inputs=INPUTS)
    request = http("POST", "/api/v2/flows/executions", {"flowId": FLOW_ID}).replace(
        "api.mypurecloud.com", "api.mypurecloud.com.au"
    )

    async with sandbox_client(org) as client:
        report = await Doctor(client).run(request=request)

    mismatch = report.by_code("auth.region-mismatch")
    assert len(mismatch) == 1
    assert "ap-southeast-2" in mismatch[0].detail
    assert "ap_southeast_2" not in mismatch[0].detail


@pytest.mark.parametrize(
    ("request_text", "expected"),
    [
        (TOKEN_REQUEST, False),
        (http("GET", "/api/v2/flows?type=workflow"), False),
        (http("POST", "/api/v2/flows/instances/query", HISTORY_QUERY), True),
        (http("POST", "/api/v2/flows/executions", {"flowId": FLOW_ID}), True),
    ],
    ids=["token", "listing", "history-query", "launch"],
)
async def test_doctor_history_disabled_only_for_executions(
    request_text: str, expected: bool
) -> None:
    org = workflow_scenario(flow_id=FLOW_ID, inputs=INPUTS)

    async with sandbox_client(org) as client:
        report = await Doctor(client).run(request=request_text)

    assert ("history.disabled" in report.codes) is expected


def test_check_response_login_host_429_names_login_host() -> None:
    response = (
        "HTTP/1.1 429 Too Many Requests\nRetry-After: 3\nContent-Type: application/json\n\n"
        '{"message": "Too many requests", "code": "too.many.requests", "status": 429}'
    )

    findings = check_response(parse_response(response), parse_request(TOKEN_REQUEST))

    limited = [f for f in findings if f.code == "rate.limited"]
    assert limited[0].detail.startswith("The login host answered 429")
    assert "reuse" in limited[0].fix


def test_check_request_analytics_without_body() -> None:
    text = http("POST", "/api/v2/analytics/flowexecutions/aggregates/query")

    findings = check_request(parse_request(text))

    assert codes(findings) == ["request.not-json"]
