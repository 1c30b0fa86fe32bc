"""GET /api/v2/flows, one flow, and its versions."""

from __future__ import annotations

import pytest
from sandbox_support import SEED_FLOW_ID, bearer, http_client

from flowwidgets.sandbox import Sandbox

IVR_FLOW_ID = "4e6a8c0e-2b3d-4f5a-8b7c-9d0e1f2a3b4c"
CHAT_FLOW_ID = "6b8d0f2a-4c5e-4a7b-9d8e-0f1a2b3c4d5e"


@pytest.fixture
def healthy() -> Sandbox:
    return Sandbox.from_scenario("healthy", speed=0)


async def test_list_flows_paging_envelope() -> None:
    sandbox = Sandbox.from_scenario("c06", speed=0)

    async with http_client(sandbox) as http:
        headers = await bearer(http, sandbox)
        first = await http.get("/api/v2/flows", params={"pageSize": 500}, headers=headers)
        last = await http.get(
            "/api/v2/flows", params={"pageSize": 500, "pageNumber": 6}, headers=headers
        )

    body = first.json()
    assert body["total"] == 3000
    assert body["pageCount"] == 6
    assert body["pageNumber"] == 1
    assert len(body["entities"]) == 500
    assert body["selfUri"] == "/api/v2/flows?pageSize=500&pageNumber=1"
    assert body["firstUri"] == "/api/v2/flows?pageSize=500&pageNumber=1"
    assert body["nextUri"] == "/api/v2/flows?pageSize=500&pageNumber=2"
    assert body["lastUri"] == "/api/v2/flows?pageSize=500&pageNumber=6"
    assert "nextUri" not in last.json()
    assert last.json()["previousUri"] == "/api/v2/flows?pageSize=500&pageNumber=5"


async def test_list_flows_pages_do_not_overlap() -> None:
    sandbox = Sandbox.from_scenario("c06", speed=0)
    seen: list[str] = []

    async with http_client(sandbox) as http:
        headers = await bearer(http, sandbox)
        for number in (1, 2, 3):
            answer = await http.get(
                "/api/v2/flows", params={"pageSize": 100, "pageNumber": number}, headers=headers
            )
            seen.extend(flow["id"] for flow in answer.json()["entities"])

    assert len(seen) == 300
    assert len(set(seen)) == 300


async def test_list_flows_type_filter_comma_joined(healthy: Sandbox) -> None:
    async with http_client(healthy) as http:
        headers = await bearer(http, healthy)
        answer = await http.get("/api/v2/flows?type=inboundcall,inboundchat", headers=headers)

    entities = answer.json()["entities"]
    assert {flow["id"] for flow in entities} == {IVR_FLOW_ID, CHAT_FLOW_ID}
    assert {flow["type"] for flow in entities} == {"INBOUNDCALL", "INBOUNDCHAT"}


async def test_list_flows_type_filter_repeated(healthy: Sandbox) -> None:
    async with http_client(healthy) as http:
        headers = await bearer(http, healthy)
        answer = await http.get("/api/v2/flows?type=inboundcall&type=inboundchat", headers=headers)

    assert answer.json()["total"] == 2


async def test_list_flows_unknown_type_rejected(healthy: Sandbox) -> None:
    async with http_client(healthy) as http:
        headers = await bearer(http, healthy)
        answer = await http.get("/api/v2/flows", params={"type": "workflows"}, headers=headers)

    assert answer.status_code == 400
    assert answer.json()["code"] == "bad.request"
    assert "workflows" in answer.json()["message"]


async def test_list_flows_id_overrides_filters(healthy: Sandbox) -> None:
    async with http_client(healthy) as http:
        headers = await bearer(http, healthy)
        answer = await http.get(
            "/api/v2/flows", params={"id": IVR_FLOW_ID, "type": "workflow"}, headers=headers
        )

    assert [flow["id"] for flow in answer.json()["entities"]] == [IVR_FLOW_ID]


async def test_list_flows_name_filter_and_sort(healthy: Sandbox) -> None:
    async with http_client(healthy) as http:
        headers = await bearer(http, healthy)
        answer = await http.get(
            "/api/v2/flows",
            params={"name": "o", "type": "workflow", "sortBy": "name", "sortOrder": "desc"},
            headers=headers,
        )

    names = [flow["name"] for flow in answer.json()["entities"]]
    assert names == sorted(names, key=str.lower, reverse=True)
    assert "Web form follow-up" in names


