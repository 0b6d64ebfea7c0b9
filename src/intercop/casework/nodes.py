"""Reading the casework YAML files node by node, so that every error names file:line.

``yaml.compose`` keeps each node's position; ``value`` turns a scalar or a list of
scalars into Python values with YAML's own typing (ints, floats, booleans, null).
"""

from __future__ import annotations

from typing import Any

import yaml

from intercop.errors import ConfigError

HINT = "Fix the file named; docs/casework.md lists the keys, fields and operators"


def fail(where: str, node: yaml.Node | None, message: str) -> ConfigError:
    """A ConfigError naming ``where:line`` of ``node`` (line 1 when there is no node)."""
    line = node.start_mark.line + 1 if node is not None else 1
    return ConfigError(f"{where}:{line}: {message}", hint=HINT)


def line_of(node: yaml.Node) -> int:
    """The 1-based line a node starts on."""
    return node.start_mark.line + 1


def compose(text: str, where: str) -> yaml.Node | None:
    """The node tree of a YAML document (None when it is empty)."""
    try:
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = f":{mark.line + 1}" if mark is not None else ""
        raise ConfigError(
            f"{where}{line}: not valid YAML: {exc.problem or exc}", hint=HINT
        ) from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{where}: not valid YAML: {exc}", hint=HINT) from exc


def mapping(
    where: str, node: yaml.Node, what: str, known: frozenset[str] | None = None
) -> dict[str, tuple[yaml.ScalarNode, yaml.Node]]:
    """The entries of a mapping node by key; refuses duplicates and (given ``known``) typos."""
    if not isinstance(node, yaml.MappingNode):
        raise fail(where, node, f"{what} must be a mapping")
    entries: dict[str, tuple[yaml.ScalarNode, yaml.Node]] = {}
    for key, value in node.value:
        if not isinstance(key, yaml.ScalarNode):
            raise fail(where, key, f"{what}: keys must be plain names")
        name = str(key.value)
        if name in entries:
            raise fail(where, key, f"{what}: {name!r} is given twice")
        if known is not None and name not in known:
            raise fail(
                where, key, f"{what}: unknown key {name!r} (known: {', '.join(sorted(known))})"
            )
        entries[name] = (key, value)
    return entries


def value(where: str, node: yaml.Node) -> Any:
    """The Python value of a scalar, or of a list of scalars."""
    if isinstance(node, yaml.MappingNode):
        raise fail(where, node, "expected a value or a list, not a mapping")
    if isinstance(node, yaml.SequenceNode):
        for item in node.value:
            if not isinstance(item, yaml.ScalarNode):
                raise fail(where, item, "list items must be plain values")
    return yaml.SafeLoader("").construct_object(node, deep=True)


def text(where: str, node: yaml.Node, what: str) -> str:
    """A non-empty string scalar."""
    got = value(where, node)
    if not isinstance(got, str) or not got.strip():
        raise fail(where, node, f"{what} must be a non-empty text")
    return got


def flag(where: str, node: yaml.Node, what: str) -> bool:
    """A boolean scalar (true/false)."""
    got = value(where, node)
    if not isinstance(got, bool):
        raise fail(where, node, f"{what} must be true or false, not {got!r}")
    return got


def texts(where: str, node: yaml.Node, what: str) -> tuple[str, ...]:
    """A list of non-empty strings (a single string counts as a list of one)."""
    got = value(where, node)
    items = [got] if isinstance(got, str) else got
    if not isinstance(items, list) or not all(isinstance(i, str) and i.strip() for i in items):
        raise fail(where, node, f"{what} must be a list of texts")
    return tuple(items)
