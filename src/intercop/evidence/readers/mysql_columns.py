"""Tokenized MySQL values of one column to an Arrow array of the column's type.

The fast path hands the tokenizer's buffers to Arrow as they are and casts them
with ``pyarrow.compute`` (string to int, decimal, float, date, timestamp), so
no Python object is made per value. Only a column whose cast fails (a zero
date, text that is not UTF-8, a hex literal in a number column, a value to
round) falls back to converting value by value, and says which rows it
repaired or could not convert.
"""

from __future__ import annotations

import codecs
import datetime as dt
import decimal
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from intercop.evidence.readers.mysql_ddl import ColumnSpec
from intercop.evidence.readers.mysql_values import (
    K_BIT,
    K_DEFAULT,
    K_HEX,
    K_NULL,
    K_NUM,
    ColumnBuffers,
)

_SPECIAL = (bytes([K_HEX]), bytes([K_BIT]), bytes([K_DEFAULT]))
_ZERO_DATE = r"^(0000-00-00|\d{4}-00-|\d{4}-\d\d-00)"
_NUMERIC = frozenset({"int", "uint", "decimal", "float", "year"})
_TEXT = frozenset({"string", "char", "enum", "set", "time"})
_DECIMAL_CONTEXT = decimal.Context(prec=80, rounding=decimal.ROUND_HALF_UP)


class _BadValue(Exception):
    """A value the column's type cannot hold."""


@dataclass
class Converted:
    """A column's array, with the rows that were repaired, zeroed or could not be read."""

    array: pa.Array
    bad: dict[int, str] = field(default_factory=dict)
    repaired: list[int] = field(default_factory=list)
    zero_dates: list[int] = field(default_factory=list)
    #: the dump declared a latin1 connection: cp1252 text is expected, not a repair
    legacy: bool = False


def convert(spec: ColumnSpec, buffers: ColumnBuffers, legacy: bool = False) -> Converted:
    """Convert one column of tokenized values to ``spec.arrow_type``."""
    result = _convert(spec, buffers, legacy)
    if (
        spec.category == "datetime"
        and (spec.length or 0) < 6
        and result.array.null_count < len(result.array)
    ):
        # DATETIME(n) keeps n fractional digits; MariaDB truncates the others
        digits = spec.length or 0
        result.array = pc.floor_temporal(
            result.array, multiple=10 ** (6 - digits), unit="microsecond"
        )
    return result


def _convert(spec: ColumnSpec, buffers: ColumnBuffers, legacy: bool) -> Converted:
    kinds, offsets, data = buffers
    n = len(kinds)
    text_column = spec.category in _TEXT or spec.category == "string"
    if (
        any(s in kinds for s in _SPECIAL)
        or spec.category in ("bit", "fixed_binary")
        or (legacy and text_column and not data.isascii())
    ):
        return _slow(spec, buffers, legacy)
    validity = None
    if bytes([K_NULL]) in kinds:
        kind_array = pa.Array.from_buffers(pa.uint8(), n, [None, pa.py_buffer(kinds)])
        validity = pc.not_equal(kind_array, K_NULL).buffers()[1]
    buffer_list = [validity, pa.py_buffer(offsets), pa.py_buffer(data)]
    try:
        if spec.category == "binary":
            raw = pa.Array.from_buffers(pa.large_binary(), n, buffer_list)
            return _not_null(spec, Converted(raw.cast(pa.binary())))
        if text_column:
            raw = pa.Array.from_buffers(pa.large_binary(), n, buffer_list)
            text = raw.cast(pa.large_string())  # validates UTF-8
            if spec.category == "char":
                text = pc.utf8_rtrim(text, characters=" ")
            return _not_null(spec, Converted(text.cast(pa.string())))
        text = pa.Array.from_buffers(pa.large_string(), n, buffer_list)
        if spec.category in _NUMERIC:
            return _not_null(spec, Converted(pc.cast(text, spec.arrow_type)))
        if spec.category in ("date", "datetime"):
            return _dates(spec, text)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return _slow(spec, buffers, legacy)
    return _slow(spec, buffers, legacy)


def _dates(spec: ColumnSpec, text: pa.Array) -> Converted:
    try:
        return Converted(pc.cast(text, spec.arrow_type))
    except pa.ArrowInvalid:
        pass
    zero = pc.fill_null(pc.match_substring_regex(text, _ZERO_DATE), False)
    cleaned = pc.if_else(zero, pa.scalar(None, pa.large_string()), text)
    # a datetime written into a date column keeps its date part, as MySQL does
    if spec.category == "date":
        cleaned = pc.utf8_slice_codeunits(cleaned, 0, 10)
    array = pc.cast(cleaned, spec.arrow_type)  # ArrowInvalid here: caller goes value by value
    rows = [i for i, z in enumerate(zero.to_pylist()) if z]
    return Converted(array, zero_dates=rows)


def _not_null(spec: ColumnSpec, result: Converted) -> Converted:
    """NULL in a NOT NULL column becomes the implicit default, as MySQL's non-strict mode does."""
    if spec.not_null and result.array.null_count and spec.default is not None:
        fill = value_of(spec, spec.default)
        result.array = pc.fill_null(result.array, pa.scalar(fill, spec.arrow_type))
    return result


def default_array(spec: ColumnSpec, n: int) -> pa.Array:
    """The column of ``n`` rows an INSERT that omits ``spec`` gets."""
    if spec.default is None:
        return pa.nulls(n, spec.arrow_type)
    return pa.repeat(pa.scalar(value_of(spec, spec.default), spec.arrow_type), n)


