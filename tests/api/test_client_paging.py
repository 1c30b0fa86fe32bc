"""Page-number and cursor listings, and how optional filters are encoded."""

from __future__ import annotations

import httpx
from conftest import SleepRecorder, is_token_request, load_fixture, token_response

FLOW_ID = "a1b2c3d4-e5f6-7890-abcd-ef1234567890"


def flows_handler(requests: list[httpx.Request]):
    def handler(request: httpx.Request) -> httpx.Response:
        if is_token_request(request):
            return token_response()
        requests.append(request)
        page = request.url.params.get("pageNumber", "1")
        return httpx.Response(200, json=load_fixture(f"flows_page{page}"))

    return handler


async def test_iter_flows_follows_pages(make_client) -> None:
    requests: list[httpx.Request] = []

    async with make_client(flows_handler(requests)) as client:
        flows = [flow async for flow in client.iter_flows(page_size=2)]

    assert [flow.name for flow in flows] == ["Workflow 1", "Workflow 2", "Workflow 3"]
    assert [r.url.params["pageNumber"] for r in requests] == ["1", "2"]
    assert [r.url.params["pageSize"] for r in requests] == ["2", "2"]


async def test_iter_flows_unset_filters_not_sent(make_client) -> None:
    requests: list[httpx.Request] = []

    async with make_client(flows_handler(requests)) as client:
        await client.list_flows()

    assert set(requests[0].url.params) == {"pageNumber"}


async def test_iter_flows_filters_encoded(make_client) -> None:
    requests: list[httpx.Request] = []

    async with make_client(flows_handler(requests)) as client:
        await client.list_flows(
            type=["WORKFLOW", "InboundCall"],
            name="Web form follow-up",
            include_schemas=True,
            division_id=["d1", "d2"],
            page_size=100,
        )

    params = requests[0].url.params
    assert params["type"] == "workflow,inboundcall"
    assert params["name"] == "Web form follow-up"
    assert params["includeSchemas"] == "true"
    assert params["divisionId"] == "d1,d2"
    assert params["pageSize"] == "100"


async def test_iter_flows_single_type_lower_case(make_client) -> None:
    requests: list[httpx.Request] = []

    async with make_client(flows_handler(requests)) as client:
        await client.list_flows(type="WORKFLOW", division_id="d1")

    assert requests[0].url.params["type"] == "workflow"
    assert requests[0].url.params["divisionId"] == "d1"


async def test_iter_flows_stops_without_next_uri(make_client) -> None:
    requests: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if is_token_request(request):
            return token_response()
        requests.append(request)
        page = load_fixture("flows_page1")
        del page["pageCount"]
        del page["nextUri"]
        return httpx.Response(200, json=page)

    async with make_client(handler) as client:
        flows = await client.list_flows()

    assert len(flows) == 2
    assert len(requests) == 1


async def test_iter_flows_stops_on_empty_page(make_client) -> None:
    requests: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if is_token_request(request):
            return token_response()
        requests.append(request)
        return httpx.Response(200, json={"entities": [], "pageNumber": 1, "pageCount": 5})

    async with make_client(handler) as client:
        flows = await client.list_flows()

    assert flows == []
    assert len(requests) == 1


async def test_iter_flows_rate_limited_page_not_duplicated(
    make_client, sleeper: SleepRecorder
) -> None:
    requests: list[httpx.Request] = []
    limited_once: list[bool] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if is_token_request(request):
            return token_response()
        requests.append(request)
        if request.url.params["pageNumber"] == "2" and not limited_once:
            limited_once.append(True)
            return httpx.Response(429, headers={"Retry-After": "12"})
        return httpx.Response(
            200, json=load_fixture(f"flows_page{request.url.params['pageNumber']}")
        )

    async with make_client(handler) as client:
        flows = await client.list_flows()

    assert [flow.name for flow in flows] == ["Workflow 1", "Workflow 2", "Workflow 3"]
    assert [r.url.params["pageNumber"] for r in requests] == ["1", "2", "2"]
    assert sleeper.delays == [12.0]


async def test_iter_flow_versions(make_client) -> None:
    requests: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if is_token_request(request):
            return token_response()
        requests.append(request)
        return httpx.Response(200, json=load_fixture("flow_versions"))

    async with make_client(handler) as client:
        versions = [version async for version in client.iter_flow_versions(FLOW_ID)]

    assert [version.id for version in versions] == ["3.0", "2.0"]
    assert len(requests) == 1


async def test_iter_cursor_follows_cursor(make_client) -> None:
    requests: list[httpx.Request] = []
    pages = {
        None: {"results": [{"n": 1}, {"n": 2}], "cursor": "c-2"},
        "c-2": {"results": [{"n": 3}], "cursor": "c-3"},
        "c-3": {"results": []},
    }

    def handler(request: httpx.Request) -> httpx.Response:
        if is_token_request(request):
            return token_response()
        requests.append(request)
        return httpx.Response(200, json=pages[request.url.params.get("cursor")])

    path = "/api/v2/analytics/flowexecutions/aggregates/jobs/j1/results"
    async with make_client(handler) as client:
        items = [item async for item in client.iter_cursor(path, items_key="results")]

    assert items == [{"n": 1}, {"n": 2}, {"n": 3}]
    assert [r.url.params.get("cursor") for r in requests] == [None, "c-2", "c-3"]


async def test_query_flow_instances_follows_cursor(make_client) -> None:
    cursors: list[str | None] = []
    first = load_fixture("instances_query")
    second = {"entities": [first["entities"].pop()]}
    first["cursor"] = "next-1"

    def handler(request: httpx.Request) -> httpx.Response:
        if is_token_request(request):
            return token_response()
        cursors.append(request.url.params.get("cursor"))
        return httpx.Response(200, json=second if request.url.params.get("cursor") else first)

    async with make_client(handler) as client:
        records = await client.query_flow_instances({"query": []})

    assert cursors == [None, "next-1"]
    assert [r.name for r in records] == ["web-form-2026-01-02", "web-form-2026-01-03"]
