"""The doctor: offline checks plus connected checks against a real org or the sandbox."""

from __future__ import annotations

import asyncio
import json
import logging
import re
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import httpx

from flowwidgets.api import (
    ApiError,
    AuthError,
    Execution,
    ExecutionHistoryRecord,
    Flow,
    FlowVersion,
    LaunchResult,
    MissingPermissionError,
    NotFoundError,
    RateLimitError,
    RegionMismatchError,
)
from flowwidgets.api.errors import ApiConnectionError, UnauthorizedError
from flowwidgets.diagnose._match import quote_list
from flowwidgets.diagnose.findings import Finding, Severity, make_finding
from flowwidgets.diagnose.inputs import check_inputs, read_input_schema
from flowwidgets.diagnose.launch_body import LaunchIntent
from flowwidgets.diagnose.offline import (
    INPUT_NAME_EXAMPLE,
    body_route,
    check_request,
    check_response,
    inputs_hint,
    launch_intent,
    request_flow_id,
    token_domain,
)
from flowwidgets.diagnose.parse import (
    ObservedRequest,
    ObservedResponse,
    parse_request,
    parse_response,
)
from flowwidgets.diagnose.report import Report
from flowwidgets.diagnose.routes import (
    FLOW_EXECUTION_AGGREGATES_PATH,
    HISTORY_QUERY_PATH,
    LAUNCH_PATH,
    region_domains,
)

if TYPE_CHECKING:
    from flowwidgets.api import GenesysClient

logger = logging.getLogger("flowwidgets.diagnose")

# Codes after which a launch cannot run the flow at all.
_LAUNCH_BLOCKERS = frozenset(
    {
        "request.missing-flow-id",
        "request.not-json",
        "request.invalid-field-value",
        "inputs.not-object",
        "flow.not-found",
        "flow.not-launchable",
        "flow.not-published",
        "auth.region-mismatch",
    }
)

# The channel or event that starts each flow type the launch API does not start.
_FLOW_TYPE_STARTS = {
    "INBOUNDCALL": "An inbound call flow runs when a call arrives on a number routed to it.",
    "INBOUNDCHAT": "An inbound chat flow runs when a chat conversation is routed to it.",
    "INBOUNDEMAIL": "An inbound email flow runs when an email arrives at an address routed to it.",
    "INBOUNDSHORTMESSAGE": "An inbound message flow runs when a message arrives on an address "
    "routed to it.",
    "INQUEUECALL": "An in-queue call flow runs while a call waits in a queue.",
    "OUTBOUNDCALL": "An outbound call flow runs when a campaign call connects.",
}
_OTHER_FLOW_TYPE_STARTS = (
    "A flow of this type is started by its channel or by another flow, not by this API."
)

# Plain words for flowErrorInfo codes of workflows.
_ERROR_MEANINGS = {
    "error.workflow.expression.unexpectedNull": "an expression in the workflow needed a value but "
    "found null",
}


class _ConnectionFailedError(Exception):
    """The API could not be reached; the doctor stops its connected checks."""


@dataclass
class _State:
    """Facts the connected checks have gathered so far."""

    report: Report
    request: ObservedRequest | None
    intent: LaunchIntent | None
    flow: Flow | None = None
    version: FlowVersion | None = None
    # The version whose inputs are checked when the requested flowVersion names none.
    input_version: FlowVersion | None = None
    input_findings: list[Finding] = field(default_factory=list)
    response_findings: list[Finding] = field(default_factory=list)


@dataclass
class _HistoryCheck:
    """One execution-history query for a flow: what was sent, how many records came back."""

    flow_id: str
    query: dict[str, Any]
    returned: int
    match: ExecutionHistoryRecord | None
    failed: bool = False


@dataclass
class _AnalyticsCheck:
    """One nFlowExecutions query for a flow over a UTC interval, and the count it returned."""

    flow_id: str
    interval: str
    count: int
    failed: bool = False


