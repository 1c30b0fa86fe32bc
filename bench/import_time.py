"""Measure ``import flowwidgets`` in a fresh interpreter and the first Troubleshooter render.

Each sample runs in a new ``python`` process, so no module is cached in ``sys.modules``.
The import is timed inside the child with ``time.perf_counter`` around the import
statement alone, which leaves out interpreter start-up. The first sample may include
writing bytecode caches, so the target is judged on the median of the samples after it.

The Troubleshooter sample also runs in a fresh process: it times importing
``flowwidgets.widgets``, connecting to the in-process sandbox ``seed`` and building the
widget tree, each step on its own.

Run ``python -m bench.import_time`` (``--help`` lists the options).
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
from typing import Any

from bench._harness import build_parser, emit, target

NAME = "import_time"

#: Target for the median ``import flowwidgets`` time, in seconds.
IMPORT_TARGET_SECONDS = 0.3

#: Modules that ``import flowwidgets`` must not pull in.
HEAVY_MODULES = ("pandas", "plotly", "ipywidgets", "numpy", "starlette", "httpx")

#: Of HEAVY_MODULES, those whose presence breaks the import rule; the rest are only reported.
FORBIDDEN_MODULES = ("pandas", "plotly", "ipywidgets")

_IMPORT_CHILD = """
import json, sys, time
start = time.perf_counter()
import flowwidgets
seconds = time.perf_counter() - start
heavy = {heavy!r}
print(json.dumps({{"seconds": seconds, "loaded": [m for m in heavy if m in sys.modules]}}))
"""

_TROUBLESHOOTER_CHILD = """
import asyncio, json, sys, time
steps = {{}}
start = time.perf_counter()
import flowwidgets.widgets
from flowwidgets.connect import connect
steps["import_widgets_s"] = time.perf_counter() - start

start = time.perf_counter()
client = connect(sandbox="seed")
steps["connect_s"] = time.perf_counter() - start

start = time.perf_counter()
widget = flowwidgets.widgets.Troubleshooter(client)
steps["build_s"] = time.perf_counter() - start

# Count the widget tree so the result shows what was built.
def count(node, seen):
    if id(node) in seen:
        return 0
    seen.add(id(node))
    total = 1
    for child in getattr(node, "children", ()) or ():
        total += count(child, seen)
    return total

steps["widgets_in_tree"] = count(widget, set())
steps["first_render_s"] = steps["import_widgets_s"] + steps["connect_s"] + steps["build_s"]
print(json.dumps(steps))
"""


def _run_child(code: str) -> dict[str, Any]:
    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=300
    )
    if completed.returncode != 0:
        last_line = (completed.stderr.strip().splitlines() or ["no error output"])[-1]
        raise RuntimeError(f"child interpreter failed: {last_line}")
    result: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
    return result


def measure_import(samples: int) -> dict[str, Any]:
    """Time ``import flowwidgets`` in ``samples`` fresh interpreters."""
    code = _IMPORT_CHILD.format(heavy=HEAVY_MODULES)
    runs = [_run_child(code) for _ in range(samples)]
    seconds = [run["seconds"] for run in runs]
    warm = seconds[1:] or seconds
    loaded = sorted({module for run in runs for module in run["loaded"]})
    return {
        "samples": samples,
        "first_s": round(seconds[0], 4),
        "median_s": round(statistics.median(warm), 4),
        "max_s": round(max(warm), 4),
        "heavy_modules_loaded": loaded,
    }


def measure_troubleshooter(samples: int) -> dict[str, Any]:
    """Time the first Troubleshooter render in ``samples`` fresh interpreters; keep the median."""
    try:
        runs = [_run_child(_TROUBLESHOOTER_CHILD.format()) for _ in range(samples)]
    except RuntimeError as error:
        return {"error": str(error)}
    summary: dict[str, Any] = {"samples": samples}
    for key in ("import_widgets_s", "connect_s", "build_s", "first_render_s"):
        summary[key] = round(statistics.median(run[key] for run in runs), 4)
    summary["widgets_in_tree"] = runs[-1]["widgets_in_tree"]
    return summary


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its summary line."""
    parser = build_parser(NAME, __doc__.splitlines()[0])
    parser.add_argument(
        "--samples", type=int, default=11, help="fresh interpreters per measurement (default: 11)"
    )
    args = parser.parse_args(argv)
    samples = 2 if args.smoke else max(2, args.samples)

    imported = measure_import(samples)
    troubleshooter = measure_troubleshooter(1 if args.smoke else max(1, samples // 2))

    loaded = imported["heavy_modules_loaded"]
    forbidden = [module for module in loaded if module in FORBIDDEN_MODULES]
    targets = [
        target(
            "import_flowwidgets_median_s",
            f"< {IMPORT_TARGET_SECONDS}",
            imported["median_s"],
            imported["median_s"] < IMPORT_TARGET_SECONDS,
        ),
        target(
            "no_pandas_plotly_ipywidgets_after_import",
            "none of " + ", ".join(FORBIDDEN_MODULES),
            forbidden,
            not forbidden,
        ),
    ]
    emit(NAME, {"import": imported, "troubleshooter": troubleshooter, "targets": targets}, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
