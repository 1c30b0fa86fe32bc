"""Scenario files: the declarative state of a simulated org, checked against a JSON Schema."""

from __future__ import annotations

import copy
import functools
import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from importlib import resources
from pathlib import Path
from typing import Any

#: Flow types the launch endpoint runs, unless a scenario sets launch.launchable_types.
DEFAULT_LAUNCHABLE_TYPES = ("WORKFLOW",)

#: Permission entry that grants every permission.
ALL_PERMISSIONS = "*"

#: Division entry that grants every division.
ALL_DIVISIONS = "*"

HOME_DIVISION_ID = "00000000-0000-4000-8000-000000000001"

_SCENARIO_PACKAGE = "flowwidgets.sandbox"


class ScenarioError(ValueError):
    """A scenario is invalid; the message names the field path and the problem."""

    def __init__(self, path: str, problem: str, source: str | None = None) -> None:
        self.path = path
        self.problem = problem
        self.source = source
        where = f" in {source}" if source else ""
        super().__init__(f"invalid scenario{where}: {path or '(top level)'}: {problem}")


TimeRef = datetime | float


@dataclass(frozen=True)
class Variable:
    """A flow input or output variable as declared in Architect."""

    name: str
    type: str
    is_list: bool = False
    description: str | None = None
    initial: Any = None
    fails_when_null: bool = False


@dataclass(frozen=True)
class VersionSpec:
    """One version of a flow: its kind, creation time and variable schemas."""

    id: str
    type: str
    created_at: TimeRef
    inputs: dict[str, Variable]
    outputs: dict[str, Variable]


@dataclass(frozen=True)
class RunSpec:
    """Run behaviour of a flow's executions: duration, outputs and failure status."""

    duration_seconds: float = 5.0
    outputs: dict[str, Any] = field(default_factory=dict)
    failure_status: str = "FAILED"


@dataclass(frozen=True)
class FlowSpec:
    """A flow of the org with its versions."""

    id: str
    name: str
    type: str
    division_id: str
    description: str | None
    versions: tuple[VersionSpec, ...]
    published_version: str | None
    published_at: TimeRef | None
    run: RunSpec

    def version(self, version_id: str) -> VersionSpec | None:
        """Return the version with this id, or None."""
        for version in self.versions:
            if version.id == version_id:
                return version
        return None


@dataclass(frozen=True)
class SandboxOAuthClient:
    """An OAuth client of the org with the client-credentials grant.

    Sandbox secrets are fake and meant to be shown, but they stay out of
    ``repr`` like every secret in flowwidgets.
    """

    client_id: str
    secret: str = field(repr=False)
    name: str
    permissions: tuple[str, ...]
    divisions: tuple[str, ...]
    rate_limit_per_minute: int = 300
    token_rate_limit_per_minute: int | None = None
    token_lifetime_seconds: int = 86400

    def has_permission(self, permission: str) -> bool:
        """Return whether the client's roles grant ``permission``."""
        return ALL_PERMISSIONS in self.permissions or permission in self.permissions

    def sees_division(self, division_id: str) -> bool:
        """Return whether the client's roles cover ``division_id``."""
        return ALL_DIVISIONS in self.divisions or division_id in self.divisions


@dataclass(frozen=True)
class FaultSpec:
    """An injected fault that hits requests whose path matches ``path``."""

    kind: str
    path: str = "*"
    method: str | None = None
    count: int | None = None
    skip: int = 0
    per_minute: int | None = None
    retry_after: int = 5
    status: int = 503
    seconds: float = 0.0
    after_processing: bool = False


@dataclass(frozen=True)
class SeedExecution:
    """An execution that already ran when the scenario starts."""

    flow_id: str
    launched_at: TimeRef
    name: str | None
    input_data: dict[str, Any]


