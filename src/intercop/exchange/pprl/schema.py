"""The encoding schema: which fields, the weight of each, filter length, hardening.

A field's weight is the number of hash functions spent on the field as a whole: they
are spread over its q-grams (``k`` per q-gram = weight / q-grams, at least 1), so a
field sets about the same number of bits whatever the length of its value. A long
e-mail address then weighs no more than a short first name of the same weight, and
the filter fills to a predictable share (random pairs score about that share).

Both sides of an exchange must use the same schema; it travels in every encoding file
and two files with different schemas refuse to match.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from intercop.exchange.pprl.errors import EncodingFileError, PprlError

#: default weight (hash functions) per field; identifiers that rarely change weigh more
#: than free text; tuned on FEBRL4 so that a full FEBRL record fills a
#: 1024-bit filter to ~60% (the six workspace fields, all present, to ~55%)
DEFAULT_WEIGHTS: dict[str, int] = {
    "first_name": 150,
    "last_name": 170,
    "birth_date": 170,
    "email": 150,
    "username": 130,
    "handles": 100,
    "postcode": 70,
    "address": 140,
    "locality": 90,
    "national_id": 140,
}
#: fields encoded when none are chosen: those a seized dump or register may hold
DEFAULT_FIELDS = ("first_name", "last_name", "birth_date", "email", "username", "handles")
HARDENING = ("none", "xor-fold")
DEFAULT_LENGTH = 1024


@dataclass(frozen=True)
class FieldSpec:
    """One field: its name, ``weight`` hash functions over its q-grams of ``q`` characters."""

    name: str
    weight: int
    q: int = 2

    def k(self, tokens: int) -> int:
        """Hash functions per q-gram for a value of ``tokens`` q-grams."""
        return max(1, round(self.weight / tokens)) if tokens else 0


@dataclass(frozen=True)
class Schema:
    """The parameters of a CLK encoding.

    ``length`` is the Bloom filter length before hardening; ``xor-fold`` halves it.
    """

    fields: tuple[FieldSpec, ...]
    length: int = DEFAULT_LENGTH
    hardening: str = "none"

    def __post_init__(self) -> None:
        if self.length < 64 or self.length > 65536 or self.length & (self.length - 1):
            raise PprlError(
                f"filter length {self.length} is not a power of two between 64 and 65536",
                hint="Use e.g. 1024",
            )
        if self.hardening not in HARDENING:
            raise PprlError(
                f"unknown hardening {self.hardening!r}",
                hint=f"Choose one of {', '.join(HARDENING)}",
            )
        names = [f.name for f in self.fields]
        if not names or len(set(names)) != len(names):
            raise PprlError("the schema needs at least one field, each named once")
        for f in self.fields:
            if not 1 <= f.weight <= 4096 or not 1 <= f.q <= 4:
                raise PprlError(f"field {f.name}: the weight must be 1-4096 and q 1-4")

    @property
    def output_bits(self) -> int:
        """Length of the CLK as written (after folding)."""
        return self.length // 2 if self.hardening == "xor-fold" else self.length

    def as_json(self) -> dict[str, Any]:
        return {
            "length": self.length,
            "output_bits": self.output_bits,
            "hashing": "hmac-sha256 per field key; k = weight / q-grams positions per q-gram",
            "tokens": "q-grams of ' value ' (casefolded, NFKC, whitespace collapsed)",
            "hardening": self.hardening,
            "fields": [{"name": f.name, "weight": f.weight, "q": f.q} for f in self.fields],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Schema:
        try:
            fields = tuple(
                FieldSpec(str(f["name"]), int(f["weight"]), int(f["q"])) for f in data["fields"]
            )
            return cls(fields, int(data["length"]), str(data["hardening"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise EncodingFileError(f"the schema is malformed ({exc})") from exc


def make_schema(
    fields: tuple[str, ...] = DEFAULT_FIELDS,
    *,
    weights: dict[str, int] | None = None,
    length: int = DEFAULT_LENGTH,
    hardening: str = "none",
) -> Schema:
    """A schema over ``fields`` with the default (or given) weights."""
    table = {**DEFAULT_WEIGHTS, **(weights or {})}
    unknown = [f for f in fields if f not in table]
    if unknown:
        raise PprlError(
            f"unknown field(s) {', '.join(unknown)}",
            hint=f"Choose from {', '.join(DEFAULT_WEIGHTS)}",
        )
    return Schema(tuple(FieldSpec(f, table[f]) for f in fields), length, hardening)
