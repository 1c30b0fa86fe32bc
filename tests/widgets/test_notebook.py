"""A notebook saved with its widget state contains neither its secret nor its token."""

from __future__ import annotations

import json

import httpx
import nbformat
import pytest
from nbclient import NotebookClient

from flowwidgets.sandbox import Sandbox
from flowwidgets.sandbox.serve import serve_in_thread

pytestmark = [pytest.mark.notebook, pytest.mark.slow]

CLIENT_ID = "sandbox-client"
SECRET = "sandbox-secret"

CONNECT_WITH_SECRET = """
import os
from flowwidgets.widgets import AuthCell

with_secret = AuthCell(mode="client credentials")
with_secret.region.value = "custom host"
with_secret.custom_host.value = os.environ["FLOWWIDGETS_TEST_HOST"]
with_secret.client_id.value = os.environ["FLOWWIDGETS_TEST_CLIENT_ID"]
with_secret.client_secret.value = os.environ["FLOWWIDGETS_TEST_SECRET"]
with_secret.connect_button.click()
with_secret
"""

CONNECT_WITH_TOKEN = """
with_token = AuthCell(mode="access token")
with_token.region.value = "custom host"
with_token.custom_host.value = os.environ["FLOWWIDGETS_TEST_HOST"]
with_token.token.value = os.environ["FLOWWIDGETS_TEST_TOKEN"]
with_token.connect_button.click()
with_token
"""

WAIT_AND_SHOW = """
await with_secret.wait()
await with_token.wait()
print(with_secret.organization_name, with_secret.errors.text or "no error")
print(with_token.organization_name, with_token.errors.text or "no error")
with_secret.client, with_token.client
"""


def fetch_token(base_url: str) -> str:
    response = httpx.post(
        f"{base_url}/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(CLIENT_ID, SECRET),
        timeout=10,
    )
    response.raise_for_status()
    return str(response.json()["access_token"])


def test_notebook_saved_state_has_no_secret(tmp_path, monkeypatch) -> None:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell(CONNECT_WITH_SECRET),
        nbformat.v4.new_code_cell(CONNECT_WITH_TOKEN),
        nbformat.v4.new_code_cell(WAIT_AND_SHOW),
    ]
    path = tmp_path / "connect.ipynb"

    with serve_in_thread(Sandbox.from_scenario("seed"), port=0) as served:
        token = fetch_token(served.url)
        monkeypatch.setenv("FLOWWIDGETS_TEST_HOST", served.url)
        monkeypatch.setenv("FLOWWIDGETS_TEST_CLIENT_ID", CLIENT_ID)
        monkeypatch.setenv("FLOWWIDGETS_TEST_SECRET", SECRET)
        monkeypatch.setenv("FLOWWIDGETS_TEST_TOKEN", token)
        NotebookClient(
            notebook, timeout=120, kernel_name="python3", store_widget_state=True
        ).execute()
    nbformat.write(notebook, path)

    text = path.read_text(encoding="utf-8")
    printed = "".join(output.get("text", "") for output in notebook.cells[2].outputs)
    assert "Example Web Shop no error\nExample Web Shop no error" in printed
    assert "application/vnd.jupyter.widget-state+json" in json.dumps(notebook.metadata)
    assert SECRET not in text
    assert token not in text
