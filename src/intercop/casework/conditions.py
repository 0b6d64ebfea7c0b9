"""The condition language of triage policies and intervention eligibility (pure).

A ``when:`` mapping holds conditions that must all be true. Each entry is either a
field test or a combinator::

    attacks: ">= 100"            comparison: ==, !=, >=, >, <=, <
    role: [admin, staff]         membership (one of the values)
    minor_now: true              equality
    age: {between: [12, 23]}     inclusive range; also {in: [...]}, {not_in: [...]},
                                 and operators as keys: {">=": 10, "<": 100}
    any: [{...}, {...}]          at least one of the mappings holds
    all: [{...}, {...}]          every mapping holds
    not: {...}                   the mapping does not hold

A value that is unknown (null in the profile) fails every comparison and range; it
equals only ``null`` and is in a list only when the list holds ``null``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from intercop.casework.fields import FIELDS, Field, describe_fields
from intercop.casework.nodes import fail, line_of, mapping, value

ORDERING = (">=", ">", "<=", "<")
_COMPARISON = re.compile(r"^\s*(==|!=|>=|<=|>|<)\s*(.*?)\s*$")
_MAPPING_OPS = frozenset({"between", "in", "not_in", "==", "!=", *ORDERING})
COMBINATORS = ("any", "all", "not")


@dataclass(frozen=True)
class Condition:
    """One test over a person's fields, or a combination of tests."""

    op: str
    field: str | None = None
    value: Any = None
    parts: tuple[Condition, ...] = ()
    line: int = 0

    def test(self, row: Mapping[str, Any]) -> bool:
        """Whether the condition holds for ``row`` (a dict of fields)."""
        return _TESTS[self.op](self, row)

    def describe(self) -> str:
        """The condition as a person reads it, e.g. ``attacks >= 100``."""
        if self.op in COMBINATORS:
            inner = "; ".join(p.describe() for p in self.parts)
            return f"{self.op} of ({inner})" if self.op != "not" else f"not ({inner})"
        if self.op == "between":
            low, high = self.value
            return f"{self.field} between {_show(low)} and {_show(high)}"
        if self.op in ("in", "not_in"):
            items = ", ".join(_show(v) for v in self.value)
            return f"{self.field} {'in' if self.op == 'in' else 'not in'} [{items}]"
        return f"{self.field} {self.op} {_show(self.value)}"

    def explain(self, row: Mapping[str, Any]) -> str:
        """``describe`` with the person's own figure, e.g. ``attacks >= 100 (250)``."""
        if self.field is None:
            return self.describe()
        return f"{self.describe()} ({_show(row.get(self.field))})"


def _show(v: Any) -> str:
    if v is None:
        return "unknown"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return f"{v:g}"
    return str(v)


def _ordered(compare: Callable[[Any, Any], bool]) -> Callable[[Condition, Mapping[str, Any]], bool]:
    def test(c: Condition, row: Mapping[str, Any]) -> bool:
        got = row.get(c.field or "")
        return got is not None and compare(got, c.value)

    return test


def _between(c: Condition, row: Mapping[str, Any]) -> bool:
    got = row.get(c.field or "")
    return got is not None and c.value[0] <= got <= c.value[1]


_TESTS: dict[str, Callable[[Condition, Mapping[str, Any]], bool]] = {
    "==": lambda c, row: row.get(c.field or "") == c.value,
    "!=": lambda c, row: row.get(c.field or "") != c.value,
    ">=": _ordered(lambda a, b: a >= b),
    ">": _ordered(lambda a, b: a > b),
    "<=": _ordered(lambda a, b: a <= b),
    "<": _ordered(lambda a, b: a < b),
    "in": lambda c, row: row.get(c.field or "") in c.value,
    "not_in": lambda c, row: row.get(c.field or "") not in c.value,
    "between": _between,
    "any": lambda c, row: any(p.test(row) for p in c.parts),
    "all": lambda c, row: all(p.test(row) for p in c.parts),
    "not": lambda c, row: not all(p.test(row) for p in c.parts),
}


def all_hold(conditions: tuple[Condition, ...], row: Mapping[str, Any]) -> bool:
    """Whether every condition holds (true for none)."""
    return all(c.test(row) for c in conditions)


def parse_when(where: str, node: yaml.Node, what: str) -> tuple[Condition, ...]:
    """The conditions of a ``when:``-style mapping (all must hold)."""
    if isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:null":
        return ()
    entries = mapping(where, node, what)
    return tuple(_entry(where, name, key, val, what) for name, (key, val) in entries.items())


