"""Closest-name helpers shared by the checks."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable


def normalize(name: str) -> str:
    """Lower-case a name and drop separators, so that ``flow_id`` equals ``flowID``."""
    return re.sub(r"[\s_.\-]", "", name).lower()


def closest(name: str, choices: Iterable[str], cutoff: float = 0.75) -> str | None:
    """Return the choice closest to ``name``, ignoring case and separators, or ``None``."""
    by_normal: dict[str, str] = {}
    for choice in choices:
        by_normal.setdefault(normalize(choice), choice)
    key = normalize(name)
    if key in by_normal:
        return by_normal[key]
    matches = difflib.get_close_matches(key, list(by_normal), n=1, cutoff=cutoff)
    return by_normal[matches[0]] if matches else None


def closest_input(name: str, inputs: Iterable[str]) -> str | None:
    """Return the flow input a name most likely meant (``email`` -> ``Flow.email``), or ``None``."""
    names = list(inputs)
    bare = {
        input_name.split(".", 1)[1] if input_name.startswith("Flow.") else input_name: input_name
        for input_name in names
    }
    plain = name.split(".", 1)[1] if name.lower().startswith("flow.") else name
    match = closest(plain, bare, cutoff=0.8)
    return bare[match] if match is not None else None


def quote_list(names: Iterable[str]) -> str:
    """Join names as ``'a', 'b' and 'c'``."""
    quoted = [repr(name) for name in names]
    if len(quoted) <= 1:
        return "".join(quoted)
    return ", ".join(quoted[:-1]) + " and " + quoted[-1]