@dataclass(frozen=True)
class Scenario:
    """A parsed, validated scenario."""

    name: str
    description: str
    region: str
    organization_id: str
    organization_name: str
    divisions: dict[str, str]
    clients: tuple[SandboxOAuthClient, ...]
    flows: tuple[FlowSpec, ...]
    execution_data_enabled: bool
    execution_data_enabled_at: TimeRef | None
    analytics_lag_seconds: float
    history_retention_days: float
    execution_retention_days: float
    unknown_fields: str
    unknown_inputs: str
    launchable_types: tuple[str, ...]
    clock_start: datetime | None
    clock_speed: float
    faults: tuple[FaultSpec, ...]
    executions: tuple[SeedExecution, ...]
    raw: dict[str, Any] = field(repr=False)


def resolve_time(value: TimeRef, start: datetime) -> datetime:
    """Turn a scenario time (aware datetime or seconds relative to ``start``) into UTC."""
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc)
    return start + timedelta(seconds=value)


def list_scenarios() -> list[str]:
    """Return the names of the bundled scenarios, sorted."""
    folder = resources.files(_SCENARIO_PACKAGE).joinpath("scenarios")
    return sorted(
        entry.name.removesuffix(".json")
        for entry in folder.iterdir()
        if entry.name.endswith(".json")
    )


