"""Bitcoin addresses that pass checksum validation (legacy base58check and bech32)."""

from __future__ import annotations

import hashlib
import random

_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_GEN = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)


def base58check(payload: bytes) -> str:
    """Base58 of ``payload`` followed by its 4-byte double-SHA256 checksum."""
    data = payload + hashlib.sha256(hashlib.sha256(payload).digest()).digest()[:4]
    number = int.from_bytes(data, "big")
    out = ""
    while number:
        number, rest = divmod(number, 58)
        out = _B58[rest] + out
    zeros = len(data) - len(data.lstrip(b"\0"))
    return "1" * zeros + out


def _polymod(values: list[int]) -> int:
    chk = 1
    for value in values:
        top = chk >> 25
        chk = (chk & 0x1FFFFFF) << 5 ^ value
        for i in range(5):
            chk ^= _GEN[i] if (top >> i) & 1 else 0
    return chk


def _to_5bit(data: bytes) -> list[int]:
    acc, bits, out = 0, 0, []
    for byte in data:
        acc = (acc << 8) | byte
        bits += 8
        while bits >= 5:
            bits -= 5
            out.append((acc >> bits) & 31)
    if bits:
        out.append((acc << (5 - bits)) & 31)
    return out


def bech32_address(program: bytes, hrp: str = "bc") -> str:
    """A segwit v0 address (bech32, BIP 173) for a 20- or 32-byte witness program."""
    data = [0, *_to_5bit(program)]
    expanded = [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]
    checksum = _polymod([*expanded, *data, 0, 0, 0, 0, 0, 0]) ^ 1
    tail = [(checksum >> 5 * (5 - i)) & 31 for i in range(6)]
    return f"{hrp}1" + "".join(_BECH32[d] for d in data + tail)


def btc_address(rng: random.Random) -> str:
    """A random address: legacy P2PKH (``1...``), P2SH (``3...``) or bech32 (``bc1q...``)."""
    body = rng.randbytes(20)
    roll = rng.random()
    if roll < 0.35:
        return base58check(b"\x00" + body)
    if roll < 0.55:
        return base58check(b"\x05" + body)
    return bech32_address(body)
