"""The mutable state of a simulated org: tokens, executions, rate windows and fault counters."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import math
import secrets
import threading
import uuid
from collections import deque
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from typing import Any

from flowwidgets.sandbox.clock import SandboxClock
from flowwidgets.sandbox.scenario import (
    FaultSpec,
    FlowSpec,
    SandboxOAuthClient,
    Scenario,
    VersionSpec,
    resolve_time,
)

# Tokens are signed rather than stored, so every Sandbox of the same scenario in
# this process accepts them, as every node of a real org would. That matters
# because the client caches tokens for the whole process.
_TOKEN_KEY = secrets.token_bytes(32)


@dataclass
class IssuedToken:
    """An access token the sandbox's login host issued."""

    client: SandboxOAuthClient
    region: str
    issued_at: datetime
    expires_at: datetime


def _sign(payload: bytes) -> str:
    digest = hmac.new(_TOKEN_KEY, payload, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


@dataclass
class ExecutionState:
    """One launched execution, whose status follows from the clock."""

    id: str
    name: str
    flow_id: str
    flow_name: str
    flow_type: str
    version_id: str
    division_id: str
    client_id: str
    input_data: dict[str, Any]
    date_launched: datetime
    duration_seconds: float
    failure: dict[str, Any] | None
    failure_status: str
    output_data: dict[str, Any]
    in_history: bool

    @property
    def date_completed(self) -> datetime:
        """Time the execution ends (or ended)."""
        return self.date_launched + timedelta(seconds=self.duration_seconds)

    def status_at(self, now: datetime) -> str:
        """Return the execution status at scenario time ``now``."""
        if now < self.date_completed:
            return "RUNNING"
        return self.failure_status if self.failure is not None else "COMPLETED"


@dataclass
class FaultCounter:
    """How many matching requests a fault has seen, and its rate window."""

    spec: FaultSpec
    seen: int = 0
    window: deque[datetime] = field(default_factory=deque)


class RateWindow:
    """A sliding one-minute window of request times for one key."""

    def __init__(self) -> None:
        self._times: dict[str, deque[datetime]] = {}

    def admit(self, key: str, limit: int, now: datetime) -> int | None:
        """Record a request and return None, or return Retry-After seconds when over ``limit``."""
        times = self._times.setdefault(key, deque())
        return admit_into(times, limit, now)


def admit_into(times: deque[datetime], limit: int, now: datetime) -> int | None:
    """Record ``now`` in ``times`` unless ``limit`` requests happened in the last minute."""
    horizon = now - timedelta(seconds=60)
    while times and times[0] <= horizon:
        times.popleft()
    if len(times) >= limit:
        wait = (times[0] + timedelta(seconds=60) - now).total_seconds()
        return max(1, math.ceil(wait))
    times.append(now)
    return None


class OrgState:
    """Everything about the simulated org that changes while it runs."""

    def __init__(self, scenario: Scenario, clock: SandboxClock) -> None:
        self.scenario = scenario
        self.clock = clock
        self.lock = threading.RLock()
        start = clock.now()
        self.start = start

        self.flows: dict[str, FlowSpec] = {flow.id: flow for flow in scenario.flows}
        self.published_at: dict[str, datetime | None] = {
            flow.id: resolve_time(flow.published_at, start)
            if flow.published_at is not None
            else None
            for flow in scenario.flows
        }
        self.execution_data_enabled = scenario.execution_data_enabled
        enabled_at = scenario.execution_data_enabled_at
        if enabled_at is None and scenario.execution_data_enabled:
            enabled_at = -30 * 86400.0
        self.execution_data_enabled_at: datetime | None = (
            resolve_time(enabled_at, start) if enabled_at is not None else None
        )
        self.execution_data_modified_at: datetime = (
            self.execution_data_enabled_at or start - timedelta(days=30)
        )

        #: Revoked tokens with their expiry time; an entry is dropped once the token has
        #: expired, because expiry alone then rejects it.
        self.revoked_tokens: dict[str, datetime] = {}
        self.tokens_issued = 0
        self.executions: dict[str, ExecutionState] = {}
        self.client_windows = RateWindow()
        self.token_windows = RateWindow()
        self.faults = [FaultCounter(spec) for spec in scenario.faults]

    def version_created(self, version: VersionSpec) -> datetime:
        """Return the creation time of a flow version."""
        return resolve_time(version.created_at, self.start)

    def issue_token(self, client: SandboxOAuthClient, region: str) -> tuple[str, IssuedToken]:
        """Issue a new access token for ``client`` on ``region``."""
        now = self.clock.now()
        issued = IssuedToken(
            client=client,
            region=region,
            issued_at=now,
            expires_at=now + timedelta(seconds=client.token_lifetime_seconds),
        )
        claims = {
            "org": self.scenario.organization_id,
            "client": client.client_id,
            "region": region,
            "issued": issued.issued_at.timestamp(),
            "expires": issued.expires_at.timestamp(),
            "nonce": secrets.token_hex(8),
        }
        payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
        with self.lock:
            self.tokens_issued += 1
        return f"{payload}.{_sign(payload.encode())}", issued

    def revoke_token(self, token: str) -> None:
        """Revoke a token this org issued until it expires; an unknown token is ignored."""
        issued = self.resolve_token(token)
        if issued is None:
            return
        now = self.clock.now()
        with self.lock:
            expired = [key for key, expires in self.revoked_tokens.items() if expires <= now]
            for key in expired:
                del self.revoked_tokens[key]
            if issued.expires_at > now:
                self.revoked_tokens[token] = issued.expires_at

    def resolve_token(self, token: str) -> IssuedToken | None:
        """Return the token's grant if this org issued it and it is not revoked, else None.

        Expiry is left to the caller, which compares ``expires_at`` with the clock.
        """
        payload, _, signature = token.partition(".")
        if (
            not hmac.compare_digest(_sign(payload.encode()), signature)
            or token in self.revoked_tokens
        ):
            return None
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        if claims["org"] != self.scenario.organization_id:
            return None
        client = next((c for c in self.scenario.clients if c.client_id == claims["client"]), None)
        if client is None:
            return None
        return IssuedToken(
            client=client,
            region=claims["region"],
            issued_at=datetime.fromtimestamp(claims["issued"], timezone.utc),
            expires_at=datetime.fromtimestamp(claims["expires"], timezone.utc),
        )

    def history_captures(self, flow_id: str, at: datetime | None = None) -> bool:
        """Return whether executions of this flow launched at ``at`` (default now) are stored.

        Execution data must be on, and the flow must have been published after it
        was turned on.
        """
        published = self.published_at.get(flow_id)
        enabled_at = self.execution_data_enabled_at
        if not self.execution_data_enabled or enabled_at is None or published is None:
            return False
        moment = self.clock.now() if at is None else at
        return published >= enabled_at and moment >= enabled_at

    def set_execution_data(self, enabled: bool) -> None:
        """Turn the org's execution-data setting on or off."""
        now = self.clock.now()
        with self.lock:
            if enabled and not self.execution_data_enabled:
                self.execution_data_enabled_at = now
            self.execution_data_enabled = enabled
            self.execution_data_modified_at = now

    def republish(self, flow_id: str) -> None:
        """Publish the flow's published version again, as Architect's Publish button does."""
        with self.lock:
            flow = self.flows[flow_id]
            if flow.published_version is None:
                raise ValueError(f"flow {flow_id} has no published version to republish")
            self.published_at[flow_id] = self.clock.now()

    def publish(self, flow_id: str, version_id: str | None = None) -> VersionSpec:
        """Publish a version of the flow now and return it.

        Without ``version_id`` the newest checked-in or published version is
        published, which re-publishes the current one when nothing newer was
        checked in. Either way the publish time moves to now, so execution
        history starts capturing the flow if execution data is on.

        Raises
        ------
        KeyError
            When the flow does not exist.
        ValueError
            When ``version_id`` is not a version of the flow, or the flow has no
            checked-in version to publish.
        """
        with self.lock:
            flow = self.flows[flow_id]
            if version_id is not None:
                version = flow.version(version_id)
                if version is None:
                    raise ValueError(f"flow {flow_id} has no version {version_id!r}")
                if version.type == "SAVE":
                    raise ValueError(
                        f"version {version_id!r} of flow {flow_id} is only saved; check it in first"
                    )
            else:
                checked_in = [item for item in flow.versions if item.type in ("CHECKIN", "PUBLISH")]
                if not checked_in:
                    raise ValueError(
                        f"flow {flow_id} has no checked-in version to publish; check it in first"
                    )
                version = checked_in[-1]
            self.flows[flow_id] = replace(flow, published_version=version.id)
            self.published_at[flow_id] = self.clock.now()
        return version

    def purge_expired(self) -> None:
        """Forget executions older than both the history and the execution-detail retention.

        This keeps a long-running sandbox's memory bounded. Purged executions also
        leave flow-execution aggregates, which a real org keeps for longer.
        """
        keep_days = max(
            self.scenario.history_retention_days, self.scenario.execution_retention_days
        )
        horizon = self.clock.now() - timedelta(days=keep_days)
        with self.lock:
            expired = [
                key for key, state in self.executions.items() if state.date_launched < horizon
            ]
            for key in expired:
                del self.executions[key]

    def new_execution_id(self) -> str:
        """Return a fresh execution id."""
        return str(uuid.uuid4())
