"""A sliding-window request limit per key (a partner's token): N requests in any W seconds.

The limiter keeps, per key, the times of the requests it admitted within the last
window, so it is exact (no burst at a fixed window's edge) and costs O(N) memory per
key. It lives in the memory of one process: behind several worker processes each
admits its own N, so a deployment that runs K workers gives a partner up to K x N
(configure ``INTERCOP_WEB_PARTNER_RATE`` accordingly, or limit at the proxy).
Keys idle for a whole window are dropped, so the table does not grow without end.
The clock is injected, so tests drive time by hand.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable

from intercop.errors import IntercopError


class RateLimitedError(IntercopError):
    """Too many requests in the window: try again after ``wait_seconds`` (answered 429)."""

    def __init__(self, limit: int, window: float, wait_seconds: int) -> None:
        self.wait_seconds = wait_seconds
        super().__init__(
            f"more than {limit} requests in {window:g} seconds",
            hint=f"Wait {wait_seconds} s (see the Retry-After header) and slow down",
        )


class SlidingWindowLimiter:
    """Admits at most ``limit`` calls per key in any ``window`` seconds (thread-safe)."""

    def __init__(
        self, limit: int, window: float = 60.0, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if limit < 1 or window <= 0:
            raise ValueError("a rate limit needs limit >= 1 and a positive window")
        self.limit = limit
        self.window = window
        self.clock = clock
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()
        self._last_sweep = clock()

    def wait(self, key: str) -> float:
        """Admit one call for ``key`` and return 0, or return the seconds until one fits."""
        now = self.clock()
        with self._lock:
            self._sweep(now)
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            if len(hits) >= self.limit:
                return hits[0] + self.window - now
            hits.append(now)
            return 0.0

    def check(self, key: str) -> None:
        """Admit one call for ``key`` or raise RateLimitedError (with whole seconds to wait)."""
        wait = self.wait(key)
        if wait > 0:
            raise RateLimitedError(self.limit, self.window, max(1, math.ceil(wait)))

    def _sweep(self, now: float) -> None:
        # at most once per window: forget keys whose newest call is older than a window
        if now - self._last_sweep < self.window:
            return
        self._last_sweep = now
        stale = [k for k, hits in self._hits.items() if not hits or hits[-1] <= now - self.window]
        for key in stale:
            del self._hits[key]

    def __len__(self) -> int:
        """How many keys are tracked now."""
        return len(self._hits)
