"""Free text and attack parameters: tickets, posts, messages, methods and fake victims.

About one text in twenty carries something that breaks naive parsers: quotes,
backslashes, newlines, ``);``, ``--`` and ``/*`` inside strings, emoji, Japanese,
Cyrillic and Arabic, NUL and Ctrl-Z bytes.
"""

from __future__ import annotations

import random

NASTY = (
    "It's a \"test\" with a \\ backslash",
    "line one\nline two\r\nline three",
    "'); DROP TABLE users; --",
    "/* not a comment */ -- nor this; # nor this",
    "tab\tseparated\tvalue",
    "🔥💀 ez hit off 😂👌",
    "サーバーを落としました。ありがとう！",
    "Привет, атака не работает, помогите",
    "مرحبا، الهجوم لا يعمل",
    "nul\x00byte and ctrl-z \x1a inside",
    "INSERT INTO `users` VALUES (1,'x'),(2,'y');",
    "\\'; \\\\ already escaped? \\n",
    "ends with a backslash \\",
    "\\.",
    "\\N",
    "),(",
    "comma, \"quoted, field\", and 'single'",
    "😀" * 8 + " Ünïcödé ñ ß ø å",
)  # fmt: skip

ATTACK_METHODS = (
    "UDP", "TCP-SYN", "TCP-ACK", "NTP", "DNS", "LDAP", "MEMCACHED", "SSDP", "CHARGEN",
    "HTTP-GET", "HTTP-POST", "HTTPS-FLOOD", "OVH-BYPASS", "NFO-KILL", "FIVEM", "MINECRAFT",
    "ARK-SURVIVAL", "TS3", "DISCORD", "GRE", "SLOWLORIS", "CLOUDFLARE-BYPASS",
)  # fmt: skip
ATTACK_PORTS = (80, 443, 53, 25565, 27015, 30120, 3074, 9987, 7777, 22, 3389, 8080, 19132)
PLANS = ("Free", "Starter", "Bronze", "Silver", "Gold", "Platinum", "VIP", "Lifetime")
PLAN_PRICES = (0, 5, 10, 20, 35, 50, 80, 150)
_GAMES = ("craft", "realm", "arena", "legends", "rust", "zone", "kingdom", "blocks", "nation")
_NAMES = ("mega", "ultra", "pixel", "hyper", "epic", "royal", "turbo", "alpha", "neo", "prime")

_TICKETS = {
    "en": [
        ("Attack not working", "My attack on {target} is not doing anything, can you check?"),
        ("Refund", "I paid but my plan is still Free. Please fix or refund."),
        ("API question", "How do I use the API key with my own script?"),
        ("Concurrents", "Can I get more concurrents on my plan?"),
    ],
    "nl": [
        ("Aanval werkt niet", "Mijn aanval op {target} doet niks, kunnen jullie kijken?"),
        ("Terugbetaling", "Ik heb betaald maar mijn plan is nog steeds Free."),
    ],
    "pt": [
        ("Ataque não funciona", "Meu ataque em {target} não derruba nada, ajuda?"),
        ("Reembolso", "Paguei mas o plano não ativou."),
    ],
    "de": [("Angriff geht nicht", "Mein Angriff auf {target} bringt nichts, bitte prüfen.")],
    "sv": [("Attacken funkar inte", "Min attack mot {target} gör ingenting.")],
    "fi": [("Hyökkäys ei toimi", "Hyökkäykseni kohteeseen {target} ei tee mitään.")],
    "ja": [("攻撃が動かない", "{target} への攻撃が効きません。確認してください。")],
}
_POSTS = (
    "Anyone got a working method for {game}? Paying in BTC.",
    "Selling fresh accounts, PM me.",
    "[quote]How do I stay anonymous?[/quote] Use a VPN and never your real e-mail lol",
    "Tutorial: setting up your first botnet (for educational purposes only)",
    "This booter is trash, got 2 Gbps max.",
    "Looking for a coder for a Discord tool. Budget $50.",
    "Is it illegal to stress my own server? Asking for a friend.",
    "Check my new cheat for {game}, undetected [url=http://cheats.{game}.example]link[/url]",
)


def text(rng: random.Random, base: str) -> str:
    """``base``, with a parser-hostile string mixed in now and then."""
    if rng.random() < 0.06:
        return f"{base} {rng.choice(NASTY)}"
    return base


def fake_host(rng: random.Random) -> str:
    """A victim host name under ``.example`` (never a real site)."""
    return f"play.{rng.choice(_NAMES)}{rng.choice(_GAMES)}.example"


def target(rng: random.Random) -> str:
    """An attack target: mostly a random public IPv4, sometimes a host or URL."""
    roll = rng.random()
    if roll < 0.8:
        a, b, c, d = (
            rng.randrange(1, 224),
            rng.randrange(256),
            rng.randrange(256),
            rng.randrange(1, 255),
        )
        return f"{a}.{b}.{c}.{d}"
    if roll < 0.92:
        return fake_host(rng)
    return f"https://www.{rng.choice(_NAMES)}shop.example/"


def ticket(rng: random.Random, language: str) -> tuple[str, str]:
    """A support ticket (subject, message), in the user's language or English."""
    options = _TICKETS.get(language, []) + _TICKETS["en"]
    subject, message = rng.choice(options)
    return text(rng, subject), text(rng, message.format(target=target(rng)))


def post(rng: random.Random) -> str:
    """A forum post in MyBB code."""
    return text(rng, rng.choice(_POSTS).format(game=rng.choice(_GAMES)))


def password(rng: random.Random, handle: str) -> str:
    """A password a teenager would type."""
    base = rng.choice((handle, "password", "qwerty", "dragon", "minecraft", "fortnite"))
    return f"{base}{rng.choice(('', '1', '123', '2008', '!', '69', '@2024'))}"