def _slow(spec: ColumnSpec, buffers: ColumnBuffers, legacy: bool) -> Converted:
    kinds, offsets, data = buffers
    n = len(kinds)
    bounds = memoryview(offsets).cast("q")
    values: list[Any] = [None] * n
    result = Converted(pa.nulls(0), legacy=legacy)
    for i in range(n):
        kind = kinds[i]
        raw = data[bounds[i] : bounds[i + 1]]
        try:
            values[i] = _value(spec, kind, raw, i, result)
        except (_BadValue, ValueError, ArithmeticError) as why:
            result.bad[i] = f"column {spec.name}: {why}"
    result.array = pa.array(values, type=spec.arrow_type)
    return result


def value_of(spec: ColumnSpec, literal: tuple[int, bytes]) -> Any:
    """The Python value of one (kind, bytes) literal in ``spec``'s column."""
    return _value(spec, literal[0], literal[1], 0, Converted(pa.nulls(0)))


def _value(spec: ColumnSpec, kind: int, raw: bytes, row: int, result: Converted) -> Any:
    if kind == K_DEFAULT:
        if spec.default is None:
            return None
        kind, raw = spec.default
    if kind == K_NULL:
        if spec.not_null and spec.default is not None and spec.default[0] != K_NULL:
            return _value(spec, spec.default[0], spec.default[1], row, result)
        return None
    return _CONVERTERS[spec.category](spec, kind, raw, row, result)


def _as_int(spec: ColumnSpec, kind: int, raw: bytes) -> int:
    if kind in (K_HEX, K_BIT):
        return int.from_bytes(raw, "big")
    text = raw.decode("ascii").strip()
    try:
        return int(text)
    except ValueError:
        # MySQL rounds a fraction stored into an integer column half away from zero
        number = decimal.Decimal(text)
        return int(number.quantize(decimal.Decimal(1), context=_DECIMAL_CONTEXT))


def _integer(spec: ColumnSpec, kind: int, raw: bytes, row: int, result: Converted) -> Any:
    if spec.category == "bit" and kind != K_NUM:
        # a string stored into BIT(n) is taken as its bytes, big-endian
        value = int.from_bytes(raw, "big")
    else:
        value = _as_int(spec, kind, raw)
    width = spec.arrow_type.bit_width
    signed = pa.types.is_signed_integer(spec.arrow_type)
    low, high = (-(1 << (width - 1)), (1 << (width - 1)) - 1) if signed else (0, (1 << width) - 1)
    if not low <= value <= high:
        raise _BadValue(f"{value} out of range for {spec.arrow_type}")
    return value


def _decimal(spec: ColumnSpec, kind: int, raw: bytes, row: int, result: Converted) -> Any:
    if kind in (K_HEX, K_BIT):
        return decimal.Decimal(int.from_bytes(raw, "big"))
    scale = decimal.Decimal(1).scaleb(-spec.arrow_type.scale)
    return decimal.Decimal(raw.decode("ascii").strip()).quantize(scale, context=_DECIMAL_CONTEXT)


def _float(spec: ColumnSpec, kind: int, raw: bytes, row: int, result: Converted) -> Any:
    if kind in (K_HEX, K_BIT):
        return float(int.from_bytes(raw, "big"))
    return float(raw.decode("ascii"))


def _text(spec: ColumnSpec, kind: int, raw: bytes, row: int, result: Converted) -> Any:
    try:
        if result.legacy:
            raise UnicodeDecodeError("utf-8", raw, 0, 0, "the dump's connection is latin1")
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        # latin1 bytes in a utf8 dump: MySQL's latin1 is cp1252, with its 5 holes as C1 controls
        text = raw.decode("cp1252", errors="intercop-latin1")
        if not result.legacy:
            result.repaired.append(row)
    if spec.category == "enum" and kind == K_NUM and text.isdigit() and spec.members:
        index = int(text)
        return spec.members[index - 1] if 0 < index <= len(spec.members) else ""
    if spec.category == "char":
        text = text.rstrip(" ")
    return text


def _binary(spec: ColumnSpec, kind: int, raw: bytes, row: int, result: Converted) -> Any:
    if spec.category == "fixed_binary" and spec.length and len(raw) < spec.length:
        return raw.ljust(spec.length, b"\0")  # BINARY(n) is padded with zero bytes
    return raw


def _date(spec: ColumnSpec, kind: int, raw: bytes, row: int, result: Converted) -> Any:
    text = raw.decode("ascii").strip()
    if text[:4] == "0000" or text[5:7] == "00" or text[8:10] == "00":
        result.zero_dates.append(row)
        return None
    if spec.category == "date":
        return dt.date.fromisoformat(text[:10])
    return dt.datetime.fromisoformat(text)


_CONVERTERS: dict[str, Callable[[ColumnSpec, int, bytes, int, Converted], Any]] = {
    "int": _integer,
    "uint": _integer,
    "year": _integer,
    "bit": _integer,
    "decimal": _decimal,
    "float": _float,
    "string": _text,
    "char": _text,
    "enum": _text,
    "set": _text,
    "time": _text,
    "binary": _binary,
    "fixed_binary": _binary,
    "date": _date,
    "datetime": _date,
}


def _latin1_fallback(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeDecodeError):
        raise error
    return error.object[error.start : error.end].decode("latin-1"), error.end


codecs.register_error("intercop-latin1", _latin1_fallback)
