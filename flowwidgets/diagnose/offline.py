"""Checks that need no connection: the request as sent and the response as seen."""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from typing import Any

from flowwidgets.diagnose._match import quote_list
from flowwidgets.diagnose.findings import Finding, Severity, make_finding
from flowwidgets.diagnose.launch_body import LAUNCH_FIELDS, LaunchIntent, read_launch_body
from flowwidgets.diagnose.parse import ObservedRequest, ObservedResponse
from flowwidgets.diagnose.routes import (
    CONVERSATION_ANALYTICS_ROUTES,
    FLOW_EXECUTION_AGGREGATES_PATH,
    HISTORY_QUERY_PATH,
    KNOWN_ROUTES,
    LAUNCH_PATH,
    TOKEN_PATH,
    closest_api_host,
    closest_route,
    find_route,
    region_domains,
)

_LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
_ACCEPTED_FIELDS = "flowId (required), flowVersion, inputData and name"


def check_request(observed: ObservedRequest) -> list[Finding]:
    """Check a request as sent, offline: host, path, method, Content-Type and launch body.

    Parameters
    ----------
    observed
        The request from `parse_request`.

    Returns
    -------
    list of Finding
        Reading problems first, then what is wrong with the request, in the order it would fail.
    """
    findings = list(observed.findings)
    findings.extend(_check_host(observed))
    findings.extend(check_token_region(observed))

    path = observed.path
    bare_route = body_route(observed.body) if path is None else None
    if bare_route is not None:
        findings.extend(_check_bare_body(observed, bare_route))
        return findings
    if path is not None and path.rstrip("/") != LAUNCH_PATH:
        route_findings, is_launch = _check_other_route(observed, path)
        findings.extend(route_findings)
        if not is_launch:
            return findings

    findings.extend(_check_method(observed))
    findings.extend(_check_headers(observed))
    body = _check_json_body(observed, findings)
    if body is not None:
        findings.extend(check_launch_body(read_launch_body(body)))
    return findings


def body_route(body: Any) -> str | None:
    """Return the route a bare JSON body belongs to when it is not a launch body, else ``None``.

    An analytics aggregates query has an ``interval`` with ``metrics``, ``groupBy`` or ``filter``;
    an execution history query (CriteriaQuery) has a ``query`` list. A body with a ``flowId``
    is always read as a launch body.
    """
    if not isinstance(body, dict) or "flowId" in body:
        return None
    if "interval" in body and any(key in body for key in ("metrics", "groupBy", "filter")):
        return FLOW_EXECUTION_AGGREGATES_PATH
    if isinstance(body.get("query"), list):
        return HISTORY_QUERY_PATH
    return None


def is_launch(observed: ObservedRequest) -> bool:
    """Return whether the request is a launch: the launch route, a bare launch body, or a path
    so close to the launch route that it was most likely meant as one."""
    path = observed.path
    if path is None:
        return body_route(observed.body) is None
    path = path.rstrip("/")
    if path == LAUNCH_PATH:
        return True
    if find_route(path) or find_route(path, CONVERSATION_ANALYTICS_ROUTES):
        return False
    return closest_route(path).template == LAUNCH_PATH


def launch_intent(observed: ObservedRequest | None) -> LaunchIntent | None:
    """Return the launch body of a launch request, or ``None`` for any other request."""
    if observed is None or not isinstance(observed.body, dict) or not is_launch(observed):
        return None
    return read_launch_body(observed.body)


def request_flow_id(observed: ObservedRequest | None) -> str | None:
    """Return the flow a request is about: a launch's flowId (or a flow id under a misspelt
    field such as ``flow_id``), or the ``FlowId eq`` criterion of an execution history query
    (POST /api/v2/flows/instances/query)."""
    if observed is None or not isinstance(observed.body, dict):
        return None
    intent = launch_intent(observed)
    if intent is not None:
        if isinstance(intent.flow_id, str):
            return intent.flow_id
        misspelt = intent.misspelt_flow_id()
        return misspelt[1] if misspelt else None
    route = observed.path.rstrip("/") if observed.path else body_route(observed.body)
    if route != HISTORY_QUERY_PATH:
        return None
    return _criteria_flow_id(observed.body.get("query"))


