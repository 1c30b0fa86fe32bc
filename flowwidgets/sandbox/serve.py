"""``flowwidgets sandbox serve``: the sandbox on loopback for any HTTP client."""

from __future__ import annotations

import argparse
import errno
import logging
import math
import socket
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import uvicorn

from flowwidgets.sandbox.app import is_loopback
from flowwidgets.sandbox.core import Sandbox
from flowwidgets.sandbox.scenario import ScenarioError, list_scenarios

logger = logging.getLogger("flowwidgets.sandbox")

DEFAULT_PORT = 8765
EXIT_USAGE = 2
_STARTUP_TIMEOUT_SECONDS = 10.0


def add_serve_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the options of ``flowwidgets sandbox serve`` to ``parser``."""
    parser.add_argument(
        "--scenario",
        default="seed",
        metavar="NAME|FILE",
        help=f"bundled scenario name ({', '.join(list_scenarios())}) or a scenario JSON file "
        "(default: seed)",
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)"
    )
    parser.add_argument(
        "--port",
        type=port_number,
        default=DEFAULT_PORT,
        help=f"TCP port to listen on, 0 for a free one (default: {DEFAULT_PORT})",
    )
    parser.add_argument(
        "--speed",
        type=clock_speed,
        default=None,
        help="scenario seconds per real second, e.g. 60 makes a minute of analytics lag pass in "
        "a second (default: the scenario's clock speed, usually 1)",
    )
    parser.add_argument(
        "--allow-remote",
        action="store_true",
        help="allow listening on a non-loopback address; the sandbox has fake secrets and no TLS",
    )


def port_number(text: str) -> int:
    """Parse ``--port``: an integer from 0 to 65535, where 0 picks a free port."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid port {text!r}: expected an integer") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(
            f"invalid port {value}: use a port from 1 to 65535, or 0 for a free one"
        )
    return value


def clock_speed(text: str) -> float:
    """Parse ``--speed``: a finite number of scenario seconds per real second, 0 or more."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid speed {text!r}: expected a number") from None
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(
            f"invalid speed {text!r}: use a finite number of 0 or more (0 stops the clock)"
        )
    return value


def open_listener(host: str, port: int) -> socket.socket:
    """Bind a TCP socket to ``host``:``port`` so the real port is known before serving.

    Raises
    ------
    OSError
        When the address cannot be bound, e.g. ``EADDRINUSE`` for a port in use.
    """
    family, kind, protocol, _, address = socket.getaddrinfo(
        host.strip("[]"), port, type=socket.SOCK_STREAM
    )[0]
    listener = socket.socket(family, kind, protocol)
    try:
        # The same option uvicorn sets: a restart may reuse a port left in TIME_WAIT,
        # but binding still fails while another socket listens on it.
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(address)
    except OSError:
        listener.close()
        raise
    return listener


def run_serve(args: argparse.Namespace) -> int:
    """Serve the sandbox with uvicorn until interrupted and return the exit status."""
    if not is_loopback(args.host) and not args.allow_remote:
        print(
            f"error: refusing to listen on {args.host}, which is not a loopback address. "
            "Use --host 127.0.0.1, or add --allow-remote if other machines must reach the sandbox.",
            file=sys.stderr,
        )
        return EXIT_USAGE
    try:
        sandbox = Sandbox.from_scenario(args.scenario, speed=args.speed)
    except ScenarioError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE

    try:
        listener = open_listener(args.host, args.port)
    except OSError as error:
        print(f"error: {_bind_failure(args.host, args.port, error)}", file=sys.stderr)
        return EXIT_USAGE

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)

    bound_port = listener.getsockname()[1]
    url = f"http://{_url_host(args.host)}:{bound_port}"
    print(_banner(sandbox, url), flush=True)
    config = uvicorn.Config(
        sandbox.app, host=args.host, port=bound_port, log_level="warning", lifespan="off"
    )
    try:
        uvicorn.Server(config).run(sockets=[listener])
    finally:
        listener.close()
        logger.removeHandler(handler)
    return 0


def _bind_failure(host: str, port: int, error: OSError) -> str:
    if error.errno == errno.EADDRINUSE:
        return (
            f"port {port} on {host} is already in use. Stop the program using it, "
            "or choose another port with --port N, or --port 0 for a free one."
        )
    if error.errno == errno.EACCES:
        return (
            f"no permission to listen on port {port} of {host}. "
            "Use a port from 1024 up, or --port 0 for a free one."
        )
    return f"cannot listen on {host}:{port}: {error.strerror or error}"


def _banner(sandbox: Sandbox, url: str) -> str:
    name = sandbox.scenario.name
    lines = [
        f"flowwidgets sandbox: scenario {name!r} (region {sandbox.region}) at {url}",
        f"  {sandbox.scenario.description}",
        f"  token endpoint: POST {url}/oauth/token; API: {url}/api/v2/...",
        "  OAuth clients (sandbox secrets are fake):",
    ]
    lines.extend(
        f"    client id {client.client_id}  secret {client.secret}  ({client.name})"
        for client in sandbox.clients
    )
    lines.append(f"  use: GenesysClient(api_host={url!r}, auth=ClientCredentials(id, secret))")
    return "\n".join(lines)


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


@dataclass(frozen=True)
class ServedSandbox:
    """A sandbox served on loopback by :func:`serve_in_thread`."""

    sandbox: Sandbox
    host: str
    port: int

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:54321``."""
        return f"http://{_url_host(self.host)}:{self.port}"


@contextmanager
def serve_in_thread(
    sandbox: Sandbox, host: str = "127.0.0.1", port: int = 0
) -> Iterator[ServedSandbox]:
    """Serve ``sandbox`` with uvicorn in a background thread for the duration of a ``with`` block.

    ``port=0`` picks a free port; the yielded object's ``.url`` has the real one.
    """
    if not is_loopback(host):
        raise ValueError(f"serve_in_thread only listens on loopback addresses, got {host!r}")

    config = uvicorn.Config(sandbox.app, host=host, port=port, log_level="error", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="flowwidgets-sandbox", daemon=True)
    thread.start()
    deadline = time.monotonic() + _STARTUP_TIMEOUT_SECONDS
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            raise RuntimeError(f"the sandbox server did not start on {host}:{port}")
        time.sleep(0.01)

    bound_port = server.servers[0].sockets[0].getsockname()[1]
    logger.info("sandbox %r serving on %s:%s", sandbox.scenario.name, host, bound_port)
    try:
        yield ServedSandbox(sandbox, host, bound_port)
    finally:
        server.should_exit = True
        thread.join(timeout=_STARTUP_TIMEOUT_SECONDS)
        logger.info("sandbox %r on %s:%s stopped", sandbox.scenario.name, host, bound_port)
