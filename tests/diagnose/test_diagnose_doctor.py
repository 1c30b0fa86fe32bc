"""Connected checks of the doctor against sandbox orgs, through the real client."""

from __future__ import annotations

import json
from datetime import timedelta
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

    assert report.codes == [
        "execution.launched",
        "execution.completed",
        "history.visible",
        "analytics.visible",
    ]
    assert not report.has_errors


async def test_doctor_launch_visibility_evidence() -> None:
    org = workflow_scenario(
        flow_id=FLOW_ID,
        inputs=INPUTS,
        execution_data={"enabled": True, "enabled_at": -172800},
        analytics={"lag_seconds": 120},
    )

    async with sandbox_client(org) as client:
        report = await Doctor(client).run(
            request=launch_body(**{"Flow.address": "a@example.com", "Flow.attempts": 2}),
            launch=True,
        )

    execution_id = report.context["execution_id"]
    history = report.by_code("history.visible")[0]
    assert history.evidence["record"]["id"] == execution_id
    assert history.evidence["query"]["query"][0]["and"][0]["value"] == FLOW_ID
    counted = report.by_code("analytics.visible")[0]
    assert counted.evidence["count"] == 1
    assert counted.evidence["time_zone"] == "UTC"
    assert counted.evidence["interval"].endswith("Z")
    assert "waited" not in counted.detail
    written = json.loads(report.to_json())["findings"]
    by_code = {finding["code"]: finding for finding in written}
    assert by_code["history.visible"]["evidence"]["record"]["id"] == execution_id
    assert by_code["analytics.visible"]["evidence"]["count"] == 1


async def test_doctor_launch_visibility_history_disabled() -> None:
    org = workflow_scenario(flow_id=FLOW_ID, inputs=INPUTS, analytics={"lag_seconds": 30})

    async with sandbox_client(org) as client:
        report = await Doctor(client).run(
            request=launch_body(**{"Flow.address": "a@example.com", "Flow.attempts": 2}),
            launch=True,
        )

    execution_id = report.context["execution_id"]
    disabled = report.by_code("history.disabled")
    assert len(disabled) == 1
    assert disabled[0].evidence["execution_id"] == execution_id
    assert execution_id in disabled[0].detail
    assert "history.visible" not in report.codes
    assert "history.not-yet-visible" not in report.codes
    assert "analytics.visible" in report.codes


async def test_doctor_launch_visibility_not_republished() -> None:
    org = workflow_scenario(
        flow_id=FLOW_ID,
        inputs=INPUTS,
        execution_data={"enabled": True, "enabled_at": -3600},
    )

    async with sandbox_client(org) as client:
        report = await Doctor(client).run(
            request=launch_body(**{"Flow.address": "a@example.com", "Flow.attempts": 2}),
            launch=True,
        )

    stale = report.by_code("history.not-republished")
    assert len(stale) == 1
    assert stale[0].evidence["execution_id"] == report.context["execution_id"]
    assert "history.visible" not in report.codes


async def test_doctor_execution_id_checks_visibility() -> None:
    org = workflow_scenario(
        flow_id=FLOW_ID,
        inputs=INPUTS,
        execution_data={"enabled": True, "enabled_at": -172800},
        analytics={"lag_seconds": 120},
    )
    body = launch_body(**{"Flow.address": "a@example.com", "Flow.attempts": 2})

    async with sandbox_client(org) as client:
        launched = await client.launch_flow(FLOW_ID, input_data=body["inputData"])
        client.sandbox.clock.advance(600)
        report = await Doctor(client).run(execution_id=launched.id)

    assert "history.visible" in report.codes
    assert report.by_code("analytics.visible")[0].evidence["execution_id"] == launched.id


async def test_doctor_execution_id_not_yet_counted() -> None:
    org = workflow_scenario(
        flow_id=FLOW_ID,
        inputs=INPUTS,
        execution_data={"enabled": True, "enabled_at": -172800},
        analytics={"lag_seconds": 3600},
    )
    body = launch_body(**{"Flow.address": "a@example.com", "Flow.attempts": 2})

    async with sandbox_client(org) as client:
        launched = await client.launch_flow(FLOW_ID, input_data=body["inputData"])
        client.sandbox.clock.advance(60)
        report = await Doctor(client).run(execution_id=launched.id)

    lagging = report.by_code("analytics.not-yet-visible")
    assert len(lagging) == 1
    assert lagging[0].evidence["waited_seconds"] == 0
    assert "check_after" in lagging[0].evidence
    assert "Check again after" in lagging[0].fix


async def test_doctor_user_query_misses_launch() -> None:
    org = workflow_scenario(
        flow_id=FLOW_ID,
        inputs=INPUTS,
        execution_data={"enabled": True, "enabled_at": -172800},
        analytics={"lag_seconds": 10},
    )
    body = launch_body(**{"Flow.address": "a@example.com", "Flow.attempts": 2})

    async with sandbox_client(org) as client:
        launched = await client.launch_flow(FLOW_ID, input_data=body["inputData"])
        client.sandbox.clock.advance(120)
        day = client.sandbox.clock.now() - timedelta(days=2)
        query = {
            "interval": f"{day:%Y-%m-%dT00:00:00}/{day:%Y-%m-%dT23:59:59}",
            "timeZone": "America/New_York",
            "metrics": ["nFlowExecutions"],
        }
        request = (
            "POST https://api.mypurecloud.com/api/v2/analytics/flowexecutions/aggregates/query\n"
            "Content-Type: application/json\n\n" + json.dumps(query)
        )
        report = await Doctor(client).run(request=request, execution_id=launched.id)

    wrong = [
        finding
        for finding in report.by_code("analytics.wrong-interval")
        if "launched" in finding.evidence
    ]
    assert len(wrong) == 1
    assert wrong[0].evidence["time_zone"] == "America/New_York"
    assert launched.id in wrong[0].detail


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


