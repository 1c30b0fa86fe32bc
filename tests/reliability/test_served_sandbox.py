"""The served sandbox listens on loopback only, rejects big bodies, drops expired executions."""

from __future__ import annotations

import argparse
import base64
from collections.abc import AsyncIterator

import httpx
import pytest
from reliability_support import (
    CLIENT_ID,
    CLIENT_SECRET,
    FLOW_ID,
    LAUNCH_PATH,
    WaitRecorder,
    build_scenario,
    make_client,
    make_sandbox,
)

pytestmark = pytest.mark.usefixtures("token_cache_cleared")

MAX_BODY_BYTES = 1024 * 1024


def padded_launch_body(size: int) -> bytes:
    """Return a launch body of exactly ``size`` bytes (JSON, padding in one input value)."""
    head = b'{"flowId": "' + FLOW_ID.encode() + b'", "inputData": {"Flow.orderId": "'
    tail = b'"}}'
    return head + b"x" * (size - len(head) - len(tail)) + tail


async def sandbox_token(http: httpx.AsyncClient, base_url: str) -> str:
    basic = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
    answer = await http.post(
        f"{base_url}/oauth/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": f"Basic {basic}"},
    )
    assert answer.status_code == 200, answer.text
    return str(answer.json()["access_token"])


async def chunks(data: bytes, size: int = 64 * 1024) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


def test_serve_arguments_default_to_loopback() -> None:
    from flowwidgets.sandbox.serve import add_serve_arguments

    parser = argparse.ArgumentParser()
    add_serve_arguments(parser)

    args = parser.parse_args([])

    assert args.host == "127.0.0.1"


def test_serve_non_loopback_host_rejected(capsys: pytest.CaptureFixture[str]) -> None:
    from flowwidgets.sandbox.serve import add_serve_arguments, run_serve

    parser = argparse.ArgumentParser()
    add_serve_arguments(parser)
    # 192.0.2.0/24 is reserved for documentation, so no host on it can be reached or bound.
    args = parser.parse_args(["--host", "192.0.2.10", "--port", "0"])

    status = run_serve(args)

    assert status != 0
    assert "loopback" in capsys.readouterr().err


def test_serve_in_thread_binds_loopback_by_default() -> None:
    from flowwidgets.sandbox.serve import serve_in_thread

    sandbox = make_sandbox(build_scenario())

    with serve_in_thread(sandbox, port=0) as served:
        url = httpx.URL(served.url)

    assert url.host == "127.0.0.1"


def test_serve_in_thread_non_loopback_rejected() -> None:
    from flowwidgets.sandbox.serve import serve_in_thread

    sandbox = make_sandbox(build_scenario())

    with pytest.raises(ValueError, match="loopback"), serve_in_thread(sandbox, host="192.0.2.10"):
        pass


async def test_served_sandbox_oversized_body_rejected_413() -> None:
    from flowwidgets.sandbox.serve import serve_in_thread

    sandbox = make_sandbox(build_scenario())

    with serve_in_thread(sandbox, port=0) as served:
        async with httpx.AsyncClient(base_url=served.url, timeout=30) as http:
            token = await sandbox_token(http, served.url)
            headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
            at_limit = await http.post(
                LAUNCH_PATH, content=padded_launch_body(MAX_BODY_BYTES), headers=headers
            )
            declared = await http.post(
                LAUNCH_PATH, content=padded_launch_body(MAX_BODY_BYTES + 1), headers=headers
            )
            streamed = await http.post(
                LAUNCH_PATH, content=chunks(padded_launch_body(3 * MAX_BODY_BYTES)), headers=headers
            )

    assert at_limit.status_code == 200, at_limit.text
    assert declared.status_code == 413
    assert declared.json()["status"] == 413
    assert streamed.status_code == 413
    assert len(sandbox.executions) == 1


async def test_sandbox_oversized_body_rejected_in_process() -> None:
    sandbox = make_sandbox(build_scenario())

    async with httpx.AsyncClient(
        transport=sandbox.transport(), base_url="https://api.mypurecloud.com"
    ) as http:
        token = await sandbox_token(http, "https://login.mypurecloud.com")
        answer = await http.post(
            LAUNCH_PATH,
            content=padded_launch_body(2 * MAX_BODY_BYTES),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )

    assert answer.status_code == 413
    assert answer.json()["code"]
    assert sandbox.executions == {}


async def test_sandbox_executions_expire_after_retention(recorder: WaitRecorder) -> None:
    sandbox = make_sandbox(
        build_scenario(retention={"history_days": 2, "execution_detail_days": 1})
    )

    async with make_client(sandbox, recorder) as client:
        for number in range(300):
            await client.launch_flow(FLOW_ID, {"Flow.email": "x@example.com"}, name=f"old-{number}")
        stored_before = len(sandbox.executions)
        sandbox.clock.advance(3 * 86400)
        await client.launch_flow(FLOW_ID, {"Flow.email": "x@example.com"}, name="fresh")
        await client.query_flow_instances(
            {"query": [{"criteria": {"key": "FlowId", "operator": "eq", "value": FLOW_ID}}]}
        )

    assert stored_before == 300
    assert len(sandbox.executions) == 1
    assert [state.name for state in sandbox.executions.values()] == ["fresh"]


async def test_sandbox_memory_bounded_over_long_run(recorder: WaitRecorder) -> None:
    import gc
    import tracemalloc

    sandbox = make_sandbox(
        build_scenario(
            client={"rate_limit_per_minute": 100_000},
            retention={"history_days": 1, "execution_detail_days": 1},
        )
    )
    big_inputs = {"Flow.email": "x@example.com", "Flow.orderId": "x" * 256 * 1024}

    async with make_client(sandbox, recorder) as client:
        await client.get_organization()
        gc.collect()
        tracemalloc.start()
        baseline = tracemalloc.get_traced_memory()[0]
        for number in range(100):
            await client.launch_flow(FLOW_ID, big_inputs, name=f"big-{number}")
        sandbox.clock.advance(2 * 86400)
        await client.launch_flow(FLOW_ID, {"Flow.email": "x@example.com"}, name="after")
        gc.collect()
        retained = tracemalloc.get_traced_memory()[0] - baseline
        tracemalloc.stop()

    # 100 launches sent 25 MiB of inputs. Once they expired, far less may stay behind.
    assert len(sandbox.executions) == 1
    assert retained < 8 * 1024 * 1024, f"{retained / 2**20:.1f} MiB retained"
