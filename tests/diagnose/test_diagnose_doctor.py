"""Connected checks of the doctor against sandbox orgs, through the real client."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from diagnose_support import sandbox_client, workflow_scenario

from flowwidgets.api import BearerToken, GenesysClient, clear_token_cache
from flowwidgets.connect import connect
from flowwidgets.diagnose import Doctor
from flowwidgets.sandbox import Sandbox

FLOW_ID = "3b2a1f0e-9d8c-4b7a-a695-847362514031"
SEED_FLOW = "a1b2c3d4-e5f6-7890-abcd-ef1234567890"
INPUTS = {
    "Flow.address": {"type": "string", "fails_when_null": True},
    "Flow.attempts": {"type": "integer"},
}


def launch_body(**input_data: Any) -> dict[str, Any]:
    return {"flowId": FLOW_ID, "inputData": input_data}


async def test_doctor_offline_without_client() -> None:
    report = await Doctor(None).run(request='{"flowId": "f-1", "inputData": {"email": "x"}}')

    assert report.codes == ["inputs.unknown-key", "doctor.offline"]
    assert report.context == {"flow_id": "f-1"}


async def test_doctor_flow_not_found_names_org() -> None:
    async with sandbox_client("seed") as client:
        report = await Doctor(client).run(flow_id="00000000-0000-4000-8000-000000000000")

    found = report.by_code("flow.not-found")
    assert len(found) == 1
    assert "Example Web Shop" in found[0].detail
    assert "mypurecloud.com" in found[0].detail
    assert "division" in found[0].detail


async def test_doctor_flow_hidden_by_division() -> None:
    org = workflow_scenario(flow_id=FLOW_ID, inputs=INPUTS)
    org["divisions"] = [
        {"id": "5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d", "name": "Home"},
        {"id": "6b5c4d3e-2f1a-4b0c-9d8e-7f6a5b4c3d2e", "name": "Finance"},
    ]
    org["flows"][0]["division"] = "6b5c4d3e-2f1a-4b0c-9d8e-7f6a5b4c3d2e"
    org["clients"][0]["divisions"] = ["5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d"]

    async with sandbox_client(org) as client:
        report = await Doctor(client).run(request=launch_body(**{"Flow.address": "x"}))

    assert "flow.not-found" in report.codes


async def test_doctor_requested_version_missing() -> None:
    org = workflow_scenario(flow_id=FLOW_ID, inputs=INPUTS)
    body = {**launch_body(), "flowVersion": "9.0"}

    async with sandbox_client(org) as client:
        report = await Doctor(client).run(request=body)

    missing = report.by_code("flow.not-published")
    assert len(missing) == 1
    assert missing[0].evidence["requested"] == "9.0"
    assert missing[0].evidence["published"] == "1.0"


async def test_doctor_flow_never_published() -> None:
    versions = [{"id": "1.0", "type": "CHECKIN", "created_at": -600, "inputs": {}}]
    org = workflow_scenario(flow_id=FLOW_ID, inputs={}, versions=versions, published_version=None)

    async with sandbox_client(org) as client:
        report = await Doctor(client).run(flow_id=FLOW_ID)

    assert "flow.not-published" in report.codes


async def test_doctor_newer_unpublished_version() -> None:
    versions = [
        {"id": "1.0", "type": "PUBLISH", "created_at": -86400, "inputs": INPUTS},
        {"id": "2.0", "type": "CHECKIN", "created_at": -600, "inputs": INPUTS},
    ]
    org = workflow_scenario(flow_id=FLOW_ID, inputs=INPUTS, versions=versions)

    async with sandbox_client(org) as client:
        report = await Doctor(client).run(flow_id=FLOW_ID)

    newer = report.by_code("flow.newer-unpublished-version")
    assert len(newer) == 1
    assert newer[0].evidence["running"] == "1.0"
    assert newer[0].evidence["unpublished"] == "2.0"


async def test_doctor_launch_completes_and_is_counted() -> None:
    org = workflow_scenario(
        flow_id=FLOW_ID,
        inputs=INPUTS,
        execution_data={"enabled": True, "enabled_at": -172800},
        analytics={"lag_seconds": 120},
    )

    async with sandbox_client(org) as client:
        report = await Doctor(client).run(
            request=launch_body(**{"Flow.address": "a@example.com", "Flow.attempts": "2"}),
            launch=True,
        )

    assert report.codes == ["execution.launched", "execution.completed"]
    assert not report.has_errors


async def test_doctor_analytics_lag_reported() -> None:
    org = workflow_scenario(
        flow_id=FLOW_ID,
        inputs=INPUTS,
        execution_data={"enabled": True, "enabled_at": -172800},
        analytics={"lag_seconds": 100000},
    )

    async with sandbox_client(org) as client:
        report = await Doctor(client, analytics_wait=60).run(
            request=launch_body(**{"Flow.address": "a@example.com", "Flow.attempts": 1}),
            launch=True,
        )

    lagging = report.by_code("analytics.not-yet-visible")
    assert len(lagging) == 1
    assert lagging[0].evidence["flow_id"] == FLOW_ID
    assert "history.not-yet-visible" not in report.codes


async def test_doctor_still_running() -> None:
    org = workflow_scenario(flow_id=FLOW_ID, inputs=INPUTS)
    org["flows"][0]["run"] = {"duration_seconds": 3600}

    async with sandbox_client(org) as client:
        report = await Doctor(client, max_wait=30).run(
            request=launch_body(**{"Flow.address": "a", "Flow.attempts": 1}), launch=True
        )

    assert "execution.still-running" in report.codes
    assert "execution.completed" not in report.codes


async def test_doctor_launch_skipped_without_flow_id() -> None:
    async with sandbox_client("seed") as client:
        report = await Doctor(client).run(request='{"inputData": {}}', launch=True)

    skipped = report.by_code("execution.launch-skipped")
    assert len(skipped) == 1
    assert skipped[0].evidence["reason"] == "no flowId"
    assert client.sandbox.executions == {}


async def test_doctor_launch_skipped_for_unknown_flow() -> None:
    body = {"flowId": "00000000-0000-4000-8000-000000000000"}

    async with sandbox_client("seed") as client:
        report = await Doctor(client).run(request=body, launch=True)

    skipped = report.by_code("execution.launch-skipped")
    assert skipped[0].evidence["codes"] == ["flow.not-found"]


async def test_doctor_forced_launch_is_rejected() -> None:
    body = {"flowId": "00000000-0000-4000-8000-000000000000"}

    async with sandbox_client("seed") as client:
        report = await Doctor(client).run(request=body, launch=True, force=True)

    rejected = report.by_code("execution.launch-rejected")
    assert len(rejected) == 1
    assert rejected[0].evidence["status"] == 404


async def test_doctor_explains_execution_id() -> None:
    async with sandbox_client("seed") as client:
        launched = await client.launch_flow(SEED_FLOW, input_data={"Flow.source": "test"})
        client.sandbox.clock.advance(60)
        report = await Doctor(client).run(execution_id=launched.id)

    failed = report.by_code("execution.failed")
    assert len(failed) == 1
    assert failed[0].evidence["variable"] == "Flow.email"
    assert report.context["flow_id"] == SEED_FLOW


async def test_doctor_running_execution_not_followed() -> None:
    org = workflow_scenario(flow_id=FLOW_ID, inputs=INPUTS, clock={"speed": 0})

    async with sandbox_client(org) as client:
        launched = await client.launch_flow(FLOW_ID, input_data={"Flow.address": "a"})
        before = client.sandbox.clock.now()
        report = await Doctor(client).run(execution_id=launched.id)
        after = client.sandbox.clock.now()

    assert "execution.still-running" in report.codes
    assert after == before


async def test_doctor_execution_not_found() -> None:
    async with sandbox_client("seed") as client:
        report = await Doctor(client).run(
            execution_id="xyz-123",
            response="HTTP/2 202\nlocation: https://api.mypurecloud.com/api/v2/flows/executions/xyz-123\n\n",
        )

    missing = report.by_code("execution.not-found")
    assert len(missing) == 1
    assert missing[0].evidence["tries"] == 4
    assert "did not come from Genesys Cloud" in missing[0].detail


async def test_doctor_follows_accepted_response() -> None:
    async with sandbox_client("seed") as client:
        launched = await client.launch_flow(
            SEED_FLOW, input_data={"Flow.email": "a@example.com", "Flow.source": "t"}
        )
        client.sandbox.clock.advance(60)
        response = (
            "HTTP/1.1 200 OK\nContent-Type: application/json\nININ-Correlation-Id: c-1\n\n"
            f'{{"id": "{launched.id}", "name": "n", "flowVersion": {{"id": "1.0"}}, '
            f'"selfUri": "/api/v2/flows/executions/{launched.id}"}}'
        )
        report = await Doctor(client).run(response=response)

    assert "response.accepted" in report.codes
    assert "execution.completed" in report.codes


async def test_doctor_missing_permission_named() -> None:
    org = workflow_scenario(flow_id=FLOW_ID, inputs=INPUTS)
    org["clients"][0]["permissions"] = ["architect:flow:view", "architect:flow:launch"]

    async with sandbox_client(org) as client:
        report = await Doctor(client).run(flow_id=FLOW_ID)

    missing = report.by_code("auth.missing-permission")
    assert len(missing) == 1
    assert missing[0].evidence["permissions"] == ["architect:flowinstanceexecutiondata:view"]


@pytest.mark.parametrize("error", [httpx.ConnectError, httpx.ReadTimeout])
async def test_doctor_connection_failed(error: type[httpx.TransportError]) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise error("network unreachable", request=request)

    client = GenesysClient(
        region="mypurecloud.ie",
        auth=BearerToken("not-a-real-token"),
        transport=httpx.MockTransport(refuse),
        max_retries=0,
    )

    async with client:
        report = await Doctor(client).run(flow_id=FLOW_ID)

    assert report.codes == ["doctor.connection-failed"]
    assert "not-a-real-token" not in report.to_json()


class DropLaunchTransport(httpx.AsyncBaseTransport):
    """Pass requests to the sandbox, but lose the connection on every launch after sending it."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST" and request.url.path == "/api/v2/flows/executions":
            await self.inner.handle_async_request(request)
            raise httpx.RemoteProtocolError("connection closed", request=request)
        return await self.inner.handle_async_request(request)


async def test_doctor_launch_outcome_unknown() -> None:
    clear_token_cache()
    sandbox = Sandbox.from_scenario("seed")
    client = connect(sandbox=sandbox, transport=DropLaunchTransport(sandbox.transport()))
    body = {"flowId": SEED_FLOW, "inputData": {"Flow.email": "a@example.com"}}

    async with client:
        report = await Doctor(client).run(request=body, launch=True)
    clear_token_cache()

    assert "execution.launch-unknown" in report.codes
    assert report.codes[-1] == "doctor.connection-failed"
    assert len(sandbox.executions) == 1
