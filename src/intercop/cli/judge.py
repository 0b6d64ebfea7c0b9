"""``intercop judge A B same|different|unsure --reason ...``: a reviewer's decision."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from intercop.cli.context import STATE, out, print_json
from intercop.errors import ConfigError
from intercop.evidence.vault import Vault
from intercop.identity.judgements import record_judgement
from intercop.store.database import open_store


class Decision(StrEnum):
    """What the reviewer decided about the two accounts."""

    same = "same"
    different = "different"
    unsure = "unsure"


def judge(
    a: Annotated[str, typer.Argument(help="One account, DATASET_ID:KEY.")],
    b: Annotated[str, typer.Argument(help="The other account, DATASET_ID:KEY.")],
    decision: Annotated[Decision, typer.Argument(help="same, different or unsure.")],
    reason: Annotated[str, typer.Option("--reason", help="Why (kept with the judgement).")],
    user: Annotated[
        str | None, typer.Option("--user", help="Who decides (default: $INTERCOP_USER).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Record a reviewer's judgement; it overrides the model on every later resolve."""
    who = user or STATE.settings().user
    if not who:
        raise ConfigError(
            "who is judging? no --user given and INTERCOP_USER is not set",
            hint="Pass --user NAME or set INTERCOP_USER",
        )
    workspace = STATE.workspace()
    with open_store(workspace) as store:
        record = record_judgement(
            store, a, b, decision.value, reason=reason, user=who, vault=Vault(workspace)
        )
    if as_json:
        print_json(
            {
                "id": record.id,
                "left": record.left_uid,
                "right": record.right_uid,
                "decision": record.decision,
                "reason": record.reason,
                "user": record.user_name,
                "created_at": record.created_at.isoformat(),
            }
        )
        return
    out.print(
        f"Judgement {record.id}: {record.left_uid} [bold]{record.decision}[/bold] "
        f"{record.right_uid} (by {record.user_name}); applied on the next `intercop resolve`"
    )
