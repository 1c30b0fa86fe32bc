"""Run the runbook headless on field cases whose request cannot simply be corrected.

A request without a flowId, or with input values of the wrong type that no
rule can convert, must still give a finished report that explains why the
corrected launch was not made, never a traceback.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RUNBOOK = ROOT / "notebooks" / "troubleshoot-a-flow-launch.ipynb"


def run_case(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, scenario: str, request: str) -> str:
    """Run the runbook on a bundled scenario and return everything it printed."""
    papermill = pytest.importorskip("papermill")
    for name in ("GENESYSCLOUD_OAUTHCLIENT_ID", "GENESYSCLOUD_ACCESS_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    output = tmp_path / f"{scenario}.ipynb"

    papermill.execute_notebook(
        str(RUNBOOK),
        str(output),
        parameters={"sandbox_scenario": scenario, "request_file": request, "response_file": ""},
        cwd=str(RUNBOOK.parent),
        progress_bar=False,
    )

    notebook = json.loads(output.read_text(encoding="utf-8"))
    return "".join(
        "".join(item["text"])
        for cell in notebook["cells"]
        for item in cell.get("outputs", [])
        if item["output_type"] == "stream"
    )


@pytest.mark.slow
@pytest.mark.notebook
def test_runbook_request_without_flow_id(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = run_case(tmp_path, monkeypatch, "c04", "examples/c04-call-flow-without-id.http")

    assert "request.missing-flow-id" in text
    assert "No corrected launch: The request names no flow" in text
    assert "set the flow_id parameter" in text


@pytest.mark.slow
@pytest.mark.notebook
def test_runbook_wrong_types_without_guess(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = run_case(tmp_path, monkeypatch, "c10", "examples/c10-wrong-input-types.http")

    assert "inputs.wrong-type" in text
    assert "no correct value can be guessed: Flow.orderCount, Flow.isVip." in text
    assert "Launched execution" not in text
