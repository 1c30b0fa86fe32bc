"""A token that expires during a long status watch or batch is refreshed once, then work goes on."""

from __future__ import annotations

import pytest
from reliability_support import (
    FLOW_ID,
    WaitRecorder,
    build_scenario,
    fault,
    make_client,
    make_sandbox,
    requests_to,
)

pytestmark = pytest.mark.usefixtures("token_cache_cleared")

INPUTS = {"Flow.email": "sam@example.com"}


def long_run_scenario(**kwargs: object) -> dict[str, object]:
    scenario = build_scenario(client={"token_lifetime_seconds": 300}, **kwargs)  # type: ignore[arg-type]
    scenario["flows"][0]["run"]["duration_seconds"] = 500  # type: ignore[index]
    return scenario


async def test_status_watch_survives_token_expiry(recorder: WaitRecorder) -> None:
    sandbox = make_sandbox(long_run_scenario())
    statuses: list[str] = []

    async with make_client(sandbox, recorder) as client:
        launched = await client.launch_flow(FLOW_ID, INPUTS, name="long-watch")
        execution = await client.get_execution(launched.id)
        while not execution.is_terminal:
            sandbox.clock.advance(30)
            execution = await client.get_execution(launched.id)
            statuses.append(execution.status)

    assert statuses[-1] == "COMPLETED"
    assert len(statuses) >= 17
    assert len(requests_to(sandbox, "/oauth/token")) == 2


async def test_batch_survives_token_expiry(recorder: WaitRecorder) -> None:
    sandbox = make_sandbox(long_run_scenario())
    launched = []

    async with make_client(sandbox, recorder) as client:
        for number in range(20):
            result = await client.launch_flow(FLOW_ID, INPUTS, name=f"batch-expiry-{number:02d}")
            launched.append(result.id)
            sandbox.clock.advance(20)

    assert len(set(launched)) == 20
    assert sorted(sandbox.executions) == sorted(launched)
    assert len(requests_to(sandbox, "/oauth/token")) == 2


async def test_revoked_token_refreshed_once(recorder: WaitRecorder) -> None:
    sandbox = make_sandbox(
        long_run_scenario(
            faults=[fault("token_expiry", "/api/v2/flows/executions/*", skip=3, count=1)]
        )
    )

    async with make_client(sandbox, recorder) as client:
        launched = await client.launch_flow(FLOW_ID, INPUTS, name="revoked-watch")
        for _ in range(8):
            sandbox.clock.advance(10)
            execution = await client.get_execution(launched.id)

    assert execution.id == launched.id
    assert len(requests_to(sandbox, "/oauth/token")) == 2


async def test_expired_token_not_refreshed_in_loop(recorder: WaitRecorder) -> None:
    from flowwidgets.api import ApiError

    sandbox = make_sandbox(
        long_run_scenario(faults=[fault("token_expiry", "/api/v2/flows/executions/*")])
    )

    async with make_client(sandbox, recorder) as client:
        launched = await client.launch_flow(FLOW_ID, INPUTS, name="always-expired")
        with pytest.raises(ApiError) as raised:
            await client.get_execution(launched.id)

    assert raised.value.status == 401
    assert len(requests_to(sandbox, "/oauth/token")) == 2


async def test_status_monitor_survives_token_expiry(recorder: WaitRecorder) -> None:
    from flowwidgets.widgets import StatusMonitor

    scenario = long_run_scenario()
    scenario["flows"][0]["run"]["duration_seconds"] = 400  # type: ignore[index]
    sandbox = make_sandbox(scenario)

    async with make_client(sandbox, recorder) as client:
        monitor = StatusMonitor(client, autostart=False)
        for number in range(5):
            launched = await client.launch_flow(FLOW_ID, INPUTS, name=f"monitored-{number}")
            monitor.track(launched.id, launched.name)
        await monitor.wait(timeout=60)

    assert monitor.all_done
    assert {monitor.status_of(execution_id) for execution_id in sandbox.executions} == {"COMPLETED"}
    assert len(requests_to(sandbox, "/oauth/token")) == 2
