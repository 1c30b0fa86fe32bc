"""Execution history (flow instances), the execution-data setting and flow-execution analytics."""

from __future__ import annotations

from datetime import timedelta

import httpx
from sandbox_support import SEED_FLOW_ID, bearer, http_client, scenario, workflow

from flowwidgets.sandbox import Sandbox
from flowwidgets.sandbox.wire import iso

C07_FLOW_ID = "c7d8e9f0-a1b2-4c3d-8e4f-5a6b7c8d9e0f"
C08_FLOW_ID = "d8e9f0a1-b2c3-4d4e-9f5a-6b7c8d9e0f1a"


def by_flow(flow_id: str) -> dict[str, object]:
    return {"query": [{"and": [{"key": "FlowId", "operator": "eq", "value": flow_id}]}]}


async def launch_and_finish(
    http: httpx.AsyncClient, sandbox: Sandbox, headers: dict[str, str], flow_id: str
) -> str:
    answer = await http.post(
        "/api/v2/flows/executions",
        json={"flowId": flow_id, "inputData": {"Flow.orderId": "o-1"}},
        headers=headers,
    )
    assert answer.status_code == 200, answer.text
    sandbox.clock.advance(30)
    return str(answer.json()["id"])


def day_interval(sandbox: Sandbox) -> str:
    now = sandbox.clock.now()
    return f"{iso(now - timedelta(days=1))}/{iso(now + timedelta(days=1))}"


async def test_history_empty_when_execution_data_off() -> None:
    sandbox = Sandbox.from_scenario("c07", speed=0)

    async with http_client(sandbox) as http:
        headers = await bearer(http, sandbox)
        await launch_and_finish(http, sandbox, headers, C07_FLOW_ID)
        setting = await http.get("/api/v2/flows/instances/settings/executiondata", headers=headers)
        history = await http.post(
            "/api/v2/flows/instances/query", json=by_flow(C07_FLOW_ID), headers=headers
        )

    assert setting.json()["enabled"] is False
    assert history.status_code == 200
    assert history.json()["entities"] == []


async def test_history_empty_until_flow_republished() -> None:
    sandbox = Sandbox.from_scenario("c07", speed=0)

    async with http_client(sandbox) as http:
        headers = await bearer(http, sandbox)
        patched = await http.patch(
            "/api/v2/flows/instances/settings/executiondata",
            json={"enabled": True},
            headers=headers,
        )
        await launch_and_finish(http, sandbox, headers, C07_FLOW_ID)
        before = await http.post(
            "/api/v2/flows/instances/query", json=by_flow(C07_FLOW_ID), headers=headers
        )
        sandbox.republish(C07_FLOW_ID)
        execution_id = await launch_and_finish(http, sandbox, headers, C07_FLOW_ID)
        after = await http.post(
            "/api/v2/flows/instances/query", json=by_flow(C07_FLOW_ID), headers=headers
        )

    assert patched.json()["enabled"] is True
    assert before.json()["entities"] == []
    assert [record["id"] for record in after.json()["entities"]] == [execution_id]


async def test_history_not_republished_variant() -> None:
    sandbox = Sandbox.from_scenario("c07-not-republished", speed=0)

    async with http_client(sandbox) as http:
        headers = await bearer(http, sandbox)
        await launch_and_finish(http, sandbox, headers, C07_FLOW_ID)
        setting = await http.get("/api/v2/flows/instances/settings/executiondata", headers=headers)
        history = await http.post(
            "/api/v2/flows/instances/query", json=by_flow(C07_FLOW_ID), headers=headers
        )

    assert setting.json()["enabled"] is True
    assert history.json()["entities"] == []


async def test_history_record_fields() -> None:
    sandbox = Sandbox.from_scenario("c08", speed=0)

    async with http_client(sandbox) as http:
        headers = await bearer(http, sandbox)
        history = await http.post(
            "/api/v2/flows/instances/query", json=by_flow(C08_FLOW_ID), headers=headers
        )

    records = history.json()["entities"]
    assert len(records) == 6
    assert records[0]["flowType"] == "workflow"
    assert records[0]["flowVersion"] == "1.0"
    assert records[0]["name"] == "triage-1"
    assert records[0]["endDateTime"] > records[0]["startDateTime"]


async def test_history_time_criteria_and_page_size() -> None:
    sandbox = Sandbox.from_scenario("c08", speed=0)
    since = iso(sandbox.clock.now() - timedelta(seconds=2000))
    query = {
        "query": [{"criteria": {"key": "FlowStartDateTime", "operator": "gte", "value": since}}]
    }

    async with http_client(sandbox) as http:
        headers = await bearer(http, sandbox)
        recent = await http.post("/api/v2/flows/instances/query", json=query, headers=headers)
        capped = await http.post(
            "/api/v2/flows/instances/query",
            params={"pageSize": 2},
            json=by_flow(C08_FLOW_ID),
            headers=headers,
        )
        too_many = await http.post(
            "/api/v2/flows/instances/query",
            params={"pageSize": 500},
            json=by_flow(C08_FLOW_ID),
            headers=headers,
        )

    assert [record["name"] for record in recent.json()["entities"]] == ["triage-5", "triage-6"]
    assert len(capped.json()["entities"]) == 2
    assert too_many.status_code == 400


