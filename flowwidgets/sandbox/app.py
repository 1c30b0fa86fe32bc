"""The sandbox's ASGI app: host routing, authentication, rate limits, faults and request log."""

from __future__ import annotations

import base64
import fnmatch
import ipaddress
import json
import logging
import re
from typing import Any
from urllib.parse import parse_qsl

import anyio
from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Mount
from starlette.types import Receive, Scope, Send

from flowwidgets.sandbox.http import (
    MAX_BODY_BYTES,
    ApiErrorReply,
    Call,
    ConnectionDropped,
    LoginErrorReply,
    json_response,
    login_problem_response,
    problem_response,
)
from flowwidgets.sandbox.org import FaultCounter, OrgState, admit_into
from flowwidgets.sandbox.routes import ApiRoutes
from flowwidgets.sandbox.wire import iso

logger = logging.getLogger("flowwidgets.sandbox")

#: Region domains of Genesys Cloud. A Host of api.<domain> or login.<domain> selects one.
REGION_DOMAINS = (
    "mypurecloud.com",
    "use2.us-gov-pure.cloud",
    "usw2.pure.cloud",
    "cac1.pure.cloud",
    "sae1.pure.cloud",
    "mxc1.pure.cloud",
    "mypurecloud.ie",
    "euw2.pure.cloud",
    "mypurecloud.de",
    "euc2.pure.cloud",
    "mec1.pure.cloud",
    "aps1.pure.cloud",
    "apse1.pure.cloud",
    "mypurecloud.com.au",
    "mypurecloud.jp",
    "apne2.pure.cloud",
    "apne3.pure.cloud",
    "edee1.eusc-pure.cloud",
)

_SECRET_KEYS = re.compile(r"secret|token|password|authorization", re.IGNORECASE)
_MASK = "***"

#: Entries the request log keeps; older ones are dropped so a long run stays bounded in memory.
REQUEST_LOG_LIMIT = 10_000
#: Characters of a request body the log keeps; the rest is replaced by a note of its length.
LOGGED_BODY_CHARS = 8 * 1024


