"""Plotly figures of reconciled launches. plotly is imported inside each function only."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    import plotly.graph_objects as go

_DELAYS = {
    "finish_delay_s": "until finished",
    "history_delay_s": "until seen in execution history",
    "count_delay_s": "until counted in flow-execution analytics",
}


def _require(frame: pd.DataFrame, columns: Sequence[str], source: str) -> None:
    missing = [column for column in columns if column not in frame]
    if missing:
        raise ValueError(
            f"the frame lacks the column(s) {', '.join(missing)}. Pass the result of {source}"
        )


def timeline_figure(intervals: pd.DataFrame) -> go.Figure:
    """Plot launched versus counted executions per interval from :func:`reconcile_intervals`.

    Bars show launches and a line shows ``nFlowExecutions``. Provisional intervals, whose
    counts Genesys may still restate, are drawn lighter and named so in the hover text.
    """
    import plotly.graph_objects as go

    _require(
        intervals, ("interval_start", "launched", "counted", "provisional"), "reconcile_intervals"
    )
    per_interval = intervals.groupby("interval_start", as_index=False).agg(
        launched=("launched", "sum"),
        counted=("counted", lambda values: values.sum(min_count=1)),
        provisional=("provisional", "any"),
    )
    state = per_interval["provisional"].map({True: "provisional", False: "final"})
    figure = go.Figure()
    figure.add_bar(
        name="Launched",
        x=per_interval["interval_start"],
        y=per_interval["launched"],
        marker_opacity=per_interval["provisional"].map({True: 0.45, False: 0.9}).tolist(),
        customdata=state,
        hovertemplate="%{x|%Y-%m-%d %H:%M} UTC<br>launched: %{y}<br>%{customdata}<extra></extra>",
    )
    figure.add_scatter(
        name="Counted (nFlowExecutions)",
        x=per_interval["interval_start"],
        y=per_interval["counted"].astype("float64"),
        mode="lines+markers",
        customdata=state,
        hovertemplate="%{x|%Y-%m-%d %H:%M} UTC<br>counted: %{y}<br>%{customdata}<extra></extra>",
    )
    figure.update_layout(
        title="Launched versus counted executions per interval (UTC)",
        xaxis_title="Interval start (UTC)",
        yaxis_title="Executions per interval",
        legend_title_text="",
    )
    return figure


def funnel_figure(reconciled: pd.DataFrame) -> go.Figure:
    """Plot how many launches reached each stage, from :func:`reconcile_executions`.

    Stages: launched, launch accepted (outcome ``ok``), started, finished, seen in
    execution history, counted in flow-execution analytics.
    """
    import plotly.graph_objects as go

    _require(
        reconciled,
        ("launch_outcome", "started", "finished", "in_history", "counted"),
        "reconcile_executions",
    )
    stages = {
        "Launched": len(reconciled),
        "Launch accepted": int((reconciled["launch_outcome"].astype(object) == "ok").sum()),
        "Started": int(reconciled["started"].sum()),
        "Finished": int(reconciled["finished"].sum()),
        "In execution history": int(reconciled["in_history"].fillna(False).astype(bool).sum()),
        "Counted in analytics": int(reconciled["counted"].fillna(False).astype(bool).sum()),
    }
    figure = go.Figure(
        go.Funnel(y=list(stages), x=list(stages.values()), textinfo="value+percent initial")
    )
    figure.update_layout(title="Launches reaching each stage (executions)", yaxis_title="Stage")
    return figure


def delay_histogram_figure(
    reconciled: pd.DataFrame, delays: Sequence[str] = tuple(_DELAYS)
) -> go.Figure:
    """Plot histograms of the seconds from launch to each stage, from :func:`reconcile_executions`.

    ``delays`` picks the columns: ``finish_delay_s``, ``history_delay_s`` and
    ``count_delay_s``. Launches that never reached a stage are left out of its trace.
    """
    import plotly.graph_objects as go

    unknown = [delay for delay in delays if delay not in _DELAYS]
    if unknown:
        raise ValueError(
            f"unknown delay column(s) {', '.join(unknown)}. Choose from {', '.join(_DELAYS)}"
        )
    _require(reconciled, delays, "reconcile_executions")

    figure = go.Figure()
    for column in delays:
        values = reconciled[column].dropna()
        figure.add_histogram(name=f"Seconds {_DELAYS[column]}", x=values, opacity=0.7)
    figure.update_layout(
        title="Delay after launch until each stage (seconds)",
        xaxis_title="Delay after launch (seconds)",
        yaxis_title="Executions",
        barmode="overlay",
    )
    return figure


def status_figure(frame: pd.DataFrame) -> go.Figure:
    """Plot the number of executions per status from a reconciled or executions frame.

    Launches never polled have no status and are shown as ``not polled``.
    """
    import plotly.graph_objects as go

    _require(frame, ("status",), "reconcile_executions or executions_frame")
    status: Any = frame["status"]
    if isinstance(status.dtype, pd.CategoricalDtype):
        status = (
            status.cat.add_categories(["not polled"])
            if "not polled" not in status.cat.categories
            else status
        )
    counts = status.fillna("not polled").value_counts(sort=False)
    counts = counts[counts > 0]
    figure = go.Figure(go.Bar(x=[str(label) for label in counts.index], y=counts.to_numpy()))
    figure.update_layout(
        title="Executions by status", xaxis_title="Status", yaxis_title="Executions"
    )
    return figure
