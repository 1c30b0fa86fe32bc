"""Launch a batch of workflow executions and watch each to its end, against the served sandbox.

Three contenders run the same job, each against its own fresh sandbox served on loopback
(``serve_in_thread``), so no rate-limit window carries over between them:

- ``flowwidgets``: :class:`flowwidgets.api.GenesysClient`, launches and status checks
  running concurrently, paced to the client's rate limit. Each execution gets its first
  status check when it is expected to have ended, from the durations seen so far. The
  pacing and the timing of checks are done by this benchmark around the client, because
  the client has no pacing of its own: it waits only after a 429 or before retrying.
- ``plain_httpx``: a sequential loop over ``httpx.Client`` that launches every execution
  one after another, then checks each in turn until it has ended.
- ``sdk``: the same sequential loop written with the official ``PureCloudPlatformClientV2``.

The sandbox scenario is built here: one workflow whose executions run for a few seconds
on a real-speed clock, a latency fault on every ``/api/v2`` path, and one OAuth client
with a sliding one-minute rate limit. By default the limit is sized so that the
flowwidgets run of N executions, at the minimum calls per execution, takes about a minute.

An execution is watched once a status check returned a terminal status. The minimum number
of calls that can observe an execution's end is 2: one launch and one status check after
its end.

Run ``python -m bench.launch_watch`` (``--help`` lists the options).
"""

from __future__ import annotations

import asyncio
import math
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import httpx

from bench._harness import build_parser, emit, target

NAME = "launch_watch"

FLOW_ID = "7d5e2c1a-3b4f-4a6e-9c8d-0f1e2d3c4b5a"
CLIENT_ID = "bench-launch-watch"
CLIENT_SECRET = "bench-launch-watch-secret"
LAUNCH_PATH = "/api/v2/flows/executions"
TERMINAL_STATUSES = frozenset({"COMPLETED", "ERROR", "TERMINATED", "FAILED"})

#: Minimum number of API calls that can observe an execution's end: its launch and one check.
MIN_CALLS_PER_EXECUTION = 2

#: Targets: share of the rate limit used, and calls per execution relative to the minimum.
RATE_SHARE_TARGET = 0.90
CALLS_FACTOR_TARGET = 1.5

#: Default wait between two status checks of one execution in the sequential loops, in seconds.
SEQUENTIAL_POLL_SECONDS = 1.0


def build_scenario(
    rate_limit_per_minute: int, latency_seconds: float, duration_seconds: float
) -> dict[str, Any]:
    """Build the sandbox scenario the benchmark launches against."""
    return {
        "name": "bench-launch-watch",
        "description": "Short workflow executions, added latency and a rate-limited client.",
        "region": "mypurecloud.com",
        "clients": [
            {
                "client_id": CLIENT_ID,
                "secret": CLIENT_SECRET,
                "name": "Benchmark client",
                "rate_limit_per_minute": rate_limit_per_minute,
            }
        ],
        "flows": [
            {
                "id": FLOW_ID,
                "name": "Benchmark follow-up",
                "type": "WORKFLOW",
                "versions": [
                    {
                        "id": "1.0",
                        "inputs": {
                            "Flow.email": {"type": "string", "fails_when_null": True},
                            "Flow.source": {"type": "string"},
                        },
                    }
                ],
                "published_version": "1.0",
                "run": {"duration_seconds": duration_seconds},
            }
        ],
        "clock": {"speed": 1.0},
        "faults": [{"kind": "latency", "path": "/api/v2/*", "seconds": latency_seconds}],
    }


def input_data(number: int) -> dict[str, str]:
    """Return the inputs of execution ``number``."""
    return {"Flow.email": f"person{number}@example.com", "Flow.source": "benchmark"}


