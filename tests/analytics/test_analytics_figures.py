"""Plotly figures checked through their traces and layout."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import pytest
from analytics_support import utc

from flowwidgets.analytics import (
    Ledger,
    delay_histogram_figure,
    funnel_figure,
    reconcile_executions,
    reconcile_intervals,
    status_figure,
    timeline_figure,
)

Loader = Callable[[str], Any]
NOW = utc("2026-11-21T12:00:00")


@pytest.fixture
def sources(load_fixture: Loader) -> tuple[Any, Any, Any]:
    return (
        load_fixture("executions.json"),
        load_fixture("history_page.json"),
        load_fixture("aggregates_hourly.json"),
    )


def test_timeline_figure_bars_and_counts(recorded_ledger: Ledger, sources: tuple[Any, ...]) -> None:
    intervals = reconcile_intervals(recorded_ledger, *sources, now=NOW)

    figure = timeline_figure(intervals)

    assert isinstance(figure, go.Figure)
    bars, line = figure.data
    assert bars.type == "bar"
    assert line.type == "scatter"
    # plotly keeps the UTC wall-clock time and drops the zone, so the axis title names it.
    starts = [pd.Timestamp(value).tz_localize("UTC") for value in bars.x]
    assert starts == sorted(set(intervals["interval_start"]))
    assert list(bars.y) == [0, 3, 2, 1]
    assert list(line.y) == [2.0, 7.0, 1.0, 0.0]
    assert "UTC" in figure.layout.title.text
    assert figure.layout.xaxis.title.text == "Interval start (UTC)"
    assert figure.layout.yaxis.title.text == "Executions per interval"


def test_timeline_figure_marks_provisional(
    recorded_ledger: Ledger, sources: tuple[Any, ...]
) -> None:
    recent = reconcile_intervals(recorded_ledger, *sources, now=NOW)
    settled = reconcile_intervals(recorded_ledger, *sources, now=utc("2026-12-01T00:00:00"))

    recent_bars = timeline_figure(recent).data[0]
    settled_bars = timeline_figure(settled).data[0]

    assert set(recent_bars.customdata) == {"provisional"}
    assert set(settled_bars.customdata) == {"final"}
    assert max(recent_bars.marker.opacity) < min(settled_bars.marker.opacity)


def test_funnel_figure_stage_counts(recorded_ledger: Ledger, sources: tuple[Any, ...]) -> None:
    reconciled = reconcile_executions(recorded_ledger, *sources, now=NOW)

    figure = funnel_figure(reconciled)

    (funnel,) = figure.data
    assert list(funnel.y) == [
        "Launched",
        "Launch accepted",
        "Started",
        "Finished",
        "In execution history",
        "Counted in analytics",
    ]
    assert list(funnel.x) == [7, 5, 5, 3, 2, 3]


def test_delay_histogram_figure_units(recorded_ledger: Ledger, sources: tuple[Any, ...]) -> None:
    reconciled = reconcile_executions(recorded_ledger, *sources, now=NOW)

    figure = delay_histogram_figure(reconciled)

    assert [trace.type for trace in figure.data] == ["histogram"] * 3
    finish = figure.data[0]
    assert sorted(finish.x) == pytest.approx([1.5, 3.5, 5.0])
    assert figure.layout.xaxis.title.text == "Delay after launch (seconds)"
    assert "seconds" in figure.layout.title.text


def test_delay_histogram_figure_rejects_unknown_column(
    recorded_ledger: Ledger, sources: tuple[Any, ...]
) -> None:
    reconciled = reconcile_executions(recorded_ledger, *sources, now=NOW)

    with pytest.raises(ValueError, match="unknown delay column"):
        delay_histogram_figure(reconciled, delays=["duration"])


def test_status_figure_counts_not_polled(recorded_ledger: Ledger, sources: tuple[Any, ...]) -> None:
    reconciled = reconcile_executions(recorded_ledger, *sources, now=NOW)

    figure = status_figure(reconciled)

    (bars,) = figure.data
    counts = dict(zip(bars.x, bars.y, strict=True))
    assert counts == {"RUNNING": 1, "COMPLETED": 2, "FAILED": 1, "PAUSED": 1, "not polled": 2}
    assert figure.layout.yaxis.title.text == "Executions"


def test_figures_reject_wrong_frame() -> None:
    with pytest.raises(ValueError, match="reconcile_intervals"):
        timeline_figure(pd.DataFrame({"launched": [1]}))


def test_analytics_import_leaves_plotly_unloaded() -> None:
    code = "import sys, flowwidgets.analytics; print('plotly' in sys.modules)"

    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )

    assert result.stdout.strip() == "False"
