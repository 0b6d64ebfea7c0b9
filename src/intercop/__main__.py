"""``python -m intercop`` runs the command line."""

from __future__ import annotations

from intercop.cli.app import main

main()
