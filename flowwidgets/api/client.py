"""The asynchronous Genesys Cloud Platform API client."""

from __future__ import annotations

import asyncio
import logging
import os
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from typing import Any, TypeVar
from urllib.parse import quote

import httpx

from flowwidgets.api._hosts import domain_of_host
from flowwidgets.api.auth import TOKEN_PATH, BearerToken, ClientCredentials, login_base_url_for
from flowwidgets.api.errors import (
    ApiConnectionError,
    ConfigurationError,
    LaunchOutcomeUnknownError,
    RateLimitError,
    correlation_id_of,
    error_from_response,
    invalid_response,
    parse_retry_after,
)
from flowwidgets.api.models import (
    AggregateResult,
    Execution,
    ExecutionDataSetting,
    ExecutionHistoryRecord,
    Flow,
    FlowVersion,
    LaunchResult,
    ModelError,
    Organization,
    TokenInfo,
)
from flowwidgets.api.regions import Region, region_for_domain, resolve_region
from flowwidgets.api.retries import (
    DEFAULT_MAX_RETRIES,
    RETRYABLE_STATUSES,
    RetryWait,
    backoff_delay,
    rate_limit_delay,
)

__all__ = ["GenesysClient"]

logger = logging.getLogger("flowwidgets.api")

T = TypeVar("T")

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})

# A launch whose connection failed before the request left the machine: nothing ran.
_NOT_SENT_ERRORS = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)

DEFAULT_TIMEOUT = httpx.Timeout(30.0)


