"""Find out whether a launch with an unknown outcome ran, and launch at most once per name.

A launch ``POST /api/v2/flows/executions`` whose connection drops after the
request was sent may or may not have started an execution. The client never
re-sends it and raises :class:`~flowwidgets.api.LaunchOutcomeUnknownError`
with the execution name it sent. :func:`find_launch` looks that name up, and
:func:`launch_once` uses the lookup so that retrying a launch starts at most
one execution per name.

The launch ledger is duck-typed (see :class:`LaunchLedger`) so this module
does not import :mod:`flowwidgets.analytics` and with it pandas.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from enum import Enum
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from flowwidgets.api import Execution, ExecutionHistoryRecord, GenesysClient, LaunchResult

__all__ = [
    "LaunchLedger",
    "LaunchLookup",
    "LookupState",
    "find_launch",
    "launch_once",
]

logger = logging.getLogger("flowwidgets.recovery")

#: How far back a history query looks when the caller gives no ``since`` and the ledger has no
#: launch time: execution history keeps runs for 10 days, so older runs cannot be found anyway.
HISTORY_LOOKBACK = timedelta(days=10)

#: Margin around the launch time when querying history, for clock skew between this machine and
#: Genesys Cloud.
CLOCK_SKEW_MARGIN = timedelta(minutes=5)

#: How long after ``since`` a launch can have started. It covers the client's 429 waits (120 s by
#: default) plus the clock skew margin, with room to spare.
LAUNCH_WINDOW = timedelta(minutes=10)

#: Maximum number of runs one execution-history query returns.
HISTORY_MAX_RESULTS = 200

#: Narrowest time window the history search splits down to. When 200 runs of one flow start
#: within it, the search cannot list them all.
MIN_HISTORY_WINDOW = timedelta(milliseconds=1)


class LaunchLedger(Protocol):
    """The part of :class:`flowwidgets.analytics.Ledger` that recovery needs."""

    def find_by_name(self, name: str) -> Any:
        """Return the ledger row of the launch named ``name``, or None."""

    def record_launch(self, name: str, flow_id: str, **fields: Any) -> Any:
        """Record a launch before it is sent (outcome ``pending``)."""

    def record_outcome(self, name: str, outcome: str, **fields: Any) -> Any:
        """Record the outcome of the launch call named ``name``."""


class LookupState(str, Enum):
    """Whether :func:`find_launch` found the execution started by a launch."""

    FOUND = "found"
    NOT_FOUND = "not-found"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class LaunchLookup:
    """Result of looking up a launch by its execution name.

    ``state`` is ``NOT_FOUND`` only when execution history is enabled, the
    flow was republished after it was enabled, and every history query of the
    search window returned all its runs. Every other miss is ``UNKNOWN``,
    because the launch may have run without leaving a trace that the API can
    show.
    """

    name: str
    flow_id: str
    state: LookupState
    execution_id: str | None = None
    execution: Execution | None = None
    history_record: ExecutionHistoryRecord | None = None
    source: str | None = None
    detail: str = ""

    @property
    def found(self) -> bool:
        """True when the execution started by this launch was found."""
        return self.state is LookupState.FOUND


async def find_launch(
    client: GenesysClient,
    name: str,
    *,
    flow_id: str,
    ledger: LaunchLedger | None = None,
    since: datetime | None = None,
) -> LaunchLookup:
    """Look up the execution started by the launch named ``name``.

    The ledger is read first: a row that contains an execution id is confirmed
    with ``GET /api/v2/flows/executions/{flowExecutionId}``. Otherwise, when
    execution data is enabled (``GET /api/v2/flows/instances/settings/executiondata``),
    execution history is searched with ``POST /api/v2/flows/instances/query`` for
    a run of ``flow_id`` with this name that started from five minutes before
    ``since`` (clock skew) to ten minutes after it.

    Parameters
    ----------
    client : GenesysClient
        Connection to the org the launch was sent to.
    name : str
        Execution name sent with the launch (``LaunchOutcomeUnknownError.execution_name``).
    flow_id : str
        Flow the launch was for.
    ledger : LaunchLedger, optional
        Launch ledger that may hold the execution id or the launch time.
    since : datetime, optional
        Time the launch was sent (timezone-aware); defaults to the ledger's
        launch time. Without either, the last 10 days are searched.

    Returns
    -------
    LaunchLookup
        ``FOUND`` with the execution id, ``NOT_FOUND`` only when history proves
        the launch did not run, else ``UNKNOWN`` with the reason in ``detail``.
    """
    from flowwidgets.api import NotFoundError

    row = ledger.find_by_name(name) if ledger is not None else None
    execution_id = _row_value(row, "execution_id", "id")
    if execution_id:
        try:
            execution = await client.get_execution(execution_id)
        except NotFoundError:
            logger.warning(
                "ledger names execution %s for launch %r but the API returns 404 for it",
                execution_id,
                name,
            )
        else:
            return LaunchLookup(
                name=name,
                flow_id=flow_id,
                state=LookupState.FOUND,
                execution_id=execution.id,
                execution=execution,
                source="ledger",
                detail="the ledger contains the execution id and the execution exists",
            )

    if since is None:
        since = _row_datetime(row, "launched_at")
    return await _find_in_history(client, name, flow_id=flow_id, since=since)


async def _find_in_history(
    client: GenesysClient, name: str, *, flow_id: str, since: datetime | None
) -> LaunchLookup:
    setting = await client.get_execution_data_setting()
    if not setting.enabled:
        return LaunchLookup(
            name=name,
            flow_id=flow_id,
            state=LookupState.UNKNOWN,
            detail=(
                "execution history is disabled for this org, so a launch whose response was lost "
                "cannot be looked up by name; check the flow's outputs or enable execution data "
                "and republish the flow"
            ),
        )

    if since is None:
        start = datetime.now(timezone.utc) - HISTORY_LOOKBACK
        end = datetime.now(timezone.utc) + CLOCK_SKEW_MARGIN
    else:
        start = since - CLOCK_SKEW_MARGIN
        end = since + LAUNCH_WINDOW
    record, complete = await _search_history(client, name, flow_id, start, end)
    if record is not None:
        # NOTE: Genesys does not document that a history record's id equals the execution id
        # the launch returned; the sandbox uses one id for both.
        return LaunchLookup(
            name=name,
            flow_id=flow_id,
            state=LookupState.FOUND,
            execution_id=record.id,
            history_record=record,
            source="history",
            detail="execution history contains a run with this name",
        )

    # NOTE: whether a fresh run shows in execution history at once is undocumented; the sandbox
    # shows it at once. A miss is NOT_FOUND only when the flow is known to be recorded at all.
    republished = await _republished_after_enabling(client, flow_id, setting)
    if not republished:
        return LaunchLookup(
            name=name,
            flow_id=flow_id,
            state=LookupState.UNKNOWN,
            detail=(
                "execution history is enabled but the flow was not republished after it was "
                "enabled, so its runs are not recorded; republish the flow"
            ),
        )
    if not complete:
        return LaunchLookup(
            name=name,
            flow_id=flow_id,
            state=LookupState.UNKNOWN,
            detail=(
                f"more than {HISTORY_MAX_RESULTS} runs of flow {flow_id} started in the same "
                "moment, so execution history cannot list them all"
            ),
        )
    return LaunchLookup(
        name=name,
        flow_id=flow_id,
        state=LookupState.NOT_FOUND,
        detail=(
            f"execution history contains no run of flow {flow_id} named {name!r} "
            f"between {_iso(start)} and {_iso(end)}"
        ),
    )


async def _search_history(
    client: GenesysClient, name: str, flow_id: str, start: datetime, end: datetime
) -> tuple[ExecutionHistoryRecord | None, bool]:
    """Search history runs of ``flow_id`` that started in [start, end] for ``name``.

    A query returns at most 200 runs with no promise of which ones, so a window
    whose query returns 200 runs is split into two halves until every query
    returns fewer. Returns the record (or None) and whether every window was
    complete.
    """
    windows = [(start, end)]
    complete = True
    while windows:
        window_start, window_end = windows.pop()
        criteria = [
            {"key": "FlowId", "operator": "eq", "value": flow_id},
            {"key": "FlowStartDateTime", "operator": "gte", "value": _iso(window_start)},
            {"key": "FlowStartDateTime", "operator": "lte", "value": _iso(window_end)},
        ]
        query = {"query": [{"and": criteria}]}
        records = await client.query_flow_instances(query, page_size=HISTORY_MAX_RESULTS)
        for record in records:
            if record.name == name:
                return record, complete
        if len(records) < HISTORY_MAX_RESULTS:
            continue
        if window_end - window_start <= MIN_HISTORY_WINDOW:
            complete = False
            continue
        middle = window_start + (window_end - window_start) / 2
        windows.append((middle, window_end))
        windows.append((window_start, middle))
    return None, complete


async def _republished_after_enabling(client: GenesysClient, flow_id: str, setting: Any) -> bool:
    enabled_at = getattr(setting, "date_modified", None)
    if enabled_at is None:
        return False
    flow = await client.get_flow(flow_id)
    published = flow.published_version
    published_at = None
    if published is not None:
        published_at = published.date_published or published.date_created
    return published_at is not None and published_at >= enabled_at


async def launch_once(
    client: GenesysClient,
    flow_id: str,
    input_data: Mapping[str, Any] | None,
    *,
    name: str,
    ledger: LaunchLedger,
    flow_version: str | None = None,
    since: datetime | None = None,
) -> LaunchResult:
    """Launch ``flow_id`` with ``POST /api/v2/flows/executions`` at most once per ``name``.

    The launch is written to the ledger before it is sent. Calling this again
    with the same name does not launch again when the ledger already contains the
    execution id, or when :func:`find_launch` finds the execution; it launches
    again only when the earlier launch is proven not to have run (it failed
    with an API error, or execution history shows no run with this name).

    Parameters
    ----------
    client : GenesysClient
        Connection to the org.
    flow_id : str
        Workflow to launch.
    input_data : Mapping, optional
        ``inputData`` of the launch, keys with the ``Flow.`` prefix.
    name : str
        Execution name, unique per intended run (e.g. derived from the business key).
    ledger : LaunchLedger
        Launch ledger that remembers every launch across kernel restarts.
    flow_version : str, optional
        Version to run; the published version when omitted.
    since : datetime, optional
        Passed to :func:`find_launch` when an earlier outcome is unknown.

    Returns
    -------
    LaunchResult
        The launch response, or one rebuilt from the execution that an earlier
        launch with this name started.

    Raises
    ------
    LaunchOutcomeUnknownError
        The launch may have run and the API cannot show whether it did. Calling
        again with the same name looks it up again and launches only when
        execution history proves that it did not run; without execution
        history, check the workflow's own side effects before launching under
        a new name.
    ApiConnectionError
        The connection failed before the launch was sent, so nothing ran;
        calling again with the same name launches.
    ApiError
        The launch was rejected; the ledger records the error code.
    RuntimeError
        A launch with this name is already being sent by this process.

    Notes
    -----
    The at-most-once guarantee holds for one process per ledger, and it
    assumes that execution history lists a run as soon as it starts, which
    Genesys does not document.
    """
    if name in _IN_FLIGHT:
        raise RuntimeError(
            f"a launch named {name!r} is already in progress in this process; await it instead "
            "of launching again"
        )
    _IN_FLIGHT.add(name)
    try:
        return await _launch_once(
            client, flow_id, input_data, name=name, ledger=ledger, flow_version=flow_version,
            since=since,
        )
    finally:
        _IN_FLIGHT.discard(name)


#: Names of the launches that :func:`launch_once` is sending in this process right now.
# NOTE: two processes sharing one ledger can still race on a ``pending`` row, because the second
# one finds no execution yet and may launch again. Use one process per ledger for batch launches.
_IN_FLIGHT: set[str] = set()


async def _launch_once(
    client: GenesysClient,
    flow_id: str,
    input_data: Mapping[str, Any] | None,
    *,
    name: str,
    ledger: LaunchLedger,
    flow_version: str | None,
    since: datetime | None,
) -> LaunchResult:
    from flowwidgets.api import ApiConnectionError, ApiError, LaunchOutcomeUnknownError

    row = ledger.find_by_name(name)
    if row is not None:
        previous = await _previous_launch(
            client, row, name=name, flow_id=flow_id, ledger=ledger, since=since
        )
        if previous is not None:
            return previous
        ledger.record_outcome(name, "pending")
    else:
        ledger.record_launch(
            name,
            flow_id,
            flow_version=flow_version,
            inputs=dict(input_data or {}),
            region=getattr(client.region, "domain", None),
        )

    try:
        result = await client.launch_flow(flow_id, dict(input_data or {}), flow_version, name)
    except LaunchOutcomeUnknownError:
        ledger.record_outcome(name, "outcome-unknown")
        logger.warning("launch %r of flow %s has an unknown outcome; looking it up", name, flow_id)
        lookup = await find_launch(client, name, flow_id=flow_id, ledger=ledger, since=since)
        if lookup.found:
            return _record_found(ledger, lookup)
        raise
    except ApiError as error:
        ledger.record_outcome(name, "error", error_code=error.code or str(error.status))
        raise
    except ApiConnectionError:
        # The connection failed before the request went out, so nothing was launched.
        ledger.record_outcome(name, "error", error_code="connection-failed")
        raise

    ledger.record_outcome(name, "ok", execution_id=result.id, flow_version=result.flow_version_id)
    return result


async def _previous_launch(
    client: GenesysClient,
    row: Any,
    *,
    name: str,
    flow_id: str,
    ledger: LaunchLedger,
    since: datetime | None,
) -> LaunchResult | None:
    """Return the earlier launch named ``name`` when it ran; None when it provably did not."""
    from flowwidgets.api import LaunchOutcomeUnknownError, LaunchResult

    execution_id = _row_value(row, "execution_id", "id")
    if execution_id:
        version = _row_value(row, "flow_version", "version")
        return LaunchResult.from_json(_launch_json(execution_id, name, flow_id, version))

    outcome = _row_value(row, "launch_outcome", "outcome")
    if outcome not in (None, "", "outcome-unknown", "pending", "unknown"):
        # The server returned an error for the earlier call, so nothing ran.
        return None

    lookup = await find_launch(client, name, flow_id=flow_id, ledger=ledger, since=since)
    if lookup.found:
        return _record_found(ledger, lookup)
    if lookup.state is LookupState.NOT_FOUND:
        logger.info("launch %r of flow %s did not run; launching it again", name, flow_id)
        return None
    raise LaunchOutcomeUnknownError(
        execution_name=name,
        flow_id=flow_id,
        reason=f"an earlier launch with this name was not confirmed ({lookup.detail})",
    )


def _record_found(ledger: LaunchLedger, lookup: LaunchLookup) -> LaunchResult:
    from flowwidgets.api import LaunchResult

    version = None
    if lookup.execution is not None and lookup.execution.flow_version is not None:
        version = getattr(lookup.execution.flow_version, "id", None)
    elif lookup.history_record is not None:
        version = lookup.history_record.flow_version
    ledger.record_outcome(lookup.name, "ok", execution_id=lookup.execution_id, flow_version=version)
    assert lookup.execution_id is not None
    return LaunchResult.from_json(
        _launch_json(lookup.execution_id, lookup.name, lookup.flow_id, version)
    )


def _launch_json(execution_id: str, name: str, flow_id: str, version: str | None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": execution_id,
        "name": name,
        "selfUri": f"/api/v2/flows/executions/{execution_id}",
    }
    if version:
        data["flowVersion"] = {
            "id": version,
            "name": version,
            "selfUri": f"/api/v2/flows/{flow_id}/versions/{version}",
        }
    return data


def _row_value(row: Any, *keys: str) -> Any:
    if row is None:
        return None
    for key in keys:
        if isinstance(row, Mapping):
            if row.get(key) is not None:
                return row[key]
        elif getattr(row, key, None) is not None:
            return getattr(row, key)
    return None


def _row_datetime(row: Any, *keys: str) -> datetime | None:
    value = _row_value(row, *keys)
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    return None


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
