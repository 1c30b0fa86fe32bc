"""Retry policy of the client: how long to wait, and the record of each wait."""

from __future__ import annotations

import random
from dataclasses import dataclass

__all__ = [
    "DEFAULT_MAX_RETRIES",
    "RATE_LIMIT_DEFAULT_DELAY",
    "RETRYABLE_STATUSES",
    "RetryWait",
    "backoff_delay",
    "rate_limit_delay",
]

# Gateway and availability errors that are retried for idempotent requests.
RETRYABLE_STATUSES = frozenset({502, 503, 504})

# Retries after a 5xx response or a connection error, for idempotent requests only.
DEFAULT_MAX_RETRIES = 3

# Wait before the first re-send of a 429 response that has no Retry-After header. Each further
# 429 of the same call doubles it, up to RATE_LIMIT_MAX_DEFAULT_DELAY.
RATE_LIMIT_DEFAULT_DELAY = 5.0
RATE_LIMIT_MAX_DEFAULT_DELAY = 60.0

# Exponential backoff after a 5xx response or connection error: 0.5 s, 1 s, 2 s, ... each
# multiplied by a random factor in [0.5, 1.5) so that clients do not retry in step.
BACKOFF_BASE = 0.5
BACKOFF_MAX = 30.0


@dataclass(frozen=True)
class RetryWait:
    """One wait of the client before it re-sends a request.

    Attributes
    ----------
    reason
        ``"rate-limited"`` (429), ``"server-error"`` (502, 503, 504) or ``"connection-error"``.
    delay
        Seconds the client waits (or, for a 429 that ended the call, would have had to wait).
    attempt
        Number of the attempt that failed, starting at 1.
    method, url
        The request.
    status
        HTTP status of the response, or None for a connection error.
    retry_after
        The response's ``Retry-After`` in seconds, or None when it had none.
    """

    reason: str
    delay: float
    attempt: int
    method: str
    url: str
    status: int | None
    retry_after: float | None


def rate_limit_delay(retry_after: float | None, rate_limited_count: int) -> float:
    """Return the wait after the ``rate_limited_count``-th 429 of a call (counting from 1).

    ``Retry-After`` is used as is; without it the documented default backoff applies.
    """
    if retry_after is not None:
        return retry_after
    delay = RATE_LIMIT_DEFAULT_DELAY * 2 ** (rate_limited_count - 1)
    return min(delay, RATE_LIMIT_MAX_DEFAULT_DELAY)


def backoff_delay(failure_count: int) -> float:
    """Return the jittered wait after the ``failure_count``-th 5xx or connection error (from 1)."""
    delay = min(BACKOFF_BASE * 2 ** (failure_count - 1), BACKOFF_MAX)
    return delay * random.uniform(0.5, 1.5)
