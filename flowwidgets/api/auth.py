"""Authentication for the Platform API as ``httpx.Auth`` flows.

:class:`ClientCredentials` gets tokens from the login host of the API host's region and caches
them per process; :class:`BearerToken` sends a token the user pasted. Neither shows its secret or
token in ``repr`` or in any log line.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
import weakref
from collections.abc import AsyncGenerator, Callable, Generator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx

from flowwidgets.api._hosts import domain_of_host
from flowwidgets.api.errors import (
    ConfigurationError,
    RegionMismatchError,
    error_from_response,
    invalid_response,
)
from flowwidgets.api.regions import Region, resolve_region

__all__ = ["BearerToken", "ClientCredentials", "clear_token_cache", "login_base_url_for"]

logger = logging.getLogger("flowwidgets.api.auth")

# A cached token is replaced this many seconds before the expiry the server reports, as the
# Genesys Go SDK does, so a request never leaves with a token about to run out.
TOKEN_EXPIRY_MARGIN = 60.0

# NOTE: used when a token response has no expires_in; Genesys documents 300 s as the shortest
# lifetime an OAuth client can be configured with, so this never outlives a real token.
DEFAULT_TOKEN_LIFETIME = 300.0

TOKEN_PATH = "/oauth/token"  # noqa: S105 - a URL path, not a password


@dataclass
class _CachedToken:
    access_token: str
    expires_at: float

    def __repr__(self) -> str:
        return f"_CachedToken(expires_at={self.expires_at!r})"


# (login base URL, client id, SHA-256 of the secret) -> token shared by every client of the process.
_TOKEN_CACHE: dict[tuple[str, str, str], _CachedToken] = {}

# One lock per cache key and event loop, because an asyncio.Lock belongs to one loop.
_LOCKS: weakref.WeakKeyDictionary[
    asyncio.AbstractEventLoop, dict[tuple[str, str, str], asyncio.Lock]
]
_LOCKS = weakref.WeakKeyDictionary()


def clear_token_cache() -> None:
    """Forget every cached client-credentials token of this process."""
    _TOKEN_CACHE.clear()


def _lock_for(key: tuple[str, str, str]) -> asyncio.Lock:
    locks = _LOCKS.setdefault(asyncio.get_running_loop(), {})
    return locks.setdefault(key, asyncio.Lock())


def login_base_url_for(api_url: httpx.URL | str) -> str:
    """Return the login base URL for an API URL.

    ``https://api.<domain>`` maps to ``https://login.<domain>``; any other host (a loopback
    sandbox, a proxy) serves the token endpoint itself, so its own base URL is returned.
    """
    url = httpx.URL(str(api_url))
    host = url.host
    if host.lower().startswith("api."):
        host = "login." + host[len("api.") :]
    port = f":{url.port}" if url.port is not None else ""
    return f"{url.scheme}://{host}{port}"


def _normalize_login_host(value: str) -> str:
    text = value.strip().rstrip("/")
    if "://" not in text:
        text = "https://" + text
    url = httpx.URL(text)
    if not url.host:
        raise ConfigurationError(
            f"Invalid login host {value!r}; expected e.g. 'login.mypurecloud.de'."
        )
    port = f":{url.port}" if url.port is not None else ""
    return f"{url.scheme}://{url.host}{port}"


def _check_region(token_host: str, api_host: str) -> None:
    """Raise RegionMismatchError when a login.<A> token is about to go to an api.<B> host."""
    if not api_host.lower().startswith("api."):
        return
    token_domain = domain_of_host(token_host)
    api_domain = domain_of_host(api_host)
    if token_domain != api_domain:
        raise RegionMismatchError(token_domain=token_domain, api_domain=api_domain)


class ClientCredentials(httpx.Auth):
    """Client-credentials grant: Basic auth to ``POST <login host>/oauth/token``.

    The token is cached for the whole process, keyed by login host, client id and a hash of the
    secret, so every client of the same OAuth client in one region shares it. It is replaced
    60 s before ``expires_in`` runs out, and once when the API host responds with 401. However
    many requests wait for a token at the same time, only one token request is sent.

    Parameters
    ----------
    client_id, client_secret
        The OAuth client's credentials. The secret never appears in ``repr`` or logs.
    login_host
        Login host to request tokens from, e.g. ``"login.mypurecloud.de"``. By default it is
        derived from the API host (``api.<domain>`` -> ``login.<domain>``). A login host of
        another region than the API host makes every request raise
        :class:`~flowwidgets.api.RegionMismatchError` before anything is sent.
    clock
        Monotonic clock in seconds for token expiry; tests may replace it.
    """

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        *,
        login_host: str | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not client_id or not client_secret:
            raise ConfigurationError(
                "ClientCredentials needs both an OAuth client id and a secret."
            )
        self.client_id = client_id
        self._client_secret = client_secret
        self._secret_hash = hashlib.sha256(client_secret.encode()).hexdigest()
        self.login_host = _normalize_login_host(login_host) if login_host else None
        self._clock = clock

    def __repr__(self) -> str:
        login = f", login_host={self.login_host!r}" if self.login_host else ""
        return f"ClientCredentials(client_id={self.client_id!r}, client_secret=<hidden>{login})"

    def login_base_url(self, api_url: httpx.URL | str) -> str:
        """Return the login base URL this auth requests tokens from for a request to ``api_url``."""
        return self.login_host or login_base_url_for(api_url)

    def sync_auth_flow(
        self, request: httpx.Request
    ) -> Generator[httpx.Request, httpx.Response, None]:
        """Reject synchronous use: the token cache and its lock are asyncio-based."""
        raise NotImplementedError("ClientCredentials works with httpx.AsyncClient only.")

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        """Add a bearer token to the request, fetching or refreshing it as needed."""
        login_base = self.login_base_url(request.url)
        _check_region(httpx.URL(login_base).host, request.url.host)
        key = (login_base, self.client_id, self._secret_hash)

        token = self._cached_token(key)
        if token is None:
            async with _lock_for(key):
                token = self._cached_token(key)
                if token is None:
                    response = yield self._token_request(login_base)
                    await response.aread()
                    token = self._store_token(key, response, request)

        request.headers["Authorization"] = f"Bearer {token}"
        response = yield request
        if response.status_code != 401:
            return

        # The token may have been revoked or expired early: replace it once and re-send.
        async with _lock_for(key):
            cached = _TOKEN_CACHE.get(key)
            if cached is not None and cached.access_token != token:
                token = cached.access_token
            else:
                _TOKEN_CACHE.pop(key, None)
                logger.info(
                    "API host responded with 401; requesting a new token for client %s",
                    self.client_id,
                )
                token_response = yield self._token_request(login_base)
                await token_response.aread()
                token = self._store_token(key, token_response, request)

        request.headers["Authorization"] = f"Bearer {token}"
        yield request

    def token_expiry(self, login_base_url: str) -> datetime | None:
        """Return when the cached token for ``login_base_url`` expires (UTC), or ``None``.

        The time is the token's ``expires_in`` as the login host sent it, not the
        earlier moment at which the client replaces the token.
        """
        key = (self.login_host or login_base_url, self.client_id, self._secret_hash)
        cached = _TOKEN_CACHE.get(key)
        if cached is None:
            return None
        remaining = cached.expires_at + TOKEN_EXPIRY_MARGIN - self._clock()
        return datetime.now(timezone.utc) + timedelta(seconds=remaining)

    def _cached_token(self, key: tuple[str, str, str]) -> str | None:
        cached = _TOKEN_CACHE.get(key)
        if cached is None or self._clock() >= cached.expires_at:
            return None
        return cached.access_token

    def _token_request(self, login_base: str) -> httpx.Request:
        basic = httpx.BasicAuth(self.client_id, self._client_secret)
        request = httpx.Request(
            "POST",
            login_base + TOKEN_PATH,
            data={"grant_type": "client_credentials"},
            headers={"Accept": "application/json"},
        )
        return next(basic.auth_flow(request))

    def _store_token(
        self, key: tuple[str, str, str], response: httpx.Response, api_request: httpx.Request
    ) -> str:
        _log_token_response(response)
        if response.status_code != 200:
            api_base = f"{api_request.url.scheme}://{api_request.url.netloc.decode()}"
            raise error_from_response(response, api_base_url=api_base)

        body: Any
        try:
            body = response.json()
        except ValueError:
            body = None
        token = body.get("access_token") if isinstance(body, dict) else None
        if not isinstance(token, str) or not token:
            raise invalid_response(response, "POST /oauth/token", "no access_token in the body")

        lifetime = body.get("expires_in")
        if not isinstance(lifetime, (int, float)) or isinstance(lifetime, bool):
            lifetime = DEFAULT_TOKEN_LIFETIME
        _TOKEN_CACHE[key] = _CachedToken(
            token, self._clock() + float(lifetime) - TOKEN_EXPIRY_MARGIN
        )
        return token


def _log_token_response(response: httpx.Response) -> None:
    elapsed_ms = response.elapsed.total_seconds() * 1000 if _has_elapsed(response) else 0.0
    logger.info("POST %s -> %d (%.0f ms)", response.request.url, response.status_code, elapsed_ms)


def _has_elapsed(response: httpx.Response) -> bool:
    try:
        response.elapsed  # noqa: B018 - raises until the response is closed
    except RuntimeError:
        return False
    return True


class BearerToken(httpx.Auth):
    """An access token obtained elsewhere and pasted in; it is sent as is and never refreshed.

    Parameters
    ----------
    token
        The access token. It never appears in ``repr`` or logs.
    region
        Region the token was issued in, if known (name, domain or :class:`Region`). A request to
        an ``api.<domain>`` host of another region then raises
        :class:`~flowwidgets.api.RegionMismatchError` before the token is sent.
    """

    def __init__(self, token: str, *, region: str | Region | None = None) -> None:
        if not token or not token.strip():
            raise ConfigurationError("BearerToken needs a non-empty access token.")
        self._token = token.strip()
        self.region = resolve_region(region) if region is not None else None

    def __repr__(self) -> str:
        region = f", region={self.region.domain!r}" if self.region else ""
        return f"BearerToken(token=<hidden>{region})"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """Add the bearer token to the request, unless it belongs to another region."""
        if self.region is not None:
            _check_region(f"login.{self.region.domain}", request.url.host)
        request.headers["Authorization"] = f"Bearer {self._token}"
        yield request