async def test_history_retention_drops_old_records() -> None:
    sandbox = Sandbox.from_scenario("c08", speed=0)

    async with http_client(sandbox) as http:
        sandbox.clock.advance(10 * 86400)
        headers = await bearer(http, sandbox)
        history = await http.post(
            "/api/v2/flows/instances/query", json=by_flow(C08_FLOW_ID), headers=headers
        )

    assert history.json()["entities"] == []


async def test_history_invalid_query_rejected() -> None:
    sandbox = Sandbox.from_scenario("c08", speed=0)

    async with http_client(sandbox) as http:
        headers = await bearer(http, sandbox)
        answer = await http.post(
            "/api/v2/flows/instances/query",
            json={"query": [{"and": [{"key": "FlowId", "operator": "like"}]}]},
            headers=headers,
        )

    assert answer.status_code == 400


async def test_patch_execution_data_rejects_non_boolean(sandbox: Sandbox) -> None:
    async with http_client(sandbox) as http:
        headers = await bearer(http, sandbox)
        answer = await http.patch(
            "/api/v2/flows/instances/settings/executiondata",
            json={"enabled": "yes"},
            headers=headers,
        )

    assert answer.status_code == 400


async def test_aggregates_count_after_lag(sandbox: Sandbox) -> None:
    query = {
        "interval": day_interval(sandbox),
        "metrics": ["nFlowExecutions"],
        "groupBy": ["flowId"],
    }

    async with http_client(sandbox) as http:
        headers = await bearer(http, sandbox)
        await http.post("/api/v2/flows/executions", json={"flowId": SEED_FLOW_ID}, headers=headers)
        early = await http.post(
            "/api/v2/analytics/flowexecutions/aggregates/query", json=query, headers=headers
        )
        sandbox.clock.advance(90)
        late = await http.post(
            "/api/v2/analytics/flowexecutions/aggregates/query", json=query, headers=headers
        )

    assert early.status_code == 200
    assert early.json() == {}
    result = late.json()["results"][0]
    assert result["group"] == {"flowId": SEED_FLOW_ID}
    assert result["data"][0]["metrics"][0] == {"metric": "nFlowExecutions", "stats": {"count": 1}}


async def test_aggregates_granularity_and_filter() -> None:
    sandbox = Sandbox.from_scenario("c08", speed=0)
    now = sandbox.clock.now()
    start = now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=2)
    query = {
        "interval": f"{iso(start)}/{iso(start + timedelta(hours=4))}",
        "metrics": ["nFlowExecutions"],
        "granularity": "PT1H",
        "groupBy": ["flowVersion"],
        "filter": {"type": "and", "predicates": [{"dimension": "flowId", "value": C08_FLOW_ID}]},
    }
    other = dict(
        query, filter={"type": "and", "predicates": [{"dimension": "flowId", "value": "other"}]}
    )

    async with http_client(sandbox) as http:
        headers = await bearer(http, sandbox)
        answer = await http.post(
            "/api/v2/analytics/flowexecutions/aggregates/query", json=query, headers=headers
        )
        none = await http.post(
            "/api/v2/analytics/flowexecutions/aggregates/query", json=other, headers=headers
        )

    result = answer.json()["results"][0]
    counts = [bucket["metrics"][0]["stats"]["count"] for bucket in result["data"]]
    assert result["group"] == {"flowVersion": "1.0"}
    assert sum(counts) == 6
    assert all(bucket["interval"].endswith(":00:00.000Z") for bucket in result["data"])
    assert none.json() == {}


async def test_aggregates_invalid_query_rejected(sandbox: Sandbox) -> None:
    bad_queries = [
        {"metrics": ["nFlowExecutions"]},
        {"interval": "yesterday", "metrics": ["nFlowExecutions"]},
        {"interval": day_interval(sandbox), "metrics": ["nFlow"]},
        {"interval": day_interval(sandbox), "metrics": ["nFlowExecutions"], "groupBy": ["queueId"]},
        {
            "interval": day_interval(sandbox),
            "metrics": ["nFlowExecutions"],
            "timeZone": "Mars/Base",
        },
    ]

    async with http_client(sandbox) as http:
        headers = await bearer(http, sandbox)
        answers = [
            await http.post(
                "/api/v2/analytics/flowexecutions/aggregates/query", json=query, headers=headers
            )
            for query in bad_queries
        ]

    assert [answer.status_code for answer in answers] == [400] * len(bad_queries)


async def test_conversation_flow_aggregates_empty_c08() -> None:
    sandbox = Sandbox.from_scenario("c08", speed=0)
    query = {"interval": day_interval(sandbox), "metrics": ["nFlow"], "groupBy": ["flowId"]}

    async with http_client(sandbox) as http:
        headers = await bearer(http, sandbox)
        wrong = await http.post(
            "/api/v2/analytics/flows/aggregates/query", json=query, headers=headers
        )
        right = await http.post(
            "/api/v2/analytics/flowexecutions/aggregates/query",
            json=dict(query, metrics=["nFlowExecutions"]),
            headers=headers,
        )

    assert wrong.status_code == 200
    assert wrong.json() == {}
    assert right.json()["results"][0]["data"][0]["metrics"][0]["stats"]["count"] == 6


