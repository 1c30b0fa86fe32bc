"""Plain functions that turn what a user typed into values for a flow's ``inputData``.

Architect names each input type with an ``archDataTypeId`` such as ``str``,
``int``, ``bool``, ``decimal``, ``date``, ``datetime`` or ``json``. A list
input has the type of its items.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

_TRUE = {"true", "yes", "1", "on"}
_FALSE = {"false", "no", "0", "off"}


def parse_scalar(arch_type: str, text: str) -> Any:
    """Convert ``text`` to a JSON value of the Architect type ``arch_type``.

    Raises
    ------
    ValueError
        When ``text`` is not a valid value of that type. The message shows an expected value.
    """
    kind = (arch_type or "str").lower()
    value = text.strip()

    if kind in {"int", "integer", "long"}:
        try:
            return int(value)
        except ValueError:
            raise ValueError(f"expected a whole number such as 42, got {text!r}") from None
    if kind in {"decimal", "number", "double", "float"}:
        try:
            return float(value)
        except ValueError:
            raise ValueError(f"expected a decimal number such as 3.5, got {text!r}") from None
    if kind in {"bool", "boolean"}:
        if value.lower() in _TRUE:
            return True
        if value.lower() in _FALSE:
            return False
        raise ValueError(f"expected true or false, got {text!r}")
    if kind == "date":
        try:
            return dt.date.fromisoformat(value).isoformat()
        except ValueError:
            raise ValueError(f"expected a date such as 2025-06-01, got {text!r}") from None
    if kind == "datetime":
        try:
            dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(
                f"expected an ISO 8601 date and time such as 2025-06-01T09:30:00Z, got {text!r}"
            ) from None
        return value
    if kind == "json":
        try:
            return json.loads(value)
        except json.JSONDecodeError as error:
            raise ValueError(f"invalid JSON: {error.msg} at character {error.pos}") from None
    # str and every type this module does not know are sent as typed.
    return text


def parse_input_value(arch_type: str, text: str, *, is_list: bool = False) -> Any:
    """Convert the text typed for one flow input to the value sent in ``inputData``.

    Parameters
    ----------
    arch_type
        The input's Architect type (of its items for a list input).
    text
        What the user typed. A list takes a JSON array or one item per line.
    is_list
        Whether the input is a list.

    Raises
    ------
    ValueError
        When the text is not a valid value; the message names the bad item.
    """
    if not is_list:
        return parse_scalar(arch_type, text)

    stripped = text.strip()
    if stripped.startswith("["):
        try:
            items = json.loads(stripped)
        except json.JSONDecodeError as error:
            raise ValueError(f"invalid JSON array: {error.msg} at character {error.pos}") from None
        return [_check_item(arch_type, item, index) for index, item in enumerate(items, start=1)]

    lines = [line for line in text.splitlines() if line.strip()]
    values = []
    for index, line in enumerate(lines, start=1):
        try:
            values.append(parse_scalar(arch_type, line))
        except ValueError as error:
            raise ValueError(f"item {index}: {error}") from None
    return values


def _check_item(arch_type: str, item: Any, index: int) -> Any:
    """Check one item of a JSON array against the list's item type."""
    if isinstance(item, str) and (arch_type or "str").lower() not in {"str", "string", "json"}:
        try:
            return parse_scalar(arch_type, item)
        except ValueError as error:
            raise ValueError(f"item {index}: {error}") from None
    return item
