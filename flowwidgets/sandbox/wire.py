"""JSON bodies in the Platform API's wire format, built from scenario state."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from flowwidgets.sandbox.scenario import FlowSpec, Variable, VersionSpec

# Architect's data types as they appear in a flow's input and output schemas.
# archString and archInteger match captured schemas; the other definitions
# follow the same pattern.
# NOTE: the definitions other than archString and archInteger are modelled on
# those two and have not been seen in a captured schema.
_DEFINITIONS: dict[str, tuple[str, dict[str, Any]]] = {
    "string": (
        "archString",
        {
            "archDataTypeId": "str",
            "oneOf": [
                {"type": "null", "description": "A NOT_SET String value."},
                {"type": "string", "maxLength": 32000, "description": "A character string."},
            ],
        },
    ),
    "integer": (
        "archInteger",
        {
            "archDataTypeId": "int",
            "oneOf": [
                {"type": "null", "description": "A NOT_SET Integer value."},
                {
                    "type": "integer",
                    "minimum": -999999999999999,
                    "maximum": 999999999999999,
                    "description": "A whole number.",
                },
                {
                    "type": "string",
                    "pattern": "^-?[0-9]+$",
                    "minLength": 1,
                    "maxLength": 16,
                    "description": "A whole number written as a string.",
                },
            ],
        },
    ),
    "boolean": (
        "archBoolean",
        {
            "archDataTypeId": "bool",
            "oneOf": [
                {"type": "null", "description": "A NOT_SET Boolean value."},
                {"type": "boolean", "description": "true or false."},
            ],
        },
    ),
    "decimal": (
        "archDecimal",
        {
            "archDataTypeId": "decimal",
            "oneOf": [
                {"type": "null", "description": "A NOT_SET Decimal value."},
                {"type": "number", "description": "A decimal number."},
            ],
        },
    ),
    "date": (
        "archDate",
        {
            "archDataTypeId": "date",
            "oneOf": [
                {"type": "null", "description": "A NOT_SET Date value."},
                {"type": "string", "format": "date", "description": "A date such as 2025-06-01."},
            ],
        },
    ),
    "datetime": (
        "archDateTime",
        {
            "archDataTypeId": "datetime",
            "oneOf": [
                {"type": "null", "description": "A NOT_SET DateTime value."},
                {
                    "type": "string",
                    "format": "date-time",
                    "description": "An ISO-8601 date and time in UTC.",
                },
            ],
        },
    ),
    "duration": (
        "archDuration",
        {
            "archDataTypeId": "duration",
            "oneOf": [
                {"type": "null", "description": "A NOT_SET Duration value."},
                {"type": "string", "description": "An ISO-8601 duration such as PT1H30M."},
            ],
        },
    ),
    "json": (
        "archJson",
        {
            "archDataTypeId": "json",
            "oneOf": [
                {"type": "null", "description": "A NOT_SET JSON value."},
                {"type": "object", "description": "A JSON object."},
            ],
        },
    ),
}

_INPUT_DESCRIPTION = (
    "Schema defining flow input parameters.  Property names map to flow scoped variables "
    "marked as a flow input.  If you do not supply a property value for an input variable, "
    "the variable value will be set to the initial value configured on it in the flow "
    "at flow startup."
)
_OUTPUT_DESCRIPTION = (
    "Schema defining flow output parameters.  Property names map to flow scoped variables "
    "marked as a flow output."
)


def epoch_ms(moment: datetime) -> int:
    """Return ``moment`` as integer epoch milliseconds, the form of FlowVersion dates."""
    return int(moment.timestamp() * 1000)


def iso(moment: datetime) -> str:
    """Return ``moment`` as an ISO-8601 UTC string with milliseconds and a ``Z``."""
    utc = moment.astimezone(timezone.utc)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def variable_schema(variables: dict[str, Variable], *, output: bool) -> dict[str, Any]:
    """Build a flow input or output schema in Architect's JSON Schema form."""
    properties: dict[str, Any] = {}
    definitions: dict[str, Any] = {}
    for name, variable in variables.items():
        definition_name, definition = _DEFINITIONS[variable.type]
        definitions[definition_name] = definition
        reference = {"$ref": f"#/definitions/{definition_name}"}
        prop: dict[str, Any] = {}
        if variable.description:
            prop["description"] = variable.description
        if variable.is_list:
            prop.update({"type": "array", "maxItems": 2000, "items": reference})
        else:
            prop.update(reference)
        properties[name] = prop

    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "title": "Flow output schema" if output else "Flow input schema",
        "description": _OUTPUT_DESCRIPTION if output else _INPUT_DESCRIPTION,
        "type": "object",
        "properties": properties,
        "additionalProperties": False,
        "definitions": definitions,
    }


def entity_ref(entity_id: str, name: str | None, self_uri: str) -> dict[str, Any]:
    """Build a ``{id, name, selfUri}`` reference."""
    body: dict[str, Any] = {"id": entity_id}
    if name is not None:
        body["name"] = name
    body["selfUri"] = self_uri
    return body


def flow_version_body(
    flow: FlowSpec,
    version: VersionSpec,
    created: datetime,
    published: datetime | None,
    *,
    schemas: bool = True,
) -> dict[str, Any]:
    """Build a FlowVersion body (epoch-ms ``date*`` integers, schemas when asked)."""
    base = f"/api/v2/flows/{flow.id}/versions/{version.id}"
    body: dict[str, Any] = {
        "id": version.id,
        "name": version.id,
        "commitVersion": version.id,
        "configurationVersion": version.id,
        "type": version.type,
        "secure": False,
        "debug": False,
        "createdBy": {"id": _SYSTEM_USER_ID, "selfUri": f"/api/v2/users/{_SYSTEM_USER_ID}"},
        "configurationUri": f"{base}/configuration",
        "dateCreated": epoch_ms(created),
        "dateCheckedIn": epoch_ms(created),
        "dateSaved": epoch_ms(created),
        "generationId": f"{flow.type}_VERSION_{_GENERATION[version.type]}",
    }
    if version.type == "PUBLISH" and published is not None:
        body["datePublished"] = iso(published)
    if schemas:
        body["inputSchema"] = variable_schema(version.inputs, output=False)
        body["outputSchema"] = variable_schema(version.outputs, output=True)
    body["supportedLanguages"] = [{"language": "en-us", "isDefault": True}]
    body["selfUri"] = base
    return body


_SYSTEM_USER_ID = "5e1f0c2a-7b3d-4c8e-9a6f-0d2b4e6a8c10"
_GENERATION = {"PUBLISH": "PUBLISHED", "CHECKIN": "CHECKEDIN", "SAVE": "SAVED"}


def error_body(
    status: int,
    code: str,
    message: str,
    context_id: str,
    *,
    params: dict[str, str] | None = None,
    template: str | None = None,
    details: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Build an ErrorBody; ``template`` is ``messageWithParams`` with ``{name}`` placeholders."""
    return {
        "message": message,
        "code": code,
        "status": status,
        "messageWithParams": template if template is not None else message,
        "messageParams": dict(params or {}),
        "contextId": context_id,
        "details": list(details or []),
        "errors": [],
    }
