"""Find out why a Genesys Cloud workflow launched through the Platform API never seems to run.

The public API is listed here once. Names are imported lazily on first use, so
``import flowwidgets`` stays fast and does not import pandas, plotly or ipywidgets.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from flowwidgets._warnings import FlowwidgetsWarning, UnknownEnumValueWarning

__version__ = "0.1.0"

# Public name -> module that defines it.
_LAZY: dict[str, str] = {
    # api: the Platform API client
    "GenesysClient": "flowwidgets.api",
    "ClientCredentials": "flowwidgets.api",
    "BearerToken": "flowwidgets.api",
    "Region": "flowwidgets.api",
    "resolve_region": "flowwidgets.api",
    "FlowwidgetsError": "flowwidgets.api",
    "ApiError": "flowwidgets.api",
    "LaunchOutcomeUnknownError": "flowwidgets.api",
    "Flow": "flowwidgets.api",
    "FlowVersion": "flowwidgets.api",
    "InputSchema": "flowwidgets.api",
    "Execution": "flowwidgets.api",
    "LaunchResult": "flowwidgets.api",
    "ExecutionHistoryRecord": "flowwidgets.api",
    "AggregateResult": "flowwidgets.api",
    # connecting to a real org or the sandbox
    "connect": "flowwidgets.connect",
    # sandbox: the simulated org
    "Sandbox": "flowwidgets.sandbox",
    # diagnose: findings and the doctor
    "Finding": "flowwidgets.diagnose",
    "Report": "flowwidgets.diagnose",
    "Doctor": "flowwidgets.diagnose",
    "Severity": "flowwidgets.diagnose",
    "parse_request": "flowwidgets.diagnose",
    "parse_response": "flowwidgets.diagnose",
    # recovery: launching at most once across an unknown outcome
    "find_launch": "flowwidgets.recovery",
    "launch_once": "flowwidgets.recovery",
    # analytics: ledger, DataFrames, reconciliation, figures
    "Ledger": "flowwidgets.analytics",
    "reconcile_executions": "flowwidgets.analytics",
    "reconcile_intervals": "flowwidgets.analytics",
    # widgets
    "AuthCell": "flowwidgets.widgets",
    "FlowPicker": "flowwidgets.widgets",
    "LaunchForm": "flowwidgets.widgets",
    "LaunchButton": "flowwidgets.widgets",
    "StatusMonitor": "flowwidgets.widgets",
    "AnalyticsPanel": "flowwidgets.widgets",
    "Troubleshooter": "flowwidgets.widgets",
}

__all__ = [
    "AggregateResult",
    "AnalyticsPanel",
    "ApiError",
    "AuthCell",
    "BearerToken",
    "ClientCredentials",
    "Doctor",
    "Execution",
    "ExecutionHistoryRecord",
    "Finding",
    "Flow",
    "FlowPicker",
    "FlowVersion",
    "FlowwidgetsError",
    "FlowwidgetsWarning",
    "GenesysClient",
    "InputSchema",
    "LaunchButton",
    "LaunchForm",
    "LaunchOutcomeUnknownError",
    "LaunchResult",
    "Ledger",
    "Region",
    "Report",
    "Sandbox",
    "Severity",
    "StatusMonitor",
    "Troubleshooter",
    "UnknownEnumValueWarning",
    "__version__",
    "connect",
    "find_launch",
    "launch_once",
    "load_ipython_extension",
    "parse_request",
    "parse_response",
    "reconcile_executions",
    "reconcile_intervals",
    "resolve_region",
]

# The literal __all__ above must list every key of _LAZY (a test checks it).

if TYPE_CHECKING:
    from flowwidgets.analytics import Ledger, reconcile_executions, reconcile_intervals
    from flowwidgets.api import (
        AggregateResult,
        ApiError,
        BearerToken,
        ClientCredentials,
        Execution,
        ExecutionHistoryRecord,
        Flow,
        FlowVersion,
        FlowwidgetsError,
        GenesysClient,
        InputSchema,
        LaunchOutcomeUnknownError,
        LaunchResult,
        Region,
        resolve_region,
    )
    from flowwidgets.connect import connect
    from flowwidgets.diagnose import (
        Doctor,
        Finding,
        Report,
        Severity,
        parse_request,
        parse_response,
    )
    from flowwidgets.recovery import find_launch, launch_once
    from flowwidgets.sandbox import Sandbox
    from flowwidgets.widgets import (
        AnalyticsPanel,
        AuthCell,
        FlowPicker,
        LaunchButton,
        LaunchForm,
        StatusMonitor,
        Troubleshooter,
    )


def __getattr__(name: str) -> Any:
    module_name = _LAZY.get(name)
    if module_name is None:
        raise AttributeError(f"module 'flowwidgets' has no attribute {name!r}")
    value = getattr(importlib.import_module(module_name), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


def load_ipython_extension(ipython: Any) -> None:
    """Register the flowwidgets magics; called by ``%load_ext flowwidgets``."""
    from flowwidgets.magics import load_ipython_extension as load

    load(ipython)
