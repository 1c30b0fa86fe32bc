"""Findings: what the doctor reports, and the catalogue of every finding code."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any


class Severity(str, enum.Enum):
    """How much a finding matters: an error explains a failure, a warning a likely cause."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True)
class Finding:
    """One observation about a launch, with the values seen and what to do about it.

    Parameters
    ----------
    code
        Stable dotted code from `CATALOGUE`, e.g. ``"inputs.missing"``.
    severity
        `Severity` of this occurrence; some codes are errors in one context and warnings in another.
    title
        One line naming the problem.
    detail
        The evidence in words, quoting the values seen.
    fix
        What to do next.
    evidence
        Machine-readable values behind ``detail`` (JSON-serialisable).
    """

    code: str
    severity: Severity
    title: str
    detail: str = ""
    fix: str = ""
    evidence: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Return the finding as a JSON-ready dict with a fixed key order."""
        return {
            "code": self.code,
            "severity": Severity(self.severity).value,
            "title": self.title,
            "detail": self.detail,
            "fix": self.fix,
            "evidence": self.evidence,
        }


@dataclass(frozen=True)
class CatalogueEntry:
    """The default severity and title of a finding code, and when it is reported."""

    code: str
    severity: Severity
    title: str
    when: str


def _entries(*rows: tuple[str, Severity, str, str]) -> dict[str, CatalogueEntry]:
    return {
        code: CatalogueEntry(code, severity, title, when) for code, severity, title, when in rows
    }


E, W, I = Severity.ERROR, Severity.WARNING, Severity.INFO  # noqa: E741

#: Every finding code the doctor can report, keyed by code.
CATALOGUE: dict[str, CatalogueEntry] = _entries(
    # What the person sent.
    (
        "request.unknown-field",
        E,
        "The launch body has a field the launch API does not accept",
        "a top-level field other than flowId, flowVersion, inputData and name",
    ),
    ("request.missing-flow-id", E, "The launch body has no flowId", "no flowId in the body"),
    (
        "request.not-json",
        E,
        "The launch body is not a JSON object sent as JSON",
        "the body is missing, is not valid JSON, is not an object, or Content-Type is not JSON",
    ),
    (
        "request.unknown-host",
        E,
        "The request did not go to a Genesys Cloud API host",
        "the host is not api.<domain> of a known region",
    ),
    (
        "request.unknown-path",
        E,
        "The request path is not a route this toolkit knows",
        "the path is neither the launch route nor another known Platform API route",
    ),
    (
        "request.wrong-method",
        E,
        "The launch was not sent as POST",
        "the launch route was called with another HTTP method",
    ),
    (
        "request.missing-auth",
        W,
        "The request carries no bearer token",
        "an HTTP message or curl command without an Authorization header",
    ),
    (
        "request.invalid-field-value",
        E,
        "A launch body field has a value of the wrong type",
        "flowId, flowVersion or name is not a string",
    ),
    (
        "request.not-a-launch",
        I,
        "The request is not a launch",
        "the request is to another known route, so launch checks were skipped",
    ),
    (
        "request.unreadable",
        E,
        "The request could not be read",
        "binary data, text that is not UTF-8, or a curl command line with broken shell quoting",
    ),
    (
        "request.too-large",
        W,
        "The request was cut at the size limit",
        "the request text is larger than the doctor reads",
    ),
    (
        "request.body-from-file",
        W,
        "The curl command reads its body from a file",
        "curl data given as @file, whose content the doctor cannot see",
    ),
    (
        "request.local-host",
        I,
        "The request went to a loopback host",
        "the host is 127.0.0.1 or localhost, such as the served sandbox",
    ),
    (
        "request.several-commands",
        I,
        "The text has several curl commands; one was checked",
        "a script or several command lines; the launch is checked, else the last one with a URL",
    ),
    # Inputs.
    (
        "inputs.unknown-key",
        E,
        "An inputData key is not an input of the flow",
        "a key is not in the input schema of the version that will run",
    ),
    (
        "inputs.missing",
        E,
        "A flow input was not supplied",
        "an input of the schema is not in inputData, so it takes its initial value",
    ),
    (
        "inputs.wrong-type",
        E,
        "An input value does not match its Architect type",
        "a value cannot be read as the input's Architect data type",
    ),
    (
        "inputs.not-object",
        E,
        "inputData is not a JSON object",
        "inputData is a string, a list or another non-object value",
    ),
    # The flow.
    (
        "flow.not-found",
        E,
        "The flow was not found",
        "the flow id is unknown or hidden from this OAuth client",
    ),
    (
        "flow.not-launchable",
        E,
        "The flow type cannot be launched through the API",
        "the flow is not a workflow, e.g. an inbound call flow",
    ),
    (
        "flow.not-published",
        E,
        "The version to run does not exist",
        "the flow has no published version, or the requested flowVersion does not exist",
    ),
    (
        "flow.newer-unpublished-version",
        W,
        "A newer version of the flow is not published",
        "a saved or checked-in version differs from the published version that will run",
    ),
    # Credentials.
    (
        "auth.region-mismatch",
        E,
        "Credentials and API host belong to different regions",
        "the token or credentials are for another region than the host the request went to",
    ),
    (
        "auth.invalid-client",
        E,
        "The token endpoint rejected the OAuth client",
        "the login host answered invalid_client or another OAuth error",
    ),
    (
        "auth.missing-permission",
        E,
        "A permission is missing",
        "a call answered 403 naming permissions",
    ),
    (
        "auth.token-rejected",
        E,
        "The API rejected the access token",
        "a call answered 401: the token is expired, revoked or from another org",
    ),
    # What came back.
    (
        "response.not-genesys",
        E,
        "The response did not come from Genesys Cloud's launch API",
        "the observed response is not the 200 JSON body the launch returns",
    ),
    (
        "response.rejected",
        E,
        "Genesys Cloud rejected the launch",
        "the observed response is an ErrorBody with a 4xx or 5xx status",
    ),
    (
        "response.accepted",
        I,
        "Genesys Cloud accepted the launch",
        "the observed response is a genuine launch response with an execution id",
    ),
    (
        "response.too-large",
        W,
        "The response was cut at the size limit",
        "the response text is larger than the doctor reads",
    ),
    (
        "response.unreadable",
        E,
        "The response could not be read",
        "binary data, no status line, or text that is not UTF-8",
    ),
    # The execution.
    (
        "execution.launched",
        I,
        "The doctor launched the flow",
        "a launch made by the doctor was accepted",
    ),
    (
        "execution.launch-rejected",
        E,
        "The launch made by the doctor was rejected",
        "the launch API answered an error to the body as sent",
    ),
    (
        "execution.launch-unknown",
        E,
        "The outcome of the doctor's launch is unknown",
        "the connection failed after the launch was sent",
    ),
    (
        "execution.launch-skipped",
        I,
        "The doctor did not launch",
        "an error makes the launch impossible",
    ),
    (
        "execution.not-found",
        E,
        "The execution was not found",
        "the execution id answered 404: another region or org, a wrong id, or expired details",
    ),
    (
        "execution.failed",
        E,
        "The execution failed",
        "status ERROR, FAILED or TERMINATED, with flowErrorInfo",
    ),
    ("execution.completed", I, "The execution completed", "status COMPLETED"),
    (
        "execution.still-running",
        W,
        "The execution has not finished",
        "still RUNNING after the time waited",
    ),
    (
        "execution.unknown-status",
        W,
        "The execution has a status this toolkit does not know",
        "a status value other than the documented ones",
    ),
    # Visibility.
    (
        "history.disabled",
        W,
        "Execution history is turned off",
        "the execution-data setting of the org is disabled",
    ),
    (
        "history.not-republished",
        W,
        "The flow was not republished after execution history was enabled",
        "the published version is older than the execution-data setting change",
    ),
    (
        "history.visible",
        I,
        "The execution is in execution history",
        "the instances query returns the execution, queried by FlowId and FlowStartDateTime",
    ),
    (
        "history.not-yet-visible",
        W,
        "The execution is not in execution history yet",
        "the instances query does not return an execution the doctor launched",
    ),
    (
        "analytics.visible",
        I,
        "The execution is counted in flow-execution analytics",
        "nFlowExecutions counts executions of the flow in a UTC interval that contains the launch",
    ),
    (
        "analytics.not-yet-visible",
        W,
        "The execution is not counted in flow-execution analytics yet",
        "nFlowExecutions does not count an execution the doctor launched",
    ),
    (
        "analytics.wrong-endpoint",
        E,
        "The analytics query cannot count workflow executions",
        "a request to conversation analytics such as /api/v2/analytics/flows/..., or a "
        "flow-execution query with a metric other than nFlowExecutions",
    ),
    (
        "analytics.wrong-interval",
        W,
        "The analytics interval or time zone may miss the executions",
        "an interval without a UTC offset, in the future, or with a non-UTC timeZone",
    ),
    (
        "rate.limited",
        W,
        "The API rate-limited calls",
        "one or more 429 responses, with their Retry-After values",
    ),
    # The doctor itself.
    (
        "doctor.offline",
        I,
        "Connected checks were skipped",
        "no sandbox and no credentials were given",
    ),
    (
        "doctor.call-failed",
        W,
        "A call the doctor made failed",
        "an API error that no other finding explains; the check that needed the call was skipped",
    ),
    (
        "doctor.connection-failed",
        E,
        "The doctor could not reach the API",
        "a network or transport error",
    ),
)

del E, W, I


def make_finding(
    code: str,
    detail: str,
    fix: str,
    evidence: dict[str, Any] | None = None,
    *,
    severity: Severity | None = None,
    title: str | None = None,
) -> Finding:
    """Build a finding for a catalogued code, with the default severity and title from `CATALOGUE`.

    Raises
    ------
    KeyError
        If ``code`` is not in `CATALOGUE`.
    """
    entry = CATALOGUE[code]
    return Finding(
        code=code,
        severity=severity or entry.severity,
        title=title or entry.title,
        detail=detail,
        fix=fix,
        evidence=evidence or {},
    )
