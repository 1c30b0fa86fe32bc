"""Check ``inputData`` against the input schema of the flow version that will run."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flowwidgets.diagnose._match import closest_input, quote_list
from flowwidgets.diagnose.findings import Finding, Severity, make_finding
from flowwidgets.diagnose.launch_body import LaunchIntent

# An Architect integer accepts a JSON integer or a numeric string of 1 to 16 characters.
_INTEGER_TEXT = re.compile(r"^-?\d{1,15}$")
_INTEGER_LIMIT = 999_999_999_999_999
_DIGITS = re.compile(r"^-?\d+$")
_DECIMAL_TEXT = re.compile(r"^-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$")
_JSON_TYPES = {
    "string": "str",
    "integer": "int",
    "number": "decimal",
    "boolean": "bool",
    "object": "json",
}


@dataclass(frozen=True)
class SchemaInput:
    """One input of a version's input schema: name, Architect type, and whether it is a list."""

    name: str
    arch_type: str | None
    is_list: bool = False


def read_input_schema(schema: Any) -> dict[str, SchemaInput]:
    """Read the inputs of an input schema: a JSON schema dict, or an object with a ``raw`` dict.

    The Architect type comes from ``archDataTypeId`` on the property or on the definition that
    its ``$ref`` points at. A property of ``"type": "array"`` is a list of its ``items``' type.
    """
    raw = getattr(schema, "raw", schema)
    if not isinstance(raw, dict):
        return {}
    definitions = raw.get("definitions") or raw.get("$defs") or {}
    properties = raw.get("properties") or {}
    inputs = {}
    for name, prop in properties.items():
        if not isinstance(prop, dict):
            inputs[name] = SchemaInput(name, None)
            continue
        if prop.get("type") == "array" or "items" in prop:
            items = prop["items"] if isinstance(prop.get("items"), dict) else {}
            inputs[name] = SchemaInput(name, _arch_type(items, definitions), is_list=True)
        else:
            inputs[name] = SchemaInput(name, _arch_type(prop, definitions))
    return inputs


def _arch_type(prop: dict[str, Any], definitions: dict[str, Any]) -> str | None:
    if "archDataTypeId" in prop:
        return str(prop["archDataTypeId"])
    ref = prop.get("$ref")
    if isinstance(ref, str):
        target = definitions.get(ref.rsplit("/", 1)[-1])
        if isinstance(target, dict):
            return _arch_type(target, {})
    json_type = prop.get("type")
    if isinstance(json_type, list):
        json_type = next((kind for kind in json_type if kind != "null"), None)
    if isinstance(json_type, str):
        return _JSON_TYPES.get(json_type)
    for option in prop.get("oneOf") or prop.get("anyOf") or []:
        if isinstance(option, dict) and option.get("type") not in (None, "null"):
            return _JSON_TYPES.get(str(option["type"]))
    return None


@dataclass
class _Placement:
    """The path and value of a value sent for a schema input outside ``inputData[<input>]``."""

    path: str
    value: Any


def check_inputs(intent: LaunchIntent, schema: Any, version: str | None = None) -> list[Finding]:
    """Check a launch's inputs against an input schema: unknown keys, missing inputs, wrong types.

    Parameters
    ----------
    intent
        The launch body, read by `read_launch_body`.
    schema
        The input schema of the version that will run (JSON dict or a model with ``raw``).
    version
        The version id, for the messages.
    """
    inputs = read_input_schema(schema)
    where = f"version {version}" if version else "the version that will run"
    findings: list[Finding] = []
    meant: dict[str, _Placement] = {}

    for key, value in intent.input_dict.items():
        if key in inputs:
            findings.extend(_check_type(inputs[key], value, f"inputData[{key!r}]"))
        elif key.lower() == "flow" and isinstance(value, dict):
            findings.append(_nested_flow(key, value, inputs, meant, where))
        else:
            findings.append(_unknown_key(key, value, inputs, meant, where))

    for path, value in intent.misplaced.items():
        match = closest_input(path.split(".", 1)[1], inputs)
        if match is not None and match not in intent.input_dict:
            meant.setdefault(match, _Placement(f"{path}", value))

    findings.extend(_missing(intent, inputs, meant, where))
    return findings


