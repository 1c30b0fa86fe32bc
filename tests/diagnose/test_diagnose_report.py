"""Reports: text, HTML and JSON renderings, masking for sharing, and the documented catalogue."""

from __future__ import annotations

import json
import re
from pathlib import Path

from flowwidgets.diagnose import (
    CATALOGUE,
    Finding,
    Report,
    Severity,
    check_request,
    make_finding,
    parse_request,
)

DOCS = Path(__file__).resolve().parents[2] / "docs" / "findings.md"


def sample_report() -> Report:
    return Report(
        context={
            "host": "https://api.mypurecloud.com",
            "region": "mypurecloud.com",
            "flow_id": "f-1",
        },
        findings=[
            make_finding(
                "inputs.missing",
                'Flow.email was sent as `inputs.email` = "person@example.com".',
                'Send the inputs as inputData {"Flow.email": "person@example.com"}.',
                {"input": "Flow.email", "value": "person@example.com", "sent_as": "inputs.email"},
            ),
            make_finding(
                "history.disabled", "Execution data is off.", "Turn it on.", {"enabled": False}
            ),
            make_finding(
                "execution.launched", "Launched e-1.", "Nothing to do.", {"execution_id": "e-1"}
            ),
        ],
    )


def test_report_codes_and_errors() -> None:
    report = sample_report()

    assert report.codes == ["inputs.missing", "history.disabled", "execution.launched"]
    assert report.has_errors


def test_report_extend_skips_repeats() -> None:
    report = sample_report()

    report.extend([report.findings[0]])

    assert len(report.findings) == 3


def test_report_text_grouped_by_severity() -> None:
    text = sample_report().to_text()

    errors_at = text.index("Errors (1)")
    warnings_at = text.index("Warnings (1)")
    notes_at = text.index("Notes (1)")
    assert errors_at < warnings_at < notes_at
    assert "[inputs.missing]" in text
    assert "Fix: Turn it on." in text
    assert "host: https://api.mypurecloud.com" in text
    assert "1 error(s), 1 warning(s), 1 note(s)." in text


def test_report_text_without_findings() -> None:
    assert "No findings." in Report().to_text()


def test_report_html_escapes() -> None:
    finding = Finding(
        code="request.unknown-field",
        severity=Severity.ERROR,
        title="<script>alert(1)</script>",
        detail='The body has "<b>" & more',
        fix="Remove <img src=x>.",
    )
    report = Report(context={"flow": "<flow & co>"}, findings=[finding])

    html = report.to_html()

    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert "&lt;img src=x&gt;" in html
    assert "&lt;flow &amp; co&gt;" in html
    assert report._repr_html_() == html


def test_report_html_is_self_contained() -> None:
    html = sample_report().to_html()

    assert "<link" not in html
    assert "<script" not in html
    assert 'data-code="inputs.missing"' in html


def test_report_json_shape_is_stable() -> None:
    data = json.loads(sample_report().to_json())

    assert list(data) == ["context", "findings"]
    assert list(data["context"]) == ["host", "region", "flow_id"]
    for finding in data["findings"]:
        assert list(finding) == ["code", "severity", "title", "detail", "fix", "evidence"]
    assert data["findings"][0]["severity"] == "error"


def test_report_json_serialises_datetimes() -> None:
    from datetime import datetime, timezone

    report = Report(context={"checked_at": datetime(2026, 1, 2, tzinfo=timezone.utc)})

    assert json.loads(report.to_json())["context"]["checked_at"] == "2026-01-02T00:00:00+00:00"


def test_report_masked_hides_values() -> None:
    masked = sample_report().masked()

    dumped = masked.to_json()
    assert "person@example.com" not in dumped
    assert masked.findings[0].evidence["value"] == "<masked>"
    assert masked.findings[0].evidence["sent_as"] == "inputs.email"
    assert "Flow.email" in masked.findings[0].detail


