"""The field cases as tests: each case's request replayed against a sandbox org built for it.

Every case runs twice: once as reported (the request files under ``examples/``) and once as a
variant with other flow ids, hosts, variable names and field names, so that the tests check the
kind of fault and not one example.
"""

from __future__ import annotations

import asyncio
import copy
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from flowwidgets.api import BearerToken, ClientCredentials, GenesysClient
from flowwidgets.diagnose import Doctor, Report
from flowwidgets.sandbox import Sandbox

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@asynccontextmanager
async def sandbox_client(scenario: str | dict[str, Any]) -> AsyncIterator[GenesysClient]:
    """Yield a client of a sandbox org whose waits advance the sandbox clock."""
    sandbox = Sandbox.from_scenario(scenario)
    oauth = sandbox.default_client
    async with httpx.AsyncClient(
        transport=sandbox.transport(), base_url=f"https://login.{sandbox.region}"
    ) as login:
        answer = await login.post(
            "/oauth/token",
            data={"grant_type": "client_credentials"},
            auth=(oauth.client_id, oauth.secret),
        )

    async def advance(seconds: float) -> None:
        sandbox.clock.advance(seconds)

    client = GenesysClient(
        region=sandbox.region,
        auth=BearerToken(answer.json()["access_token"]),
        transport=sandbox.transport(),
        sleep=advance,
    )
    client.sandbox = sandbox
    async with client:
        yield client


