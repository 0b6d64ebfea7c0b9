"""Categories of attack targets by port and method, as SQL over the events table.

Targets are victims: only the *category* of a target (what kind of service was hit)
is derived from the port and the method; the address itself is never output.
A port that names a service wins over the method (an "HTTP-GET" flood aimed at
port 30120 hit a FiveM server); a game-specific method is used when the port does
not say more (no port, or a port outside the table).
"""

from __future__ import annotations

from dataclasses import dataclass

#: category prefix of every game service, used by the risk factor "game targeting"
GAME = "game"


@dataclass(frozen=True)
class PortRule:
    """Ports ``low``..``high`` (inclusive) belong to ``category``."""

    category: str
    low: int
    high: int


@dataclass(frozen=True)
class MethodRule:
    """Methods whose upper-cased name contains ``fragment`` belong to ``category``."""

    category: str
    fragment: str


PORTS: tuple[PortRule, ...] = (
    PortRule("game:fivem", 30120, 30120),
    PortRule("game:minecraft", 25565, 25565),
    PortRule("game:minecraft", 19132, 19133),  # Bedrock edition
    PortRule("game:xbox_live", 3074, 3074),
    PortRule("game:psn", 3478, 3480),
    PortRule("game:steam", 27015, 27030),
    PortRule("game:teamspeak", 9987, 9987),
    PortRule("game:other", 7777, 7778),  # SA-MP, ARK, Unreal-engine servers
    PortRule("web", 80, 80),
    PortRule("web", 443, 443),
    PortRule("web", 8080, 8080),
    PortRule("dns", 53, 53),
    PortRule("remote_access", 22, 22),
    PortRule("remote_access", 3389, 3389),
)

#: only methods that name the service they aim at; amplification vectors such as
#: "DNS" or "NTP" say how the flood is made, not what it hits, so they are absent
METHODS: tuple[MethodRule, ...] = (
    MethodRule("game:fivem", "FIVEM"),
    MethodRule("game:minecraft", "MINECRAFT"),
    MethodRule("game:teamspeak", "TS3"),
    MethodRule("game:teamspeak", "TEAMSPEAK"),
    MethodRule("game:other", "ARK"),
    MethodRule("game:other", "FORTNITE"),
    MethodRule("game:other", "GAME"),
    MethodRule("web", "HTTP"),
    MethodRule("web", "SLOWLORIS"),
    MethodRule("web", "CLOUDFLARE"),
    MethodRule("web", "BROWSER"),
)


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def category_sql(port: str = "target_port", method: str = "method") -> str:
    """A SQL ``CASE`` giving the category of an attack from its port and method columns."""
    whens = [f"WHEN {port} BETWEEN {r.low} AND {r.high} THEN {_quote(r.category)}" for r in PORTS]
    whens += [
        f"WHEN strpos(upper(coalesce({method}, '')), {_quote(r.fragment)}) > 0 "
        f"THEN {_quote(r.category)}"
        for r in METHODS
    ]
    return "CASE " + " ".join(whens) + " ELSE 'other' END"


def is_game(category: str) -> bool:
    """Whether a category is a game service."""
    return category.split(":", 1)[0] == GAME
