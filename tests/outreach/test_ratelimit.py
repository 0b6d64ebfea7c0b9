"""The sliding-window rate limit, driven by an injected clock."""

from __future__ import annotations

import pytest

from intercop.errors import ConfigError
from intercop.outreach.ratelimit import Rate, RateLimiter, parse_rate


class Clock:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.mark.parametrize(
    ("text", "rate"),
    [("50/s", Rate(50, 1.0)), ("1000/min", Rate(1000, 60.0)), ("100/5min", Rate(100, 300.0)),
     ("2000/h", Rate(2000, 3600.0))],
)  # fmt: skip
def test_parse(text: str, rate: Rate) -> None:
    assert parse_rate(text) == rate


@pytest.mark.parametrize("text", ["fast", "50", "0/s", "10/fortnight"])
def test_bad_rates_say_how_to_write_one(text: str) -> None:
    with pytest.raises(ConfigError, match="COUNT/UNIT"):
        parse_rate(text)


def test_never_more_than_the_limit_in_any_window() -> None:
    clock = Clock()
    limiter = RateLimiter(Rate(3, 1.0), clock=clock, sleep=clock.sleep)
    times = []
    for _ in range(10):
        limiter.acquire()
        times.append(clock.now)
        clock.now += 0.1  # work between sends
    for i, t in enumerate(times):
        assert sum(1 for u in times if t <= u < t + 1.0) <= 3, (i, times)
    assert times[:3] == pytest.approx([0.0, 0.1, 0.2])
    assert times[3] == pytest.approx(1.0)  # waited for the first to leave the window


def test_no_wait_under_the_limit() -> None:
    clock = Clock()
    limiter = RateLimiter(Rate(5, 60.0), clock=clock, sleep=clock.sleep)
    for _ in range(5):
        assert limiter.acquire() == 0.0
    assert clock.slept == []
    assert limiter.wait_time() == pytest.approx(60.0)