def scenario(
    flow_id: str,
    inputs: dict[str, dict[str, Any]],
    *,
    region: str = "mypurecloud.com",
    flow_type: str = "WORKFLOW",
    versions: list[dict[str, Any]] | None = None,
    published_version: str = "1.0",
    execution_data: dict[str, Any] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """Build a scenario with one flow whose published version has ``inputs``."""
    return {
        "name": "case",
        "description": "One flow for a field case.",
        "region": region,
        "organization": {"id": "3e9a7c52-8b1d-4f60-a2e4-6c5b4a3d2e1f", "name": "Case Org"},
        "clients": [
            {
                "client_id": "case-client",
                "secret": "case-secret",
                "name": "Case backend",
                "permissions": ["*"],
                "divisions": ["*"],
            }
        ],
        "flows": [
            {
                "id": flow_id,
                "name": "Case flow",
                "type": flow_type,
                "versions": versions
                or [
                    {
                        "id": published_version,
                        "type": "PUBLISH",
                        "created_at": -86400,
                        "inputs": copy.deepcopy(inputs),
                    }
                ],
                "published_version": published_version,
                "run": {"duration_seconds": 4},
            }
        ],
        "execution_data": execution_data or {"enabled": False},
        **extra,
    }


def http_request(host: str, body: Any, path: str = "/api/v2/flows/executions") -> str:
    """Write an HTTP message as a person would paste it."""
    text = body if isinstance(body, str) else json.dumps(body, indent=2)
    return (
        f"POST https://{host}{path}\n"
        "Authorization: Bearer <token>\n"
        "Content-Type: application/json\n\n"
        f"{text}\n"
    )


def details(report: Report, code: str) -> str:
    return " ".join(finding.detail + " " + finding.fix for finding in report.by_code(code))


def evidence(report: Report, code: str, key: str) -> list[Any]:
    return [finding.evidence.get(key) for finding in report.by_code(code)]


# c01: a backend sends inputs under "inputs", a debug flag, and shows a 202 from its own layer.

C01_VARIANT_FLOW = "6d1f0e2c-9a8b-4c7d-b6e5-f4a3b2c1d0e9"


def c01_original() -> dict[str, Any]:
    return {
        "scenario": "seed",
        "request": (EXAMPLES / "c01-web-form-launch.http").read_text(),
        "response": (EXAMPLES / "c01-web-form-launch.response").read_text(),
        "wrong_fields": {"inputs", "debug"},
        "inputs": {"Flow.email", "Flow.source"},
        "null_input": "Flow.email",
        "sent_as": "inputs.email",
    }


def c01_variant() -> dict[str, Any]:
    body = {
        "flowId": C01_VARIANT_FLOW,
        "parameters": {"customerEmail": "someone@example.org", "channel": "landing-page"},
        "verbose": True,
    }
    return {
        "scenario": scenario(
            C01_VARIANT_FLOW,
            {
                "Flow.customerEmail": {"type": "string", "fails_when_null": True},
                "Flow.channel": {"type": "string"},
            },
            region="mypurecloud.de",
        ),
        "request": http_request("api.mypurecloud.de", body),
        "response": (
            "HTTP/1.1 202 Accepted\r\nLocation: https://forms.example.org/jobs/77\r\n"
            'Content-Type: application/json\r\n\r\n{"status": "queued"}'
        ),
        "wrong_fields": {"parameters", "verbose"},
        "inputs": {"Flow.customerEmail", "Flow.channel"},
        "null_input": "Flow.customerEmail",
        "sent_as": "parameters.customerEmail",
    }


def c01_nested_in_wrong_field() -> dict[str, Any]:
    case = c01_variant()
    body = {
        "flowId": C01_VARIANT_FLOW,
        "inputs": {"Flow": {"customerEmail": "someone@example.org", "channel": "landing-page"}},
        "verbose": True,
    }
    case["request"] = http_request("api.mypurecloud.de", body)
    case["wrong_fields"] = {"inputs", "verbose"}
    case["sent_as"] = "inputs.Flow.customerEmail"
    return case


@pytest.mark.parametrize(
    "case",
    [c01_original(), c01_variant(), c01_nested_in_wrong_field()],
    ids=["original", "variant", "nested-flow"],
)
async def test_case_c01_inputs_outside_input_data(case: dict[str, Any]) -> None:
    async with sandbox_client(case["scenario"]) as client:
        report = await Doctor(client).run(
            request=case["request"], response=case["response"], launch=True
        )

    assert set(evidence(report, "request.unknown-field", "field")) == case["wrong_fields"]
    assert set(evidence(report, "inputs.missing", "input")) == case["inputs"]
    assert all(f.severity.value == "error" for f in report.by_code("inputs.missing"))
    fix = report.by_code("inputs.missing")[0].fix
    assert "send the inputs as inputdata" in fix.lower()
    for name in case["inputs"]:
        assert f'"{name}"' in fix
    assert "response.not-genesys" in report.codes
    assert "history.disabled" in report.codes
    failed = report.by_code("execution.failed")
    assert len(failed) == 1
    assert failed[0].evidence["variable"] == case["null_input"]
    assert f"{case['null_input']} was null because it was never sent" in failed[0].detail
    assert case["sent_as"] in failed[0].detail


# c02: inputs nested in an object under "Flow".

C02_ORIGINAL_INPUTS = {
    "Flow.userEmail": {"type": "string", "fails_when_null": True},
    "Flow.myBool1": {"type": "boolean"},
    "Flow.myInt1": {"type": "integer"},
    "Flow.myString1": {"type": "string"},
}
C02_VARIANT_FLOW = "0a9b8c7d-6e5f-4a3b-9c2d-1e0f9a8b7c6d"


def two_versions(inputs: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {"id": "1.0", "type": "PUBLISH", "created_at": -172800, "inputs": copy.deepcopy(inputs)},
        {"id": "2.0", "type": "PUBLISH", "created_at": -86400, "inputs": copy.deepcopy(inputs)},
    ]


def c02_original() -> dict[str, Any]:
    return {
        "scenario": scenario(
            "5b0c9d4e-1f2a-4b3c-8d7e-6f5a4b3c2d1e",
            C02_ORIGINAL_INPUTS,
            region="usw2.pure.cloud",
            versions=two_versions(C02_ORIGINAL_INPUTS),
            published_version="2.0",
        ),
        "request": (EXAMPLES / "c02-nested-flow-object.http").read_text(),
        "inputs": set(C02_ORIGINAL_INPUTS),
        "null_input": "Flow.userEmail",
    }


def c02_variant() -> dict[str, Any]:
    inputs = {
        "Flow.contactAddress": {"type": "string", "fails_when_null": True},
        "Flow.priority": {"type": "integer"},
        "Flow.notify": {"type": "boolean"},
    }
    body = {
        "flowId": C02_VARIANT_FLOW,
        "flowVersion": "2.0",
        "inputData": {"Flow": {"contactAddress": "a@example.net", "priority": 2, "notify": True}},
    }
    return {
        "scenario": scenario(
            C02_VARIANT_FLOW,
            inputs,
            region="mypurecloud.jp",
            versions=two_versions(inputs),
            published_version="2.0",
        ),
        "request": http_request("api.mypurecloud.jp", body),
        "inputs": set(inputs),
        "null_input": "Flow.contactAddress",
    }


def c02_other_case(key: str) -> dict[str, Any]:
    case = c02_variant()
    body = {
        "flowId": C02_VARIANT_FLOW,
        "inputData": {key: {"contactAddress": "a@example.net", "Priority": 2}},
    }
    case["request"] = http_request("api.mypurecloud.jp", body)
    case["nested_key"] = key
    case["suggested"] = {"Flow.contactAddress", "Flow.priority"}
    return case


@pytest.mark.parametrize(
    "case",
    [c02_original(), c02_variant(), c02_other_case("flow"), c02_other_case("FLOW")],
    ids=["original", "variant", "lower-case", "upper-case"],
)
async def test_case_c02_nested_flow_object(case: dict[str, Any]) -> None:
    async with sandbox_client(case["scenario"]) as client:
        report = await Doctor(client).run(request=case["request"], launch=True)

    nested_key = case.get("nested_key", "Flow")
    suggested = case.get("suggested", case["inputs"])
    unknown = report.by_code("inputs.unknown-key")
    assert len(unknown) == 1
    assert unknown[0].evidence["key"] == nested_key
    assert set(unknown[0].evidence["suggestions"]) == suggested
    assert set(evidence(report, "inputs.missing", "input")) == case["inputs"]
    missing = report.by_code("inputs.missing")
    errors = {f.evidence["input"] for f in missing if f.severity.value == "error"}
    assert errors == suggested
    failed = report.by_code("execution.failed")
    assert len(failed) == 1
    assert failed[0].evidence["error_code"] == "error.workflow.expression.unexpectedNull"
    assert failed[0].evidence["variable"] == case["null_input"]
    bare = case["null_input"].split(".", 1)[1]
    assert f"inputData.{nested_key}.{bare}" in failed[0].detail


# c03: fields copied from a tutorial that does not match the API.


def c03_original() -> dict[str, Any]:
    return {
        "request": (EXAMPLES / "c03-invented-fields.http").read_text(),
        "unmatched": "flowStartPointId",
        "renamed": ("initialData", "inputData"),
    }


def c03_variant() -> dict[str, Any]:
    body = {
        "flowId": "a1b2c3d4-e5f6-7890-abcd-ef1234567890",
        "startNodeId": "node_9",
        "initialVariables": {"customerId": "cust-1"},
    }
    return {
        "request": http_request("api.mypurecloud.com", body),
        "unmatched": "startNodeId",
        "renamed": ("initialVariables", "inputData"),
    }


@pytest.mark.parametrize("case", [c03_original(), c03_variant()], ids=["original", "variant"])
async def test_case_c03_invented_fields(case: dict[str, Any]) -> None:
    async with sandbox_client("seed") as client:
        report = await Doctor(client).run(request=case["request"])

    by_field = {f.evidence["field"]: f for f in report.by_code("request.unknown-field")}
    assert set(by_field) == {case["unmatched"], case["renamed"][0]}
    unmatched = by_field[case["unmatched"]]
    assert unmatched.evidence["suggestion"] is None
    for accepted in ("flowId", "flowVersion", "inputData", "name"):
        assert accepted in unmatched.detail
    assert by_field[case["renamed"][0]].evidence["suggestion"] == case["renamed"][1]


# c04: a service tries to start an inbound call flow, without a flowId.


def c04_original() -> dict[str, Any]:
    flow_id = "e4d3c2b1-a0f9-4e8d-b7c6-a5b4c3d2e1f0"
    return {
        "scenario": scenario(flow_id, {}, region="mypurecloud.ie", flow_type="INBOUNDCALL"),
        "request": (EXAMPLES / "c04-call-flow-without-id.http").read_text(),
        "flow_id": flow_id,
        "fields": {"context"},
    }


def c04_variant() -> dict[str, Any]:
    flow_id = "7b6a5f4e-3d2c-4b1a-9f8e-7d6c5b4a3f2e"
    body = {"callContext": {"ani": "+15550100", "queue": "support"}, "priorityLevel": 3}
    return {
        "scenario": scenario(flow_id, {}, region="euw2.pure.cloud", flow_type="INBOUNDCALL"),
        "request": http_request("api.euw2.pure.cloud", body),
        "flow_id": flow_id,
        "fields": {"callContext", "priorityLevel"},
    }


@pytest.mark.parametrize("case", [c04_original(), c04_variant()], ids=["original", "variant"])
async def test_case_c04_call_flow_without_id(case: dict[str, Any]) -> None:
    async with sandbox_client(case["scenario"]) as client:
        report = await Doctor(client).run(request=case["request"], flow_id=case["flow_id"])

    assert "request.missing-flow-id" in report.codes
    assert set(evidence(report, "request.unknown-field", "field")) == case["fields"]
    not_launchable = report.by_code("flow.not-launchable")
    assert len(not_launchable) == 1
    assert not_launchable[0].evidence["type"] == "INBOUNDCALL"


@pytest.mark.parametrize("field", ["flow_id", "flowID", "flowid", "id"])
async def test_case_c04_misspelt_flow_id_field_used(field: str) -> None:
    flow_id = "5e4d3c2b-1a0f-4e9d-8c7b-6a5f4e3d2c1b"
    org = scenario(flow_id, {"Flow.ref": {"type": "string", "fails_when_null": True}})
    body = {field: flow_id, "inputData": {"ref": "R-1"}}

    async with sandbox_client(org) as client:
        report = await Doctor(client).run(
            request=http_request("api.mypurecloud.com", body), launch=True
        )

    assert report.context["flow_id"] == flow_id
    assert "request.missing-flow-id" in report.codes
    assert set(evidence(report, "request.unknown-field", "field")) == {field}
    assert "flow.not-found" not in report.codes
    assert evidence(report, "inputs.unknown-key", "suggestion") == ["Flow.ref"]
    skipped = report.by_code("execution.launch-skipped")
    assert len(skipped) == 1
    assert repr(field) in skipped[0].detail


# c05: a token from one region's login host used on another region's API host.


@pytest.mark.parametrize(
    ("org_region", "request_host"),
    [("mypurecloud.de", "api.mypurecloud.com.au"), ("mypurecloud.jp", "api.usw2.pure.cloud")],
    ids=["original", "variant"],
)
async def test_case_c05_region_mismatch(org_region: str, request_host: str) -> None:
    flow_id = "2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f"
    org = scenario(flow_id, {"Flow.x": {"type": "string"}}, region=org_region)
    body = {"flowId": flow_id, "inputData": {"Flow.x": "1"}}

    async with sandbox_client(org) as client:
        report = await Doctor(client).run(request=http_request(request_host, body))

    mismatch = report.by_code("auth.region-mismatch")
    assert len(mismatch) == 1
    assert org_region in mismatch[0].detail
    assert request_host in mismatch[0].detail


def token_then_launch(token_domain: str, api_domain: str, flow_id: str) -> str:
    body = json.dumps({"flowId": flow_id, "inputData": {"Flow.x": "1"}})
    return (
        f"TOKEN=$(curl -s -X POST https://login.{token_domain}/oauth/token \\\n"
        '  -u "$CLIENT_ID:$CLIENT_SECRET" -d grant_type=client_credentials | jq -r .access_token)\n'
        f"curl -s -X POST https://api.{api_domain}/api/v2/flows/executions \\\n"
        '  -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json" \\\n'
        f"  -d '{body}'\n"
    )


@pytest.mark.parametrize(
    ("token_domain", "api_domain"),
    [("mypurecloud.de", "mypurecloud.com.au"), ("mypurecloud.jp", "usw2.pure.cloud")],
    ids=["original", "variant"],
)
async def test_case_c05_script_token_host_offline(token_domain: str, api_domain: str) -> None:
    script = token_then_launch(token_domain, api_domain, "2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f")

    report = await Doctor(None).run(request=script)

    mismatch = report.by_code("auth.region-mismatch")
    assert len(mismatch) == 1
    assert mismatch[0].evidence["credentials_domain"] == token_domain
    assert mismatch[0].evidence["request_domain"] == api_domain
    assert f"login.{token_domain}" in mismatch[0].detail


@pytest.mark.parametrize("org_region", ["mypurecloud.de", "mypurecloud.ie"], ids=["same", "third"])
async def test_case_c05_script_token_host_connected(org_region: str) -> None:
    flow_id = "2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f"
    org = scenario(flow_id, {"Flow.x": {"type": "string"}}, region=org_region)
    script = token_then_launch("mypurecloud.de", "mypurecloud.com.au", flow_id)

    async with sandbox_client(org) as client:
        report = await Doctor(client).run(request=script)

    mismatch = report.by_code("auth.region-mismatch")
    assert mismatch[0].evidence["credentials_domain"] == "mypurecloud.de"
    assert len(mismatch) == (1 if org_region == "mypurecloud.de" else 2)
    for finding in mismatch:
        assert "token from login.mypurecloud.ie" not in finding.detail


@pytest.mark.parametrize(
    ("token_domain", "api_domain"),
    [("mypurecloud.de", "mypurecloud.com.au"), ("mypurecloud.jp", "usw2.pure.cloud")],
    ids=["original", "variant"],
)
async def test_case_c05_client_refuses_other_region(token_domain: str, api_domain: str) -> None:
    sandbox = Sandbox.from_scenario(scenario("2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f", {}))
    auth = ClientCredentials("case-client", "case-secret", login_host=f"login.{token_domain}")
    client = GenesysClient(region=api_domain, auth=auth, transport=sandbox.transport())

    async with client:
        report = await Doctor(client).run(flow_id="2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f")

    mismatch = report.by_code("auth.region-mismatch")
    assert mismatch
    assert mismatch[0].evidence == {"token_domain": token_domain, "api_domain": api_domain}
    assert sandbox.request_log == []


# c06: a tight listing loop runs into the rate limit.


@pytest.mark.parametrize(
    ("path", "retry_after", "count"),
    [("/api/v2/flows*", 3, 2), ("/api/v2/flows/*", 7, 1)],
    ids=["original", "variant"],
)
async def test_case_c06_rate_limited(path: str, retry_after: int, count: int) -> None:
    flow_id = "8e7d6c5b-4a3f-4e2d-8c1b-0a9f8e7d6c5b"
    org = scenario(
        flow_id,
        {"Flow.x": {"type": "string"}},
        faults=[{"kind": "rate_limit", "path": path, "count": count, "retry_after": retry_after}],
    )

    async with sandbox_client(org) as client:
        report = await Doctor(client).run(flow_id=flow_id)

    limited = report.by_code("rate.limited")
    assert len(limited) == 1
    assert limited[0].evidence["retry_after"] == [retry_after] * count
    assert "flow.not-found" not in report.codes
    assert report.context["version"] == "1.0"


# c07: the execution-history query returns nothing.


@pytest.mark.parametrize(
    ("execution_data", "expected", "absent"),
    [
        ({"enabled": False}, "history.disabled", "history.not-republished"),
        ({"enabled": True, "enabled_at": -3600}, "history.not-republished", "history.disabled"),
    ],
    ids=["disabled", "not-republished"],
)
async def test_case_c07_history_empty(
    execution_data: dict[str, Any], expected: str, absent: str
) -> None:
    flow_id = "4f3e2d1c-0b9a-4877-b665-544332211009"
    org = scenario(flow_id, {"Flow.x": {"type": "string"}}, execution_data=execution_data)

    async with sandbox_client(org) as client:
        report = await Doctor(client).run(flow_id=flow_id)

    assert expected in report.codes
    assert absent not in report.codes


async def test_case_c07_republished_flow_is_clean() -> None:
    flow_id = "4f3e2d1c-0b9a-4877-b665-544332211009"
    versions = [
        {"id": "3.0", "type": "PUBLISH", "created_at": -600, "inputs": {}},
    ]
    org = scenario(
        flow_id,
        {},
        versions=versions,
        published_version="3.0",
        execution_data={"enabled": True, "enabled_at": -7200},
    )

    async with sandbox_client(org) as client:
        report = await Doctor(client).run(flow_id=flow_id)

    assert "history.disabled" not in report.codes
    assert "history.not-republished" not in report.codes


# c08: conversation-based analytics queried for a workflow.


@pytest.mark.parametrize(
    "path",
    ["/api/v2/analytics/flows/aggregates/query", "/api/v2/analytics/conversations/details/query"],
    ids=["original", "variant"],
)
async def test_case_c08_wrong_analytics_endpoint(path: str) -> None:
    body = {"interval": "2026-01-01T00:00:00Z/2026-01-02T00:00:00Z", "metrics": ["nFlow"]}

    async with sandbox_client("seed") as client:
        report = await Doctor(client).run(request=http_request("api.mypurecloud.com", body, path))

    wrong = report.by_code("analytics.wrong-endpoint")
    assert len(wrong) == 1
    assert "POST /api/v2/analytics/flowexecutions/aggregates/query" in wrong[0].fix
    assert "nFlowExecutions" in wrong[0].fix
    assert "request.unknown-field" not in report.codes


# c09: many clients in one process share one token.


@pytest.mark.parametrize("calls", [100, 37], ids=["original", "variant"])
async def test_case_c09_one_token_request(calls: int) -> None:
    from flowwidgets.api import clear_token_cache
    from flowwidgets.connect import connect

    clear_token_cache()
    sandbox = Sandbox.from_scenario(
        scenario("1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d", {}, region="mypurecloud.ie")
    )
    clients = [connect(sandbox=sandbox) for _ in range(calls)]

    reports = await asyncio.gather(*(Doctor(client).run(flow_id="x") for client in clients))
    for client in clients:
        await client.aclose()
    clear_token_cache()

    token_requests = [entry for entry in sandbox.request_log if entry["path"] == "/oauth/token"]
    assert len(token_requests) == 1
    assert all("auth.invalid-client" not in report.codes for report in reports)


# c10: inputs of the wrong Architect type.


def c10_original() -> dict[str, Any]:
    inputs = {
        "Flow.orderCount": {"type": "integer"},
        "Flow.retryLimit": {"type": "integer"},
        "Flow.isVip": {"type": "boolean"},
        "Flow.tags": {"type": "string", "list": True},
    }
    return {
        "scenario": scenario("0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b", inputs),
        "request": (EXAMPLES / "c10-wrong-input-types.http").read_text(),
        "wrong": {"Flow.orderCount", "Flow.isVip", "Flow.tags"},
        "right": "Flow.retryLimit",
    }


def c10_variant() -> dict[str, Any]:
    flow_id = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
    inputs = {
        "Flow.quantity": {"type": "integer"},
        "Flow.maxAttempts": {"type": "integer"},
        "Flow.optIn": {"type": "boolean"},
        "Flow.labels": {"type": "string", "list": True},
        "Flow.ratio": {"type": "decimal"},
    }
    body = {
        "flowId": flow_id,
        "inputData": {
            "Flow.quantity": "many",
            "Flow.maxAttempts": "5",
            "Flow.optIn": "true",
            "Flow.labels": "vip",
            "Flow.ratio": 0.5,
        },
    }
    return {
        "scenario": scenario(flow_id, inputs, region="cac1.pure.cloud"),
        "request": http_request("api.cac1.pure.cloud", body),
        "wrong": {"Flow.quantity", "Flow.optIn", "Flow.labels"},
        "right": "Flow.maxAttempts",
    }


@pytest.mark.parametrize("case", [c10_original(), c10_variant()], ids=["original", "variant"])
async def test_case_c10_wrong_input_types(case: dict[str, Any]) -> None:
    async with sandbox_client(case["scenario"]) as client:
        report = await Doctor(client).run(request=case["request"])

    assert set(evidence(report, "inputs.wrong-type", "input")) == case["wrong"]
    assert case["right"] not in details(report, "inputs.wrong-type")
    assert "inputs.unknown-key" not in report.codes
