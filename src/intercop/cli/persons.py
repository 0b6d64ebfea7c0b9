"""``intercop persons`` and ``intercop person show ID``."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from intercop.cli.context import STATE, out, print_json
from intercop.errors import IntercopError
from intercop.identity.explain import explain_person
from intercop.identity.persons import list_persons
from intercop.identity.review import review_queue

person_app = typer.Typer(help="Look at one person.", no_args_is_help=True)


def persons(
    country: Annotated[str | None, typer.Option(help="Only persons of this country.")] = None,
    limit: Annotated[int, typer.Option(help="Rows shown in the table (JSON has all).")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """List resolved persons with their accounts, country, age, minor flag and risk."""
    found = list_persons(STATE.workspace(), country=country)
    if as_json:
        print_json([p.as_json() for p in found])
        return
    table = Table(title=f"Persons ({len(found):,})")
    for col in ("person", "accounts", "country", "age", "minor", "risk"):
        table.add_column(col)
    for p in sorted(found, key=lambda p: -(p.risk or 0))[:limit]:
        age = "" if p.age is None else str(p.age)
        risk = "" if p.risk is None else f"{p.risk:.0f}"
        table.add_row(p.person_id, str(len(p.accounts)), p.country or "", age,
                      "yes" if p.minor else "", risk)  # fmt: skip
    out.print(table)


@person_app.command("show")
def show(
    person_id: Annotated[str, typer.Argument(help="Person id, e.g. PER-000042.")],
    explain: Annotated[bool, typer.Option(help="Show every link and its evidence.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Show a person's accounts and, with --explain, why they are one person."""
    ws = STATE.workspace()
    found = list_persons(ws, person_id=person_id)
    if not found:
        raise IntercopError(f"no person {person_id!r}", hint="List persons with `intercop persons`")
    explanation = explain_person(ws, person_id)
    if as_json:
        doc = found[0].as_json()
        doc["accounts"] = [a.__dict__ for a in explanation.accounts]
        if explain:
            doc["links"] = [link.__dict__ for link in explanation.links]
        print_json(doc)
        return
    p = found[0]
    out.print(f"[bold]{p.person_id}[/bold]  country {p.country or '?'}, age "
              f"{p.age if p.age is not None else '?'}{', minor' if p.minor else ''}, risk "
              f"{'?' if p.risk is None else f'{p.risk:.0f}'}")  # fmt: skip
    accounts = Table(title="Accounts")
    for col in ("account", "platform", "username", "country", "first seen", "last seen"):
        accounts.add_column(col)
    for a in explanation.accounts:
        accounts.add_row(a.uid, a.platform, a.username or "", a.country or "",
                         a.first_seen or "", a.last_seen or "")  # fmt: skip
    out.print(accounts)
    if not explain:
        return
    names = {a.uid: f"{a.platform}:{a.username or a.account_key}" for a in explanation.accounts}
    links = Table(title="Links that joined these accounts, or were refused, with their evidence")
    for col in ("accounts", "kind", "weight", "merged", "evidence"):
        links.add_column(col)
    for link in explanation.links:
        if link.decision == "already together":
            continue  # redundant with the links shown; all of them are in --json
        evidence = "; ".join(
            f"{e.get('comparison', '')}: {e.get('level', e.get('judgement', ''))}"
            + (f" ({e['weight']:+.1f})" if isinstance(e.get("weight"), int | float) else "")
            for e in link.evidence
            if "no evidence" not in str(e.get("level", ""))
        )
        pair = f"{names.get(link.uid_l, link.uid_l)}\n{names.get(link.uid_r, link.uid_r)}"
        links.add_row(pair, link.kind, f"{link.match_weight:.1f}",
                      "yes" if link.merged else f"no: {link.decision}", evidence)  # fmt: skip
    out.print(links)


def review(
    limit: Annotated[int, typer.Option(help="How many items, strongest evidence first.")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Links the resolver refused to merge, and why: answer with `intercop judge`."""
    items = review_queue(STATE.workspace(), limit=limit)
    if as_json:
        print_json([item.__dict__ for item in items])
        return
    table = Table(title=f"Review queue (first {len(items)}): answer with `intercop judge A B ...`")
    for col in ("accounts", "persons", "kind", "weight", "why not merged"):
        table.add_column(col)
    for i in items:
        table.add_row(f"{i.uid_l}\n{i.uid_r}", f"{i.person_l}\n{i.person_r}", i.kind,
                      f"{i.match_weight:.1f}", i.reason)  # fmt: skip
    out.print(table)