async def test_list_flows_include_schemas(healthy: Sandbox) -> None:
    async with http_client(healthy) as http:
        headers = await bearer(http, healthy)
        plain = await http.get("/api/v2/flows", params={"id": SEED_FLOW_ID}, headers=headers)
        with_schemas = await http.get(
            "/api/v2/flows", params={"id": SEED_FLOW_ID, "includeSchemas": "true"}, headers=headers
        )

    assert "inputSchema" not in plain.json()["entities"][0]
    schema = with_schemas.json()["entities"][0]["inputSchema"]
    assert set(schema["properties"]) == {"Flow.email", "Flow.source"}


@pytest.mark.parametrize(
    "params",
    [
        {"pageSize": "ten"},
        {"pageSize": 0},
        {"pageNumber": -1},
        {"includeSchemas": "yes"},
        {"sortBy": "colour"},
    ],
)
async def test_list_flows_invalid_query_rejected(
    healthy: Sandbox, params: dict[str, object]
) -> None:
    async with http_client(healthy) as http:
        headers = await bearer(http, healthy)
        answer = await http.get("/api/v2/flows", params=params, headers=headers)

    assert answer.status_code == 400
    assert answer.json()["code"] == "bad.request"


async def test_get_flow_versions(healthy: Sandbox) -> None:
    async with http_client(healthy) as http:
        headers = await bearer(http, healthy)
        flow = await http.get(f"/api/v2/flows/{SEED_FLOW_ID}", headers=headers)
        versions = await http.get(f"/api/v2/flows/{SEED_FLOW_ID}/versions", headers=headers)

    body = flow.json()
    assert body["type"] == "WORKFLOW"
    assert body["publishedVersion"]["id"] == "2.0"
    assert body["division"]["name"] == "Home"
    assert [version["id"] for version in versions.json()["entities"]] == ["1.0", "2.0"]


async def test_get_flow_newer_checked_in_version(healthy: Sandbox) -> None:
    async with http_client(healthy) as http:
        headers = await bearer(http, healthy)
        answer = await http.get(
            "/api/v2/flows/9c8b7a6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d", headers=headers
        )

    body = answer.json()
    assert body["publishedVersion"]["id"] == "1.0"
    assert body["checkedInVersion"]["id"] == "1.1"


async def test_get_flow_version_architect_schema(sandbox: Sandbox) -> None:
    async with http_client(sandbox) as http:
        headers = await bearer(http, sandbox)
        answer = await http.get(f"/api/v2/flows/{SEED_FLOW_ID}/versions/1.0", headers=headers)

    body = answer.json()
    schema = body["inputSchema"]
    assert isinstance(body["dateCreated"], int)
    assert body["dateCreated"] > 1_000_000_000_000
    assert schema["additionalProperties"] is False
    assert schema["properties"]["Flow.email"]["$ref"] == "#/definitions/archString"
    assert schema["definitions"]["archString"]["archDataTypeId"] == "str"
    assert body["outputSchema"]["title"] == "Flow output schema"


async def test_get_flow_version_list_input_c10() -> None:
    sandbox = Sandbox.from_scenario("c10", speed=0)

    async with http_client(sandbox) as http:
        headers = await bearer(http, sandbox)
        answer = await http.get(
            "/api/v2/flows/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b/versions/1.0", headers=headers
        )

    properties = answer.json()["inputSchema"]["properties"]
    definitions = answer.json()["inputSchema"]["definitions"]
    assert properties["Flow.tags"]["type"] == "array"
    assert properties["Flow.tags"]["items"] == {"$ref": "#/definitions/archString"}
    assert properties["Flow.orderCount"] == {"$ref": "#/definitions/archInteger"}
    assert properties["Flow.isVip"] == {"$ref": "#/definitions/archBoolean"}
    assert definitions["archInteger"]["archDataTypeId"] == "int"


async def test_get_flow_version_unknown(sandbox: Sandbox) -> None:
    async with http_client(sandbox) as http:
        headers = await bearer(http, sandbox)
        answer = await http.get(f"/api/v2/flows/{SEED_FLOW_ID}/versions/9.9", headers=headers)

    assert answer.status_code == 404
    assert answer.json()["code"] == "not.found"
