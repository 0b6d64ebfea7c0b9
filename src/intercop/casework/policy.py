"""Triage policies: ordered rules over a person's fields giving an intervention and why.

A policy is YAML (the built-in ``policy.yaml`` or an agency's file), validated on load
against the field list and the interventions catalogue; every error names
``file:line``. The first rule whose conditions hold and whose intervention the person
is eligible for wins; the last rule is the default. The policy's identity is the
SHA-256 of its file, stored on every case it recommends.
"""

from __future__ import annotations

import hashlib
import string
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from intercop.casework.conditions import Condition, all_hold, parse_when
from intercop.casework.fields import FIELDS, describe_fields
from intercop.casework.interventions import Intervention
from intercop.casework.nodes import compose, fail, flag, line_of, mapping, text, texts, value
from intercop.errors import ConfigError

POLICY_FILE = "policy.yaml"
DEFAULT_MIN_CONFIDENCE = 0.6
_TOP = frozenset({"version", "description", "routing", "rules"})
_RULE = frozenset({"name", "when", "intervention", "reasons", "default", "note"})
_SAMPLE = {"int": 1, "number": 1.0, "bool": True, "text": "x"}


@dataclass(frozen=True)
class Rule:
    """One rule: when its conditions hold, recommend the intervention for these reasons."""

    name: str
    when: tuple[Condition, ...]
    intervention: str
    reasons: tuple[str, ...]
    line: int
    default: bool = False


@dataclass(frozen=True)
class Recommendation:
    """What the policy recommends for one person, which rule fired and why."""

    intervention: str
    rule: str
    reasons: tuple[str, ...]
    #: rules that matched but whose intervention the person is not eligible for
    skipped: tuple[str, ...] = ()


@dataclass(frozen=True)
class Policy:
    """An ordered list of rules, validated against a catalogue."""

    rules: tuple[Rule, ...]
    catalogue: Mapping[str, Intervention]
    min_country_confidence: float
    source: str
    sha256: str

    def evaluate(self, row: Mapping[str, Any]) -> Recommendation:
        """The recommendation for one person's fields (see ``fields.person_fields``)."""
        skipped: list[str] = []
        for rule in self.rules:
            if not all_hold(rule.when, row):
                continue
            unmet = self.catalogue[rule.intervention].unmet(row)
            if unmet:
                skipped.append(
                    f"{rule.name}: not eligible for {rule.intervention} "
                    f"({'; '.join(c.explain(row) for c in unmet)})"
                )
                continue
            reasons = tuple(render_reason(r, row) for r in rule.reasons) or tuple(
                c.explain(row) for c in rule.when
            )
            return Recommendation(rule.intervention, rule.name, reasons, tuple(skipped))
        raise AssertionError("the default rule always matches")  # ensured on load


class _Blank(dict[str, Any]):
    def __missing__(self, key: str) -> Any:
        return None


def render_reason(template: str, row: Mapping[str, Any]) -> str:
    """A reason text with the person's figures filled in (unknown ones as ``unknown``)."""
    out = []
    for literal, name, spec, _ in string.Formatter().parse(template):
        out.append(literal)
        if name is None:
            continue
        got = row.get(name)
        out.append("unknown" if got is None else format(got, spec or ""))
    return "".join(out)


def _check_reason(where: str, node: yaml.Node, template: str) -> None:
    try:
        parts = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise fail(where, node, f"reason {template!r}: {exc}") from exc
    for _, name, spec, conversion in parts:
        if name is None:
            continue
        if name not in FIELDS or conversion:
            raise fail(
                where,
                node,
                f"reason {template!r}: unknown figure {{{name}}}; valid: {describe_fields()}",
            )
        try:
            format(_SAMPLE[FIELDS[name].kind], spec or "")
        except ValueError as exc:
            raise fail(where, node, f"reason {template!r}: bad format for {name}: {exc}") from exc


def _rule(where: str, node: yaml.Node, catalogue: Mapping[str, Intervention]) -> Rule:
    entries = mapping(where, node, "a rule", _RULE)
    if "name" not in entries:
        raise fail(where, node, "every rule needs a name")
    name = text(where, entries["name"][1], "the rule's name")
    what = f"rule {name!r}"
    if "intervention" not in entries:
        raise fail(where, node, f"{what} needs an intervention")
    inode = entries["intervention"][1]
    intervention = text(where, inode, f"{what}: intervention")
    if intervention not in catalogue:
        raise fail(
            where,
            inode,
            f"{what}: unknown intervention {intervention!r}; "
            f"the catalogue has {', '.join(catalogue)}",
        )
    default = "default" in entries and flag(where, entries["default"][1], f"{what}: default")
    when = parse_when(where, entries["when"][1], what) if "when" in entries else ()
    if default and when:
        raise fail(where, entries["when"][0], f"{what}: the default rule takes no 'when:'")
    if not default and "when" not in entries:
        raise fail(where, node, f"{what} needs 'when:' (or 'default: true' for the last rule)")
    reasons: tuple[str, ...] = ()
    if "reasons" in entries:
        rnode = entries["reasons"][1]
        reasons = texts(where, rnode, f"{what}: reasons")
        for reason in reasons:
            _check_reason(where, rnode, reason)
    return Rule(name, when, intervention, reasons, line_of(node), default)