def _nested_flow(
    key: str,
    value: dict[str, Any],
    inputs: dict[str, SchemaInput],
    meant: dict[str, _Placement],
    where: str,
) -> Finding:
    pairs = {}
    for inner, inner_value in value.items():
        match = closest_input(inner, inputs)
        pairs[inner] = match
        if match is not None:
            meant.setdefault(match, _Placement(f"inputData.{key}.{inner}", inner_value))
    matched = [match for match in pairs.values() if match]
    unmatched = [inner for inner, match in pairs.items() if match is None]
    detail = (
        f"inputData nests the inputs in an object under the key {key!r}; {where} has no input "
        f"named {key!r}, so the whole object is ignored and none of its values reach the flow."
    )
    if matched:
        detail += (
            f" The nested key is the input {quote_list(matched)}."
            if len(matched) == 1
            else f" The nested keys are the inputs {quote_list(matched)}."
        )
    if unmatched:
        detail += f" Not inputs of the flow: {quote_list(unmatched)}."
    corrected = {
        match: suggest_value(inputs[match], value[inner]) for inner, match in pairs.items() if match
    }
    return make_finding(
        "inputs.unknown-key",
        detail,
        "Flatten the object: send "
        + (render_json(corrected) if corrected else "flat 'Flow.<name>' keys")
        + " as inputData.",
        {"key": key, "suggestions": matched, "unmatched": unmatched, "value": value},
    )


def _unknown_key(
    key: str, value: Any, inputs: dict[str, SchemaInput], meant: dict[str, _Placement], where: str
) -> Finding:
    match = closest_input(key, inputs)
    if match is not None:
        meant.setdefault(match, _Placement(f"inputData.{key}", value))
        detail = (
            f"The inputData key {key!r} is not an input of {where}; the input is named {match!r} "
            "(input names are the full Architect variable names, case-sensitive). The value is "
            "ignored."
        )
        fix = f"Rename the key {key!r} to {match!r}."
    else:
        names = quote_list(inputs) if inputs else "none"
        detail = (
            f"The inputData key {key!r} is not an input of {where} and resembles none of its "
            f"inputs ({names}). The value is ignored, or the launch is rejected."
        )
        fix = (
            f"Remove {key!r}, or mark the variable as a flow input in Architect and publish the "
            "flow."
        )
    return make_finding(
        "inputs.unknown-key",
        detail,
        fix,
        {"key": key, "suggestion": match, "inputs": list(inputs), "value": value},
    )


def _missing(
    intent: LaunchIntent, inputs: dict[str, SchemaInput], meant: dict[str, _Placement], where: str
) -> list[Finding]:
    missing = [name for name in inputs if name not in intent.input_dict]
    if not missing:
        return []

    # The suggested inputData converts each value to its input's type where that is certain,
    # so that it never repeats a value that inputs.wrong-type flags.
    sent = {name: value for name, value in intent.input_dict.items() if name in inputs}
    for name in missing:
        if name in meant:
            sent[name] = meant[name].value
    corrected = {name: suggest_value(inputs[name], sent[name]) for name in inputs if name in sent}
    corrected_text = render_json(corrected)

    findings = []
    for name in missing:
        placement = meant.get(name)
        if placement is not None:
            detail = (
                f"{name} is an input of {where} but is not in inputData, so it silently takes its "
                f"initial value (often null). The body sent the value for it as `{placement.path}` "
                f"= {json.dumps(placement.value)}, where the flow never reads it."
            )
            severity = Severity.ERROR
        else:
            detail = (
                f"{name} is an input of {where} but is not in inputData, so it takes its initial "
                "value; fine if that is intended."
            )
            severity = Severity.WARNING
        fix = (
            f"Send the inputs as inputData {corrected_text}."
            if placement is not None
            else (f"Send {name!r} in inputData if the flow needs a value for it.")
        )
        findings.append(
            make_finding(
                "inputs.missing",
                detail,
                fix,
                {
                    "input": name,
                    "sent_as": placement.path if placement else None,
                    "value": placement.value if placement else None,
                    "input_data": corrected,
                },
                severity=severity,
            )
        )
    return findings


def _check_type(schema_input: SchemaInput, value: Any, where: str) -> list[Finding]:
    if value is None or schema_input.arch_type is None:
        return []
    arch_type = schema_input.arch_type
    suggested = suggest_value(schema_input, value)
    if schema_input.is_list:
        if not isinstance(value, list):
            decoded = _json_array(value)
            if decoded is not None:
                problem = (
                    "the value is a string that contains a JSON array; the array must be sent "
                    "itself, not encoded as a string"
                )
            elif _comma_list(value) is not None:
                problem = (
                    "the value is one comma-separated string; each item must be its own "
                    "element of a JSON array"
                )
            else:
                problem = (
                    f"a list of {_plural_name(arch_type)} needs a JSON array, even for one item"
                )
            return [_wrong_type(schema_input, value, where, "a JSON array", problem, suggested)]
        problems = []
        for index, item in enumerate(value):
            item_problem = _type_problem(arch_type, item)
            if item_problem:
                problems.append(f"item {index} ({json.dumps(item)}): {item_problem}")
        if problems:
            return [
                _wrong_type(
                    schema_input,
                    value,
                    where,
                    f"an array of {_plural_name(arch_type)}",
                    "; ".join(problems),
                    suggested,
                )
            ]
        return []
    if isinstance(value, list) and arch_type != "json":
        return [
            _wrong_type(
                schema_input,
                value,
                where,
                f"one {arch_type_name(arch_type)} value",
                "the input is not a list, so an array is not accepted",
                suggested,
            )
        ]
    value_problem = _type_problem(arch_type, value)
    if value_problem:
        return [
            _wrong_type(
                schema_input,
                value,
                where,
                _EXAMPLES.get(arch_type, "a valid value"),
                value_problem,
                suggested,
            )
        ]
    return []


