"""``intercop demo``: the main job on embedded defaults."""

from __future__ import annotations

from collections import defaultdict
from typing import Annotated

import typer
from rich.table import Table

from intercop.cli.context import STATE, err, out, print_json
from intercop.cli.persons import show
from intercop.cli.serve import run_server
from intercop.demo import DemoReport, run_demo
from intercop.identity.persons import list_persons


def demo(
    seed: Annotated[int, typer.Option(help="Seed of the synthetic scenario.")] = 1,
    scale: Annotated[float, typer.Option(help="Size of the scenario (1.0 ~ 8 MB).")] = 1.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    serve: Annotated[
        bool, typer.Option(help="End by serving the web app on --port (until Ctrl-C).")
    ] = False,
    port: Annotated[int, typer.Option(help="Port of the web app with --serve.")] = 8000,
) -> None:
    """Run the whole flow on a synthetic takedown scenario; with --serve, open the web app."""
    report = run_demo(
        STATE.root(),
        STATE.settings(),
        seed=seed,
        scale=scale,
        step=None if as_json else (lambda msg: err.print(f"[dim]- {msg}[/dim]")),
    )
    if as_json:
        print_json(
            {
                "workspace": str(report.workspace.root),
                "datasets": [r.summary() for r in report.results],
                "by_country": [c.__dict__ for c in report.countries],
                "resolve": report.resolved.as_json(),
                "accuracy": report.scores.__dict__,
                "pilot": _pilot_json(report),
                "logins": [
                    {"user": x.name, "role": x.role, "agency": x.agency} for x in report.logins
                ],
            }
        )
        return
    table = Table(
        title="Datasets: accounts, identifiers and events per country of the account's IPs"
    )
    for col in (
        "dataset",
        "platform",
        "kind",
        "seized",
        "country",
        "accounts",
        "identifiers",
        "events",
    ):
        table.add_column(
            col, justify="right" if col in ("accounts", "identifiers", "events") else "left"
        )
    per_dataset = defaultdict(list)
    for c in report.countries:
        per_dataset[c.dataset_id].append(c)
    for r in report.results:
        m = r.manifest
        first = True
        for c in per_dataset[m.dataset_id]:
            table.add_row(
                m.dataset_id if first else "",
                m.platform if first else "",
                m.kind if first else "",
                str(m.seized_on or "") if first else "",
                c.country,
                f"{c.accounts:,}",
                f"{c.identifiers:,}",
                f"{c.events:,}",
            )
            first = False
        table.add_section()
    out.print(table)
    total_q = sum(r.manifest.quarantined for r in report.results)
    dropped = [
        f"{r.manifest.platform}:{c}" for r in report.results for c in r.manifest.dropped_columns
    ]
    out.print(
        f"Quarantined rows: {total_q:,}. Dropped secret columns: {', '.join(dropped) or 'none'}."
    )
    _persons(report)
    _pilot(report)
    out.print(
        f"Look at: the scenario and its ground truth in {report.scenario.out}, the vault in "
        f"{report.workspace.vault}; try `intercop --workspace {report.workspace.root} datasets` "
        f"and `intercop --workspace {report.workspace.root} dataset show "
        f"{report.results[0].manifest.dataset_id} --explain`."
    )
    _logins(report, port)
    if serve:
        run_server("127.0.0.1", port)


def _logins(report: DemoReport, port: int) -> None:
    """The web logins of two agencies (also in demo-logins.txt, readable by the owner only)."""
    table = Table(title=f"Web logins for http://127.0.0.1:{port}/ (also in demo-logins.txt)")
    for col in ("user", "password", "role", "agency"):
        table.add_column(col)
    for x in report.logins:
        table.add_row(x.name, x.password, x.role, x.agency)
    out.print(table)
    out.print(
        f"Serve it with `intercop --workspace {report.workspace.root} serve --port {port}`; "
        "'ana' and 'sam' see the Dutch cases, 'fin' only the Finnish ones."
    )


