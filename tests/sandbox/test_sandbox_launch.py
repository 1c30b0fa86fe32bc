"""POST /api/v2/flows/executions and the execution lifecycle driven by the sandbox clock."""

from __future__ import annotations

import pytest
from sandbox_support import SEED_FLOW_ID, bearer, http_client, scenario, workflow

from flowwidgets.sandbox import Sandbox
from flowwidgets.sandbox.http import MAX_BODY_BYTES


async def launch(sandbox: Sandbox, body: object, **kwargs: object):
    async with http_client(sandbox) as http:
        headers = await bearer(http, sandbox)
        return await http.post("/api/v2/flows/executions", json=body, headers=headers, **kwargs)


async def test_launch_returns_execution_reference(sandbox: Sandbox) -> None:
    answer = await launch(
        sandbox, {"flowId": SEED_FLOW_ID, "name": "run-1", "inputData": {"Flow.email": "a@b.c"}}
    )

    body = answer.json()
    assert answer.status_code == 200
    assert body["name"] == "run-1"
    assert body["flowVersion"] == {
        "id": "1.0",
        "name": "1.0",
        "selfUri": f"/api/v2/flows/{SEED_FLOW_ID}/versions/1.0",
    }
    assert body["selfUri"] == f"/api/v2/flows/executions/{body['id']}"
    assert body["id"] in sandbox.executions


async def test_execution_lifecycle_completes(sandbox: Sandbox) -> None:
    async with http_client(sandbox) as http:
        headers = await bearer(http, sandbox)
        launched = await http.post(
            "/api/v2/flows/executions",
            json={
                "flowId": SEED_FLOW_ID,
                "inputData": {"Flow.email": "a@b.c", "Flow.source": "web"},
            },
            headers=headers,
        )
        execution_uri = launched.json()["selfUri"]
        running = await http.get(execution_uri, headers=headers)
        sandbox.clock.advance(5)
        done = await http.get(execution_uri, headers=headers)

    assert running.json()["status"] == "RUNNING"
    assert "dateCompleted" not in running.json()
    assert "outputData" not in running.json()
    body = done.json()
    assert body["status"] == "COMPLETED"
    assert body["completionReason"] == "Success"
    assert body["outputData"] == {"Flow.personFound": True, "Flow.emailSent": True}
    assert body["dateCompleted"] > body["dateLaunched"]
    assert body["flowVersion"]["inputSchema"]["properties"]["Flow.email"]


async def test_execution_fails_on_null_input(sandbox: Sandbox) -> None:
    async with http_client(sandbox) as http:
        headers = await bearer(http, sandbox)
        launched = await http.post(
            "/api/v2/flows/executions",
            json={"flowId": SEED_FLOW_ID, "inputs": {"email": "person@example.com"}, "debug": True},
            headers=headers,
        )
        sandbox.clock.advance(60)
        done = await http.get(launched.json()["selfUri"], headers=headers)

    body = done.json()
    assert launched.status_code == 200
    assert body["status"] == "FAILED"
    assert "outputData" not in body
    assert body["flowErrorInfo"]["code"] == "error.workflow.expression.unexpectedNull"
    assert body["flowErrorInfo"]["messageParams"] == {"variable": "Flow.email"}
    assert "Flow.email" in body["flowErrorInfo"]["message"]


async def test_execution_fails_on_nested_inputs_c02() -> None:
    sandbox = Sandbox.from_scenario("c02", speed=0)
    request = {
        "flowId": "5b0c9d4e-1f2a-4b3c-8d7e-6f5a4b3c2d1e",
        "flowVersion": "2.0",
        "name": "exec-1",
        "inputData": {"Flow": {"userEmail": "person@example.com", "myBool1": False}},
    }

    async with http_client(sandbox) as http:
        headers = await bearer(http, sandbox)
        launched = await http.post("/api/v2/flows/executions", json=request, headers=headers)
        sandbox.clock.advance(60)
        done = await http.get(launched.json()["selfUri"], headers=headers)

    assert launched.json()["flowVersion"]["id"] == "2.0"
    assert done.json()["status"] == "FAILED"
    assert done.json()["flowErrorInfo"]["messageParams"] == {"variable": "Flow.userEmail"}