class Doctor:
    """Explain why a launched workflow did not visibly run, from what was sent, seen and stored.

    Parameters
    ----------
    client
        A `GenesysClient` for the org to check (a real org or the sandbox), or ``None`` for offline
        checks only.
    max_wait
        Seconds to follow a launched execution before reporting ``execution.still-running``. On the
        sandbox the doctor advances the sandbox clock instead of sleeping.
    analytics_wait
        Seconds to wait for a launched execution to show in history and analytics.
    """

    def __init__(
        self,
        client: GenesysClient | None,
        *,
        max_wait: float = 300.0,
        analytics_wait: float = 600.0,
    ) -> None:
        self.client = client
        self.max_wait = max_wait
        self.analytics_wait = analytics_wait

    async def run(
        self,
        request: ObservedRequest | dict[str, Any] | str | bytes | None = None,
        response: ObservedResponse | str | bytes | None = None,
        flow_id: str | None = None,
        execution_id: str | None = None,
        launch: bool = False,
        force: bool = False,
    ) -> Report:
        """Run every check that the given inputs allow and return the report.

        Parameters
        ----------
        request, response
            What the person sent and got back, parsed or as text; a request may also be the
            launch body as a dict.
        flow_id
            Flow to check when the request has none (or no request was given).
        execution_id
            An execution that already ran, to explain (GET /api/v2/flows/executions/{id}).
        launch
            Launch the request body as sent (POST /api/v2/flows/executions), follow the execution to
            its end and check where it shows. Skipped when the launch cannot run the flow at all.
        force
            Launch even when a check finds that the launch cannot run the flow, as long as the body
            has a flowId.
        """
        if isinstance(request, dict):
            request = json.dumps(request)
        observed = parse_request(request) if isinstance(request, (str, bytes)) else request
        seen = parse_response(response) if isinstance(response, (str, bytes)) else response
        # Only a launch has a launch body; a query or listing has no inputs to check.
        intent = launch_intent(observed)
        report = Report(context=self._initial_context(observed))
        state = _State(report=report, request=observed, intent=intent)

        offline = check_request(observed) if observed else []
        state.input_findings = [
            finding for finding in offline if finding.code.startswith("inputs.")
        ]
        report.extend(finding for finding in offline if not finding.code.startswith("inputs."))

        flow_id = flow_id or request_flow_id(observed)
        if flow_id:
            report.context["flow_id"] = flow_id
        response_findings = check_response(seen, observed) if seen is not None else []
        state.response_findings = response_findings

        if self.client is None:
            report.extend(state.input_findings)
            report.extend(response_findings)
            report.extend([_offline_note()])
            return report

        try:
            await self._connected(state, flow_id, execution_id, response_findings, launch, force)
        except _ConnectionFailedError as error:
            report.extend(state.input_findings)
            report.extend(
                [
                    make_finding(
                        "doctor.connection-failed",
                        f"The doctor could not reach {self.client.api_base_url}: {error}",
                        "Check the network, the region and any proxy settings, then run the "
                        "doctor again.",
                        {"host": self.client.api_base_url},
                    )
                ]
            )
        report.extend(self._rate_limits())
        return report

    def _initial_context(self, observed: ObservedRequest | None) -> dict[str, Any]:
        context: dict[str, Any] = {}
        if self.client is not None:
            context["host"] = self.client.api_base_url
            context["region"] = self.client.region.domain
            if getattr(self.client, "sandbox", None) is not None:
                context["sandbox"] = True
        if observed is not None and observed.url:
            context["request_url"] = observed.url
        return context

    async def _connected(
        self,
        state: _State,
        flow_id: str | None,
        execution_id: str | None,
        response_findings: list[Finding],
        launch: bool,
        force: bool,
    ) -> None:
        report = state.report
        await self._check_identity(state)

        execution = None
        if execution_id:
            report.context["execution_id"] = execution_id
            # An execution given by id is explained as it is now; only the doctor's own launch
            # is followed and waited for.
            execution = await self._find_execution(state, execution_id)
            if execution is not None and not flow_id:
                flow_id = execution.flow_id
                if flow_id:
                    report.context["flow_id"] = flow_id

        if flow_id:
            await self._check_flow(state, flow_id)

        self._check_inputs(state, execution)
        report.extend(response_findings)
        if _concerns_executions(state.request, launch=launch, execution_id=execution_id):
            await self._check_history_setting(state)

        if execution is not None:
            report.extend(self._explain_outcome(state, execution))
            await self._check_given_visibility(state, execution)
        elif not execution_id and not launch:
            accepted = next((f for f in response_findings if f.code == "response.accepted"), None)
            if accepted is not None and accepted.evidence.get("execution_id"):
                found = await self._find_execution(state, str(accepted.evidence["execution_id"]))
                if found is not None:
                    report.extend(self._explain_outcome(state, found))
                    await self._check_given_visibility(state, found)

        if launch:
            await self._launch(state, force, flow_id)

    # Identity and region.

    async def _check_identity(self, state: _State) -> None:
        assert self.client is not None
        token = await self._call(state, self.client.get_token_info())
        if token is not None:
            name = token.organization_name or token.organization_id
            state.report.context["organization"] = name

        host = state.request.host if state.request else None
        domains = region_domains()
        client_domain = self.client.region.domain
        checked = (
            "sandbox org checked here"
            if getattr(self.client, "sandbox", None) is not None
            else "org of the credentials checked here"
        )
        script_domain = token_domain(state.request)
        if (
            host
            and host.startswith("api.")
            and host[4:] in domains
            and host[4:] != client_domain
            # When the script's own token host is in this org's region, the offline finding
            # already covers it.
            and script_domain != client_domain
        ):
            detail = (
                f"The request went to {host} (region {domains[host[4:]]}), but the {checked} "
                f"belongs to {client_domain}, whose tokens come from login.{client_domain}. A "
                f"token is only valid on the API host of the region that issued it, so {host} "
                "answers 401 to a token of this org."
            )
            if script_domain is not None:
                detail += (
                    f" The script itself gets its token from login.{script_domain}, so the org "
                    "checked here may not be the one the script uses."
                )
            state.report.extend(
                [
                    make_finding(
                        "auth.region-mismatch",
                        detail,
                        f"Send the requests to api.{client_domain}, or use an OAuth client of the "
                        f"org in {host[4:]} and get its token from login.{host[4:]}.",
                        {"request_domain": host[4:], "credentials_domain": client_domain},
                    )
                ]
            )

    # The flow and the version that will run.

    async def _check_flow(self, state: _State, flow_id: str) -> None:
        assert self.client is not None
        report = state.report
        try:
            flow = await self._call(state, self.client.get_flow(flow_id), raise_not_found=True)
        except NotFoundError:
            report.extend([self._flow_not_found(state, flow_id)])
            return
        if flow is None:
            return
        state.flow = flow
        report.context["flow"] = f"{flow.name} ({flow.type})" if flow.name else flow_id

        flow_type = (flow.type or "").upper()
        # NOTE: the launch API documents workflows as launchable ("flow types that support it
        # such as workflow"). Which other types it accepts is not documented, so only WORKFLOW
        # passes here.
        if flow_type != "WORKFLOW":
            report.extend(
                [
                    make_finding(
                        "flow.not-launchable",
                        f"Flow {flow.name!r} ({flow_id}) is of type {flow_type or 'unknown'}; POST "
                        f"{LAUNCH_PATH} starts workflows, not "
                        + (f"{flow_type} flows" if flow_type else "this flow")
                        + ". "
                        + _FLOW_TYPE_STARTS.get(flow_type, _OTHER_FLOW_TYPE_STARTS),
                        "Launch a flow of type WORKFLOW; to act on a call or message, move the "
                        "logic into a workflow and launch that, or trigger the flow through its "
                        "channel.",
                        {"flow_id": flow_id, "type": flow_type},
                    )
                ]
            )
            return

        await self._check_version(state, flow)

    def _flow_not_found(self, state: _State, flow_id: str) -> Finding:
        assert self.client is not None
        org = state.report.context.get("organization") or "this org"
        region = self.client.region.domain
        return make_finding(
            "flow.not-found",
            f"Flow {flow_id} was not found in {org} (region {region}, {self.client.api_base_url}). "
            "Either no such flow exists here (it is in another org or region, was deleted, or the "
            "id is mistyped), or it is in a division this OAuth client's roles do not cover, "
            "which hides it the same way.",
            "Check the id in Architect (the flow's URL) and that it is the same org and region; "
            "if it is, grant the OAuth client's role the flow's division.",
            {"flow_id": flow_id, "organization": org, "region": region},
        )

    async def _check_version(self, state: _State, flow: Flow) -> None:
        assert self.client is not None
        report = state.report
        requested = state.intent.flow_version if state.intent else None
        published = flow.published_version

        if requested not in (None, ""):
            sent = requested
            requested = str(requested)
            try:
                version = await self._call(
                    state, self.client.get_flow_version(flow.id, requested), raise_not_found=True
                )
            except NotFoundError:
                await self._version_not_found(state, flow, sent)
                return
        elif published is None:
            report.extend(
                [
                    make_finding(
                        "flow.not-published",
                        f"Flow {flow.name!r} ({flow.id}) has no published version, so a launch "
                        "without flowVersion has nothing to run.",
                        "Publish the flow in Architect, then launch again.",
                        {"flow_id": flow.id, "published": None},
                    )
                ]
            )
            return
        else:
            version = published
            if version.input_schema is None:
                version = (
                    await self._call(state, self.client.get_flow_version(flow.id, published.id))
                    or published
                )

        if version is None:
            return
        state.version = version
        report.context["version"] = version.id
        report.extend(self._newer_versions(flow, version, requested))

    async def _version_not_found(self, state: _State, flow: Flow, sent: Any) -> None:
        """Report a flowVersion that names no version, with one fix for every finding about it."""
        requested = str(sent)
        published = flow.published_version
        nearest = await self._nearest_version(state, flow, requested)
        if nearest is not None:
            fix = (
                f'Send "flowVersion": "{nearest}" (the id of the existing version {nearest}, as '
                "a JSON string), or remove flowVersion to run the published version"
                + (f" {published.id}." if published else ".")
            )
        elif published is not None:
            fix = (
                f"Remove flowVersion to run the published version {published.id}, or send the id "
                f'of an existing version as a JSON string, such as "flowVersion": '
                f'"{published.id}".'
            )
        else:
            fix = (
                "Remove flowVersion and publish the flow, or send the id of an existing version "
                "as a JSON string (GET /api/v2/flows/{flowId}/versions lists them)."
            )
        state.report.extend(
            [
                make_finding(
                    "flow.not-published",
                    f"The launch asks for flowVersion {json.dumps(sent)} of flow {flow.name!r}, "
                    "which has no such version"
                    + (f"; the published version is {published.id}." if published else "."),
                    fix,
                    {
                        "flow_id": flow.id,
                        "requested": requested,
                        "published": published.id if published else None,
                        "nearest": nearest,
                    },
                )
            ]
        )
        # The inputs are still worth checking: against the version the value writes
        # differently (1 for "1.0"), else against the published version.
        stand_in_id = nearest or (published.id if published else None)
        if stand_in_id is not None:
            assert self.client is not None
            state.input_version = await self._call(
                state, self.client.get_flow_version(flow.id, stand_in_id)
            )
        # A flowVersion sent as a number also has an offline finding that suggests sending the
        # same number as a string, which names no version either, so it gets the same fix.
        findings = state.report.findings
        for index, finding in enumerate(findings):
            if (
                finding.code == "request.invalid-field-value"
                and finding.evidence.get("field") == "flowVersion"
            ):
                findings[index] = replace(finding, fix=fix)

    async def _nearest_version(self, state: _State, flow: Flow, requested: str) -> str | None:
        """Return the id of a version that ``requested`` writes differently, e.g. "2.0" for "2"."""
        assert self.client is not None
        try:
            wanted = float(requested)
        except ValueError:
            return None
        ids = [flow.published_version.id] if flow.published_version else []
        try:
            async for version in self.client.iter_flow_versions(flow.id):
                ids.append(version.id)
        except ApiError as error:
            logger.info("listing the versions of flow %s failed: %s", flow.id, error)
        for version_id in ids:
            try:
                if float(version_id) == wanted:
                    return version_id
            except ValueError:
                continue
        return None

    def _newer_versions(self, flow: Flow, running: FlowVersion, requested: Any) -> list[Finding]:
        findings = []
        seen = {running.id}
        for label, other in (
            ("checked-in", flow.checked_in_version),
            ("saved", flow.saved_version),
        ):
            if other is None or other.id in seen:
                continue
            seen.add(other.id)
            when = _version_date(other)
            running_date = _version_date(running)
            if when is not None and running_date is not None and when <= running_date:
                continue
            how = (
                f"flowVersion {requested!r} asks for it"
                if requested
                else "it is the published version"
            )
            findings.append(
                make_finding(
                    "flow.newer-unpublished-version",
                    f"Flow {flow.name!r} has a {label} version {other.id}"
                    + (f" from {when:%Y-%m-%d %H:%M} UTC" if when else "")
                    + f" that is not published; the launch runs version {running.id} because "
                    f"{how}, so recent edits made in Architect do not run.",
                    "Publish the flow in Architect to run the latest changes (and launch without "
                    "flowVersion).",
                    {
                        "flow_id": flow.id,
                        "running": running.id,
                        "unpublished": other.id,
                        "kind": label,
                    },
                )
            )
        return findings

    # Inputs against the schema.

    def _check_inputs(self, state: _State, execution: Execution | None) -> None:
        version = (
            state.version
            or (execution.flow_version if execution else None)
            or state.input_version
        )
        schema = version.input_schema if version else None
        if state.intent is None or schema is None:
            state.report.extend(state.input_findings)
            return
        state.input_findings = check_inputs(state.intent, schema, version.id if version else None)
        state.report.extend(state.input_findings)
        names = list(read_input_schema(schema))[:1]
        if names:
            # The offline fix shows an example input name; the flow's own names are better.
            example = inputs_hint([INPUT_NAME_EXAMPLE])
            findings = state.report.findings
            for index, finding in enumerate(findings):
                if finding.code == "request.unknown-field" and example in finding.fix:
                    fixed = finding.fix.replace(example, inputs_hint(names))
                    findings[index] = replace(finding, fix=fixed)

    # Execution history setting.

    async def _check_history_setting(self, state: _State) -> None:
        assert self.client is not None
        setting = await self._call(state, self.client.get_execution_data_setting())
        if setting is None:
            return
        state.report.context["execution_data"] = "enabled" if setting.enabled else "disabled"
        if not setting.enabled:
            state.report.extend(
                [
                    make_finding(
                        "history.disabled",
                        "The org's execution-data setting is off (the default), so no execution "
                        "is recorded in execution history: POST /api/v2/flows/instances/query "
                        "returns nothing even for runs that happened.",
                        "Turn it on (Admin > Architect > Settings > Execution Data, or PATCH "
                        '/api/v2/flows/instances/settings/executiondata {"enabled": true}), '
                        "then republish the flow.",
                        {"enabled": False},
                    )
                ]
            )
            return

        version = state.version
        published_at = _version_date(version) if version is not None else None
        enabled_at = setting.date_modified
        if (
            version is not None
            and enabled_at is not None
            and published_at is not None
            and published_at < enabled_at
        ):
            state.report.extend(
                [
                    make_finding(
                        "history.not-republished",
                        f"Execution data was turned on at {enabled_at:%Y-%m-%d %H:%M} UTC, but "
                        f"version {version.id} that runs was published at "
                        f"{published_at:%Y-%m-%d %H:%M} UTC, before that; a flow records execution "
                        "history only after it is republished.",
                        "Republish the flow in Architect (no change needed), then launch again.",
                        {
                            "enabled_at": enabled_at.isoformat(),
                            "published_at": published_at.isoformat(),
                            "version": version.id if version else None,
                        },
                    )
                ]
            )

    # Executions.

    async def _find_execution(self, state: _State, execution_id: str) -> Execution | None:
        assert self.client is not None
        delays = (1.0, 2.0, 4.0)
        for attempt in range(len(delays) + 1):
            try:
                return await self._call(
                    state, self.client.get_execution(execution_id), raise_not_found=True
                )
            except NotFoundError:
                if attempt == len(delays):
                    break
                await self._wait(delays[attempt])
        hint = ""
        seen = state.report.findings + state.response_findings
        if any(finding.code == "response.not-genesys" for finding in seen):
            hint = (
                " The response that carried it did not come from Genesys Cloud, so the id is "
                "probably not a Genesys execution id."
            )
        state.report.extend(
            [
                make_finding(
                    "execution.not-found",
                    f"Execution {execution_id} was not found in "
                    f"{state.report.context.get('organization', 'this org')} (region "
                    f"{self.client.region.domain}) after {len(delays) + 1} tries. It may belong to "
                    "another region or org, the id may be wrong (not an id Genesys Cloud "
                    "returned), or its details expired "
                    "(they are kept for several days)." + hint,
                    "Use the id from the 200 launch response of the same org and region, and look "
                    "it up within a few days; for older runs use execution history.",
                    {
                        "execution_id": execution_id,
                        "region": self.client.region.domain,
                        "tries": len(delays) + 1,
                    },
                )
            ]
        )
        return None

    def _explain_outcome(self, state: _State, execution: Execution) -> list[Finding]:
        status = str(getattr(execution.status, "value", execution.status))
        evidence = {
            "execution_id": execution.id,
            "status": status,
            "flow_version": execution.flow_version.id if execution.flow_version else None,
        }
        if status == "COMPLETED":
            return [
                make_finding(
                    "execution.completed",
                    f"Execution {execution.id} completed "
                    f"({execution.completion_reason or 'no reason given'}) with outputs "
                    f"{sorted(execution.output_data) or 'none'}.",
                    "Nothing to fix in the run itself. If it is not visible elsewhere, the "
                    "history.* and analytics.* findings say why.",
                    {**evidence, "output_data": execution.output_data},
                )
            ]
        if status == "RUNNING":
            return [
                make_finding(
                    "execution.still-running",
                    f"Execution {execution.id} is still RUNNING (launched "
                    f"{execution.date_launched}).",
                    "Follow it with GET /api/v2/flows/executions/{id} until it ends; a workflow "
                    "that waits on a data action or timer may run for a long time.",
                    evidence,
                )
            ]
        if status in ("ERROR", "FAILED", "TERMINATED"):
            return [self._failure(state, execution, status, evidence)]
        return [
            make_finding(
                "execution.unknown-status",
                f"Execution {execution.id} has the status {status!r}, which this toolkit does not "
                "know.",
                "Read the execution's raw JSON, and update flowwidgets if a newer version knows "
                "this status.",
                evidence,
            )
        ]

    def _failure(
        self, state: _State, execution: Execution, status: str, evidence: dict[str, Any]
    ) -> Finding:
        info = execution.flow_error_info or {}
        code = info.get("code")
        message = info.get("message") or ""
        variable = _variable_in(info)

        if code:
            meaning = _ERROR_MEANINGS.get(str(code), f"the workflow stopped with error {code}")
            quoted = f" ({code}: {message})."
        else:
            meaning = "the workflow stopped with an error"
            quoted = f" ({message})." if message else "."
        detail = f"Execution {execution.id} ended {status}: {meaning}{quoted}"
        cause = self._cause_for(state, variable) if variable else None
        if cause:
            detail += " " + cause

        fix = (
            "Send every input the workflow needs in inputData under its full name"
            + (f", including {variable!r}" if variable else "")
            + ", then launch again."
        )
        missing = [
            f
            for f in state.input_findings
            if f.code == "inputs.missing" and f.evidence.get("sent_as")
        ]
        if missing:
            fix = missing[0].fix + " Then launch again."

        return make_finding(
            "execution.failed",
            detail,
            fix,
            {**evidence, "error_code": code, "error_message": message, "variable": variable},
        )

    def _cause_for(self, state: _State, variable: str) -> str | None:
        for finding in state.input_findings:
            if finding.evidence.get("input") != variable:
                continue
            if finding.code == "inputs.missing" and finding.evidence.get("sent_as"):
                return (
                    f"{variable} was null because it was never sent: the body sent "
                    f"`{finding.evidence['sent_as']}`, which the flow does not read."
                )
            if finding.code == "inputs.missing":
                return (
                    f"{variable} was null because inputData did not contain it, so it kept its "
                    "initial value."
                )
            if finding.code == "inputs.wrong-type":
                return f"{variable} had no usable value because {finding.evidence.get('problem')}."
        return None

    # Launch.

    async def _launch(self, state: _State, force: bool, flow_id: str | None) -> None:
        assert self.client is not None
        report = state.report
        intent = state.intent
        if intent is None or not isinstance(intent.flow_id, str) or not intent.flow_id:
            report.extend([_launch_skipped_without_body(state, flow_id)])
            return
        blockers = sorted({f.code for f in report.findings if f.code in _LAUNCH_BLOCKERS})
        if blockers and not force:
            report.extend(
                [
                    make_finding(
                        "execution.launch-skipped",
                        f"The doctor did not launch because {quote_list(blockers)} "
                        + ("means" if len(blockers) == 1 else "mean")
                        + " the launch cannot run the flow.",
                        "Fix "
                        + ("that error" if len(blockers) == 1 else "those errors")
                        + " first, or launch anyway with --force (force=True from Python).",
                        {"reason": "blocking findings", "codes": blockers},
                    )
                ]
            )
            return

        started = self._now()
        try:
            answer = await self._call(
                state,
                self.client.request("POST", LAUNCH_PATH, json=intent.body, idempotent=False),
                raise_api_error=True,
            )
        except _ConnectionFailedError as error:
            report.extend([_launch_outcome_unknown(intent, str(error))])
            raise
        except ApiError as error:
            report.extend(
                [
                    make_finding(
                        "execution.launch-rejected",
                        f"The launch of the body as sent was rejected with {error.status} "
                        f"{error.code}: {_sentence(error.message)}",
                        error.fix or "Fix what the message names and launch again.",
                        {
                            "status": error.status,
                            "code": error.code,
                            "message": error.message,
                            "correlation_id": error.correlation_id,
                        },
                    )
                ]
            )
            return
        if answer is None:
            return
        result = LaunchResult.from_json(answer.json())
        report.context["execution_id"] = result.id
        report.extend(
            [
                make_finding(
                    "execution.launched",
                    f"The doctor launched the body as sent: execution {result.id} named "
                    f"{result.name!r} runs flow version {result.flow_version_id}.",
                    "Nothing to do. The execution.* finding about this id says how it ended, "
                    "and the history.* and analytics.* findings say where it shows.",
                    {
                        "execution_id": result.id,
                        "name": result.name,
                        "flow_version": result.flow_version_id,
                    },
                )
            ]
        )

        execution = await self._follow(state, result.id)
        if execution is None:
            return
        report.extend(self._explain_outcome(state, execution))
        if execution.is_terminal:
            launched = execution.date_launched or started
            await self._check_visibility(state, execution, launched, wait=True)

    async def _follow(self, state: _State, execution_id: str) -> Execution | None:
        assert self.client is not None
        execution = await self._find_execution(state, execution_id)
        waited, delay = 0.0, 0.5
        while execution is not None and not execution.is_terminal and waited < self.max_wait:
            await self._wait(delay)
            waited += delay
            delay = min(delay * 2, 15.0)
            execution = await self._call(state, self.client.get_execution(execution_id))
        return execution

    async def _check_given_visibility(self, state: _State, execution: Execution) -> None:
        # An execution the doctor did not launch is queried once, without waiting, so that
        # callers such as widgets never wait or move a sandbox clock.
        if execution.is_terminal and execution.date_launched is not None:
            await self._check_visibility(state, execution, execution.date_launched, wait=False)

    async def _check_visibility(
        self, state: _State, execution: Execution, launched: datetime, *, wait: bool
    ) -> None:
        """Report whether a finished execution shows in execution history and in analytics.

        Queries POST /api/v2/flows/instances/query and POST
        /api/v2/analytics/flowexecutions/aggregates/query. With ``wait`` both are polled with
        backoff until ``analytics_wait`` seconds have passed. On the sandbox the doctor advances
        the sandbox clock instead of sleeping. Without ``wait`` each is queried once.
        """
        assert self.client is not None
        report = state.report
        flow_id = execution.flow_id or (state.flow.id if state.flow else None)
        if flow_id is None:
            return
        blocker = next(
            (
                finding
                for finding in report.findings
                if finding.code in ("history.disabled", "history.not-republished")
            ),
            None,
        )

        history: _HistoryCheck | None = None
        analytics: _AnalyticsCheck | None = None
        budget = self.analytics_wait if wait else 0.0
        waited, delay = 0.0, 5.0
        while True:
            if history is None or (history.match is None and blocker is None):
                history = await self._query_history(state, flow_id, execution, launched)
            if analytics is None or not analytics.count:
                analytics = await self._query_analytics(state, flow_id, launched)
            history_done = history.match is not None or blocker is not None or history.failed
            analytics_done = bool(analytics.count) or analytics.failed
            if (history_done and analytics_done) or waited >= budget:
                break
            step = min(delay, budget - waited)
            await self._wait(step)
            waited += step
            delay = min(delay * 2, 60.0)

        report.extend(self._history_findings(state, execution, history, blocker, waited))
        report.extend(self._analytics_findings(state, execution, analytics, launched, waited))
        report.extend(self._query_coverage(state, execution, launched))

    def _history_findings(
        self,
        state: _State,
        execution: Execution,
        history: _HistoryCheck,
        blocker: Finding | None,
        waited: float,
    ) -> list[Finding]:
        evidence: dict[str, Any] = {
            "execution_id": execution.id,
            "query": history.query,
            "records_returned": history.returned,
        }
        if history.failed:
            return []
        if history.match is not None:
            record = history.match
            return [
                make_finding(
                    "history.visible",
                    f"Execution {execution.id} is in execution history: POST "
                    f"{HISTORY_QUERY_PATH} for flow {record.flow_id or history.flow_id} returned "
                    "it "
                    f"(started {_utc(record.start)}, ended {_utc(record.end)}, version "
                    f"{record.flow_version or 'unknown'}).",
                    "Nothing to do; this query finds the run in execution history.",
                    {**evidence, "record": record.raw},
                )
            ]
        if blocker is not None:
            # The setting finding already explains why; add the execution it hides.
            amended = replace(
                blocker,
                detail=f"{blocker.detail} Execution {execution.id} is therefore not in execution "
                f"history either: POST {HISTORY_QUERY_PATH} returned "
                + (
                    f"{history.returned} record(s) for the flow, none of them this run."
                    if history.returned
                    else "no record for the flow."
                ),
                evidence={**blocker.evidence, **evidence},
            )
            findings = state.report.findings
            findings[findings.index(blocker)] = amended
            return []
        return [
            make_finding(
                "history.not-yet-visible",
                f"Execution {execution.id} was not returned by POST {HISTORY_QUERY_PATH} "
                + (f"after waiting {waited:.0f} s" if waited else "yet")
                + ", although execution data is on and the flow was republished after it was "
                "turned on.",
                "Query again in a few minutes, narrowed by FlowId and FlowStartDateTime; a query "
                "returns at most 200 records and not necessarily the newest.",
                {**evidence, "waited_seconds": waited},
            )
        ]

    def _analytics_findings(
        self,
        state: _State,
        execution: Execution,
        analytics: _AnalyticsCheck,
        launched: datetime,
        waited: float,
    ) -> list[Finding]:
        if analytics.failed:
            return []
        evidence: dict[str, Any] = {
            "execution_id": execution.id,
            "flow_id": analytics.flow_id,
            "metric": "nFlowExecutions",
            "interval": analytics.interval,
            "time_zone": "UTC",
            "count": analytics.count,
            "launched": launched.isoformat(),
        }
        if analytics.count:
            return [
                make_finding(
                    "analytics.visible",
                    f"Flow-execution analytics count {analytics.count} execution(s) of flow "
                    f"{analytics.flow_id} in the UTC interval {analytics.interval}, which "
                    f"contains the launch of execution {execution.id} at {_utc(launched)}.",
                    "Nothing to do; query with a UTC interval that contains the launch time to "
                    "see it counted.",
                    evidence,
                )
            ]
        now = self._now()
        # NOTE: how long flow-execution analytics lag behind a launch is not documented;
        # analytics_wait is the doctor's guess of an upper bound.
        check_after = max(launched + timedelta(seconds=self.analytics_wait), now)
        if check_after <= now:
            check_after = now + timedelta(minutes=15)
        age = (now - launched).total_seconds()
        waited_text = (
            f"after the doctor waited {waited:.0f} s"
            if waited
            else f"{age:.0f} s after the launch (the doctor did not wait)"
        )
        return [
            make_finding(
                "analytics.not-yet-visible",
                f"nFlowExecutions for flow {analytics.flow_id} in the UTC interval "
                f"{analytics.interval}, which contains the launch of execution {execution.id} at "
                f"{_utc(launched)}, counted nothing {waited_text}. Flow-execution analytics "
                "lag behind launches.",
                f"Check again after {check_after:%Y-%m-%d %H:%M} UTC with POST "
                f"{FLOW_EXECUTION_AGGREGATES_PATH}, a UTC interval that contains the launch time "
                "and a flowId filter.",
                {
                    **evidence,
                    "waited_seconds": waited,
                    "check_after": check_after.isoformat(),
                },
            )
        ]

    def _query_coverage(
        self, state: _State, execution: Execution, launched: datetime
    ) -> list[Finding]:
        """Check that the person's own aggregates query, when given, contains the launch time."""
        observed = state.request
        if observed is None or not isinstance(observed.body, dict):
            return []
        if not (observed.path or "").endswith(FLOW_EXECUTION_AGGREGATES_PATH):
            return []
        interval = observed.body.get("interval")
        zone_name = observed.body.get("timeZone") or "UTC"
        bounds = _interval_bounds(interval, zone_name)
        if bounds is None or bounds[0] <= launched < bounds[1]:
            return []
        start, end = bounds
        suggested = (
            f"{launched - timedelta(hours=1):%Y-%m-%dT%H:00:00.000Z}/"
            f"{launched + timedelta(hours=1):%Y-%m-%dT%H:00:00.000Z}"
        )
        return [
            make_finding(
                "analytics.wrong-interval",
                f"The analytics query's interval {interval!r} (timeZone {zone_name}) covers "
                f"{_utc(start)} to {_utc(end)}, which does not contain the launch of execution "
                f"{execution.id} at {_utc(launched)}, so the query cannot count it.",
                f'Send an interval in UTC that contains the launch, e.g. "{suggested}", with '
                '"timeZone": "UTC".',
                {
                    "interval": interval,
                    "time_zone": zone_name,
                    "interval_start": start.isoformat(),
                    "interval_end": end.isoformat(),
                    "launched": launched.isoformat(),
                    "suggested_interval": suggested,
                },
            )
        ]

    async def _query_history(
        self, state: _State, flow_id: str, execution: Execution, launched: datetime
    ) -> _HistoryCheck:
        assert self.client is not None
        since = (launched - timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        query = {
            "query": [
                {
                    "and": [
                        {"key": "FlowId", "operator": "eq", "value": flow_id},
                        {"key": "FlowStartDateTime", "operator": "gte", "value": since},
                    ]
                }
            ]
        }
        records = await self._call(state, self.client.query_flow_instances(query))
        if records is None:
            # The call failed, and its finding gives the reason.
            return _HistoryCheck(flow_id, query, 0, None, failed=True)
        match = next(
            (
                record
                for record in records
                if record.id == execution.id or (execution.name and record.name == execution.name)
            ),
            None,
        )
        return _HistoryCheck(flow_id, query, len(records), match)

    async def _query_analytics(
        self, state: _State, flow_id: str, launched: datetime
    ) -> _AnalyticsCheck:
        assert self.client is not None
        start = launched.replace(second=0, microsecond=0) - timedelta(minutes=1)
        end = launched.replace(second=0, microsecond=0) + timedelta(minutes=2)
        interval = f"{start:%Y-%m-%dT%H:%M:%S.000Z}/{end:%Y-%m-%dT%H:%M:%S.000Z}"
        flow_filter = {"type": "and", "predicates": [{"dimension": "flowId", "value": flow_id}]}
        result = await self._call(
            state,
            self.client.query_flow_execution_aggregates(
                interval, group_by=["flowId"], filter=flow_filter, time_zone="UTC"
            ),
        )
        if result is None:
            return _AnalyticsCheck(flow_id, interval, 0, failed=True)
        count = sum(row.count or 0 for row in result.rows if row.metric == "nFlowExecutions")
        return _AnalyticsCheck(flow_id, interval, count)

    # Plumbing.

    def _rate_limits(self) -> list[Finding]:
        events = list(getattr(self.client, "rate_limit_events", None) or [])
        if not events:
            return []
        values = [getattr(event, "retry_after", None) for event in events]
        urls = sorted({str(getattr(event, "url", "")) for event in events})
        return [
            make_finding(
                "rate.limited",
                f"The API answered 429 Too Many Requests {len(events)} time(s) during these "
                f"checks, with Retry-After values {values} (seconds); the client waited as told.",
                "Slow down loops that call the API (fewer, larger pages; no tight polling), and "
                "honour Retry-After in your own code.",
                {"count": len(events), "retry_after": values, "urls": urls},
            )
        ]

    async def _wait(self, seconds: float) -> None:
        sandbox = getattr(self.client, "sandbox", None)
        if sandbox is not None:
            sandbox.clock.advance(seconds)
            await asyncio.sleep(0)
        else:
            await asyncio.sleep(seconds)

    def _now(self) -> datetime:
        sandbox = getattr(self.client, "sandbox", None)
        if sandbox is not None:
            now: datetime = sandbox.clock.now()
            return now
        return datetime.now(timezone.utc)

    async def _call(
        self,
        state: _State,
        call: Any,
        *,
        raise_not_found: bool = False,
        raise_api_error: bool = False,
    ) -> Any:
        """Await one client call, turning its errors into findings; ``None`` means it failed."""
        report = state.report
        try:
            return await call
        except RegionMismatchError as error:
            report.extend(
                [
                    make_finding(
                        "auth.region-mismatch",
                        f"The token comes from login.{error.token_domain} but the API host is "
                        f"api.{error.api_domain}; a token is only valid in the region that issued "
                        "it, so the client did not send it.",
                        f"Use one region for both hosts: {error.token_domain} if the OAuth client "
                        "belongs to that org.",
                        {"token_domain": error.token_domain, "api_domain": error.api_domain},
                    )
                ]
            )
        except AuthError as error:
            report.extend(
                [
                    make_finding(
                        "auth.invalid-client",
                        f"The login host rejected the OAuth client with {error.status} "
                        f"{error.code}: {_sentence(error.message)}",
                        error.fix
                        or "Check the client id and secret, and that the client belongs to this "
                        "region's org.",
                        {"status": error.status, "code": error.code, "url": error.url},
                    )
                ]
            )
            raise _ConnectionFailedError("the token request was rejected") from error
        except MissingPermissionError as error:
            named = (
                quote_list(error.permissions)
                if error.permissions
                else "a permission the response did not name"
            )
            report.extend(
                [
                    make_finding(
                        "auth.missing-permission",
                        f"{error.method} {_path_of(error.url)} answered 403 {error.code}: the "
                        f"OAuth client lacks {named}.",
                        f"Add a role with {named} to the OAuth client, in the division of the "
                        "flow.",
                        {
                            "permissions": error.permissions,
                            "url": _path_of(error.url),
                            "code": error.code,
                        },
                    )
                ]
            )
        except UnauthorizedError as error:
            report.extend(
                [
                    make_finding(
                        "auth.token-rejected",
                        f"{error.method} {_path_of(error.url)} answered 401 {error.code}: "
                        f"{_sentence(error.message)}",
                        error.fix
                        or "Get a new token from the login host of the same region as the API "
                        "host.",
                        {"url": _path_of(error.url), "code": error.code},
                    )
                ]
            )
        except RateLimitError as error:
            logger.info(
                "rate limited on %s after waiting %.0f s", _path_of(error.url), error.waited
            )
        except NotFoundError as error:
            if raise_not_found or raise_api_error:
                raise
            logger.info(
                "%s %s returned 404; the check that needed it was skipped",
                error.method,
                _path_of(error.url),
            )
        except ApiError as error:
            if raise_api_error:
                raise
            report.extend(
                [
                    make_finding(
                        "doctor.call-failed",
                        f"{error.method} {_path_of(error.url)} failed with {error.status} "
                        f"{error.code}: {_sentence(error.message)}",
                        error.fix
                        or "Run the doctor again; if it keeps failing, check the API status.",
                        {"status": error.status, "code": error.code, "url": _path_of(error.url)},
                    )
                ]
            )
        except (ApiConnectionError, httpx.TransportError) as error:
            raise _ConnectionFailedError(str(error)) from error
        return None


def _sentence(text: str | None) -> str:
    """End an API message with a full stop, so that text after it reads as a new sentence."""
    text = (text or "no message").rstrip()
    return text if text.endswith((".", "!", "?")) else text + "."


def _path_of(url: str) -> str:
    return httpx.URL(url).path if "://" in url else url


def _variable_in(info: dict[str, Any]) -> str | None:
    """Return the ``Flow.`` variable a flowErrorInfo names, from its params, details or message."""
    texts: list[str] = []
    params = info.get("messageParams")
    if isinstance(params, dict):
        texts.extend(str(value) for value in params.values())
    for detail in info.get("details") or []:
        if isinstance(detail, dict) and detail.get("fieldName"):
            texts.append(str(detail["fieldName"]))
    texts.extend(str(info.get(key) or "") for key in ("messageWithParams", "message"))
    for text in texts:
        match = re.search(r"\bFlow\.[A-Za-z_][A-Za-z0-9_]*", text)
        if match:
            return match.group(0)
    return None


def _utc(moment: datetime | None) -> str:
    if moment is None:
        return "unknown"
    return f"{moment.astimezone(timezone.utc):%Y-%m-%d %H:%M:%S} UTC"


def _interval_bounds(interval: Any, zone_name: Any) -> tuple[datetime, datetime] | None:
    """Read an ISO-8601 ``start/end`` interval as UTC, reading ends without offset in a zone."""
    if not isinstance(interval, str) or interval.count("/") != 1:
        return None
    try:
        zone = ZoneInfo(str(zone_name))
    except (ZoneInfoNotFoundError, ValueError):
        return None
    ends = []
    for part in interval.split("/"):
        try:
            moment = datetime.fromisoformat(part.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=zone)
        ends.append(moment.astimezone(timezone.utc))
    return ends[0], ends[1]


def _version_date(version: FlowVersion | None) -> datetime | None:
    if version is None:
        return None
    return (
        version.date_published
        or version.date_checked_in
        or version.date_created
        or version.date_saved
    )


def _launch_outcome_unknown(intent: LaunchIntent, reason: str) -> Finding:
    return make_finding(
        "execution.launch-unknown",
        f"The doctor sent the launch of flow {intent.flow_id}, but the connection failed before an "
        f"answer came back ({reason}), so whether the workflow runs is unknown. The doctor did not "
        "send it again, because a second launch could run the workflow twice.",
        "Look for the execution in execution history or flow-execution analytics before launching "
        "again.",
        {"flow_id": intent.flow_id, "name": intent.name},
    )


def _launch_skipped_without_body(state: _State, flow_id: str | None) -> Finding:
    """Explain why there is nothing to launch, in terms of what the caller gave."""
    observed = state.request
    given = f" {flow_id}" if flow_id else ""
    if observed is None:
        detail = (
            "The doctor did not launch: no request was given, so there is no launch body to "
            "send. The doctor launches only a body as sent"
            + (f"; the flow id{given} only selects the flow to check." if flow_id else ".")
        )
        fix = (
            "Pass the launch body with --request FILE (a JSON object with flowId and inputData) "
            "together with --launch."
        )
        reason = "no request"
    elif state.intent is None:
        why = f" ({observed.body_error})" if observed.body_error else ""
        detail = (
            f"The doctor did not launch: the request has no JSON object body{why}, so there is "
            "nothing to send."
        )
        fix = "Send the body as one JSON object with flowId and inputData, then launch again."
        reason = "no JSON body"
    elif (misspelt := state.intent.misspelt_flow_id()) is not None:
        field_name, misspelt_id = misspelt
        detail = (
            f"The doctor did not launch: the request body has no flowId. It sends the flow id "
            f"{misspelt_id} as {field_name!r}, which the launch API does not read; the checks "
            "above used that id, but the doctor launches only the body as sent, so it does not "
            "rename the field."
        )
        fix = f'Rename {field_name!r} to "flowId" and run the doctor again with --launch.'
        reason = "misspelt flowId"
    else:
        detail = "The doctor did not launch: the request body has no flowId" + (
            f", and the flow id{given} given separately is not added to it, because the doctor "
            "launches only the body as sent."
            if flow_id
            else ", so the launch API cannot know which flow to run."
        )
        fix = (
            f'Add "flowId": "{flow_id}" to the body and run the doctor again with --launch.'
            if flow_id
            else 'Add "flowId": "<the workflow\'s id>" to the body and run the doctor again '
            "with --launch."
        )
        reason = "no flowId"
    return make_finding(
        "execution.launch-skipped",
        detail,
        fix,
        {"reason": reason, "flow_id": flow_id},
    )


def _concerns_executions(
    observed: ObservedRequest | None, *, launch: bool, execution_id: str | None
) -> bool:
    """Return whether the check is about executions, so that execution history matters.

    A launch, an execution, a history or analytics query, or a check without a request is.
    A token request, a flow listing or another route unrelated to executions is not.
    """
    if launch or execution_id or observed is None or launch_intent(observed) is not None:
        return True
    path = observed.path or body_route(observed.body)
    if path is None:
        return True
    path = path.rstrip("/")
    return path.startswith(
        (LAUNCH_PATH, "/api/v2/flows/instances", "/api/v2/analytics/flowexecutions")
    )


def _offline_note() -> Finding:
    return make_finding(
        "doctor.offline",
        "Connected checks were skipped: no sandbox and no credentials were given, so the flow, "
        "its input schema, the execution-data setting and executions were not checked.",
        "Set GENESYSCLOUD_OAUTHCLIENT_ID, GENESYSCLOUD_OAUTHCLIENT_SECRET and GENESYSCLOUD_REGION "
        "(or GENESYSCLOUD_ACCESS_TOKEN), or pass --sandbox to check against the simulated org.",
        {},
        severity=Severity.INFO,
    )
