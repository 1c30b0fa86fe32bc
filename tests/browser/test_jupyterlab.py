"""Run the Troubleshooter in a real JupyterLab, driven by Debian's Chromium through Playwright.

JupyterLab listens on 127.0.0.1 only, with a random token; the notebook talks
to the in-process sandbox, so nothing leaves the machine.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import nbformat
import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
REPOSITORY = Path(__file__).resolve().parents[2]
OUTPUT_DIR = REPOSITORY / "test-output" / "browser"
SEED_FLOW_ID = "a1b2c3d4-e5f6-7890-abcd-ef1234567890"
STARTUP_TIMEOUT_SECONDS = 90
RUN_TIMEOUT_MS = 180_000

# Each cell drives the widgets the way a person would: click, then wait for the
# task the click started. Top-level await runs on the kernel's event loop.
CELLS = [
    "from flowwidgets.analytics import Ledger\nfrom flowwidgets.widgets import Troubleshooter\n\n"
    "app = Troubleshooter(ledger=Ledger('ledger.sqlite3'))\napp",
    "app.auth.mode.value = 'sandbox'\napp.auth.scenario.value = 'seed'\n"
    "app.auth.connect_button.click()\nawait app.wait()\nprint(app.auth.organization_name)",
    f"app.picker.select({SEED_FLOW_ID!r})\nawait app.wait()\nprint(app.form)",
    "app.form.set_value('Flow.email', 'person@example.com')\n"
    "app.form.set_value('Flow.source', 'web-form')\n"
    "app.launcher.button.click()\nawait app.wait()\nawait app.monitor.wait(timeout=120)\n"
    "app.monitor",
    "from pathlib import Path\n\n"
    "app.form.paste.value = Path('c01-web-form-launch.http').read_text()\n"
    "app.form.diagnose_button.click()\nawait app.wait()\n"
    "app.tabs.selected_index = 5\nprint('findings:', ' '.join(app.codes))\napp.report_view",
]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Lab:
    """A running JupyterLab: its base URL, token, root folder and log file."""

    url: str
    token: str
    root: Path
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


def write_notebook(root: Path) -> Path:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in CELLS]
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    path = root / "troubleshoot.ipynb"
    nbformat.write(notebook, path)
    shutil.copy(REPOSITORY / "examples" / "c01-web-form-launch.http", root)
    return path


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[Lab]:
    if not CHROMIUM.exists():
        pytest.skip(
            "Debian's Chromium is not installed at /usr/bin/chromium (apt-get install chromium)"
        )

    root = tmp_path / "root"
    root.mkdir()
    write_notebook(root)
    config_dir = tmp_path / "jupyter-config"
    config_dir.mkdir()
    # No update checks, news or extension index: JupyterLab must not reach the internet.
    (config_dir / "jupyter_server_config.py").write_text(
        "c.LabApp.news_url = None\n"
        "c.LabApp.check_for_updates_class = 'jupyterlab.NeverCheckForUpdate'\n"
        "c.LabApp.extension_manager = 'readonly'\n",
        encoding="utf-8",
    )
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(config_dir),
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
        "JUPYTER_DATA_DIR": str(tmp_path / "data"),
        "JUPYTERLAB_SETTINGS_DIR": str(tmp_path / "lab-settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "lab-workspaces"),
    }
    write_lab_settings(tmp_path / "lab-settings")
    for name in ("GENESYSCLOUD_OAUTHCLIENT_ID", "GENESYSCLOUD_ACCESS_TOKEN"):
        env.pop(name, None)

    port = free_port()
    token = secrets.token_hex(16)
    log_path = tmp_path / "jupyterlab.log"
    command = [
        sys.executable,
        "-m",
        "jupyter",
        "lab",
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")  # CI runs the suite as root
    with log_path.open("w", encoding="utf-8") as log_file:
        process = subprocess.Popen(command, stdout=log_file, stderr=subprocess.STDOUT, env=env)
    running = Lab(f"http://127.0.0.1:{port}", token, root, log_path)
    try:
        wait_until_ready(running, process)
        yield running
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def wait_until_ready(lab: Lab, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"JupyterLab exited with status {process.returncode}:\n{lab.log()}")
        try:
            response = httpx.get(f"{lab.url}/api/status", params={"token": lab.token}, timeout=2)
            if response.status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    pytest.fail(f"JupyterLab did not answer within {STARTUP_TIMEOUT_SECONDS} s:\n{lab.log()}")


def test_jupyterlab_troubleshooter_runs_c01(lab: Lab, tmp_path: Path) -> None:
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    console: list[str] = []
    OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
    screenshot = OUTPUT_DIR / "jupyterlab-troubleshooter.png"

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1800})
        page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
        page.on("pageerror", lambda error: console.append(f"pageerror: {error}"))

        def failure(reason: str) -> str:
            return (
                f"{reason}\n--- JupyterLab log ---\n{lab.log()[-8000:]}"
                f"\n--- browser console ---\n" + "\n".join(console[-200:])
            )

        try:
            page.goto(f"{lab.url}/lab/tree/troubleshoot.ipynb?token={lab.token}")
            page.wait_for_selector(".jp-Notebook", timeout=RUN_TIMEOUT_MS)
            accept_kernel_dialog(page)
            page.wait_for_selector(
                ".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=RUN_TIMEOUT_MS
            )
            run_all_cells(page)
            page.get_by_text("findings:").wait_for(timeout=RUN_TIMEOUT_MS)
            page.locator(".jupyter-widgets").first.wait_for(timeout=RUN_TIMEOUT_MS)
            page.wait_for_selector(
                ".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=RUN_TIMEOUT_MS
            )
            page.screenshot(path=str(screenshot), full_page=True)
            shutil.copy(screenshot, tmp_path / screenshot.name)
            outputs = page.locator(".jp-OutputArea").all_inner_texts()
            search_in_browser(page)
            launch_in_browser(page)
            refresh_analytics_in_browser(page)
            page.screenshot(path=str(OUTPUT_DIR / "jupyterlab-analytics.png"), full_page=True)
        except PlaywrightError as error:
            page.screenshot(path=str(screenshot), full_page=True)
            pytest.fail(failure(f"The notebook did not finish in JupyterLab: {error}"))
        finally:
            browser.close()

    text = "\n".join(outputs)
    assert "Example Web Shop" in text, failure("The sandbox connection is not shown.")
    assert "COMPLETED" in text, failure("The monitor did not show COMPLETED.")
    assert "request.unknown-field" in text, failure("The c01 findings are not shown.")
    assert "inputs.missing" in text, failure("The c01 findings are not shown.")
    assert "SANDBOX" in text, failure("The SANDBOX badge is not rendered.")
    assert "Traceback" not in text, failure("A cell raised an exception.")


def accept_kernel_dialog(page) -> None:
    """Accept the preferred kernel when JupyterLab shows its kernel selection dialog."""
    select = page.locator(".jp-Dialog button", has_text="Select")
    try:
        select.first.wait_for(timeout=15_000)
    except Exception:  # noqa: BLE001 -- no dialog means the kernel started on its own
        return
    select.first.click()


def write_lab_settings(settings_dir: Path) -> None:
    """Turn off the news prompt, which would otherwise cover part of the screenshot."""
    notification = settings_dir / "@jupyterlab" / "apputils-extension"
    notification.mkdir(parents=True)
    (notification / "notification.jupyterlab-settings").write_text(
        '{"fetchNews": "false"}', encoding="utf-8"
    )


def search_in_browser(page) -> None:
    """Type a flow search in the rendered FlowPicker and wait for the kernel's update.

    This checks the round trip from the browser to the widget's observer in
    the kernel and back, which a notebook run alone does not exercise.
    """
    page.locator(".lm-TabBar-tabLabel", has_text="2 Flow").first.click()
    search = page.get_by_placeholder("part of the flow name").first
    search.fill("no such flow")
    page.get_by_text("0 of 1 flows match").first.wait_for(timeout=60_000)


def launch_in_browser(page) -> None:
    """Launch two executions with the rendered LaunchButton and wait for the batch to end.

    The click reaches the kernel as a comm message, so this checks that a
    callback can start its asyncio task on the kernel's event loop.
    """
    page.locator(".lm-TabBar-tabLabel", has_text="3 Launch").first.click()
    count = page.locator(".widget-inline-hbox", has_text="Executions").locator("input").first
    count.fill("2")
    count.press("Enter")
    launch = page.locator("button.widget-button:visible", has_text="Launch")
    launch.filter(has_not_text="real org").first.click()
    page.get_by_text("Launched 2 execution(s)").first.wait_for(timeout=60_000)


def refresh_analytics_in_browser(page) -> None:
    """Refresh the rendered AnalyticsPanel and wait for its plotly figures to draw."""
    page.locator(".lm-TabBar-tabLabel", has_text="5 Analytics").first.click()
    page.locator("button.widget-button:visible", has_text="Refresh").first.click()
    page.locator(".js-plotly-plot").first.wait_for(timeout=60_000)


def run_all_cells(page) -> None:
    """Run every cell through the Run menu, as a person would."""
    page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
    item = page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first
    item.wait_for(timeout=30_000)
    item.click()
