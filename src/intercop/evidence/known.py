"""Built-in mappings of known platform software, and mapping files: load, check, dump.

A built-in mapping (``mappings/*.yaml``) is a ``Mapping`` plus a ``match`` section
naming the tables (and columns) that must be present for it to apply; table names
may carry any prefix when ``any_prefix`` is set (MyBB's ``mybb_`` is configurable).
Columns the built-in mapping names but the dump lacks are left out; columns the dump
has but the mapping does not name are left to detection.

Mapping files given with ``--mapping`` are validated on load; errors name the file,
the line and the field.
"""

from __future__ import annotations

import json
import logging
import re
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from intercop.errors import MappingError
from intercop.evidence.mapping import ColumnMapping, Mapping, TableMapping
from intercop.evidence.schema import TableSchema

log = logging.getLogger(__name__)

_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_YAML_WORDS = frozenset(["y", "n", "yes", "no", "true", "false", "on", "off", "null", "none", "~"])


class BuiltIn:
    """One built-in mapping with its match rule."""

    def __init__(self, name: str, mapping: Mapping, match: dict[str, Any]) -> None:
        self.name = name
        self.mapping = mapping
        self.any_prefix = bool(match.get("any_prefix", False))
        self.required: dict[str, list[str]] = {
            str(t): [str(c) for c in (cols or [])] for t, cols in match.get("tables", {}).items()
        }

    def resolve(self, schemas: dict[str, TableSchema]) -> dict[str, str] | None:
        """Built-in table name -> dump table name, when every required table fits."""
        by_lower = {name.lower(): name for name in schemas}
        prefixes = {""}
        if self.any_prefix:
            first = next(iter(self.required))
            prefixes |= {n[: -len(first)] for n in by_lower if n.endswith(first.lower())}
        for prefix in sorted(prefixes, key=len, reverse=True):
            found = {}
            for table in self.mapping.tables:
                actual = by_lower.get((prefix + table).lower())
                if actual is not None:
                    found[table] = actual
            if all(
                t in found and _has(schemas[found[t]], cols) for t, cols in self.required.items()
            ):
                return found
        return None


def _has(schema: TableSchema, columns: list[str]) -> bool:
    names = {c.lower() for c in schema.column_names}
    return all(c.lower() in names for c in columns)


def builtins() -> list[BuiltIn]:
    """The built-in mappings shipped in ``mappings/``."""
    out = []
    folder = resources.files("intercop.evidence") / "mappings"
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".yaml"):
            text = entry.read_text("utf-8")
            mapping, match = _parse(text, Path(entry.name))
            out.append(BuiltIn(entry.name.removesuffix(".yaml"), mapping, match))
    return out


def match(schemas: dict[str, TableSchema]) -> Mapping | None:
    """The built-in mapping that fits ``schemas`` best, renamed to its tables, or None."""
    best: tuple[int, BuiltIn, dict[str, str]] | None = None
    for builtin in builtins():
        found = builtin.resolve(schemas)
        if found is None:
            continue
        score = sum(len(cols) + 1 for cols in builtin.required.values())
        if best is None or score > best[0]:
            best = (score, builtin, found)
    if best is None:
        return None
    _, builtin, found = best
    log.info("dump matches built-in mapping %s", builtin.name)
    tables = {}
    for table, actual in found.items():
        t = builtin.mapping.tables[table]
        names = {c.lower(): c for c in schemas[actual].column_names}
        columns = {
            names[c.lower()]: m.model_copy(update={"reason": m.reason or "built-in mapping"})
            for c, m in t.columns.items()
            if c.lower() in names
        }
        reason = f"{builtin.mapping.software}: {t.reason}" if t.reason else builtin.mapping.software
        tables[actual] = TableMapping(role=t.role, columns=columns, reason=reason)
    return Mapping(
        software=builtin.mapping.software, description=builtin.mapping.description, tables=tables
    )


def merge(detected: Mapping, override: Mapping) -> Mapping:
    """``detected`` with the override's tables replacing it table by table."""
    tables = dict(detected.tables)
    tables.update(override.tables)
    software = override.software if override.software != "detected" else detected.software
    description = override.description or detected.description
    timezone = override.timezone or detected.timezone
    return Mapping(software=software, description=description, timezone=timezone, tables=tables)


