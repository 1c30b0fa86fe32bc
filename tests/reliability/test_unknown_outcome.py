"""5xx and dropped connections: reads recover, a launch is never re-sent and runs at most once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from reliability_support import (
    CLIENT_ID,
    CLIENT_SECRET,
    FLOW_ID,
    LAUNCH_PATH,
    WaitRecorder,
    build_scenario,
    fault,
    make_client,
    make_sandbox,
    requests_to,
)

pytestmark = pytest.mark.usefixtures("token_cache_cleared")

INPUTS = {"Flow.email": "jo@example.com", "Flow.orderId": "A-1"}


def drop_launch(**options: object) -> dict[str, object]:
    return fault("drop_connection", LAUNCH_PATH, method="POST", count=1, **options)


def gateway_error_on_launch() -> dict[str, object]:
    return fault("server_error", LAUNCH_PATH, method="POST", count=1, status=503)


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Any]:
    from flowwidgets.analytics import Ledger

    with Ledger(tmp_path / "ledger.sqlite3") as opened:
        yield opened


@pytest.mark.parametrize("status", [502, 503, 504])
async def test_server_error_on_read_retried(recorder: WaitRecorder, status: int) -> None:
    sandbox = make_sandbox(
        build_scenario(faults=[fault("server_error", "/api/v2/flows/*", count=2, status=status)])
    )

    async with make_client(sandbox, recorder) as client:
        flow = await client.get_flow(FLOW_ID)

    assert flow.id == FLOW_ID
    assert len(requests_to(sandbox, f"/api/v2/flows/{FLOW_ID}", "GET")) == 3
    assert [wait.status for wait in recorder.waits] == [status, status]


async def test_dropped_connection_on_read_retried(recorder: WaitRecorder) -> None:
    sandbox = make_sandbox(
        build_scenario(faults=[fault("drop_connection", "/api/v2/flows/*", method="GET", count=2)])
    )

    async with make_client(sandbox, recorder) as client:
        flow = await client.get_flow(FLOW_ID)

    assert flow.id == FLOW_ID
    assert len(recorder.waits) == 2
    assert all(wait.status is None for wait in recorder.waits)


async def test_dropped_connection_on_history_query_retried(recorder: WaitRecorder) -> None:
    sandbox = make_sandbox(
        build_scenario(faults=[fault("drop_connection", "/api/v2/flows/instances/query", count=1)])
    )
    query = {"query": [{"criteria": {"key": "FlowId", "operator": "eq", "value": FLOW_ID}}]}

    async with make_client(sandbox, recorder) as client:
        records = await client.query_flow_instances(query)

    assert records == []
    assert len(requests_to(sandbox, "/api/v2/flows/instances/query")) == 2


async def test_server_error_on_launch_not_resent(recorder: WaitRecorder) -> None:
    from flowwidgets.api import LaunchOutcomeUnknownError

    sandbox = make_sandbox(
        build_scenario(faults=[fault("server_error", LAUNCH_PATH, method="POST", count=1)])
    )

    async with make_client(sandbox, recorder) as client:
        with pytest.raises(LaunchOutcomeUnknownError) as raised:
            await client.launch_flow(FLOW_ID, INPUTS, name="gateway-503")

    assert raised.value.execution_name == "gateway-503"
    assert raised.value.flow_id == FLOW_ID
    assert raised.value.status == 503
    assert len(requests_to(sandbox, LAUNCH_PATH, "POST")) == 1


async def test_dropped_launch_response_not_resent(recorder: WaitRecorder) -> None:
    from flowwidgets.api import LaunchOutcomeUnknownError

    sandbox = make_sandbox(build_scenario(faults=[drop_launch(after_processing=True)]))

    async with make_client(sandbox, recorder) as client:
        with pytest.raises(LaunchOutcomeUnknownError) as raised:
            await client.launch_flow(FLOW_ID, INPUTS, name="lost-answer")

    assert raised.value.execution_name == "lost-answer"
    assert len(requests_to(sandbox, LAUNCH_PATH, "POST")) == 1
    assert [state.name for state in sandbox.executions.values()] == ["lost-answer"]


async def test_generated_name_carried_by_unknown_outcome(recorder: WaitRecorder) -> None:
    from flowwidgets.api import LaunchOutcomeUnknownError

    sandbox = make_sandbox(build_scenario(faults=[drop_launch(after_processing=True)]))

    async with make_client(sandbox, recorder) as client:
        with pytest.raises(LaunchOutcomeUnknownError) as raised:
            await client.launch_flow(FLOW_ID, INPUTS)

    (state,) = sandbox.executions.values()
    assert raised.value.execution_name == state.name
    assert state.name.startswith("flowwidgets-")


async def test_find_launch_found_in_history(recorder: WaitRecorder) -> None:
    from flowwidgets.api import LaunchOutcomeUnknownError
    from flowwidgets.recovery import LookupState, find_launch

    sandbox = make_sandbox(build_scenario(faults=[drop_launch(after_processing=True)]))
    async with make_client(sandbox, recorder) as client:
        with pytest.raises(LaunchOutcomeUnknownError):
            await client.launch_flow(FLOW_ID, INPUTS, name="find-me")

        lookup = await find_launch(client, "find-me", flow_id=FLOW_ID)

    (execution_id,) = sandbox.executions
    assert lookup.state is LookupState.FOUND
    assert lookup.source == "history"
    assert lookup.execution_id == execution_id


async def test_find_launch_not_found_after_gateway_error(recorder: WaitRecorder) -> None:
    from flowwidgets.api import LaunchOutcomeUnknownError
    from flowwidgets.recovery import LookupState, find_launch

    sandbox = make_sandbox(build_scenario(faults=[gateway_error_on_launch()]))
    async with make_client(sandbox, recorder) as client:
        with pytest.raises(LaunchOutcomeUnknownError):
            await client.launch_flow(FLOW_ID, INPUTS, name="never-ran")

        lookup = await find_launch(client, "never-ran", flow_id=FLOW_ID)

    assert sandbox.executions == {}
    assert lookup.state is LookupState.NOT_FOUND


async def test_refused_connection_on_launch_not_sent(recorder: WaitRecorder) -> None:
    from flowwidgets.api import ApiConnectionError

    sandbox = make_sandbox(build_scenario(faults=[drop_launch(after_processing=False)]))

    async with make_client(sandbox, recorder) as client:
        with pytest.raises(ApiConnectionError) as raised:
            await client.launch_flow(FLOW_ID, INPUTS, name="not-sent")

    assert "not sent" in str(raised.value)
    assert sandbox.executions == {}
    assert len(requests_to(sandbox, LAUNCH_PATH, "POST")) == 1


async def test_find_launch_unknown_when_history_disabled(recorder: WaitRecorder) -> None:
    from flowwidgets.api import LaunchOutcomeUnknownError
    from flowwidgets.recovery import LookupState, find_launch

    sandbox = make_sandbox(
        build_scenario(history=False, faults=[drop_launch(after_processing=True)])
    )
    async with make_client(sandbox, recorder) as client:
        with pytest.raises(LaunchOutcomeUnknownError):
            await client.launch_flow(FLOW_ID, INPUTS, name="no-history")

        lookup = await find_launch(client, "no-history", flow_id=FLOW_ID)

    assert lookup.state is LookupState.UNKNOWN
    assert "disabled" in lookup.detail


async def test_launch_once_recovers_dropped_response(recorder: WaitRecorder, ledger: Any) -> None:
    from flowwidgets.recovery import launch_once

    sandbox = make_sandbox(build_scenario(faults=[drop_launch(after_processing=True)]))

    async with make_client(sandbox, recorder) as client:
        first = await launch_once(client, FLOW_ID, INPUTS, name="order-A-1", ledger=ledger)
        second = await launch_once(client, FLOW_ID, INPUTS, name="order-A-1", ledger=ledger)

    (execution_id,) = sandbox.executions
    assert first.id == execution_id
    assert second.id == execution_id
    assert len(requests_to(sandbox, LAUNCH_PATH, "POST")) == 1
    entry = ledger.find_by_name("order-A-1")
    assert entry.execution_id == execution_id
    assert entry.launch_outcome == "ok"


async def test_launch_once_relaunches_when_proven_not_run(
    recorder: WaitRecorder, ledger: Any
) -> None:
    from flowwidgets.api import LaunchOutcomeUnknownError
    from flowwidgets.recovery import launch_once

    sandbox = make_sandbox(build_scenario(faults=[gateway_error_on_launch()]))

    async with make_client(sandbox, recorder) as client:
        with pytest.raises(LaunchOutcomeUnknownError):
            await launch_once(client, FLOW_ID, INPUTS, name="order-B-2", ledger=ledger)
        retried = await launch_once(client, FLOW_ID, INPUTS, name="order-B-2", ledger=ledger)

    assert list(sandbox.executions) == [retried.id]
    assert len(requests_to(sandbox, LAUNCH_PATH, "POST")) == 2
    assert ledger.find_by_name("order-B-2").execution_id == retried.id


async def test_launch_once_relaunches_after_refused_connection(
    recorder: WaitRecorder, ledger: Any
) -> None:
    from flowwidgets.api import ApiConnectionError
    from flowwidgets.recovery import launch_once

    sandbox = make_sandbox(build_scenario(faults=[drop_launch(after_processing=False)]))

    async with make_client(sandbox, recorder) as client:
        with pytest.raises(ApiConnectionError):
            await launch_once(client, FLOW_ID, INPUTS, name="order-E-5", ledger=ledger)
        failed_entry = ledger.find_by_name("order-E-5")
        retried = await launch_once(client, FLOW_ID, INPUTS, name="order-E-5", ledger=ledger)

    assert failed_entry.launch_outcome == "error"
    assert list(sandbox.executions) == [retried.id]
    assert ledger.find_by_name("order-E-5").launch_outcome == "ok"


async def test_launch_once_refuses_relaunch_without_history(
    recorder: WaitRecorder, ledger: Any
) -> None:
    from flowwidgets.api import LaunchOutcomeUnknownError
    from flowwidgets.recovery import launch_once

    sandbox = make_sandbox(
        build_scenario(history=False, faults=[drop_launch(after_processing=True)])
    )

    async with make_client(sandbox, recorder) as client:
        with pytest.raises(LaunchOutcomeUnknownError):
            await launch_once(client, FLOW_ID, INPUTS, name="order-C-3", ledger=ledger)
        with pytest.raises(LaunchOutcomeUnknownError) as retried:
            await launch_once(client, FLOW_ID, INPUTS, name="order-C-3", ledger=ledger)

    assert len(sandbox.executions) == 1
    assert len(requests_to(sandbox, LAUNCH_PATH, "POST")) == 1
    assert retried.value.execution_name == "order-C-3"
    assert ledger.find_by_name("order-C-3").launch_outcome == "outcome-unknown"


async def test_launch_once_ledger_survives_reopen(recorder: WaitRecorder, tmp_path: Path) -> None:
    from flowwidgets.analytics import Ledger
    from flowwidgets.recovery import launch_once

    sandbox = make_sandbox(build_scenario())
    path = tmp_path / "ledger.sqlite3"

    async with make_client(sandbox, recorder) as client:
        with Ledger(path) as first_kernel:
            first = await launch_once(
                client, FLOW_ID, INPUTS, name="order-D-4", ledger=first_kernel
            )
        with Ledger(path) as second_kernel:
            second = await launch_once(
                client, FLOW_ID, INPUTS, name="order-D-4", ledger=second_kernel
            )

    assert first.id == second.id
    assert len(sandbox.executions) == 1


async def test_server_error_storm_on_read_fails_clearly(recorder: WaitRecorder) -> None:
    from flowwidgets.api import ApiError

    sandbox = make_sandbox(build_scenario(faults=[fault("server_error", "/api/v2/flows/*")]))

    async with make_client(sandbox, recorder) as client:
        with pytest.raises(ApiError) as raised:
            await client.get_flow(FLOW_ID)

    attempts = len(requests_to(sandbox, f"/api/v2/flows/{FLOW_ID}", "GET"))
    assert raised.value.status == 503
    assert 1 < attempts <= 10
    assert len(recorder.waits) == attempts - 1
    assert raised.value.fix


async def test_launch_once_concurrent_same_name_runs_once(
    recorder: WaitRecorder, ledger: Any
) -> None:
    import asyncio

    from flowwidgets.recovery import launch_once

    sandbox = make_sandbox(build_scenario())

    async with make_client(sandbox, recorder) as client:
        outcomes = await asyncio.gather(
            launch_once(client, FLOW_ID, INPUTS, name="double-click", ledger=ledger),
            launch_once(client, FLOW_ID, INPUTS, name="double-click", ledger=ledger),
            return_exceptions=True,
        )

    # The second call either finds the first one in flight or finds its execution.
    errors = [outcome for outcome in outcomes if isinstance(outcome, BaseException)]
    results = [outcome for outcome in outcomes if not isinstance(outcome, BaseException)]
    assert len(sandbox.executions) == 1
    assert {result.id for result in results} == set(sandbox.executions)
    assert all("already in progress" in str(error) for error in errors)


async def test_served_dropped_launch_recovered_once(tmp_path: Path) -> None:

    from flowwidgets.analytics import Ledger
    from flowwidgets.api import ClientCredentials, GenesysClient
    from flowwidgets.recovery import launch_once
    from flowwidgets.sandbox.serve import serve_in_thread

    sandbox = make_sandbox(
        build_scenario(
            faults=[
                drop_launch(after_processing=True),
                fault("server_error", "/api/v2/flows/instances/query", count=1, status=503),
            ]
        )
    )

    with serve_in_thread(sandbox, port=0) as served, Ledger(tmp_path / "l.sqlite3") as ledger:
        auth = ClientCredentials(CLIENT_ID, CLIENT_SECRET)
        client = GenesysClient(api_host=served.url, auth=auth)
        async with client:
            first = await launch_once(client, FLOW_ID, INPUTS, name="served-drop", ledger=ledger)
            second = await launch_once(client, FLOW_ID, INPUTS, name="served-drop", ledger=ledger)

    assert list(sandbox.executions) == [first.id]
    assert second.id == first.id
    assert len(requests_to(sandbox, LAUNCH_PATH, "POST")) == 1
    assert len(requests_to(sandbox, "/api/v2/flows/instances/query")) >= 2
