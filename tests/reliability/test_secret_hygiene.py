"""A run with a known secret and token leaks neither into logs, reprs, errors, reports, widgets."""

from __future__ import annotations

import base64
import json
import logging
import textwrap
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from reliability_support import (
    CLIENT_ID,
    CLIENT_SECRET,
    FLOW_ID,
    LAUNCH_PATH,
    TokenRecorder,
    WaitRecorder,
    build_scenario,
    fault,
    make_client,
    make_sandbox,
)

pytestmark = pytest.mark.usefixtures("token_cache_cleared")

EMAIL = "jordan.private@example.com"
WRONG_SECRET = "wrong-secret-ALSO-NEVER-SHOWN-91c3"


class LeakScanner:
    """Collects every text a run produced, labelled by its origin, and finds secrets in it."""

    def __init__(self) -> None:
        self.texts: list[tuple[str, str]] = []

    def add(self, label: str, value: Any) -> None:
        self.texts.append((label, value if isinstance(value, str) else repr(value)))

    def add_records(self, records: Iterable[logging.LogRecord]) -> None:
        formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
        for record in records:
            self.add(f"log {record.name}", formatter.format(record))
            self.add(f"log args {record.name}", repr(record.args))

    def leaks(self, secrets: Iterable[str]) -> list[str]:
        found = []
        for secret in secrets:
            for label, text in self.texts:
                if secret in text:
                    found.append(f"{label} contains {secret[:6]}...")
        return found


def secret_forms(secret: str, client_id: str = CLIENT_ID) -> list[str]:
    """Return the secret and the Basic credentials that would carry it."""
    basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return [secret, basic]


async def fetch_token(sandbox: Any) -> str:
    """Request an access token for the reliability client from the sandbox's login host."""
    import httpx

    async with httpx.AsyncClient(transport=sandbox.transport()) as http:
        answer = await http.post(
            f"https://login.{sandbox.region}/oauth/token",
            data={"grant_type": "client_credentials"},
            auth=(CLIENT_ID, CLIENT_SECRET),
        )
    return str(answer.json()["access_token"])


def widget_states(root: Any) -> Iterator[tuple[str, dict[str, Any]]]:
    """Yield ``(class name, get_state())`` of ``root`` and every widget below it."""
    import ipywidgets

    seen: set[int] = set()
    pending = [root]
    while pending:
        widget = pending.pop()
        if id(widget) in seen or not isinstance(widget, ipywidgets.Widget):
            continue
        seen.add(id(widget))
        state = widget.get_state()
        yield type(widget).__name__, state
        pending.extend(_child_widgets(state))
        pending.extend(
            value for value in vars(widget).values() if isinstance(value, ipywidgets.Widget)
        )


def _child_widgets(state: dict[str, Any]) -> Iterator[Any]:
    import ipywidgets

    for value in state.values():
        items = value if isinstance(value, (list, tuple)) else [value]
        for item in items:
            if isinstance(item, ipywidgets.Widget):
                yield item
            elif isinstance(item, str) and item.startswith("IPY_MODEL_"):
                model = ipywidgets.Widget.widgets.get(item.removeprefix("IPY_MODEL_"))
                if model is not None:
                    yield model


def c01_request_with_token(token: str) -> str:
    return textwrap.dedent(
        f"""\
        POST https://api.mypurecloud.com{LAUNCH_PATH} HTTP/1.1
        Authorization: Bearer {token}
        Content-Type: application/json

        {{"flowId": "{FLOW_ID}", "inputs": {{"email": "{EMAIL}"}}, "debug": true}}
        """
    )


async def provoke_client_errors(
    sandbox: Any, recorder: WaitRecorder, scanner: LeakScanner, transport: TokenRecorder
) -> None:
    """Make the client fail in every way a run can, and keep each exception's text and repr."""
    from flowwidgets.api import ClientCredentials, FlowwidgetsError, GenesysClient

    wrong = GenesysClient(
        region=sandbox.region,
        auth=ClientCredentials(CLIENT_ID, WRONG_SECRET),
        transport=sandbox.transport(),
    )
    scanner.add("client with wrong secret", wrong)
    async with wrong:
        with pytest.raises(FlowwidgetsError) as invalid_client:
            await wrong.get_organization()
    scanner.add("invalid client error", str(invalid_client.value))
    scanner.add("invalid client error repr", invalid_client.value)

    async with make_client(sandbox, recorder, transport=transport, max_retry_wait=20.0) as client:
        failures = [
            client.get_flow("00000000-0000-0000-0000-000000000000"),
            client.get_execution("00000000-0000-0000-0000-000000000000"),
            client.launch_flow(FLOW_ID, {"Flow.email": EMAIL}, name="dropped-launch"),
            client.list_flows(),
        ]
        for call in failures:
            with pytest.raises(FlowwidgetsError) as raised:
                await call
            scanner.add(f"{type(raised.value).__name__} text", str(raised.value))
            scanner.add(f"{type(raised.value).__name__} repr", raised.value)
            scanner.add(f"{type(raised.value).__name__} attributes", vars(raised.value))