async def test_aggregates_respect_divisions() -> None:
    sandbox = Sandbox.from_scenario(
        scenario(
            clients=[
                {"client_id": "all", "secret": "s"},
                {
                    "client_id": "none",
                    "secret": "s",
                    "divisions": ["6a1d3f5b-7c9e-4b2d-8f0a-1c3e5a7b9d2f"],
                },
            ],
            executions=[{"flow_id": SEED_FLOW_ID, "launched_at": -600}],
        )
    )
    query = {"interval": day_interval(sandbox), "metrics": ["nFlowExecutions"]}

    async with http_client(sandbox) as http:
        everything = await http.post(
            "/api/v2/analytics/flowexecutions/aggregates/query",
            json=query,
            headers=await bearer(http, sandbox, "all"),
        )
        limited = await http.post(
            "/api/v2/analytics/flowexecutions/aggregates/query",
            json=query,
            headers=await bearer(http, sandbox, "none"),
        )

    assert everything.json()["results"][0]["data"][0]["metrics"][0]["stats"]["count"] == 1
    assert limited.json() == {}


async def test_publish_action_starts_history_capture() -> None:
    sandbox = Sandbox.from_scenario("c07-not-republished", speed=0)

    async with http_client(sandbox) as http:
        headers = await bearer(http, sandbox)
        before = await http.get(f"/api/v2/flows/{C07_FLOW_ID}", headers=headers)
        sandbox.clock.advance(60)
        published = await http.post(
            "/api/v2/flows/actions/publish", params={"flow": C07_FLOW_ID}, headers=headers
        )
        after = await http.get(f"/api/v2/flows/{C07_FLOW_ID}", headers=headers)
        execution_id = await launch_and_finish(http, sandbox, headers, C07_FLOW_ID)
        history = await http.post(
            "/api/v2/flows/instances/query", json=by_flow(C07_FLOW_ID), headers=headers
        )

    operation = published.json()
    before_version = before.json()["publishedVersion"]
    after_version = after.json()["publishedVersion"]
    assert published.status_code == 200
    assert operation["actionName"] == "PUBLISH"
    assert operation["actionStatus"] == "SUCCESS"
    assert operation["complete"] is True
    assert operation["client"]["id"] == sandbox.default_client.client_id
    assert after_version["id"] == before_version["id"]
    assert after_version["datePublished"] > before_version["datePublished"]
    assert [record["id"] for record in history.json()["entities"]] == [execution_id]


async def test_publish_action_publishes_checked_in_version() -> None:
    flow = workflow(SEED_FLOW_ID, "Web form follow-up")
    flow["versions"].append({**flow["versions"][0], "id": "2.0", "type": "CHECKIN"})
    flow["versions"].append({**flow["versions"][0], "id": "3.0", "type": "SAVE"})
    sandbox = Sandbox.from_scenario(scenario(flows=[flow]))

    async with http_client(sandbox) as http:
        headers = await bearer(http, sandbox)
        saved_only = await http.post(
            "/api/v2/flows/actions/publish",
            params={"flow": SEED_FLOW_ID, "version": "3.0"},
            headers=headers,
        )
        published = await http.post(
            "/api/v2/flows/actions/publish", params={"flow": SEED_FLOW_ID}, headers=headers
        )
        flow_body = await http.get(f"/api/v2/flows/{SEED_FLOW_ID}", headers=headers)
        launched = await http.post(
            "/api/v2/flows/executions",
            json={"flowId": SEED_FLOW_ID, "inputData": {"Flow.email": "a@b.c"}},
            headers=headers,
        )

    assert saved_only.status_code == 400
    assert "check it in" in saved_only.json()["message"]
    assert published.status_code == 200
    assert flow_body.json()["publishedVersion"]["id"] == "2.0"
    assert launched.json()["flowVersion"]["id"] == "2.0"


async def test_publish_action_rejects_bad_requests() -> None:
    sandbox = Sandbox.from_scenario("healthy", speed=0)

    async with http_client(sandbox) as http:
        headers = await bearer(http, sandbox)
        missing = await http.post("/api/v2/flows/actions/publish", headers=headers)
        unknown = await http.post(
            "/api/v2/flows/actions/publish", params={"flow": "no-such-flow"}, headers=headers
        )
        limited = await bearer(http, sandbox, "launch-only-client")
        forbidden = await http.post(
            "/api/v2/flows/actions/publish", params={"flow": SEED_FLOW_ID}, headers=limited
        )

    assert missing.status_code == 400
    assert "flow" in missing.json()["message"]
    assert unknown.status_code == 404
    assert forbidden.status_code == 403
    assert forbidden.json()["messageParams"] == {"permission": "architect:flow:publish"}
