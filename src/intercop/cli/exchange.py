"""``intercop exchange ...``: referral bundles and privacy-preserving overlap with partners."""

from __future__ import annotations

import typer

from intercop.cli import pprl, referrals, transport

exchange_app = typer.Typer(
    help="Exchange with partner agencies: keys, referral bundles, PPRL.", no_args_is_help=True
)
exchange_app.add_typer(referrals.app)  # keys, export, import, authorise (merged in)
exchange_app.add_typer(transport.app)  # send, push, outbox, endpoint (merged in)
exchange_app.add_typer(pprl.pprl_app, name="pprl")