def _criteria_flow_id(criteria: Any) -> str | None:
    """Find ``{"key": "FlowId", "operator": "eq", "value": ...}`` in nested query criteria.

    Criteria groups nest through ``and``, ``or`` and ``criteria`` (one criterion or a list);
    a group under ``not`` excludes the flow rather than naming it, so it is skipped.
    """
    if isinstance(criteria, list):
        for item in criteria:
            found = _criteria_flow_id(item)
            if found is not None:
                return found
        return None
    if not isinstance(criteria, dict):
        return None
    value = criteria.get("value")
    if (
        str(criteria.get("key", "")).lower() == "flowid"
        and str(criteria.get("operator", "eq")).lower() == "eq"
        and isinstance(value, str)
    ):
        return value
    for key in ("and", "or", "criteria", "query"):
        found = _criteria_flow_id(criteria.get(key))
        if found is not None:
            return found
    return None


def _check_bare_body(observed: ObservedRequest, route_path: str) -> list[Finding]:
    """Check a body given without URL that belongs to another route than the launch."""
    route = find_route(route_path)
    purpose = route.purpose if route else route_path
    findings = [
        make_finding(
            "request.not-a-launch",
            f"The body is a query for POST {route_path} (the route to {purpose}), not a launch "
            "body, so it was checked as that query and launch checks were skipped.",
            f"To check a launch, give the POST {LAUNCH_PATH} request that started the workflow.",
            {"path": None, "route": route_path},
        )
    ]
    if route_path == FLOW_EXECUTION_AGGREGATES_PATH:
        findings.extend(_check_aggregates_query(observed, sent_to_endpoint=False))
    return findings


def _check_host(observed: ObservedRequest) -> list[Finding]:
    if not observed.url_is_valid:
        return [
            make_finding(
                "request.unknown-host",
                f"The request URL {observed.url!r} is not a valid URL, so it has no host to send "
                "the request to.",
                "Send the request to https://api.<domain>/api/v2/flows/executions of your org's "
                "region.",
                {"url": observed.url, "host": None, "suggestion": None},
            )
        ]
    host = observed.host
    if host is None:
        return []
    if host in _LOOPBACK_HOSTS:
        return [
            make_finding(
                "request.local-host",
                f"The request went to {host}, a loopback host, such as the served sandbox or a "
                "local proxy.",
                "Nothing to fix if this is the sandbox; a real launch goes to https://api.<your "
                "region's domain>.",
                {"host": host},
            )
        ]

    domains = region_domains()
    is_token_request = (observed.path or "").rstrip("/") == TOKEN_PATH
    if is_token_request:
        return _check_token_host(host, domains)
    if host.startswith("api.") and host[4:] in domains:
        return []

    suggestion = closest_api_host(host)
    if host.startswith("login.") and suggestion:
        detail = (
            f"The request went to {host}, the login host, which only issues tokens at "
            f"/oauth/token; Platform API calls such as the launch go to {suggestion}."
        )
    elif suggestion:
        detail = (
            f"The request went to {host}, which is not a Genesys Cloud API host; the closest one "
            f"is {suggestion}."
        )
    else:
        detail = (
            f"The request went to {host}, which is not a Genesys Cloud API host (those are "
            "api.<domain>, e.g. api.mypurecloud.com or api.mypurecloud.de)."
        )
    fix = (
        f"Send the request to https://{suggestion}."
        if suggestion
        else "Send the request to https://api.<domain> of your org's region (Admin > Organization "
        "Settings shows the region)."
    )
    return [
        make_finding("request.unknown-host", detail, fix, {"host": host, "suggestion": suggestion})
    ]


def token_domain(observed: ObservedRequest | None) -> str | None:
    """Return the region domain of the login host a script got its token from, if it shows one."""
    host = observed.token_host if observed else None
    if host and host.startswith("login.") and host[6:] in region_domains():
        return host[6:]
    return None


def check_token_region(observed: ObservedRequest) -> list[Finding]:
    """Check that a script's token request and its API call go to the same region."""
    domains = region_domains()
    host = observed.host
    login_domain = token_domain(observed)
    if not (host and host.startswith("api.") and login_domain):
        return []
    api_domain = host[4:]
    if api_domain not in domains or api_domain == login_domain:
        return []
    return [
        make_finding(
            "auth.region-mismatch",
            f"The script gets its token from login.{login_domain} (region "
            f"{domains[login_domain]}) but sends the request to {host} (region "
            f"{domains[api_domain]}). A token is only valid on the API host of the region that "
            f"issued it, so {host} answers 401 to it.",
            f"Use one region for both: the region of the org the OAuth client belongs to, either "
            f"login.{login_domain} with api.{login_domain}, or login.{api_domain} with {host}.",
            {
                "request_domain": api_domain,
                "credentials_domain": login_domain,
                "token_host": observed.token_host,
            },
        )
    ]