class SandboxApp:
    """The raw ASGI application behind ``Sandbox.app``."""

    def __init__(self, org: OrgState) -> None:
        self.org = org
        self.api = ApiRoutes(org)
        self.routes = self.api.routes()
        self.request_log: list[dict[str, Any]] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        headers = {
            key.decode("latin-1").lower(): value.decode("latin-1")
            for key, value in scope["headers"]
        }
        body, too_large = await _read_body(receive, headers)
        call = Call.build(
            scope["method"], scope["path"], scope.get("query_string", b""), headers, body
        )
        entry = self.log_request(call)

        response = await self.respond(call, too_large, send)
        if response is None:
            return
        entry["status"] = response.status_code
        query = f"?{scope['query_string'].decode('latin-1')}" if scope.get("query_string") else ""
        logger.info(
            "%s %s%s -> %s (correlation id %s, Authorization: %s) body: %s",
            call.method,
            call.path,
            query,
            response.status_code,
            call.correlation_id,
            entry["headers"].get("authorization", "none"),
            entry["body"] or "(empty)",
        )
        await response(scope, receive, send)

    async def respond(self, call: Call, too_large: bool, send: Send) -> Response | None:
        """Build the response to one call after host routing, faults and authentication."""
        kind, region = self.classify_host(call.headers.get("host", ""))
        call.region = region
        login_call = call.path == "/oauth/token"
        try:
            if too_large:
                raise ApiErrorReply(
                    413,
                    "request.entity.too.large",
                    f"The request body is larger than the {MAX_BODY_BYTES} bytes "
                    "the sandbox accepts. Send a smaller body.",
                )
            drop_after = await self.apply_faults(call, send)
            if login_call and kind in ("login", "any"):
                response = self.token_endpoint(call)
            elif not login_call and kind in ("api", "any"):
                response = await self.api_call(call)
            else:
                raise ApiErrorReply(
                    404,
                    "not.found",
                    f"Path {call.path} was not found on this host; check the host and the path.",
                )
        except LoginErrorReply as problem:
            return login_problem_response(problem, call)
        except ApiErrorReply as problem:
            # The token endpoint of a login host reports errors in the login form,
            # but the same path on an API host is an unknown API resource.
            if login_call and kind in ("login", "any"):
                return login_problem_response(
                    LoginErrorReply(problem.status, problem.code, problem.message, problem.headers),
                    call,
                )
            return problem_response(problem, call)

        if drop_after:
            await _drop(send, after_processing=True)
        return response

    def classify_host(self, host: str) -> tuple[str, str]:
        """Return (``api``|``login``|``any``, region domain) for a Host header."""
        name = host.rsplit(":", 1)[0].lower() if not host.startswith("[") else host
        for prefix in ("api.", "login."):
            if name.startswith(prefix) and name[len(prefix) :] in REGION_DOMAINS:
                return prefix[:-1], name[len(prefix) :]
        # Loopback hosts, test hosts and anything else serve the scenario's own region on both.
        return "any", self.org.scenario.region

    # -- faults ---------------------------------------------------------------------------

    async def apply_faults(self, call: Call, send: Send) -> bool:
        """Apply the scenario's injected faults; return whether to drop the response afterwards."""
        drop_after = False
        for counter in self.org.faults:
            spec = counter.spec
            if not _fault_matches(counter, call):
                continue
            if spec.kind == "latency":
                _log_fault(spec.kind, call)
                await anyio.sleep(spec.seconds)
            elif spec.kind == "drop_connection":
                _log_fault(spec.kind, call)
                if spec.after_processing:
                    drop_after = True
                else:
                    await _drop(send, after_processing=False)
            elif spec.kind == "server_error":
                _log_fault(spec.kind, call)
                raise ApiErrorReply(
                    spec.status,
                    _SERVER_ERROR_CODES[spec.status],
                    f"Sandbox fault: the service answered {spec.status}; try again later.",
                )
            elif spec.kind == "rate_limit":
                self.apply_rate_fault(counter, call)
            elif spec.kind == "token_expiry":
                self.expire_token(call)
        return drop_after

    def apply_rate_fault(self, counter: FaultCounter, call: Call) -> None:
        """Raise 429 when the fault's window is full; a request the window admits passes."""
        spec = counter.spec
        retry_after: int | None = spec.retry_after
        if spec.per_minute is not None:
            retry_after = admit_into(counter.window, spec.per_minute, self.org.clock.now())
        if retry_after is not None:
            _log_fault(spec.kind, call)
            limit = spec.per_minute or 0
            raise _rate_limited(retry_after, limit, "sandbox.fault.rate.per.minute")

    def expire_token(self, call: Call) -> None:
        """Revoke the request's bearer token, if it has one, so later requests with it get 401."""
        token = _bearer(call)
        if token:
            _log_fault("token_expiry", call)
            self.org.revoke_token(token)

    # -- login host -----------------------------------------------------------------------

    def token_endpoint(self, call: Call) -> Response:
        """Issue a token for POST /oauth/token with the client-credentials grant."""
        if call.method != "POST":
            raise LoginErrorReply(405, "invalid_request", "Use POST for /oauth/token.")
        client_id, secret = _basic_credentials(call)
        client = next(
            (client for client in self.org.scenario.clients if client.client_id == client_id), None
        )
        if client is None or call.region != self.org.scenario.region:
            raise LoginErrorReply(401, "invalid_client", "client not found")
        if secret != client.secret:
            raise LoginErrorReply(401, "invalid_client", "authentication failed")

        form = dict(parse_qsl(call.body.decode("utf-8", "replace")))
        grant_type = form.get("grant_type")
        if grant_type != "client_credentials":
            raise LoginErrorReply(
                400,
                "unsupported_grant_type",
                f"grant_type must be client_credentials for this client, got {grant_type!r}",
            )
        if client.token_rate_limit_per_minute is not None:
            retry_after = self.org.token_windows.admit(
                client.client_id, client.token_rate_limit_per_minute, self.org.clock.now()
            )
            if retry_after is not None:
                # NOTE: the body and status of a rate-limited token request are not
                # documented; the sandbox returns 429 in the login host's error form.
                raise LoginErrorReply(
                    429,
                    "too_many_requests",
                    f"Rate limit exceeded the maximum [{client.token_rate_limit_per_minute}] "
                    "requests within [60] seconds",
                    {"Retry-After": str(retry_after)},
                )

        token, issued = self.org.issue_token(client, call.region)
        lifetime = int((issued.expires_at - issued.issued_at).total_seconds())
        return json_response(
            {"access_token": token, "token_type": "bearer", "expires_in": lifetime}, call
        )

    # -- api host -------------------------------------------------------------------------

    async def api_call(self, call: Call) -> Response:
        matched = [(rule, rule.pattern.match(call.path)) for rule in self.routes]
        candidates = [(rule, match) for rule, match in matched if match]
        if not candidates:
            raise ApiErrorReply(404, "not.found", f"No API resource at {call.path}.")
        chosen = next(
            ((rule, match) for rule, match in candidates if rule.method == call.method), None
        )
        if chosen is None:
            raise ApiErrorReply(
                405, "method.not.allowed", f"{call.method} is not allowed on {call.path}."
            )

        rule, match = chosen
        call.path_params = match.groupdict()
        self.authenticate(call)
        if rule.permission is not None:
            assert call.token is not None
            if not call.token.client.has_permission(rule.permission):
                template = (
                    "Unable to perform the requested action. "
                    "You are missing the following permission(s): {permission}"
                )
                raise ApiErrorReply(
                    403,
                    "missing.permissions",
                    template.format(permission=rule.permission),
                    params={"permission": rule.permission},
                    template=template,
                )
        return await rule.handler(call)

    def authenticate(self, call: Call) -> None:
        """Resolve the bearer token, apply the client's rate limit, or raise 401/429."""
        token = _bearer(call)
        if token is None:
            raise ApiErrorReply(
                401,
                "authentication.required",
                "No authentication bearer token specified in authorization header.",
            )
        issued = self.org.resolve_token(token)
        now = self.org.clock.now()
        # A token from another region's login host is unknown here, as it would be
        # on a real API host of another region.
        if issued is None or now >= issued.expires_at or issued.region != call.region:
            raise ApiErrorReply(401, "bad.credentials", "Invalid login credentials.")
        call.token = issued

        client = issued.client
        retry_after = self.org.client_windows.admit(
            client.client_id, client.rate_limit_per_minute, now
        )
        if retry_after is not None:
            raise _rate_limited(
                retry_after,
                client.rate_limit_per_minute,
                "client.credentials.token.rate.per.minute",
            )

    # -- request log ----------------------------------------------------------------------

    def log_request(self, call: Call) -> dict[str, Any]:
        """Record a request with its secrets masked, and return the log entry."""
        entry: dict[str, Any] = {
            "time": iso(self.org.clock.now()),
            "method": call.method,
            "path": call.path,
            "query": [(key, value) for key, value in call.query],
            "host": call.headers.get("host", ""),
            "headers": {
                key: (_mask_authorization(value) if key == "authorization" else value)
                for key, value in call.headers.items()
            },
            "body": _truncate(mask_body(call.body, call.headers.get("content-type", ""))),
            "correlation_id": call.correlation_id,
            "status": None,
        }
        with self.org.lock:
            self.request_log.append(entry)
            overflow = len(self.request_log) - REQUEST_LOG_LIMIT
            if overflow > 0:
                del self.request_log[:overflow]
        return entry


