"""Fixtures of the reliability tests; the helpers they use live in ``reliability_support``."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from reliability_support import WaitRecorder, clear_token_cache


@pytest.fixture
def recorder() -> WaitRecorder:
    return WaitRecorder()


@pytest.fixture
async def token_cache_cleared() -> AsyncIterator[None]:
    """Start each test with an empty process-wide token cache, so token counts are exact."""
    clear_token_cache()
    yield
    clear_token_cache()
