"""Run each benchmark at its smoke size and check the summary it prints and writes.

These tests check the benchmarks still work against the current layers. They never
judge the numbers: the speed targets are checked by running the benchmarks at full size.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
SUMMARY_PREFIX = "BENCH "


def run_benchmark(name: str, results_dir: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """Run ``python -m bench.<name> --smoke`` and return the printed and the written summary."""
    completed = subprocess.run(
        [sys.executable, "-m", f"bench.{name}", "--smoke", "--results-dir", str(results_dir)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=240,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    summary_lines = [
        line for line in completed.stdout.splitlines() if line.startswith(SUMMARY_PREFIX)
    ]
    assert len(summary_lines) == 1, completed.stdout[-3000:]
    printed = json.loads(summary_lines[0].removeprefix(SUMMARY_PREFIX))
    written = json.loads((results_dir / f"{name}.json").read_text(encoding="utf-8"))
    return printed, written


def check_common_fields(name: str, printed: dict[str, Any], written: dict[str, Any]) -> None:
    """Assert the fields every benchmark summary carries."""
    assert printed == written
    assert printed["benchmark"] == name
    assert printed["smoke"] is True
    assert printed["command"].startswith(f"python -m bench.{name}")
    assert printed["machine"]["nproc"] >= 1
    assert printed["machine"]["python"] == ".".join(map(str, sys.version_info[:3]))
    assert isinstance(printed["machine"]["cpu_model"], str)
    assert printed["targets"]
    for entry in printed["targets"]:
        assert set(entry) == {"name", "target", "measured", "met"}
        assert isinstance(entry["met"], bool)
    assert printed["targets_met"] == all(entry["met"] for entry in printed["targets"])


def test_import_time_smoke_summary(tmp_path: Path) -> None:
    printed, written = run_benchmark("import_time", tmp_path)

    check_common_fields("import_time", printed, written)
    assert printed["import"]["median_s"] > 0
    assert isinstance(printed["import"]["heavy_modules_loaded"], list)
    assert "error" not in printed["troubleshooter"], printed["troubleshooter"]
    assert printed["troubleshooter"]["build_s"] > 0
    assert printed["troubleshooter"]["first_render_s"] >= printed["troubleshooter"]["build_s"]
    assert printed["import_connect"]["statement"] == "from flowwidgets import connect"
    assert printed["troubleshooter"]["widgets_in_tree"] > 1


def test_flow_picker_smoke_summary(tmp_path: Path) -> None:
    printed, written = run_benchmark("flow_picker", tmp_path)

    check_common_fields("flow_picker", printed, written)
    assert set(printed["per_type_filter"]) == {"workflow", "all types"}
    for timings in printed["per_type_filter"].values():
        assert timings["picker"]["count"] == printed["keystrokes"]
        assert timings["filter_flows"]["count"] == printed["keystrokes"]
        assert timings["picker"]["max_ms"] >= timings["picker"]["median_ms"] > 0
        assert timings["picker"]["cpu"]["count"] == printed["keystrokes"]


def test_reconcile_smoke_summary(tmp_path: Path) -> None:
    printed, written = run_benchmark("reconcile", tmp_path)

    check_common_fields("reconcile", printed, written)
    executions = printed["settings"]["executions"]
    for pipeline in ("flowwidgets", "json_normalize"):
        result = printed["pipelines"][pipeline]
        assert result["rows"] == executions
        assert result["total_s"] == pytest.approx(
            result["frames_s"] + result["figures_s"], abs=1e-3
        )
        assert result["peak_traced_mib"] > 0
    assert printed["speedup_total"] > 0
    assert set(printed["flowwidgets_steps"]) == {
        "Ledger.frame",
        "executions_frame",
        "history_frame",
        "aggregates_frame",
        "reconcile_executions",
        "reconcile_intervals",
        "figures",
    }


@pytest.mark.sdk
def test_launch_watch_smoke_summary(tmp_path: Path) -> None:
    printed, written = run_benchmark("launch_watch", tmp_path)

    check_common_fields("launch_watch", printed, written)
    contenders = printed["contenders"]
    assert set(contenders) == {"flowwidgets", "plain_httpx", "sdk"}
    assert contenders["flowwidgets"]["executions"] == printed["settings"]["executions"]
    for name, result in contenders.items():
        assert result["lost"] == 0, name
        assert result["watched"] == result["executions"], name
        assert result["launches"] == result["executions"], name
        assert result["calls_per_execution"] >= 2, name
        assert result["executions_per_second"] > 0, name
        assert result["sandbox_log"]["launches"] == result["launches"], name
        assert result["sandbox_log"]["rate_limited_429"] == result["rate_limited_429"], name
    assert set(printed["ratios"]) == {"flowwidgets_vs_plain_httpx", "flowwidgets_vs_sdk"}
