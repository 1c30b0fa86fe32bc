"""Shared conversions for the frame builders: raw JSON access, UTC datetimes, statuses."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

#: dtype of every datetime column the analytics layer returns.
UTC_DTYPE = "datetime64[ns, UTC]"

#: dtype of every text column the analytics layer returns (missing values are ``pd.NA``).
STRING_DTYPE = "string"

#: Execution statuses the Platform API documents, in the order of a run's life.
KNOWN_STATUSES: tuple[str, ...] = (
    "UNKNOWN",
    "RUNNING",
    "ERROR",
    "TERMINATED",
    "COMPLETED",
    "FAILED",
)

#: Statuses after which an execution no longer changes.
TERMINAL_STATUSES: frozenset[str] = frozenset({"ERROR", "TERMINATED", "COMPLETED", "FAILED"})


def raw_of(item: Any) -> dict[str, Any]:
    """Return the JSON dict behind a model object (its ``raw`` field) or the dict itself.

    The dict is not copied because the builders only read it.
    """
    if type(item) is dict:
        return item
    if isinstance(item, Mapping):
        return dict(item)
    raw = getattr(item, "raw", None)
    if type(raw) is dict:
        return raw
    if isinstance(raw, Mapping):
        return dict(raw)
    raise TypeError(
        f"expected a Genesys JSON object or a flowwidgets model with a .raw dict, "
        f"got {type(item).__name__}"
    )


def entities_of(source: Any, key: str = "entities") -> list[dict[str, Any]]:
    """Return the list of JSON objects in a listing, a single object, a list, or ``None``.

    A dict with an ``entities`` key (an ``*EntityListing`` page) yields its entities, any
    other dict or model is one object, and an iterable yields one object per item.
    """
    if source is None:
        return []
    if isinstance(source, Mapping) or hasattr(source, "raw"):
        data = raw_of(source)
        if key in data and isinstance(data[key], list):
            return [raw_of(item) for item in data[key]]
        return [data]
    if isinstance(source, Iterable) and not isinstance(source, (str, bytes)):
        rows: list[dict[str, Any]] = []
        for item in source:
            # Plain JSON objects are by far the most common item, so they skip the recursion.
            if type(item) is dict and key not in item:
                rows.append(item)
            else:
                rows.extend(entities_of(item, key))
        return rows
    raise TypeError(
        f"expected Genesys JSON, a model or a list of them, got {type(source).__name__}"
    )


def nested(data: Mapping[str, Any], *keys: str) -> Any:
    """Return ``data[k1][k2]...`` or ``None`` when any level is missing or not a dict."""
    value: Any = data
    for key in keys:
        if type(value) is not dict and (value is None or not isinstance(value, Mapping)):
            return None
        value = value.get(key)
    return value


def object_array(values: Iterable[Any]) -> np.ndarray:
    """Return the values as a one-dimensional object array, each value kept as it is.

    Unlike ``np.array``, a value that is itself a list stays one element.
    """
    items = values if isinstance(values, list) else list(values)
    return np.fromiter(items, dtype=object, count=len(items))


def text_array(values: Iterable[Any]) -> Any:
    """Return raw JSON values as a ``string`` array, with empty strings and ``None`` missing.

    Values that are not strings are converted with ``str``, as ``astype("string")`` does.
    """
    array = object_array(values)
    array[array == ""] = None
    return pd.array(array, dtype=STRING_DTYPE)


def to_utc(values: Iterable[Any]) -> pd.Series:
    """Convert epoch milliseconds, ISO-8601 strings and datetimes, mixed, to UTC datetimes.

    Genesys sends FlowVersion dates as epoch milliseconds and every other date as an ISO
    string, so one column can hold both. Naive datetimes are taken as UTC. Values that are
    neither become ``NaT``.
    """
    array = object_array(values)
    if pd.api.types.infer_dtype(array, skipna=True) in ("string", "empty"):
        # The usual case, ISO strings and missing values only, skips the number checks.
        array[array == ""] = None
        parsed = pd.to_datetime(array, utc=True, format="ISO8601", errors="coerce")
        return pd.Series(parsed, copy=False).astype(UTC_DTYPE)

    series = pd.Series(array, dtype=object)
    # Numbers are epoch milliseconds. Booleans and numeric strings are not dates.
    millis = pd.to_numeric(series, errors="coerce")
    numeric = millis.notna()
    if numeric.any():
        not_number = series[numeric].map(lambda value: isinstance(value, (bool, str)))
        millis[not_number[not_number].index] = float("nan")
        numeric = millis.notna()

    text = series.where(~numeric & series.ne(""))
    result = pd.to_datetime(text, utc=True, format="ISO8601", errors="coerce").astype(UTC_DTYPE)
    if numeric.any():
        result[numeric] = pd.to_datetime(millis[numeric], unit="ms", utc=True).astype(UTC_DTYPE)
    return result


def utc_timestamp(value: Any) -> pd.Timestamp:
    """Return one value (datetime, ISO string, epoch ms or ``None`` for now) as a UTC Timestamp."""
    if value is None:
        return pd.Timestamp.now(tz="UTC")
    converted = to_utc([value]).iloc[0]
    if pd.isna(converted):
        raise ValueError(f"cannot read {value!r} as a date and time")
    return pd.Timestamp(converted)


def status_categorical(values: Iterable[Any]) -> pd.Series:
    """Return statuses as a categorical with the documented ones first and unknown ones appended.

    Statuses are upper-cased because the API sends enums in upper case. An unknown status
    is kept as sent so a newer API value is never lost.
    """
    series = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype=object)

    # Factorise first so only the distinct values are upper-cased, not every row.
    codes, uniques = pd.factorize(series.astype(object), use_na_sentinel=True)
    labels = [str(value).upper() for value in uniques]
    extra = sorted(set(labels) - set(KNOWN_STATUSES))
    categories = [*KNOWN_STATUSES, *extra]
    position = {label: index for index, label in enumerate(categories)}
    # The sentinel -1 of a missing value picks the appended -1, which stays missing.
    lookup = np.array([*(position[label] for label in labels), -1], dtype=np.int64)
    dtype = pd.CategoricalDtype(categories)
    return pd.Series(pd.Categorical.from_codes(lookup[codes], dtype=dtype), index=series.index)


def empty_frame(columns: Mapping[str, Any]) -> pd.DataFrame:
    """Return an empty DataFrame with the given column -> dtype mapping."""
    return pd.DataFrame({name: pd.Series(dtype=dtype) for name, dtype in columns.items()})
