"""The IPython extension: ``%load_ext flowwidgets`` registers the flowwidgets magics.

``%flowwidgets_connect [--sandbox SCENARIO | --region R]``
    Connect and store the client as ``flowwidgets_client`` in the user namespace.
``%%flowwidgets_doctor`` (the cell contains a request) and ``%flowwidgets_doctor VARIABLE``
    Check a launch request and show the findings report.
``%flowwidgets_troubleshoot``
    Show the Troubleshooter widget, connected when a client is stored.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import shlex
from typing import TYPE_CHECKING, Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_cell_magic, line_magic, magics_class
from IPython.display import HTML, display

if TYPE_CHECKING:
    from flowwidgets.api import GenesysClient
    from flowwidgets.diagnose import Report
    from flowwidgets.widgets import Troubleshooter

logger = logging.getLogger("flowwidgets.magics")

CLIENT_VARIABLE = "flowwidgets_client"
REPORT_VARIABLE = "flowwidgets_report"


class _ArgumentParser(argparse.ArgumentParser):
    """An argument parser that raises ``UsageError`` in place of exiting the kernel."""

    def error(self, message: str) -> Any:
        raise UsageError(f"{message}\n{self.format_usage()}")


def _connect_parser() -> _ArgumentParser:
    parser = _ArgumentParser(prog="%flowwidgets_connect", add_help=False)
    target = parser.add_mutually_exclusive_group()
    target.add_argument("--sandbox", metavar="SCENARIO", help="connect to a sandbox scenario")
    target.add_argument(
        "--region",
        metavar="REGION",
        help="connect to a real org in REGION with the GENESYSCLOUD_* environment variables",
    )
    return parser


def _has_running_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


@magics_class
class FlowwidgetsMagics(Magics):
    """Magics that connect, check launch requests and open the Troubleshooter."""

    def _client(self) -> GenesysClient | None:
        return self.shell.user_ns.get(CLIENT_VARIABLE) if self.shell is not None else None

    @line_magic
    def flowwidgets_connect(self, line: str) -> GenesysClient:
        """Connect to the sandbox or a real org and store the client as ``flowwidgets_client``."""
        from flowwidgets.connect import connect

        args = _connect_parser().parse_args(shlex.split(line))
        if args.region is not None:
            client_id = os.environ.get("GENESYSCLOUD_OAUTHCLIENT_ID")
            secret = os.environ.get("GENESYSCLOUD_OAUTHCLIENT_SECRET")
            token = os.environ.get("GENESYSCLOUD_ACCESS_TOKEN")
            if token:
                client = connect(region=args.region, access_token=token)
            elif client_id and secret:
                client = connect(region=args.region, client_id=client_id, client_secret=secret)
            else:
                raise UsageError(
                    "No credentials for --region: set GENESYSCLOUD_OAUTHCLIENT_ID and "
                    "GENESYSCLOUD_OAUTHCLIENT_SECRET (or GENESYSCLOUD_ACCESS_TOKEN), or use "
                    "--sandbox SCENARIO to connect to the simulated org."
                )
        else:
            scenario = args.sandbox or "seed"
            try:
                client = connect(sandbox=scenario)
            except Exception as error:
                raise UsageError(
                    f"Cannot start the sandbox scenario {scenario!r}: {error}. "
                    "Use a bundled scenario name (see flowwidgets.sandbox.list_scenarios()) "
                    "or a path to a scenario JSON file."
                ) from error

        assert self.shell is not None
        self.shell.user_ns[CLIENT_VARIABLE] = client
        where = "the sandbox" if client.sandbox is not None else client.api_base_url
        logger.info("%%flowwidgets_connect: connected to %s", where)
        return client

    @line_cell_magic
    def flowwidgets_doctor(self, line: str, cell: str | None = None) -> Report | None:
        """Check a launch request: the cell's text, or the variable named on the line."""
        text = cell if cell is not None else self._request_from_variable(line.strip())
        if not text.strip():
            raise UsageError(
                "There is no request to check: put a launch body, HTTP request or curl command "
                "in the cell under %%flowwidgets_doctor, or name a variable: "
                "%flowwidgets_doctor my_request."
            )
        return self._run_doctor(text)

    def _request_from_variable(self, name: str) -> str:
        if not name:
            raise UsageError(
                "Name the variable that contains the request, e.g. %flowwidgets_doctor body, "
                "or use %%flowwidgets_doctor with the request in the cell."
            )
        assert self.shell is not None
        if name not in self.shell.user_ns:
            raise UsageError(f"No variable named {name!r}: define it first or check the spelling.")
        value = self.shell.user_ns[name]
        if isinstance(value, bytes):
            return value.decode("utf-8", errors="replace")
        if isinstance(value, str):
            return value
        if isinstance(value, dict | list):
            return json.dumps(value)
        raise UsageError(
            f"{name!r} is a {type(value).__name__}; it must be a str, bytes or dict holding the "
            "request (a JSON body, an HTTP message or a curl command)."
        )

    def _run_doctor(self, text: str) -> Report | None:
        from flowwidgets.diagnose import Doctor, Report, check_request, parse_request

        try:
            observed = parse_request(text)
        except ValueError as error:
            raise UsageError(f"Cannot read the request: {error}") from error

        client = self._client()
        if client is None:
            report = Report(context={}, findings=check_request(observed))
            return self._show(report)
        if not _has_running_loop():
            return self._show(asyncio.run(Doctor(client).run(request=observed)))

        # Inside a kernel the event loop is already running: check in the background
        # and fill the display in when the report is ready.
        handle = display(HTML("<i>Checking the request...</i>"), display_id=True)
        task = asyncio.get_running_loop().create_task(Doctor(client).run(request=observed))
        task.add_done_callback(lambda done: self._update(handle, done))
        return None

    def _show(self, report: Report) -> Report:
        assert self.shell is not None
        self.shell.user_ns[REPORT_VARIABLE] = report
        return report

    def _update(self, handle: Any, task: asyncio.Task[Report]) -> None:
        if task.cancelled():
            handle.update(HTML("<i>The check was cancelled.</i>"))
            return
        error = task.exception()
        if error is not None:
            logger.warning("%%flowwidgets_doctor failed: %s", error)
            handle.update(HTML(f"<b>The check failed:</b> {type(error).__name__}: {error}"))
            return
        report = self._show(task.result())
        handle.update(HTML(report.to_html()))

    @line_magic
    def flowwidgets_troubleshoot(self, line: str) -> Troubleshooter:
        """Return the Troubleshooter, connected to ``flowwidgets_client`` when one is stored."""
        from flowwidgets.widgets import Troubleshooter

        if line.strip():
            raise UsageError(
                "%flowwidgets_troubleshoot takes no arguments; connect first with "
                "%flowwidgets_connect to preselect the org."
            )
        return Troubleshooter(client=self._client())


def load_ipython_extension(ipython: Any) -> None:
    """Register the flowwidgets magics with ``ipython``."""
    ipython.register_magics(FlowwidgetsMagics)
