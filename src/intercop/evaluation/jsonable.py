"""Turning result dataclasses into JSON-ready values (dates as ISO text, tuples as lists)."""

from __future__ import annotations

import math
from dataclasses import fields, is_dataclass
from datetime import date, datetime
from typing import Any


def to_jsonable(value: Any) -> Any:
    """A JSON-ready copy of ``value``; refuses NaN so that no report ever shows one."""
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | frozenset | set):
        return [to_jsonable(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"a result holds {value}; every figure must be finite")
    return value


def by_name(items: list[Any], key: str = "name") -> dict[str, Any]:
    """``[{name: a, ...}, ...]`` as ``{a: {...}, ...}`` (the name left out of each value)."""
    return {item[key]: {k: v for k, v in item.items() if k != key} for item in items}
