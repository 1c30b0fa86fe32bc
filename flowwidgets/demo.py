"""The ``flowwidgets demo`` command: JupyterLab on loopback with the runbook open.

The notebooks are copied into a working folder (``~/flowwidgets-demo``, or the
folder given with ``--dir``) so that the originals shipped with the package stay
clean. Notebooks the user already has in that folder are kept as they are.
JupyterLab runs as a child process in its own session, so Ctrl-C reaches only
this command, which then stops the server and waits for it.
"""

from __future__ import annotations

import argparse
import logging
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

logger = logging.getLogger("flowwidgets.demo")

#: The notebook the demo opens first.
RUNBOOK = "troubleshoot-a-flow-launch.ipynb"

#: Default working folder for the copied notebooks.
DEFAULT_DEMO_DIR = Path("~/flowwidgets-demo")

#: Seconds to wait for JupyterLab to respond before giving up.
STARTUP_TIMEOUT = 120.0

#: Seconds to wait for JupyterLab to stop after it was asked to.
SHUTDOWN_TIMEOUT = 20.0

EXIT_OK = 0
EXIT_USAGE = 2


class DemoError(Exception):
    """The demo could not be prepared or started. The message states the fix."""


def add_demo_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the options of ``flowwidgets demo`` to ``parser``."""
    parser.add_argument(
        "--dir",
        type=Path,
        default=DEFAULT_DEMO_DIR,
        help=(
            "working folder the notebooks are copied into and JupyterLab serves "
            f"(default: {DEFAULT_DEMO_DIR}); notebooks already there are kept"
        ),
    )
    parser.add_argument(
        "--port",
        type=int,
        default=0,
        help="TCP port on 127.0.0.1 for JupyterLab (default: a free port)",
    )
    parser.add_argument(
        "--no-browser",
        action="store_true",
        help="print the URL but do not open a web browser",
    )


def find_notebook_folder(package_dir: Path | None = None) -> Path:
    """Return the folder that contains the packaged notebooks.

    A wheel may carry them as package data in ``flowwidgets/_notebooks``, and a
    source checkout has them in ``notebooks/`` next to the package.
    ``package_dir`` defaults to the folder of the installed ``flowwidgets``.

    Raises
    ------
    DemoError
        If neither folder contains the runbook.
    """
    package_dir = package_dir or Path(__file__).resolve().parent
    candidates = [package_dir / "_notebooks", package_dir.parent / "notebooks"]
    for folder in candidates:
        if (folder / RUNBOOK).is_file():
            return folder

    searched = ", ".join(str(folder) for folder in candidates)
    raise DemoError(
        f"The notebooks were not found (looked in {searched}). Run the demo from a source "
        "checkout installed with `pip install -e .`, or install a build that ships them."
    )


def find_upwards(name: str | os.PathLike[str], start: Path | None = None) -> Path:
    """Find a file by its relative name in ``start`` (default: the working folder) or a parent.

    The notebooks use it for their ``request_file`` parameter, so the default
    ``examples/...`` works from ``notebooks/`` in a checkout, from the repository
    root (as papermill runs it) and from the demo folder. Absolute names and
    ``~`` are taken as they are.

    Raises
    ------
    FileNotFoundError
        If no folder on the way up has the file.
    """
    path = Path(name).expanduser()
    if path.is_absolute():
        if not path.is_file():
            raise FileNotFoundError(f"{path} does not exist or is not a file.")
        return path

    folder = (start or Path.cwd()).resolve()
    for candidate in (folder, *folder.parents):
        if (candidate / path).is_file():
            return candidate / path
    raise FileNotFoundError(
        f"{path} was not found in {folder} or any folder above it. Give an absolute path."
    )


def find_examples_folder(notebook_folder: Path) -> Path | None:
    """Return the folder of example requests that belongs to ``notebook_folder``, if any."""
    for folder in (notebook_folder / "examples", notebook_folder.parent / "examples"):
        if folder.is_dir():
            return folder
    return None


def prepare_demo_dir(target: Path, notebook_folder: Path) -> list[Path]:
    """Copy the notebooks and example requests into ``target`` and return what was copied.

    Files that already exist in ``target`` are left untouched, so edits made
    in an earlier demo survive.
    """
    target.mkdir(parents=True, exist_ok=True)
    sources = [(path, target / path.name) for path in sorted(notebook_folder.glob("*.ipynb"))]

    examples = find_examples_folder(notebook_folder)
    if examples is not None:
        sources += [
            (path, target / "examples" / path.name)
            for path in sorted(examples.iterdir())
            if path.is_file()
        ]

    copied = []
    for source, destination in sources:
        if destination.exists():
            continue
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, destination)
        copied.append(destination)
    return copied


def find_free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def build_lab_command(root_dir: Path, port: int, open_browser: bool) -> list[str]:
    """Build the command line that starts JupyterLab on loopback with the runbook open.

    The token is not on the command line (other users could read it in the
    process list), so it is passed in the ``JUPYTER_TOKEN`` environment variable.
    """
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--ServerApp.root_dir={root_dir}",
        f"--ServerApp.open_browser={open_browser}",
        f"--LabApp.default_url=/lab/tree/{RUNBOOK}",
    ]
    # JupyterLab refuses to start as root without this option, and containers often run as root.
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--ServerApp.allow_root=True")
    return command


def wait_until_ready(url: str, process: subprocess.Popen[bytes], timeout: float) -> None:
    """Poll ``url`` until JupyterLab responds, the process exits or ``timeout`` seconds pass.

    Raises
    ------
    DemoError
        If JupyterLab exited or did not respond in time.
    """
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise DemoError(
                f"JupyterLab exited with status {process.returncode} before it responded; "
                "its messages above say why."
            )
        try:
            response = httpx.get(url, timeout=2.0)
        except httpx.TransportError:
            time.sleep(0.25)
            continue
        if response.status_code == 200:
            return
        time.sleep(0.25)

    raise DemoError(f"JupyterLab did not respond on {url} within {timeout:.0f} seconds.")


def stop_lab(process: subprocess.Popen[bytes]) -> None:
    """Stop JupyterLab with SIGTERM (its clean shutdown), then SIGKILL if it hangs."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=SHUTDOWN_TIMEOUT)
    except subprocess.TimeoutExpired:
        logger.warning("JupyterLab did not stop within %.0f s; killing it", SHUTDOWN_TIMEOUT)
        process.kill()
        process.wait()


