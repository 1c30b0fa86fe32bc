"""POST /api/v2/flows/executions: request checks and the run a launch starts."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any

from flowwidgets.sandbox.http import Call, bad_request
from flowwidgets.sandbox.org import ExecutionState, OrgState
from flowwidgets.sandbox.scenario import FlowSpec, VersionSpec, resolve_time
from flowwidgets.sandbox.wire import error_body

if TYPE_CHECKING:
    from flowwidgets.sandbox.routes import ApiRoutes

LAUNCH_FIELDS = ("flowId", "flowVersion", "inputData", "name")

NULL_VALUE_CODE = "error.workflow.expression.unexpectedNull"


def launch_execution(routes: ApiRoutes, call: Call, request: dict[str, Any]) -> ExecutionState:
    """Validate a launch request against the org and start the requested execution."""
    assert call.token is not None
    org = routes.org
    scenario = org.scenario
    _check_field_types(request)

    # NOTE: whether the real API rejects unknown top-level fields or unknown
    # inputData keys is not documented; the scenario decides, ignoring by default.
    unknown = sorted(key for key in request if key not in LAUNCH_FIELDS)
    if unknown and scenario.unknown_fields == "reject":
        raise bad_request(
            f"Unknown field(s) in the launch request: {', '.join(unknown)}. "
            f"The launch accepts only {', '.join(LAUNCH_FIELDS)}.",
            fields=", ".join(unknown),
        )

    flow = routes.visible_flow(call, request["flowId"])
    version = _version_to_run(flow, request.get("flowVersion"), scenario.launchable_types)
    input_data: dict[str, Any] = request.get("inputData") or {}
    unknown_inputs = sorted(key for key in input_data if key not in version.inputs)
    if unknown_inputs and scenario.unknown_inputs == "reject":
        raise bad_request(
            f"Unknown input(s) for version {version.id} of flow {flow.id}: "
            f"{', '.join(unknown_inputs)}. "
            f"The input schema defines {', '.join(version.inputs) or 'no inputs'}.",
            inputs=", ".join(unknown_inputs),
        )

    # NOTE: the name the real API gives an execution launched without one is not
    # documented; the sandbox uses the flow name.
    return start_execution(
        org,
        flow,
        version,
        input_data,
        name=request.get("name") or flow.name,
        client_id=call.token.client.client_id,
        launched_at=org.clock.now(),
        context_id=call.correlation_id,
    )


def start_execution(
    org: OrgState,
    flow: FlowSpec,
    version: VersionSpec,
    input_data: dict[str, Any],
    *,
    name: str,
    client_id: str,
    launched_at: datetime,
    context_id: str,
) -> ExecutionState:
    """Record a new execution whose outcome follows from the flow's run behaviour."""
    failure = _run_failure(version, input_data, context_id)
    execution = ExecutionState(
        id=org.new_execution_id(),
        name=name,
        flow_id=flow.id,
        flow_name=flow.name,
        flow_type=flow.type,
        version_id=version.id,
        division_id=flow.division_id,
        client_id=client_id,
        input_data=dict(input_data),
        date_launched=launched_at,
        duration_seconds=flow.run.duration_seconds,
        failure=failure,
        failure_status=flow.run.failure_status,
        output_data=_outputs(flow, version) if failure is None else {},
        in_history=org.history_captures(flow.id, at=launched_at),
    )
    org.purge_expired()
    with org.lock:
        org.executions[execution.id] = execution
    return execution


def seed_executions(org: OrgState) -> None:
    """Record the scenario's executions that ran before the clock start."""
    for seed in org.scenario.executions:
        flow = org.flows[seed.flow_id]
        assert flow.published_version is not None
        version = flow.version(flow.published_version)
        assert version is not None
        start_execution(
            org,
            flow,
            version,
            seed.input_data,
            name=seed.name or flow.name,
            client_id=org.scenario.clients[0].client_id,
            launched_at=resolve_time(seed.launched_at, org.start),
            context_id=str(uuid.uuid4()),
        )


def _check_field_types(request: dict[str, Any]) -> None:
    flow_id = request.get("flowId")
    if flow_id is None or flow_id == "":
        raise bad_request("Field flowId is required: the id of the flow to launch.", field="flowId")
    if not isinstance(flow_id, str):
        raise bad_request(
            f"Field flowId must be a string, got {type(flow_id).__name__}.", field="flowId"
        )

    for field_name in ("flowVersion", "name"):
        value = request.get(field_name)
        if value is not None and not isinstance(value, str):
            raise bad_request(
                f"Field {field_name} must be a string, got {type(value).__name__}.",
                field=field_name,
            )

    input_data = request.get("inputData")
    if input_data is not None and not isinstance(input_data, dict):
        raise bad_request(
            "Field inputData must be a JSON object of Flow.<name> keys, "
            f"got {type(input_data).__name__}.",
            field="inputData",
        )


def _version_to_run(
    flow: FlowSpec, requested: str | None, launchable: tuple[str, ...]
) -> VersionSpec:
    # NOTE: the status and code of these three rejections are not documented; the
    # sandbox returns 400 bad.request with a message that names the cause.
    if flow.type not in launchable:
        raise bad_request(
            f"Flow {flow.id} is of type {flow.type}, which cannot be launched through this API; "
            f"launchable types are {', '.join(launchable)}.",
            flowType=flow.type,
        )

    if requested:
        version = flow.version(requested)
        if version is None:
            raise bad_request(f"Flow {flow.id} has no version {requested}.", flowVersion=requested)
        return version

    if flow.published_version is None:
        raise bad_request(
            f"Flow {flow.id} has no published version; publish it in Architect first."
        )
    version = flow.version(flow.published_version)
    assert version is not None
    return version


def _run_failure(
    version: VersionSpec, input_data: dict[str, Any], context_id: str
) -> dict[str, Any] | None:
    for name, variable in version.inputs.items():
        value = input_data.get(name, variable.initial)
        if variable.fails_when_null and value is None:
            # NOTE: the message text and status inside a real flowErrorInfo are
            # guesses; only the code has been reported by users.
            template = "A null value was found in an expression that requires a value: {variable}"
            body = error_body(
                400,
                NULL_VALUE_CODE,
                template.format(variable=name),
                context_id,
                params={"variable": name},
                template=template,
            )
            return body
    return None


def _outputs(flow: FlowSpec, version: VersionSpec) -> dict[str, Any]:
    outputs = {name: variable.initial for name, variable in version.outputs.items()}
    outputs.update(flow.run.outputs)
    return outputs
