"""Jupyter widgets (ipywidgets 8) that connect, launch, watch and explain workflow executions.

Each widget is thin: its callbacks call plain methods and functions that tests
and scripts can call directly.
"""

from flowwidgets.widgets.analytics_panel import AnalyticsPanel
from flowwidgets.widgets.auth import AuthCell
from flowwidgets.widgets.flows import FlowPicker, filter_flows, launch_problem
from flowwidgets.widgets.inputs import parse_input_value
from flowwidgets.widgets.launch_button import LaunchButton
from flowwidgets.widgets.launch_form import LaunchForm
from flowwidgets.widgets.monitor import StatusMonitor
from flowwidgets.widgets.snippets import (
    build_launch_body,
    request_as_curl,
    request_as_fetch,
    request_as_httpx,
)
from flowwidgets.widgets.troubleshooter import Troubleshooter

__all__ = [
    "AnalyticsPanel",
    "AuthCell",
    "FlowPicker",
    "LaunchButton",
    "LaunchForm",
    "StatusMonitor",
    "Troubleshooter",
    "build_launch_body",
    "filter_flows",
    "launch_problem",
    "parse_input_value",
    "request_as_curl",
    "request_as_fetch",
    "request_as_httpx",
]
