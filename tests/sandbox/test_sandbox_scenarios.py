"""Scenario loading: bundled scenarios, the JSON Schema and invalid-scenario messages."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from sandbox_support import SEED_FLOW_ID, scenario, workflow

from flowwidgets.sandbox import Sandbox, ScenarioError, list_scenarios, load_scenario
from flowwidgets.sandbox.scenario import scenario_schema

CASE_REGIONS = {
    "seed": "mypurecloud.com",
    "c02": "usw2.pure.cloud",
    "c04": "mypurecloud.ie",
    "c05": "mypurecloud.de",
}


def test_list_scenarios_bundles_every_case() -> None:
    names = list_scenarios()

    assert {
        "seed",
        "healthy",
        "c02",
        "c03",
        "c04",
        "c05",
        "c06",
        "c07",
        "c08",
        "c09",
        "c10",
    } <= set(names)


@pytest.mark.parametrize("name", list_scenarios())
def test_bundled_scenario_loads_and_validates(name: str, scenario_path) -> None:
    raw = json.loads(scenario_path(name).read_text("utf-8"))

    jsonschema.validate(raw, scenario_schema())
    sandbox = Sandbox.from_scenario(name)

    assert sandbox.scenario.name == name
    assert sandbox.scenario.description
    assert sandbox.clients


@pytest.mark.parametrize(("name", "region"), sorted(CASE_REGIONS.items()))
def test_case_scenario_region(name: str, region: str) -> None:
    sandbox = Sandbox.from_scenario(name)

    assert sandbox.region == region
    assert sandbox.api_base_url == f"https://api.{region}"


def test_seed_scenario_matches_case() -> None:
    sandbox = Sandbox.from_scenario("seed")

    flow = sandbox.org.flows[SEED_FLOW_ID]
    version = flow.version("1.0")
    assert flow.name == "Web form follow-up"
    assert version is not None
    assert set(version.inputs) == {"Flow.email", "Flow.source"}
    assert version.inputs["Flow.email"].fails_when_null
    assert not sandbox.org.execution_data_enabled


def test_c06_generates_flows() -> None:
    sandbox = Sandbox.from_scenario("c06")

    names = sorted(flow.name for flow in sandbox.org.flows.values())
    assert len(names) == 3000
    assert len(set(sandbox.org.flows)) == 3000
    assert names[0] == "Generated workflow 0001"


def test_load_scenario_accepts_path(scenario_path) -> None:
    path = scenario_path(scenario(name="from-file"))

    loaded = load_scenario(path)

    assert loaded.name == "from-file"


def test_scenario_error_names_variable_type_path() -> None:
    flow = workflow(SEED_FLOW_ID, "Broken")
    flow["versions"].append({"id": "2.0", "inputs": {"Flow.email": {"type": "text"}}})

    with pytest.raises(ScenarioError) as caught:
        load_scenario(scenario(flows=[flow]))

    assert caught.value.path == "flows[0].versions[1].inputs.Flow.email.type"
    assert "flows[0].versions[1].inputs.Flow.email.type" in str(caught.value)
    assert "'text'" in str(caught.value)


def test_scenario_error_names_unknown_field() -> None:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(scenario(colour="blue"))

    assert caught.value.path == "colour"
    assert "unknown field" in str(caught.value)


def test_scenario_error_names_missing_field() -> None:
    data = scenario()
    del data["clients"][0]["secret"]

    with pytest.raises(ScenarioError) as caught:
        load_scenario(data)

    assert caught.value.path == "clients[0]"
    assert "'secret' is a required property" in str(caught.value)


def test_scenario_error_unknown_division() -> None:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(scenario(flows=[workflow(SEED_FLOW_ID, "X", division="nope")]))

    assert caught.value.path == "flows[0].division"


def test_scenario_error_missing_published_version() -> None:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(scenario(flows=[workflow(SEED_FLOW_ID, "X", published_version="9.0")]))

    assert caught.value.path == "flows[0].published_version"
    assert "9.0" in caught.value.problem


def test_scenario_error_duplicate_flow_id() -> None:
    flows = [workflow(SEED_FLOW_ID, "One"), workflow(SEED_FLOW_ID, "Two")]

    with pytest.raises(ScenarioError) as caught:
        load_scenario(scenario(flows=flows))

    assert caught.value.path == "flows[1].id"


def test_scenario_error_bad_input_name() -> None:
    flow = workflow(SEED_FLOW_ID, "X")
    flow["versions"][0]["inputs"] = {"email": {"type": "string"}}

    with pytest.raises(ScenarioError) as caught:
        load_scenario(scenario(flows=[flow]))

    assert caught.value.path == "flows[0].versions[0].inputs"
    assert "email" in caught.value.problem


def test_scenario_error_invalid_json_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text("{not json", encoding="utf-8")

    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)

    assert "not valid JSON" in str(caught.value)
    assert str(path) in str(caught.value)


def test_scenario_error_unknown_name() -> None:
    with pytest.raises(ScenarioError) as caught:
        load_scenario("no-such-scenario")

    assert "no-such-scenario" in str(caught.value)
    assert "seed" in str(caught.value)
