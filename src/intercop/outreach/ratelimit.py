"""A sliding-window rate limit per channel: at most N messages in any window of W seconds.

The window is a log of the last N send times; a send waits until the oldest of them is
W seconds old. Clock and sleep are injected, so tests drive time by hand.
"""

from __future__ import annotations

import re
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from intercop.errors import ConfigError

UNITS = {"s": 1.0, "sec": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0, "hour": 3600.0}
_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([a-z]+)\s*$")


@dataclass(frozen=True)
class Rate:
    """``limit`` messages per ``window`` seconds."""

    limit: int
    window: float

    def __str__(self) -> str:
        return f"{self.limit}/{self.window:g}s"

    @property
    def per_second(self) -> float:
        return self.limit / self.window


def parse_rate(text: str) -> Rate:
    """``"50/s"``, ``"1000/min"``, ``"100/5min"``, ``"2000/h"`` -> Rate."""
    match = _RATE.match(text.lower())
    if not match or match.group(3) not in UNITS or int(match.group(1)) == 0:
        raise ConfigError(
            f"{text!r} is not a rate",
            hint="Write it as COUNT/UNIT, e.g. 50/s, 1000/min or 2000/h",
        )
    count = int(match.group(1))
    multiple = float(match.group(2) or 1)
    return Rate(count, multiple * UNITS[match.group(3)])


class RateLimiter:
    """Blocks in ``acquire`` until one more message fits in the window."""

    def __init__(
        self,
        rate: Rate,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.rate = rate
        self.clock = clock
        self.sleep = sleep
        self._sent: deque[float] = deque()

    def wait_time(self) -> float:
        """Seconds until the next message may go (0 when it may go now)."""
        now = self.clock()
        while self._sent and now - self._sent[0] >= self.rate.window:
            self._sent.popleft()
        if len(self._sent) < self.rate.limit:
            return 0.0
        return self.rate.window - (now - self._sent[0])

    def acquire(self) -> float:
        """Wait for a slot and take it; returns the seconds waited."""
        waited = 0.0
        while (delay := self.wait_time()) > 0:
            self.sleep(delay)
            waited += delay
        self._sent.append(self.clock())
        return waited
