"""``flowwidgets sandbox serve``: arguments, loopback-only listening and the request log."""

from __future__ import annotations

import argparse
import json
import logging
import re
import socket
import subprocess
import sys

import httpx
import pytest
from sandbox_support import SEED_FLOW_ID, bearer, loopback_client

from flowwidgets.sandbox import Sandbox, SandboxClock
from flowwidgets.sandbox.serve import DEFAULT_PORT, add_serve_arguments, run_serve, serve_in_thread


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_serve_arguments(parser)
    return parser.parse_args(argv)


def test_serve_arguments_defaults() -> None:
    args = parse()

    assert args.scenario == "seed"
    assert args.host == "127.0.0.1"
    assert args.port == DEFAULT_PORT
    assert args.speed is None
    assert args.allow_remote is False


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--port", "99999"),
        ("--port", "-1"),
        ("--port", "http"),
        ("--speed", "-1"),
        ("--speed", "nan"),
        ("--speed", "inf"),
        ("--speed", "fast"),
    ],
)
def test_serve_arguments_reject_invalid_value(
    option: str, value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        parse(option, value)

    error = capsys.readouterr().err
    assert exited.value.code == 2
    assert option in error
    assert value in error


def test_serve_arguments_accept_free_port_and_stopped_clock() -> None:
    args = parse("--port", "0", "--speed", "0")

    assert args.port == 0
    assert args.speed == 0.0


def test_run_serve_port_in_use(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]

        status = run_serve(parse("--port", str(port)))

    output = capsys.readouterr()
    assert status == 2
    assert f"port {port}" in output.err
    assert "already in use" in output.err
    assert "--port 0" in output.err
    assert "flowwidgets sandbox" not in output.out


#: Lines of the seed scenario's banner: title, description, endpoints, the
#: clients heading, one line per OAuth client, and the GenesysClient hint.
BANNER_LINES = 4 + len(Sandbox.from_scenario("seed").clients) + 1


def test_serve_command_prints_bound_port() -> None:
    command = [sys.executable, "-m", "flowwidgets", "sandbox", "serve", "--port", "0"]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        banner = [server.stdout.readline() for _ in range(BANNER_LINES)]
        found = re.search(r"at http://127\.0\.0\.1:(\d+)", banner[0])
        assert found is not None, banner
        port = int(found.group(1))
        answer = httpx.get(f"http://127.0.0.1:{port}/api/v2/organizations/me", timeout=10)
    finally:
        server.terminate()
        server.communicate(timeout=10)

    assert port != 0
    assert answer.status_code == 401
    assert f"api_host='http://127.0.0.1:{port}'" in banner[-1]


def test_run_serve_rejects_remote_host(capsys: pytest.CaptureFixture[str]) -> None:
    status = run_serve(parse("--host", "0.0.0.0"))

    assert status == 2
    assert "--allow-remote" in capsys.readouterr().err


def test_run_serve_reports_invalid_scenario(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"name": "bad"}), encoding="utf-8")

    status = run_serve(parse("--scenario", str(path)))

    assert status == 2
    assert "invalid scenario" in capsys.readouterr().err


def test_serve_in_thread_rejects_remote_host(sandbox) -> None:
    with pytest.raises(ValueError, match="loopback"), serve_in_thread(sandbox, host="0.0.0.0"):
        pass


async def test_served_request_log_masks_secrets(
    served_sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="flowwidgets.sandbox")

    async with loopback_client(served_sandbox.url) as http:
        headers = await bearer(http, served_sandbox.sandbox, login_host=served_sandbox.url)
        token = headers["Authorization"].split()[1]
        launched = await http.post(
            "/api/v2/flows/executions",
            json={
                "flowId": SEED_FLOW_ID,
                "inputData": {"Flow.email": "a@b.c"},
                "client_secret": "oops",
            },
            headers=headers,
        )

    log = served_sandbox.sandbox.request_log
    text = json.dumps(log) + caplog.text
    assert launched.status_code == 200
    assert [entry["path"] for entry in log] == ["/oauth/token", "/api/v2/flows/executions"]
    assert log[0]["headers"]["authorization"] == "Basic ***"
    assert log[1]["headers"]["authorization"] == "Bearer ***"
    assert json.loads(log[1]["body"])["client_secret"] == "***"
    assert json.loads(log[1]["body"])["inputData"] == {"Flow.email": "a@b.c"}
    assert log[1]["status"] == 200
    assert token not in text
    assert served_sandbox.sandbox.default_client.secret not in text
    assert "POST /api/v2/flows/executions -> 200" in caplog.text


def test_sandbox_repr_hides_client_secret(sandbox) -> None:
    text = repr(sandbox.default_client)

    assert sandbox.default_client.client_id in text
    assert sandbox.default_client.secret not in text


def test_clock_advance_and_speed() -> None:
    clock = SandboxClock(speed=0)
    start = clock.now()

    moved = clock.advance(90)
    clock.speed = 60

    assert (moved - start).total_seconds() == 90
    assert clock.now() >= moved
    assert clock.speed == 60
    with pytest.raises(ValueError, match="forward"):
        clock.advance(-1)
