"""Helpers for the client tests: canned Genesys JSON, a recording sleep and client factories.

Every test builds an ``httpx.MockTransport`` from a small handler function of its own, so the
server behaviour a test depends on is written in the test.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from flowwidgets.api import ClientCredentials, GenesysClient, RetryWait, clear_token_cache

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "api"

CLIENT_ID = "3f1c2b9e-api-tests"
CLIENT_SECRET = "api-tests-secret-Zq81"


def load_fixture(name: str) -> Any:
    """Return the canned JSON of ``tests/fixtures/api/<name>.json``."""
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


def token_response(token: str = "token-1", expires_in: int = 86400) -> httpx.Response:  # noqa: S107
    """Return a login host response granting ``token``."""
    return httpx.Response(
        200, json={"access_token": token, "token_type": "bearer", "expires_in": expires_in}
    )


def is_token_request(request: httpx.Request) -> bool:
    """Whether a request is the client-credentials token request."""
    return request.url.path == "/oauth/token"


class SleepRecorder:
    """A sleep function that records the requested delays and returns at once."""

    def __init__(self) -> None:
        self.delays: list[float] = []
        self.waits: list[RetryWait] = []

    async def sleep(self, seconds: float) -> None:
        self.delays.append(seconds)

    def on_wait(self, wait: RetryWait) -> None:
        self.waits.append(wait)


@pytest.fixture(autouse=True)
def _empty_token_cache() -> Iterator[None]:
    clear_token_cache()
    yield
    clear_token_cache()


@pytest.fixture
def sleeper() -> SleepRecorder:
    return SleepRecorder()


@pytest.fixture
def make_client(
    sleeper: SleepRecorder,
) -> Callable[..., GenesysClient]:
    """Return a factory of clients on a MockTransport that sleep through ``sleeper``."""

    def factory(
        handler: Callable[[httpx.Request], httpx.Response], **options: Any
    ) -> GenesysClient:
        options.setdefault("region", "mypurecloud.com")
        options.setdefault("auth", ClientCredentials(CLIENT_ID, CLIENT_SECRET))
        options.setdefault("sleep", sleeper.sleep)
        options.setdefault("on_wait", sleeper.on_wait)
        return GenesysClient(transport=httpx.MockTransport(handler), **options)

    return factory
