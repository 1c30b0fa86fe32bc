"""Shared plumbing for the benchmarks: arguments, machine description, timing and the summary.

Every benchmark prints exactly one machine-readable line, ``BENCH {json}``, and writes the
same summary to ``<results dir>/<name>.json``. The summary always carries ``benchmark``,
``date`` (UTC, ISO 8601), ``command``, ``machine`` and ``smoke``. Each benchmark adds its own
measurements and a ``targets`` list of ``{"name", "target", "measured", "met"}`` entries.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import shlex
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

#: Default folder for result files; the smoke test points ``--results-dir`` elsewhere.
RESULTS_DIR = Path(__file__).resolve().parent / "results"

#: Prefix of the one summary line each benchmark prints.
SUMMARY_PREFIX = "BENCH "


def build_parser(name: str, description: str) -> argparse.ArgumentParser:
    """Build an argument parser with the options every benchmark accepts."""
    parser = argparse.ArgumentParser(prog=f"python -m bench.{name}", description=description)
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="run a tiny size that only checks the benchmark works; its numbers mean nothing",
    )
    parser.add_argument(
        "--results-dir",
        type=Path,
        default=RESULTS_DIR,
        help=f"folder for the result file <name>.json (default: {RESULTS_DIR})",
    )
    # Other processes on the machine slow a benchmark down, so the load is recorded with it.
    parser.set_defaults(load_average_at_start=_load_average())
    return parser


def machine_info() -> dict[str, Any]:
    """Describe the machine a benchmark ran on: CPUs, CPU model, memory, Python and OS."""
    return {
        "nproc": _usable_cpu_count(),
        "cpu_model": _cpu_model(),
        "memory_gib": _memory_gib(),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
    }


def source_revision() -> dict[str, Any]:
    """Return the git commit the benchmark ran on and whether ``flowwidgets/`` had local changes."""
    root = Path(__file__).resolve().parent.parent

    def git(*arguments: str) -> str | None:
        try:
            completed = subprocess.run(
                ["git", *arguments], cwd=root, capture_output=True, text=True, timeout=10
            )
        except (OSError, subprocess.TimeoutExpired):
            return None
        return completed.stdout.strip() if completed.returncode == 0 else None

    status = git("status", "--porcelain", "--", "flowwidgets")
    return {
        "commit": git("rev-parse", "--short=12", "HEAD"),
        "package_has_uncommitted_changes": bool(status) if status is not None else None,
    }


def _load_average() -> float | None:
    # The 1-minute load average: runnable processes averaged over the last minute.
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return None


def _usable_cpu_count() -> int:
    # The same number `nproc` prints: CPUs this process may run on, not CPUs installed.
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _cpu_model() -> str:
    try:
        output = subprocess.run(
            ["lscpu"], capture_output=True, text=True, check=False, timeout=10
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        output = ""
    for line in output.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "Model name":
            return value.strip()
    return platform.processor() or "unknown"


def _memory_gib() -> float | None:
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemTotal:"):
                    kib = int(line.split()[1])
                    return round(kib / 1024 / 1024, 1)
    except OSError:
        return None
    return None


def percentile(values: Sequence[float], fraction: float) -> float:
    """Return the value below which ``fraction`` (0 to 1) of ``values`` fall, by nearest rank."""
    if not values:
        raise ValueError("percentile of an empty sequence is undefined")
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def describe_durations(seconds: Sequence[float]) -> dict[str, float]:
    """Summarise durations in milliseconds: count, min, median, p95 and max."""
    milliseconds = [value * 1000.0 for value in seconds]
    return {
        "count": len(milliseconds),
        "min_ms": round(min(milliseconds), 3),
        "median_ms": round(statistics.median(milliseconds), 3),
        "p95_ms": round(percentile(milliseconds, 0.95), 3),
        "max_ms": round(max(milliseconds), 3),
    }


@contextmanager
def stopwatch() -> Iterator[dict[str, float]]:
    """Time the ``with`` block in wall-clock and in this process's CPU seconds.

    Once the block ends, the yielded mapping contains ``seconds`` (wall clock) and
    ``cpu_seconds``. CPU time is less disturbed by other processes on a busy machine.
    """
    elapsed: dict[str, float] = {}
    start = time.perf_counter()
    cpu_start = time.process_time()
    try:
        yield elapsed
    finally:
        elapsed["seconds"] = time.perf_counter() - start
        elapsed["cpu_seconds"] = time.process_time() - cpu_start


def target(name: str, expected: str, measured: Any, met: bool) -> dict[str, Any]:
    """Build one entry of a summary's ``targets`` list."""
    return {"name": name, "target": expected, "measured": measured, "met": bool(met)}


def emit(name: str, summary: dict[str, Any], args: argparse.Namespace) -> Path:
    """Print the ``BENCH`` line and write the summary to ``<results dir>/<name>.json``.

    The summary is completed with the benchmark name, date, command line, machine, source
    revision, load average and the smoke flag before it is written. Returns the path of the
    result file.
    """
    record: dict[str, Any] = {
        "benchmark": name,
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "command": " ".join(["python -m bench." + name, shlex.join(sys.argv[1:])]).strip(),
        "smoke": bool(args.smoke),
        "machine": machine_info(),
        "revision": source_revision(),
        "load_average_1m": {
            "at_start": getattr(args, "load_average_at_start", None),
            "at_end": _load_average(),
        },
    }
    record.update(summary)
    if "targets" in record:
        record["targets_met"] = all(entry["met"] for entry in record["targets"])

    results_dir: Path = args.results_dir
    results_dir.mkdir(parents=True, exist_ok=True)
    path = results_dir / f"{name}.json"
    temporary = path.with_suffix(".json.tmp")
    temporary.write_text(json.dumps(record, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    temporary.replace(path)

    print(SUMMARY_PREFIX + json.dumps(record, sort_keys=True), flush=True)
    return path