async def test_launch_default_runs_published_version() -> None:
    sandbox = Sandbox.from_scenario("healthy", speed=0)

    answer = await launch(sandbox, {"flowId": SEED_FLOW_ID, "flowVersion": None})

    assert answer.json()["flowVersion"]["id"] == "2.0"


async def test_launch_explicit_old_version() -> None:
    sandbox = Sandbox.from_scenario("healthy", speed=0)

    answer = await launch(sandbox, {"flowId": SEED_FLOW_ID, "flowVersion": "1.0"})

    assert answer.status_code == 200
    assert answer.json()["flowVersion"]["id"] == "1.0"


async def test_launch_unknown_version_rejected(sandbox: Sandbox) -> None:
    answer = await launch(sandbox, {"flowId": SEED_FLOW_ID, "flowVersion": "7.0"})

    assert answer.status_code == 400
    assert "7.0" in answer.json()["message"]


async def test_launch_unknown_flow_not_found(sandbox: Sandbox) -> None:
    answer = await launch(sandbox, {"flowId": "00000000-0000-0000-0000-000000000000"})

    assert answer.status_code == 404
    assert answer.json()["code"] == "not.found"


async def test_launch_inbound_call_flow_rejected_c04() -> None:
    sandbox = Sandbox.from_scenario("c04", speed=0)

    answer = await launch(sandbox, {"flowId": "3e5a7c9e-1b2d-4f6a-8c0e-2d4f6a8c0e1b"})

    assert answer.status_code == 400
    assert answer.json()["code"] == "bad.request"
    assert "INBOUNDCALL" in answer.json()["message"]


async def test_launch_unpublished_flow_rejected() -> None:
    sandbox = Sandbox.from_scenario("healthy", speed=0)

    answer = await launch(sandbox, {"flowId": "8f0a2c4e-6d7b-4e9a-8c1d-2e3f4a5b6c7d"})

    assert answer.status_code == 400
    assert "no published version" in answer.json()["message"]


async def test_launch_missing_flow_id_c04() -> None:
    sandbox = Sandbox.from_scenario("c04", speed=0)

    answer = await launch(sandbox, {"context": {"contactId": "c-1001", "channel": "voice"}})

    assert answer.status_code == 400
    assert answer.json()["messageParams"] == {"field": "flowId"}


async def test_launch_unknown_fields_ignored_by_default(sandbox: Sandbox) -> None:
    answer = await launch(sandbox, {"flowId": SEED_FLOW_ID, "flowStartPointId": "startPoint_123"})

    assert answer.status_code == 200


async def test_launch_unknown_fields_rejected_c03() -> None:
    sandbox = Sandbox.from_scenario("c03", speed=0)
    request = {
        "flowId": SEED_FLOW_ID,
        "flowStartPointId": "startPoint_123",
        "initialData": {"userId": "user_xyz"},
    }

    answer = await launch(sandbox, request)

    assert answer.status_code == 400
    assert "flowStartPointId" in answer.json()["message"]
    assert "initialData" in answer.json()["message"]


async def test_launch_unknown_inputs_rejected_when_configured() -> None:
    sandbox = Sandbox.from_scenario(scenario(launch={"unknown_inputs": "reject"}))

    answer = await launch(sandbox, {"flowId": SEED_FLOW_ID, "inputData": {"email": "a@b.c"}})

    assert answer.status_code == 400
    assert answer.json()["messageParams"] == {"inputs": "email"}


async def test_launch_wrong_input_types_accepted_c10() -> None:
    sandbox = Sandbox.from_scenario("c10", speed=0)
    request = {
        "flowId": "0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b",
        "inputData": {
            "Flow.orderCount": "twelve",
            "Flow.retryLimit": "3",
            "Flow.isVip": "yes",
            "Flow.tags": "gold",
        },
    }

    answer = await launch(sandbox, request)

    assert answer.status_code == 200


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"flowId": 42}, "flowId"),
        ({"flowId": SEED_FLOW_ID, "flowVersion": 1}, "flowVersion"),
        ({"flowId": SEED_FLOW_ID, "name": ["x"]}, "name"),
        ({"flowId": SEED_FLOW_ID, "inputData": ["Flow.email"]}, "inputData"),
    ],
)
async def test_launch_wrong_field_types_rejected(
    sandbox: Sandbox, body: dict[str, object], field: str
) -> None:
    answer = await launch(sandbox, body)

    assert answer.status_code == 400
    assert answer.json()["messageParams"] == {"field": field}


