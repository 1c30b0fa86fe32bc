"""Launch on the in-process sandbox, record in the ledger, advance its clock and reconcile."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pandas as pd
from analytics_support import WEB_FORM_FLOW_ID

from flowwidgets.analytics import Ledger, reconcile_executions, reconcile_intervals
from flowwidgets.api import GenesysClient
from flowwidgets.connect import connect
from flowwidgets.sandbox import Sandbox

INPUTS = [
    {"Flow.email": "first@example.com", "Flow.source": "web"},
    {"Flow.email": "second@example.com", "Flow.source": "web"},
    {"Flow.email": None, "Flow.source": "web"},
]


async def _launch_all(client: GenesysClient, sandbox: Sandbox, ledger: Ledger) -> None:
    for number, inputs in enumerate(INPUTS, start=1):
        name = f"flowwidgets-sandbox-{number}"
        ledger.record_launch(
            name,
            WEB_FORM_FLOW_ID,
            inputs=inputs,
            launched_at=sandbox.clock.now(),
            region=sandbox.region,
        )
        result = await client.launch_flow(WEB_FORM_FLOW_ID, inputs, name=name)
        ledger.record_outcome(
            name, "ok", execution_id=result.id, flow_version=result.flow_version_id
        )


async def _observe(
    client: GenesysClient, sandbox: Sandbox, ledger: Ledger
) -> tuple[list[Any], list[Any], Any]:
    now = pd.Timestamp(sandbox.clock.now())
    executions = [await client.get_execution(str(entry.execution_id)) for entry in ledger]
    history = await client.query_flow_instances(
        {"query": [{"and": [{"key": "FlowId", "operator": "eq", "value": WEB_FORM_FLOW_ID}]}]}
    )
    start = now.floor("h") - pd.Timedelta(hours=1)
    end = now.floor("h") + pd.Timedelta(hours=1)
    aggregates = await client.query_flow_execution_aggregates(
        f"{start.isoformat()}/{end.isoformat()}", group_by=["flowId"], granularity="PT1H"
    )
    return executions, history, aggregates


async def test_sandbox_launches_reconcile_after_lag(tmp_path: Path) -> None:
    sandbox = Sandbox.from_scenario("healthy", speed=0)
    with Ledger(tmp_path / "ledger.sqlite3") as ledger:
        async with connect(sandbox=sandbox) as client:
            await _launch_all(client, sandbox, ledger)
            early = await _observe(client, sandbox, ledger)
            early_now = sandbox.clock.now()
            sandbox.clock.advance(timedelta(minutes=5).total_seconds())
            late = await _observe(client, sandbox, ledger)
            late_now = sandbox.clock.now()

        before = reconcile_executions(ledger, *early, now=early_now)
        after = reconcile_executions(ledger, *late, now=late_now).set_index("name")
        intervals = reconcile_intervals(ledger, *late, now=late_now)

    assert not before["finished"].any()
    assert not before["counted"].any()
    assert after["finished"].all()
    assert after["in_history"].all()
    assert after["counted"].all()
    failed = after.loc["flowwidgets-sandbox-3"]
    assert failed["status"] in {"FAILED", "ERROR"}
    assert failed["error_code"] == "error.workflow.expression.unexpectedNull"
    assert after.loc["flowwidgets-sandbox-1", "status"] == "COMPLETED"
    assert (after["finish_delay_s"] > 0).all()
    assert (after["count_delay_s"] == timedelta(minutes=5).total_seconds()).all()
    assert intervals["launched"].sum() == 3
    assert intervals["missing"].sum() == 0
    assert intervals["provisional"].all()


async def test_sandbox_history_off_stays_out_of_history(tmp_path: Path) -> None:
    sandbox = Sandbox.from_scenario("seed", speed=0)
    with Ledger(tmp_path / "ledger.sqlite3") as ledger:
        async with connect(sandbox=sandbox) as client:
            await _launch_all(client, sandbox, ledger)
            sandbox.clock.advance(timedelta(minutes=5).total_seconds())
            observed = await _observe(client, sandbox, ledger)

        reconciled = reconcile_executions(ledger, *observed, now=sandbox.clock.now())

    assert reconciled["finished"].all()
    assert not reconciled["in_history"].any()
    assert reconciled["counted"].all()