def _persons(report: DemoReport) -> None:
    """Persons per country, repeat offenders and minors, and one person's explanation."""
    people = list_persons(report.workspace)
    r, sc = report.resolved, report.scores
    out.print(
        f"\nResolved {r.accounts:,} accounts into [bold]{r.persons:,} persons[/bold] in "
        f"{r.seconds:.1f} s; against the ground truth: pairwise precision {sc.precision:.3f}, "
        f"recall {sc.recall:.3f}, F1 {sc.f1:.3f}."
    )
    table = Table(title="Persons per country (IP, e-mail and claimed-country evidence)")
    for col in ("country", "persons", "repeat offenders", "minors now", "minors at activity"):
        table.add_column(col, justify="left" if col == "country" else "right")
    rows: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for p in people:
        row = rows[p.country or "unknown"]
        row[0] += 1
        row[1] += bool(p.extra.get("repeat_offender"))
        row[2] += bool(p.minor)
        row[3] += bool(p.extra.get("minor_at_activity"))
    for country, (n, repeat, minors, minors_then) in sorted(rows.items(), key=lambda kv: -kv[1][0]):
        table.add_row(country, f"{n:,}", f"{repeat:,}", f"{minors:,}", f"{minors_then:,}")
    out.print(table)
    multi = max(people, key=lambda p: (len(p.accounts), p.risk or 0))
    out.print(f"One person explained: `intercop person show {multi.person_id} --explain`")
    show(multi.person_id, explain=True, as_json=False)


def _hazard_ratio(report: DemoReport) -> tuple[float, float, float] | None:
    cox = report.pilot.evaluation.cox
    if cox is None:
        return None
    term = next(c for c in cox.coefficients if c.name.startswith("arm="))
    return term.exp_coef, term.exp_ci_low, term.exp_ci_high


def _pilot_json(report: DemoReport) -> dict[str, object]:
    p = report.pilot
    hr = _hazard_ratio(report)
    return {
        "triaged": p.triaged,
        "pilot_id": p.pilot_id,
        "allocated": p.allocated,
        "campaign_id": p.campaign_id,
        "sent": p.sent,
        "outbox": str(p.outbox),
        "later_takedown": {
            "file": str(p.followup.path),
            "came_back": p.followup.returned,
            "seized_on": p.seized_on.isoformat(),
        },
        "hazard_ratio": None if hr is None else {"estimate": hr[0], "ci": [hr[1], hr[2]]},
        "true_hazard_ratio": 0.6,
        "report": str(report.report),
    }


def _pilot(report: DemoReport) -> None:
    """What the casework, outreach and evaluation half of the demo did."""
    p, root = report.pilot, report.workspace.root
    arms = ", ".join(f"{arm} {n}" for arm, n in sorted(p.allocated.items()))
    out.print(
        f"\nTriaged {p.triaged:,} persons as analyst 'ana'. Pilot {p.pilot_id} "
        f"(warning_email, frozen and assigned by supervisor 'sam'): {arms}."
    )
    out.print(
        f"Campaign {p.campaign_id} created by 'ana', approved by 'sam' (four eyes): "
        f"[bold]{p.sent} warning e-mails[/bold] in the outbox {p.outbox / 'new'} "
        "(one file per message; open one with any mail reader)."
    )
    out.print(
        f"A later takedown on {p.seized_on:%Y-%m-%d}: {p.followup.returned} pilot members came "
        "back (drawn with a true hazard ratio of 0.6 for the warned)."
    )
    hr = _hazard_ratio(report)
    if hr is not None:
        out.print(
            f"Evaluation: hazard ratio of the warning {hr[0]:.2f} (95% CI {hr[1]:.2f}-{hr[2]:.2f})"
            f"; the report is {report.report}"
        )
    else:
        out.print(f"Evaluation: no Cox model (see the notes in {report.report})")
    out.print(
        f"Try: `intercop --workspace {root} campaign status {p.campaign_id} --user sam`, "
        f"`intercop --workspace {root} pilot show {p.pilot_id}`, "
        f"`intercop --workspace {root} audit verify --user dpo`."
    )
