"""``flowwidgets doctor``: check a launch request, response or execution from the command line."""

from __future__ import annotations

import argparse
import asyncio
import html
import logging
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flowwidgets.diagnose.parse import MAX_TEXT_CHARS
from flowwidgets.diagnose.report import Report

if TYPE_CHECKING:
    from flowwidgets.api import GenesysClient

logger = logging.getLogger("flowwidgets.diagnose")

EXIT_OK = 0
EXIT_ERRORS = 1
EXIT_USAGE = 2

_CREDENTIAL_VARIABLES = ("GENESYSCLOUD_OAUTHCLIENT_ID", "GENESYSCLOUD_ACCESS_TOKEN")
_API_HOST_VARIABLE = "GENESYSCLOUD_API_HOST"


class UsageError(Exception):
    """The command line or an input file cannot be used; the message names it and the reason."""


def add_doctor_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the options of ``flowwidgets doctor`` to ``parser``."""
    parser.add_argument(
        "--request",
        metavar="FILE",
        help="what was sent: a JSON body, an HTTP message or a curl command line ('-' reads stdin)",
    )
    parser.add_argument(
        "--response",
        metavar="FILE",
        help="what came back: status line, headers and body ('-' reads stdin)",
    )
    parser.add_argument("--execution-id", metavar="ID", help="an execution to explain")
    parser.add_argument(
        "--flow-id", metavar="ID", help="the flow to check when the request has no flowId"
    )
    parser.add_argument(
        "--launch",
        action="store_true",
        help="launch the request body as sent, follow the execution and explain how it ended",
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="with --launch: launch even when an error finding shows the launch cannot run",
    )
    parser.add_argument(
        "--sandbox",
        nargs="?",
        const="seed",
        metavar="SCENARIO",
        help="check against the simulated org of a bundled scenario or scenario file "
        "(default scenario: seed); without it, credentials come from GENESYSCLOUD_* variables",
    )
    parser.add_argument(
        "--api-host",
        metavar="URL",
        help="base URL of the API to check instead of the region's api.<domain>, such as a "
        "served sandbox (http://127.0.0.1:8765); credentials come from GENESYSCLOUD_* variables "
        f"and GENESYSCLOUD_REGION may be omitted (default: ${_API_HOST_VARIABLE})",
    )
    parser.add_argument(
        "--format", choices=("text", "json", "html"), default="text", help="report format"
    )
    parser.add_argument(
        "--output", metavar="FILE", help="write the report to FILE instead of standard output"
    )
    parser.add_argument(
        "--masked",
        action="store_true",
        help="mask input values, e-mail addresses and tokens in the report, for sharing",
    )


def run_doctor(args: argparse.Namespace) -> int:
    """Run ``flowwidgets doctor`` with parsed arguments and return the exit status.

    Returns
    -------
    int
        0 when no finding is an error, 1 when one is, 2 for usage errors and connection problems.
    """
    try:
        if args.request == "-" and args.response == "-":
            raise UsageError("--response - : standard input is already used by --request")
        request = _read_input(args.request, "--request")
        response = _read_input(args.response, "--response")
        if request is None and response is None and not args.execution_id and not args.flow_id:
            raise UsageError(
                "give at least one of --request, --response, --execution-id or --flow-id"
            )
        if args.force and not args.launch:
            raise UsageError("--force only applies together with --launch")
        client = _build_client(args)
        if args.launch and client is None:
            raise UsageError(
                "--launch needs --sandbox or credentials in GENESYSCLOUD_* environment variables"
            )
    except UsageError as error:
        print(f"flowwidgets doctor: {error}", file=sys.stderr)
        return EXIT_USAGE

    report = asyncio.run(_run(client, args, request, response))
    if getattr(args, "masked", False):
        report = report.masked()

    try:
        _write(report, args.format, args.output)
    except OSError as error:
        print(
            f"flowwidgets doctor: cannot write --output {args.output}: {error.strerror}",
            file=sys.stderr,
        )
        return EXIT_USAGE

    if "doctor.connection-failed" in report.codes:
        return EXIT_USAGE
    return EXIT_ERRORS if report.has_errors else EXIT_OK


async def _run(
    client: GenesysClient | None,
    args: argparse.Namespace,
    request: bytes | None,
    response: bytes | None,
) -> Report:
    from flowwidgets.diagnose.doctor import Doctor

    options: dict[str, Any] = {
        "request": request,
        "response": response,
        "flow_id": args.flow_id,
        "execution_id": args.execution_id,
        "launch": args.launch,
        "force": args.force,
    }
    if client is None:
        return await Doctor(None).run(**options)
    async with client:
        return await Doctor(client).run(**options)


def _read_input(path: str | None, option: str) -> bytes | None:
    """Read at most one character more than the doctor checks, so that the cap can be reported."""
    if path is None:
        return None
    limit = MAX_TEXT_CHARS * 4 + 1  # UTF-8 takes at most 4 bytes a character
    if path == "-":
        return sys.stdin.buffer.read(limit)
    try:
        with Path(path).open("rb") as stream:
            return stream.read(limit)
    except IsADirectoryError as error:
        raise UsageError(f"cannot read {option} {path}: it is a directory") from error
    except OSError as error:
        raise UsageError(f"cannot read {option} {path}: {error.strerror or error}") from error


def _build_client(args: argparse.Namespace) -> GenesysClient | None:
    api_host = getattr(args, "api_host", None) or os.environ.get(_API_HOST_VARIABLE, "").strip()
    has_credentials = any(os.environ.get(name) for name in _CREDENTIAL_VARIABLES)
    if args.sandbox is not None and getattr(args, "api_host", None):
        raise UsageError(
            "--api-host and --sandbox exclude each other; --sandbox checks the in-process "
            "simulated org, --api-host a served sandbox or another API host"
        )
    if args.sandbox is None and not has_credentials:
        if api_host:
            source = "--api-host" if getattr(args, "api_host", None) else _API_HOST_VARIABLE
            raise UsageError(
                f"{source} {api_host} needs credentials: set GENESYSCLOUD_OAUTHCLIENT_ID and "
                "GENESYSCLOUD_OAUTHCLIENT_SECRET (or GENESYSCLOUD_ACCESS_TOKEN)"
            )
        return None
    from flowwidgets.api import ConfigurationError
    from flowwidgets.connect import connect

    try:
        if args.sandbox is not None:
            return connect(sandbox=args.sandbox)
        return connect(api_host=api_host or None)
    except (ConfigurationError, ValueError, OSError) as error:
        # ScenarioError is a ValueError; its message names the bad field.
        raise UsageError(str(error)) from error


def _write(report: Report, output_format: str, output: str | None) -> None:
    if output_format == "json":
        text = report.to_json() + "\n"
    elif output_format == "html":
        text = (
            '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f"<title>{html.escape('flowwidgets doctor report')}</title></head><body>\n"
            f"{report.to_html()}\n</body></html>\n"
        )
    else:
        text = report.to_text()
    if output:
        Path(output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
