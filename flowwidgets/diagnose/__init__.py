"""Findings and the doctor: explain a launch from what was sent, what came back and the org."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flowwidgets.diagnose.findings import CATALOGUE, CatalogueEntry, Finding, Severity, make_finding
from flowwidgets.diagnose.inputs import check_inputs, read_input_schema
from flowwidgets.diagnose.launch_body import LaunchIntent, read_launch_body
from flowwidgets.diagnose.offline import check_request, check_response
from flowwidgets.diagnose.parse import (
    ObservedRequest,
    ObservedResponse,
    parse_request,
    parse_response,
)
from flowwidgets.diagnose.report import Report

if TYPE_CHECKING:
    from flowwidgets.diagnose.doctor import Doctor

__all__ = [
    "CATALOGUE",
    "CatalogueEntry",
    "Doctor",
    "Finding",
    "LaunchIntent",
    "ObservedRequest",
    "ObservedResponse",
    "Report",
    "Severity",
    "check_inputs",
    "check_request",
    "check_response",
    "make_finding",
    "parse_request",
    "parse_response",
    "read_input_schema",
    "read_launch_body",
]


def __getattr__(name: str) -> Any:
    # The doctor imports the client (and httpx); offline checks do not need it.
    if name == "Doctor":
        from flowwidgets.diagnose.doctor import Doctor

        return Doctor
    raise AttributeError(f"module 'flowwidgets.diagnose' has no attribute {name!r}")
