"""The interventions catalogue: what a team can do about a person, as data.

The built-in ``interventions.yaml`` is read first; an agency file (same layout) then
adds entries, replaces keys of existing ones, or disables them. Both are validated on
load and every error names ``file:line``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from intercop.casework.conditions import Condition, parse_when
from intercop.casework.nodes import compose, fail, flag, line_of, mapping, text, texts
from intercop.errors import ConfigError

CATALOGUE_FILE = "interventions.yaml"
#: where an agency keeps its own catalogue in a workspace
WORKSPACE_CATALOGUE = Path("config") / CATALOGUE_FILE
CHANNELS = ("outbox", "smtp", "letter", "webhook", "partner")
APPROVER_ROLES = ("officer", "supervisor")
_KEYS = frozenset(
    {
        "title",
        "description",
        "channels",
        "approver_role",
        "parents_if_minor",
        "message",
        "eligibility",
        "requires_confirmation",
        "enabled",
    }
)
_REQUIRED = ("title", "channels", "approver_role", "message")


@dataclass(frozen=True)
class Intervention:
    """One kind of intervention and the rules around it."""

    key: str
    title: str
    description: str
    channels: tuple[str, ...]
    approver_role: str
    parents_if_minor: bool
    eligibility: tuple[Condition, ...]
    message: bool
    #: facts no data can show, by key, that the approver must confirm
    requires_confirmation: tuple[tuple[str, str], ...] = ()
    source: str = ""

    def unmet(self, row: Mapping[str, Any]) -> tuple[Condition, ...]:
        """The eligibility conditions ``row`` does not meet (empty when eligible)."""
        return tuple(c for c in self.eligibility if not c.test(row))


def _parse(where: str, text_: str) -> dict[str, tuple[int, dict[str, tuple[int, Any]]]]:
    """Entries of one file: name -> (line, key -> (line, value))."""
    root = compose(text_, where)
    if root is None:
        return {}
    top = mapping(where, root, "the catalogue", frozenset({"interventions"}))
    if "interventions" not in top:
        raise fail(where, root, "expected 'interventions:' mapping names to entries")
    entries: dict[str, tuple[int, dict[str, tuple[int, Any]]]] = {}
    for name, (key, node) in mapping(where, top["interventions"][1], "interventions").items():
        entries[name] = (line_of(key), _entry(where, name, node))
    return entries


def _entry(where: str, name: str, node: yaml.Node) -> dict[str, tuple[int, Any]]:
    what = f"intervention {name!r}"
    got: dict[str, tuple[int, Any]] = {}
    for key, (_, val) in mapping(where, node, what, _KEYS).items():
        parsed: Any
        if key in ("title", "description"):
            parsed = text(where, val, f"{what}: {key}").strip()
        elif key == "channels":
            parsed = texts(where, val, f"{what}: channels") if _has_items(val) else ()
            for channel in parsed:
                if channel not in CHANNELS:
                    raise fail(
                        where, val, f"{what}: unknown channel {channel!r} "
                        f"(known: {', '.join(CHANNELS)})",
                    )  # fmt: skip
        elif key == "approver_role":
            parsed = text(where, val, f"{what}: approver_role")
            if parsed not in APPROVER_ROLES:
                raise fail(
                    where, val, f"{what}: approver_role must be one of "
                    f"{', '.join(APPROVER_ROLES)}, not {parsed!r}",
                )  # fmt: skip
        elif key in ("parents_if_minor", "message", "enabled"):
            parsed = flag(where, val, f"{what}: {key}")
        elif key == "eligibility":
            parsed = parse_when(where, val, f"{what} eligibility")
        else:  # requires_confirmation
            items = mapping(where, val, f"{what}: requires_confirmation")
            parsed = tuple(
                (k, text(where, v, f"{what}: requires_confirmation {k}").strip())
                for k, (_, v) in items.items()
            )
        got[key] = (line_of(val), parsed)
    return got


def _has_items(node: yaml.Node) -> bool:
    return not (isinstance(node, yaml.SequenceNode) and not node.value)


def _build(where: str, name: str, line: int, spec: dict[str, tuple[int, Any]]) -> Intervention:
    missing = [k for k in _REQUIRED if k not in spec]
    if missing:
        raise ConfigError(
            f"{where}:{line}: intervention {name!r} needs {', '.join(missing)}",
            hint="A new intervention needs title, channels, approver_role and message",
        )
    v = {k: val for k, (_, val) in spec.items()}
    channels: tuple[str, ...] = v["channels"]
    if v["message"] and not channels:
        raise ConfigError(
            f"{where}:{spec['channels'][0]}: intervention {name!r} sends a message "
            "(message: true) but lists no channels"
        )
    if not v["message"] and channels:
        raise ConfigError(
            f"{where}:{spec['channels'][0]}: intervention {name!r} sends no message "
            "(message: false) but lists channels"
        )
    return Intervention(
        key=name,
        title=v["title"],
        description=v.get("description", ""),
        channels=channels,
        approver_role=v["approver_role"],
        parents_if_minor=v.get("parents_if_minor", False),
        eligibility=v.get("eligibility", ()),
        message=v["message"],
        requires_confirmation=v.get("requires_confirmation", ()),
        source=where,
    )


def parse_catalogue(layers: list[tuple[str, str]]) -> dict[str, Intervention]:
    """A catalogue from ``(where, yaml text)`` layers, later layers overriding earlier."""
    merged: dict[str, tuple[str, int, dict[str, tuple[int, Any]]]] = {}
    for where, text_ in layers:
        for name, (line, spec) in _parse(where, text_).items():
            if name in merged:
                _, _, base = merged[name]
                merged[name] = (where, line, {**base, **spec})
            else:
                merged[name] = (where, line, spec)
    catalogue = {}
    for name, (where, line, spec) in merged.items():
        if "enabled" in spec and not spec["enabled"][1]:
            continue
        catalogue[name] = _build(where, name, line, spec)
    return catalogue


def _read(path: Path) -> str:
    try:
        return path.read_text("utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read: {exc}") from exc


def builtin_text() -> str:
    """The text of the built-in catalogue."""
    return resources.files("intercop.casework").joinpath(CATALOGUE_FILE).read_text("utf-8")


def load_catalogue(path: Path | None = None) -> dict[str, Intervention]:
    """The built-in catalogue, extended or overridden by the agency file ``path``."""
    layers = [(CATALOGUE_FILE, builtin_text())]
    if path is not None:
        layers.append((str(path), _read(path)))
    return parse_catalogue(layers)


def catalogue_path(workspace_root: Path, given: Path | None = None) -> Path | None:
    """The agency catalogue to use: ``given``, else the workspace's, else none."""
    if given is not None:
        return given
    candidate = workspace_root / WORKSPACE_CATALOGUE
    return candidate if candidate.is_file() else None