def _check_token_host(host: str, domains: dict[str, str]) -> list[Finding]:
    """Check the host of a token request: tokens come from login.<domain>/oauth/token."""
    if host.startswith("login.") and host[6:] in domains:
        return []
    suggestion = closest_api_host(host)
    login_host = "login." + suggestion[4:] if suggestion else None
    where = f"https://{login_host}" if login_host else "https://login.<domain> of your org's region"
    return [
        make_finding(
            "request.unknown-host",
            f"The token request went to {host}, but tokens are issued only by the login host "
            "login.<domain> of the org's region" + (f", here {login_host}." if login_host else "."),
            f"Send the token request to {where}{TOKEN_PATH}.",
            {"host": host, "suggestion": login_host},
        )
    ]


def _check_other_route(observed: ObservedRequest, path: str) -> tuple[list[Finding], bool]:
    """Check a request to another route; the flag is true when it is a launch too."""
    conversation = find_route(path, CONVERSATION_ANALYTICS_ROUTES)
    if conversation is not None:
        return [_wrong_analytics_endpoint(path, conversation.purpose)], False

    method_findings = _check_route_method(observed, path)
    if path.rstrip("/") == FLOW_EXECUTION_AGGREGATES_PATH:
        return method_findings + _check_aggregates_query(observed), False

    route = find_route(path)
    if route is not None:
        return [
            *method_findings,
            make_finding(
                "request.not-a-launch",
                f"The request is {observed.method or 'a call'} {path}, the route to "
                f"{route.purpose}; launch checks were skipped.",
                f"To check a launch, give the POST {LAUNCH_PATH} request that started the "
                "workflow.",
                {"path": path, "route": route.template},
            ),
        ], False

    suggestion = closest_route(path)
    if suggestion.template == LAUNCH_PATH:
        fix = f"Send the launch as POST {LAUNCH_PATH} (no trailing parts, no query string needed)."
    else:
        fix = (
            f"If you meant to {suggestion.purpose}, the route is {suggestion.method} "
            f"{suggestion.template}."
        )
    finding = make_finding(
        "request.unknown-path",
        f"The path {path} is not a Platform API route this toolkit knows; the closest known route "
        f"is {suggestion.method} {suggestion.template} ({suggestion.purpose}).",
        fix,
        {"path": path, "suggestion": suggestion.template},
    )
    # A launch sent to a misspelt path is still checked as a launch.
    return [finding], suggestion.template == LAUNCH_PATH


def _check_route_method(observed: ObservedRequest, path: str) -> list[Finding]:
    """Check that a request to a known route other than the launch uses one of its methods."""
    methods = sorted({route.method for route in KNOWN_ROUTES if route.matches(path)})
    if not methods or observed.method is None or observed.method in methods:
        return []
    allowed = " or ".join(methods)
    hint = " curl sends GET unless it has data or -X POST." if observed.source == "curl" else ""
    return [
        make_finding(
            "request.wrong-method",
            f"The request is {observed.method} {path}; that route accepts only {allowed}." + hint,
            f"Send {allowed} {path}.",
            {"method": observed.method, "allowed": methods},
            title="The request was sent with the wrong HTTP method",
        )
    ]


def _wrong_analytics_endpoint(path: str, purpose: str) -> Finding:
    return make_finding(
        "analytics.wrong-endpoint",
        f"The query went to {path} ({purpose}). Those metrics (nFlow, tFlow, ...) come from "
        "conversations, and a workflow launched through the API has no conversation, so it is "
        "never counted there.",
        f"Count workflow executions with POST {FLOW_EXECUTION_AGGREGATES_PATH} and metric "
        "nFlowExecutions, "
        'e.g. {"interval": "<start>/<end> in UTC", "metrics": ["nFlowExecutions"], '
        '"groupBy": ["flowId"]}; read single runs with GET /api/v2/flows/executions/{id}.',
        {"path": path, "endpoint": FLOW_EXECUTION_AGGREGATES_PATH, "metric": "nFlowExecutions"},
    )