def test_report_masked_hides_tokens() -> None:
    token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"
    finding = make_finding(
        "auth.token-rejected",
        f"Sent Authorization: Bearer {token} and key 9f8e7d6c5b4a39281726354433221100aabbccdd.",
        "Get a new token.",
        {"header": f"Bearer {token}"},
    )

    masked = Report(findings=[finding]).masked()

    assert token not in masked.to_json()
    assert "9f8e7d6c5b4a39281726354433221100aabbccdd" not in masked.findings[0].detail
    assert "Bearer <masked>" in masked.findings[0].detail


def test_report_masked_keeps_ids() -> None:
    flow_id = "a1b2c3d4-e5f6-7890-abcd-ef1234567890"
    report = Report(context={"flow_id": flow_id}, findings=[])

    assert report.masked().context["flow_id"] == flow_id


def test_catalogue_codes_documented() -> None:
    documented = set(
        re.findall(r"^### `([a-z-]+\.[a-z-]+)`$", DOCS.read_text(), flags=re.MULTILINE)
    )

    assert set(CATALOGUE) - documented == set()
    assert documented - set(CATALOGUE) == set()


def test_catalogue_has_design_codes() -> None:
    required = {
        "request.unknown-field",
        "request.missing-flow-id",
        "request.not-json",
        "request.unknown-host",
        "request.unknown-path",
        "inputs.unknown-key",
        "inputs.missing",
        "inputs.wrong-type",
        "flow.not-found",
        "flow.not-launchable",
        "flow.not-published",
        "flow.newer-unpublished-version",
        "auth.region-mismatch",
        "auth.invalid-client",
        "auth.missing-permission",
        "response.not-genesys",
        "execution.not-found",
        "execution.failed",
        "execution.still-running",
        "history.disabled",
        "history.not-republished",
        "analytics.not-yet-visible",
        "analytics.wrong-endpoint",
        "rate.limited",
    }

    assert required <= set(CATALOGUE)


def test_documented_severity_matches_catalogue() -> None:
    text = DOCS.read_text()

    for code, entry in CATALOGUE.items():
        section = text.split(f"### `{code}`", 1)[1].split("###", 1)[0]
        assert f"Severity: {entry.severity.value}" in section, code


def test_catalogue_wrong_metric_title_fits() -> None:
    body = {"interval": "2026-01-01T00:00:00Z/2026-01-02T00:00:00Z", "metrics": ["nFlow"]}
    text = (
        "POST https://api.mypurecloud.com/api/v2/analytics/flowexecutions/aggregates/query\n"
        "Content-Type: application/json\n\n" + json.dumps(body)
    )

    findings = check_request(parse_request(text))

    wrong = [f for f in findings if f.code == "analytics.wrong-endpoint"]
    assert len(wrong) == 1
    assert "conversation" not in wrong[0].title
    assert "conversation" not in wrong[0].detail
    assert "nFlowExecutions" in wrong[0].title + wrong[0].detail


def test_finding_text_unterminated_string() -> None:
    findings = check_request(parse_request('{"flowId": "a", "inputData": {"x": "abc}'))

    not_json = [f for f in findings if f.code == "request.not-json"]
    assert len(not_json) == 1
    assert "at at" not in not_json[0].detail
    assert "starting at line 1" in not_json[0].detail


def test_finding_text_one_entry_singular() -> None:
    one = check_request(parse_request('{"flowId": "a", "context": {"contactId": "c-1"}}'))
    two = check_request(parse_request('{"flowId": "a", "context": {"a": 1, "b": 2}}'))

    assert "Its entry 'context.contactId' never reaches" in one[0].detail
    assert "Its entries 'context.a' and 'context.b' never reach" in two[0].detail


def test_report_masked_keeps_query_times() -> None:
    start = "2026-01-05T08:58:00.000Z"
    finding = Finding(
        code="history.visible",
        severity=Severity.INFO,
        title="The execution is in execution history",
        detail=f"The history query from {start} returned the execution.",
        fix="Nothing to do.",
        evidence={
            "query": {"query": [{"and": [{"key": "FlowStartDateTime", "value": start}]}]},
            "inputs": {"Flow.email": "person@example.com"},
        },
    )

    masked = Report(context={}, findings=[finding]).masked()

    assert start in masked.findings[0].detail
    assert "person@example.com" not in masked.to_json()
