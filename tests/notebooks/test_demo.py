"""Tests of ``flowwidgets demo``: the working folder and JupyterLab on loopback."""

from __future__ import annotations

import argparse
import os
import re
import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import httpx
import pytest

from flowwidgets.demo import (
    RUNBOOK,
    DemoError,
    add_demo_arguments,
    build_lab_command,
    find_notebook_folder,
    find_upwards,
    prepare_demo_dir,
)

READY_LINE = re.compile(r"JupyterLab is ready: (http://127\.0\.0\.1:\d+/\S+\?token=(\S+))")


def test_find_notebook_folder_holds_runbook() -> None:
    folder = find_notebook_folder()

    assert (folder / RUNBOOK).is_file()


def test_find_notebook_folder_prefers_package_data(tmp_path: Path) -> None:
    package_dir = tmp_path / "site-packages" / "flowwidgets"
    (package_dir / "_notebooks").mkdir(parents=True)
    (package_dir / "_notebooks" / RUNBOOK).write_text("{}", encoding="utf-8")

    folder = find_notebook_folder(package_dir)

    assert folder == package_dir / "_notebooks"


def test_find_notebook_folder_missing_names_places(tmp_path: Path) -> None:
    package_dir = tmp_path / "site-packages" / "flowwidgets"
    package_dir.mkdir(parents=True)

    with pytest.raises(DemoError) as raised:
        find_notebook_folder(package_dir)

    assert str(package_dir / "_notebooks") in str(raised.value)
    assert "pip install -e ." in str(raised.value)


def test_find_upwards_searches_parent_folders(tmp_path: Path) -> None:
    (tmp_path / "examples").mkdir()
    request = tmp_path / "examples" / "request.http"
    request.write_text("{}", encoding="utf-8")
    start = tmp_path / "notebooks" / "deeper"
    start.mkdir(parents=True)

    found = find_upwards("examples/request.http", start)

    assert found == request


def test_find_upwards_missing_file_raises(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError) as raised:
        find_upwards("examples/absent.http", tmp_path)

    assert "examples/absent.http" in str(raised.value)


def test_prepare_demo_dir_copies_notebooks_and_examples(tmp_path: Path) -> None:
    source = find_notebook_folder()

    copied = prepare_demo_dir(tmp_path, source)

    names = {path.relative_to(tmp_path).as_posix() for path in copied}
    assert RUNBOOK in names
    assert "examples/c01-web-form-launch.http" in names
    assert (tmp_path / RUNBOOK).read_bytes() == (source / RUNBOOK).read_bytes()


def test_prepare_demo_dir_keeps_existing_notebook(tmp_path: Path) -> None:
    edited = tmp_path / RUNBOOK
    edited.write_text("my edits", encoding="utf-8")

    copied = prepare_demo_dir(tmp_path, find_notebook_folder())

    assert edited not in copied
    assert edited.read_text(encoding="utf-8") == "my edits"


def test_add_demo_arguments_parses_options(tmp_path: Path) -> None:
    parser = argparse.ArgumentParser()
    add_demo_arguments(parser)

    args = parser.parse_args(["--dir", str(tmp_path), "--port", "8899", "--no-browser"])

    assert args.dir == tmp_path
    assert args.port == 8899
    assert args.no_browser is True


def test_build_lab_command_binds_loopback_and_hides_token(tmp_path: Path) -> None:
    command = build_lab_command(tmp_path, 8899, open_browser=False)

    assert "--ServerApp.ip=127.0.0.1" in command
    assert "--ServerApp.port=8899" in command
    assert f"--LabApp.default_url=/lab/tree/{RUNBOOK}" in command
    assert not any("token" in part.lower() for part in command)


def ignore_sigint() -> None:
    """Ignore SIGINT in the child, as a non-interactive shell does for a background job."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("stop_signal", "preexec"),
    [(signal.SIGINT, ignore_sigint), (signal.SIGTERM, None)],
    ids=["ctrl-c-in-background", "sigterm"],
)
def test_run_demo_serves_and_stops(
    tmp_path: Path, stop_signal: signal.Signals, preexec: Any
) -> None:
    script = textwrap.dedent(
        f"""
        import argparse, sys
        from pathlib import Path
        from flowwidgets.demo import run_demo
        sys.exit(run_demo(argparse.Namespace(dir=Path({str(tmp_path)!r}), port=0, no_browser=True)))
        """
    )
    environment = {**os.environ, "JUPYTER_CONFIG_DIR": str(tmp_path / "config")}
    demo = subprocess.Popen(
        [sys.executable, "-c", script],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=environment,
        preexec_fn=preexec,
    )
    lines = []
    try:
        assert demo.stdout is not None
        for line in demo.stdout:
            lines.append(line)
            match = READY_LINE.search(line)
            if match:
                break
        assert match, "".join(lines)
        url, token = match.group(1), match.group(2)

        page = httpx.get(url, timeout=30.0)
        contents = httpx.get(
            f"{url.split('/lab/')[0]}/api/contents/{RUNBOOK}",
            headers={"Authorization": f"token {token}"},
            timeout=30.0,
        )
        unauthorized = httpx.get(f"{url.split('/lab/')[0]}/api/contents/{RUNBOOK}", timeout=30.0)

        demo.send_signal(stop_signal)
        demo.communicate(timeout=60)
        status = demo.returncode
    finally:
        if demo.poll() is None:
            demo.kill()
            demo.wait()

    with pytest.raises(httpx.ConnectError):
        httpx.get(url, timeout=5.0)
    assert page.status_code == 200
    assert contents.status_code == 200
    assert contents.json()["type"] == "notebook"
    assert unauthorized.status_code == 403
    assert status == 0
    assert (tmp_path / RUNBOOK).is_file()


def test_cli_demo_accepts_options(tmp_path: Path) -> None:
    from flowwidgets.cli import build_parser

    args = build_parser().parse_args(["demo", "--dir", str(tmp_path), "--no-browser"])

    assert args.command == "demo"
    assert args.dir == tmp_path
    assert args.no_browser is True
    assert args.port == 0