def _check_aggregates_query(
    observed: ObservedRequest, *, sent_to_endpoint: bool = True
) -> list[Finding]:
    """Check a flow-execution aggregates query body; an unreadable body is left to the reader's
    findings, and a missing one gets its own."""
    if (
        sent_to_endpoint
        and observed.method in (None, "POST")
        and not (observed.body_text or "").strip()
        and not observed.findings
    ):
        return [
            make_finding(
                "request.not-json",
                f"The POST {FLOW_EXECUTION_AGGREGATES_PATH} request has no body, so there is no "
                "query to run (the API answers 400).",
                'Send a JSON query such as {"interval": "<start>/<end>", '
                '"metrics": ["nFlowExecutions"]}.',
                {"content_type": observed.header("content-type"), "body_error": None},
            )
        ]
    if not observed.has_json_body or not isinstance(observed.body, dict):
        return []
    body = observed.body
    findings: list[Finding] = []
    metrics = body.get("metrics")
    if metrics is not None and "nFlowExecutions" not in (
        metrics if isinstance(metrics, list) else [metrics]
    ):
        if sent_to_endpoint:
            detail = (
                f"The flow-execution aggregates query asks for metrics {metrics!r}; the only "
                "metric of this endpoint is nFlowExecutions."
            )
        else:
            detail = (
                f"The analytics query asks for metrics {metrics!r}. Metrics such as nFlow and "
                "tFlow come from conversation-based flow analytics, and a workflow launched "
                "through the API has no conversation, so it is never counted there."
            )
        findings.append(
            make_finding(
                "analytics.wrong-endpoint",
                detail,
                'Ask for "metrics": ["nFlowExecutions"] with POST '
                f"{FLOW_EXECUTION_AGGREGATES_PATH}.",
                {
                    "metrics": metrics,
                    "metric": "nFlowExecutions",
                    "endpoint": FLOW_EXECUTION_AGGREGATES_PATH,
                },
            )
        )
    findings.extend(check_interval(body.get("interval"), body.get("timeZone")))
    return findings


def check_interval(interval: Any, time_zone: Any, now: datetime | None = None) -> list[Finding]:
    """Check an analytics interval: both ends parse, carry a UTC offset, and start in the past."""
    if not isinstance(interval, str) or "/" not in interval:
        return [
            make_finding(
                "analytics.wrong-interval",
                f"The interval {interval!r} is not an ISO-8601 interval '<start>/<end>'.",
                'Send "interval": "2026-01-01T00:00:00.000Z/2026-01-02T00:00:00.000Z".',
                {"interval": interval},
            )
        ]
    start_text, end_text = interval.split("/", 1)
    problems = []
    start = _parse_instant(start_text)
    end = _parse_instant(end_text)
    if start is None or end is None:
        problems.append("one end is not an ISO-8601 date-time")
    else:
        if start.tzinfo is None or end.tzinfo is None:
            problems.append(
                "an end has no UTC offset, so it is read in the query's time zone (UTC by default)"
            )
        if start.tzinfo and end.tzinfo and start >= end:
            problems.append("the start is not before the end")
        current = now or datetime.now(timezone.utc)
        if start.tzinfo and start > current:
            problems.append("the interval starts in the future")
    if isinstance(time_zone, str) and time_zone not in ("UTC", "Etc/UTC"):
        problems.append(
            f"timeZone is {time_zone!r}, so day and hour buckets follow that zone, not UTC"
        )
    if not problems:
        return []
    return [
        make_finding(
            "analytics.wrong-interval",
            f"The interval {interval!r} may miss the executions: " + "; ".join(problems) + ".",
            "Give both ends in UTC with a Z suffix and make the interval cover the launch time.",
            {"interval": interval, "time_zone": time_zone, "problems": problems},
        )
    ]


