"""Shared state of one CLI invocation: settings, workspace, output."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console

from intercop.settings import Settings, get_settings
from intercop.workspace import Workspace, open_workspace

#: results go to stdout; progress, logs and errors to stderr
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False)


@dataclass
class State:
    """Options of the root command, shared by every sub-command."""

    workspace_path: Path | None = None

    def settings(self) -> Settings:
        return get_settings()

    def root(self) -> Path:
        return self.workspace_path or self.settings().home

    def workspace(self) -> Workspace:
        return open_workspace(self.root())


STATE = State()


def print_json(data: Any) -> None:
    """Write a JSON document to stdout (never through Rich, so it stays parseable)."""
    sys.stdout.write(json.dumps(data, indent=2, default=str, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def show_progress() -> bool:
    """Progress bars only on a terminal (ARCHITECTURE §6)."""
    return err.is_terminal