def _entry(where: str, name: str, key: yaml.Node, node: yaml.Node, what: str) -> Condition:
    if name in ("any", "all"):
        if not isinstance(node, yaml.SequenceNode) or not node.value:
            raise fail(where, node, f"{what}: '{name}:' takes a list of condition mappings")
        parts = tuple(_group(where, item, f"{what} {name}") for item in node.value)
        return Condition(name, parts=parts, line=line_of(key))
    if name == "not":
        return Condition("not", parts=parse_when(where, node, f"{what} not"), line=line_of(key))
    spec = FIELDS.get(name)
    if spec is None:
        raise fail(
            where,
            key,
            f"{what}: unknown field {name!r}; valid fields: {describe_fields()} "
            f"(and the combinators {', '.join(COMBINATORS)})",
        )
    if isinstance(node, yaml.MappingNode):
        tests = [
            _test(where, spec, op, val, val_node)
            for op, (op_key, val_node) in mapping(
                where, node, f"{what} {name}", _MAPPING_OPS
            ).items()
            for val in [value(where, val_node)]
        ]
        if not tests:
            raise fail(where, node, f"{what} {name}: an empty mapping tests nothing")
        if len(tests) == 1:
            return tests[0]
        return Condition("all", parts=tuple(tests), line=line_of(key))
    got = value(where, node)
    if isinstance(got, list):
        return _test(where, spec, "in", got, node)
    if isinstance(got, str):
        m = _COMPARISON.match(got)
        if m is not None:
            return _test(where, spec, m.group(1), _scalar(where, node, m.group(2)), node)
    return _test(where, spec, "==", got, node)


def _group(where: str, node: yaml.Node, what: str) -> Condition:
    parts = parse_when(where, node, what)
    return parts[0] if len(parts) == 1 else Condition("all", parts=parts, line=line_of(node))


def _scalar(where: str, node: yaml.Node, text: str) -> Any:
    try:
        return yaml.safe_load(text) if text else None
    except yaml.YAMLError as exc:
        raise fail(where, node, f"cannot read the value {text!r} of the comparison") from exc


def _test(where: str, spec: Field, op: str, got: Any, node: yaml.Node) -> Condition:
    what = f"{spec.name} ({spec.kind}: {spec.description})"
    if op == "between":
        if not isinstance(got, list) or len(got) != 2:
            raise fail(where, node, f"{what}: between takes [low, high]")
        for v in got:
            _check(where, node, spec, v, op)
        if got[0] > got[1]:
            raise fail(where, node, f"{what}: between [{got[0]}, {got[1]}] is empty")
        return Condition(op, spec.name, (got[0], got[1]), line=line_of(node))
    if op in ("in", "not_in"):
        if not isinstance(got, list) or not got:
            raise fail(where, node, f"{what}: {op} takes a non-empty list of values")
        for v in got:
            _check(where, node, spec, v, op)
        return Condition(op, spec.name, tuple(got), line=line_of(node))
    _check(where, node, spec, got, op)
    return Condition(op, spec.name, got, line=line_of(node))


def _check(where: str, node: yaml.Node, spec: Field, v: Any, op: str) -> None:
    what = f"{spec.name} ({spec.kind}: {spec.description})"
    if v is None:
        if op in ORDERING or op == "between":
            raise fail(where, node, f"{what}: {op} needs a number, not null")
        return
    numeric = isinstance(v, int | float) and not isinstance(v, bool)
    if op in ORDERING or op == "between":
        if spec.kind not in ("int", "number"):
            raise fail(where, node, f"{what}: {op} compares numbers; this field is {spec.kind}")
        if not numeric:
            raise fail(where, node, f"{what}: {op} needs a number, not {v!r}")
        return
    ok = {
        "int": numeric,
        "number": numeric,
        "bool": isinstance(v, bool),
        "text": isinstance(v, str),
    }[spec.kind]
    if not ok:
        raise fail(where, node, f"{what}: expected a {spec.kind} value, not {v!r}")
    if spec.choices and v not in spec.choices:
        raise fail(where, node, f"{what}: {v!r} is not one of {', '.join(spec.choices)}")
    if spec.upper and isinstance(v, str) and v != v.upper():
        raise fail(where, node, f"{what}: write codes in upper case ({v.upper()!r}, not {v!r})")
