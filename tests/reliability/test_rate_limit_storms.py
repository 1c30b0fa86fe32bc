"""429 storms on the API and the token endpoint: waited out, never cut short, always visible."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

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


async def test_rate_limit_burst_on_reads_waited_out(recorder: WaitRecorder) -> None:
    sandbox = make_sandbox(
        build_scenario(faults=[fault("rate_limit", "/api/v2/flows*", count=6, retry_after=7)])
    )

    async with make_client(sandbox, recorder) as client:
        flow = await client.get_flow(FLOW_ID)

    assert flow.id == FLOW_ID
    assert [wait.status for wait in recorder.waits] == [429] * 6
    assert [wait.retry_after for wait in recorder.waits] == [7] * 6
    assert all(wait.delay >= 7 for wait in recorder.waits)
    assert len(recorder.sleeps) == 6
    assert all(seconds >= 7 for seconds in recorder.sleeps)
    assert len(client.rate_limit_events) == 6


async def test_rate_limit_burst_on_token_endpoint_waited_out(recorder: WaitRecorder) -> None:
    sandbox = make_sandbox(
        build_scenario(faults=[fault("rate_limit", "/oauth/token", count=3, retry_after=11)])
    )

    async with make_client(sandbox, recorder) as client:
        organization = await client.get_organization()

    assert organization.name == "Reliability Test Org"
    assert len(requests_to(sandbox, "/oauth/token")) == 4
    assert len(recorder.waits) == 3
    assert all(wait.retry_after == 11 for wait in recorder.waits)
    assert all(seconds >= 11 for seconds in recorder.sleeps)


async def test_rate_limit_storm_fails_within_total_wait(recorder: WaitRecorder) -> None:
    from flowwidgets.api import RateLimitError

    sandbox = make_sandbox(
        build_scenario(faults=[fault("rate_limit", "/api/v2/flows*", retry_after=30)])
    )

    async with make_client(sandbox, recorder, max_retry_wait=100.0) as client:
        with pytest.raises(RateLimitError) as raised:
            await client.get_flow(FLOW_ID)

    assert raised.value.status == 429
    assert raised.value.retry_after == 30
    assert sum(recorder.sleeps) <= 100.0
    assert all(seconds >= 30 for seconds in recorder.sleeps)
    assert len(recorder.waits) == len(recorder.sleeps)
    assert "429" in str(raised.value) or "rate" in str(raised.value).lower()


async def test_rate_limit_storm_on_token_endpoint_fails_clearly(recorder: WaitRecorder) -> None:
    from flowwidgets.api import FlowwidgetsError

    sandbox = make_sandbox(
        build_scenario(faults=[fault("rate_limit", "/oauth/token", retry_after=45)])
    )

    async with make_client(sandbox, recorder, max_retry_wait=120.0) as client:
        with pytest.raises(FlowwidgetsError) as raised:
            await client.get_organization()

    assert getattr(raised.value, "status", None) == 429
    assert sum(recorder.sleeps) <= 120.0
    assert all(seconds >= 45 for seconds in recorder.sleeps)
    assert requests_to(sandbox, "/api/v2/organizations/me") == []


async def test_rate_limit_window_concurrent_reads_all_succeed(recorder: WaitRecorder) -> None:
    sandbox = make_sandbox(
        build_scenario(
            faults=[
                fault("rate_limit", "/api/v2/flows/*", per_minute=20)
            ]
        )
    )

    async with make_client(sandbox, recorder, max_retry_wait=600.0) as client:
        flows = await asyncio.gather(*(client.get_flow(FLOW_ID) for _ in range(60)))

    assert [flow.id for flow in flows] == [FLOW_ID] * 60
    assert recorder.waits
    assert all(wait.status == 429 for wait in recorder.waits)
    assert all(wait.retry_after >= 1 for wait in recorder.waits)
    assert all(wait.delay >= wait.retry_after for wait in recorder.waits)
    assert recorder.sleeps == [wait.delay for wait in recorder.waits]


async def test_rate_limited_launch_resent_runs_once(recorder: WaitRecorder) -> None:
    sandbox = make_sandbox(
        build_scenario(
            faults=[
                fault("rate_limit", LAUNCH_PATH, method="POST", count=2, retry_after=3)
            ]
        )
    )

    async with make_client(sandbox, recorder) as client:
        result = await client.launch_flow(FLOW_ID, {"Flow.email": "a@example.com"}, name="rl-once")

    assert list(sandbox.executions) == [result.id]
    assert len(requests_to(sandbox, LAUNCH_PATH, "POST")) == 3
    assert len(recorder.waits) == 2


@pytest.mark.slow
async def test_rate_limit_served_real_wait_not_cut_short(recorder: WaitRecorder) -> None:
    from flowwidgets.api import ClientCredentials, GenesysClient
    from flowwidgets.sandbox.serve import serve_in_thread

    scenario = build_scenario(
        faults=[fault("rate_limit", "/api/v2/flows/*", count=2, retry_after=1)]
    )
    scenario["clock"] = {"speed": 1}
    sandbox = make_sandbox(scenario)

    with serve_in_thread(sandbox, port=0) as served:
        client = GenesysClient(
            api_host=served.url,
            auth=ClientCredentials(CLIENT_ID, CLIENT_SECRET),
            on_wait=recorder.on_wait,
            max_retry_wait=10.0,
        )
        started = time.monotonic()
        async with client:
            flow = await client.get_flow(FLOW_ID)
        elapsed = time.monotonic() - started

    assert flow.id == FLOW_ID
    assert [wait.retry_after for wait in recorder.waits] == [1, 1]
    assert all(wait.delay >= 1 for wait in recorder.waits)
    # A lower bound only: the client slept at least what Retry-After asked for.
    assert elapsed >= 2.0


async def test_retry_after_above_budget_not_cut_short(recorder: WaitRecorder) -> None:
    from flowwidgets.api import RateLimitError

    sandbox = make_sandbox(
        build_scenario(faults=[fault("rate_limit", "/api/v2/flows/*", count=1, retry_after=30)])
    )

    async with make_client(sandbox, recorder, max_retry_wait=10.0) as client:
        with pytest.raises(RateLimitError) as raised:
            await client.get_flow(FLOW_ID)

    assert raised.value.retry_after == 30
    assert recorder.sleeps == []
    assert len(requests_to(sandbox, f"/api/v2/flows/{FLOW_ID}")) == 1


async def test_rate_limited_paging_keeps_every_page(recorder: WaitRecorder) -> None:
    scenario = build_scenario(faults=[fault("rate_limit", "/api/v2/flows", per_minute=2)])
    scenario["generate_flows"] = {"count": 480, "name_prefix": "Paged flow"}
    sandbox = make_sandbox(scenario)

    async with make_client(sandbox, recorder, max_retry_wait=600.0) as client:
        flows = [flow async for flow in client.iter_flows(page_size=50)]

    ids = [flow.id for flow in flows]
    assert len(ids) == 481
    assert len(set(ids)) == 481
    assert len(recorder.waits) >= 4
    assert all(wait.delay >= wait.retry_after for wait in recorder.waits)


async def test_token_storm_concurrent_calls_share_one_token(recorder: WaitRecorder) -> None:
    sandbox = make_sandbox(
        build_scenario(faults=[fault("rate_limit", "/oauth/token", count=2, retry_after=4)])
    )

    async with make_client(sandbox, recorder) as client:
        flows = await asyncio.gather(*(client.get_flow(FLOW_ID) for _ in range(50)))

    token_requests = requests_to(sandbox, "/oauth/token")
    assert [flow.id for flow in flows] == [FLOW_ID] * 50
    assert len(token_requests) == 3
    assert len(recorder.waits) == 2


async def test_rate_limit_storm_on_launch_runs_nothing(
    recorder: WaitRecorder, tmp_path: Path
) -> None:
    from flowwidgets.analytics import Ledger
    from flowwidgets.api import RateLimitError
    from flowwidgets.recovery import launch_once

    sandbox = make_sandbox(
        build_scenario(
            faults=[fault("rate_limit", LAUNCH_PATH, method="POST", count=4, retry_after=10)]
        )
    )
    inputs = {"Flow.email": "a@example.com"}

    with Ledger(tmp_path / "ledger.sqlite3") as ledger:
        async with make_client(sandbox, recorder, max_retry_wait=25.0) as client:
            with pytest.raises(RateLimitError):
                await launch_once(client, FLOW_ID, inputs, name="storm", ledger=ledger)
            executions_after_storm = len(sandbox.executions)
            outcome_after_storm = ledger.find_by_name("storm").launch_outcome
            retried = await launch_once(client, FLOW_ID, inputs, name="storm", ledger=ledger)

    assert executions_after_storm == 0
    assert outcome_after_storm == "error"
    assert list(sandbox.executions) == [retried.id]
    assert all(seconds >= 10 for seconds in recorder.sleeps)
