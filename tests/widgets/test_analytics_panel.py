"""AnalyticsPanel: execution history and flow-execution analytics in the sandbox."""

from __future__ import annotations

import datetime as dt

from flowwidgets.analytics import Ledger
from flowwidgets.widgets import AnalyticsPanel, LaunchButton, LaunchForm, StatusMonitor
from flowwidgets.widgets.analytics_panel import history_query, iso_interval

from .conftest import SEED_FLOW_ID


def test_iso_interval_is_utc_with_milliseconds() -> None:
    end = dt.datetime(2025, 6, 1, 12, 0, 0, 123456, tzinfo=dt.timezone(dt.timedelta(hours=2)))

    interval = iso_interval(end, dt.timedelta(hours=1))

    assert interval == "2025-06-01T09:00:00.123Z/2025-06-01T10:00:00.123Z"


def test_history_query_filters_flow_and_start() -> None:
    query = history_query("f-1", dt.datetime(2025, 6, 1, tzinfo=dt.timezone.utc))

    criteria = query["query"][0]["and"]
    assert {"key": "FlowId", "operator": "eq", "value": "f-1"} in criteria
    assert {
        "key": "FlowStartDateTime",
        "operator": "gte",
        "value": "2025-06-01T00:00:00.000Z",
    } in criteria


async def test_analytics_panel_shows_history_off(client) -> None:
    await client.launch_flow(SEED_FLOW_ID, input_data={"Flow.email": "a@example.com"})
    panel = AnalyticsPanel(client)
    panel.set_flows(await client.list_flows())

    await panel.refresh()

    assert panel.history_enabled is False
    assert panel.history_count == 0
    assert "off" in panel.visibility.value


async def test_analytics_panel_counts_after_lag_with_figures(client, tmp_path) -> None:
    from flowwidgets.widgets import FlowPicker

    picker = FlowPicker(client)
    await picker.load()
    form = LaunchForm(client, picker.select(SEED_FLOW_ID))
    form.set_value("Flow.email", "a@example.com")
    ledger = Ledger(tmp_path / "ledger.sqlite3")
    monitor = StatusMonitor(client, ledger=ledger, autostart=False)
    await LaunchButton(form, client, ledger=ledger, monitor=monitor).launch(2)
    await monitor.wait(timeout=30)
    client.sandbox.clock.advance(600)
    panel = AnalyticsPanel(client, ledger=ledger)
    panel.select_flow(picker.selected_flow)

    await panel.refresh()

    assert panel.counted == 2
    assert len(panel.figures.outputs) == 2
    assert "application/vnd.plotly.v1+json" in panel.figures.outputs[0]["data"]
    ledger.close()


async def test_analytics_panel_without_flow_shows_error(client) -> None:
    panel = AnalyticsPanel(client)

    panel.refresh_button.click()
    await panel.wait()

    assert "No flow selected" in panel.errors.text


async def test_analytics_panel_select_flow_by_id(client) -> None:
    await client.launch_flow(SEED_FLOW_ID, input_data={"Flow.email": "a@example.com"})
    client.sandbox.clock.advance(600)
    panel = AnalyticsPanel(client)

    panel.select_flow(SEED_FLOW_ID)
    await panel.refresh()

    assert panel.flow.value == SEED_FLOW_ID
    assert panel.flow.options == ((SEED_FLOW_ID, SEED_FLOW_ID),)
    assert panel.counted == 1


async def test_analytics_panel_select_flow_keeps_offered_name(client) -> None:
    flows = await client.list_flows()
    panel = AnalyticsPanel(client)
    panel.set_flows(flows)

    panel.select_flow(SEED_FLOW_ID)
    panel.select_flow(flows[0])

    assert panel.flow.value == SEED_FLOW_ID
    assert panel.flow.options == (("Web form follow-up", SEED_FLOW_ID),)
