"""Target categories by port and method."""

from __future__ import annotations

import duckdb
import pytest

from intercop.profiles.targets import category_sql, is_game


@pytest.mark.parametrize(
    ("port", "method", "expected"),
    [
        (30120, "UDP", "game:fivem"),
        (25565, "TCP-SYN", "game:minecraft"),
        (3074, "UDP", "game:xbox_live"),
        (3479, "UDP", "game:psn"),
        (27015, "UDP", "game:steam"),
        (9987, "UDP", "game:teamspeak"),
        (443, "HTTPS-FLOOD", "web"),
        (53, "DNS", "dns"),
        (30120, "HTTP-GET", "game:fivem"),  # the port says what was hit
        (None, "MINECRAFT", "game:minecraft"),
        (12345, "NTP", "other"),
        (None, "DNS", "other"),  # an amplification vector, not a target
    ],
)
def test_category(port: int | None, method: str, expected: str) -> None:
    got = duckdb.execute(
        f"SELECT {category_sql('p', 'm')} FROM (SELECT ?::INTEGER AS p, ?::VARCHAR AS m)",
        [port, method],
    ).fetchone()
    assert got == (expected,)


def test_is_game() -> None:
    assert is_game("game:psn") and not is_game("web")
