"""Exceptions of the client and the one function that maps an error response to them."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx

from flowwidgets.api._hosts import domain_of_host

__all__ = [
    "ApiConnectionError",
    "ApiError",
    "AuthError",
    "BadRequestError",
    "ConfigurationError",
    "FlowwidgetsError",
    "InvalidResponseError",
    "LaunchOutcomeUnknownError",
    "MissingPermissionError",
    "NotFoundError",
    "RateLimitError",
    "RegionMismatchError",
    "ServerError",
    "UnauthorizedError",
    "error_from_response",
]

CORRELATION_HEADERS = ("ININ-Correlation-Id", "Genesys-Correlation-Id")


class FlowwidgetsError(Exception):
    """Base class of every exception flowwidgets raises on purpose."""


class ConfigurationError(FlowwidgetsError, ValueError):
    """A region, host, credential or other setting is missing or invalid."""


class RegionMismatchError(FlowwidgetsError):
    """A token belongs to another region than the API host it was about to be sent to.

    Attributes
    ----------
    token_domain
        Domain of the login host the token came from (or was stamped with).
    api_domain
        Domain of the API host the request was addressed to.
    """

    def __init__(self, token_domain: str, api_domain: str) -> None:
        self.token_domain = token_domain
        self.api_domain = api_domain
        super().__init__(
            f"The access token comes from login.{token_domain} but the request goes to "
            f"api.{api_domain}: a token is only valid in the region that issued it, so it was "
            f"not sent. Use the region of the org the OAuth client belongs to for both hosts "
            f"(region={token_domain!r}), or create the OAuth client in the org of {api_domain}."
        )


class ApiConnectionError(FlowwidgetsError):
    """The client could not reach the host, or the connection failed, after its retries.

    Attributes
    ----------
    method, url
        The request that failed.
    """

    def __init__(self, message: str, *, method: str, url: str) -> None:
        self.method = method
        self.url = url
        super().__init__(message)


class LaunchOutcomeUnknownError(FlowwidgetsError):
    """A launch was sent but no response came back, so whether the workflow runs is unknown.

    The client never re-sends such a launch, because a second launch could run the workflow
    twice. Look the execution up by :attr:`execution_name` (execution history, or the
    flow-execution analytics count) before launching again.

    Attributes
    ----------
    execution_name
        The ``name`` the launch carried.
    flow_id
        The flow that was launched.
    status
        HTTP status of a gateway response (502, 503, 504), or None when the connection dropped.
    """

    def __init__(
        self,
        *,
        execution_name: str,
        flow_id: str,
        reason: str,
        status: int | None = None,
    ) -> None:
        self.execution_name = execution_name
        self.flow_id = flow_id
        self.status = status
        self.reason = reason
        super().__init__(
            f"The launch of flow {flow_id} named {execution_name!r} was sent, but {reason}, so "
            "it is unknown whether the workflow runs. It was not re-sent. Look for an execution "
            f"named {execution_name!r} (execution history or flow-execution analytics) before "
            "launching again."
        )


class ApiError(FlowwidgetsError):
    """The Platform API or the login service responded with an error status.

    Attributes
    ----------
    status
        HTTP status code.
    code
        ErrorBody ``code`` (``"not.found"``) or the login service's ``error``
        (``"invalid_client"``); None when the body had none.
    message
        The server's message, or a description of the status when the body had none.
    correlation_id
        ``ININ-Correlation-Id`` response header, or the body's ``contextId``.
    method, url
        The request that failed. Request headers are never kept.
    body
        The decoded JSON body, or the raw text when it was not JSON.
    fix
        What to do next.
    """

    def __init__(
        self,
        *,
        status: int,
        code: str | None,
        message: str,
        correlation_id: str | None,
        method: str,
        url: str,
        body: Any,
        fix: str,
    ) -> None:
        self.status = status
        self.code = code
        self.message = message
        self.correlation_id = correlation_id
        self.method = method
        self.url = url
        self.body = body
        self.fix = fix
        super().__init__(self._describe())

    def _describe(self) -> str:
        code = f" {self.code}" if self.code else ""
        message = self.message.rstrip()
        if message and message[-1] not in ".!?":
            message += "."
        text = f"{self.method} {self.url} failed with HTTP {self.status}{code}: {message}"
        if self.fix:
            text += f" {self.fix}"
        if self.correlation_id:
            text += f" (correlation id {self.correlation_id})"
        return text


class AuthError(ApiError):
    """The login service rejected the token request (``{"error", "error_description"}`` body)."""


class UnauthorizedError(ApiError):
    """The API host rejected the token with 401.

    The token is missing, expired, or from another org or region.
    """


class MissingPermissionError(ApiError):
    """The API host responded with 403: the OAuth client's roles lack a permission.

    Attributes
    ----------
    permissions
        Permission strings named by the server, e.g. ``["architect:flow:launch"]``; empty when
        the server named none.
    """

    def __init__(self, *, permissions: list[str], **fields: Any) -> None:
        self.permissions = permissions
        super().__init__(**fields)


class NotFoundError(ApiError):
    """The API host responded with 404."""


class BadRequestError(ApiError):
    """The API host responded with 400 or another 4xx status that has no class of its own."""


class RateLimitError(ApiError):
    """HTTP 429 kept coming after the client waited as long as it may.

    Attributes
    ----------
    retry_after
        ``Retry-After`` of the last 429, in seconds, or None when it had no such header.
    retry_after_seen
        Every ``Retry-After`` value seen during the call, in order (None for a missing header).
    waited
        Seconds the client waited during the call before giving up.
    """

    def __init__(
        self,
        *,
        retry_after: float | None,
        retry_after_seen: list[float | None] | None = None,
        waited: float = 0.0,
        **fields: Any,
    ) -> None:
        self.retry_after = retry_after
        self.retry_after_seen = list(retry_after_seen or [])
        self.waited = waited
        super().__init__(**fields)


class ServerError(ApiError):
    """The host responded with a 5xx status (after retries, for requests that may be retried)."""


class InvalidResponseError(ApiError):
    """A 2xx response had a body that is not the JSON the endpoint documents."""


_STATUS_TEXT = {
    400: "The request was rejected as invalid.",
    401: "No valid bearer token was accepted.",
    403: "The request is not allowed for this OAuth client.",
    404: "The requested resource was not found.",
    429: "Too many requests.",
}

# "You are missing the following permission(s): a:b:c, d:e:f" and similar message endings.
_PERMISSION_PATTERN = re.compile(r"\b[A-Za-z]+:[A-Za-z0-9_]+:[A-Za-z0-9_*]+\b")


def decode_body(response: httpx.Response) -> Any:
    """Return the JSON body of a read response, its text when it is not JSON, or None if empty."""
    text = response.text
    if not text.strip():
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


def correlation_id_of(response: httpx.Response, body: Any = None) -> str | None:
    """Return the correlation id from the response headers, falling back to the body's contextId."""
    for header in CORRELATION_HEADERS:
        value = response.headers.get(header)
        if value:
            return value
    if isinstance(body, dict) and isinstance(body.get("contextId"), str):
        return body["contextId"]
    return None


