"""``intercop synth``: synthetic takedown scenarios (placeholder until the generator lands)."""

from __future__ import annotations

import typer

app = typer.Typer(help="Generate synthetic seized dumps with ground truth.", no_args_is_help=True)
