"""The official Python SDK (PureCloudPlatformClientV2) against the sandbox served on loopback."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sandbox_support import SEED_FLOW_ID

from flowwidgets.sandbox import Sandbox
from flowwidgets.sandbox.serve import ServedSandbox, serve_in_thread

gc = pytest.importorskip("PureCloudPlatformClientV2")

pytestmark = pytest.mark.sdk

OUTDATED = "outdated_sdk_version"
SANDBOX_DOC = Path(__file__).resolve().parents[2] / "docs" / "sandbox.md"


def outdated_values(model: Any) -> list[str]:
    """Return the paths of every enum value the SDK replaced because it did not know it."""
    found: list[str] = []

    def walk(value: Any, path: str) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                walk(item, f"{path}.{key}")
        elif isinstance(value, list):
            for index, item in enumerate(value):
                walk(item, f"{path}[{index}]")
        elif value == OUTDATED:
            found.append(path)

    walk(model.to_dict(), "")
    return found


@pytest.fixture
def served() -> Iterator[ServedSandbox]:
    with serve_in_thread(Sandbox.from_scenario("seed", speed=0)) as served:
        yield served


@pytest.fixture
def architect(served: ServedSandbox) -> Any:
    # The SDK derives the login host by replacing "//api." in the host. A loopback
    # host contains none, so the token request goes to the same loopback server.
    assert served.url.startswith("http://127.0.0.1:")
    api_client = gc.api_client.ApiClient(host=served.url)
    client = served.sandbox.default_client
    api_client = api_client.get_client_credentials_token(client.client_id, client.secret)
    return gc.ArchitectApi(api_client)


def test_sdk_lists_flows(architect: Any) -> None:
    listing = architect.get_flows(type=["workflow"], include_schemas=True)

    assert [flow.id for flow in listing.entities] == [SEED_FLOW_ID]
    assert listing.entities[0].type == "WORKFLOW"
    assert listing.total == 1
    assert outdated_values(listing) == []


def test_sdk_reads_version_input_schema(architect: Any) -> None:
    version = architect.get_flow_version(SEED_FLOW_ID, "1.0")

    assert set(version.input_schema.properties) == {"Flow.email", "Flow.source"}
    assert version.type == "PUBLISH"
    assert isinstance(version.date_created, int)
    assert outdated_values(version) == []


def test_sdk_launch_runs_to_completed(architect: Any, served: ServedSandbox) -> None:
    request = gc.FlowExecutionLaunchRequest()
    request.flow_id = SEED_FLOW_ID
    request.name = "sdk-launch"
    request.input_data = {"Flow.email": "person@example.com", "Flow.source": "sdk"}

    launched = architect.post_flows_executions(request)
    running = architect.get_flows_execution(launched.id)
    served.sandbox.clock.advance(10)
    completed = architect.get_flows_execution(launched.id)

    assert launched.flow_version.id == "1.0"
    assert running.status == "RUNNING"
    assert completed.status == "COMPLETED"
    assert completed.completion_reason == "Success"
    assert completed.output_data == {"Flow.personFound": True, "Flow.emailSent": True}
    assert outdated_values(launched) == []
    assert outdated_values(completed) == []


def test_sdk_launch_runs_to_failed(architect: Any, served: ServedSandbox) -> None:
    request = gc.FlowExecutionLaunchRequest()
    request.flow_id = SEED_FLOW_ID
    request.input_data = {"Flow.source": "sdk"}

    launched = architect.post_flows_executions(request)
    served.sandbox.clock.advance(10)
    failed = architect.get_flows_execution(launched.id)

    assert failed.status == "FAILED"
    assert failed.flow_error_info.code == "error.workflow.expression.unexpectedNull"
    assert failed.flow_error_info.message_params == {"variable": "Flow.email"}
    assert outdated_values(failed) == []


def test_sdk_reads_error_body(architect: Any) -> None:
    with pytest.raises(gc.rest.ApiException) as caught:
        architect.get_flow("00000000-0000-0000-0000-000000000000")

    assert caught.value.status == 404
    assert "not.found" in caught.value.body


def test_sdk_publish_action_returns_operation(architect: Any, served: ServedSandbox) -> None:
    before = served.sandbox.org.published_at[SEED_FLOW_ID]
    served.sandbox.clock.advance(60)

    operation = architect.post_flows_actions_publish(SEED_FLOW_ID)

    assert operation.action_name == "PUBLISH"
    assert operation.action_status == "SUCCESS"
    assert operation.complete is True
    assert served.sandbox.org.published_at[SEED_FLOW_ID] > before
    assert outdated_values(operation) == []


def test_sandbox_docs_sdk_example_runs(capsys: pytest.CaptureFixture[str]) -> None:
    text = SANDBOX_DOC.read_text(encoding="utf-8")
    section = text[text.index("### The official Python SDK") :]
    example = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert example is not None
    # A fast clock lets the example's polling loop see the run finish at once.
    sandbox = Sandbox.from_scenario("seed", speed=100)
    previous_host = gc.configuration.host

    with serve_in_thread(sandbox) as served:
        code = example.group(1).replace("http://127.0.0.1:8765", served.url)
        try:
            exec(code, {})  # noqa: S102 - runs the repository's own documented example
        finally:
            gc.configuration.host = previous_host

    assert "Web form follow-up COMPLETED" in capsys.readouterr().out
    assert [entry["path"] for entry in sandbox.request_log][:3] == [
        "/oauth/token",
        "/api/v2/flows",
        "/api/v2/flows/executions",
    ]
