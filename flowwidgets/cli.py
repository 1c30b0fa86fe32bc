"""The ``flowwidgets`` command: ``doctor``, ``sandbox serve`` and ``demo``.

Each subcommand lives with its layer; this module only builds the parser and
dispatches, so ``flowwidgets --help`` imports nothing heavy.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

#: Exit status for usage errors and connection problems (0 and 1 are the doctor's verdicts).
EXIT_USAGE = 2


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser of the ``flowwidgets`` command."""
    from flowwidgets.demo import add_demo_arguments
    from flowwidgets.diagnose.command import add_doctor_arguments
    from flowwidgets.sandbox.serve import add_serve_arguments

    parser = argparse.ArgumentParser(
        prog="flowwidgets",
        description=(
            "Find out why a Genesys Cloud workflow launched through "
            "POST /api/v2/flows/executions never seems to run."
        ),
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    doctor = commands.add_parser(
        "doctor",
        help="check a launch request, response or execution and explain what went wrong",
        description="Check a launch request, response or execution and explain what went wrong.",
    )
    add_doctor_arguments(doctor)

    sandbox = commands.add_parser("sandbox", help="run the simulated Genesys Cloud org")
    sandbox_commands = sandbox.add_subparsers(
        dest="sandbox_command", metavar="COMMAND", required=True
    )
    serve = sandbox_commands.add_parser(
        "serve",
        help="serve the sandbox org over HTTP on loopback",
        description=(
            "Serve the sandbox org over HTTP so that any client "
            "(curl, an SDK, your own backend) can call it."
        ),
    )
    add_serve_arguments(serve)

    demo = commands.add_parser(
        "demo",
        help="start JupyterLab on loopback with the troubleshooting runbook open on the sandbox",
        description=(
            "Start JupyterLab on loopback with the troubleshooting runbook open on the sandbox."
        ),
    )
    add_demo_arguments(demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``flowwidgets`` command and return its exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)

    if args.command == "doctor":
        from flowwidgets.diagnose.command import run_doctor

        return run_doctor(args)
    if args.command == "sandbox":
        from flowwidgets.sandbox.serve import run_serve

        return run_serve(args)
    if args.command == "demo":
        from flowwidgets.demo import run_demo

        return run_demo(args)
    parser.error(f"unknown command {args.command!r}")
    return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
