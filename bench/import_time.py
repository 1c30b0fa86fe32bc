"""Measure ``import flowwidgets`` in a fresh interpreter and the first Troubleshooter render.

Each sample runs in a new ``python`` process, so no module is cached in ``sys.modules``.
The import is timed inside the child with ``time.perf_counter`` around the import
statement alone, which leaves out interpreter start-up. The first sample may include
writing bytecode caches, so the target is judged on the median of the samples after it.

For comparison, ``from flowwidgets import connect``, ``import flowwidgets.sandbox`` and
``import jsonschema`` (which the sandbox imports when it validates its first scenario)
are timed the same way. They have no target. The Troubleshooter sample also runs in a
fresh process: it times importing ``flowwidgets.widgets``, connecting to the in-process
sandbox ``seed`` and building the widget tree, each step on its own.

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
start, cpu_start = time.perf_counter(), time.process_time()
{statement}
seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu_start
heavy = {heavy!r}
loaded = [m for m in heavy if m in sys.modules]
print(json.dumps({{"seconds": seconds, "cpu_seconds": cpu_seconds, "loaded": loaded}}))
"""

_TROUBLESHOOTER_CHILD = """
import json, sys, time
steps = {{}}

def timed(name, action):
    start, cpu_start = time.perf_counter(), time.process_time()
    result = action()
    steps[name + "_s"] = time.perf_counter() - start
    steps[name + "_cpu_s"] = time.process_time() - cpu_start
    return result

def import_widgets():
    import flowwidgets.widgets
    from flowwidgets.connect import connect
    return flowwidgets.widgets, connect

widgets, connect = timed("import_widgets", import_widgets)
client = timed("connect", lambda: connect(sandbox="seed"))
widget = timed("build", lambda: widgets.Troubleshooter(client))

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
for unit in ("_s", "_cpu_s"):
    parts = [steps[step + unit] for step in ("import_widgets", "connect", "build")]
    steps["first_render" + unit] = sum(parts)
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


def measure_import(samples: int, statement: str = "import flowwidgets") -> dict[str, Any]:
    """Time the import ``statement`` in ``samples`` fresh interpreters."""
    code = _IMPORT_CHILD.format(statement=statement, heavy=HEAVY_MODULES)
    runs = [_run_child(code) for _ in range(samples)]
    seconds = [run["seconds"] for run in runs]
    warm = seconds[1:] or seconds
    warm_cpu = [run["cpu_seconds"] for run in runs][1:] or [runs[0]["cpu_seconds"]]
    loaded = sorted({module for run in runs for module in run["loaded"]})
    return {
        "statement": statement,
        "samples": samples,
        "first_s": round(seconds[0], 4),
        "median_s": round(statistics.median(warm), 4),
        "max_s": round(max(warm), 4),
        "median_cpu_s": round(statistics.median(warm_cpu), 4),
        "heavy_modules_loaded": loaded,
    }


def measure_troubleshooter(samples: int) -> dict[str, Any]:
    """Time the first Troubleshooter render in ``samples`` fresh interpreters; keep the median."""
    try:
        runs = [_run_child(_TROUBLESHOOTER_CHILD.format()) for _ in range(samples)]
    except RuntimeError as error:
        return {"error": str(error)}
    summary: dict[str, Any] = {"samples": samples}
    for step in ("import_widgets", "connect", "build", "first_render"):
        for key in (f"{step}_s", f"{step}_cpu_s"):
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
    # Not a target: what a notebook's first line usually costs, for comparison.
    connect_import = measure_import(samples, "from flowwidgets import connect")
    sandbox_import = measure_import(samples, "import flowwidgets.sandbox")
    jsonschema_import = measure_import(samples, "import jsonschema")
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
    summary = {
        "import": imported,
        "import_connect": connect_import,
        "import_sandbox": sandbox_import,
        "import_jsonschema": jsonschema_import,
        "troubleshooter": troubleshooter,
        "targets": targets,
    }
    emit(NAME, summary, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
