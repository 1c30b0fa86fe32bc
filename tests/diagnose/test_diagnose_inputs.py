"""Input checks against a flow version's input schema, as Architect writes it."""

from __future__ import annotations

import json
from typing import Any

import pytest

from flowwidgets.diagnose import check_inputs, read_input_schema, read_launch_body

ARCH_SCHEMA: dict[str, Any] = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "title": "Flow input schema",
    "type": "object",
    "properties": {
        "Flow.email": {"$ref": "#/definitions/archString"},
        "Flow.count": {"$ref": "#/definitions/archInteger"},
        "Flow.vip": {"$ref": "#/definitions/archBoolean"},
        "Flow.tags": {"type": "array", "items": {"$ref": "#/definitions/archString"}},
        "Flow.amount": {"$ref": "#/definitions/archDecimal"},
        "Flow.day": {"$ref": "#/definitions/archDate"},
        "Flow.payload": {"$ref": "#/definitions/archJson"},
    },
    "additionalProperties": False,
    "definitions": {
        "archString": {"archDataTypeId": "str", "oneOf": [{"type": "null"}, {"type": "string"}]},
        "archInteger": {"archDataTypeId": "int", "oneOf": [{"type": "null"}, {"type": "integer"}]},
        "archBoolean": {"archDataTypeId": "bool", "oneOf": [{"type": "null"}, {"type": "boolean"}]},
        "archDecimal": {"archDataTypeId": "decimal"},
        "archDate": {"archDataTypeId": "date"},
        "archJson": {"archDataTypeId": "json"},
    },
}


def findings_for(input_data: Any, **extra: Any) -> list[Any]:
    intent = read_launch_body({"flowId": "f-1", "inputData": input_data, **extra})
    return check_inputs(intent, ARCH_SCHEMA, "1.0")


def test_read_input_schema_types() -> None:
    inputs = read_input_schema(ARCH_SCHEMA)

    assert {name: (item.arch_type, item.is_list) for name, item in inputs.items()} == {
        "Flow.email": ("str", False),
        "Flow.count": ("int", False),
        "Flow.vip": ("bool", False),
        "Flow.tags": ("str", True),
        "Flow.amount": ("decimal", False),
        "Flow.day": ("date", False),
        "Flow.payload": ("json", False),
    }


def test_read_input_schema_plain_json_types() -> None:
    schema = {
        "properties": {"Flow.n": {"type": ["null", "integer"]}, "Flow.b": {"type": "boolean"}}
    }

    inputs = read_input_schema(schema)

    assert inputs["Flow.n"].arch_type == "int"
    assert inputs["Flow.b"].arch_type == "bool"


def test_read_input_schema_not_a_dict() -> None:
    assert read_input_schema(None) == {}


def complete(**overrides: Any) -> dict[str, Any]:
    values = {
        "Flow.email": "a@example.com",
        "Flow.count": 3,
        "Flow.vip": True,
        "Flow.tags": ["gold"],
        "Flow.amount": 2.5,
        "Flow.day": "2026-01-31",
        "Flow.payload": {"any": ["thing"]},
    }
    values.update(overrides)
    return values


def test_check_inputs_complete_and_valid() -> None:
    assert findings_for(complete()) == []


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("Flow.count", "3"),
        ("Flow.count", " 42 "),
        ("Flow.count", -7),
        ("Flow.count", 4.0),
        ("Flow.count", None),
        ("Flow.amount", "2.75"),
        ("Flow.amount", 3),
        ("Flow.tags", []),
        ("Flow.payload", [1, 2]),
        ("Flow.email", None),
    ],
)
def test_check_inputs_accepted_values(name: str, value: Any) -> None:
    assert findings_for(complete(**{name: value})) == []


