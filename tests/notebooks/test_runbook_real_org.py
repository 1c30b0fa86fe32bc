"""Run the runbook headless the way a team runs it on a real org, against a served sandbox.

With credentials in the environment the runbook takes the real-org path: no
replay of the request as sent, no change to the org's settings, and a launch
only when ``confirm_real_launch`` is set. The org here is the sandbox served
on loopback, reached through the ``api_host`` parameter.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from flowwidgets.sandbox import Sandbox
from flowwidgets.sandbox.serve import serve_in_thread

ROOT = Path(__file__).resolve().parents[2]
RUNBOOK = ROOT / "notebooks" / "troubleshoot-a-flow-launch.ipynb"


def run_runbook(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, confirm: bool
) -> tuple[str, str, Sandbox]:
    """Run the runbook on a served ``seed`` sandbox and return its printout, file and sandbox."""
    papermill = pytest.importorskip("papermill")
    sandbox = Sandbox.from_scenario("seed")
    client = sandbox.default_client
    monkeypatch.delenv("GENESYSCLOUD_ACCESS_TOKEN", raising=False)
    monkeypatch.setenv("GENESYSCLOUD_OAUTHCLIENT_ID", client.client_id)
    monkeypatch.setenv("GENESYSCLOUD_OAUTHCLIENT_SECRET", client.secret)
    monkeypatch.setenv("GENESYSCLOUD_REGION", sandbox.region)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    output = tmp_path / "report.ipynb"

    with serve_in_thread(sandbox, port=0) as served:
        papermill.execute_notebook(
            str(RUNBOOK),
            str(output),
            parameters={"api_host": served.url, "confirm_real_launch": confirm},
            cwd=str(RUNBOOK.parent),
            progress_bar=False,
        )

    saved = output.read_text(encoding="utf-8")
    notebook = json.loads(saved)
    text = "".join(
        "".join(item["text"])
        for cell in notebook["cells"]
        for item in cell.get("outputs", [])
        if item["output_type"] == "stream"
    )
    return text, saved, sandbox


@pytest.mark.slow
@pytest.mark.notebook
def test_runbook_real_org_skips_launch_unconfirmed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text, saved, sandbox = run_runbook(tmp_path, monkeypatch, confirm=False)

    assert "Connected to a real org" in text
    assert "The doctor did not launch anything." in text
    assert "Skipped: set confirm_real_launch = True" in text
    assert "Execution data is off" in text
    assert sandbox.executions == {}
    assert sandbox.default_client.secret not in saved
    assert "@example.com" not in saved


@pytest.mark.slow
@pytest.mark.notebook
def test_runbook_real_org_launches_when_confirmed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text, saved, sandbox = run_runbook(tmp_path, monkeypatch, confirm=True)

    assert "Corrected launch finished with status COMPLETED" in text
    assert len(sandbox.executions) == 1
    assert sandbox.default_client.secret not in saved
    assert "@example.com" not in saved
