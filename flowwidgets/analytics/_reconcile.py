"""Reconcile the launch ledger with execution statuses, execution history and aggregates.

All work is done with pandas merges and group-bys, never a Python loop per execution,
so a ledger of 100,000 launches reconciles quickly.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import numpy as np
import pandas as pd

from flowwidgets.analytics._convert import (
    STRING_DTYPE,
    TERMINAL_STATUSES,
    UTC_DTYPE,
    status_categorical,
    utc_timestamp,
)
from flowwidgets.analytics._frames import aggregates_frame, executions_frame, history_frame
from flowwidgets.analytics._ledger import LEDGER_COLUMNS, Ledger

#: Intervals that end less than this long before ``now`` are provisional, because
#: Genesys may still restate recent analytics.
# NOTE: how long Genesys may restate flow-execution aggregates is not documented, so
# three days is an estimate.
PROVISIONAL_AFTER = timedelta(days=3)

#: Bucket size for launches outside every aggregate interval when none is given or inferable.
DEFAULT_GRANULARITY = timedelta(hours=1)

_FAILED_STATUSES = ("ERROR", "FAILED", "TERMINATED")
_KEY = "_flow_key"


def _as_frame(source: Any, builder: Callable[[Any], pd.DataFrame]) -> pd.DataFrame:
    return source if isinstance(source, pd.DataFrame) else builder(source)


def _ledger_frame(ledger_or_frame: Ledger | pd.DataFrame) -> pd.DataFrame:
    frame = (
        ledger_or_frame.frame() if isinstance(ledger_or_frame, Ledger) else ledger_or_frame.copy()
    )
    missing = [column for column in ("name", "flow_id", "launched_at") if column not in frame]
    if missing:
        raise ValueError(
            f"the ledger frame lacks the column(s) {', '.join(missing)}. "
            "Pass a Ledger or the result of Ledger.frame()"
        )
    for column, dtype in LEDGER_COLUMNS.items():
        if column not in frame:
            frame[column] = pd.Series(
                pd.NA if dtype != UTC_DTYPE else pd.NaT, index=frame.index, dtype=dtype
            )
    frame["launched_at"] = frame["launched_at"].astype(UTC_DTYPE)
    return frame.reset_index(drop=True)


def _flow_key(frame: pd.DataFrame, keyed: bool) -> pd.Series:
    """Return the merge key for per-flow buckets, as object dtype on every side of a merge."""
    if keyed:
        return frame["flow_id"].astype(object)
    return pd.Series("", index=frame.index, dtype=object)


def _granularity(aggregates: pd.DataFrame, granularity: str | timedelta | None) -> pd.Timedelta:
    if granularity is not None:
        return pd.Timedelta(granularity)
    lengths = (aggregates["interval_end"] - aggregates["interval_start"]).dropna()
    if lengths.empty:
        return pd.Timedelta(DEFAULT_GRANULARITY)
    return pd.Timedelta(lengths.mode().iloc[0])


def _buckets(aggregates: pd.DataFrame, keyed: bool) -> pd.DataFrame:
    """Sum ``nFlowExecutions`` per flow (when grouped by flow) and interval."""
    frame = aggregates[aggregates["metric"].fillna("nFlowExecutions") == "nFlowExecutions"]
    frame = frame.dropna(subset=["interval_start", "interval_end"])
    # The same bucket from two queries counts once, with the later (restated) count.
    dimensions = [column for column in frame.columns if column != "count"]
    frame = frame.drop_duplicates(subset=dimensions, keep="last").copy()
    frame[_KEY] = _flow_key(frame, keyed)
    frame = frame.dropna(subset=[_KEY])
    buckets = frame.groupby(
        [_KEY, "interval_start", "interval_end"], as_index=False, observed=True
    )["count"].sum()
    buckets[_KEY] = buckets[_KEY].astype(object)
    return buckets.rename(columns={"count": "bucket_count"})


def _assign_intervals(
    launches: pd.DataFrame, buckets: pd.DataFrame, granularity: pd.Timedelta
) -> pd.DataFrame:
    """Add ``interval_start``/``interval_end``: the aggregate bucket holding each launch time.

    The launch time is the server's ``dateLaunched`` where an execution was polled,
    else the ledger's ``launched_at``. A launch outside every bucket gets a bucket of
    ``granularity`` floored in UTC.
    """
    launches = launches.copy()
    launches["interval_start"] = pd.Series(pd.NaT, index=launches.index, dtype=UTC_DTYPE)
    launches["interval_end"] = pd.Series(pd.NaT, index=launches.index, dtype=UTC_DTYPE)

    bucket_time = launches["server_launched_at"].fillna(launches["launched_at"])
    launches["_bucket_time"] = bucket_time
    timed = bucket_time.notna()
    if not buckets.empty and timed.any():
        left = launches.loc[timed, [_KEY, "_bucket_time"]].reset_index().sort_values("_bucket_time")
        right = buckets[[_KEY, "interval_start", "interval_end"]].sort_values("interval_start")
        matched = pd.merge_asof(
            left,
            right,
            left_on="_bucket_time",
            right_on="interval_start",
            by=_KEY,
            direction="backward",
        ).set_index("index")
        inside = matched["_bucket_time"] < matched["interval_end"]
        launches.loc[inside[inside].index, "interval_start"] = matched.loc[inside, "interval_start"]
        launches.loc[inside[inside].index, "interval_end"] = matched.loc[inside, "interval_end"]

    outside = timed & launches["interval_start"].isna()
    floored = launches.loc[outside, "_bucket_time"].dt.floor(granularity)
    launches.loc[outside, "interval_start"] = floored
    launches.loc[outside, "interval_end"] = floored + granularity
    return launches.drop(columns=["_bucket_time"])


def _lookup(keys: pd.Series, table: pd.DataFrame, key: str) -> tuple[pd.DataFrame, np.ndarray]:
    """Return the rows of ``table`` whose ``key`` equals each of ``keys``, and a found mask.

    A hash lookup instead of a merge, because only a few columns are needed and the
    launches frame keeps its order and index. Duplicate keys keep their last row, and a
    missing key matches nothing.
    """
    table_keys = table[key].astype(object).to_numpy()
    # One factorisation of both sides gives each key a code, so one hash pass does it.
    codes, uniques = pd.factorize(
        np.concatenate([table_keys, keys.astype(object).to_numpy()]), use_na_sentinel=True
    )
    table_codes, key_codes = codes[: len(table_keys)], codes[len(table_keys) :]
    last_row = np.full(len(uniques) + 1, -1, dtype=np.int64)
    present = table_codes >= 0
    np.maximum.at(last_row, table_codes[present], np.flatnonzero(present))
    # The extra last slot is read for a missing key (code -1) and stays -1.
    positions = last_row[key_codes]
    found = positions >= 0
    if not found.any():
        # Nothing to take: every row is missing, with the table's dtypes.
        rows = table.iloc[:0].reset_index(drop=True).reindex(range(len(keys)))
    else:
        rows = table.iloc[np.where(found, positions, 0)].reset_index(drop=True)
    rows.index = keys.index
    return rows, found


def _merge_executions(launches: pd.DataFrame, executions: pd.DataFrame) -> pd.DataFrame:
    if executions.empty:
        return launches
    polled, found = _lookup(launches["execution_id"], executions, "execution_id")

    launches["server_launched_at"] = polled["launched_at"].where(found).astype(UTC_DTYPE)
    polled_status = polled["status"].astype(object).where(found)
    recorded_status = launches["status"].astype(object)
    launches["status"] = status_categorical(
        polled_status.where(polled_status.notna(), recorded_status)
    )
    launches["finished_at"] = (
        polled["finished_at"].where(found).fillna(launches["finished_at"]).astype(UTC_DTYPE)
    )
    launches["error_code"] = (
        polled["error_code"].where(found).fillna(launches["error_code"]).astype(STRING_DTYPE)
    )
    return launches


def _merge_history(
    launches: pd.DataFrame, history: pd.DataFrame | None, now: pd.Timestamp
) -> pd.DataFrame:
    recorded = launches["in_history"].astype("boolean")
    launches["history_started_at"] = pd.Series(pd.NaT, index=launches.index, dtype=UTC_DTYPE)
    if history is None or history.empty:
        launches["in_history"] = recorded if history is None else recorded.fillna(False)
    else:
        # NOTE: whether a history instance id equals the launch's execution id is not
        # documented, so a record also matches by execution name.
        by_id, identified = _lookup(launches["execution_id"], history, "instance_id")
        started = by_id["started_at"].where(identified)

        # Other callers may use the same execution name, so a name only matches within
        # the same flow. Only launches the id left without a start time need the name,
        # and only records with one of their names can match.
        unresolved = started.isna().to_numpy()
        unmatched = launches.loc[unresolved, ["name", "flow_id"]]
        candidates = history[history["name"].isin(unmatched["name"].dropna()).to_numpy()]
        separator = "\x1f"
        named_history = candidates.assign(
            _name_key=candidates["name"] + separator + candidates["flow_id"]
        )
        by_name, named_subset = _lookup(
            unmatched["name"] + separator + unmatched["flow_id"], named_history, "_name_key"
        )
        named = np.zeros(len(launches), dtype=bool)
        named[unresolved] = named_subset

        found = identified | named
        launches["in_history"] = pd.Series(found, index=launches.index) | recorded.fillna(False)
        launches["in_history"] = launches["in_history"].astype("boolean")
        started.loc[unresolved] = by_name["started_at"].where(named_subset)
        launches["history_started_at"] = started.astype(UTC_DTYPE)

    seen_now = (
        launches["in_history"].fillna(False).astype(bool) & launches["history_seen_at"].isna()
    )
    launches.loc[seen_now, "history_seen_at"] = now
    return launches


def _merge_counts(
    launches: pd.DataFrame, buckets: pd.DataFrame | None, now: pd.Timestamp
) -> pd.DataFrame:
    recorded = launches["counted"].astype("boolean")
    if buckets is None:
        launches["counted"] = recorded
    else:
        ran = launches["launch_outcome"].astype(object) != "error"
        launches["_ran"] = ran.astype(int)
        expected = launches.groupby([_KEY, "interval_start"], dropna=False)["_ran"].transform("sum")
        merged = launches.merge(buckets, on=[_KEY, "interval_start", "interval_end"], how="left")
        bucket_count = merged["bucket_count"].fillna(0).astype("int64").to_numpy()

        # Aggregates are counts, not ids: a bucket that covers all our launches counts
        # each of them, an empty bucket counts none, and a partly filled one is unknown.
        counted = pd.Series(pd.NA, index=launches.index, dtype="boolean")
        counted[bucket_count >= expected.to_numpy()] = True
        counted[bucket_count == 0] = False
        counted[~ran.to_numpy()] = False
        counted[recorded.fillna(False).to_numpy()] = True
        launches = launches.drop(columns=["_ran"])
        launches["counted"] = counted

    counted_now = launches["counted"].fillna(False).astype(bool) & launches["counted_at"].isna()
    launches.loc[counted_now, "counted_at"] = now
    return launches


RECONCILED_COLUMNS = (
    "name",
    "execution_id",
    "flow_id",
    "flow_version",
    "launch_outcome",
    "launched_at",
    "server_launched_at",
    "status",
    "started",
    "finished",
    "finished_at",
    "error_code",
    "in_history",
    "history_started_at",
    "history_seen_at",
    "interval_start",
    "interval_end",
    "counted",
    "counted_at",
    "provisional",
    "finish_delay_s",
    "history_delay_s",
    "count_delay_s",
)


def reconcile_executions(
    ledger_or_frame: Ledger | pd.DataFrame,
    executions: Any = None,
    history: Any = None,
    aggregates: Any = None,
    now: Any = None,
    *,
    granularity: str | timedelta | None = None,
    provisional_after: timedelta = PROVISIONAL_AFTER,
) -> pd.DataFrame:
    """Join each launch in the ledger with what the API shows about it, one row per launch.

    Parameters
    ----------
    ledger_or_frame
        A :class:`Ledger` or its ``frame()``.
    executions, history, aggregates
        Results of ``GET /api/v2/flows/executions/{id}``,
        ``POST /api/v2/flows/instances/query`` and
        ``POST /api/v2/analytics/flowexecutions/aggregates/query`` as models, raw JSON
        or the frames of the matching builders. ``None`` means "not checked": the
        ledger's recorded values are used and unknown ones stay ``<NA>``.
    now
        The time of the observation (default: the current time), used for
        ``history_seen_at`` and ``counted_at`` when the ledger has none, and for
        ``provisional``.
    granularity
        Bucket length for launches outside every aggregate interval, as a timedelta or an
        ISO-8601 duration such as ``PT1H``. The default is the most common aggregate
        interval length, else one hour.
    provisional_after
        How long after its end an interval's counts are taken as final.

    Returns
    -------
    pandas.DataFrame
        The ledger's ``name``, ``execution_id``, ``flow_id``, ``flow_version``,
        ``launch_outcome`` and ``launched_at`` come first, then ``server_launched_at``
        (the execution's ``dateLaunched``, NaT when not polled). ``status`` is categorical:
        the polled status, else the recorded one. ``started`` is true for any status
        but UNKNOWN, a completion time or a history record, and ``finished`` for a
        terminal status. Then come ``finished_at``, ``error_code``, ``in_history``,
        ``history_started_at`` (the record's start time) and ``history_seen_at``.
        ``interval_start`` and ``interval_end`` are the aggregate bucket of the server
        launch time, or of ``launched_at`` when the execution was not polled.
        ``counted`` is ``True`` when the bucket's ``nFlowExecutions`` covers every launch
        in it, ``False`` when the bucket is empty, and ``<NA>`` when it is partly filled
        or was not checked. ``counted_at`` and ``provisional`` follow.
        ``finish_delay_s`` is float seconds from the server launch time (else
        ``launched_at``) to completion. ``history_delay_s`` and ``count_delay_s`` are
        float seconds from ``launched_at`` to when flowwidgets first saw the execution
        in history and in analytics. The last two are upper bounds when this call saw
        it first. Datetimes are UTC.
    """
    observed_at = utc_timestamp(now).tz_convert("UTC")
    launches = _ledger_frame(ledger_or_frame)

    polled = _as_frame(executions, executions_frame) if executions is not None else None
    records = _as_frame(history, history_frame) if history is not None else None
    counts = _as_frame(aggregates, aggregates_frame) if aggregates is not None else None

    # NOTE: Genesys does not document which timestamp it buckets an execution by, so
    # launches are bucketed by launch time. Ungrouped aggregates count every flow together.
    keyed = counts is not None and bool(counts["flow_id"].notna().any())
    launches[_KEY] = _flow_key(launches, keyed)
    buckets = _buckets(counts, keyed) if counts is not None else None
    empty_counts = aggregates_frame(None)
    step = _granularity(counts if counts is not None else empty_counts, granularity)

    launches["server_launched_at"] = pd.Series(pd.NaT, index=launches.index, dtype=UTC_DTYPE)
    if polled is not None:
        launches = _merge_executions(launches, polled)
    launches["status"] = status_categorical(launches["status"].astype(object))
    launches = _merge_history(launches, records, observed_at)
    launches = _assign_intervals(
        launches, buckets if buckets is not None else _buckets(empty_counts, False), step
    )
    launches = _merge_counts(launches, buckets, observed_at)

    status = launches["status"].astype(object)
    launches["finished"] = status.isin(TERMINAL_STATUSES).astype(bool)
    launches["started"] = (
        (status.notna() & (status != "UNKNOWN"))
        | launches["in_history"].fillna(False).astype(bool)
        | launches["finished_at"].notna()
    ).astype(bool)
    launches["provisional"] = (launches["interval_end"] > observed_at - provisional_after).astype(
        bool
    )
    # Both completion and server launch time come from the server clock, so local clock
    # skew does not enter the run time.
    server_start = launches["server_launched_at"].fillna(launches["launched_at"])
    launches["finish_delay_s"] = (launches["finished_at"] - server_start).dt.total_seconds()
    launches["history_delay_s"] = (
        launches["history_seen_at"] - launches["launched_at"]
    ).dt.total_seconds()
    launches["count_delay_s"] = (
        launches["counted_at"] - launches["launched_at"]
    ).dt.total_seconds()
    return launches[list(RECONCILED_COLUMNS)]


def reconcile_intervals(
    ledger_or_frame: Ledger | pd.DataFrame,
    executions: Any = None,
    history: Any = None,
    aggregates: Any = None,
    now: Any = None,
    *,
    granularity: str | timedelta | None = None,
    provisional_after: timedelta = PROVISIONAL_AFTER,
) -> pd.DataFrame:
    """Compare launches with ``nFlowExecutions`` counts, one row per interval (and flow).

    Takes the same arguments as :func:`reconcile_executions`. Intervals are the buckets
    of the aggregates, plus ``granularity`` buckets for launches outside them. Rows are
    per flow when the aggregates were grouped by ``flowId`` (``flow_id`` is ``<NA>``
    otherwise).

    ``ledger_or_frame`` may also be the result of :func:`reconcile_executions` for the
    same aggregates, which saves reconciling every launch a second time. ``executions``
    and ``history`` are then not read again.

    Returns
    -------
    pandas.DataFrame
        The bucket is ``interval_start``, ``interval_end`` (UTC) and ``flow_id``.
        Integer counts follow: ``launched`` (launches whose request did not fail),
        ``launch_failed``, ``started``, ``finished``, ``failed`` (ERROR, FAILED or
        TERMINATED) and ``in_history``. ``counted`` is the bucket's ``nFlowExecutions``
        (``<NA>`` without aggregates). ``missing`` is launched minus counted and
        ``extra`` is counted minus launched, both at least 0. Extra executions come from
        other callers such as Architect or another tool. ``provisional`` means the
        interval ended less than ``provisional_after`` before ``now``, so Genesys may
        still restate its counts.
    """
    observed_at = utc_timestamp(now).tz_convert("UTC")
    reconciled: pd.DataFrame
    if isinstance(ledger_or_frame, pd.DataFrame) and set(RECONCILED_COLUMNS).issubset(
        ledger_or_frame.columns
    ):
        reconciled = ledger_or_frame
    else:
        reconciled = reconcile_executions(
            ledger_or_frame,
            executions,
            history,
            aggregates,
            observed_at,
            granularity=granularity,
            provisional_after=provisional_after,
        )
    counts = _as_frame(aggregates, aggregates_frame) if aggregates is not None else None
    keyed = counts is not None and bool(counts["flow_id"].notna().any())

    frame = pd.DataFrame(
        {
            _KEY: _flow_key(reconciled, keyed),
            "interval_start": reconciled["interval_start"],
            "interval_end": reconciled["interval_end"],
            "launched": (reconciled["launch_outcome"].astype(object) != "error").astype(int),
            "launch_failed": (reconciled["launch_outcome"].astype(object) == "error").astype(int),
            "started": reconciled["started"].astype(int),
            "finished": reconciled["finished"].astype(int),
            "failed": reconciled["status"].astype(object).isin(_FAILED_STATUSES).astype(int),
            "in_history": reconciled["in_history"].fillna(False).astype(int),
        }
    ).dropna(subset=["interval_start"])
    keys = [_KEY, "interval_start", "interval_end"]
    grouped = frame.groupby(keys, as_index=False).sum()

    if counts is not None:
        buckets = _buckets(counts, keyed)
        grouped = grouped.merge(buckets, on=keys, how="outer")
        tallies = ["launched", "launch_failed", "started", "finished", "failed", "in_history"]
        grouped[tallies] = grouped[tallies].fillna(0)
        grouped["counted"] = grouped["bucket_count"].fillna(0).astype("Int64")
        grouped = grouped.drop(columns=["bucket_count"])
    else:
        grouped["counted"] = pd.Series(pd.NA, index=grouped.index, dtype="Int64")

    for column in ("launched", "launch_failed", "started", "finished", "failed", "in_history"):
        grouped[column] = grouped[column].astype("int64")
    grouped["missing"] = (grouped["launched"] - grouped["counted"]).clip(lower=0).astype("Int64")
    grouped["extra"] = (grouped["counted"] - grouped["launched"]).clip(lower=0).astype("Int64")
    grouped["provisional"] = (grouped["interval_end"] > observed_at - provisional_after).astype(
        bool
    )
    grouped["flow_id"] = (
        grouped[_KEY].where(grouped[_KEY] != "", None).astype(STRING_DTYPE)
        if keyed
        else (pd.Series(pd.NA, index=grouped.index, dtype=STRING_DTYPE))
    )
    columns = [
        "interval_start",
        "interval_end",
        "flow_id",
        "launched",
        "launch_failed",
        "started",
        "finished",
        "failed",
        "in_history",
        "counted",
        "missing",
        "extra",
        "provisional",
    ]
    result = grouped[columns].sort_values(["interval_start", "flow_id"], kind="stable")
    result["interval_start"] = result["interval_start"].astype(UTC_DTYPE)
    result["interval_end"] = result["interval_end"].astype(UTC_DTYPE)
    return result.reset_index(drop=True)
