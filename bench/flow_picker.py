"""Time one keystroke in the flow picker's search box over 10,000 flows.

The flows are generated here from a fixed random seed as ``GET /api/v2/flows`` JSON and
turned into :class:`flowwidgets.api.Flow` models. Their names are built from words that
real Architect flow names use, and their types mix workflows with call and message flows.

A keystroke is measured two ways:

- ``filter_flows``: the matching function alone, over all flows and the type filter.
- ``picker``: setting ``FlowPicker.search.value`` as the browser does for each typed
  character, which runs the picker's observer: the same match over the names it
  lower-cased in ``set_flows``, and the update of the list of matches (at most 200). No
  front end is attached, so no message is sent.

Each query is typed one character at a time and then erased one character at a time;
every intermediate value is one keystroke. The whole sequence is replayed ``--repeat``
times and the best time of each keystroke kept, in wall-clock time and, as a check on a
busy machine, in process CPU time. The target is judged on the 95th percentile of the
best wall-clock times.

Run ``python -m bench.flow_picker`` (``--help`` lists the options).
"""

from __future__ import annotations

import random
import sys
import time
import uuid
from typing import Any

from bench._harness import build_parser, describe_durations, emit, target

NAME = "flow_picker"

#: Target for the 95th percentile of a picker keystroke, in milliseconds.
KEYSTROKE_TARGET_MS = 50.0

#: Queries typed into the search box: a common word, several words, a rare name, no match.
QUERIES = ("order", "web form follow", "refund escalation emea 0421", "zzz no such flow")

_WORDS = (
    "web",
    "form",
    "follow-up",
    "order",
    "status",
    "refund",
    "escalation",
    "callback",
    "survey",
    "billing",
    "address",
    "change",
    "emea",
    "apac",
    "na",
    "vip",
    "retention",
    "onboarding",
    "password",
    "reset",
    "appointment",
    "reminder",
    "claims",
    "intake",
)
_TYPES = (
    ("WORKFLOW", 0.5),
    ("INBOUNDCALL", 0.2),
    ("INBOUNDCHAT", 0.1),
    ("INBOUNDSHORTMESSAGE", 0.1),
    ("BOT", 0.05),
    ("COMMONMODULE", 0.05),
)


def generate_flows(count: int, seed: int = 11) -> list[Any]:
    """Return ``count`` Flow models with varied names and types."""
    from flowwidgets.api import Flow

    rng = random.Random(seed)
    types = [kind for kind, _ in _TYPES]
    weights = [weight for _, weight in _TYPES]
    flows = []
    for number in range(count):
        words = rng.sample(_WORDS, rng.randint(2, 4))
        name = " ".join(words).capitalize() + f" {number:04d}"
        flow_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        kind = rng.choices(types, weights)[0]
        data = {
            "id": flow_id,
            "name": name,
            "type": kind,
            "division": {"id": "home", "name": "Home"},
            "publishedVersion": {"id": "1.0", "name": "1.0", "type": "PUBLISH"},
            "selfUri": f"/api/v2/flows/{flow_id}",
        }
        flows.append(Flow.from_json(data))
    return flows


def keystrokes(query: str) -> list[str]:
    """Return the search box values while ``query`` is typed and then erased."""
    typed = [query[:length] for length in range(1, len(query) + 1)]
    erased = [query[:length] for length in range(len(query) - 1, -1, -1)]
    return typed + erased


def time_keystrokes(apply: Any, values: list[str], repeat: int) -> tuple[list[float], list[float]]:
    """Return the best wall-clock and best CPU time of ``apply(value)`` for each value, in seconds.

    The whole sequence is replayed ``repeat`` times instead of repeating one value, because
    setting a widget to the value it already has runs no observer.
    """
    best_wall = [float("inf")] * len(values)
    best_cpu = [float("inf")] * len(values)
    for _ in range(repeat):
        for index, value in enumerate(values):
            start = time.perf_counter()
            cpu_start = time.process_time()
            apply(value)
            best_cpu[index] = min(best_cpu[index], time.process_time() - cpu_start)
            best_wall[index] = min(best_wall[index], time.perf_counter() - start)
    return best_wall, best_cpu


def describe_keystrokes(apply: Any, values: list[str], repeat: int) -> dict[str, Any]:
    """Summarise the keystroke timings of ``apply`` in wall-clock and CPU milliseconds."""
    wall, cpu = time_keystrokes(apply, values, repeat)
    return {**describe_durations(wall), "cpu": describe_durations(cpu)}


def main(argv: list[str] | None = None) -> int:
    """Generate the flows, type the queries and print the summary line."""
    parser = build_parser(NAME, __doc__.splitlines()[0])
    parser.add_argument(
        "-n", "--flows", type=int, default=10_000, help="flows loaded (default: 10000)"
    )
    parser.add_argument(
        "--repeat", type=int, default=10, help="timings per keystroke, best kept (default: 10)"
    )
    args = parser.parse_args(argv)
    if args.smoke:
        args.flows, args.repeat = 200, 1

    from flowwidgets.widgets import FlowPicker
    from flowwidgets.widgets.flows import filter_flows

    flows = generate_flows(args.flows)
    values = [value for query in QUERIES for value in keystrokes(query)]
    picker = FlowPicker()
    picker.set_flows(flows)

    results: dict[str, Any] = {}
    for type_filter in ("workflow", "all types"):
        picker.type_filter.value = type_filter

        def filter_only(text: str, kind: str = type_filter) -> None:
            filter_flows(flows, text, kind)

        def type_into_picker(text: str) -> None:
            picker.search.value = text

        results[type_filter] = {
            "filter_flows": describe_keystrokes(filter_only, values, args.repeat),
            "picker": describe_keystrokes(type_into_picker, values, args.repeat),
        }

    worst_p95 = max(entry["picker"]["p95_ms"] for entry in results.values())
    summary = {
        "settings": {"flows": args.flows, "repeat": args.repeat, "queries": list(QUERIES)},
        "keystrokes": len(values),
        "per_type_filter": results,
        "targets": [
            target(
                "picker_keystroke_p95_ms",
                f"< {KEYSTROKE_TARGET_MS}",
                worst_p95,
                worst_p95 < KEYSTROKE_TARGET_MS,
            )
        ],
    }
    emit(NAME, summary, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
