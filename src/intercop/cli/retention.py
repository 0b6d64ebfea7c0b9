"""``intercop retention show/enforce``: what expires when, and erasing what has expired."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Annotated, Any

import typer
from rich.table import Table

from intercop.cli.context import STATE, out, print_json
from intercop.cli.ingest import parse_date
from intercop.cli.options import JsonOpt, UserOpt
from intercop.evidence.vault import Vault
from intercop.lawful.retention import case_retention, enforce
from intercop.settings import get_settings
from intercop.store.database import open_store
from intercop.store.models import Case

app = typer.Typer(help="Retention: what expires when; erase what has expired.",
                  no_args_is_help=True)  # fmt: skip

TodayOpt = Annotated[
    str | None, typer.Option("--today", help="Erase as of this day, YYYY-MM-DD (default: today).")
]


@app.command("show")
def show(today: TodayOpt = None, as_json: JsonOpt = False) -> None:
    """When each dataset and (per month) the cases expire; no personal data is shown."""
    day = parse_date(today, "--today") or date.today()
    ws = STATE.workspace()
    datasets: list[dict[str, Any]] = [
        {"dataset_id": m.dataset_id, "platform": m.platform, "agency": m.agency,
         "retention_until": m.retention_until.isoformat(), "expired": m.retention_until < day}
        for m in sorted(Vault(ws).manifests(), key=lambda m: m.retention_until)
    ]  # fmt: skip
    days = get_settings().retention_days
    months: Counter[str] = Counter()
    expired = 0
    with open_store(ws) as store, store.session() as session:
        for case in session.query(Case).yield_per(1000):
            until, _ = case_retention(case, days)
            months[until.strftime("%Y-%m")] += 1
            expired += until < day
    data: dict[str, Any] = {
        "today": day.isoformat(), "default_days": days, "datasets": datasets,
        "cases": {"total": sum(months.values()), "expired": expired,
                  "by_month": dict(sorted(months.items()))},
    }  # fmt: skip
    if as_json:
        print_json(data)
        return
    table = Table("dataset", "platform", "agency", "retained until", "expired")
    for d in datasets:
        table.add_row(d["dataset_id"], d["platform"], d["agency"], d["retention_until"],
                      "yes" if d["expired"] else "")  # fmt: skip
    out.print(table)
    out.print(f"{data['cases']['total']:,} cases, {expired:,} expired on {day}")


@app.command("enforce")
def enforce_command(
    today: TodayOpt = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Report what would be erased; change nothing.")
    ] = False,
    user: UserOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Erase expired datasets and cases (vault, derived tables, case store); audit tombstones."""
    day = parse_date(today, "--today") or date.today()
    ws = STATE.workspace()
    with open_store(ws) as store:
        report = enforce(ws, store, user, day, dry_run=dry_run)
    if as_json:
        print_json(report.as_json())
        return
    verb = "would erase" if dry_run else "erased"
    out.print(f"Retention on {day}: {verb} {len(report.datasets)} datasets and "
              f"{len(report.cases)} cases")  # fmt: skip
    for table, n in sorted({**report.derived.get("rows", {}), **report.case_store}.items()):
        if n:
            out.print(f"  {table}: {n:,} rows")
