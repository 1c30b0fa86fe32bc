"""Handlers of the Platform API endpoints the sandbox serves."""

from __future__ import annotations

import fnmatch
import uuid
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from starlette.responses import Response

from flowwidgets.sandbox.http import ApiErrorReply, Call, Route, bad_request, json_response, route
from flowwidgets.sandbox.org import ExecutionState, OrgState
from flowwidgets.sandbox.queries import aggregate_executions, match_criteria_query
from flowwidgets.sandbox.scenario import FlowSpec, VersionSpec
from flowwidgets.sandbox.wire import entity_ref, flow_version_body, iso, variable_schema

_FLOW_TYPES = {
    "bot",
    "commonmodule",
    "digitalbot",
    "emailsend",
    "inboundcall",
    "inboundchat",
    "inboundemail",
    "inboundshortmessage",
    "outboundcall",
    "inqueuecall",
    "inqueueemail",
    "inqueueshortmessage",
    "speech",
    "securecall",
    "surveyinvite",
    "voice",
    "voicemail",
    "voicesurvey",
    "workflow",
    "workitem",
}
_LAUNCH_FIELDS = ("flowId", "flowVersion", "inputData", "name")
_SORT_KEYS = {"id", "name", "type", "description", "division"}

# NOTE: the real maximum pageSize of GET /api/v2/flows is not documented; 500 is a guess.
MAX_FLOW_PAGE_SIZE = 500
MAX_INSTANCE_RESULTS = 200


def not_found(what: str = "The requested resource was not found.") -> ApiErrorReply:
    """Build a 404 ``not.found`` problem."""
    return ApiErrorReply(404, "not.found", what)