def _parse_instant(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None


def _check_method(observed: ObservedRequest) -> list[Finding]:
    if observed.method is None or observed.method == "POST":
        return []
    hint = " curl sends GET unless it has data or -X POST." if observed.source == "curl" else ""
    return [
        make_finding(
            "request.wrong-method",
            f"The launch was sent as {observed.method} {observed.path or LAUNCH_PATH}; the launch "
            "accepts only POST." + hint,
            f"Send POST {LAUNCH_PATH} with the JSON body.",
            {"method": observed.method},
        )
    ]


def _check_headers(observed: ObservedRequest) -> list[Finding]:
    if observed.source not in ("http", "curl"):
        return []
    findings = []
    authorization = observed.header("authorization")
    if authorization is None:
        findings.append(
            make_finding(
                "request.missing-auth",
                "The request has no Authorization header, so the API answers 401 "
                "authentication.required.",
                "Send 'Authorization: Bearer <access token>' with a token from "
                "https://login.<domain>/oauth/token.",
                {},
            )
        )
    content_type = observed.header("content-type")
    if observed.body_text is not None and (
        content_type is None or "json" not in content_type.lower()
    ):
        shown = content_type or "missing"
        detail = f"The Content-Type is {shown}, so the body is not read as JSON" + (
            " (curl sends -d data as application/x-www-form-urlencoded)."
            if observed.source == "curl"
            else "."
        )
        fix = (
            "Send 'Content-Type: application/json' (with curl: -H 'Content-Type: "
            "application/json', or --json)"
        )
        if observed.body_error is not None:
            # One finding covers both the header and a body that is not JSON either.
            detail += f" The body is not JSON either: {observed.body_error}."
            fix += ' with a JSON object body such as {"flowId": "<flow id>", "inputData": {...}}'
        findings.append(
            make_finding(
                "request.not-json",
                detail,
                fix + ".",
                {"content_type": content_type, "body_error": observed.body_error},
            )
        )
    return findings


def _check_json_body(observed: ObservedRequest, findings: list[Finding]) -> dict[str, Any] | None:
    if observed.body_error is not None:
        if any(
            finding.code in {"request.unreadable", "request.body-from-file", "request.not-json"}
            for finding in findings
        ):
            return None
        findings.append(
            make_finding(
                "request.not-json",
                f"The launch body cannot be used: {observed.body_error}.",
                'Send a JSON object such as {"flowId": "<flow id>", '
                '"inputData": {"Flow.<input>": "<value>"}}.',
                {"body_error": observed.body_error},
            )
        )
        return None
    if not isinstance(observed.body, dict):
        findings.append(
            make_finding(
                "request.not-json",
                f"The launch body is a JSON {_json_kind(observed.body)}, not an object.",
                'Send one JSON object such as {"flowId": "<flow id>", "inputData": {...}}; '
                "launch several executions with one request each.",
                {"body_type": _json_kind(observed.body)},
            )
        )
        return None
    return observed.body


def _json_kind(value: Any) -> str:
    kinds = {
        dict: "object",
        list: "array",
        str: "string",
        bool: "boolean",
        int: "number",
        float: "number",
    }
    return "null" if value is None else kinds.get(type(value), type(value).__name__)


def check_launch_body(intent: LaunchIntent) -> list[Finding]:
    """Check the fields of a launch body and the shape of its ``inputData``, without a schema."""
    findings = []
    for key, suggestion in intent.unknown_fields.items():
        findings.append(_unknown_field(intent, key, suggestion))

    if intent.flow_id is None:
        detail = (
            "The launch body has no flowId, so the API cannot know which flow to start (it "
            "answers 400)."
        )
        meant = next(
            (key for key, suggestion in intent.unknown_fields.items() if suggestion == "flowId"),
            None,
        )
        if meant is not None:
            detail += f" The body sends {meant!r}, which the API does not read."
        findings.append(
            make_finding(
                "request.missing-flow-id",
                detail,
                'Add "flowId": "<the workflow\'s id>" (Architect shows it in the flow URL; '
                "GET /api/v2/flows?type=workflow lists them).",
                {"fields": sorted(intent.body)},
            )
        )

    for field_name, value in (
        ("flowId", intent.flow_id),
        ("flowVersion", intent.flow_version),
        ("name", intent.name),
    ):
        if value is not None and not isinstance(value, str):
            findings.append(
                make_finding(
                    "request.invalid-field-value",
                    f"{field_name} is the JSON {_json_kind(value)} {json.dumps(value)}; the launch "
                    "expects a string.",
                    f'Send "{field_name}": "{value}" as a string.',
                    {"field": field_name, "value": value},
                )
            )

    findings.extend(check_input_shape(intent))
    return findings


def _unknown_field(intent: LaunchIntent, key: str, suggestion: str | None) -> Finding:
    value = intent.body[key]
    if suggestion is not None:
        detail = (
            f"The body has the field {key!r}, which the launch API does not accept: it reads only "
            f"{_ACCEPTED_FIELDS}. {key!r} is most likely meant as {suggestion!r}."
        )
        fix = f"Rename {key!r} to {suggestion!r}."
    else:
        detail = (
            f"The body has the field {key!r}, which the launch API does not accept and no launch "
            f"field resembles: it reads only {_ACCEPTED_FIELDS}."
        )
        fix = f"Remove {key!r}; the launch has no such option."
    misplaced = {
        path: item for path, item in intent.misplaced.items() if path.startswith(f"{key}.")
    }
    if misplaced:
        entries = "Its entry" if len(misplaced) == 1 else "Its entries"
        verb = "never reaches" if len(misplaced) == 1 else "never reach"
        detail += (
            f" {entries} {quote_list(misplaced)} {verb} the flow; the API ignores the field "
            "or rejects the body."
        )
        if suggestion == "inputData" or suggestion is None:
            fix += " " + inputs_hint([INPUT_NAME_EXAMPLE])
    return make_finding(
        "request.unknown-field",
        detail,
        fix,
        {
            "field": key,
            "suggestion": suggestion,
            "accepted": list(LAUNCH_FIELDS),
            "misplaced": misplaced,
            "value_type": _json_kind(value),
        },
        severity=Severity.ERROR,
    )


#: The input name that offline fixes show as an example; connected checks put real ones in.
INPUT_NAME_EXAMPLE = "Flow.email"


def inputs_hint(names: list[str]) -> str:
    """Return the sentence on where inputs belong, with ``names`` as examples."""
    return (
        "Inputs belong in inputData, keyed by their full Architect names such as "
        f"{quote_list(names)}."
    )


def check_input_shape(intent: LaunchIntent) -> list[Finding]:
    """Check, without a schema, that ``inputData`` is an object of ``Flow.``-prefixed names."""
    if not intent.has_inputs or intent.input_data is None:
        return []
    if not isinstance(intent.input_data, dict):
        return [
            make_finding(
                "inputs.not-object",
                f"inputData is a JSON {_json_kind(intent.input_data)}; it must be an object that "
                "maps each input's Architect name to its value.",
                'Send "inputData": {"Flow.<input>": <value>, ...}.',
                {"value": intent.input_data},
            )
        ]

    findings = []
    for key, value in intent.input_data.items():
        if key.lower() == "flow" and isinstance(value, dict):
            names = [f"Flow.{inner}" for inner in value]
            findings.append(
                make_finding(
                    "inputs.unknown-key",
                    f"inputData nests the inputs in an object under {key!r}; the flow reads flat "
                    f"keys, so {quote_list(names)} are never set.",
                    f"Flatten it: send {quote_list(names)} as keys of inputData itself.",
                    {"key": key, "suggestions": names, "value": value},
                )
            )
        elif not key.startswith("Flow."):
            suggestion = "Flow." + (
                key.split(".", 1)[1] if key.lower().startswith("flow.") else key
            )
            findings.append(
                make_finding(
                    "inputs.unknown-key",
                    f"The inputData key {key!r} has no 'Flow.' prefix; input keys are the full "
                    f"Architect variable names, so {key!r} is not an input and the value is "
                    "dropped.",
                    f"Send it as {suggestion!r} (check the exact name in the flow's input schema).",
                    {"key": key, "suggestion": suggestion, "value": value},
                )
            )
    return findings


def check_response(
    observed: ObservedResponse, request: ObservedRequest | None = None
) -> list[Finding]:
    """Check whether Genesys Cloud could have sent a response; explain error bodies.

    The launch returns 200 with an ``ININ-Correlation-Id`` header and a JSON body containing
    ``id``, ``name``, ``flowVersion`` and ``selfUri``. Anything else came from another
    component or is an error. When ``request`` is given and is not a launch, a success is
    judged against that route instead: any 2xx with a JSON body.
    """
    findings = list(observed.findings)
    if any(finding.code == "response.unreadable" for finding in findings):
        return findings
    status = observed.status
    body = observed.body if isinstance(observed.body, dict) else None
    correlation = observed.header("inin-correlation-id") or observed.header(
        "genesys-correlation-id"
    )

    if status is not None and status >= 400:
        findings.extend(_explain_error(observed, body, correlation, request))
        return findings
    if request is not None and not is_launch(request):
        findings.extend(_check_other_success(observed, request, body, correlation))
        return findings

    reasons = []
    if status is not None and status != 200:
        reasons.append(f"the status is {status}, but the launch answers 200")
    location = observed.header("location")
    if location:
        reasons.append(f"it has a Location header ({location}), which the launch never sends")
    if observed.body_text is None:
        reasons.append("it has no body, but the launch returns the execution as JSON")
    elif observed.body_error is not None or body is None:
        reasons.append("its body is not a JSON object")
    else:
        missing = [key for key in ("id", "name", "flowVersion", "selfUri") if key not in body]
        if missing:
            reasons.append(f"its JSON body lacks {quote_list(missing)}")
    if observed.headers and correlation is None:
        reasons.append(
            "it has no ININ-Correlation-Id header, which every Platform API response carries"
        )

    if reasons:
        findings.append(
            make_finding(
                "response.not-genesys",
                "This response did not come from Genesys Cloud's launch API: "
                + "; ".join(reasons)
                + ". "
                "Something else answered, such as a proxy, an API gateway, a mock or your own "
                "backend, so the launch may never have reached Genesys Cloud.",
                f"Log the response your code gets from POST https://api.<domain>{LAUNCH_PATH} "
                "itself: a real "
                'launch answers 200 with {"id": "<execution id>", "name": ..., '
                '"flowVersion": {...}, "selfUri": ...}. '
                "Follow the execution with GET /api/v2/flows/executions/{id}.",
                {
                    "status": status,
                    "location": location,
                    "reasons": reasons,
                    "headers": sorted(observed.headers),
                },
                severity=Severity.ERROR
                if status != 200 or body is None or location
                else Severity.WARNING,
            )
        )
        return findings

    assert body is not None
    version = body.get("flowVersion")
    version_id = version.get("id") if isinstance(version, dict) else version
    findings.append(
        make_finding(
            "response.accepted",
            f"Genesys Cloud accepted the launch: execution {body.get('id')} named "
            f"{body.get('name')!r} runs flow version {version_id}. The launch only starts the run; "
            "it can still fail.",
            f"Follow it with GET /api/v2/flows/executions/{body.get('id')} (or --execution-id "
            f"{body.get('id')}).",
            {
                "execution_id": body.get("id"),
                "name": body.get("name"),
                "flow_version": version_id,
                "correlation_id": correlation,
            },
        )
    )
    return findings


def _check_other_success(
    observed: ObservedResponse,
    request: ObservedRequest,
    body: dict[str, Any] | None,
    correlation: str | None,
) -> list[Finding]:
    """Check a success response to a request that is not a launch, such as a query or listing."""
    path = request.path or body_route(request.body) or "the request"
    called = f"{request.method or 'POST'} {path}"
    reasons = []
    status = observed.status
    if status is not None and not 200 <= status < 300:
        reasons.append(f"the status is {status}, but {called} answers 2xx")
    if observed.body_text is None:
        reasons.append(f"it has no body, but {called} returns JSON")
    elif observed.body_error is not None or not isinstance(observed.body, (dict, list)):
        reasons.append("its body is not JSON")
    # NOTE: whether the login host sends ININ-Correlation-Id on /oauth/token is unverified,
    # so the header is only required from the API host.
    is_token_request = (request.path or "").rstrip("/") == TOKEN_PATH
    if observed.headers and correlation is None and not is_token_request:
        reasons.append(
            "it has no ININ-Correlation-Id header, which every Platform API response carries"
        )
    if not reasons:
        return []
    only_header = len(reasons) == 1 and "ININ-Correlation-Id" in reasons[0]
    return [
        make_finding(
            "response.not-genesys",
            f"This response to {called} did not come from Genesys Cloud: "
            + "; ".join(reasons)
            + ". Something else answered, such as a proxy, an API gateway, a mock or your own "
            "backend.",
            f"Log the response your code gets from {called} on https://api.<domain> itself.",
            {"status": status, "reasons": reasons, "headers": sorted(observed.headers)},
            severity=Severity.WARNING if only_header else Severity.ERROR,
        )
    ]


# OAuth error codes that mean the client id or secret is wrong or not allowed this grant.
_CLIENT_ERRORS = frozenset({"invalid_client", "unauthorized_client"})


def _explain_error(
    observed: ObservedResponse,
    body: dict[str, Any] | None,
    correlation: str | None,
    request: ObservedRequest | None = None,
) -> list[Finding]:
    status = observed.status
    if status == 429:
        return [_rate_limited(observed, body, correlation, request)]
    if body is None or "message" not in body or ("code" not in body and "status" not in body):
        if body is not None and "error" in body:
            return [_login_error(status, body)]
        return [
            make_finding(
                "response.not-genesys",
                f"The response is a {status} without a Genesys Cloud ErrorBody (a JSON object with "
                "message, code and status), so something else answered: a proxy, an API gateway, "
                "a mock or your own backend.",
                "Find which component answered, e.g. from its headers, and check its logs; "
                "Genesys Cloud errors carry an ININ-Correlation-Id header and a JSON ErrorBody.",
                {"status": status, "headers": sorted(observed.headers)},
            )
        ]

    code = body.get("code")
    message = body.get("message") or ""
    evidence = {
        "status": status,
        "code": code,
        "message": message,
        "correlation_id": correlation or body.get("contextId"),
    }
    if status == 403 or code in {
        "missing.permissions",
        "missing.any.permissions",
        "not.authorized",
    }:
        permissions = _permissions_in(body)
        named = quote_list(permissions) if permissions else "not named in the response"
        return [
            make_finding(
                "auth.missing-permission",
                f"Genesys Cloud answered 403 {code}: {message} Permissions: {named}.",
                "Give the OAuth client a role with "
                + (quote_list(permissions) if permissions else "the permission the message names")
                + " in the division of the flow (Admin > OAuth > Roles).",
                {**evidence, "permissions": permissions},
            )
        ]
    if status == 401:
        return [
            make_finding(
                "auth.token-rejected",
                f"Genesys Cloud answered 401 {code}: {message} The token is missing, expired, or "
                "belongs to another region or org than this API host.",
                "Get a new token from the login host of the same region as the API host "
                "(login.<domain> with api.<domain>).",
                evidence,
            )
        ]
    meaning = {
        400: "the body or a value was rejected",
        404: "the flow id (or the route) was not found in this org and region",
        405: "the operation is not allowed on this flow",
        415: "the Content-Type is not application/json",
    }.get(status or 0, "the launch failed")
    return [
        make_finding(
            "response.rejected",
            f"Genesys Cloud rejected the launch with {status} {code} ({meaning}): {message}",
            "Fix what the message names; the request checks above show the likely cause.",
            evidence,
        )
    ]


def _rate_limited(
    observed: ObservedResponse,
    body: dict[str, Any] | None,
    correlation: str | None,
    request: ObservedRequest | None = None,
) -> Finding:
    """Explain a 429 from the API host (ErrorBody) or the login host (OAuth error body)."""
    body = body or {}
    oauth = "error" in body and "message" not in body
    to_login = request is not None and (
        (request.path or "").rstrip("/") == TOKEN_PATH or (request.host or "").startswith("login.")
    )
    code = body.get("error") if oauth else body.get("code")
    message = (
        body.get("error_description") or body.get("description") if oauth else body.get("message")
    )
    retry_after = observed.header("retry-after")
    responder = "The login host" if oauth or to_login else "Genesys Cloud"
    return make_finding(
        "rate.limited",
        f"{responder} answered 429 {code or 'Too Many Requests'}: {message or 'no message'}. "
        f"Retry-After: {retry_after or 'not sent'}.",
        "Wait the Retry-After seconds before the next call, and slow the loop down"
        + (" (get one token and reuse it until it expires)." if oauth or to_login else "."),
        {
            "status": 429,
            "code": code,
            "message": message,
            "correlation_id": correlation or body.get("contextId"),
            "retry_after": [retry_after] if retry_after else [],
        },
    )


def _login_error(status: int | None, body: dict[str, Any]) -> Finding:
    """Explain an OAuth error body from the login host."""
    error = body.get("error")
    description = body.get("error_description") or body.get("description") or "none"
    if error in _CLIENT_ERRORS:
        return make_finding(
            "auth.invalid-client",
            f"The response is a login-host OAuth error {error!r}: {description}.",
            "Check the client id and secret and that they belong to this region's org.",
            {"status": status, "error": error},
        )
    return make_finding(
        "response.rejected",
        f"The login host rejected the token request with {status} {error!r}: {description}.",
        "Fix what the error names: the token request is POST https://login.<domain>/oauth/token "
        "with grant_type=client_credentials and the client id and secret as Basic auth.",
        {"status": status, "code": error, "message": description},
        title="The login host rejected the token request",
    )


def _permissions_in(body: dict[str, Any]) -> list[str]:
    texts = [str(body.get("message", "")), str(body.get("messageWithParams", ""))]
    params = body.get("messageParams")
    if isinstance(params, dict):
        texts.extend(str(value) for value in params.values())
    found: list[str] = []
    for text in texts:
        for permission in re.findall(r"\b[a-zA-Z]+:[a-zA-Z]+:[a-zA-Z*]+\b", text):
            if permission not in found:
                found.append(permission)
    return found