_EXAMPLES = {
    "str": 'a JSON string, e.g. "text"',
    "int": 'a JSON integer such as 3 (a numeric string such as "3" works too)',
    "decimal": "a JSON number such as 2.5",
    "bool": "JSON true or false, without quotes",
    "date": 'a date string such as "2026-01-31"',
    "datetime": 'an ISO-8601 date-time string such as "2026-01-31T12:00:00.000Z"',
}

# Architect's names of its data types, keyed by the schema's archDataTypeId.
_ARCH_NAMES = {
    "str": "String",
    "int": "Integer",
    "bool": "Boolean",
    "decimal": "Decimal",
    "date": "Date",
    "datetime": "DateTime",
    "time": "Time",
    "duration": "Duration",
    "currency": "Currency",
    "json": "JSON",
}


def arch_type_name(arch_type: str) -> str:
    """Return Architect's name of a data type, e.g. ``"Integer"`` for ``"int"``."""
    return _ARCH_NAMES.get(arch_type, arch_type)


def _plural_name(arch_type: str) -> str:
    name = arch_type_name(arch_type)
    return "JSON values" if name == "JSON" else f"{name}s"


def _with_article(phrase: str) -> str:
    return f"an {phrase}" if phrase[:1].upper() in "AEIOU" else f"a {phrase}"


def _type_problem(arch_type: str, value: Any) -> str | None:
    """Return why ``value`` is not a valid ``arch_type`` value, or ``None`` when it is."""
    checker = _CHECKERS.get(arch_type)
    # NOTE: Architect types without a checker here (currency, duration, phone number, ...)
    # are not checked.
    return checker(value) if checker else None


def _check_str(value: Any) -> str | None:
    return None if isinstance(value, str) else f"a JSON {_kind(value)} is not a string"


def _check_int(value: Any) -> str | None:
    if isinstance(value, bool):
        return "a boolean is not an integer"
    if isinstance(value, int):
        return None if abs(value) <= _INTEGER_LIMIT else "the integer is out of Architect's range"
    if isinstance(value, float):
        return None if value.is_integer() else "the number has a fractional part"
    if isinstance(value, str):
        text = value.strip()
        if _INTEGER_TEXT.match(text):
            return None
        if _DIGITS.match(text):
            return f"the string {json.dumps(value)} is out of Architect's integer range"
        if _DECIMAL_TEXT.match(text):
            return (
                f"the string {json.dumps(value)} is not a whole number (an Integer is read from "
                "digits only, without a decimal point or exponent)"
            )
        return f"the string {json.dumps(value)} is not a number"
    return f"a JSON {_kind(value)} is not an integer"


def _check_decimal(value: Any) -> str | None:
    if isinstance(value, bool):
        return "a boolean is not a number"
    if isinstance(value, (int, float)):
        return None
    if isinstance(value, str):
        return (
            None
            if _DECIMAL_TEXT.match(value.strip())
            else f"the string {json.dumps(value)} is not a number"
        )
    return f"a JSON {_kind(value)} is not a number"


def _check_bool(value: Any) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        return f"the string {json.dumps(value)} is not a boolean; only JSON true and false are"
    return f"a JSON {_kind(value)} is not a boolean"


def _check_date(value: Any) -> str | None:
    if not isinstance(value, str):
        return f"a JSON {_kind(value)} is not a date string"
    try:
        date.fromisoformat(value)
    except ValueError:
        return f"{json.dumps(value)} is not a YYYY-MM-DD date"
    return None


def _check_datetime(value: Any) -> str | None:
    if not isinstance(value, str):
        return f"a JSON {_kind(value)} is not a date-time string"
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return f"{json.dumps(value)} is not an ISO-8601 date-time"
    return None


_CHECKERS = {
    "str": _check_str,
    "int": _check_int,
    "decimal": _check_decimal,
    "bool": _check_bool,
    "date": _check_date,
    "datetime": _check_datetime,
}


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    if isinstance(value, str):
        return "string"
    return "null" if value is None else "value"


# Suggested values.


