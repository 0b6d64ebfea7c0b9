"""Logging set-up for the edges; the library only calls ``logging.getLogger``."""

from __future__ import annotations

import logging

from rich.console import Console
from rich.logging import RichHandler


def configure(level: str = "WARNING") -> None:
    """Send log records to stderr through Rich, once per process."""
    root = logging.getLogger()
    if any(isinstance(h, RichHandler) for h in root.handlers):
        root.setLevel(level.upper())
        return
    # logs go to stderr: stdout carries results (and --json documents) only
    handler = RichHandler(
        console=Console(stderr=True), show_path=False, rich_tracebacks=False, markup=False
    )
    handler.setFormatter(logging.Formatter("%(message)s"))
    root.addHandler(handler)
    root.setLevel(level.upper())
    # Splink warns about every comparison level EM could not train on small data;
    # our own logs say what matters, so its chatter is shown only when debugging
    logging.getLogger("splink").setLevel("DEBUG" if level.upper() == "DEBUG" else "ERROR")
