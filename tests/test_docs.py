"""Every setting and every command is documented (a test fails when one is not)."""

from __future__ import annotations

import re
from pathlib import Path

import typer.main

from intercop.cli.app import app
from intercop.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
DOCS = "\n".join(
    p.read_text("utf-8") for p in [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
)


def test_every_setting_is_documented() -> None:
    missing = [
        f"INTERCOP_{name.upper()}" for name in Settings.model_fields
        if f"INTERCOP_{name.upper()}" not in DOCS
    ]  # fmt: skip
    assert not missing, f"document these settings in README.md: {missing}"


def test_every_command_is_documented() -> None:
    group = typer.main.get_command(app)
    names: list[str] = []
    for name, command in group.commands.items():  # type: ignore[attr-defined]
        subs = getattr(command, "commands", None)
        names += [f"intercop {name} {sub}" for sub in subs] if subs else [f"intercop {name}"]
    missing = [n for n in names if n not in DOCS]
    assert not missing, f"document these commands in README.md or docs/: {missing}"


def test_the_roles_table_of_docs_access_is_the_actions_table() -> None:
    from intercop.access import ACTIONS

    roles = ["analyst", "officer", "supervisor", "admin", "auditor", "partner"]
    text = (ROOT / "docs" / "access.md").read_text()
    documented = {}
    for line in text.splitlines():
        found = re.match(r"^\| .*\(`([a-z_]+\.[a-z_]+)`\) \|(.*)\|$", line)
        if found:
            cells = [c.strip() for c in found.group(2).split("|")]
            documented[found.group(1)] = {r for r, c in zip(roles, cells, strict=True) if c}
    assert documented == {action: set(allowed) for action, allowed in ACTIONS.items()}
