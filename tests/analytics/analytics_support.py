"""Constants and helpers shared by the analytics tests."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

FIXTURES = Path(__file__).parent.parent / "fixtures" / "analytics"

WEB_FORM_FLOW_ID = "a1b2c3d4-e5f6-7890-abcd-ef1234567890"
OTHER_FLOW_ID = "0f9e8d7c-6b5a-4321-9876-543210fedcba"


def utc(text: str) -> datetime:
    """Return an ISO date and time without zone as an aware UTC datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


def write_launches(path: str, prefix: str, count: int, start: object) -> None:
    """Record ``count`` launches named ``<prefix>-<n>`` after ``start`` is set (child process)."""
    from flowwidgets.analytics import Ledger

    start.wait(timeout=30)  # type: ignore[attr-defined]
    with Ledger(path) as ledger:
        for number in range(count):
            ledger.record_launch(f"{prefix}-{number}", WEB_FORM_FLOW_ID, inputs={"n": number})
            ledger.record_outcome(f"{prefix}-{number}", "ok", execution_id=f"{prefix}-id-{number}")