def scenario_schema() -> dict[str, Any]:
    """Return the JSON Schema that every scenario must satisfy."""
    text = resources.files(_SCENARIO_PACKAGE).joinpath("scenario.schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def load_scenario(source: str | Path | dict[str, Any]) -> Scenario:
    """Load and validate a scenario.

    Parameters
    ----------
    source
        A bundled scenario name (see :func:`list_scenarios`), a path to a JSON
        file, or the scenario as a dict.

    Raises
    ------
    ScenarioError
        When the scenario cannot be found or read, or a field is invalid; the
        message names the field path, e.g. ``flows[0].versions[1].inputs.Flow.email.type``.
    """
    data, origin = _read_source(source)
    _validate(data, origin)
    return _parse(data, origin)


def _read_source(source: str | Path | dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    if isinstance(source, dict):
        return copy.deepcopy(source), None

    text_source = str(source)
    if isinstance(source, str) and text_source in list_scenarios():
        resource = resources.files(_SCENARIO_PACKAGE).joinpath("scenarios", f"{text_source}.json")
        return _decode(
            resource.read_text("utf-8"), f"bundled scenario {text_source!r}"
        ), text_source

    path = Path(source)
    if not path.is_file():
        known = ", ".join(list_scenarios())
        raise ScenarioError(
            "",
            f"{text_source!r} is neither a bundled scenario ({known}) nor an existing JSON file",
        )
    try:
        text = path.read_text("utf-8")
    except OSError as error:
        raise ScenarioError("", f"cannot read the file: {error}", str(path)) from error
    return _decode(text, str(path)), str(path)


def _decode(text: str, origin: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ScenarioError("", f"not valid JSON: {error}", origin) from error
    if not isinstance(data, dict):
        raise ScenarioError(
            "", f"the top level must be a JSON object, got {type(data).__name__}", origin
        )
    return data


def format_path(parts: Any) -> str:
    """Format a JSON path as ``flows[0].versions[1].inputs.Flow.email.type``."""
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


@functools.lru_cache(maxsize=1)
def _scenario_validator() -> Any:
    """Return the validator for :func:`scenario_schema`, built once per process."""
    # Imported on first use because importing jsonschema 4.26 took about 1 s in
    # bench/import_time.py, nearly all in rfc3987_syntax, which its format checkers import.
    import jsonschema

    return jsonschema.Draft202012Validator(
        scenario_schema(), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


def _validate(data: dict[str, Any], origin: str | None) -> None:
    errors = sorted(
        _scenario_validator().iter_errors(data),
        key=lambda e: (list(map(str, e.absolute_path)), e.message),
    )
    if not errors:
        return

    # The deepest error is usually the most specific one, e.g. a bad enum value
    # rather than the "oneOf" that contains it.
    error = max(errors, key=lambda e: len(e.absolute_path))
    path = format_path(error.absolute_path)
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        # Name the unknown key itself in the path.
        extra = [key for key in error.instance if key not in error.schema.get("properties", {})]
        if extra:
            path = format_path([*error.absolute_path, extra[0]])
            raise ScenarioError(path, "unknown field", origin)
    raise ScenarioError(path, error.message, origin)


def _parse(data: dict[str, Any], origin: str | None) -> Scenario:
    divisions = {item["id"]: item["name"] for item in data.get("divisions", [])}
    if not divisions:
        divisions = {HOME_DIVISION_ID: "Home"}
    default_division = next(iter(divisions))

    clients = tuple(
        _parse_client(item, index, divisions, origin) for index, item in enumerate(data["clients"])
    )
    _check_unique([client.client_id for client in clients], "clients", "client_id", origin)

    flows = [
        _parse_flow(item, index, divisions, default_division, origin)
        for index, item in enumerate(data.get("flows", []))
    ]
    if "generate_flows" in data:
        flows.extend(
            _generate_flows(
                data["name"], data["generate_flows"], divisions, default_division, origin
            )
        )
    _check_unique([flow.id for flow in flows], "flows", "id", origin)

    organization = data.get("organization", {})
    execution_data = data.get("execution_data", {})
    retention = data.get("retention", {})
    launch = data.get("launch", {})
    clock = data.get("clock", {})

    return Scenario(
        name=data["name"],
        description=data["description"],
        region=data["region"].lower(),
        organization_id=organization.get(
            "id", str(uuid.uuid5(uuid.NAMESPACE_URL, "org:" + data["name"]))
        ),
        organization_name=organization.get("name", f"Sandbox org ({data['name']})"),
        divisions=divisions,
        clients=clients,
        flows=tuple(flows),
        execution_data_enabled=execution_data.get("enabled", False),
        execution_data_enabled_at=_time(execution_data.get("enabled_at")),
        analytics_lag_seconds=float(data.get("analytics", {}).get("lag_seconds", 60)),
        history_retention_days=float(retention.get("history_days", 10)),
        execution_retention_days=float(retention.get("execution_detail_days", 7)),
        unknown_fields=launch.get("unknown_fields", "ignore"),
        unknown_inputs=launch.get("unknown_inputs", "ignore"),
        launchable_types=tuple(launch.get("launchable_types", DEFAULT_LAUNCHABLE_TYPES)),
        clock_start=datetime.fromisoformat(clock["start"]) if "start" in clock else None,
        clock_speed=float(clock.get("speed", 1.0)),
        faults=tuple(_parse_fault(item) for item in data.get("faults", [])),
        executions=_parse_executions(data.get("executions", []), flows, origin),
        raw=data,
    )


def _time(value: Any) -> TimeRef | None:
    if value is None:
        return None
    if isinstance(value, str):
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=timezone.utc)
        return parsed
    return float(value)


def _time_or(value: Any, default: float) -> TimeRef:
    parsed = _time(value)
    return default if parsed is None else parsed


def _check_unique(values: list[str], path: str, key: str, origin: str | None) -> None:
    seen: set[str] = set()
    for index, value in enumerate(values):
        if value in seen:
            raise ScenarioError(f"{path}[{index}].{key}", f"duplicate {key} {value!r}", origin)
        seen.add(value)


def _parse_client(
    item: dict[str, Any], index: int, divisions: dict[str, str], origin: str | None
) -> SandboxOAuthClient:
    client_divisions = tuple(item.get("divisions", [ALL_DIVISIONS]))
    for position, division in enumerate(client_divisions):
        if division != ALL_DIVISIONS and division not in divisions:
            raise ScenarioError(
                f"clients[{index}].divisions[{position}]", f"unknown division {division!r}", origin
            )

    return SandboxOAuthClient(
        client_id=item["client_id"],
        secret=item["secret"],
        name=item.get("name", f"Sandbox client {index + 1}"),
        permissions=tuple(item.get("permissions", [ALL_PERMISSIONS])),
        divisions=client_divisions,
        rate_limit_per_minute=item.get("rate_limit_per_minute", 300),
        token_rate_limit_per_minute=item.get("token_rate_limit_per_minute"),
        token_lifetime_seconds=item.get("token_lifetime_seconds", 86400),
    )


def _parse_variables(items: dict[str, Any]) -> dict[str, Variable]:
    return {
        name: Variable(
            name=name,
            type=spec["type"],
            is_list=spec.get("list", False),
            description=spec.get("description"),
            initial=spec.get("initial"),
            fails_when_null=spec.get("fails_when_null", False),
        )
        for name, spec in items.items()
    }


def _parse_flow(
    item: dict[str, Any],
    index: int,
    divisions: dict[str, str],
    default_division: str,
    origin: str | None,
) -> FlowSpec:
    path = f"flows[{index}]"
    division = item.get("division", default_division)
    if division not in divisions:
        raise ScenarioError(f"{path}.division", f"unknown division {division!r}", origin)

    versions = tuple(
        VersionSpec(
            id=version["id"],
            type=version.get("type", "PUBLISH"),
            created_at=_time_or(version.get("created_at"), -86400.0),
            inputs=_parse_variables(version.get("inputs", {})),
            outputs=_parse_variables(version.get("outputs", {})),
        )
        for version in item.get("versions", [])
    )
    _check_unique([version.id for version in versions], f"{path}.versions", "id", origin)

    published = item.get("published_version")
    if published is not None and all(version.id != published for version in versions):
        raise ScenarioError(
            f"{path}.published_version", f"no version with id {published!r}", origin
        )

    published_at = _time(item.get("published_at"))
    if published is not None and published_at is None:
        published_at = next(version.created_at for version in versions if version.id == published)

    run = item.get("run", {})
    return FlowSpec(
        id=item["id"],
        name=item["name"],
        type=item["type"],
        division_id=division,
        description=item.get("description"),
        versions=versions,
        published_version=published,
        published_at=published_at,
        run=RunSpec(
            duration_seconds=float(run.get("duration_seconds", 5.0)),
            outputs=dict(run.get("outputs", {})),
            failure_status=run.get("failure_status", "FAILED"),
        ),
    )


def _generate_flows(
    scenario_name: str,
    spec: dict[str, Any],
    divisions: dict[str, str],
    default_division: str,
    origin: str | None,
) -> list[FlowSpec]:
    division = spec.get("division", default_division)
    if division not in divisions:
        raise ScenarioError("generate_flows.division", f"unknown division {division!r}", origin)

    flow_type = spec.get("type", "WORKFLOW")
    prefix = spec.get("name_prefix", "Generated flow")
    published_at = _time_or(spec.get("published_at"), -86400.0)
    version = VersionSpec(id="1.0", type="PUBLISH", created_at=published_at, inputs={}, outputs={})
    width = len(str(spec["count"]))
    return [
        FlowSpec(
            id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"flowwidgets-sandbox:{scenario_name}:{number}")),
            name=f"{prefix} {number:0{width}d}",
            type=flow_type,
            division_id=division,
            description=None,
            versions=(version,),
            published_version="1.0",
            published_at=published_at,
            run=RunSpec(),
        )
        for number in range(1, spec["count"] + 1)
    ]


def _parse_executions(
    items: list[dict[str, Any]], flows: list[FlowSpec], origin: str | None
) -> tuple[SeedExecution, ...]:
    known = {flow.id: flow for flow in flows}
    parsed = []
    for index, item in enumerate(items):
        flow = known.get(item["flow_id"])
        if flow is None:
            raise ScenarioError(
                f"executions[{index}].flow_id", f"unknown flow {item['flow_id']!r}", origin
            )
        if flow.published_version is None:
            raise ScenarioError(
                f"executions[{index}].flow_id", f"flow {flow.id} has no published version", origin
            )
        parsed.append(
            SeedExecution(
                flow_id=flow.id,
                launched_at=_time_or(item["launched_at"], 0.0),
                name=item.get("name"),
                input_data=dict(item.get("input_data", {})),
            )
        )
    return tuple(parsed)


def _parse_fault(item: dict[str, Any]) -> FaultSpec:
    return FaultSpec(
        kind=item["kind"],
        path=item.get("path", "*"),
        method=item.get("method"),
        count=item.get("count"),
        skip=item.get("skip", 0),
        per_minute=item.get("per_minute"),
        retry_after=item.get("retry_after", 5),
        status=item.get("status", 503),
        seconds=float(item.get("seconds", 0.0)),
        after_processing=item.get("after_processing", False),
    )