def _interrupt(signum: int, _frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def install_stop_handlers() -> dict[int, Any]:
    """Make SIGINT, SIGTERM and SIGHUP raise KeyboardInterrupt and return the previous handlers.

    JupyterLab runs in its own session, so it gets none of these signals itself.
    A shell that starts the demo in the background ignores SIGINT, and a plain
    SIGTERM would end the demo without stopping JupyterLab, so all three are
    turned into the same clean shutdown.
    """
    previous = {}
    for number in (signal.SIGINT, signal.SIGTERM, getattr(signal, "SIGHUP", None)):
        if number is not None:
            previous[number] = signal.signal(number, _interrupt)
    return previous


def run_demo(args: argparse.Namespace) -> int:
    """Run ``flowwidgets demo`` until Ctrl-C and return the exit status.

    Parameters
    ----------
    args
        Parsed options; ``dir``, ``port`` and ``no_browser`` are read when
        present (see :func:`add_demo_arguments`), defaults apply otherwise.
    """
    target = Path(getattr(args, "dir", None) or DEFAULT_DEMO_DIR).expanduser().resolve()
    port = getattr(args, "port", 0) or find_free_port()
    open_browser = not getattr(args, "no_browser", False)

    try:
        notebook_folder = find_notebook_folder()
        copied = prepare_demo_dir(target, notebook_folder)
    except (DemoError, OSError) as error:
        print(f"flowwidgets demo: {error}", file=sys.stderr)
        return EXIT_USAGE
    print(f"Notebooks in {target} ({len(copied)} copied, existing files kept).", flush=True)

    token = secrets.token_urlsafe(24)
    environment = {**os.environ, "JUPYTER_TOKEN": token}
    command = build_lab_command(target, port, open_browser)
    # The command is our own interpreter with fixed options, and no shell is involved.
    process = subprocess.Popen(  # noqa: S603
        command, cwd=target, env=environment, start_new_session=True
    )
    logger.info("started JupyterLab (pid %d) on 127.0.0.1:%d", process.pid, port)

    base_url = f"http://127.0.0.1:{port}"
    previous_handlers = install_stop_handlers()
    try:
        wait_until_ready(f"{base_url}/api/status?token={token}", process, STARTUP_TIMEOUT)
        print(f"JupyterLab is ready: {base_url}/lab/tree/{RUNBOOK}?token={token}", flush=True)
        print("Press Ctrl-C to stop it.", flush=True)
        status = process.wait()
    except KeyboardInterrupt:
        print("\nStopping JupyterLab...", flush=True)
        status = EXIT_OK
    except DemoError as error:
        print(f"flowwidgets demo: {error}", file=sys.stderr)
        status = EXIT_USAGE
    finally:
        stop_lab(process)
        for number, handler in previous_handlers.items():
            signal.signal(number, handler)

    logger.info("JupyterLab stopped with status %s", process.returncode)
    return status
