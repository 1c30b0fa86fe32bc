"""Request context, routing and error helpers shared by the sandbox's endpoint handlers."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from starlette.responses import JSONResponse, Response

from flowwidgets.sandbox.org import IssuedToken
from flowwidgets.sandbox.wire import error_body

#: Largest request body the sandbox accepts, in bytes (1 MiB).
MAX_BODY_BYTES = 1024 * 1024

CORRELATION_HEADER = "ININ-Correlation-Id"

_BAD_REQUEST = "The request could not be understood by the server due to malformed syntax."


class ApiErrorReply(Exception):  # noqa: N818 - a reply to send, not a failure of the sandbox
    """An API-host error response, sent as an ErrorBody."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        params: dict[str, str] | None = None,
        template: str | None = None,
        headers: dict[str, str] | None = None,
        limit: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.params = params
        self.template = template
        self.headers = headers or {}
        self.limit = limit


class LoginErrorReply(Exception):  # noqa: N818 - a reply to send, not a failure of the sandbox
    """A login-host error response, sent as ``{"error", "description", "error_description"}``."""

    def __init__(
        self, status: int, error: str, description: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(description)
        self.status = status
        self.error = error
        self.description = description
        self.headers = headers or {}


class ConnectionDropped(Exception):  # noqa: N818 - it names an event, as httpx's ReadError does
    """Raised inside the app to make the connection drop without a complete response."""

    def __init__(self, after_processing: bool) -> None:
        state = "after" if after_processing else "before"
        super().__init__(f"sandbox fault: connection dropped {state} the request was processed")
        self.after_processing = after_processing


def bad_request(message: str, **params: str) -> ApiErrorReply:
    """Build a 400 ``bad.request`` problem."""
    return ApiErrorReply(400, "bad.request", message, params=params or None)


@dataclass
class Call:
    """One request with its parsed query, body, path parameters and resolved token."""

    method: str
    path: str
    query: list[tuple[str, str]]
    headers: dict[str, str]
    body: bytes
    correlation_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    path_params: dict[str, str] = field(default_factory=dict)
    token: IssuedToken | None = None
    region: str = ""

    @classmethod
    def build(
        cls, method: str, path: str, raw_query: bytes, headers: dict[str, str], body: bytes
    ) -> Call:
        query = parse_qsl(raw_query.decode("latin-1"), keep_blank_values=True)
        return cls(method=method, path=path, query=query, headers=headers, body=body)

    def values(self, name: str) -> list[str]:
        """Return every value of a query parameter; comma-joined values are split."""
        found: list[str] = []
        for key, value in self.query:
            if key == name:
                found.extend(part.strip() for part in value.split(",") if part.strip())
        return found

    def first(self, name: str) -> str | None:
        """Return the last value given for a query parameter, or None."""
        found = [value for key, value in self.query if key == name]
        return found[-1] if found else None

    def integer(
        self, name: str, default: int, *, minimum: int = 1, maximum: int | None = None
    ) -> int:
        """Return an integer query parameter, raising ``bad.request`` when it is invalid."""
        text = self.first(name)
        if text is None or text == "":
            return default
        try:
            value = int(text)
        except ValueError:
            raise bad_request(f"Query parameter {name} must be an integer, got {text!r}.") from None
        if value < minimum or (maximum is not None and value > maximum):
            bounds = (
                f"between {minimum} and {maximum}" if maximum is not None else f"at least {minimum}"
            )
            raise bad_request(f"Query parameter {name} must be {bounds}, got {value}.")
        return value

    def boolean(self, name: str, default: bool) -> bool:
        """Return a boolean query parameter (``true``/``false``)."""
        text = self.first(name)
        if text is None or text == "":
            return default
        lowered = text.lower()
        if lowered not in ("true", "false"):
            raise bad_request(f"Query parameter {name} must be true or false, got {text!r}.")
        return lowered == "true"

    def json_object(self, *, required: bool = True) -> dict[str, Any]:
        """Decode the body as a JSON object, raising ``bad.request`` (or 415) when it is not one."""
        if not self.body.strip():
            if required:
                raise bad_request("The request body is missing; send a JSON object.")
            return {}

        content_type = (
            self.headers.get("content-type", "application/json").split(";")[0].strip().lower()
        )
        if content_type and not (
            content_type == "application/json" or content_type.endswith("+json")
        ):
            raise ApiErrorReply(
                415,
                "unsupported.media.type",
                f"Unsupported Media Type: {content_type}. Send the body as application/json.",
            )
        try:
            data = json.loads(self.body)
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise ApiErrorReply(
                400, "bad.request", f"{_BAD_REQUEST} The body is not valid JSON: {error}."
            ) from None
        if not isinstance(data, dict):
            raise bad_request(f"The request body must be a JSON object, got {type(data).__name__}.")
        return data


Handler = Callable[[Call], Awaitable[Response]]


@dataclass(frozen=True)
class Route:
    """An API route: method, path pattern, the permission it needs and its handler."""

    method: str
    pattern: re.Pattern[str]
    permission: str | None
    handler: Handler


def route(method: str, template: str, permission: str | None, handler: Handler) -> Route:
    """Build a route from a template such as ``/api/v2/flows/{flowId}``."""
    regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template)
    return Route(method, re.compile(f"^{regex}$"), permission, handler)


def json_response(
    body: Any, call: Call, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    """Build a JSON response carrying the call's correlation id."""
    merged = {
        CORRELATION_HEADER: call.correlation_id,
        "Cache-Control": "no-cache, no-store, must-revalidate",
    }
    merged.update(headers or {})
    return JSONResponse(body, status_code=status, headers=merged)


def problem_response(problem: ApiErrorReply, call: Call) -> Response:
    """Build the ErrorBody response for an API problem."""
    body = error_body(
        problem.status,
        problem.code,
        problem.message,
        call.correlation_id,
        params=problem.params,
        template=problem.template,
    )
    if problem.limit is not None:
        body["limit"] = problem.limit
    return json_response(body, call, problem.status, problem.headers)


def login_problem_response(problem: LoginErrorReply, call: Call) -> Response:
    """Build the login host's error response."""
    body = {
        "error": problem.error,
        "description": problem.description,
        "error_description": problem.description,
    }
    return json_response(body, call, problem.status, problem.headers)