def _query_value(value: Any) -> str:
    """Encode a query value as the Genesys SDKs do: booleans lower-case, lists comma-joined."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple, set, frozenset)):
        return ",".join(_query_value(item) for item in value)
    return str(value)


def _query(**values: Any) -> dict[str, str]:
    """Build query parameters from the values the caller set, leaving out the None ones."""
    return {name: _query_value(value) for name, value in values.items() if value is not None}


def _as_list(value: str | Iterable[str] | None) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return [value]
    return list(value)


class GenesysClient:
    """Asynchronous client for one Genesys Cloud org, on one ``httpx.AsyncClient``.

    Parameters
    ----------
    region
        Region name, domain, API URL or :class:`Region`; defaults to ``mypurecloud.com`` when
        neither ``region`` nor ``api_host`` is given.
    auth
        :class:`ClientCredentials` or :class:`BearerToken` (any ``httpx.Auth`` works).
    api_host
        Base URL that overrides the region's API host, e.g. ``"http://127.0.0.1:8765"`` or
        ``"https://api.new-region.example"``. The login host is the same host, unless it starts
        with ``api.``, then it is ``login.`` plus the rest.
    transport
        ``httpx.AsyncBaseTransport`` to send requests through, e.g.
        ``httpx.ASGITransport(app=sandbox.app)``.
    max_retry_wait
        Total seconds the client may wait on 429 responses within one call before it raises
        :class:`RateLimitError`.
    on_wait
        Called with a :class:`RetryWait` before every wait (429, 5xx, connection retry).
    max_retries
        Re-sends after a 502/503/504 response or a connection error, for idempotent requests.
    sleep
        Coroutine function used to wait; tests replace it to record the delays.
    timeout
        ``httpx`` timeout for every request.
    """

    def __init__(
        self,
        region: str | Region | None = None,
        auth: httpx.Auth | None = None,
        *,
        api_host: str | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        max_retry_wait: float = 120.0,
        on_wait: Callable[[RetryWait], Any] | None = None,
        max_retries: int = DEFAULT_MAX_RETRIES,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
    ) -> None:
        if auth is None:
            raise ConfigurationError(
                "GenesysClient needs auth=ClientCredentials(client_id, client_secret) or "
                "auth=BearerToken(access_token)."
            )
        self.region, self.api_base_url = _resolve_hosts(region, api_host)
        self.login_base_url = (
            auth.login_base_url(self.api_base_url)
            if isinstance(auth, ClientCredentials)
            else login_base_url_for(self.api_base_url)
        )
        self.auth = auth
        self.max_retry_wait = max_retry_wait
        self.max_retries = max_retries
        self.on_wait = on_wait
        self.rate_limit_events: list[RetryWait] = []
        self.sandbox: Any = None
        self._sleep = sleep
        self._http = httpx.AsyncClient(
            base_url=self.api_base_url,
            auth=auth,
            transport=transport,
            timeout=timeout,
            headers={"Accept": "application/json", "User-Agent": "flowwidgets"},
        )

    def __repr__(self) -> str:
        return (
            f"GenesysClient(region={self.region.domain!r}, api_base_url={self.api_base_url!r}, "
            f"auth={self.auth!r})"
        )

    @classmethod
    def from_env(
        cls,
        transport: httpx.AsyncBaseTransport | None = None,
        env: Mapping[str, str] | None = None,
        **options: Any,
    ) -> GenesysClient:
        """Create a client from the environment variables the Genesys tools use.

        ``GENESYSCLOUD_REGION`` (name or domain) is required. ``GENESYSCLOUD_ACCESS_TOKEN``, if
        set, is used as a :class:`BearerToken`; otherwise ``GENESYSCLOUD_OAUTHCLIENT_ID`` and
        ``GENESYSCLOUD_OAUTHCLIENT_SECRET`` give :class:`ClientCredentials`.

        Parameters
        ----------
        transport
            Passed to the client.
        env
            Mapping to read instead of ``os.environ``.
        **options
            Other keyword arguments of :class:`GenesysClient`.

        Raises
        ------
        ConfigurationError
            If the region or the credentials are missing; the message names the variables.
        """
        env = os.environ if env is None else env
        region = env.get("GENESYSCLOUD_REGION", "").strip()
        if not region:
            raise ConfigurationError(
                "GENESYSCLOUD_REGION is not set; set it to the region of your org, e.g. "
                "'us-east-1' or 'mypurecloud.com'."
            )

        token = env.get("GENESYSCLOUD_ACCESS_TOKEN", "").strip()
        client_id = env.get("GENESYSCLOUD_OAUTHCLIENT_ID", "").strip()
        secret = env.get("GENESYSCLOUD_OAUTHCLIENT_SECRET", "").strip()
        auth: httpx.Auth
        if token:
            auth = BearerToken(token, region=region)
        elif client_id and secret:
            auth = ClientCredentials(client_id, secret)
        else:
            raise ConfigurationError(
                "No credentials in the environment: set GENESYSCLOUD_OAUTHCLIENT_ID and "
                "GENESYSCLOUD_OAUTHCLIENT_SECRET, or GENESYSCLOUD_ACCESS_TOKEN."
            )
        return cls(region=region, auth=auth, transport=transport, **options)

    async def __aenter__(self) -> GenesysClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the underlying ``httpx.AsyncClient`` and its connections."""
        await self._http.aclose()

    # -- low level -------------------------------------------------------------------------

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        idempotent: bool | None = None,
    ) -> httpx.Response:
        """Send a request to the API host and return its 2xx response, retrying where safe.

        Parameters
        ----------
        method, path
            E.g. ``"GET"``, ``"/api/v2/flows"``.
        params
            Query parameters; None values are left out.
        json
            JSON body.
        idempotent
            Whether the request may be re-sent after a 5xx response or a connection error;
            by default true for GET, HEAD, OPTIONS, PUT and DELETE. 429 responses are always
            waited out, because the server did not process the request.

        Raises
        ------
        ApiError
            A subclass matching the error status, e.g. :class:`NotFoundError`.
        RateLimitError
            When 429 responses would need more than ``max_retry_wait`` seconds in total.
        ApiConnectionError
            When the host cannot be reached after the retries.
        """
        if idempotent is None:
            idempotent = method.upper() in IDEMPOTENT_METHODS
        return await self._send(method, path, params=params, json=json, idempotent=idempotent)

    async def _send(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        idempotent: bool,
        launch: tuple[str, str] | None = None,
    ) -> httpx.Response:
        """Send with retries; ``launch`` is (flow id, execution name) for a launch POST."""
        query = {k: _query_value(v) for k, v in (params or {}).items() if v is not None}
        url = str(self._http.base_url.join(path))
        attempt = 0
        failures = 0
        rate_limited = 0
        waited = 0.0
        retry_after_seen: list[float | None] = []

        while True:
            attempt += 1
            response: httpx.Response | None
            try:
                response = await self._request_once(method, path, query, json)
            except RateLimitError as exc:
                # The token endpoint responded with 429 while the auth flow fetched a token.
                response = None
                rate_limit_error: RateLimitError | None = exc
            except httpx.TransportError as exc:
                failures += 1
                if launch is not None:
                    raise _launch_transport_error(exc, launch, method, url) from exc
                if not idempotent or failures > self.max_retries:
                    raise _connection_error(exc, method, url, attempt) from exc
                await self._wait(
                    RetryWait(
                        "connection-error",
                        backoff_delay(failures),
                        attempt,
                        method,
                        url,
                        None,
                        None,
                    )
                )
                continue
            else:
                rate_limit_error = None

            if response is not None and response.is_success:
                return response

            status = 429 if response is None else response.status_code
            if status == 429:
                retry_after = (
                    rate_limit_error.retry_after
                    if rate_limit_error is not None
                    else _retry_after(response)
                )
                rate_limited += 1
                retry_after_seen.append(retry_after)
                delay = rate_limit_delay(retry_after, rate_limited)
                wait = RetryWait("rate-limited", delay, attempt, method, url, 429, retry_after)
                self.rate_limit_events.append(wait)
                if waited + delay > self.max_retry_wait:
                    raise self._rate_limit_error(
                        response, rate_limit_error, retry_after_seen, waited
                    )
                await self._wait(wait)
                waited += delay
                continue

            assert response is not None
            if status in RETRYABLE_STATUSES:
                # NOTE: whether Genesys can have started a launch that got 502/503/504 is
                # undocumented, so the outcome is reported as unknown rather than as failed.
                if launch is not None:
                    raise LaunchOutcomeUnknownError(
                        flow_id=launch[0],
                        execution_name=launch[1],
                        reason=f"the gateway responded with HTTP {status}",
                        status=status,
                    )
                failures += 1
                if idempotent and failures <= self.max_retries:
                    retry_after = _retry_after(response)
                    delay = retry_after if retry_after is not None else backoff_delay(failures)
                    await self._wait(
                        RetryWait("server-error", delay, attempt, method, url, status, retry_after)
                    )
                    continue

            raise error_from_response(response, api_base_url=self.api_base_url)

    async def _request_once(
        self, method: str, path: str, query: dict[str, str], json: Any
    ) -> httpx.Response:
        started = time.monotonic()
        response = await self._http.request(method, path, params=query, json=json)
        _log_response(response, started)
        return response

    def _rate_limit_error(
        self,
        response: httpx.Response | None,
        token_error: RateLimitError | None,
        retry_after_seen: list[float | None],
        waited: float,
    ) -> RateLimitError:
        if token_error is not None:
            token_error.retry_after_seen = list(retry_after_seen)
            token_error.waited = waited
            return token_error
        assert response is not None
        error = error_from_response(
            response,
            api_base_url=self.api_base_url,
            retry_after_seen=retry_after_seen,
            waited=waited,
        )
        assert isinstance(error, RateLimitError)
        return error

    async def _wait(self, wait: RetryWait) -> None:
        level = logging.WARNING if wait.reason == "rate-limited" else logging.INFO
        logger.log(
            level,
            "%s %s: %s (HTTP %s, Retry-After %s); waiting %.1f s before attempt %d",
            wait.method,
            wait.url,
            wait.reason,
            wait.status if wait.status is not None else "-",
            wait.retry_after if wait.retry_after is not None else "-",
            wait.delay,
            wait.attempt + 1,
        )
        if self.on_wait is not None:
            self.on_wait(wait)
        await self._sleep(wait.delay)

    async def _get_json(
        self, path: str, endpoint: str, params: Mapping[str, Any] | None = None
    ) -> tuple[httpx.Response, dict[str, Any]]:
        response = await self._send("GET", path, params=params, idempotent=True)
        return response, _json_object(response, endpoint)

    # -- identity --------------------------------------------------------------------------

    async def get_token_info(self) -> TokenInfo:
        """Return the org and OAuth client of the token (``GET /api/v2/tokens/me``)."""
        endpoint = "GET /api/v2/tokens/me"
        response, body = await self._get_json("/api/v2/tokens/me", endpoint)
        return _build(TokenInfo.from_json, body, response, endpoint)

    async def get_organization(self) -> Organization:
        """Return the org of the token (``GET /api/v2/organizations/me``)."""
        endpoint = "GET /api/v2/organizations/me"
        response, body = await self._get_json("/api/v2/organizations/me", endpoint)
        return _build(Organization.from_json, body, response, endpoint)

    # -- flows -----------------------------------------------------------------------------

    async def iter_flows(
        self,
        type: str | Iterable[str] | None = None,
        name: str | None = None,
        include_schemas: bool = False,
        division_id: str | Iterable[str] | None = None,
        page_size: int | None = None,
    ) -> AsyncIterator[Flow]:
        """Iterate over the flows the OAuth client can see (``GET /api/v2/flows``), page by page.

        Parameters
        ----------
        type
            Flow type(s), e.g. ``"workflow"``; sent lower-case and comma-joined.
        name
            Flow name filter.
        include_schemas
            Ask for each flow's input and output schema.
        division_id
            Division id(s), comma-joined.
        page_size
            Flows per page; the server's default (25) when None.
        """
        types = _as_list(type)
        params = _query(
            type=[t.lower() for t in types] if types is not None else None,
            name=name,
            includeSchemas=True if include_schemas else None,
            divisionId=_as_list(division_id),
            pageSize=page_size,
        )
        async for flow in self._iter_pages(
            "/api/v2/flows", "GET /api/v2/flows", params, Flow.from_json
        ):
            yield flow

    async def list_flows(
        self,
        type: str | Iterable[str] | None = None,
        name: str | None = None,
        include_schemas: bool = False,
        division_id: str | Iterable[str] | None = None,
        page_size: int | None = None,
    ) -> list[Flow]:
        """Return every flow that matches (``GET /api/v2/flows``, all pages)."""
        flows = self.iter_flows(
            type=type,
            name=name,
            include_schemas=include_schemas,
            division_id=division_id,
            page_size=page_size,
        )
        return [flow async for flow in flows]

    async def get_flow(self, flow_id: str) -> Flow:
        """Return one flow with its versions (``GET /api/v2/flows/{flowId}``)."""
        endpoint = "GET /api/v2/flows/{flowId}"
        response, body = await self._get_json(f"/api/v2/flows/{_segment(flow_id)}", endpoint)
        return _build(Flow.from_json, body, response, endpoint)

    async def iter_flow_versions(self, flow_id: str) -> AsyncIterator[FlowVersion]:
        """Iterate over the versions of a flow (``GET /api/v2/flows/{flowId}/versions``)."""
        endpoint = "GET /api/v2/flows/{flowId}/versions"
        path = f"/api/v2/flows/{_segment(flow_id)}/versions"
        async for version in self._iter_pages(path, endpoint, {}, FlowVersion.from_json):
            yield version

    async def get_flow_version(self, flow_id: str, version_id: str) -> FlowVersion:
        """Return one version of a flow (``GET /api/v2/flows/{flowId}/versions/{versionId}``)."""
        endpoint = "GET /api/v2/flows/{flowId}/versions/{versionId}"
        path = f"/api/v2/flows/{_segment(flow_id)}/versions/{_segment(version_id)}"
        response, body = await self._get_json(path, endpoint)
        return _build(FlowVersion.from_json, body, response, endpoint)

    # -- executions ------------------------------------------------------------------------

    async def launch_flow(
        self,
        flow_id: str,
        input_data: Mapping[str, Any] | None = None,
        flow_version: str | None = None,
        name: str | None = None,
    ) -> LaunchResult:
        """Launch a workflow (``POST /api/v2/flows/executions``).

        The body has only ``flowId``, ``flowVersion``, ``inputData`` and ``name``, and fields
        left as None are not sent. The launch is never re-sent after a 5xx response or a lost
        connection. Only a 429 response is waited out and re-sent, because it means nothing ran.

        Parameters
        ----------
        flow_id
            The flow to launch.
        input_data
            Input values keyed by full variable name, e.g. ``{"Flow.email": "a@example.com"}``.
        flow_version
            Version to run; the latest published version when None.
        name
            Execution name; ``"flowwidgets-<uuid4>"`` when None, so every launch can be looked
            up by name later.

        Raises
        ------
        LaunchOutcomeUnknownError
            When the request was sent but the connection dropped, timed out, or a gateway
            responded with 502/503/504; it carries the execution name.
        """
        if not flow_id:
            raise ConfigurationError("launch_flow needs a flow id.")
        execution_name = name if name is not None else f"flowwidgets-{uuid.uuid4()}"
        body: dict[str, Any] = {"flowId": flow_id, "name": execution_name}
        if flow_version is not None:
            body["flowVersion"] = flow_version
        if input_data is not None:
            body["inputData"] = dict(input_data)

        endpoint = "POST /api/v2/flows/executions"
        response = await self._send(
            "POST",
            "/api/v2/flows/executions",
            json=body,
            idempotent=False,
            launch=(flow_id, execution_name),
        )
        return _build(LaunchResult.from_json, _json_object(response, endpoint), response, endpoint)

    async def get_execution(self, execution_id: str) -> Execution:
        """Return the status of one execution.

        Calls ``GET /api/v2/flows/executions/{flowExecutionId}``.
        """
        endpoint = "GET /api/v2/flows/executions/{flowExecutionId}"
        path = f"/api/v2/flows/executions/{_segment(execution_id)}"
        response, body = await self._get_json(path, endpoint)
        return _build(Execution.from_json, body, response, endpoint)

    # -- execution history and analytics ---------------------------------------------------

    async def get_execution_data_setting(self) -> ExecutionDataSetting:
        """Return whether the org records execution history.

        Calls ``GET /api/v2/flows/instances/settings/executiondata``.
        """
        endpoint = "GET /api/v2/flows/instances/settings/executiondata"
        response, body = await self._get_json(
            "/api/v2/flows/instances/settings/executiondata", endpoint
        )
        return _build(ExecutionDataSetting.from_json, body, response, endpoint)

    async def query_flow_instances(
        self, query: Mapping[str, Any], page_size: int | None = None
    ) -> list[ExecutionHistoryRecord]:
        """Query the execution history (``POST /api/v2/flows/instances/query``).

        Parameters
        ----------
        query
            A CriteriaQuery, e.g. ``{"query": [{"and": [{"key": "FlowId", "operator": "eq",
            "value": flow_id}]}]}``.
        page_size
            Results per page; the server's default (50) when None.

        Notes
        -----
        The server returns at most 200 records and does not promise the newest ones, so narrow
        the query by flow id and start time.
        """
        endpoint = "POST /api/v2/flows/instances/query"
        records: list[ExecutionHistoryRecord] = []
        params = _query(pageSize=page_size)
        cursor: str | None = None
        while True:
            page_params = {**params, "cursor": cursor} if cursor else params
            response = await self._send(
                "POST",
                "/api/v2/flows/instances/query",
                params=page_params,
                json=dict(query),
                idempotent=True,
            )
            body = _json_object(response, endpoint)
            for entity in _entities(body, response, endpoint):
                records.append(_build(ExecutionHistoryRecord.from_json, entity, response, endpoint))
            # NOTE: whether this query pages with a cursor is undocumented; one is followed if sent.
            next_cursor = body.get("cursor")
            if not isinstance(next_cursor, str) or not next_cursor or next_cursor == cursor:
                return records
            cursor = next_cursor

    async def query_flow_execution_aggregates(
        self,
        interval: str,
        *,
        group_by: Iterable[str] | None = None,
        filter: Mapping[str, Any] | None = None,
        granularity: str | None = None,
        time_zone: str | None = None,
        metrics: Iterable[str] = ("nFlowExecutions",),
    ) -> AggregateResult:
        """Count flow executions (``POST /api/v2/analytics/flowexecutions/aggregates/query``).

        Parameters
        ----------
        interval
            ISO-8601 interval, e.g. ``"2026-01-01T00:00:00Z/2026-01-02T00:00:00Z"``.
        group_by
            Dimensions such as ``["flowId"]``.
        filter
            An analytics filter object, e.g. ``{"type": "and", "predicates": [...]}``.
        granularity
            ISO-8601 period such as ``"PT1H"``; the whole interval when None.
        time_zone
            IANA name for the interval buckets; the server uses UTC when None.
        metrics
            Metric names; ``nFlowExecutions`` is the only one the endpoint has.
        """
        body: dict[str, Any] = {"interval": interval, "metrics": list(metrics)}
        if group_by is not None:
            body["groupBy"] = list(group_by)
        if filter is not None:
            body["filter"] = dict(filter)
        if granularity is not None:
            body["granularity"] = granularity
        if time_zone is not None:
            body["timeZone"] = time_zone

        endpoint = "POST /api/v2/analytics/flowexecutions/aggregates/query"
        response = await self._send(
            "POST", "/api/v2/analytics/flowexecutions/aggregates/query", json=body, idempotent=True
        )
        return _build(
            AggregateResult.from_json, _json_object(response, endpoint), response, endpoint
        )

    # -- paging ----------------------------------------------------------------------------

    async def _iter_pages(
        self,
        path: str,
        endpoint: str,
        params: Mapping[str, str],
        factory: Callable[[Any], T],
    ) -> AsyncIterator[T]:
        """Yield the entities of a page-number listing, one page request at a time.

        Stops after ``pageCount`` pages, or on a page without ``nextUri`` when the listing has
        no ``pageCount``, or on an empty page.
        """
        page_number = 1
        while True:
            response, body = await self._get_json(
                path, endpoint, {**params, "pageNumber": page_number}
            )
            entities = _entities(body, response, endpoint)
            for entity in entities:
                yield _build(factory, entity, response, endpoint)

            page_count = body.get("pageCount")
            served_page = body.get("pageNumber")
            last_page = max(page_number, served_page if isinstance(served_page, int) else 0)
            if not entities:
                return
            if isinstance(page_count, int) and last_page >= page_count:
                return
            if not isinstance(page_count, int) and not body.get("nextUri"):
                return
            page_number += 1

    async def iter_cursor(
        self,
        path: str,
        *,
        items_key: str = "entities",
        params: Mapping[str, Any] | None = None,
    ) -> AsyncIterator[dict[str, Any]]:
        """Iterate over a cursor listing: GET ``path`` again with each ``cursor`` the server sends.

        Parameters
        ----------
        path
            API path, e.g. ``"/api/v2/analytics/flowexecutions/aggregates/jobs/{jobId}/results"``.
        items_key
            Key of the item list in each response (``"entities"`` or ``"results"``).
        params
            Other query parameters.
        """
        endpoint = f"GET {path}"
        cursor: str | None = None
        while True:
            page_params = dict(params or {})
            if cursor:
                page_params["cursor"] = cursor
            response, body = await self._get_json(path, endpoint, page_params)
            items = body.get(items_key) or []
            if not isinstance(items, list):
                raise invalid_response(response, endpoint, f"'{items_key}' is not a list")
            for item in items:
                yield item
            next_cursor = body.get("cursor")
            if not isinstance(next_cursor, str) or not next_cursor or next_cursor == cursor:
                return
            cursor = next_cursor


