"""FlowPicker: filtering thousands of flows and showing the selected flow's inputs."""

from __future__ import annotations

from flowwidgets.api import Flow
from flowwidgets.widgets import FlowPicker, filter_flows
from flowwidgets.widgets.flows import LOAD_PAGE_SIZE, MAX_MATCHES, launch_problem, type_options

from .conftest import SEED_FLOW_ID


def make_flow(index: int, flow_type: str = "WORKFLOW", published: bool = True) -> Flow:
    data = {
        "id": f"flow-{index:05d}",
        "name": f"Flow number {index:05d}",
        "type": flow_type,
        "division": {"id": "d-1", "name": "Home"},
    }
    if published:
        data["publishedVersion"] = {"id": "1.0", "name": "1.0", "type": "PUBLISH"}
    return Flow.from_json(data)


def test_filter_flows_matches_every_word_case_insensitively() -> None:
    flows = [make_flow(1), make_flow(2), make_flow(12)]

    matches = filter_flows(flows, "NUMBER 0001")

    assert [flow.id for flow in matches] == ["flow-00001", "flow-00012"]


def test_filter_flows_by_type_any_case() -> None:
    flows = [make_flow(1), make_flow(2, "INBOUNDCALL"), make_flow(3)]

    matches = filter_flows(flows, "", "inboundcall")

    assert [flow.id for flow in matches] == ["flow-00002"]


def test_filter_flows_all_types_and_limit() -> None:
    flows = [make_flow(index, "BOT" if index % 2 else "WORKFLOW") for index in range(10)]

    matches = filter_flows(flows, "", "all types", limit=3)

    assert [flow.id for flow in matches] == ["flow-00000", "flow-00001", "flow-00002"]


def test_filter_flows_accepts_raw_dicts() -> None:
    flows = [
        {"id": "a", "name": "Web form follow-up", "type": "WORKFLOW"},
        {"id": "b", "name": "x"},
    ]

    matches = filter_flows(flows, "web form", "workflow")

    assert [flow["id"] for flow in matches] == ["a"]


def test_launch_problem_names_type_and_missing_publish() -> None:
    call_flow = make_flow(1, "INBOUNDCALL")
    unpublished = make_flow(2, published=False)

    assert "INBOUNDCALL" in (launch_problem(call_flow) or "")
    assert launch_problem(unpublished) == "it has no published version"
    assert launch_problem(make_flow(3)) is None


def test_type_options_put_workflow_first() -> None:
    flows = [make_flow(1, "INBOUNDCALL"), make_flow(2, "BOT"), make_flow(3)]

    options = type_options(flows)

    assert options == ["workflow", "bot", "inboundcall", "all types"]


def test_flow_picker_shows_at_most_max_matches() -> None:
    picker = FlowPicker()

    picker.set_flows([make_flow(index) for index in range(3000)])

    assert picker.flow_count == 3000
    assert picker.match_count == MAX_MATCHES
    assert len(picker.matches.options) == MAX_MATCHES
    assert "narrow the search" in picker.status.value


def test_flow_picker_search_narrows_matches() -> None:
    picker = FlowPicker()
    picker.set_flows([make_flow(index) for index in range(3000)])

    picker.search.value = "02999"

    assert [value for _label, value in picker.matches.options] == ["flow-02999"]
    assert "1 of 3000 flows match" in picker.status.value


def test_flow_picker_matches_filter_flows_per_keystroke() -> None:
    flows = [make_flow(index, "BOT" if index % 3 else "WORKFLOW") for index in range(300)]
    picker = FlowPicker()
    picker.set_flows(flows)
    picker.type_filter.value = "all types"

    for text in ["N", "nUM", "number 001", "0 1", "00 zz", ""]:
        picker.search.value = text

        expected = [flow.id for flow in filter_flows(picker.flows, text, "all types")]
        shown = [value for _label, value in picker.matches.options]
        assert shown == expected[:MAX_MATCHES], text


def test_flow_picker_filters_flows_replaced_directly() -> None:
    picker = FlowPicker()
    picker.set_flows([make_flow(index) for index in range(5)])

    picker.flows = [make_flow(7)]
    picker.search.value = "number"

    assert [value for _label, value in picker.matches.options] == ["flow-00007"]


async def test_flow_picker_loads_sandbox_flows(client) -> None:
    picker = FlowPicker(client)

    await picker.load()

    assert picker.flow_count == 1
    label, value = picker.matches.options[0]
    assert value == SEED_FLOW_ID
    assert label == "Web form follow-up | WORKFLOW | Home | v1.0 | launchable"


async def test_flow_picker_select_shows_input_schema(client) -> None:
    picker = FlowPicker(client)
    await picker.load()
    selected = []
    picker.on_select(selected.append)

    picker.select(SEED_FLOW_ID)

    assert picker.selected_flow_id == SEED_FLOW_ID
    assert [flow.id for flow in selected] == [SEED_FLOW_ID]
    assert "Flow.email" in picker.details.value
    assert "Flow.source" in picker.details.value
    assert "can be launched" in picker.details.value


async def test_flow_picker_button_without_client_shows_error() -> None:
    picker = FlowPicker()

    picker.reload_button.click()
    await picker.wait()

    assert "connect first" in picker.errors.text


def test_flow_picker_repr_is_deterministic() -> None:
    picker = FlowPicker()
    picker.set_flows([make_flow(1), make_flow(2)])

    assert repr(picker) == "<FlowPicker 2 flows loaded, 2 shown>"


async def test_flow_picker_loads_large_pages_under_rate_limit() -> None:
    from flowwidgets.connect import connect
    from flowwidgets.sandbox import Sandbox

    sandbox = Sandbox.from_scenario("c06", speed=0)

    async def sleep_in_scenario_time(seconds: float) -> None:
        sandbox.clock.advance(seconds)

    picker = FlowPicker()
    statuses: list[str] = []
    picker.status.observe(lambda change: statuses.append(change["new"]), "value")

    async with connect(sandbox=sandbox, sleep=sleep_in_scenario_time) as client:
        picker.client = client
        flows = await picker.load()
        on_wait_after_load = client.on_wait

    listings = [entry for entry in sandbox.request_log if entry["path"] == "/api/v2/flows"]
    answered = [entry for entry in listings if entry["status"] == 200]
    limited = [entry for entry in listings if entry["status"] == 429]
    assert len(flows) == 3000
    assert len(answered) == 3000 // LOAD_PAGE_SIZE
    assert all(("pageSize", str(LOAD_PAGE_SIZE)) in entry["query"] for entry in listings)
    assert limited
    assert any("Rate limited (HTTP 429)" in status for status in statuses)
    assert on_wait_after_load is None
    assert picker.flow_count == 3000
