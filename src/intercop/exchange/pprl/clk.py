"""Cryptographic long-term keys (CLKs): one keyed Bloom filter per record over all fields.

Each value is cleaned (NFKC, casefolded, whitespace collapsed), padded with a space on
both sides and cut into q-grams; each q-gram sets ``k`` bits (the field's weight shared
over its q-grams) chosen by HMAC-SHA256 under the field's own key (derived from the
exchange secret). Positions are read as 16-bit words from the digest (and from
further digests over a counter when k > 16),
which is unbiased because the length is a power of two, and avoids the linear
structure of double hashing that some attacks exploit.
"""

from __future__ import annotations

import hmac
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from intercop.exchange.pprl.schema import Schema
from intercop.exchange.pprl.secret import ExchangeSecret

#: a record to encode: field name -> its values (a field may hold several, e.g. e-mails)
Values = Mapping[str, Sequence[str]]


def clean(value: str) -> str:
    """The form a value is encoded in, so both sides tokenise the same way."""
    return " ".join(unicodedata.normalize("NFKC", value).casefold().split())


def qgrams(value: str, q: int) -> set[str]:
    """The q-grams of ``value`` padded with one space on each side."""
    text = clean(value)
    if not text:
        return set()
    padded = f" {text} " if q > 1 else text
    return {padded[i : i + q] for i in range(len(padded) - q + 1)}


def date_tokens(value: str, q: int) -> set[str]:
    """Year, month and day of an ISO date as three tokens (q-grams of anything else).

    Q-grams of dates are shared by most dates of a decade ("19", "-0"...), so they
    barely tell persons apart; whole components do, and a typo in one keeps two.
    """
    parts = clean(value).split("-")
    if len(parts) == 3 and all(p.isdigit() for p in parts):
        return {f"y{parts[0]}", f"m{parts[1]}", f"d{parts[2]}"}
    return qgrams(value, q)


def email_tokens(value: str, q: int) -> set[str]:
    """Q-grams of the local part and the domain as one token.

    A common domain (gmail.com) would otherwise put the same dozen q-grams into most
    filters and lift the score of every pair.
    """
    local, at, domain = clean(value).rpartition("@")
    if not at:
        return qgrams(value, q)
    return qgrams(local, q) | {f"@{domain}"}


#: field -> tokeniser (q-grams unless named here)
TOKENISERS: dict[str, Callable[[str, int], set[str]]] = {
    "birth_date": date_tokens,
    "email": email_tokens,
}


@dataclass
class ClkEncoder:
    """Encodes records under one schema and secret; caches q-gram positions."""

    schema: Schema
    secret: ExchangeSecret

    def __post_init__(self) -> None:
        self._keys = [self.secret.key(f"field:{f.name}") for f in self.schema.fields]
        self._cache: list[dict[str, list[int]]] = [{} for _ in self.schema.fields]
        self._values: list[dict[str, np.ndarray]] = [{} for _ in self.schema.fields]

    def _positions(self, index: int, token: str, k: int) -> list[int]:
        cached = self._cache[index].get(token)
        if cached is not None and len(cached) >= k:
            return cached[:k]
        mask = self.schema.length - 1
        key, data = self._keys[index], token.encode()
        words: list[int] = []
        block = 0
        while len(words) < k:
            digest = hmac.digest(key, data + b"\x00" + bytes([block]), "sha256")
            words.extend(int.from_bytes(digest[i : i + 2], "big") & mask for i in range(0, 32, 2))
            block += 1
        self._cache[index][token] = words
        return words[:k]

    def _field_bits(self, index: int, values: Sequence[str]) -> np.ndarray:
        spec = self.schema.fields[index]
        tokens: set[str] = set()
        tokenise = TOKENISERS.get(spec.name, qgrams)
        for value in values:
            tokens |= tokenise(value, spec.q)
        k = spec.k(len(tokens))
        out: list[int] = []
        for token in sorted(tokens):
            out.extend(self._positions(index, token, k))
        return np.asarray(out, dtype=np.intp)

    def bits_of(self, record: Values) -> np.ndarray:
        """The bit positions a record sets (before hardening)."""
        parts: list[np.ndarray] = []
        for index, spec in enumerate(self.schema.fields):
            values = record.get(spec.name, ())
            if len(values) == 1:
                # single values repeat a lot (names, towns): cache the whole field
                cached = self._values[index].get(values[0])
                if cached is None:
                    cached = self._values[index][values[0]] = self._field_bits(index, values)
                parts.append(cached)
            elif values:
                parts.append(self._field_bits(index, values))
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.intp)

    def encode(self, records: Iterable[Values]) -> np.ndarray:
        """CLKs of ``records`` as packed bytes, one row each (``output_bits / 8`` bytes)."""
        rows = [self.bits_of(record) for record in records]
        bits = np.zeros((len(rows), self.schema.length), dtype=bool)
        for n, positions in enumerate(rows):
            bits[n, positions] = True
        if self.schema.hardening == "xor-fold":
            half = self.schema.length // 2
            bits = bits[:, :half] ^ bits[:, half:]
        return np.packbits(bits, axis=1)