async def test_full_run_leaks_no_secret(
    caplog: pytest.LogCaptureFixture, recorder: WaitRecorder, tmp_path: Path
) -> None:
    from flowwidgets.analytics import Ledger
    from flowwidgets.api import BearerToken, GenesysClient
    from flowwidgets.diagnose import Doctor, parse_request
    from flowwidgets.recovery import launch_once

    caplog.set_level(logging.DEBUG)
    scanner = LeakScanner()
    sandbox = make_sandbox(
        build_scenario(
            faults=[
                # The first launch loses its response, which launch_once recovers. The third one
                # loses it too, so the client raises LaunchOutcomeUnknownError.
                fault("drop_connection", LAUNCH_PATH, method="POST", count=1,
                      after_processing=True),
                fault("drop_connection", LAUNCH_PATH, method="POST", skip=2, count=1,
                      after_processing=True),
                fault("rate_limit", "/api/v2/flows", method="GET", retry_after=7),
            ]
        )
    )

    tokens = TokenRecorder(sandbox.transport())

    with Ledger(tmp_path / "ledger.sqlite3") as ledger:
        async with make_client(sandbox, recorder, transport=tokens) as client:
            scanner.add("client", client)
            scanner.add("client auth", getattr(client, "auth", None))
            organization = await client.get_organization()
            flow = await client.get_flow(FLOW_ID)
            launched = await launch_once(
                client, FLOW_ID, {"Flow.email": EMAIL}, name="secret-run", ledger=ledger
            )
            sandbox.clock.advance(60)
            execution = await client.get_execution(launched.id)
            token = tokens.tokens[0]
            report = await Doctor(client).run(
                request=parse_request(c01_request_with_token(token)), launch=True
            )
            scanner.add_records(caplog.records)
            for value in (organization, flow, launched, execution, report, ledger, sandbox):
                scanner.add(type(value).__name__, value)
            scanner.add("ledger frame", ledger.frame().to_csv())

        await provoke_client_errors(sandbox, recorder, scanner, tokens)

        bearer = GenesysClient(
            region=sandbox.region, auth=BearerToken(token), transport=sandbox.transport()
        )
        scanner.add("bearer client", bearer)
        async with bearer:
            scanner.add("bearer organization", await bearer.get_organization())

    for label, text in (
        ("report text", report.to_text()),
        ("report html", report.to_html()),
        ("report json", report.to_json()),
        ("report dict", json.dumps(report.to_dict(), default=str)),
        ("masked text", report.masked().to_text()),
        ("masked json", report.masked().to_json()),
        ("request log", json.dumps(sandbox.request_log, default=str)),
    ):
        scanner.add(label, text)
    scanner.add_records(caplog.records)
    secrets = secret_forms(CLIENT_SECRET) + secret_forms(WRONG_SECRET) + tokens.tokens

    assert report.codes
    assert tokens.tokens
    assert any(record.name.startswith("flowwidgets.") for record in caplog.records)
    assert len(scanner.texts) > 20
    assert scanner.leaks(secrets) == []


async def test_masked_report_hides_input_values(recorder: WaitRecorder) -> None:
    from flowwidgets.diagnose import Doctor, parse_request

    sandbox = make_sandbox(build_scenario())

    async with make_client(sandbox, recorder) as client:
        report = await Doctor(client).run(request=parse_request(c01_request_with_token("abc")))

    masked = report.masked()
    assert EMAIL in report.to_json()
    assert EMAIL not in masked.to_text()
    assert EMAIL not in masked.to_html()
    assert EMAIL not in masked.to_json()
    assert masked.codes == report.codes