async def test_doctor_launch_skipped_without_request() -> None:
    async with sandbox_client("seed") as client:
        report = await Doctor(client).run(flow_id=SEED_FLOW, launch=True)

    skipped = report.by_code("execution.launch-skipped")
    assert len(skipped) == 1
    assert skipped[0].evidence["reason"] == "no request"
    assert "no request was given" in skipped[0].detail
    assert "pass --flow-id" not in skipped[0].fix
    assert client.sandbox.executions == {}


async def test_doctor_launch_skipped_flow_id_given() -> None:
    async with sandbox_client("seed") as client:
        report = await Doctor(client).run(
            request='{"inputData": {}}', flow_id=SEED_FLOW, launch=True
        )

    skipped = report.by_code("execution.launch-skipped")[0]
    assert skipped.evidence["reason"] == "no flowId"
    assert "pass --flow-id" not in skipped.fix
    assert f'"flowId": "{SEED_FLOW}"' in skipped.fix


async def test_doctor_launched_note_order_free() -> None:
    org = workflow_scenario(flow_id=FLOW_ID, inputs=INPUTS)

    async with sandbox_client(org) as client:
        report = await Doctor(client).run(
            request=launch_body(**{"Flow.address": "a", "Flow.attempts": 1}), launch=True
        )

    launched = report.by_code("execution.launched")[0]
    assert "below" not in launched.fix
    assert "above" not in launched.fix


@pytest.mark.parametrize("flow_version", [1, 7], ids=["means-existing", "no-such-version"])
async def test_doctor_numeric_flow_version_inputs_still_checked(flow_version: int) -> None:
    body = {"flowId": SEED_FLOW, "flowVersion": flow_version, "inputData": {"email": "a@b.example"}}

    async with sandbox_client("seed") as client:
        published = (await client.get_flow(SEED_FLOW)).published_version
        report = await Doctor(client).run(request=body)

    unknown = report.by_code("inputs.unknown-key")
    assert [finding.evidence["suggestion"] for finding in unknown] == ["Flow.email"]
    assert f"version {published.id}" in unknown[0].detail
    assert "flow.not-published" in report.codes


async def test_doctor_numeric_flow_version_one_fix() -> None:
    body = {
        "flowId": SEED_FLOW,
        "flowVersion": 1,
        "inputData": {"Flow.email": "a@example.com", "Flow.source": "web"},
    }

    async with sandbox_client("seed") as client:
        published = (await client.get_flow(SEED_FLOW)).published_version
        report = await Doctor(client).run(request=body)

    invalid = report.by_code("request.invalid-field-value")
    missing = report.by_code("flow.not-published")
    assert len(invalid) == 1
    assert len(missing) == 1
    assert invalid[0].fix == missing[0].fix
    assert missing[0].evidence["nearest"] == published.id
    assert f'"flowVersion": "{published.id}"' in missing[0].fix
    assert '"flowVersion": "1"' not in missing[0].fix


class RejectLaunchTransport(httpx.AsyncBaseTransport):
    """Pass requests to the sandbox, but reject every launch with a 400 whose message has no
    full stop, as some Genesys Cloud messages have none."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST" and request.url.path == "/api/v2/flows/executions":
            body = {"status": 400, "code": "bad.request", "message": "Input data is invalid"}
            return httpx.Response(400, json=body, headers={"ININ-Correlation-Id": "c-1"})
        return await self.inner.handle_async_request(request)


async def test_doctor_rejected_launch_message_punctuated() -> None:
    clear_token_cache()
    sandbox = Sandbox.from_scenario("seed")
    client = connect(sandbox=sandbox, transport=RejectLaunchTransport(sandbox.transport()))
    body = {"flowId": SEED_FLOW, "inputData": {"Flow.email": "a@example.com"}}

    async with client:
        report = await Doctor(client).run(request=body, launch=True)
    clear_token_cache()

    rejected = report.by_code("execution.launch-rejected")
    assert len(rejected) == 1
    assert rejected[0].detail.endswith("Input data is invalid.")


@pytest.mark.parametrize("flow_type", ["INBOUNDCALL", "INBOUNDCHAT", "BOT"])
async def test_doctor_not_launchable_explains_type(flow_type: str) -> None:
    org = workflow_scenario(flow_id=FLOW_ID, inputs={}, flow_type=flow_type)

    async with sandbox_client(org) as client:
        report = await Doctor(client).run(request={"flowId": FLOW_ID}, launch=True)

    detail = report.by_code("flow.not-launchable")[0].detail
    assert detail.endswith(".")
    assert detail.count(". ") >= 1
    skipped = report.by_code("execution.launch-skipped")[0]
    assert "'flow.not-launchable' means" in skipped.detail
    assert "--force" in skipped.fix
    assert "pass force=True" not in skipped.fix


async def test_doctor_unknown_field_fix_names_real_input() -> None:
    org = workflow_scenario(flow_id=FLOW_ID, inputs=INPUTS)
    body = {"flowId": FLOW_ID, "inputs": {"addr": "Main St 1"}, "extra": {"x": 1}}

    async with sandbox_client(org) as client:
        report = await Doctor(client).run(request=body)

    unknown = {f.evidence["field"]: f for f in report.by_code("request.unknown-field")}
    for field in ("inputs", "extra"):
        assert "'Flow.address'" in unknown[field].fix
        assert "'Flow.email'" not in unknown[field].fix