class ApiRoutes:
    """The API host's endpoints over one org state."""

    def __init__(self, org: OrgState) -> None:
        self.org = org

    def routes(self) -> list[Route]:
        """Return the routing table, most specific paths first."""
        return [
            route("GET", "/api/v2/tokens/me", None, self.token_info),
            route("GET", "/api/v2/organizations/me", None, self.organization),
            route("GET", "/api/v2/flows", "architect:flow:view", self.list_flows),
            route("POST", "/api/v2/flows/executions", "architect:flow:launch", self.launch),
            route(
                "GET",
                "/api/v2/flows/executions/{executionId}",
                "architect:flowExecution:view",
                self.execution,
            ),
            route(
                "GET",
                "/api/v2/flows/instances/settings/executiondata",
                "architect:flowinstanceexecutiondata:view",
                self.execution_data,
            ),
            route(
                "PATCH",
                "/api/v2/flows/instances/settings/executiondata",
                "architect:flowinstanceexecutiondata:edit",
                self.patch_execution_data,
            ),
            route(
                "POST",
                "/api/v2/flows/instances/query",
                "architect:flowInstance:search",
                self.query_instances,
            ),
            route(
                "POST",
                "/api/v2/flows/actions/publish",
                "architect:flow:publish",
                self.publish_flow,
            ),
            route("GET", "/api/v2/flows/{flowId}", "architect:flow:view", self.get_flow),
            route(
                "GET", "/api/v2/flows/{flowId}/versions", "architect:flow:view", self.list_versions
            ),
            route(
                "GET",
                "/api/v2/flows/{flowId}/versions/{versionId}",
                "architect:flow:view",
                self.get_version,
            ),
            route(
                "POST",
                "/api/v2/analytics/flowexecutions/aggregates/query",
                "analytics:flowExecutionAggregate:view",
                self.flow_execution_aggregates,
            ),
            route(
                "POST",
                "/api/v2/analytics/flows/aggregates/query",
                "analytics:flowAggregate:view",
                self.conversation_flow_aggregates,
            ),
        ]

    # -- who am I -------------------------------------------------------------------------

    async def token_info(self, call: Call) -> Response:
        assert call.token is not None
        scenario = self.org.scenario
        client = call.token.client
        org_ref = {"id": scenario.organization_id, "name": scenario.organization_name}
        body = {
            "organization": org_ref,
            "homeOrganization": org_ref,
            "authorizedScope": [],
            "OAuthClient": {
                "id": client.client_id,
                "name": client.name,
                "authorizedGrantType": "CLIENT-CREDENTIALS",
                "state": "active",
                "organization": org_ref,
                "roleDivisions": [
                    {"roleId": "00000000-0000-4000-8000-00000000aaaa", "divisionId": division}
                    for division in scenario.divisions
                    if client.sees_division(division)
                ],
            },
        }
        return json_response(body, call)

    async def organization(self, call: Call) -> Response:
        scenario = self.org.scenario
        body = {
            "id": scenario.organization_id,
            "name": scenario.organization_name,
            "defaultLanguage": "en-us",
            "defaultCountryCode": "US",
            "thirdPartyOrgName": scenario.name,
            "domain": scenario.region,
            "version": 1,
            "state": "active",
            "features": {},
            "productPlatform": "GenesysCloud",
            "selfUri": f"/api/v2/organizations/{scenario.organization_id}",
        }
        return json_response(body, call)

    # -- flows ----------------------------------------------------------------------------

    def visible_flow(self, call: Call, flow_id: str) -> FlowSpec:
        """Return a flow the caller's divisions cover, or raise ``not.found``."""
        assert call.token is not None
        flow = self.org.flows.get(flow_id)
        if flow is None or not call.token.client.sees_division(flow.division_id):
            raise not_found(f"Flow {flow_id} was not found.")
        return flow

    def version_body(
        self, flow: FlowSpec, version: VersionSpec, *, schemas: bool = True
    ) -> dict[str, Any]:
        published = (
            self.org.published_at.get(flow.id) if version.id == flow.published_version else None
        )
        return flow_version_body(
            flow, version, self.org.version_created(version), published, schemas=schemas
        )

    def flow_body(self, flow: FlowSpec, *, schemas: bool) -> dict[str, Any]:
        division_name = self.org.scenario.divisions[flow.division_id]
        body: dict[str, Any] = {
            "id": flow.id,
            "name": flow.name,
            "division": entity_ref(
                flow.division_id,
                division_name,
                f"/api/v2/authorization/divisions/{flow.division_id}",
            ),
        }
        if flow.description:
            body["description"] = flow.description
        body.update(
            {
                "type": flow.type,
                "active": flow.published_version is not None,
                "system": False,
                "deleted": False,
            }
        )

        published = flow.version(flow.published_version) if flow.published_version else None
        if published is not None:
            body["publishedVersion"] = self.version_body(flow, published, schemas=False)
        checked_in = [
            version for version in flow.versions if version.type in ("CHECKIN", "PUBLISH")
        ]
        if checked_in:
            body["checkedInVersion"] = self.version_body(flow, checked_in[-1], schemas=False)
        saved = [version for version in flow.versions if version.type == "SAVE"]
        if saved:
            body["savedVersion"] = self.version_body(flow, saved[-1], schemas=False)

        schema_source = published or (flow.versions[-1] if flow.versions else None)
        if schemas and schema_source is not None:
            body["inputSchema"] = variable_schema(schema_source.inputs, output=False)
            body["outputSchema"] = variable_schema(schema_source.outputs, output=True)
        body["supportedLanguages"] = [{"language": "en-us", "isDefault": True}]
        body["selfUri"] = f"/api/v2/flows/{flow.id}"
        return body

    async def list_flows(self, call: Call) -> Response:
        assert call.token is not None
        client = call.token.client
        page_number = call.integer("pageNumber", 1)
        page_size = call.integer("pageSize", 25, maximum=MAX_FLOW_PAGE_SIZE)
        include_schemas = call.boolean("includeSchemas", False)
        sort_by = call.first("sortBy") or "id"
        sort_order = (call.first("sortOrder") or "asc").lower()
        if sort_by not in _SORT_KEYS:
            raise bad_request(
                f"Query parameter sortBy must be one of {', '.join(sorted(_SORT_KEYS))}, "
                f"got {sort_by!r}."
            )
        if sort_order not in ("asc", "desc", "ascending", "descending"):
            raise bad_request(f"Query parameter sortOrder must be asc or desc, got {sort_order!r}.")

        types = [value.lower() for value in call.values("type")]
        unknown_types = [value for value in types if value not in _FLOW_TYPES]
        if unknown_types:
            raise bad_request(
                f"Query parameter type has an invalid value {unknown_types[0]!r}; "
                f"valid values are lower-case flow types such as workflow or inboundcall."
            )

        flows = [flow for flow in self.org.flows.values() if client.sees_division(flow.division_id)]
        ids = call.values("id")
        if ids:
            # Ids override every other filter.
            flows = [flow for flow in flows if flow.id in ids]
        else:
            flows = self.filter_flows(flows, call, types)

        reverse = sort_order.startswith("desc")
        flows.sort(key=lambda flow: _sort_value(flow, sort_by), reverse=reverse)
        # Only the requested page is rendered, because rendering every flow of a
        # large org for each page makes listing it quadratic.
        listing = page(flows, page_number, page_size, call)
        listing["entities"] = [
            self.flow_body(flow, schemas=include_schemas) for flow in listing["entities"]
        ]
        return json_response(listing, call)

    def filter_flows(self, flows: list[FlowSpec], call: Call, types: list[str]) -> list[FlowSpec]:
        """Apply the type, name and division filters of GET /api/v2/flows."""
        if types:
            flows = [flow for flow in flows if flow.type.lower() in types]

        # NOTE: the real matching rule of the name filter is undocumented; the sandbox
        # matches case-insensitively, as a substring or as a pattern with * wildcards.
        name = call.first("name")
        if name:
            pattern = name.lower() if "*" in name else f"*{name.lower()}*"
            flows = [flow for flow in flows if fnmatch.fnmatchcase(flow.name.lower(), pattern)]

        divisions = call.values("divisionId")
        if divisions:
            flows = [flow for flow in flows if flow.division_id in divisions]
        return flows

    async def get_flow(self, call: Call) -> Response:
        flow = self.visible_flow(call, call.path_params["flowId"])
        return json_response(self.flow_body(flow, schemas=True), call)

    async def list_versions(self, call: Call) -> Response:
        flow = self.visible_flow(call, call.path_params["flowId"])
        page_number = call.integer("pageNumber", 1)
        page_size = call.integer("pageSize", 25, maximum=MAX_FLOW_PAGE_SIZE)
        entities = [self.version_body(flow, version) for version in flow.versions]
        return json_response(page(entities, page_number, page_size, call), call)

    async def get_version(self, call: Call) -> Response:
        flow = self.visible_flow(call, call.path_params["flowId"])
        version = flow.version(call.path_params["versionId"])
        if version is None:
            raise not_found(
                f"Version {call.path_params['versionId']} of flow {flow.id} was not found."
            )
        return json_response(self.version_body(flow, version), call)

    async def publish_flow(self, call: Call) -> Response:
        """Publish a flow for POST /api/v2/flows/actions/publish and return an Operation."""
        assert call.token is not None
        flow_id = call.first("flow")
        if not flow_id:
            raise bad_request(
                "Query parameter flow is missing; send the id of the flow to publish."
            )
        self.visible_flow(call, flow_id)
        try:
            self.org.publish(flow_id, call.first("version") or None)
        except ValueError as error:
            raise bad_request(f"The flow cannot be published: {error}.") from None

        client = call.token.client
        # NOTE: the response is guessed. The real Operation also has in-progress statuses
        # (STARTED, PENDING_GENERATION), so the real API may return before publishing ends.
        body = {
            "id": str(uuid.uuid4()),
            "complete": True,
            "client": entity_ref(
                client.client_id, client.name, f"/api/v2/oauth/clients/{client.client_id}"
            ),
            "actionName": "PUBLISH",
            "actionStatus": "SUCCESS",
        }
        return json_response(body, call)

    # -- executions -----------------------------------------------------------------------

    async def launch(self, call: Call) -> Response:
        from flowwidgets.sandbox.launch import launch_execution

        assert call.token is not None
        request = call.json_object()
        execution = launch_execution(self, call, request)
        body = {
            "id": execution.id,
            "name": execution.name,
            "flowVersion": entity_ref(
                execution.version_id,
                execution.version_id,
                f"/api/v2/flows/{execution.flow_id}/versions/{execution.version_id}",
            ),
            "selfUri": f"/api/v2/flows/executions/{execution.id}",
        }
        return json_response(body, call)

    def visible_execution(self, call: Call, execution_id: str) -> ExecutionState:
        """Return an execution the caller may see that has not expired, or raise ``not.found``."""
        assert call.token is not None
        execution = self.org.executions.get(execution_id)
        retention = timedelta(days=self.org.scenario.execution_retention_days)
        if (
            execution is None
            or not call.token.client.sees_division(execution.division_id)
            or self.org.clock.now() >= execution.date_launched + retention
        ):
            raise not_found(f"Flow execution {execution_id} was not found.")
        return execution

    async def execution(self, call: Call) -> Response:
        execution = self.visible_execution(call, call.path_params["executionId"])
        flow = self.org.flows[execution.flow_id]
        version = flow.version(execution.version_id)
        assert version is not None

        now = self.org.clock.now()
        status = execution.status_at(now)
        body: dict[str, Any] = {
            "id": execution.id,
            "name": execution.name,
            "flowVersion": self.version_body(flow, version),
            "dateLaunched": iso(execution.date_launched),
            "status": status,
        }
        if status != "RUNNING":
            body["dateCompleted"] = iso(execution.date_completed)
        if status == "COMPLETED":
            body["completionReason"] = "Success"
            body["outputData"] = execution.output_data
        elif status != "RUNNING" and execution.failure is not None:
            # NOTE: the completionReason of a failed execution is not documented; only
            # "Success" has been observed.
            body["completionReason"] = "Error"
            body["flowErrorInfo"] = execution.failure
        body["selfUri"] = f"/api/v2/flows/executions/{execution.id}"
        return json_response(body, call)

    # -- execution history ----------------------------------------------------------------

    def execution_data_body(self) -> dict[str, Any]:
        return {
            "id": "executiondata",
            "name": "executiondata",
            "enabled": self.org.execution_data_enabled,
            "dateModified": iso(self.org.execution_data_modified_at),
            "selfUri": "/api/v2/flows/instances/settings/executiondata",
        }

    async def execution_data(self, call: Call) -> Response:
        return json_response(self.execution_data_body(), call)

    async def patch_execution_data(self, call: Call) -> Response:
        request = call.json_object()
        enabled = request.get("enabled")
        if not isinstance(enabled, bool):
            raise bad_request("Field enabled must be true or false.", field="enabled")
        self.org.set_execution_data(enabled)
        return json_response(self.execution_data_body(), call)

    async def query_instances(self, call: Call) -> Response:
        assert call.token is not None
        client = call.token.client
        request = call.json_object()
        page_size = call.integer("pageSize", 50, maximum=MAX_INSTANCE_RESULTS)
        self.org.purge_expired()
        now = self.org.clock.now()
        horizon = now - timedelta(days=self.org.scenario.history_retention_days)

        records = []
        for execution in self.org.executions.values():
            if not execution.in_history or execution.date_launched < horizon:
                continue
            if not client.sees_division(execution.division_id):
                continue
            record = instance_record(execution, now)
            if match_criteria_query(request, record):
                records.append(record)

        # The real service does not promise the newest results first; oldest first shows that.
        records.sort(key=lambda record: record["startDateTime"])
        entities = records[:page_size]
        body = {
            "entities": entities,
            "pageSize": page_size,
            "pageNumber": 1,
            "total": len(entities),
            "pageCount": 1,
            "selfUri": "/api/v2/flows/instances/query",
        }
        return json_response(body, call)

    # -- analytics ------------------------------------------------------------------------

    async def flow_execution_aggregates(self, call: Call) -> Response:
        assert call.token is not None
        client = call.token.client
        request = call.json_object()
        now = self.org.clock.now()
        lag = timedelta(seconds=self.org.scenario.analytics_lag_seconds)
        counted = [
            execution
            for execution in self.org.executions.values()
            if client.sees_division(execution.division_id) and execution.date_launched + lag <= now
        ]
        return json_response(aggregate_executions(request, counted), call)

    async def conversation_flow_aggregates(self, call: Call) -> Response:
        request = call.json_object()
        if not isinstance(request.get("interval"), str):
            raise bad_request(
                "Field interval is required, "
                "e.g. 2025-03-26T00:00:00.000Z/2025-03-27T00:00:00.000Z."
            )
        # Workflows launched through the API have no conversation, so the
        # conversation-based flow analytics never count them.
        return json_response({}, call)