def parse_retry_after(response: httpx.Response) -> float | None:
    """Return ``Retry-After`` in seconds, or None when it is missing or not a number of seconds."""
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        # NOTE: an HTTP-date Retry-After is treated as missing; Genesys is only seen sending seconds
        return None
    return max(seconds, 0.0)


def find_permissions(body: Any) -> list[str]:
    """Extract permission strings from an ErrorBody's messageParams, falling back to its message."""
    if not isinstance(body, dict):
        return []

    found: list[str] = []
    params = body.get("messageParams")
    if isinstance(params, dict):
        for value in params.values():
            found += _PERMISSION_PATTERN.findall(str(value))
    if not found:
        found = _PERMISSION_PATTERN.findall(str(body.get("message") or ""))
    return list(dict.fromkeys(found))


def _host_domain(url: httpx.URL | str) -> str:
    return domain_of_host(httpx.URL(str(url)).host)


def _is_login_response(response: httpx.Response) -> bool:
    if response.request.url.path.endswith("/oauth/token"):
        return True
    return response.request.url.host.lower().startswith("login.")


def _fix_for_login(response: httpx.Response, code: str | None, api_base_url: str | None) -> str:
    login_domain = _host_domain(response.request.url)
    fix = (
        f"The login service at {response.request.url.host} rejected the OAuth client. Check the "
        "client id and secret, that the OAuth client uses the Client Credentials grant and is "
        "active, and that it was created in the org of this region."
    )
    if code == "invalid_grant" or code == "unsupported_grant_type":
        fix = "The OAuth client must use the Client Credentials grant type."
    if api_base_url is not None:
        api_domain = _host_domain(api_base_url)
        if api_domain != login_domain:
            fix += (
                f" Note that the token was requested from {login_domain} but the API host is "
                f"in {api_domain}: use the same region for both."
            )
    return fix


