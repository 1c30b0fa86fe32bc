"""Reconciliation of the ledger with executions, execution history and aggregates."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pandas as pd
import pytest
from analytics_support import OTHER_FLOW_ID, WEB_FORM_FLOW_ID, utc

from flowwidgets.analytics import (
    Ledger,
    aggregates_frame,
    executions_frame,
    history_frame,
    reconcile_executions,
    reconcile_intervals,
)

Loader = Callable[[str], Any]
NOW = utc("2026-11-21T12:00:00")
LATER = utc("2026-12-01T00:00:00")


@pytest.fixture
def reconciled(recorded_ledger: Ledger, load_fixture: Loader) -> pd.DataFrame:
    frame = reconcile_executions(
        recorded_ledger,
        load_fixture("executions.json"),
        load_fixture("history_page.json"),
        load_fixture("aggregates_hourly.json"),
        now=NOW,
    )
    return frame.set_index("name")


def test_reconcile_executions_one_row_per_launch(reconciled: pd.DataFrame) -> None:
    assert len(reconciled) == 7
    assert reconciled.index.is_unique


def test_reconcile_executions_status_and_finish(reconciled: pd.DataFrame) -> None:
    completed = reconciled.loc["flowwidgets-run-1"]
    failed = reconciled.loc["flowwidgets-run-3"]
    running = reconciled.loc["flowwidgets-run-4"]
    unknown = reconciled.loc["flowwidgets-run-5"]
    rejected = reconciled.loc["flowwidgets-rejected"]

    assert completed["status"] == "COMPLETED"
    assert completed["finished"]
    # measured from the server's dateLaunched (10:05:00.120), not the ledger's 10:05:00
    assert completed["finish_delay_s"] == pytest.approx(3.5)
    assert completed["server_launched_at"] == pd.Timestamp("2026-11-20T10:05:00.120Z")
    assert failed["error_code"] == "error.workflow.expression.unexpectedNull"
    assert running["started"]
    assert not running["finished"]
    assert unknown["status"] == "PAUSED"
    assert unknown["started"]
    assert pd.isna(rejected["status"])
    assert not rejected["started"]


def test_reconcile_executions_history_by_id_or_name(reconciled: pd.DataFrame) -> None:
    by_id = reconciled.loc["flowwidgets-run-1"]
    by_name = reconciled.loc["flowwidgets-run-2"]
    absent = reconciled.loc["flowwidgets-run-3"]

    assert by_id["in_history"]
    assert by_id["history_started_at"] == pd.Timestamp("2026-11-20T10:05:00.300Z")
    assert by_name["in_history"]
    assert by_name["history_seen_at"] == pd.Timestamp(NOW)
    assert by_name["history_delay_s"] == pytest.approx(
        (NOW - utc("2026-11-20T10:10:00")).total_seconds()
    )
    assert not absent["in_history"]
    assert pd.isna(absent["history_delay_s"])


def test_reconcile_executions_counted_by_bucket(reconciled: pd.DataFrame) -> None:
    full_bucket = reconciled.loc[["flowwidgets-run-1", "flowwidgets-run-2", "flowwidgets-run-3"]]
    partial_bucket = reconciled.loc[["flowwidgets-run-4", "flowwidgets-run-5"]]

    assert full_bucket["counted"].tolist() == [True, True, True]
    assert full_bucket["interval_start"].tolist() == [pd.Timestamp("2026-11-20T10:00:00Z")] * 3
    assert partial_bucket["counted"].isna().all()
    assert not reconciled.loc["flowwidgets-rejected", "counted"]
    assert not reconciled.loc["flowwidgets-lost", "counted"]
    assert reconciled.loc["flowwidgets-lost", "interval_start"] == pd.Timestamp(
        "2026-11-20T12:00:00Z"
    )


def test_reconcile_executions_provisional_window(
    recorded_ledger: Ledger, load_fixture: Loader
) -> None:
    aggregates = load_fixture("aggregates_hourly.json")

    recent = reconcile_executions(recorded_ledger, aggregates=aggregates, now=NOW)
    settled = reconcile_executions(recorded_ledger, aggregates=aggregates, now=LATER)

    assert recent["provisional"].all()
    assert not settled["provisional"].any()


def test_reconcile_executions_unchecked_sources_stay_na(recorded_ledger: Ledger) -> None:
    frame = reconcile_executions(recorded_ledger, now=NOW)

    assert frame["in_history"].isna().all()
    assert frame["counted"].isna().all()
    assert frame["status"].isna().all()
    assert frame["interval_start"].notna().all()


def test_reconcile_executions_uses_recorded_observations(recorded_ledger: Ledger) -> None:
    recorded_ledger.record_status(
        "flowwidgets-run-1",
        status="COMPLETED",
        in_history=True,
        history_seen_at=utc("2026-11-20T10:06:00"),
        counted=True,
        counted_at=utc("2026-11-20T10:20:00"),
    )

    frame = reconcile_executions(recorded_ledger, now=NOW).set_index("name")

    first = frame.loc["flowwidgets-run-1"]
    assert first["status"] == "COMPLETED"
    assert first["history_delay_s"] == pytest.approx(60.0)
    assert first["count_delay_s"] == pytest.approx(900.0)


def test_reconcile_executions_accepts_frames(recorded_ledger: Ledger, load_fixture: Loader) -> None:
    raw = reconcile_executions(
        recorded_ledger,
        load_fixture("executions.json"),
        load_fixture("history_page.json"),
        load_fixture("aggregates_hourly.json"),
        now=NOW,
    )

    framed = reconcile_executions(
        recorded_ledger.frame(),
        executions_frame(load_fixture("executions.json")),
        history_frame(load_fixture("history_page.json")),
        aggregates_frame(load_fixture("aggregates_hourly.json")),
        now=NOW,
    )

    pd.testing.assert_frame_equal(raw, framed)


def test_reconcile_executions_empty_ledger(ledger: Ledger, load_fixture: Loader) -> None:
    frame = reconcile_executions(ledger, aggregates=load_fixture("aggregates_empty.json"), now=NOW)

    assert frame.empty
    assert "count_delay_s" in frame.columns


def test_reconcile_executions_rejects_foreign_frame() -> None:
    with pytest.raises(ValueError, match="lacks the column"):
        reconcile_executions(pd.DataFrame({"name": ["x"]}), now=NOW)


def test_reconcile_intervals_counts_per_flow(recorded_ledger: Ledger, load_fixture: Loader) -> None:
    intervals = reconcile_intervals(
        recorded_ledger,
        load_fixture("executions.json"),
        load_fixture("history_page.json"),
        load_fixture("aggregates_hourly.json"),
        now=NOW,
    )

    web_form = intervals[intervals["flow_id"] == WEB_FORM_FLOW_ID].set_index("interval_start")
    ten = web_form.loc[pd.Timestamp("2026-11-20T10:00:00Z")]
    eleven = web_form.loc[pd.Timestamp("2026-11-20T11:00:00Z")]
    nine = web_form.loc[pd.Timestamp("2026-11-20T09:00:00Z")]
    twelve = web_form.loc[pd.Timestamp("2026-11-20T12:00:00Z")]
    assert (ten["launched"], ten["launch_failed"], ten["counted"], ten["missing"]) == (3, 1, 3, 0)
    assert (ten["finished"], ten["failed"], ten["in_history"]) == (3, 1, 2)
    assert (eleven["launched"], eleven["counted"], eleven["missing"]) == (2, 1, 1)
    assert (nine["launched"], nine["counted"], nine["extra"]) == (0, 2, 2)
    assert (twelve["launched"], twelve["counted"], twelve["missing"]) == (1, 0, 1)
    other = intervals[intervals["flow_id"] == OTHER_FLOW_ID]
    assert other["extra"].tolist() == [4]


def test_reconcile_intervals_empty_aggregates(
    recorded_ledger: Ledger, load_fixture: Loader
) -> None:
    intervals = reconcile_intervals(
        recorded_ledger, aggregates=load_fixture("aggregates_empty.json"), now=NOW
    )

    assert intervals["launched"].sum() == 6
    assert intervals["counted"].tolist() == [0, 0, 0]
    assert intervals["missing"].tolist() == [3, 2, 1]
    assert intervals["flow_id"].isna().all()


def test_reconcile_intervals_ungrouped_daily(recorded_ledger: Ledger, load_fixture: Loader) -> None:
    intervals = reconcile_intervals(
        recorded_ledger, aggregates=load_fixture("aggregates_ungrouped_daily.json"), now=LATER
    )

    first = intervals.iloc[0]
    assert first["interval_start"] == pd.Timestamp("2026-11-20T00:00:00Z")
    assert first["interval_end"] == pd.Timestamp("2026-11-21T00:00:00Z")
    assert (first["launched"], first["counted"], first["extra"]) == (6, 7, 1)
    assert not intervals["provisional"].any()


def test_reconcile_intervals_without_aggregates(recorded_ledger: Ledger) -> None:
    intervals = reconcile_intervals(recorded_ledger, now=NOW, granularity="PT30M")

    assert intervals["counted"].isna().all()
    assert (intervals["interval_end"] - intervals["interval_start"]).eq(timedelta(minutes=30)).all()
    assert intervals["launched"].sum() == 6


def test_reconcile_executions_buckets_by_server_time(ledger: Ledger, load_fixture: Loader) -> None:
    # The local clock is eleven minutes behind, so the ledger has 10:59 and the server 11:10.
    ledger.record_launch(
        "flowwidgets-run-4", WEB_FORM_FLOW_ID, launched_at=utc("2026-11-20T10:59:00")
    )
    ledger.record_outcome(
        "flowwidgets-run-4", "ok", execution_id="c0ffee01-0000-4000-8000-000000000004"
    )

    polled = reconcile_executions(
        ledger,
        load_fixture("executions.json"),
        aggregates=load_fixture("aggregates_hourly.json"),
        now=NOW,
    )
    unpolled = reconcile_executions(
        ledger, aggregates=load_fixture("aggregates_hourly.json"), now=NOW
    )

    assert polled["interval_start"].iloc[0] == pd.Timestamp("2026-11-20T11:00:00Z")
    assert bool(polled["counted"].iloc[0])
    assert unpolled["interval_start"].iloc[0] == pd.Timestamp("2026-11-20T10:00:00Z")


def test_reconcile_executions_name_match_needs_same_flow(
    recorded_ledger: Ledger, load_fixture: Loader
) -> None:
    page = load_fixture("history_page.json")
    for record in page["entities"]:
        record["flowId"] = OTHER_FLOW_ID

    frame = reconcile_executions(recorded_ledger, history=page, now=NOW).set_index("name")

    assert frame.loc["flowwidgets-run-1", "in_history"]
    assert not frame.loc["flowwidgets-run-2", "in_history"]


def test_reconcile_intervals_repeated_query_counts_once(
    recorded_ledger: Ledger, load_fixture: Loader
) -> None:
    first = load_fixture("aggregates_hourly.json")
    restated = load_fixture("aggregates_hourly.json")
    restated["results"][0]["data"][2]["metrics"][0]["stats"]["count"] = 2

    intervals = reconcile_intervals(recorded_ledger, aggregates=[first, restated], now=NOW)

    web_form = intervals[intervals["flow_id"] == WEB_FORM_FLOW_ID].set_index("interval_start")
    assert web_form.loc[pd.Timestamp("2026-11-20T10:00:00Z"), "counted"] == 3
    assert web_form.loc[pd.Timestamp("2026-11-20T11:00:00Z"), "counted"] == 2
    assert web_form.loc[pd.Timestamp("2026-11-20T11:00:00Z"), "missing"] == 0


def test_reconcile_intervals_reuses_reconciled_frame(
    recorded_ledger: Ledger, load_fixture: Loader
) -> None:
    sources = (
        load_fixture("executions.json"),
        load_fixture("history_page.json"),
        load_fixture("aggregates_hourly.json"),
    )
    reconciled = reconcile_executions(recorded_ledger, *sources, now=NOW)

    from_ledger = reconcile_intervals(recorded_ledger, *sources, now=NOW)
    from_reconciled = reconcile_intervals(reconciled, aggregates=sources[2], now=NOW)

    pd.testing.assert_frame_equal(from_ledger, from_reconciled)
