"""``intercop share set/show/list``: distribution levels of datasets, cases, reports, cohorts."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.table import Table

from intercop.cli.context import STATE, out, print_json
from intercop.cli.options import JsonOpt, UserOpt
from intercop.exchange.sharing import (
    DEFAULT_HANDLING,
    DEFAULT_TLP,
    distribution_of,
    history_of,
    list_distributions,
    set_distribution,
)
from intercop.store.database import open_store

share_app = typer.Typer(help="Who may see a dataset, case, report or cohort table.",
                        no_args_is_help=True)  # fmt: skip


class ObjectType(StrEnum):
    dataset = "dataset"
    case = "case"
    report = "report"
    cohort = "cohort"


TypeArg = Annotated[ObjectType, typer.Argument(help="dataset, case, report (pilot) or cohort.")]
IdArg = Annotated[
    str, typer.Argument(help="Dataset id, case id, pilot id, or agency code (cohort).")
]


def _describe(d: dict[str, Any]) -> str:
    whom = {"own": "own agency only", "network": "the whole network",
            "aggregate": "aggregates only (network cohort tables)",
            "partners": f"partners {', '.join(d['partners'])}"}[d["level"]]  # fmt: skip
    return (f"{d['object_type']} {d['object_id']} of {d['owner']}: {whom}, {d['handling']} "
            f"({d['handling_means']}), {d['tlp']}")  # fmt: skip


@share_app.command("set")
def set_command(
    object_type: TypeArg,
    object_id: IdArg,
    level: Annotated[str, typer.Option(help="own, partners, network or aggregate.")],
    reason: Annotated[str, typer.Option(help="Why it is shared (the audit log's justification).")],
    partners: Annotated[
        str, typer.Option(help="Comma-separated agency codes, for --level partners.")
    ] = "",
    handling: Annotated[str, typer.Option(help="Handling code H0-H3.")] = DEFAULT_HANDLING,
    tlp: Annotated[
        str, typer.Option(help="TLP label: clear, green, amber, amber+strict, red.")
    ] = DEFAULT_TLP,
    user: UserOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Set an object's distribution (a supervisor of the owner agency; audited)."""
    workspace = STATE.workspace()
    with open_store(workspace) as store, store.session() as session:
        done = set_distribution(session, user, object_type.value, object_id, level,
                                partners.split(","), handling, tlp, reason,
                                workspace=workspace)  # fmt: skip
        session.commit()
        data = done.as_json()
    if as_json:
        print_json(data)
    else:
        out.print(f"Shared: {_describe(data)}")


@share_app.command("show")
def show(
    object_type: TypeArg,
    object_id: IdArg,
    history: Annotated[bool, typer.Option(help="Also every earlier distribution.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Show an object's current distribution (the default when none was set)."""
    workspace = STATE.workspace()
    with open_store(workspace) as store, store.session() as session:
        data = distribution_of(session, object_type.value, object_id, workspace).as_json()
        if history:
            data["history"] = [
                h.as_json() for h in history_of(session, object_type.value, object_id)
            ]
    if as_json:
        print_json(data)
        return
    out.print(_describe(data) + (" (default)" if data["default"] else f", set by {data['set_by']}"))
    for h in data.get("history", []):
        out.print(f"  {h['set_at']} {h['set_by']}: {_describe(h)} ({h['reason']})")


@share_app.command("list")
def list_command(
    owner: Annotated[str | None, typer.Option(help="Only this owner agency's objects.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """List every distribution set (objects not listed are shared with their owner only)."""
    with open_store(STATE.workspace()) as store, store.session() as session:
        data = [d.as_json() for d in list_distributions(session, owner=owner)]
    if as_json:
        print_json(data)
        return
    table = Table("object", "owner", "level", "partners", "handling", "TLP", "set by")
    for d in data:
        table.add_row(f"{d['object_type']} {d['object_id']}", d["owner"], d["level"],
                      ",".join(d["partners"]) or "-", d["handling"], d["tlp"],
                      d["set_by"])  # fmt: skip
    out.print(table)