def instance_record(execution: ExecutionState, now: datetime) -> dict[str, Any]:
    """Build the FlowExecutionDataQueryResult of an execution in the history."""
    record: dict[str, Any] = {
        "id": execution.id,
        "name": execution.name,
        "startDateTime": iso(execution.date_launched),
        "flowId": execution.flow_id,
        "flowVersion": execution.version_id,
        "flowType": execution.flow_type.lower(),
        "flowName": execution.flow_name,
    }
    if execution.status_at(now) != "RUNNING":
        record["endDateTime"] = iso(execution.date_completed)
        if execution.failure is not None:
            record["flowErrorReason"] = execution.failure["code"]
    # NOTE: whether a history instance id equals the launch's execution id is not
    # documented; the sandbox uses the same id.
    record["selfUri"] = f"/api/v2/flows/instances/{execution.id}"
    return record


def _sort_value(flow: FlowSpec, key: str) -> str:
    if key == "name":
        return flow.name.lower()
    if key == "type":
        return flow.type
    if key == "description":
        return flow.description or ""
    if key == "division":
        return flow.division_id
    return flow.id


def page(entities: list[Any], page_number: int, page_size: int, call: Call) -> dict[str, Any]:
    """Cut one page out of ``entities`` and wrap it in the entity-listing envelope."""
    total = len(entities)
    page_count = max(1, -(-total // page_size))
    start = (page_number - 1) * page_size
    others = [(key, value) for key, value in call.query if key not in ("pageSize", "pageNumber")]

    def uri(number: int) -> str:
        return (
            f"{call.path}?{urlencode([('pageSize', page_size), ('pageNumber', number), *others])}"
        )

    body: dict[str, Any] = {
        "entities": entities[start : start + page_size],
        "pageSize": page_size,
        "pageNumber": page_number,
        "total": total,
        "firstUri": uri(1),
        "selfUri": uri(page_number),
        "lastUri": uri(page_count),
        "pageCount": page_count,
    }
    if page_number < page_count:
        body["nextUri"] = uri(page_number + 1)
    if page_number > 1:
        body["previousUri"] = uri(min(page_number - 1, page_count))
    return body
