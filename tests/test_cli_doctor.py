"""``flowwidgets doctor`` on the command line: formats, exit statuses and bad input."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from flowwidgets.cli import main
from flowwidgets.sandbox.serve import ServedSandbox

ROOT = Path(__file__).resolve().parent.parent
C01_REQUEST = str(ROOT / "examples" / "c01-web-form-launch.http")
C01_RESPONSE = str(ROOT / "examples" / "c01-web-form-launch.response")
CREDENTIAL_VARIABLES = (
    "GENESYSCLOUD_OAUTHCLIENT_ID",
    "GENESYSCLOUD_OAUTHCLIENT_SECRET",
    "GENESYSCLOUD_ACCESS_TOKEN",
    "GENESYSCLOUD_REGION",
    "GENESYSCLOUD_API_HOST",
)


@pytest.fixture(autouse=True)
def no_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in CREDENTIAL_VARIABLES:
        monkeypatch.delenv(name, raising=False)


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict]:
    status = main(["doctor", "--format", "json", *args])
    return status, json.loads(capsys.readouterr().out)


def findings(report: dict, code: str) -> list[dict]:
    return [finding for finding in report["findings"] if finding["code"] == code]


def test_cli_doctor_c01_sandbox(capsys: pytest.CaptureFixture[str]) -> None:
    status, report = run_json(
        capsys, "--sandbox", "seed", "--request", C01_REQUEST, "--response", C01_RESPONSE
    )

    assert status == 1
    fields = {f["evidence"]["field"] for f in findings(report, "request.unknown-field")}
    assert fields == {"inputs", "debug"}
    inputs = {f["evidence"]["input"] for f in findings(report, "inputs.missing")}
    assert inputs == {"Flow.email", "Flow.source"}
    assert findings(report, "response.not-genesys")
    assert findings(report, "history.disabled")
    assert not findings(report, "execution.failed")


def test_cli_doctor_c01_launch(capsys: pytest.CaptureFixture[str]) -> None:
    status, report = run_json(
        capsys, "--sandbox", "--request", C01_REQUEST, "--response", C01_RESPONSE, "--launch"
    )

    assert status == 1
    failed = findings(report, "execution.failed")
    assert len(failed) == 1
    assert failed[0]["evidence"]["variable"] == "Flow.email"
    assert "Flow.email" in failed[0]["detail"]
    assert report["context"]["sandbox"] is True


def test_cli_doctor_text_default(capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["doctor", "--sandbox", "--request", C01_REQUEST])

    out = capsys.readouterr().out
    assert status == 1
    assert out.startswith("flowwidgets doctor report")
    assert "[request.unknown-field]" in out
    assert "Fix: " in out


def test_cli_doctor_html_output_file(tmp_path: Path) -> None:
    output = tmp_path / "report.html"

    status = main(["doctor", "--request", C01_REQUEST, "--format", "html", "--output", str(output)])

    html = output.read_text(encoding="utf-8")
    assert status == 1
    assert html.startswith("<!DOCTYPE html>")
    assert 'data-code="request.unknown-field"' in html


def test_cli_doctor_offline_without_credentials(capsys: pytest.CaptureFixture[str]) -> None:
    status, report = run_json(capsys, "--request", C01_REQUEST)

    assert status == 1
    assert findings(report, "doctor.offline")
    assert "host" not in report["context"]


def test_cli_doctor_clean_request_exits_zero(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    body = {
        "flowId": "a1b2c3d4-e5f6-7890-abcd-ef1234567890",
        "inputData": {"Flow.email": "a@example.com", "Flow.source": "cli"},
    }
    request = tmp_path / "body.json"
    request.write_text(json.dumps(body))

    status, report = run_json(capsys, "--request", str(request))

    assert status == 0
    assert [f["code"] for f in report["findings"]] == ["doctor.offline"]


def test_cli_doctor_reads_stdin(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    body = b'{"flowId": "f-1", "inputs": {"email": "a@example.com"}}'
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(body)))

    status, report = run_json(capsys, "--request", "-")

    assert status == 1
    assert findings(report, "request.unknown-field")


def test_cli_doctor_masked(capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["doctor", "--sandbox", "--request", C01_REQUEST, "--masked"])

    out = capsys.readouterr().out
    assert status == 1
    assert "person@example.com" not in out
    assert "<masked>" in out


def test_cli_doctor_binary_request(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    request = tmp_path / "capture.pcap"
    request.write_bytes(b"\xd4\xc3\xb2\xa1\x02\x00\x04\x00\x00\x00\x00\x00")

    status, report = run_json(capsys, "--request", str(request))

    assert status == 1
    assert findings(report, "request.unreadable")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--request", "/nonexistent/launch.http"], "cannot read --request"),
        (["--request", "."], "it is a directory"),
        ([], "give at least one of"),
        (["--request", C01_REQUEST, "--force"], "--force only applies"),
        (["--request", C01_REQUEST, "--launch"], "--launch needs --sandbox"),
        (["--sandbox", "no-such-scenario", "--request", C01_REQUEST], "no-such-scenario"),
        (["--request", "-", "--response", "-"], "standard input is already used"),
    ],
)
def test_cli_doctor_usage_errors(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(["doctor", *args])

    err = capsys.readouterr().err
    assert status == 2
    assert message in err


def test_cli_doctor_unwritable_output(capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["doctor", "--request", C01_REQUEST, "--output", "/nonexistent/dir/report.txt"])

    assert status == 2
    assert "cannot write --output" in capsys.readouterr().err


def test_cli_doctor_subprocess() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "flowwidgets",
            "doctor",
            "--sandbox",
            "seed",
            "--request",
            C01_REQUEST,
            "--response",
            C01_RESPONSE,
            "--launch",
            "--format",
            "json",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
    )

    report = json.loads(result.stdout)
    codes = [finding["code"] for finding in report["findings"]]
    assert result.returncode == 1, result.stderr
    assert "execution.failed" in codes
    assert "response.not-genesys" in codes


def test_cli_doctor_huge_request_capped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    request = tmp_path / "huge.json"
    request.write_text('{"flowId": "f-1", "name": "' + "é" * 1_500_000 + '"}', encoding="utf-8")

    status, report = run_json(capsys, "--request", str(request))

    assert status == 1
    assert findings(report, "request.too-large")
    assert findings(report, "request.not-json")
    assert not findings(report, "request.unreadable")


SEED_FLOW_ID = "a1b2c3d4-e5f6-7890-abcd-ef1234567890"
SEED_LAUNCH = {"flowId": SEED_FLOW_ID, "inputData": {"Flow.source": "web"}}


def test_cli_doctor_api_host_served(
    served_sandbox: ServedSandbox,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    oauth = served_sandbox.sandbox.default_client
    monkeypatch.setenv("GENESYSCLOUD_OAUTHCLIENT_ID", oauth.client_id)
    monkeypatch.setenv("GENESYSCLOUD_OAUTHCLIENT_SECRET", oauth.secret)
    request = tmp_path / "launch.json"
    request.write_text(json.dumps(SEED_LAUNCH), encoding="utf-8")

    status, report = run_json(capsys, "--api-host", served_sandbox.url, "--request", str(request))

    assert status == 0  # a missing input the body never named is a warning
    assert report["context"]["host"] == served_sandbox.url
    assert report["context"]["organization"]
    missing = {f["evidence"]["input"] for f in findings(report, "inputs.missing")}
    assert missing == {"Flow.email"}
    assert not findings(report, "doctor.offline")
    assert not findings(report, "doctor.connection-failed")


def test_cli_doctor_api_host_variable(
    served_sandbox: ServedSandbox,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    oauth = served_sandbox.sandbox.default_client
    monkeypatch.setenv("GENESYSCLOUD_OAUTHCLIENT_ID", oauth.client_id)
    monkeypatch.setenv("GENESYSCLOUD_OAUTHCLIENT_SECRET", oauth.secret)
    monkeypatch.setenv("GENESYSCLOUD_API_HOST", served_sandbox.url)

    status, report = run_json(capsys, "--flow-id", SEED_FLOW_ID)

    assert status == 0
    assert report["context"]["host"] == served_sandbox.url
    assert report["context"]["flow_id"] == SEED_FLOW_ID
    assert findings(report, "history.disabled")


def test_cli_doctor_api_host_needs_credentials(capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["doctor", "--api-host", "http://127.0.0.1:9", "--flow-id", SEED_FLOW_ID])

    assert status == 2
    assert "needs credentials" in capsys.readouterr().err


def test_cli_doctor_api_host_with_sandbox(capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["doctor", "--sandbox", "--api-host", "http://127.0.0.1:9", "--flow-id", "f"])

    assert status == 2
    assert "--api-host and --sandbox" in capsys.readouterr().err
