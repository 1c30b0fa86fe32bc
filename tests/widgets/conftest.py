"""Fixtures for the widget tests: a client connected to the in-process sandbox."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from flowwidgets.api import GenesysClient

SEED_FLOW_ID = "a1b2c3d4-e5f6-7890-abcd-ef1234567890"
REPOSITORY = Path(__file__).resolve().parents[2]
C01_REQUEST = REPOSITORY / "examples" / "c01-web-form-launch.http"


@pytest.fixture
async def client() -> AsyncIterator[GenesysClient]:
    """A client of the sandbox running the seed scenario, closed after the test."""
    from flowwidgets.connect import connect

    connected = connect(sandbox="seed")
    async with connected:
        yield connected


@pytest.fixture
def c01_request() -> str:
    """The launch request of the web-form case: invented fields and no inputData."""
    return C01_REQUEST.read_text(encoding="utf-8")
