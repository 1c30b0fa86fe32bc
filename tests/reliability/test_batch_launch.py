"""A batch of 1,000 launches under injected faults: each in the ledger once, none run twice."""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from reliability_support import (
    FLOW_ID,
    LAUNCH_PATH,
    WaitRecorder,
    build_scenario,
    fault,
    make_client,
    make_sandbox,
    requests_to,
)

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("token_cache_cleared")]

BATCH_SIZE = 1000
CONCURRENCY = 20
STATUS_PATH = "/api/v2/flows/executions/*"
# More than the injected launch faults together, so one name hit by each of them still lands.
MAX_ATTEMPTS = 40

BATCH_FAULTS = [
    fault("rate_limit", LAUNCH_PATH, method="POST", skip=100, count=40, retry_after=2),
    fault("server_error", STATUS_PATH, method="GET", skip=150, count=60, status=503),
    fault("drop_connection", LAUNCH_PATH, method="POST", skip=300, count=15, after_processing=True),
    fault("drop_connection", LAUNCH_PATH, method="POST", skip=600, count=10),
    fault("server_error", LAUNCH_PATH, method="POST", skip=800, count=5, status=502),
    fault("drop_connection", STATUS_PATH, method="GET", skip=400, count=20),
    fault("token_expiry", LAUNCH_PATH, method="POST", skip=500, count=1),
]


async def launch_with_retries(client: Any, ledger: Any, sandbox: Any, name: str) -> str:
    """Launch ``name`` through launch_once, retrying a failed connection as a user would."""
    from flowwidgets.api import ApiConnectionError, LaunchOutcomeUnknownError
    from flowwidgets.recovery import launch_once

    inputs = {"Flow.email": f"{name}@example.com", "Flow.orderId": name}
    for _attempt in range(MAX_ATTEMPTS):
        try:
            result = await launch_once(
                client, FLOW_ID, inputs, name=name, ledger=ledger, since=sandbox.clock.now()
            )
        except (LaunchOutcomeUnknownError, ApiConnectionError):
            continue
        return str(result.id)
    raise AssertionError(f"launch {name} still failed after {MAX_ATTEMPTS} attempts")


async def record_final_status(client: Any, ledger: Any, entry: Any) -> None:
    execution = await client.get_execution(entry.execution_id)
    ledger.record_status(entry.name, status=execution.status, finished_at=execution.date_completed)


async def test_batch_thousand_launches_each_once(recorder: WaitRecorder, tmp_path: Path) -> None:
    from flowwidgets.analytics import Ledger

    sandbox = make_sandbox(build_scenario(faults=BATCH_FAULTS))
    names = [f"batch-{number:04d}" for number in range(BATCH_SIZE)]
    gate = asyncio.Semaphore(CONCURRENCY)

    async def launch(name: str) -> str:
        async with gate:
            sandbox.clock.advance(0.2)
            return await launch_with_retries(client, ledger, sandbox, name)

    async def watch(entry: Any) -> None:
        async with gate:
            await record_final_status(client, ledger, entry)

    with Ledger(tmp_path / "batch.sqlite3") as ledger:
        async with make_client(sandbox, recorder, max_retry_wait=300.0) as client:
            launched = await asyncio.gather(*(launch(name) for name in names))
            sandbox.clock.advance(120)
            await asyncio.gather(*(watch(entry) for entry in list(ledger)))
        entries = list(ledger)

    sandbox_names = Counter(state.name for state in sandbox.executions.values())
    assert len(entries) == BATCH_SIZE
    assert sorted(entry.name for entry in entries) == names
    assert {entry.launch_outcome for entry in entries} == {"ok"}
    assert {entry.status for entry in entries} == {"COMPLETED"}
    assert {entry.execution_id for entry in entries} == set(sandbox.executions)
    assert len(set(launched)) == BATCH_SIZE
    assert len(sandbox.executions) == BATCH_SIZE
    assert max(sandbox_names.values()) == 1
    wait_statuses = Counter(wait.status for wait in recorder.waits)
    assert wait_statuses[429] >= 40
    assert wait_statuses[503] >= 60
    assert len(requests_to(sandbox, LAUNCH_PATH, "POST")) > BATCH_SIZE