def check(
    mapping: Mapping, schemas: dict[str, TableSchema], path: Path | str | None = None
) -> None:
    """Raise ``MappingError`` when the mapping names a table or column the dump lacks."""
    for table, t in mapping.tables.items():
        if table not in schemas:
            raise MappingError(
                f"table {table!r} is not in the dump (it has: {', '.join(sorted(schemas))})",
                path=path,
            )
        missing = [c for c in t.columns if c not in schemas[table].column_names]
        if missing:
            raise MappingError(
                f"table {table!r} has no column {missing[0]!r} "
                f"(it has: {', '.join(schemas[table].column_names)})",
                path=path,
            )


def load_file(path: Path) -> Mapping:
    """Read and validate a mapping file (YAML); errors name the file, line and field."""
    try:
        text = path.read_text("utf-8")
    except OSError as exc:
        raise MappingError(f"cannot read the mapping file: {exc.strerror}", path=path) from exc
    except UnicodeDecodeError as exc:
        raise MappingError("the mapping file is not UTF-8 text", path=path) from exc
    mapping, _ = _parse(text, path)
    for table in mapping.tables.values():
        if not table.reason:
            table.reason = f"set in {path.name}"
        for column in table.columns.values():
            if not column.reason:
                column.reason = f"set in {path.name}"
    return mapping


def _parse(text: str, path: Path) -> tuple[Mapping, dict[str, Any]]:
    """Validate YAML text as a mapping; also returns its ``match`` section."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f"line {mark.line + 1}: " if mark is not None else ""
        raise MappingError(f"{line}not valid YAML: {exc.problem}", path=path) from exc
    if not isinstance(data, dict):
        raise MappingError("line 1: expected a mapping with 'software' and 'tables'", path=path)
    match = data.pop("match", None) or {}
    try:
        mapping = Mapping.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        loc = tuple(error["loc"])
        where = _line_of(node, loc)
        name = ".".join(str(p) for p in loc) or "(top)"
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise MappingError(f"line {where}: field {name}: {error['msg']}{more}", path=path) from exc
    if not isinstance(match, dict):
        raise MappingError(
            f"line {_line_of(node, ('match',))}: 'match' must be a mapping", path=path
        )
    return mapping, match


def _line_of(node: yaml.Node | None, loc: tuple[Any, ...]) -> int:
    """1-based line of the deepest node of ``loc`` that exists in the YAML tree."""
    line = node.start_mark.line + 1 if node is not None else 1
    for key in loc:
        if not isinstance(node, yaml.MappingNode):
            break
        for k, v in node.value:
            if k.value == str(key):
                line = k.start_mark.line + 1
                node = v
                break
        else:
            break
    return line


def dump(mapping: Mapping) -> str:
    """The mapping as YAML a person can edit, with each reason as a comment."""
    lines = [
        "# InterCOP platform mapping: edit it, then ingest with --mapping FILE.",
        "# Table roles: users logins attacks payments posts messages tickets other.",
        "# Comments say why each role was chosen; they are ignored when loading.",
        f"software: {_scalar(mapping.software)}",
        f"description: {_scalar(mapping.description)}",
        "# timezone: Europe/Amsterdam   (zone of DATETIME values; UTC when unset)",
        "tables:",
    ]
    if mapping.timezone:
        lines[-2] = f"timezone: {_scalar(mapping.timezone)}"
    for name, table in mapping.tables.items():
        lines.append(f"  {_scalar(name)}:{_comment(table.reason)}")
        lines.append(f"    role: {table.role.value}")
        if not table.columns:
            lines.append("    columns: {}")
            continue
        lines.append("    columns:")
        for column, c in table.columns.items():
            lines.append(f"      {_scalar(column)}: {_inline(c)}{_comment(c.reason)}")
    return "\n".join(lines) + "\n"


def _inline(c: ColumnMapping) -> str:
    parts = [f"role: {c.role.value}"]
    if c.format:
        parts.append(f"format: {_scalar(c.format)}")
    extra = c.model_dump(exclude={"role", "format", "reason"}, exclude_defaults=True)
    parts.extend(f"{k}: {_scalar(str(v))}" for k, v in extra.items())
    return "{" + ", ".join(parts) + "}"


def _comment(reason: str) -> str:
    return f"  # {' '.join(reason.split())}" if reason else ""


def _scalar(value: str) -> str:
    if _PLAIN_KEY.match(value) and value.lower() not in _YAML_WORDS:
        return value
    return json.dumps(value, ensure_ascii=False)
