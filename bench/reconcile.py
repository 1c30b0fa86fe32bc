"""Reconcile 100,000 launches with statuses, history and aggregates into frames and figures.

The data set is generated here from a fixed random seed. N launches of five workflows,
spread over 24 hours, are written to a real :class:`flowwidgets.analytics.Ledger` (SQLite).
The raw JSON beside it contains the result of ``GET /api/v2/flows/executions/{id}`` for
every launch that ran, the execution history records (``POST /api/v2/flows/instances/query``)
of most of them, and hourly ``nFlowExecutions`` aggregates per flow that miss a few
executions. Writing the ledger and the JSON is set-up and is not timed.

Two pipelines turn that data into a per-execution frame, a per-interval frame and four
figures (timeline, funnel, delay histogram, statuses):

- ``flowwidgets``: ``Ledger.frame``, the frame builders, ``reconcile_executions``,
  ``reconcile_intervals`` and the figure functions of :mod:`flowwidgets.analytics`.
- ``json_normalize``: ``pandas.read_sql_query`` and ``pandas.json_normalize`` on the
  same data, ``pandas.to_datetime``, merges on execution id and hourly group-bys, and
  the same four figures drawn with ``plotly.graph_objects``.

Wall time is the best of ``--repeat`` runs, with the frames and figures timed apart.
The process CPU time of that run is recorded beside it.
Each flowwidgets step is also timed on its own, to show where the time goes.
Peak memory is measured in a separate run with :mod:`tracemalloc` (it slows the code down),
as the peak of traced allocations above what was allocated before the run.

Run ``python -m bench.reconcile`` (``--help`` lists the options).
"""

from __future__ import annotations

import datetime as dt
import gc
import random
import sqlite3
import sys
import tempfile
import time
import tracemalloc
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench._harness import build_parser, emit, stopwatch, target

NAME = "reconcile"

#: Targets: flowwidgets end to end under this many seconds, and this many times faster.
SECONDS_TARGET = 2.0
SPEEDUP_TARGET = 5.0

FLOW_COUNT = 5
HOURS = 24
START = dt.datetime(2026, 11, 2, 0, 0, tzinfo=dt.timezone.utc)

# Shares of executions that end each way; the rest completes. Launch errors never run.
SHARE_FAILED = 0.04
SHARE_RUNNING = 0.02
SHARE_LAUNCH_ERROR = 0.01
SHARE_IN_HISTORY = 0.95
SHARE_COUNTED = 0.98