async def test_troubleshooter_widget_state_has_no_secret(
    caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    from flowwidgets.analytics import Ledger
    from flowwidgets.sandbox.serve import serve_in_thread
    from flowwidgets.widgets import AuthCell, Troubleshooter
    from flowwidgets.widgets.auth import CUSTOM_HOST, MODE_CLIENT_CREDENTIALS, MODE_TOKEN

    caplog.set_level(logging.DEBUG)
    scanner = LeakScanner()
    sandbox = make_sandbox(build_scenario())
    token = await fetch_token(sandbox)

    with serve_in_thread(sandbox, port=0) as served, Ledger(tmp_path / "l.sqlite3") as ledger:
        troubleshooter = Troubleshooter(ledger=ledger)
        auth = troubleshooter.auth
        auth.mode.value = MODE_TOKEN
        auth.region.value = CUSTOM_HOST
        auth.custom_host.value = served.url
        auth.token.value = token
        auth.connect_button.click()
        await troubleshooter.wait()
        troubleshooter.picker.select(FLOW_ID)
        await troubleshooter.wait()
        troubleshooter.form.set_value("Flow.email", EMAIL)
        await troubleshooter.launcher.launch()
        sandbox.clock.advance(120)
        await troubleshooter.monitor.wait(timeout=30)
        await troubleshooter.form.diagnose(c01_request_with_token(token))
        await troubleshooter.wait()

        credentials = AuthCell(mode=MODE_CLIENT_CREDENTIALS)
        credentials.region.value = CUSTOM_HOST
        credentials.custom_host.value = served.url
        credentials.client_id.value = CLIENT_ID
        credentials.client_secret.value = CLIENT_SECRET
        credentials.connect_button.click()
        await credentials.wait()

        states = list(widget_states(troubleshooter)) + list(widget_states(credentials))
        for name, state in states:
            scanner.add(f"widget {name}", json.dumps(state, default=str))
        for value in (troubleshooter, credentials, credentials.client):
            scanner.add(type(value).__name__, value)
        scanner.add("report", troubleshooter.report.to_html())
        scanner.add_records(caplog.records)

    assert troubleshooter.client is not None
    assert credentials.client is not None
    assert auth.token.value == ""
    assert credentials.client_secret.value == ""
    assert len(sandbox.executions) == 1
    assert len(states) > 20
    assert scanner.leaks([*secret_forms(CLIENT_SECRET), token]) == []


NOTEBOOK_CELLS = [
    """\
    import json, logging, sys
    sys.path.insert(0, {support_dir!r})
    from reliability_support import TokenRecorder
    from flowwidgets.connect import connect
    from flowwidgets.sandbox import Sandbox
    logging.basicConfig(stream=sys.stdout, level=logging.DEBUG, force=True)
    sandbox = Sandbox.from_scenario({scenario_path!r})
    tokens = TokenRecorder(sandbox.transport())
    client = connect(sandbox=sandbox, transport=tokens)
    client
    """,
    """\
    from flowwidgets.widgets import Troubleshooter
    troubleshooter = Troubleshooter(client)
    await troubleshooter.wait()
    troubleshooter
    """,
    """\
    troubleshooter.picker.select({flow_id!r})
    await troubleshooter.wait()
    troubleshooter.form.set_value("Flow.email", "nb@example.com")
    await troubleshooter.launcher.launch()
    sandbox.clock.advance(120)
    await troubleshooter.monitor.wait(timeout=30)
    troubleshooter.report
    """,
    """\
    from flowwidgets.diagnose import Doctor
    report = await Doctor(client).run(flow_id={flow_id!r}, launch=True, force=True)
    display(report)
    print(report.to_text())
    """,
    """\
    with open({tokens_path!r}, "w") as handle:
        json.dump(tokens.tokens, handle)
    """,
]


@pytest.mark.notebook
@pytest.mark.slow
def test_saved_notebook_has_no_secret(tmp_path: Path) -> None:
    import nbformat
    from nbclient import NotebookClient

    scenario_path = tmp_path / "scenario.json"
    scenario_path.write_text(json.dumps(build_scenario()), encoding="utf-8")
    tokens_path = tmp_path / "tokens.json"
    values = {
        "scenario_path": str(scenario_path),
        "flow_id": FLOW_ID,
        "tokens_path": str(tokens_path),
        "support_dir": str(Path(__file__).parent),
    }
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell(textwrap.dedent(cell).format(**values)) for cell in NOTEBOOK_CELLS
    ]

    NotebookClient(
        notebook, timeout=120, kernel_name="python3", store_widget_state=True,
        resources={"metadata": {"path": str(tmp_path)}},
    ).execute()
    saved = nbformat.writes(notebook)
    tokens = json.loads(tokens_path.read_text(encoding="utf-8"))

    widget_state = notebook.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]
    assert len(widget_state["state"]) > 20
    assert tokens
    assert CLIENT_SECRET not in saved
    for form in secret_forms(CLIENT_SECRET):
        assert form not in saved
    for token in tokens:
        assert token not in saved