@dataclass
class ContenderResult:
    """Measurements of one contender: elapsed time, API calls spent and execution outcomes."""

    contender: str
    executions: int
    seconds: float = 0.0
    launches: int = 0
    status_checks: int = 0
    rate_limited: int = 0
    waits_honoured: int = 0
    lost: int = 0
    statuses: Counter[str] = field(default_factory=Counter)

    def summary(self, rate_limit_per_minute: int) -> dict[str, Any]:
        """Return the contender's measurements as plain JSON values."""
        accepted = self.launches + self.status_checks
        per_minute = accepted / self.seconds * 60.0 if self.seconds else 0.0
        watched = sum(self.statuses.values())
        return {
            "executions": self.executions,
            "watched": watched,
            "lost": self.lost,
            "seconds": round(self.seconds, 3),
            "executions_per_second": round(watched / self.seconds, 3) if self.seconds else 0.0,
            "launches": self.launches,
            "status_checks": self.status_checks,
            "api_calls_accepted": accepted,
            "calls_per_execution": round(accepted / watched, 3) if watched else None,
            "rate_limited_429": self.rate_limited,
            "waits_honoured": self.waits_honoured,
            "accepted_per_minute": round(per_minute, 1),
            "share_of_rate_limit": round(per_minute / rate_limit_per_minute, 3),
            "statuses": dict(sorted(self.statuses.items())),
        }


