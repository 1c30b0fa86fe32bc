"""Typed parsing of what a user types into a launch form field."""

from __future__ import annotations

import pytest

from flowwidgets.widgets import parse_input_value


@pytest.mark.parametrize(
    ("arch_type", "text", "is_list", "expected"),
    [
        ("str", " keep spaces ", False, " keep spaces "),
        ("int", "42", False, 42),
        ("int", " -7 ", False, -7),
        ("decimal", "3.5", False, 3.5),
        ("bool", "true", False, True),
        ("bool", "No", False, False),
        ("date", "2025-06-01", False, "2025-06-01"),
        ("datetime", "2025-06-01T09:30:00Z", False, "2025-06-01T09:30:00Z"),
        ("json", '{"a": [1, 2]}', False, {"a": [1, 2]}),
        ("str", "a\nb\n\nc", True, ["a", "b", "c"]),
        ("str", '["a", "b"]', True, ["a", "b"]),
        ("int", "1\n2", True, [1, 2]),
        ("int", '["1", 2]', True, [1, 2]),
        ("unknownType", "as typed", False, "as typed"),
    ],
)
def test_parse_input_value_valid(arch_type, text, is_list, expected) -> None:
    value = parse_input_value(arch_type, text, is_list=is_list)

    assert value == expected


@pytest.mark.parametrize(
    ("arch_type", "text", "is_list", "message"),
    [
        ("int", "4.5", False, "whole number"),
        ("decimal", "abc", False, "decimal number"),
        ("bool", "maybe", False, "true or false"),
        ("date", "01/06/2025", False, "date such as"),
        ("datetime", "tomorrow", False, "ISO 8601"),
        ("json", "{oops", False, "invalid JSON"),
        ("int", "1\ntwo", True, "item 2"),
        ("str", '["a", ', True, "invalid JSON array"),
    ],
)
def test_parse_input_value_invalid(arch_type, text, is_list, message) -> None:
    with pytest.raises(ValueError, match=message):
        parse_input_value(arch_type, text, is_list=is_list)
