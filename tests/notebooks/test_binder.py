"""Build the Binder environment from ``binder/`` alone and run the runbook headless in it.

This follows what Binder (repo2docker) does with these files: a fresh Python
environment, then ``pip install -r binder/requirements.txt`` from the
repository root. It needs the package registries and nothing else; pip's
cache makes the second run much faster than the first.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BINDER = ROOT / "binder"
RUNBOOK = ROOT / "notebooks" / "troubleshoot-a-flow-launch.ipynb"

CREDENTIAL_VARIABLES = (
    "GENESYSCLOUD_OAUTHCLIENT_ID",
    "GENESYSCLOUD_OAUTHCLIENT_SECRET",
    "GENESYSCLOUD_REGION",
    "GENESYSCLOUD_ACCESS_TOKEN",
)


def notebook_text(path: Path) -> str:
    """Return the text of every stream and text/plain output of the notebook at ``path``."""
    notebook = json.loads(path.read_text(encoding="utf-8"))
    parts = []
    for cell in notebook["cells"]:
        for output in cell.get("outputs", []):
            if output["output_type"] == "stream":
                parts.append("".join(output["text"]))
            elif "text/plain" in output.get("data", {}):
                parts.append("".join(output["data"]["text/plain"]))
    return "\n".join(parts)


def test_binder_runtime_matches_supported_python() -> None:
    runtime = (BINDER / "runtime.txt").read_text(encoding="utf-8").strip()

    match = re.fullmatch(r"python-(\d+)\.(\d+)", runtime)

    assert match, runtime
    assert (int(match.group(1)), int(match.group(2))) >= (3, 10)


def test_binder_requirements_install_this_repository() -> None:
    lines = (BINDER / "requirements.txt").read_text(encoding="utf-8").splitlines()

    requirements = [line.strip() for line in lines if line.strip() and not line.startswith("#")]

    assert any(re.fullmatch(r"(-e\s+)?\.(\[[\w,]+\])?", line) for line in requirements)


@pytest.mark.slow
@pytest.mark.notebook
def test_binder_environment_runs_runbook(tmp_path: Path) -> None:
    environment_dir = tmp_path / "binder-env"
    venv.create(environment_dir, with_pip=True, system_site_packages=False)
    python = environment_dir / "bin" / "python"
    environment = {
        name: value for name, value in os.environ.items() if name not in CREDENTIAL_VARIABLES
    }
    environment.update(
        PATH=f"{environment_dir / 'bin'}{os.pathsep}{environment.get('PATH', '')}",
        VIRTUAL_ENV=str(environment_dir),
        # Keep kernels and launch ledgers of this run apart from the user's own.
        JUPYTER_DATA_DIR=str(tmp_path / "jupyter"),
        XDG_DATA_HOME=str(tmp_path / "data"),
        PYTHONNOUSERSITE="1",
    )
    environment.pop("PYTHONPATH", None)
    output = tmp_path / "runbook-output.ipynb"

    install = subprocess.run(
        [str(python), "-m", "pip", "install", "-r", "binder/requirements.txt"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert install.returncode == 0, install.stdout[-5000:] + install.stderr[-5000:]
    # papermill starts the "python3" kernel; its spec must come from the new environment.
    kernel = subprocess.run(
        [
            str(python),
            "-c",
            "from jupyter_client.kernelspec import KernelSpecManager; "
            "print(KernelSpecManager().get_kernel_spec('python3').resource_dir)",
        ],
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    run = subprocess.run(
        [
            str(python),
            "-m",
            "papermill",
            str(RUNBOOK),
            str(output),
            "--cwd",
            str(RUNBOOK.parent),
            "-p",
            "sandbox_scenario",
            "seed",
        ],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )

    assert kernel.stdout.strip().startswith(str(environment_dir)), kernel.stdout + kernel.stderr
    assert run.returncode == 0, run.stdout[-5000:] + run.stderr[-5000:]
    text = notebook_text(output)
    for code in ("request.unknown-field", "inputs.missing", "response.not-genesys"):
        assert code in text, code
    assert "history.disabled" in text
    assert "Corrected launch finished with status COMPLETED" in text
    saved = output.read_text(encoding="utf-8")
    assert "@example.com" not in saved
    assert "sandbox-secret" not in saved