def _resolve_hosts(region: str | Region | None, api_host: str | None) -> tuple[Region, str]:
    if api_host is None:
        resolved = resolve_region(region if region is not None else "mypurecloud.com")
        return resolved, resolved.api_base_url

    text = api_host.strip().rstrip("/")
    if "://" not in text:
        text = "https://" + text
    url = httpx.URL(text)
    if not url.host:
        raise ConfigurationError(
            f"Invalid api_host {api_host!r}; expected a base URL such as 'http://127.0.0.1:8765'."
        )
    port = f":{url.port}" if url.port is not None else ""
    base_url = f"{url.scheme}://{url.host}{port}"
    if region is not None:
        return resolve_region(region), base_url
    domain = domain_of_host(url.host)
    return region_for_domain(domain) or Region(name="custom", domain=domain), base_url


def _segment(value: str) -> str:
    """Quote an id for use as one path segment."""
    if not value:
        raise ConfigurationError("An empty id cannot be used in a request path.")
    return quote(str(value), safe="")


def _retry_after(response: httpx.Response | None) -> float | None:
    return parse_retry_after(response) if response is not None else None


def _log_response(response: httpx.Response, started: float) -> None:
    elapsed_ms = (time.monotonic() - started) * 1000
    logger.info(
        "%s %s -> %d (correlation id %s, %.0f ms)",
        response.request.method,
        response.request.url,
        response.status_code,
        correlation_id_of(response) or "-",
        elapsed_ms,
    )