@pytest.mark.parametrize("content", [b"{not json", b"[1, 2]", b'"text"', b""])
async def test_launch_malformed_body_rejected(sandbox: Sandbox, content: bytes) -> None:
    async with http_client(sandbox) as http:
        headers = await bearer(http, sandbox)
        headers["Content-Type"] = "application/json"
        answer = await http.post("/api/v2/flows/executions", content=content, headers=headers)

    assert answer.status_code == 400
    assert answer.json()["code"] == "bad.request"
    assert answer.json()["contextId"] == answer.headers["ININ-Correlation-Id"]


async def test_launch_form_body_unsupported_media_type(sandbox: Sandbox) -> None:
    async with http_client(sandbox) as http:
        headers = await bearer(http, sandbox)
        answer = await http.post(
            "/api/v2/flows/executions", data={"flowId": SEED_FLOW_ID}, headers=headers
        )

    assert answer.status_code == 415
    assert answer.json()["code"] == "unsupported.media.type"


async def test_launch_oversized_body_413(sandbox: Sandbox) -> None:
    body = {"flowId": SEED_FLOW_ID, "inputData": {"Flow.source": "x" * (MAX_BODY_BYTES + 1)}}

    answer = await launch(sandbox, body)

    assert answer.status_code == 413
    assert answer.json()["status"] == 413
    assert not sandbox.executions


async def test_execution_unknown_id_not_found(sandbox: Sandbox) -> None:
    async with http_client(sandbox) as http:
        headers = await bearer(http, sandbox)
        answer = await http.get("/api/v2/flows/executions/xyz-123", headers=headers)

    assert answer.status_code == 404
    assert answer.json()["code"] == "not.found"


async def test_execution_details_expire_after_retention() -> None:
    sandbox = Sandbox.from_scenario(scenario(retention={"execution_detail_days": 2}))

    async with http_client(sandbox) as http:
        headers = await bearer(http, sandbox)
        launched = await http.post(
            "/api/v2/flows/executions",
            json={"flowId": SEED_FLOW_ID, "inputData": {"Flow.email": "a"}},
            headers=headers,
        )
        sandbox.clock.advance(2 * 86400 - 60)
        kept = await http.get(launched.json()["selfUri"], headers=await bearer(http, sandbox))
        sandbox.clock.advance(120)
        expired = await http.get(launched.json()["selfUri"], headers=await bearer(http, sandbox))

    assert kept.status_code == 200
    assert expired.status_code == 404


async def test_execution_failure_status_error() -> None:
    flow = workflow(
        SEED_FLOW_ID, "Errors out", run={"duration_seconds": 1, "failure_status": "ERROR"}
    )
    sandbox = Sandbox.from_scenario(scenario(flows=[flow]))

    async with http_client(sandbox) as http:
        headers = await bearer(http, sandbox)
        launched = await http.post(
            "/api/v2/flows/executions", json={"flowId": SEED_FLOW_ID}, headers=headers
        )
        sandbox.clock.advance(2)
        done = await http.get(launched.json()["selfUri"], headers=headers)

    assert done.json()["status"] == "ERROR"


async def test_expired_executions_are_forgotten() -> None:
    sandbox = Sandbox.from_scenario(
        scenario(retention={"history_days": 2, "execution_detail_days": 1})
    )

    async with http_client(sandbox) as http:
        headers = await bearer(http, sandbox)
        await http.post(
            "/api/v2/flows/executions",
            json={"flowId": SEED_FLOW_ID, "name": "old"},
            headers=headers,
        )
        sandbox.clock.advance(3 * 86400)
        headers = await bearer(http, sandbox)
        await http.post(
            "/api/v2/flows/executions",
            json={"flowId": SEED_FLOW_ID, "name": "new"},
            headers=headers,
        )

    assert [execution.name for execution in sandbox.executions.values()] == ["new"]
