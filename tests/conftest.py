"""Shared fixtures: the seed sandbox in-process and on loopback, and scenario file paths."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from flowwidgets.sandbox import Sandbox, SandboxClock
from flowwidgets.sandbox.serve import ServedSandbox, serve_in_thread


@pytest.fixture
def sandbox() -> Sandbox:
    """Return the seed scenario in-process, with a frozen clock that only ``advance`` moves."""
    return Sandbox.from_scenario("seed", speed=0)


@pytest.fixture
def served_sandbox() -> Iterator[ServedSandbox]:
    """Serve the seed scenario (frozen clock) on 127.0.0.1 at a free port."""
    with serve_in_thread(Sandbox.from_scenario("seed", speed=0)) as served:
        yield served


@pytest.fixture
def scenario_path(tmp_path: Path) -> Callable[[str | dict[str, Any]], Path]:
    """Return a helper that gives the file of a bundled scenario, or writes a dict to a file."""

    def locate(scenario: str | dict[str, Any]) -> Path:
        if isinstance(scenario, dict):
            path = tmp_path / f"{scenario.get('name', 'scenario')}.json"
            path.write_text(json.dumps(scenario), encoding="utf-8")
            return path
        bundled = resources.files("flowwidgets.sandbox").joinpath("scenarios", f"{scenario}.json")
        return Path(str(bundled))

    return locate


@pytest.fixture
def frozen_clock() -> SandboxClock:
    """Return a sandbox clock that only moves when a test advances it."""
    return SandboxClock(speed=0)
