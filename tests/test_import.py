"""Importing the package must not pull in the heavy notebook libraries."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("pandas", "plotly", "ipywidgets")

PROBE = """
import json, sys
import {module}
heavy = sorted(name for name in sys.modules if name.split(".")[0] in {heavy!r})
print(json.dumps(heavy))
"""


@pytest.mark.parametrize("module", ["flowwidgets", "flowwidgets.api"])
def test_import_skips_heavy_libraries(module: str) -> None:
    code = PROBE.format(module=module, heavy=set(HEAVY))

    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )

    assert json.loads(completed.stdout) == []


def test_import_public_names_resolve() -> None:
    code = (
        "import flowwidgets\n"
        "names = [flowwidgets.GenesysClient, flowwidgets.ClientCredentials, "
        "flowwidgets.BearerToken, flowwidgets.resolve_region, flowwidgets.ApiError, "
        "flowwidgets.LaunchOutcomeUnknownError, flowwidgets.Flow, flowwidgets.Execution]\n"
        "print(all(names))\n"
    )

    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )

    assert completed.stdout.strip() == "True"