def _json_object(response: httpx.Response, endpoint: str) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        problem = "the body is empty" if not response.content.strip() else "the body is not JSON"
        raise invalid_response(response, endpoint, problem) from None
    if not isinstance(body, dict):
        raise invalid_response(
            response, endpoint, f"expected a JSON object, got {type(body).__name__}"
        )
    return body


def _entities(body: dict[str, Any], response: httpx.Response, endpoint: str) -> list[Any]:
    entities = body.get("entities")
    if entities is None:
        return []
    if not isinstance(entities, list):
        raise invalid_response(response, endpoint, "'entities' is not a list")
    return entities


def _build(factory: Callable[[Any], T], body: Any, response: httpx.Response, endpoint: str) -> T:
    try:
        return factory(body)
    except ModelError as exc:
        raise invalid_response(response, endpoint, str(exc)) from exc


def _launch_transport_error(
    exc: httpx.TransportError, launch: tuple[str, str], method: str, url: str
) -> Exception:
    flow_id, execution_name = launch
    if isinstance(exc, _NOT_SENT_ERRORS) or _failed_on_token_request(exc):
        return ApiConnectionError(
            f"The launch of flow {flow_id} was not sent because the connection failed first "
            f"({type(exc).__name__}), so nothing was launched. Check the network and the "
            "region, then launch again.",
            method=method,
            url=url,
        )
    logger.warning(
        "Launch of flow %s named %r lost its connection (%s); not re-sending",
        flow_id,
        execution_name,
        type(exc).__name__,
    )
    return LaunchOutcomeUnknownError(
        flow_id=flow_id,
        execution_name=execution_name,
        reason=f"the connection failed before a response came ({type(exc).__name__})",
    )


def _failed_on_token_request(exc: httpx.TransportError) -> bool:
    """Return True when the error hit the auth flow's token request, before the API request."""
    try:
        failed = exc.request
    except RuntimeError:
        return False
    return failed.url.path.endswith(TOKEN_PATH)


def _connection_error(exc: httpx.TransportError, method: str, url: str, attempts: int) -> Exception:
    return ApiConnectionError(
        f"{method} {url} failed after {attempts} attempt(s): {type(exc).__name__}. Check the "
        "network connection and that the region or api_host is right.",
        method=method,
        url=url,
    )
