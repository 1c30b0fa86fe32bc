"""The sandbox clock: scenario time that tests advance instantly and demos speed up."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone


class SandboxClock:
    """Scenario time in UTC, driven by real time times ``speed`` plus manual advances.

    Parameters
    ----------
    start
        Scenario time at creation; defaults to the current UTC time.
    speed
        How many scenario seconds pass per real second. ``0`` freezes the clock
        so that only :meth:`advance` moves it, which keeps tests deterministic.
    """

    def __init__(self, start: datetime | None = None, speed: float = 1.0) -> None:
        if start is None:
            start = datetime.now(timezone.utc)
        if start.tzinfo is None:
            raise ValueError(f"the clock start must be timezone-aware, got {start.isoformat()}")
        if speed < 0:
            raise ValueError(f"the clock speed must be 0 or more, got {speed}")

        self._lock = threading.Lock()
        self._base = start.astimezone(timezone.utc)
        self._real_base = time.monotonic()
        self._speed = float(speed)

    def now(self) -> datetime:
        """Return the current scenario time as an aware UTC datetime."""
        with self._lock:
            elapsed = (time.monotonic() - self._real_base) * self._speed
            return self._base + timedelta(seconds=elapsed)

    def advance(self, seconds: float) -> datetime:
        """Move scenario time forward by ``seconds`` at once and return the new time."""
        if seconds < 0:
            raise ValueError(f"the clock only moves forward, got {seconds} seconds")

        with self._lock:
            self._rebase()
            self._base += timedelta(seconds=seconds)
            return self._base

    @property
    def speed(self) -> float:
        """Scenario seconds per real second."""
        return self._speed

    @speed.setter
    def speed(self, value: float) -> None:
        if value < 0:
            raise ValueError(f"the clock speed must be 0 or more, got {value}")

        with self._lock:
            self._rebase()
            self._speed = float(value)

    def _rebase(self) -> None:
        # Fold the real time elapsed so far into the base, so a speed change or an
        # advance does not rewrite the time that already passed.
        real_now = time.monotonic()
        self._base += timedelta(seconds=(real_now - self._real_base) * self._speed)
        self._real_base = real_now

    def __repr__(self) -> str:
        return f"SandboxClock(now={self.now().isoformat()}, speed={self._speed})"