def _fix_for_api(status: int, body: Any, permissions: list[str], url: httpx.URL) -> str:
    if status == 401:
        return (
            "The access token is missing, expired, or from another org or region. Get a new "
            f"token from login.{_host_domain(url)} with an OAuth client of this org."
        )
    if status == 403:
        if permissions:
            return (
                f"Add the permission(s) {', '.join(permissions)} to a role of the OAuth client "
                "(with the division of the resource), then request a new token."
            )
        return (
            "Check the roles and divisions of the OAuth client: they must allow this request "
            "for the division the resource is in."
        )
    if status == 404:
        if "/flows/executions/" in url.path:
            return (
                "Check the execution id and the region and org it was launched in; execution "
                "details are only kept for a few days after the launch."
            )
        if "/flows/" in url.path:
            return (
                "Check the flow id, that the region and org are the ones the flow lives in, and "
                "that the OAuth client's roles include the flow's division."
            )
        return "Check the id in the URL and the region and org of the OAuth client."
    if status == 429:
        return "Wait the number of seconds in Retry-After, then send fewer requests per minute."
    if status >= 500:
        return "The service failed; try again later and quote the correlation id if it persists."
    return "Check the request body and query parameters against the endpoint's documentation."


def error_from_response(
    response: httpx.Response,
    *,
    api_base_url: str | None = None,
    retry_after_seen: list[float | None] | None = None,
    waited: float = 0.0,
) -> ApiError:
    """Map a non-2xx response of an api or login host to a typed :class:`ApiError`.

    Parameters
    ----------
    response
        A read response with an error status. A malformed or empty body still gives a typed
        error carrying the status.
    api_base_url
        API base URL of the client, used to say when a login error came from another region.
    retry_after_seen, waited
        Values of the 429 waits during the call, stored on a :class:`RateLimitError`.

    Returns
    -------
    ApiError
        The subclass that matches the status and body; the caller raises it.
    """
    body = decode_body(response)
    status = response.status_code
    request = response.request
    fields: dict[str, Any] = {
        "status": status,
        "correlation_id": correlation_id_of(response, body),
        "method": request.method,
        "url": str(request.url.copy_with(query=None)),
        "body": body,
    }
    message = _STATUS_TEXT.get(status, f"HTTP {status} {response.reason_phrase}".strip() + ".")

    if _is_login_response(response):
        code = None
        if isinstance(body, dict):
            code = body.get("error") if isinstance(body.get("error"), str) else None
            message = str(
                body.get("error_description")
                or body.get("description")
                or body.get("message")
                or message
            )
        if status == 429:
            return RateLimitError(
                retry_after=parse_retry_after(response),
                retry_after_seen=retry_after_seen,
                waited=waited,
                code=code,
                message=message,
                fix=_fix_for_api(status, body, [], request.url),
                **fields,
            )
        return AuthError(
            code=code, message=message, fix=_fix_for_login(response, code, api_base_url), **fields
        )

    code = None
    if isinstance(body, dict):
        code = body.get("code") if isinstance(body.get("code"), str) else None
        if isinstance(body.get("message"), str) and body["message"]:
            message = body["message"]
    permissions = find_permissions(body) if status == 403 else []
    fields.update(
        code=code, message=message, fix=_fix_for_api(status, body, permissions, request.url)
    )

    if status == 401:
        return UnauthorizedError(**fields)
    if status == 403:
        return MissingPermissionError(permissions=permissions, **fields)
    if status == 404:
        return NotFoundError(**fields)
    if status == 429:
        return RateLimitError(
            retry_after=parse_retry_after(response),
            retry_after_seen=retry_after_seen,
            waited=waited,
            **fields,
        )
    if status >= 500:
        return ServerError(**fields)
    return BadRequestError(**fields)


def invalid_response(response: httpx.Response, endpoint: str, problem: str) -> InvalidResponseError:
    """Build the error for a 2xx response of ``endpoint`` whose body is not what it documents."""
    body = decode_body(response)
    return InvalidResponseError(
        status=response.status_code,
        code=None,
        message=f"The response of {endpoint} is invalid: {problem}.",
        correlation_id=correlation_id_of(response, body),
        method=response.request.method,
        url=str(response.request.url.copy_with(query=None)),
        body=body,
        fix=(
            "Check that the host is a Genesys Cloud API host (a proxy or another service may "
            "have responded) and quote the correlation id if it persists."
        ),
    )