class Placeholder(str):
    """A typed stand-in such as ``<Integer>`` for a value the doctor cannot convert for certain.

    `render_json` writes it without quotes, so that it cannot be mistaken for a string value.
    """


_NOT_CONVERTED = object()


def suggest_value(schema_input: SchemaInput, value: Any) -> Any:
    """Return ``value`` converted to the input's type where the conversion is certain.

    A valid value is returned as sent (a numeric string for an Integer stays a string). A value
    that cannot be converted for certain becomes a `Placeholder` naming the type, so that a
    suggestion never repeats a value that the checks flag as wrong.
    """
    arch_type = schema_input.arch_type
    if value is None or arch_type is None:
        return value
    if schema_input.is_list:
        if isinstance(value, list):
            items = value
        else:
            decoded = _json_array(value)
            if decoded is None:
                decoded = _comma_list(value)
            items = decoded if decoded is not None else [value]
        return [_suggest_one(arch_type, item) for item in items]
    if isinstance(value, list) and arch_type != "json":
        return _suggest_one(arch_type, value[0]) if len(value) == 1 else _placeholder(arch_type)
    return _suggest_one(arch_type, value)


def render_json(value: Any) -> str:
    """Render a suggested value as JSON, writing each `Placeholder` without quotes."""
    if isinstance(value, Placeholder):
        return str(value)
    if isinstance(value, dict):
        pairs = (f"{json.dumps(key)}: {render_json(item)}" for key, item in value.items())
        return "{" + ", ".join(pairs) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(render_json(item) for item in value) + "]"
    return json.dumps(value)


def _placeholder(arch_type: str) -> Placeholder:
    return Placeholder(f"<{arch_type_name(arch_type)}>")


def _suggest_one(arch_type: str, value: Any) -> Any:
    if value is None or _type_problem(arch_type, value) is None:
        return value
    converter = _CONVERTERS.get(arch_type)
    converted = converter(value) if converter else _NOT_CONVERTED
    if converted is _NOT_CONVERTED or _type_problem(arch_type, converted) is not None:
        return _placeholder(arch_type)
    return converted


def _to_int(value: Any) -> Any:
    if isinstance(value, str) and _DECIMAL_TEXT.match(value.strip()):
        try:
            number = float(value)
        except ValueError:
            return _NOT_CONVERTED
        if number.is_integer():
            return int(number)
    return _NOT_CONVERTED


def _to_bool(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        return {"true": True, "false": False}.get(value.strip().lower(), _NOT_CONVERTED)
    return _NOT_CONVERTED


def _to_str(value: Any) -> Any:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return json.dumps(value)
    return _NOT_CONVERTED


_CONVERTERS = {"int": _to_int, "bool": _to_bool, "str": _to_str}


def _json_array(value: Any) -> list[Any] | None:
    """Return the array a string encodes as JSON, such as ``'["gold"]'``, or ``None``."""
    if not isinstance(value, str) or not value.strip().startswith("["):
        return None
    try:
        decoded = json.loads(value)
    except ValueError:
        return None
    return decoded if isinstance(decoded, list) else None


def _comma_list(value: Any) -> list[str] | None:
    """Return the items of a comma-separated string such as ``"vip,late"``, or ``None``."""
    if not isinstance(value, str) or "," not in value:
        return None
    items = [item.strip() for item in value.split(",") if item.strip()]
    return items or None


def _wrong_type(
    schema_input: SchemaInput,
    value: Any,
    where: str,
    expected: str,
    problem: str,
    suggested: Any,
) -> Finding:
    arch_type = schema_input.arch_type or "unknown"
    kind = (
        f"list of {_plural_name(arch_type)}" if schema_input.is_list else arch_type_name(arch_type)
    )
    if _has_placeholder(suggested):
        fix = f"Send {schema_input.name} as {expected}."
        if isinstance(suggested, list):
            fix = f"Send {schema_input.name} as {expected}, e.g. {render_json(suggested)}."
    else:
        fix = f"Send {json.dumps(schema_input.name)}: {render_json(suggested)} instead."
    return make_finding(
        "inputs.wrong-type",
        f"{schema_input.name} is {_with_article(kind)} input, but {where} is "
        f"{json.dumps(value)}: {problem}. Architect does not read the value as sent, so the flow "
        "may run with a null or its initial value and take an unexpected path.",
        fix,
        {
            "input": schema_input.name,
            "arch_type": schema_input.arch_type,
            "is_list": schema_input.is_list,
            "value": value,
            "problem": problem,
            "suggested": suggested,
        },
    )


def _has_placeholder(value: Any) -> bool:
    if isinstance(value, Placeholder):
        return True
    if isinstance(value, list):
        return any(_has_placeholder(item) for item in value)
    return False