def _iso(moment: dt.datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def generate(count: int, ledger_path: Path, seed: int = 7) -> dict[str, Any]:
    """Write ``count`` launches to a new ledger and return the matching raw JSON.

    Returns a mapping with ``executions`` (list of execution objects), ``history``
    (list of history records), ``aggregates`` (one aggregates response) and ``now``.
    """
    from flowwidgets.analytics import Ledger

    rng = random.Random(seed)
    flow_ids = [str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _ in range(FLOW_COUNT)]
    span_seconds = HOURS * 3600
    executions: list[dict[str, Any]] = []
    history: list[dict[str, Any]] = []
    counts: dict[tuple[str, int], int] = {}

    with Ledger(ledger_path) as ledger:
        for number in range(count):
            flow_id = flow_ids[number % FLOW_COUNT]
            launched_at = START + dt.timedelta(seconds=span_seconds * number / count)
            name = f"bench-{number:06d}"
            execution_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            draw = rng.random()
            if draw < SHARE_LAUNCH_ERROR:
                ledger.record_launch(
                    name,
                    flow_id,
                    flow_version="3.0",
                    launched_at=launched_at,
                    outcome="error",
                    error_code="bad.request",
                )
                continue

            ledger.record_launch(
                name,
                flow_id,
                flow_version="3.0",
                launched_at=launched_at,
                execution_id=execution_id,
                outcome="ok",
            )
            execution = _execution_json(rng, draw, execution_id, name, flow_id, launched_at)
            executions.append(execution)
            if execution["status"] != "RUNNING" and rng.random() < SHARE_IN_HISTORY:
                history.append(_history_json(execution, flow_id))
            if rng.random() < SHARE_COUNTED:
                hour = int((launched_at - START).total_seconds() // 3600)
                counts[flow_id, hour] = counts.get((flow_id, hour), 0) + 1

    return {
        "executions": executions,
        "history": history,
        "aggregates": _aggregates_json(counts, flow_ids),
        "now": START + dt.timedelta(hours=HOURS + 1),
    }


def _execution_json(
    rng: random.Random,
    draw: float,
    execution_id: str,
    name: str,
    flow_id: str,
    launched_at: dt.datetime,
) -> dict[str, Any]:
    status = "COMPLETED"
    if draw < SHARE_LAUNCH_ERROR + SHARE_FAILED:
        status = "FAILED"
    elif draw < SHARE_LAUNCH_ERROR + SHARE_FAILED + SHARE_RUNNING:
        status = "RUNNING"
    execution: dict[str, Any] = {
        "id": execution_id,
        "name": name,
        "dateLaunched": _iso(launched_at),
        "status": status,
        "flowVersion": {
            "id": "3.0",
            "name": "3.0",
            "selfUri": f"/api/v2/flows/{flow_id}/versions/3.0",
        },
        "outputData": {},
        "selfUri": f"/api/v2/flows/executions/{execution_id}",
    }
    if status != "RUNNING":
        finished_at = launched_at + dt.timedelta(seconds=rng.uniform(0.5, 30.0))
        execution["dateCompleted"] = _iso(finished_at)
        execution["completionReason"] = "Completed" if status == "COMPLETED" else "Error"
    if status == "FAILED":
        execution["flowErrorInfo"] = {
            "code": "error.workflow.expression.unexpectedNull",
            "message": "Flow.email was NOT_SET when the expression needed it.",
        }
    return execution


def _history_json(execution: dict[str, Any], flow_id: str) -> dict[str, Any]:
    record = {
        "id": execution["id"],
        "name": execution["name"],
        "flowId": flow_id,
        "flowName": f"Workflow {flow_id[:8]}",
        "flowVersion": "3.0",
        "flowType": "workflow",
        "startDateTime": execution["dateLaunched"],
        "endDateTime": execution["dateCompleted"],
    }
    if execution["status"] == "FAILED":
        record["flowErrorReason"] = "error.workflow.expression.unexpectedNull"
    return record


def _aggregates_json(counts: dict[tuple[str, int], int], flow_ids: list[str]) -> dict[str, Any]:
    results = []
    for flow_id in flow_ids:
        data = []
        for hour in range(HOURS):
            start = START + dt.timedelta(hours=hour)
            interval = f"{_iso(start)}/{_iso(start + dt.timedelta(hours=1))}"
            count = counts.get((flow_id, hour), 0)
            metric = {"metric": "nFlowExecutions", "qualifier": None, "stats": {"count": count}}
            data.append({"interval": interval, "metrics": [metric], "views": []})
        results.append({"group": {"flowId": flow_id}, "data": data})
    return {"results": results}


# --- the two pipelines -------------------------------------------------------------------------


def flowwidgets_frames(ledger_path: Path, data: dict[str, Any]) -> tuple[Any, Any]:
    """Build the reconciled per-execution and per-interval frames with flowwidgets."""
    from flowwidgets.analytics import (
        Ledger,
        aggregates_frame,
        executions_frame,
        history_frame,
        reconcile_executions,
        reconcile_intervals,
    )

    with Ledger(ledger_path, create=False) as ledger:
        launches = ledger.frame()
    executions = executions_frame(data["executions"])
    history = history_frame(data["history"])
    aggregates = aggregates_frame(data["aggregates"])
    reconciled = reconcile_executions(launches, executions, history, aggregates, data["now"])
    # Passing the reconciled frame saves reconciling every launch a second time.
    intervals = reconcile_intervals(reconciled, aggregates=aggregates, now=data["now"])
    return reconciled, intervals


def flowwidgets_figures(frames: tuple[Any, Any]) -> list[Any]:
    """Draw the four figures with flowwidgets from its reconciled frames."""
    from flowwidgets.analytics import (
        delay_histogram_figure,
        funnel_figure,
        status_figure,
        timeline_figure,
    )

    reconciled, intervals = frames
    return [
        timeline_figure(intervals),
        funnel_figure(reconciled),
        delay_histogram_figure(reconciled),
        status_figure(reconciled),
    ]


def baseline_frames(ledger_path: Path, data: dict[str, Any]) -> tuple[Any, Any]:
    """Build comparable frames with ``read_sql_query``, ``json_normalize`` and merges.

    The baseline does less than flowwidgets: it matches history records by id only and
    buckets launches by the hour instead of by the aggregates' own intervals.
    """
    import pandas as pd

    with sqlite3.connect(ledger_path) as connection:
        launches = pd.read_sql_query("SELECT * FROM launches", connection)
    launches["launched_at"] = pd.to_datetime(launches["launched_at"], utc=True, format="ISO8601")

    executions = pd.json_normalize(data["executions"])
    executions["dateLaunched"] = pd.to_datetime(
        executions["dateLaunched"], utc=True, format="ISO8601"
    )
    executions["dateCompleted"] = pd.to_datetime(
        executions["dateCompleted"], utc=True, format="ISO8601"
    )
    executions = executions.rename(
        columns={"id": "execution_id", "status": "execution_status", "flowErrorInfo.code": "code"}
    )[["execution_id", "execution_status", "dateCompleted", "code"]]

    history = pd.json_normalize(data["history"])
    history["startDateTime"] = pd.to_datetime(history["startDateTime"], utc=True, format="ISO8601")
    history = history.rename(columns={"id": "execution_id", "startDateTime": "history_start"})
    history = history[["execution_id", "history_start"]]

    buckets = pd.json_normalize(data["aggregates"]["results"], record_path="data", meta=["group"])
    buckets["flow_id"] = buckets["group"].str.get("flowId")
    buckets["interval_start"] = pd.to_datetime(
        buckets["interval"].str.split("/").str[0], utc=True, format="ISO8601"
    )
    metrics = buckets.explode("metrics").reset_index(drop=True)
    stats = pd.json_normalize(metrics["metrics"].tolist())
    buckets = metrics[["flow_id", "interval_start"]].assign(counted=stats["stats.count"])

    reconciled = launches.merge(executions, on="execution_id", how="left")
    reconciled = reconciled.merge(history, on="execution_id", how="left")
    reconciled["in_history"] = reconciled["history_start"].notna()
    reconciled["finished"] = reconciled["execution_status"].isin(["COMPLETED", "FAILED", "ERROR"])
    reconciled["finish_delay_s"] = (
        reconciled["dateCompleted"] - reconciled["launched_at"]
    ).dt.total_seconds()
    reconciled["interval_start"] = reconciled["launched_at"].dt.floor("h")
    reconciled["launched"] = reconciled["launch_outcome"] != "error"

    intervals = reconciled.groupby(["flow_id", "interval_start"], as_index=False).agg(
        launched=("launched", "sum"),
        finished=("finished", "sum"),
        in_history=("in_history", "sum"),
    )
    intervals = intervals.merge(buckets, on=["flow_id", "interval_start"], how="outer")
    intervals["missing"] = (intervals["launched"] - intervals["counted"]).clip(lower=0)
    fully_counted = intervals.loc[intervals["missing"] == 0, ["flow_id", "interval_start"]]
    fully_counted = fully_counted.assign(in_analytics=True)
    reconciled = reconciled.merge(fully_counted, on=["flow_id", "interval_start"], how="left")
    reconciled["in_analytics"] = reconciled["in_analytics"].astype("boolean").fillna(False)
    return reconciled, intervals


def baseline_figures(frames: tuple[Any, Any]) -> list[Any]:
    """Draw the same four figures with ``plotly.graph_objects`` from the baseline frames."""
    import plotly.graph_objects as go

    reconciled, intervals = frames
    per_interval = intervals.groupby("interval_start", as_index=False)[
        ["launched", "counted"]
    ].sum()
    timeline = go.Figure()
    timeline.add_bar(name="Launched", x=per_interval["interval_start"], y=per_interval["launched"])
    timeline.add_scatter(
        name="Counted", x=per_interval["interval_start"], y=per_interval["counted"]
    )

    stages = {
        "Launched": len(reconciled),
        "Launch accepted": int(reconciled["launched"].sum()),
        "Finished": int(reconciled["finished"].sum()),
        "In execution history": int(reconciled["in_history"].sum()),
        "Counted in analytics": int(reconciled["in_analytics"].sum()),
    }
    funnel = go.Figure(go.Funnel(y=list(stages), x=list(stages.values())))

    histogram = go.Figure()
    histogram.add_histogram(name="Seconds to finish", x=reconciled["finish_delay_s"].dropna())

    per_status = reconciled["execution_status"].fillna("not polled").value_counts()
    statuses = go.Figure(go.Bar(x=per_status.index.tolist(), y=per_status.to_numpy()))
    return [timeline, funnel, histogram, statuses]


# --- measurement -------------------------------------------------------------------------------


def time_pipeline(
    frames: Callable[[Path, dict[str, Any]], tuple[Any, Any]],
    figures: Callable[[tuple[Any, Any]], list[Any]],
    ledger_path: Path,
    data: dict[str, Any],
    repeat: int,
) -> dict[str, Any]:
    """Run one pipeline ``repeat`` times and keep the fastest run's split."""
    best: dict[str, float] | None = None
    for _ in range(repeat):
        gc.collect()
        with stopwatch() as frames_time:
            built = frames(ledger_path, data)
        with stopwatch() as figures_time:
            drawn = figures(built)
        run = {
            "frames_s": frames_time["seconds"],
            "figures_s": figures_time["seconds"],
            "total_s": frames_time["seconds"] + figures_time["seconds"],
            "total_cpu_s": frames_time["cpu_seconds"] + figures_time["cpu_seconds"],
        }
        if best is None or run["total_s"] < best["total_s"]:
            best = run
        rows = len(built[0])
        del built, drawn
    assert best is not None
    return {**{key: round(value, 4) for key, value in best.items()}, "rows": rows}


def time_flowwidgets_steps(ledger_path: Path, data: dict[str, Any], repeat: int) -> dict[str, Any]:
    """Time each step of the flowwidgets pipeline on its own; keep the best of ``repeat`` runs.

    Returns, per step, the best wall-clock seconds and the CPU seconds of that run.
    """
    from flowwidgets.analytics import (
        Ledger,
        aggregates_frame,
        executions_frame,
        history_frame,
        reconcile_executions,
        reconcile_intervals,
    )

    steps: dict[str, dict[str, float]] = {}

    def timed(step: str, action: Callable[[], Any]) -> Any:
        result = None
        for _ in range(repeat):
            gc.collect()
            with stopwatch() as elapsed:
                result = action()
            best = steps.get(step)
            if best is None or elapsed["seconds"] < best["seconds"]:
                steps[step] = {
                    "seconds": round(elapsed["seconds"], 4),
                    "cpu_seconds": round(elapsed["cpu_seconds"], 4),
                }
        return result

    with Ledger(ledger_path, create=False) as ledger:
        launches = timed("Ledger.frame", ledger.frame)
    executions = timed("executions_frame", lambda: executions_frame(data["executions"]))
    history = timed("history_frame", lambda: history_frame(data["history"]))
    aggregates = timed("aggregates_frame", lambda: aggregates_frame(data["aggregates"]))
    reconciled = timed(
        "reconcile_executions",
        lambda: reconcile_executions(launches, executions, history, aggregates, data["now"]),
    )
    intervals = timed(
        "reconcile_intervals",
        lambda: reconcile_intervals(reconciled, aggregates=aggregates, now=data["now"]),
    )
    timed("figures", lambda: flowwidgets_figures((reconciled, intervals)))
    return steps


def peak_memory_mib(
    frames: Callable[[Path, dict[str, Any]], tuple[Any, Any]],
    figures: Callable[[tuple[Any, Any]], list[Any]],
    ledger_path: Path,
    data: dict[str, Any],
) -> float:
    """Return the peak of traced allocations during one pipeline run, in MiB."""
    gc.collect()
    tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        figures(frames(ledger_path, data))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return round((peak - before) / 1024 / 1024, 1)


def main(argv: list[str] | None = None) -> int:
    """Generate the data, run both pipelines and print the summary line."""
    parser = build_parser(NAME, __doc__.splitlines()[0])
    parser.add_argument(
        "-n",
        "--executions",
        type=int,
        default=100_000,
        help="launches in the ledger (default: 100000)",
    )
    parser.add_argument(
        "--repeat", type=int, default=3, help="timed runs per pipeline, best kept (default: 3)"
    )
    args = parser.parse_args(argv)
    if args.smoke:
        args.executions, args.repeat = 300, 1

    with tempfile.TemporaryDirectory(prefix="flowwidgets-bench-") as folder:
        ledger_path = Path(folder) / "ledger.sqlite3"
        setup_start = time.perf_counter()
        data = generate(args.executions, ledger_path)
        setup_seconds = time.perf_counter() - setup_start

        # Import both libraries before timing, so neither pipeline pays for imports.
        import plotly.graph_objects  # noqa: F401

        import flowwidgets.analytics  # noqa: F401

        pipelines = {
            "flowwidgets": (flowwidgets_frames, flowwidgets_figures),
            "json_normalize": (baseline_frames, baseline_figures),
        }
        results: dict[str, dict[str, Any]] = {}
        for name, (frames, figures) in pipelines.items():
            results[name] = time_pipeline(frames, figures, ledger_path, data, args.repeat)
        for name, (frames, figures) in pipelines.items():
            results[name]["peak_traced_mib"] = peak_memory_mib(frames, figures, ledger_path, data)
        steps = time_flowwidgets_steps(ledger_path, data, args.repeat)

    ours, baseline = results["flowwidgets"], results["json_normalize"]
    speedup = baseline["total_s"] / ours["total_s"] if ours["total_s"] else None
    frames_speedup = baseline["frames_s"] / ours["frames_s"] if ours["frames_s"] else None
    summary = {
        "settings": {"executions": args.executions, "repeat": args.repeat},
        "data": {
            "executions_json": len(data["executions"]),
            "history_records": len(data["history"]),
            "setup_s": round(setup_seconds, 2),
        },
        "pipelines": results,
        "flowwidgets_steps": steps,
        "speedup_total": round(speedup, 2) if speedup else None,
        "speedup_frames": round(frames_speedup, 2) if frames_speedup else None,
        "targets": [
            target(
                "flowwidgets_total_s",
                f"< {SECONDS_TARGET}",
                ours["total_s"],
                ours["total_s"] < SECONDS_TARGET,
            ),
            target(
                "speedup_vs_json_normalize",
                f">= {SPEEDUP_TARGET}",
                round(speedup, 2) if speedup else None,
                speedup is not None and speedup >= SPEEDUP_TARGET,
            ),
        ],
    }
    emit(NAME, summary, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