_SERVER_ERROR_CODES = {
    500: "internal.server.error",
    502: "bad.gateway",
    503: "service.unavailable",
    504: "request.timeout",
}


def build_app(org: OrgState) -> tuple[Starlette, SandboxApp]:
    """Build the Starlette app that serves the org."""
    inner = SandboxApp(org)
    return Starlette(routes=[Mount("/", app=inner)]), inner


def _log_fault(kind: str, call: Call) -> None:
    logger.info(
        "injected fault %s hits %s %s (correlation id %s)",
        kind,
        call.method,
        call.path,
        call.correlation_id,
    )


def _fault_matches(counter: FaultCounter, call: Call) -> bool:
    spec = counter.spec
    if spec.method and spec.method.upper() != call.method:
        return False
    if not fnmatch.fnmatchcase(call.path, spec.path):
        return False
    counter.seen += 1
    if counter.seen <= spec.skip:
        return False
    return spec.count is None or counter.seen - spec.skip <= spec.count


async def _drop(send: Send, *, after_processing: bool) -> None:
    # Starting a response that never completes makes servers close the connection,
    # so clients see a broken response instead of a clean error status.
    await send(
        {"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"1024")]}
    )
    raise ConnectionDropped(after_processing)


def _rate_limited(retry_after: int, limit: int, key: str) -> ApiErrorReply:
    template = "Rate limit exceeded the maximum [{limit}] requests within [60] seconds"
    return ApiErrorReply(
        429,
        "too.many.requests",
        template.format(limit=limit),
        params={"limit": str(limit)},
        template=template,
        headers={"Retry-After": str(retry_after)},
        limit={"key": key, "namespace": "platform.api", "value": limit},
    )


def _bearer(call: Call) -> str | None:
    header = call.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def _basic_credentials(call: Call) -> tuple[str, str]:
    header = call.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic":
        raise LoginErrorReply(
            401, "invalid_client", "client authentication failed: send HTTP Basic auth"
        )
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        raise LoginErrorReply(
            401, "invalid_client", "client authentication failed: invalid Basic credentials"
        ) from None
    client_id, separator, secret = decoded.partition(":")
    if not separator:
        raise LoginErrorReply(
            401, "invalid_client", "client authentication failed: invalid Basic credentials"
        )
    return client_id, secret


def _mask_authorization(value: str) -> str:
    scheme, _, _ = value.partition(" ")
    return f"{scheme} {_MASK}"


def mask_body(body: bytes, content_type: str) -> str:
    """Return a request body as text with secret values masked."""
    text = body.decode("utf-8", "replace")
    if not text:
        return ""
    if "x-www-form-urlencoded" in content_type:
        pairs = parse_qsl(text, keep_blank_values=True)
        return "&".join(
            f"{key}={_MASK if _SECRET_KEYS.search(key) else value}" for key, value in pairs
        )
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        return text
    return json.dumps(_mask_json(data))


def _truncate(text: str) -> str:
    if len(text) <= LOGGED_BODY_CHARS:
        return text
    return f"{text[:LOGGED_BODY_CHARS]}... ({len(text) - LOGGED_BODY_CHARS} more characters)"


def _mask_json(data: Any) -> Any:
    if isinstance(data, dict):
        return {
            key: _MASK if _SECRET_KEYS.search(str(key)) else _mask_json(value)
            for key, value in data.items()
        }
    if isinstance(data, list):
        return [_mask_json(item) for item in data]
    return data


async def _read_body(receive: Receive, headers: dict[str, str]) -> tuple[bytes, bool]:
    declared = headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        # Drain without keeping the bytes.
        while True:
            message = await receive()
            if not message.get("more_body", False):
                return b"", True
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size <= MAX_BODY_BYTES:
            chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks), size > MAX_BODY_BYTES


def is_loopback(host: str) -> bool:
    """Return whether ``host`` names a loopback address."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