@pytest.mark.parametrize(
    ("name", "value", "problem"),
    [
        ("Flow.count", "twelve", "not a number"),
        ("Flow.count", True, "boolean is not an integer"),
        ("Flow.count", 1.5, "fractional"),
        ("Flow.count", 10**18, "range"),
        ("Flow.vip", "yes", "only JSON true and false"),
        ("Flow.vip", "true", "only JSON true and false"),
        ("Flow.vip", 1, "not a boolean"),
        ("Flow.tags", "gold", "JSON array"),
        ("Flow.tags", ["gold", 7], "item 1"),
        ("Flow.email", 42, "not a string"),
        ("Flow.email", ["a@example.com"], "not a list"),
        ("Flow.amount", "lots", "not a number"),
        ("Flow.day", "31/01/2026", "YYYY-MM-DD"),
    ],
)
def test_check_inputs_wrong_type(name: str, value: Any, problem: str) -> None:
    findings = findings_for(complete(**{name: value}))

    assert [f.code for f in findings] == ["inputs.wrong-type"]
    assert findings[0].evidence["input"] == name
    assert problem in findings[0].detail


@pytest.mark.parametrize(
    ("key", "meant"),
    [
        ("email", "Flow.email"),
        ("EMAIL", "Flow.email"),
        ("flow.email", "Flow.email"),
        ("Flow.Email", "Flow.email"),
    ],
)
def test_check_inputs_unknown_key_suggests(key: str, meant: str) -> None:
    values = complete()
    del values[meant]
    values[key] = "a@example.com"

    findings = findings_for(values)

    unknown = [f for f in findings if f.code == "inputs.unknown-key"]
    missing = [f for f in findings if f.code == "inputs.missing"]
    assert unknown[0].evidence["suggestion"] == meant
    assert missing[0].evidence["input"] == meant
    assert missing[0].severity.value == "error"
    assert missing[0].evidence["sent_as"] == f"inputData.{key}"


def test_check_inputs_unknown_key_without_match_lists_inputs() -> None:
    findings = findings_for(complete(**{"Flow.somethingElse": 1}))

    assert [f.code for f in findings] == ["inputs.unknown-key"]
    assert findings[0].evidence["suggestion"] is None
    assert "'Flow.email'" in findings[0].detail


def test_check_inputs_missing_without_hint_is_warning() -> None:
    values = complete()
    del values["Flow.day"]

    findings = findings_for(values)

    assert [(f.code, f.severity.value) for f in findings] == [("inputs.missing", "warning")]


def test_check_inputs_nested_flow_object() -> None:
    intent = read_launch_body(
        {"flowId": "f-1", "inputData": {"Flow": {"email": "a@example.com", "count": 2, "bogus": 1}}}
    )

    findings = check_inputs(intent, ARCH_SCHEMA)

    nested = [f for f in findings if f.code == "inputs.unknown-key"]
    assert len(nested) == 1
    assert nested[0].evidence["suggestions"] == ["Flow.email", "Flow.count"]
    assert nested[0].evidence["unmatched"] == ["bogus"]
    errors = {
        f.evidence["input"]
        for f in findings
        if f.code == "inputs.missing" and f.severity.value == "error"
    }
    assert errors == {"Flow.email", "Flow.count"}


def test_check_inputs_misplaced_field_fix_names_all() -> None:
    intent = read_launch_body({"flowId": "f-1", "inputs": {"email": "a@example.com", "vip": True}})

    findings = check_inputs(intent, ARCH_SCHEMA)

    errors = [f for f in findings if f.code == "inputs.missing" and f.severity.value == "error"]
    assert {f.evidence["input"] for f in errors} == {"Flow.email", "Flow.vip"}
    assert '{"Flow.email": "a@example.com", "Flow.vip": true}' in errors[0].fix


def test_check_inputs_from_model_with_raw() -> None:
    class Schema:
        raw = ARCH_SCHEMA

    intent = read_launch_body({"flowId": "f-1", "inputData": complete(**{"Flow.vip": "no"})})

    findings = check_inputs(intent, Schema())

    assert [f.code for f in findings] == ["inputs.wrong-type"]


