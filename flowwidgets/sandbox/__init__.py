"""A simulated Genesys Cloud org for notebooks, demos, tests and bug reproductions.

The sandbox serves the Platform API subset flowwidgets uses (token endpoint,
who-am-I, flows and versions, launch, execution status, execution history and
flow-execution analytics) as an ASGI app, in-process through
``Sandbox.transport()`` or on loopback with ``flowwidgets sandbox serve``.
"""

from flowwidgets.sandbox.clock import SandboxClock
from flowwidgets.sandbox.core import Sandbox, SandboxTransport
from flowwidgets.sandbox.scenario import (
    SandboxOAuthClient,
    ScenarioError,
    list_scenarios,
    load_scenario,
)

__all__ = [
    "Sandbox",
    "SandboxClock",
    "SandboxOAuthClient",
    "SandboxTransport",
    "ScenarioError",
    "list_scenarios",
    "load_scenario",
]
