"""The risk score: weighted factors over profile figures, weights in ``risk.yaml``.

The model is data (YAML), validated on load with errors that name the line. The score
is ``100 * sum(weight * value) / sum(weights)`` with every factor's value in 0..1, so
it runs from 0 to 100 and the factors' contributions add up to it exactly (they are
rounded first, and the score is their sum).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from intercop.errors import ConfigError

#: the figures a factor can read, as the profile builder provides them
FIGURES: dict[str, str] = {
    "attacks": "attacks launched",
    "attack_days": "days with at least one attack",
    "game_share": "share of attacks aimed at game services (0..1)",
    "spend_eur": "payments, roughly converted to euro",
    "role": "highest role over the accounts (customer, seller, staff, admin...)",
    "repeat_offender": "active after the takedown of an earlier platform",
    "platforms": "number of platforms with an account",
    "sales": "sales threads and sales messages",
    "crypto_addresses": "distinct crypto addresses",
}
SCALES = ("log", "linear", "share", "flag", "levels")
_KEYS = {"figure", "weight", "scale", "saturation", "start", "levels", "note"}


@dataclass(frozen=True)
class Factor:
    """One factor of the score."""

    name: str
    figure: str
    weight: float
    scale: str
    saturation: float = 1.0
    start: float = 0.0
    levels: dict[str, float] = field(default_factory=dict)

    def value(self, raw: Any) -> float:
        """The factor's value in 0..1 for the figure's raw value."""
        if self.scale == "flag":
            return 1.0 if raw else 0.0
        if self.scale == "levels":
            return self.levels.get(str(raw), 0.0)
        x = float(raw or 0.0)
        if self.scale == "share":
            return min(1.0, max(0.0, x))
        if self.scale == "log":
            return min(1.0, math.log1p(max(0.0, x)) / math.log1p(self.saturation))
        return min(1.0, max(0.0, (x - self.start) / (self.saturation - self.start)))


@dataclass(frozen=True)
class Contribution:
    """What one factor added to a score."""

    factor: str
    figure: str
    raw: float | str | bool | None
    value: float
    contribution: float


@dataclass(frozen=True)
class RiskModel:
    """The factors of the score and where they were read from."""

    factors: tuple[Factor, ...]
    source: str

    def score(self, figures: dict[str, Any]) -> tuple[float, list[Contribution]]:
        """The score (0..100) of one person's figures and each factor's contribution."""
        total = sum(f.weight for f in self.factors) or 1.0
        parts = []
        for f in self.factors:
            raw = figures.get(f.figure)
            value = f.value(raw)
            parts.append(
                Contribution(
                    f.name,
                    f.figure,
                    raw,
                    round(value, 4),
                    round(100.0 * f.weight * value / total, 2),
                )
            )
        return round(sum(p.contribution for p in parts), 2), parts


def _fail(where: str, node: yaml.Node, message: str) -> ConfigError:
    return ConfigError(f"{where}:{node.start_mark.line + 1}: {message}")


def _number(where: str, node: yaml.Node, what: str) -> float:
    if not isinstance(node, yaml.ScalarNode):
        raise _fail(where, node, f"{what} must be a number")
    try:
        value = float(node.value)
    except ValueError as exc:
        raise _fail(where, node, f"{what} must be a number, not {node.value!r}") from exc
    if not math.isfinite(value) or value < 0:
        raise _fail(where, node, f"{what} must be a finite number >= 0, not {node.value!r}")
    return value


def _factor(where: str, name: str, node: yaml.Node) -> Factor:
    if not isinstance(node, yaml.MappingNode):
        raise _fail(where, node, f"factor {name!r} must be a mapping (weight, scale, ...)")
    fields = {k.value: v for k, v in node.value if isinstance(k, yaml.ScalarNode)}
    for key_node, _ in node.value:
        if key_node.value not in _KEYS:
            raise _fail(
                where,
                key_node,
                f"factor {name!r}: unknown key {key_node.value!r} "
                f"(known: {', '.join(sorted(_KEYS))})",
            )
    for required in ("weight", "scale"):
        if required not in fields:
            raise _fail(where, node, f"factor {name!r} needs a {required!r}")
    figure = fields["figure"].value if "figure" in fields else name
    if figure not in FIGURES:
        at = fields.get("figure", node)
        raise _fail(
            where, at, f"factor {name!r}: unknown figure {figure!r} (known: {', '.join(FIGURES)})"
        )
    scale = fields["scale"].value
    if scale not in SCALES:
        raise _fail(
            where,
            fields["scale"],
            f"factor {name!r}: scale must be one of {', '.join(SCALES)}, not {scale!r}",
        )
    weight = _number(where, fields["weight"], f"factor {name!r}: weight")
    saturation, start = 1.0, 0.0
    levels: dict[str, float] = {}
    if scale in ("log", "linear"):
        if "saturation" not in fields:
            raise _fail(where, node, f"factor {name!r}: a {scale} scale needs a saturation")
        saturation = _number(where, fields["saturation"], f"factor {name!r}: saturation")
        if "start" in fields:
            start = _number(where, fields["start"], f"factor {name!r}: start")
        if saturation <= start:
            raise _fail(
                where,
                fields["saturation"],
                f"factor {name!r}: saturation must be above start ({start:g})",
            )
    if scale == "levels":
        table = fields.get("levels")
        if not isinstance(table, yaml.MappingNode) or not table.value:
            raise _fail(where, table or node, f"factor {name!r}: levels must map texts to 0..1")
        for k, v in table.value:
            level = _number(where, v, f"factor {name!r}: level {k.value!r}")
            if level > 1:
                raise _fail(where, v, f"factor {name!r}: level {k.value!r} must be <= 1")
            levels[str(k.value)] = level
    return Factor(name, figure, weight, scale, saturation, start, levels)


def parse_risk_model(text: str, where: str) -> RiskModel:
    """A risk model from YAML text; ``where`` names the file in error messages."""
    try:
        root = yaml.compose(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{where}: not valid YAML: {exc}") from exc
    if not isinstance(root, yaml.MappingNode):
        raise ConfigError(f"{where}:1: expected a mapping with a 'factors' key")
    top = {k.value: v for k, v in root.value}
    if "factors" not in top or not isinstance(top["factors"], yaml.MappingNode):
        raise _fail(where, root, "expected 'factors:' mapping factor names to their settings")
    factors = []
    seen: set[str] = set()
    for key, value in top["factors"].value:
        if key.value in seen:
            raise _fail(where, key, f"factor {key.value!r} is defined twice")
        seen.add(key.value)
        factors.append(_factor(where, str(key.value), value))
    if not factors or sum(f.weight for f in factors) <= 0:
        raise _fail(where, top["factors"], "the factors' weights must not all be zero")
    return RiskModel(tuple(factors), where)


def load_risk_model(path: Path | None = None) -> RiskModel:
    """The risk model of ``path``, or the built-in ``risk.yaml``."""
    if path is None:
        text = resources.files("intercop.profiles").joinpath("risk.yaml").read_text("utf-8")
        return parse_risk_model(text, "risk.yaml")
    try:
        text = path.read_text("utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read: {exc}") from exc
    return parse_risk_model(text, str(path))
