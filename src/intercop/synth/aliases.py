"""How one person's handle and e-mail vary from platform to platform.

Pure functions of a seeded ``random.Random``: leetspeak, case changes, digits,
gmail dot and ``+tag`` variants, all the ways people really vary their identifiers.
"""

from __future__ import annotations

import random
import unicodedata

_LEET = {"a": "4", "e": "3", "i": "1", "o": "0", "s": "5", "t": "7", "l": "1"}
#: handles that many unrelated people pick: namesakes, not one person
COMMON_HANDLES = ("admin", "test", "xXsniperXx", "hacker", "anonymous", "gamer", "user1", "ddos")
_WORDS = (
    "shadow", "dark", "sniper", "ghost", "venom", "blaze", "frost", "toxic", "storm", "ninja",
    "reaper", "viper", "nova", "zero", "pixel", "wolf", "dragon", "hydra", "glitch", "cyber",
    "byte", "rogue", "phantom", "lunar", "crypt", "turbo", "kraken", "noob", "boss", "flash",
)  # fmt: skip


def ascii_fold(text: str) -> str:
    """Drop accents and anything outside ``[a-z0-9]`` (for handles and mailbox names)."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return "".join(ch for ch in folded.lower() if ch.isalnum())


def make_handle(rng: random.Random, given: str, family: str, birth_year: int) -> str:
    """A gamer-style handle built from a word, the person's names and digits."""
    g, f = ascii_fold(given) or "x", ascii_fold(family) or "y"
    word = rng.choice(_WORDS)
    yy = f"{birth_year % 100:02d}"
    pattern = rng.randrange(8)
    if pattern == 0:
        return f"{word}{rng.randrange(10, 9999)}"
    if pattern == 1:
        return f"{g}{yy}"
    if pattern == 2:
        return f"{g}_{f}"
    if pattern == 3:
        return f"xX{word.capitalize()}{g.capitalize()}Xx"
    if pattern == 4:
        return f"{word}_{rng.choice(_WORDS)}"
    if pattern == 5:
        return f"{g[0]}{f}{rng.randrange(100)}"
    if pattern == 6:
        return f"{word.capitalize()}{g.capitalize()}"
    return f"{g}{word}{yy}"


def leetspeak(handle: str) -> str:
    """Replace letters by look-alike digits (``sniper`` -> ``5n1p3r``)."""
    return "".join(_LEET.get(ch.lower(), ch) for ch in handle)


def vary_case(rng: random.Random, handle: str) -> str:
    """Capitalise, upper-case or swap the case of a handle."""
    choice = rng.randrange(3)
    if choice == 0:
        return handle.capitalize() if handle != handle.capitalize() else handle.upper()
    if choice == 1:
        return handle.upper()
    return handle.swapcase()


def vary_handle(rng: random.Random, handle: str) -> tuple[str, str]:
    """Return (username, how) for one platform: mostly the handle, sometimes a variant."""
    roll = rng.random()
    if roll < 0.55:
        return handle, "same"
    if roll < 0.67:
        return vary_case(rng, handle), "case"
    if roll < 0.77:
        leet = leetspeak(handle)
        return (leet, "leet") if leet != handle else (f"{handle}_", "suffix")
    if roll < 0.92:
        return f"{handle}{rng.choice(('1', '2', '_', '99', '00', 'x', '007'))}", "suffix"
    return f"{rng.choice(_WORDS)}{rng.randrange(100, 999)}", "other"


def mailbox(rng: random.Random, given: str, family: str, handle: str, birth_year: int) -> str:
    """A local part of an e-mail address built the way people build them."""
    g, f = ascii_fold(given) or "user", ascii_fold(family) or "mail"
    h = ascii_fold(handle) or g
    pattern = rng.randrange(5)
    if pattern == 0:
        return f"{g}.{f}"
    if pattern == 1:
        return f"{g}{f}{birth_year % 100:02d}"
    if pattern == 2:
        return h
    if pattern == 3:
        return f"{g}{rng.randrange(1, 999)}"
    return f"{g[0]}.{f}{rng.randrange(10, 99)}"


def gmail_dots(rng: random.Random, local: str) -> str:
    """Insert or move dots in a gmail mailbox (gmail ignores them)."""
    bare = local.replace(".", "")
    if len(bare) < 3:
        return local
    cut = rng.randrange(1, len(bare) - 1)
    return f"{bare[:cut]}.{bare[cut:]}"


def vary_email(rng: random.Random, email: str, alternative: str) -> tuple[str, str]:
    """Return (e-mail, how) for one platform: same, dots, +tag, case, or another address."""
    local, _, domain = email.partition("@")
    roll = rng.random()
    if roll < 0.55:
        return email, "same"
    if roll < 0.65 and domain == "gmail.com":
        return f"{gmail_dots(rng, local)}@{domain}", "gmail-dots"
    if roll < 0.75 and domain in ("gmail.com", "protonmail.com", "outlook.com", "icloud.com"):
        tag = rng.choice(("ddos", "booter", "forum", "spam", "games", "shop"))
        return f"{local}+{tag}@{domain}", "plus-tag"
    if roll < 0.82:
        return f"{local.capitalize()}@{domain.upper() if rng.random() < 0.3 else domain}", "case"
    return alternative, "other"