def parse_policy(text_: str, where: str, catalogue: Mapping[str, Intervention]) -> Policy:
    """A policy from YAML text; ``where`` names the file in error messages."""
    root = compose(text_, where)
    if root is None:
        raise ConfigError(f"{where}:1: the policy is empty; it needs 'rules:'")
    top = mapping(where, root, "the policy", _TOP)
    if "rules" not in top or not isinstance(top["rules"][1], yaml.SequenceNode):
        raise fail(where, root, "expected 'rules:' with a list of rules")
    rules_node = top["rules"][1]
    rules = tuple(_rule(where, n, catalogue) for n in rules_node.value)
    if not rules or not rules[-1].default:
        at = rules_node.value[-1] if rules_node.value else rules_node
        raise fail(where, at, "the last rule must be the default: 'default: true', no 'when:'")
    seen: set[str] = set()
    for rule, node in zip(rules, rules_node.value, strict=True):
        if rule.default and rule is not rules[-1]:
            raise fail(where, node, f"rule {rule.name!r}: only the last rule can be the default")
        if rule.name in seen:
            raise fail(where, node, f"rule {rule.name!r} is defined twice")
        seen.add(rule.name)
    last = rules[-1]
    if catalogue[last.intervention].eligibility:
        raise ConfigError(
            f"{where}:{last.line}: the default rule's intervention {last.intervention!r} has "
            "eligibility conditions, so some persons would get no recommendation; "
            "use one without (e.g. no_action)"
        )
    return Policy(
        rules,
        catalogue,
        _min_confidence(where, top.get("routing")),
        where,
        hashlib.sha256(text_.encode("utf-8")).hexdigest(),
    )


def _min_confidence(where: str, entry: tuple[yaml.ScalarNode, yaml.Node] | None) -> float:
    if entry is None:
        return DEFAULT_MIN_CONFIDENCE
    routing = mapping(where, entry[1], "routing", frozenset({"min_country_confidence"}))
    if "min_country_confidence" not in routing:
        return DEFAULT_MIN_CONFIDENCE
    node = routing["min_country_confidence"][1]
    got = value(where, node)
    if isinstance(got, bool) or not isinstance(got, int | float) or not 0 <= got <= 1:
        raise fail(where, node, f"min_country_confidence must be a number in 0..1, not {got!r}")
    return float(got)


def builtin_policy_text() -> str:
    """The text of the built-in policy."""
    return resources.files("intercop.casework").joinpath(POLICY_FILE).read_text("utf-8")


def load_policy(catalogue: Mapping[str, Intervention], path: Path | None = None) -> Policy:
    """The policy of ``path``, or the built-in ``policy.yaml``."""
    if path is None:
        return parse_policy(builtin_policy_text(), POLICY_FILE, catalogue)
    try:
        text_ = path.read_text("utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read: {exc}") from exc
    return parse_policy(text_, str(path), catalogue)


#: where a workspace keeps its policies: the network's, and one per agency
WORKSPACE_POLICY = Path("config") / POLICY_FILE


@dataclass(frozen=True)
class PolicySet:
    """The policy of a triage run: one for everyone, optionally one per agency."""

    default: Policy
    by_agency: Mapping[str, Policy]

    def for_agency(self, agency: str) -> Policy:
        """The policy that triages the persons routed to ``agency``."""
        return self.by_agency.get(agency, self.default)

    def hashes(self) -> dict[str, str]:
        """Policy hash by scope (``*`` for the default), for the audit log."""
        return {"*": self.default.sha256, **{a: p.sha256 for a, p in self.by_agency.items()}}


def load_policy_set(
    root: Path, catalogue: Mapping[str, Intervention], given: Path | None = None
) -> PolicySet:
    """``given`` for everyone; else the workspace's ``config/policy.yaml`` (or the built-in)
    with ``config/policy.CC.yaml`` for the persons routed to agency CC."""
    if given is not None:
        return PolicySet(load_policy(catalogue, given), {})
    config = root / WORKSPACE_POLICY.parent
    network = root / WORKSPACE_POLICY
    default = load_policy(catalogue, network if network.is_file() else None)
    by_agency = {
        path.name.split(".")[1]: load_policy(catalogue, path)
        for path in sorted(config.glob("policy.*.yaml"))
    }
    return PolicySet(default, by_agency)
