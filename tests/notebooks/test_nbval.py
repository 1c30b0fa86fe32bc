"""Run every notebook in ``notebooks/`` under nbval and compare it with its saved outputs.

The notebooks run on the sandbox, so this needs no credentials and no network.
nbval runs in a separate pytest process because its collection options would
otherwise apply to the whole test session.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

#: Environment variables that would point a notebook at a real org instead of the sandbox.
CREDENTIAL_VARIABLES = (
    "GENESYSCLOUD_OAUTHCLIENT_ID",
    "GENESYSCLOUD_OAUTHCLIENT_SECRET",
    "GENESYSCLOUD_REGION",
    "GENESYSCLOUD_ACCESS_TOKEN",
)


def sandbox_environment(**extra: str) -> dict[str, str]:
    """Return the current environment without Genesys Cloud credentials, plus ``extra``."""
    environment = {
        name: value for name, value in os.environ.items() if name not in CREDENTIAL_VARIABLES
    }
    environment.update(extra)
    return environment


EMAIL_ADDRESS = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")


def saved_outputs_and_metadata(path: Path) -> str:
    """Return the saved outputs and metadata of a notebook as JSON text (its sources left out)."""
    notebook = json.loads(path.read_text(encoding="utf-8"))
    saved = {
        "metadata": notebook["metadata"],
        "cells": [
            {"metadata": cell["metadata"], "outputs": cell.get("outputs", [])}
            for cell in notebook["cells"]
        ],
    }
    return json.dumps(saved)


def bundled_client_secrets() -> list[str]:
    """Return the client secrets of every bundled sandbox scenario."""
    from flowwidgets.sandbox import Sandbox, list_scenarios

    return [
        client.secret for name in list_scenarios() for client in Sandbox.from_scenario(name).clients
    ]


def test_notebooks_directory_has_notebooks() -> None:
    notebooks = sorted(path.name for path in (ROOT / "notebooks").glob("*.ipynb"))

    assert "quickstart.ipynb" in notebooks
    assert "troubleshoot-a-flow-launch.ipynb" in notebooks
    assert "batch-launch-and-reconcile.ipynb" in notebooks


@pytest.mark.notebook
@pytest.mark.slow
def test_nbval_notebooks_match_saved_outputs(tmp_path: Path) -> None:
    command = [
        sys.executable,
        "-m",
        "pytest",
        "--nbval",
        "notebooks/",
        "--nbval-sanitize-with",
        "notebooks/nbval-sanitize.cfg",
        "-p",
        "no:cacheprovider",
    ]
    # The launch ledger lives in the user's data folder, so a scratch folder keeps runs apart.
    environment = sandbox_environment(XDG_DATA_HOME=str(tmp_path / "data"))

    result = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, env=environment, check=False
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert " passed" in result.stdout


@pytest.mark.parametrize("path", sorted((ROOT / "notebooks").glob("*.ipynb")), ids=lambda p: p.name)
def test_saved_notebook_masks_inputs_and_secrets(path: Path) -> None:
    secrets = bundled_client_secrets()

    saved = saved_outputs_and_metadata(path)

    assert EMAIL_ADDRESS.findall(saved) == []
    for secret in secrets:
        assert secret not in saved
    assert "widgets" not in json.loads(path.read_text(encoding="utf-8"))["metadata"]
