"""LaunchForm and LaunchButton against the in-process sandbox."""

from __future__ import annotations

import json

from flowwidgets.analytics import Ledger
from flowwidgets.api import InputSchema
from flowwidgets.widgets import FlowPicker, LaunchButton, LaunchForm
from flowwidgets.widgets.launch_button import execution_names

from .conftest import SEED_FLOW_ID


async def seed_flow(client):
    picker = FlowPicker(client)
    await picker.load()
    return picker.select(SEED_FLOW_ID)


async def test_launch_form_builds_one_field_per_input(client) -> None:
    flow = await seed_flow(client)

    form = LaunchForm(client, flow)

    assert list(form.fields) == ["Flow.email", "Flow.source"]
    assert form.fields["Flow.email"].arch_type == "str"
    assert "published version 1.0 will run" in form.title.value


async def test_launch_form_body_has_only_sent_inputs(client) -> None:
    form = LaunchForm(client, await seed_flow(client))

    form.set_value("Flow.email", "person@example.com")

    assert json.loads(form.body_json) == {
        "flowId": SEED_FLOW_ID,
        "inputData": {"Flow.email": "person@example.com"},
    }
    assert form.valid


async def test_launch_form_shows_request_as_code_without_token(client) -> None:
    form = LaunchForm(client, await seed_flow(client))

    form.set_value("Flow.source", "web-form")

    assert "https://api.mypurecloud.com/api/v2/flows/executions" in form.curl_view.value
    assert "Bearer &lt;token&gt;" in form.curl_view.value
    assert "httpx.post(" in form.httpx_view.value
    assert "await fetch(" in form.fetch_view.value


def test_launch_form_marks_invalid_field_inline() -> None:
    schema = InputSchema.from_json(
        {
            "properties": {
                "Flow.orderCount": {"$ref": "#/definitions/archInteger"},
                "Flow.tags": {"type": "array", "items": {"$ref": "#/definitions/archString"}},
            },
            "definitions": {
                "archInteger": {"archDataTypeId": "int"},
                "archString": {"archDataTypeId": "str"},
            },
        }
    )
    form = LaunchForm()
    form.set_flow(_flow_stub(), schema)

    form.set_value("Flow.orderCount", "twelve")
    form.set_value("Flow.tags", "vip\nrepeat")

    assert not form.valid
    assert form.body_json == ""
    assert "whole number" in form.fields["Flow.orderCount"].message.value
    assert form.fields["Flow.tags"].message.value == ""


def test_launch_form_list_and_integer_values_are_typed() -> None:
    schema = InputSchema.from_json(
        {
            "properties": {
                "Flow.orderCount": {"$ref": "#/definitions/archInteger"},
                "Flow.isVip": {"$ref": "#/definitions/archBoolean"},
                "Flow.tags": {"type": "array", "items": {"$ref": "#/definitions/archString"}},
            },
            "definitions": {
                "archInteger": {"archDataTypeId": "int"},
                "archBoolean": {"archDataTypeId": "bool"},
                "archString": {"archDataTypeId": "str"},
            },
        }
    )
    form = LaunchForm()
    form.set_flow(_flow_stub(), schema)

    form.set_value("Flow.orderCount", "12")
    form.set_value("Flow.isVip", True)
    form.set_value("Flow.tags", '["vip", "repeat"]')

    assert json.loads(form.body_json)["inputData"] == {
        "Flow.orderCount": 12,
        "Flow.isVip": True,
        "Flow.tags": ["vip", "repeat"],
    }


async def test_launch_form_paste_box_diagnoses_c01(client, c01_request) -> None:
    form = LaunchForm(client)
    form.paste.value = c01_request

    form.diagnose_button.click()
    await form.wait()

    assert form.errors.text == ""
    assert form.report is not None
    assert "request.unknown-field" in form.report.codes
    assert "inputs.missing" in form.report.codes
    assert "request.unknown-field" in form.findings.value


async def test_launch_form_empty_paste_shows_error() -> None:
    form = LaunchForm()

    form.diagnose_button.click()
    await form.wait()

    assert "paste box is empty" in form.errors.text


def test_execution_names_are_unique_per_batch() -> None:
    assert execution_names("run", 1) == ["run"]
    assert execution_names("run", 3) == ["run-1", "run-2", "run-3"]
    generated = execution_names(None, 2)
    assert len(set(generated)) == 2
    assert all(name.startswith("flowwidgets-") for name in generated)


async def test_launch_button_double_click_launches_once(client) -> None:
    form = LaunchForm(client, await seed_flow(client))
    form.set_value("Flow.email", "person@example.com")
    button = LaunchButton(form, client)

    button.button.click()
    button.button.click()
    await button.wait()

    assert len(client.sandbox.executions) == 1
    assert button.launch_count == 1
    assert not button.button.disabled