def test_check_inputs_fix_never_repeats_wrong_values() -> None:
    intent = read_launch_body(
        {
            "flowId": "f-1",
            "inputData": {"Flow.count": "high", "Flow.vip": 1, "Flow.tags": ["a", 2]},
            "inputs": {"email": "a@example.com"},
        }
    )

    findings = check_inputs(intent, ARCH_SCHEMA, "1.0")

    wrong = {f.evidence["input"]: f for f in findings if f.code == "inputs.wrong-type"}
    assert set(wrong) == {"Flow.count", "Flow.vip", "Flow.tags"}
    missing = [f for f in findings if f.code == "inputs.missing" and f.evidence["sent_as"]]
    fix = missing[0].fix
    assert '"Flow.count": <Integer>' in fix
    assert '"Flow.vip": true' in fix
    assert '"Flow.tags": ["a", "2"]' in fix
    assert '"Flow.email": "a@example.com"' in fix
    for finding in wrong.values():
        assert json.dumps(finding.evidence["value"]) not in fix


@pytest.mark.parametrize(
    ("name", "value", "suggested"),
    [
        ("Flow.count", "3", "3"),
        ("Flow.count", "3.0", 3),
        ("Flow.count", "3.5", "<Integer>"),
        ("Flow.count", True, "<Integer>"),
        ("Flow.vip", 0, False),
        ("Flow.vip", "TRUE", True),
        ("Flow.vip", 2, "<Boolean>"),
        ("Flow.vip", "yes", "<Boolean>"),
        ("Flow.email", 42, "42"),
        ("Flow.tags", "gold", ["gold"]),
        ("Flow.tags", '["gold", "silver"]', ["gold", "silver"]),
        ("Flow.tags", "vip,late", ["vip", "late"]),
        ("Flow.tags", "vip, late,", ["vip", "late"]),
        ("Flow.amount", "lots", "<Decimal>"),
    ],
)
def test_check_inputs_suggested_value(name: str, value: Any, suggested: Any) -> None:
    values = complete(**{name: value})
    del values["Flow.day"]

    findings = findings_for(values, inputs={"day": "2026-01-31"})

    missing = next(f for f in findings if f.code == "inputs.missing")
    assert missing.evidence["input_data"][name] == suggested


def test_check_inputs_type_names_architect() -> None:
    findings = findings_for(complete(**{"Flow.count": "x", "Flow.vip": "x", "Flow.tags": [1.5]}))

    details = {f.evidence["input"]: f.detail for f in findings}
    assert details["Flow.count"].startswith("Flow.count is an Integer input")
    assert details["Flow.vip"].startswith("Flow.vip is a Boolean input")
    assert details["Flow.tags"].startswith("Flow.tags is a list of Strings input")
    for detail in details.values():
        assert " int " not in detail
        assert " bool " not in detail
        assert " str " not in detail


def test_check_inputs_integer_not_whole() -> None:
    findings = findings_for(complete(**{"Flow.count": "3.0"}))

    assert "not a whole number" in findings[0].detail
    assert "is not a number" not in findings[0].detail
    assert findings[0].fix == 'Send "Flow.count": 3 instead.'


def test_check_inputs_list_as_json_string() -> None:
    findings = findings_for(complete(**{"Flow.tags": '["gold"]'}))

    assert [f.code for f in findings] == ["inputs.wrong-type"]
    assert "JSON array" in findings[0].detail
    assert findings[0].evidence["suggested"] == ["gold"]
    assert '["gold"]' in findings[0].fix
    assert '["[' not in findings[0].fix


def test_check_inputs_nested_flow_one_key_singular() -> None:
    intent = read_launch_body({"flowId": "f-1", "inputData": {"flow": {"email": "a@example.com"}}})

    findings = check_inputs(intent, ARCH_SCHEMA)

    nested = next(f for f in findings if f.code == "inputs.unknown-key")
    assert "The nested key is the input 'Flow.email'." in nested.detail
