"""Checks on the project itself: the README's commands, CI and static analysis."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _readme_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.findall(r"```bash\n(.*?)\n```", readme, flags=re.DOTALL)


def test_readme_has_exactly_two_setup_commands() -> None:
    commands = _readme_commands()

    assert len(commands) == 2, commands
    assert all(command.startswith("python3 -m pip install") for command in commands)


def test_ci_runs_readme_test_command() -> None:
    test_command = _readme_commands()[1]

    ci_script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")

    assert test_command in ci_script.splitlines()


def test_readme_main_job_files_exist() -> None:
    main_job = _readme_commands()[0]

    paths = re.findall(r"(examples/\S+)", main_job)

    assert paths
    for path in paths:
        assert (ROOT / path).is_file(), path


@pytest.mark.skipif(shutil.which("ruff") is None, reason="ruff is not installed")
def test_ruff_clean() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "flowwidgets"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_clean() -> None:
    pytest.importorskip("mypy")

    result = subprocess.run(
        [sys.executable, "-m", "mypy"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr


def test_public_names_resolve() -> None:
    import flowwidgets

    missing = [name for name in flowwidgets.__all__ if not hasattr(flowwidgets, name)]

    assert missing == []


def test_lazy_names_listed_in_all() -> None:
    import flowwidgets

    lazy_names = set(flowwidgets._LAZY)

    assert lazy_names <= set(flowwidgets.__all__)


def test_sandbox_regions_match_client_regions() -> None:
    from flowwidgets.api import REGIONS
    from flowwidgets.sandbox.app import REGION_DOMAINS

    client_domains = {region.domain for region in REGIONS.values()}

    # The sandbox keeps its own copy because it imports nothing from the client.
    assert set(REGION_DOMAINS) == client_domains