@contextmanager
def served_sandbox(scenario: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    """Serve a fresh sandbox for ``scenario`` on loopback; yield its base URL and the sandbox."""
    from flowwidgets.sandbox import Sandbox
    from flowwidgets.sandbox.serve import serve_in_thread

    sandbox = Sandbox.from_scenario(scenario)
    with serve_in_thread(sandbox, port=0) as served:
        yield str(served.url).rstrip("/"), sandbox


def count_logged_requests(request_log: list[dict[str, Any]]) -> dict[str, int]:
    """Count the API requests the sandbox received, by kind and by response status."""
    counts: Counter[str] = Counter()
    for entry in request_log:
        path = entry.get("path", "")
        if not path.startswith("/api/"):
            continue
        counts["api_requests"] += 1
        if entry.get("status") == 429:
            counts["rate_limited_429"] += 1
        elif entry.get("method") == "POST" and path == LAUNCH_PATH:
            counts["launches"] += 1
        elif entry.get("method") == "GET" and path.startswith(LAUNCH_PATH + "/"):
            counts["status_checks"] += 1
    return {
        key: counts[key]
        for key in ("api_requests", "launches", "status_checks", "rate_limited_429")
    }


# --- flowwidgets: concurrent, paced to the rate limit -------------------------------------------


class Pacer:
    """Space requests evenly so that no more than ``per_minute`` start in any minute."""

    def __init__(self, per_minute: float) -> None:
        self._interval = 60.0 / per_minute
        self._next = time.monotonic()
        self._lock = asyncio.Lock()

    async def wait_turn(self) -> None:
        """Wait until the next request may start."""
        async with self._lock:
            now = time.monotonic()
            start = max(now, self._next)
            self._next = start + self._interval
        delay = start - now
        if delay > 0:
            await asyncio.sleep(delay)


class CountingTransport(httpx.AsyncBaseTransport):
    """Forward requests to another transport and count launches, status checks and 429s."""

    def __init__(
        self, inner: httpx.AsyncBaseTransport, pacer: Pacer | None, result: ContenderResult
    ) -> None:
        self._inner = inner
        self._pacer = pacer
        self._result = result

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send ``request`` once its turn under the rate limit has come, and count the response."""
        is_api_call = request.url.path.startswith("/api/")
        if is_api_call and self._pacer is not None:
            await self._pacer.wait_turn()
        response = await self._inner.handle_async_request(request)
        if not is_api_call:
            return response

        if response.status_code == 429:
            self._result.rate_limited += 1
        elif request.method == "POST" and request.url.path == LAUNCH_PATH:
            self._result.launches += 1
        elif request.method == "GET" and request.url.path.startswith(LAUNCH_PATH + "/"):
            self._result.status_checks += 1
        return response

    async def aclose(self) -> None:
        """Close the wrapped transport."""
        await self._inner.aclose()


class DurationEstimate:
    """Maximum execution duration observed so far; it sets when each execution is checked."""

    def __init__(self) -> None:
        self.seconds: float | None = None
        self.known = asyncio.Event()

    def observe(self, seconds: float) -> None:
        """Record the duration of an execution that ended."""
        if self.seconds is None or seconds > self.seconds:
            self.seconds = seconds
        self.known.set()


async def run_flowwidgets(
    base_url: str, count: int, rate_limit_per_minute: int, concurrency: int, pace: bool = True
) -> ContenderResult:
    """Launch ``count`` executions concurrently with GenesysClient and watch each to its end.

    With ``pace=False`` requests are not spaced out, and only the client's handling of 429
    responses (waiting for their Retry-After) keeps the run within the rate limit.
    """
    from flowwidgets.api import ClientCredentials, GenesysClient, RetryWait

    result = ContenderResult("flowwidgets", count)
    # Pace slightly under the limit: the sandbox counts a request when it arrives, a little
    # after the pacer released it, so two requests released 60 s apart may arrive closer.
    pacer = Pacer(rate_limit_per_minute * 0.99) if pace else None
    transport = CountingTransport(httpx.AsyncHTTPTransport(), pacer, result)
    estimate = DurationEstimate()
    semaphore = asyncio.Semaphore(concurrency)

    def on_wait(wait: RetryWait) -> None:
        if getattr(wait, "status", None) == 429:
            result.waits_honoured += 1

    start = time.perf_counter()
    client = GenesysClient(
        api_host=base_url,
        auth=ClientCredentials(CLIENT_ID, CLIENT_SECRET),
        transport=transport,
        on_wait=on_wait,
    )

    async def launch_and_watch(number: int, is_probe: bool) -> None:
        async with semaphore:
            launched = await client.launch_flow(
                FLOW_ID, input_data=input_data(number), name=f"bench-{number:06d}"
            )
        status = await watch(launched.id, time.monotonic(), is_probe)
        if status is None:
            result.lost += 1
        else:
            result.statuses[status] += 1

    async def watch(execution_id: str, launched_at: float, is_probe: bool) -> str | None:
        # One probe execution is checked every half second to learn how long executions run.
        # The others wait for that estimate and are checked once, just after their expected end.
        if not is_probe:
            await estimate.known.wait()
        delay = 0.5 if is_probe else launched_at + _first_check_after(estimate) - time.monotonic()
        for _ in range(1000):
            if delay > 0:
                await asyncio.sleep(delay)
            async with semaphore:
                execution = await client.get_execution(execution_id)
            if execution.is_terminal:
                _observe_duration(execution, estimate)
                return str(getattr(execution.status, "value", execution.status))
            delay = 0.5 if is_probe else max(0.25, 0.2 * (estimate.seconds or 1.0))
        return None

    async with client:
        tasks = [launch_and_watch(number, is_probe=number == 0) for number in range(count)]
        await asyncio.gather(*tasks)
    result.seconds = time.perf_counter() - start
    return result


def _first_check_after(estimate: DurationEstimate) -> float:
    # Margin after the expected end: the sandbox records the end on its own clock.
    return (estimate.seconds or 0.0) + 0.15


def _observe_duration(execution: Any, estimate: DurationEstimate) -> None:
    if execution.date_launched is not None and execution.date_completed is not None:
        estimate.observe((execution.date_completed - execution.date_launched).total_seconds())
    else:
        estimate.observe(estimate.seconds or 1.0)


# --- sequential loops --------------------------------------------------------------------------


def run_plain_httpx(base_url: str, count: int, poll_seconds: float) -> ContenderResult:
    """Launch ``count`` executions one after another with httpx, then check each until it ended."""
    result = ContenderResult("plain_httpx", count)
    start = time.perf_counter()
    with httpx.Client(base_url=base_url, timeout=60.0) as http:
        token_response = http.post(
            "/oauth/token",
            data={"grant_type": "client_credentials"},
            auth=(CLIENT_ID, CLIENT_SECRET),
        )
        token_response.raise_for_status()
        headers = {"Authorization": "Bearer " + token_response.json()["access_token"]}

        def send(method: str, path: str, **options: Any) -> httpx.Response:
            return _send_honouring_retry_after(
                http, result, method, path, headers=headers, **options
            )

        execution_ids = []
        for number in range(count):
            body = {
                "flowId": FLOW_ID,
                "inputData": input_data(number),
                "name": f"bench-{number:06d}",
            }
            response = send("POST", LAUNCH_PATH, json=body)
            result.launches += 1
            execution_ids.append(response.json()["id"])

        def read_status(execution_id: str) -> str:
            status: str = send("GET", f"{LAUNCH_PATH}/{execution_id}").json()["status"]
            return status

        for execution_id in execution_ids:
            status = _poll_until_ended(partial(read_status, execution_id), result, poll_seconds)
            result.statuses[status] += 1
    result.seconds = time.perf_counter() - start
    return result


def _send_honouring_retry_after(
    http: httpx.Client, result: ContenderResult, method: str, path: str, **options: Any
) -> httpx.Response:
    while True:
        response = http.request(method, path, **options)
        if response.status_code != 429:
            response.raise_for_status()
            return response
        result.rate_limited += 1
        result.waits_honoured += 1
        time.sleep(float(response.headers.get("Retry-After", "1")))


def _poll_until_ended(
    read_status: Callable[[], str], result: ContenderResult, poll_seconds: float
) -> str:
    while True:
        status = read_status()
        result.status_checks += 1
        if status in TERMINAL_STATUSES:
            return status
        time.sleep(poll_seconds)


def run_sdk(base_url: str, count: int, poll_seconds: float) -> ContenderResult:
    """Run the sequential loop of :func:`run_plain_httpx` with the official Python SDK.

    The SDK's urllib3 pool retries a 429 after its Retry-After on its own, so this loop
    never receives one. The caller counts 429s from the sandbox's request log instead.
    """
    from PureCloudPlatformClientV2 import ArchitectApi, FlowExecutionLaunchRequest
    from PureCloudPlatformClientV2.api_client import ApiClient

    result = ContenderResult("sdk", count)
    start = time.perf_counter()
    api_client = ApiClient(host=base_url)
    api_client.get_client_credentials_token(CLIENT_ID, CLIENT_SECRET)
    architect = ArchitectApi(api_client)

    execution_ids = []
    for number in range(count):
        request = FlowExecutionLaunchRequest()
        request.flow_id = FLOW_ID
        request.input_data = input_data(number)
        request.name = f"bench-{number:06d}"
        launched = architect.post_flows_executions(request)
        result.launches += 1
        execution_ids.append(launched.id)

    def read_status(execution_id: str) -> str:
        return str(architect.get_flows_execution(execution_id).status)

    for execution_id in execution_ids:
        status = _poll_until_ended(partial(read_status, execution_id), result, poll_seconds)
        result.statuses[status] += 1
    result.seconds = time.perf_counter() - start
    return result


# --- main --------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    """Run the three contenders and print the summary line."""
    parser = build_parser(NAME, __doc__.splitlines()[0])
    parser.add_argument(
        "-n",
        "--executions",
        type=int,
        default=1000,
        help="executions launched by the flowwidgets contender (default: 1000)",
    )
    parser.add_argument(
        "--sequential-executions",
        type=int,
        default=200,
        help="executions launched by each sequential loop (default: 200)",
    )
    parser.add_argument(
        "--latency",
        type=float,
        default=0.080,
        help="round-trip latency the sandbox adds to every API call, in seconds (default: 0.080)",
    )
    parser.add_argument(
        "--duration",
        type=float,
        default=3.0,
        help="how long each execution runs, in seconds of the real-speed clock (default: 3.0)",
    )
    parser.add_argument(
        "--rate-limit",
        type=int,
        default=None,
        help="requests per minute allowed for the OAuth client "
        "(default: sized so the flowwidgets run takes about a minute)",
    )
    parser.add_argument(
        "--concurrency",
        type=int,
        default=64,
        help="requests the flowwidgets contender keeps in flight at most (default: 64)",
    )
    parser.add_argument(
        "--poll-interval",
        type=float,
        default=SEQUENTIAL_POLL_SECONDS,
        help="wait between status checks of a running execution in the sequential loops, "
        f"in seconds (default: {SEQUENTIAL_POLL_SECONDS})",
    )
    parser.add_argument(
        "--no-pace",
        action="store_true",
        help="send the flowwidgets contender's requests unpaced and rely on 429 retries alone",
    )
    parser.add_argument("--skip-sdk", action="store_true", help="leave out the SDK loop")
    args = parser.parse_args(argv)

    if args.smoke:
        args.executions, args.sequential_executions = 8, 3
        args.latency, args.duration, args.poll_interval = 0.005, 0.3, 0.1
        args.rate_limit = args.rate_limit or 6000
    rate_limit = args.rate_limit or math.ceil(MIN_CALLS_PER_EXECUTION * args.executions)

    scenario = build_scenario(rate_limit, args.latency, args.duration)
    contenders: dict[str, dict[str, Any]] = {}

    def run(name: str, contender: Callable[[str], ContenderResult]) -> None:
        with served_sandbox(scenario) as (base_url, sandbox):
            outcome = contender(base_url)
            logged = count_logged_requests(sandbox.request_log)
        if name == "sdk":
            # The SDK retries a 429 inside urllib3, so only the sandbox saw them.
            outcome.rate_limited = outcome.waits_honoured = logged["rate_limited_429"]
        contenders[name] = {**outcome.summary(rate_limit), "sandbox_log": logged}

    run(
        "flowwidgets",
        lambda url: asyncio.run(
            run_flowwidgets(
                url, args.executions, rate_limit, args.concurrency, pace=not args.no_pace
            )
        ),
    )
    run(
        "plain_httpx",
        lambda url: run_plain_httpx(url, args.sequential_executions, args.poll_interval),
    )
    if not args.skip_sdk:
        run("sdk", lambda url: run_sdk(url, args.sequential_executions, args.poll_interval))

    summary = _summarise(args, rate_limit, contenders)
    emit(NAME, summary, args)
    return 0


def _summarise(args: Any, rate_limit: int, contenders: dict[str, dict[str, Any]]) -> dict[str, Any]:
    ours = contenders["flowwidgets"]
    ratios = {
        f"flowwidgets_vs_{name}": round(
            ours["executions_per_second"] / other["executions_per_second"], 2
        )
        for name, other in contenders.items()
        if name != "flowwidgets" and other["executions_per_second"]
    }
    calls_limit = CALLS_FACTOR_TARGET * MIN_CALLS_PER_EXECUTION
    targets = [
        target(
            "share_of_rate_limit_used",
            f">= {RATE_SHARE_TARGET} with 0 lost",
            {"share": ours["share_of_rate_limit"], "lost": ours["lost"]},
            ours["share_of_rate_limit"] >= RATE_SHARE_TARGET and ours["lost"] == 0,
        ),
        target(
            "calls_per_execution_watched",
            f"<= {calls_limit} ({CALLS_FACTOR_TARGET} x {MIN_CALLS_PER_EXECUTION})",
            ours["calls_per_execution"],
            ours["calls_per_execution"] is not None and ours["calls_per_execution"] <= calls_limit,
        ),
    ]
    return {
        "settings": {
            "executions": args.executions,
            "sequential_executions": args.sequential_executions,
            "latency_s": args.latency,
            "execution_duration_s": args.duration,
            "rate_limit_per_minute": rate_limit,
            "concurrency": args.concurrency,
            "paced": not args.no_pace,
        },
        "contenders": contenders,
        "ratios": ratios,
        "targets": targets,
    }


if __name__ == "__main__":
    sys.exit(main())
