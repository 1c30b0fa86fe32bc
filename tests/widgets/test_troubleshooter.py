"""Troubleshooter: the whole path from connecting to findings in one widget."""

from __future__ import annotations

from flowwidgets.widgets import Troubleshooter

from .conftest import SEED_FLOW_ID


async def test_troubleshooter_end_to_end_in_sandbox(monkeypatch, c01_request) -> None:
    monkeypatch.delenv("GENESYSCLOUD_OAUTHCLIENT_ID", raising=False)
    monkeypatch.delenv("GENESYSCLOUD_ACCESS_TOKEN", raising=False)
    app = Troubleshooter()

    app.auth.connect_button.click()
    await app.wait()
    app.picker.select(SEED_FLOW_ID)
    await app.wait()
    app.form.set_value("Flow.email", "person@example.com")
    app.launcher.button.click()
    await app.wait()
    await app.monitor.wait(timeout=30)
    app.form.paste.value = c01_request
    app.form.diagnose_button.click()
    await app.wait()

    assert app.auth.organization_name == "Example Web Shop"
    assert app.picker.flow_count == 1
    assert len(app.client.sandbox.executions) == 1
    execution_id = app.launcher.results[0].id
    assert app.monitor.status_of(execution_id) == "COMPLETED"
    assert "history.disabled" in app.codes
    assert "request.unknown-field" in app.codes
    assert "request.unknown-field" in app.report_view.value
    for part in (app.auth, app.picker, app.form, app.launcher, app.monitor, app.analytics):
        assert part.errors.text == ""


async def test_troubleshooter_failed_run_adds_findings(client) -> None:
    app = Troubleshooter(client)
    await app.wait()
    app.picker.select(SEED_FLOW_ID)
    await app.wait()
    app.form.set_value("Flow.source", "web-form")

    await app.launcher.launch()
    await app.monitor.wait(timeout=30)

    assert "execution.failed" in app.codes


def test_troubleshooter_repr_before_connecting() -> None:
    app = Troubleshooter()

    assert repr(app) == "<Troubleshooter not connected: 0 findings>"


async def test_troubleshooter_repr_while_connecting(client) -> None:
    app = Troubleshooter(client)

    before = repr(app)
    await app.wait()

    assert before == "<Troubleshooter connecting: 0 findings>"
    assert repr(app).startswith("<Troubleshooter Example Web Shop: ")


def test_troubleshooter_keeps_findings_with_same_title() -> None:
    from flowwidgets.diagnose import make_finding

    app = Troubleshooter()
    email = make_finding("inputs.missing", "Flow.email is not in inputData.", "Send it.")
    source = make_finding("inputs.missing", "Flow.source is not in inputData.", "Send it.")

    app.add_findings([email, source])
    app.add_findings([email])

    assert app.codes == ["inputs.missing", "inputs.missing"]
