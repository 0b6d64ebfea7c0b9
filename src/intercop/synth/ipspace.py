"""Public IP addresses that geolocate to a given country by the offline ``iptocc`` table.

The country blocks are found once by probing the whole IPv4 space (one address per
/18) and common IPv6 /32 prefixes; addresses are then drawn inside a block with the
caller's seeded ``random.Random`` and checked, so the result is deterministic.
"""

from __future__ import annotations

import ipaddress
import random
from collections import defaultdict
from functools import cache

import iptocc

# Registries' IPv6 allocations worth probing: 2001::/16, and the /12s where RIRs
# hand out most end-user space (RIPE 2a00, ARIN 2600, APNIC 2400, LACNIC 2800).
_V6_FIRST = (0x2001, 0x2003, *range(0x2400, 0x2410), *range(0x2600, 0x2610),
             *range(0x2800, 0x2806), *range(0x2A00, 0x2A11))  # fmt: skip
_RESERVED_FIRST_OCTETS = frozenset({0, 10, 127})
_VPN_COUNTRIES = ("NL", "SE", "CH", "DE", "US", "GB", "RO", "SG", "CA", "FR")


@cache
def _v4_blocks() -> dict[str, tuple[int, ...]]:
    """Map country -> /18 blocks (as the integer of their first address)."""
    starts = [
        (a << 24) | (b << 16) | (c << 8)
        for a in range(1, 224)
        if a not in _RESERVED_FIRST_OCTETS
        for b in range(256)
        for c in (0, 64, 128, 192)
    ]
    probes = [f"{s >> 24}.{(s >> 16) & 255}.{(s >> 8) & 255}.1" for s in starts]
    blocks: dict[str, list[int]] = defaultdict(list)
    for start, cc in zip(starts, iptocc.country_code(probes), strict=True):
        if cc is not None:
            blocks[cc].append(start)
    return {cc: tuple(v) for cc, v in blocks.items()}


@cache
def _v6_prefixes() -> dict[str, tuple[int, ...]]:
    """Map country -> IPv6 /32 prefixes (as 32-bit integers) probed every 16th /32."""
    prefixes = [(h1 << 16) | h2 for h1 in _V6_FIRST for h2 in range(0, 65536, 16)]
    probes = [f"{p >> 16:x}:{p & 0xFFFF:x}::1" for p in prefixes]
    found: dict[str, list[int]] = defaultdict(list)
    for prefix, cc in zip(prefixes, iptocc.country_code(probes), strict=True):
        if cc is not None:
            found[cc].append(prefix)
    return {cc: tuple(v) for cc, v in found.items()}


def ipv4_in(rng: random.Random, country: str) -> str:
    """Draw a public IPv4 address that ``iptocc`` places in ``country``."""
    blocks = _v4_blocks().get(country)
    if not blocks:
        raise ValueError(f"no IPv4 space known for country {country!r}")
    while True:
        start = blocks[rng.randrange(len(blocks))]
        host = rng.randrange(1 << 14)
        if host & 0xFF in (0, 255):
            continue
        value = start + host
        addr = f"{value >> 24}.{(value >> 16) & 255}.{(value >> 8) & 255}.{value & 255}"
        # iptocc leaves most private space unmapped, but some test nets sit inside
        # allocated /18s; is_global keeps them out.
        if iptocc.country_code(addr) == country and ipaddress.IPv4Address(value).is_global:
            return addr


def ipv6_in(rng: random.Random, country: str) -> str | None:
    """Draw an IPv6 address in ``country``, or None when none of its /32s is known."""
    prefixes = _v6_prefixes().get(country)
    if not prefixes:
        return None
    for _ in range(64):
        prefix = prefixes[rng.randrange(len(prefixes))] + rng.randrange(16)
        value = (prefix << 96) | (rng.getrandbits(64) << 32) | rng.getrandbits(32)
        addr = str(ipaddress.IPv6Address(value))
        if iptocc.country_code(addr) == country:
            return addr
    return None


def vpn_exits(seed: int, count: int = 24) -> tuple[str, ...]:
    """A small set of VPN exit addresses, shared by many persons of every country."""
    rng = random.Random(f"vpn:{seed}")
    return tuple(ipv4_in(rng, _VPN_COUNTRIES[i % len(_VPN_COUNTRIES)]) for i in range(count))
