"""Fixtures for the analytics tests: canned Genesys JSON and ledgers in a temporary folder."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from analytics_support import FIXTURES, WEB_FORM_FLOW_ID, utc

from flowwidgets.analytics import Ledger


@pytest.fixture
def load_fixture() -> Callable[[str], Any]:
    def load(name: str) -> Any:
        return json.loads((FIXTURES / name).read_text(encoding="utf-8"))

    return load


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    with Ledger(tmp_path / "ledger.sqlite3") as opened:
        yield opened


@pytest.fixture
def recorded_ledger(ledger: Ledger) -> Ledger:
    """Return a ledger holding the launches behind the canned responses of 2026-11-20.

    Five launches were accepted (executions ...01 to ...05), one was rejected and one
    has an unknown outcome.
    """
    times = ["10:05:00", "10:10:00", "10:40:00", "11:10:00", "11:30:00"]
    for number, time in enumerate(times, start=1):
        name = f"flowwidgets-run-{number}"
        ledger.record_launch(
            name,
            WEB_FORM_FLOW_ID,
            inputs={"Flow.email": f"person{number}@example.com"},
            launched_at=utc(f"2026-11-20T{time}"),
            region="mypurecloud.com",
        )
        execution_id = f"c0ffee01-0000-4000-8000-00000000000{number}"
        ledger.record_outcome(name, "ok", execution_id=execution_id, flow_version="3.0")
    ledger.record_launch(
        "flowwidgets-rejected",
        WEB_FORM_FLOW_ID,
        launched_at=utc("2026-11-20T10:50:00"),
        outcome="error",
        error_code="bad.request",
    )
    ledger.record_launch(
        "flowwidgets-lost",
        WEB_FORM_FLOW_ID,
        launched_at=utc("2026-11-20T12:10:00"),
        outcome="outcome-unknown",
    )
    return ledger