async def test_launch_button_batch_shows_progress(client) -> None:
    form = LaunchForm(client, await seed_flow(client))
    form.set_value("Flow.email", "person@example.com")
    form.execution_name.value = "batch"
    button = LaunchButton(form, client)
    button.count.value = 3

    button.button.click()
    await button.wait()

    assert len(client.sandbox.executions) == 3
    assert button.progress.value == 3
    assert [result.name for result in button.results] == ["batch-1", "batch-2", "batch-3"]
    assert "Launched 3 execution(s)" in button.status.value


async def test_launch_button_records_ledger(client, tmp_path) -> None:
    form = LaunchForm(client, await seed_flow(client))
    form.set_value("Flow.email", "person@example.com")
    ledger = Ledger(tmp_path / "ledger.sqlite3")
    button = LaunchButton(form, client, ledger=ledger)

    results = await button.launch(2)

    entries = list(ledger)
    assert len(entries) == 2
    assert {entry.execution_id for entry in entries} == {result.id for result in results}
    assert {entry.launch_outcome for entry in entries} == {"ok"}
    ledger.close()


async def test_launch_button_confirms_real_org(client) -> None:
    form = LaunchForm(client, await seed_flow(client))
    button = LaunchButton(form, client)
    client.sandbox = None  # the same org, seen as a real one

    button.button.click()

    assert button.confirm_box.layout.display == "flex"
    assert "real org" in button.confirm_text.value
    assert button.launch_count == 0


async def test_launch_button_cancel_reenables(client) -> None:
    form = LaunchForm(client, await seed_flow(client))
    button = LaunchButton(form, client)
    client.sandbox = None

    button.button.click()
    button.cancel_button.click()

    assert not button.button.disabled
    assert button.confirm_box.layout.display == "none"
    assert button.status.value == "Launch cancelled."


async def test_launch_button_without_form_shows_error(client) -> None:
    button = LaunchButton(None, client)

    button.button.click()
    await button.wait()

    assert "has no form" in button.errors.text
    assert not button.button.disabled


def _flow_stub():
    from flowwidgets.api import Flow

    return Flow.from_json(
        {
            "id": "f-types",
            "name": "Order follow-up",
            "type": "WORKFLOW",
            "publishedVersion": {"id": "1.0", "name": "1.0", "type": "PUBLISH"},
        }
    )


async def test_launch_button_shows_rate_limit_wait() -> None:
    import json as jsonlib
    from importlib import resources

    from flowwidgets.connect import connect

    scenario = jsonlib.loads(
        resources.files("flowwidgets.sandbox").joinpath("scenarios/seed.json").read_text()
    )
    scenario["faults"] = [
        {
            "kind": "rate_limit",
            "path": "/api/v2/flows/executions",
            "method": "POST",
            "skip": 1,
            "count": 1,
            "retry_after": 1,
        }
    ]
    limited = connect(sandbox=scenario)
    async with limited:
        form = LaunchForm(limited, await seed_flow(limited))
        form.set_value("Flow.email", "person@example.com")
        button = LaunchButton(form, limited)
        status_texts: list[str] = []
        button.status.observe(lambda change: status_texts.append(change["new"]), "value")

        await button.launch(3)

    assert len(limited.sandbox.executions) == 3
    assert any("Rate limited (HTTP 429)" in text for text in status_texts)
    assert "made the client wait 1 time(s)" in button.status.value


async def test_launch_form_version_rebuilds_fields(client) -> None:
    form = LaunchForm(client, await seed_flow(client))
    form.set_value("Flow.email", "person@example.com")

    form.flow_version.value = "1.0"
    await form.wait()

    assert form.errors.text == ""
    assert "version 1.0 will run" in form.title.value
    assert json.loads(form.body_json) == {
        "flowId": SEED_FLOW_ID,
        "flowVersion": "1.0",
        "inputData": {"Flow.email": "person@example.com"},
    }


async def test_launch_form_unknown_version_shows_error(client) -> None:
    form = LaunchForm(client, await seed_flow(client))

    form.flow_version.value = "9.9"
    await form.wait()

    assert "Reading the version failed" in form.errors.text
    assert list(form.fields) == ["Flow.email", "Flow.source"]


async def test_launch_button_ledger_uses_sandbox_time(tmp_path) -> None:
    from datetime import datetime, timezone

    from flowwidgets.connect import connect
    from flowwidgets.sandbox import Sandbox

    start = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)
    client = connect(sandbox=Sandbox.from_scenario("seed", start=start, speed=0))
    async with client:
        form = LaunchForm(client, await seed_flow(client))
        form.set_value("Flow.email", "person@example.com")
        ledger = Ledger(tmp_path / "ledger.sqlite3")
        button = LaunchButton(form, client, ledger=ledger)

        await button.launch(1)

    entries = list(ledger)
    assert [entry.launched_at for entry in entries] == [start]
    ledger.close()
