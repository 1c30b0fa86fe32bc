"""StatusMonitor: polling launched executions to their end in the sandbox."""

from __future__ import annotations

from flowwidgets.widgets import StatusMonitor
from flowwidgets.widgets.monitor import MAX_INTERVAL_SECONDS, next_interval

from .conftest import SEED_FLOW_ID


async def test_status_monitor_reaches_completed(client) -> None:
    result = await client.launch_flow(SEED_FLOW_ID, input_data={"Flow.email": "a@example.com"})
    monitor = StatusMonitor(client, autostart=False)
    monitor.track(result.id, name=result.name)

    await monitor.wait(timeout=30)

    assert monitor.status_of(result.id) == "COMPLETED"
    assert "COMPLETED" in monitor.table.value
    assert "Flow.emailSent" in monitor.table.value
    assert monitor.running_count == 0


async def test_status_monitor_explains_failed_execution(client) -> None:
    result = await client.launch_flow(SEED_FLOW_ID, input_data={"Flow.source": "web-form"})
    monitor = StatusMonitor(client, autostart=False)
    finished = []
    monitor.on_finished(finished.append)
    monitor.track(result.id)

    await monitor.wait(timeout=30)

    tracked = monitor.executions[result.id]
    assert tracked.status in {"FAILED", "ERROR"}
    assert "unexpectedNull" in monitor.table.value
    assert tracked.report is not None
    assert "execution.failed" in tracked.report.codes
    assert [item.execution_id for item in finished] == [result.id]


async def test_status_monitor_poll_once_shows_running_first(client) -> None:
    result = await client.launch_flow(SEED_FLOW_ID, input_data={"Flow.email": "a@example.com"})
    monitor = StatusMonitor(client, autostart=False, advance_sandbox_clock=False)
    monitor.track(result.id)

    await monitor.poll_once()

    assert monitor.status_of(result.id) == "RUNNING"
    assert repr(monitor) == "<StatusMonitor 1 executions: 1 RUNNING>"


async def test_status_monitor_background_task_and_stop(client) -> None:
    result = await client.launch_flow(SEED_FLOW_ID, input_data={"Flow.email": "a@example.com"})
    monitor = StatusMonitor(client, advance_sandbox_clock=False)

    monitor.track(result.id)
    assert not monitor.stop_button.disabled
    monitor.stop_button.click()
    await monitor.join()

    assert monitor.stop_button.disabled
    assert monitor.status_of(result.id) in {"PENDING", "RUNNING"}


async def test_status_monitor_unknown_execution_shows_not_found(client) -> None:
    monitor = StatusMonitor(client, autostart=False)
    monitor.track("00000000-0000-0000-0000-000000000000", name="lost")

    await monitor.wait(timeout=30)

    tracked = monitor.executions["00000000-0000-0000-0000-000000000000"]
    assert tracked.error is not None
    assert "lost" in monitor.table.value


def test_next_interval_grows_to_maximum() -> None:
    interval = 1.0
    seen = []
    for _ in range(12):
        interval = next_interval(interval)
        seen.append(interval)

    assert seen[0] == 1.5
    assert seen[-1] == MAX_INTERVAL_SECONDS
    assert seen == sorted(seen)
