"""``intercop campaign ...``, ``intercop bounces read``, ``intercop contact import``.

Thin: parse the options, build the channel and the message content from the workspace,
call ``intercop.outreach``, print the result.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

import typer

from intercop.access import require
from intercop.audit import record
from intercop.casework.agencies import Agency, workspace_agencies
from intercop.casework.interventions import Intervention, catalogue_path, load_catalogue
from intercop.cli.context import STATE, out, print_json
from intercop.cli.options import JsonOpt, UserOpt
from intercop.cli.progress import count_progress
from intercop.errors import ConfigError
from intercop.outreach.addresses import import_contacts
from intercop.outreach.audience import CampaignRequest
from intercop.outreach.bounces import read_bounces
from intercop.outreach.campaigns import (
    approve_campaign,
    campaign_status,
    cancel_campaign,
    create_campaign,
)
from intercop.outreach.channels import ChannelConfig, create_channel
from intercop.outreach.facts import facts_for
from intercop.outreach.preview import preview_campaign
from intercop.outreach.ratelimit import parse_rate
from intercop.outreach.render import Templates
from intercop.outreach.sender import Content, Sender, SendOptions
from intercop.outreach.summary import CampaignSummary, get_campaign
from intercop.store.database import open_store
from intercop.workspace import Workspace

app = typer.Typer(help="Message campaigns: create, preview, approve, send.", no_args_is_help=True)
bounces_app = typer.Typer(help="Delivery reports from the bounce Maildir.", no_args_is_help=True)
contact_app = typer.Typer(help="Addresses a team looked up for persons.", no_args_is_help=True)

IdArg = Annotated[int, typer.Argument(help="Campaign id.")]


def _setting(name: str, default: Any = None) -> Any:
    """A sending setting (``INTERCOP_<NAME>``) from the settings object."""
    value = getattr(STATE.settings(), name, None)
    if value is None:  # until the field is declared in settings.py
        value = os.environ.get(f"INTERCOP_{name.upper()}")
    return default if value is None else value


def _catalogue(ws: Workspace) -> dict[str, Intervention]:
    return load_catalogue(catalogue_path(ws.root))


def _templates(ws: Workspace) -> Templates:
    own = ws.root / "config" / "templates"
    return Templates(own if own.is_dir() else None)


def _agency(ws: Workspace, code: str) -> Agency:
    agencies = workspace_agencies(ws.root)
    if code not in agencies:
        raise ConfigError(f"unknown agency {code!r}", hint="See agencies.yaml")
    return agencies[code]


def _content(ws: Workspace, agency: Agency, intervention: str) -> Content:
    return Content(_templates(ws), lambda ids: facts_for(ws, ids), agency, intervention)


def _show(summary: CampaignSummary, as_json: bool, headline: str) -> None:
    if as_json:
        print_json(summary.as_json())
        return
    out.print(
        f"{headline}: campaign [bold]{summary.id}[/bold] {summary.name!r} "
        f"({summary.intervention} via {summary.channel}, {summary.agency}) is "
        f"[bold]{summary.state}[/bold]; {summary.messages} message(s)"
    )
    if summary.by_status:
        out.print("  by status: " + ", ".join(f"{k} {v}" for k, v in summary.by_status.items()))
    if summary.by_locale:
        out.print("  by locale: " + ", ".join(f"{k} {v}" for k, v in summary.by_locale.items()))
    if summary.excluded:
        out.print(f"  left out: {len(summary.excluded)}")
        for e in summary.excluded[:20]:
            out.print(f"    {e.person_id}: {e.reason}")
        if len(summary.excluded) > 20:
            out.print(f"    ... and {len(summary.excluded) - 20} more (see --json)")
    for key, value in summary.extra.items():
        if value not in ({}, [], None):
            out.print(f"  {key}: {value}")


@app.command("create")
def create(
    name: Annotated[str, typer.Option("--name", help="Campaign name (unique per agency).")],
    intervention: Annotated[str, typer.Option("--intervention", help="e.g. warning_email.")],
    channel: Annotated[
        str, typer.Option("--channel", help="outbox, smtp, letter or webhook.")
    ] = "outbox",
    agency: Annotated[
        str | None, typer.Option("--agency", help="Agency (default: $INTERCOP_AGENCY).")
    ] = None,
    pilot: Annotated[int | None, typer.Option("--pilot", help="Pilot id: message one arm.")] = None,
    arm: Annotated[str | None, typer.Option("--arm", help="The pilot's arm to message.")] = None,
    strict: Annotated[
        bool, typer.Option("--strict", help="Refuse if anyone of the audience has no address.")
    ] = False,
    user: UserOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Create a draft campaign: its audience is frozen into pending messages."""
    ws = STATE.workspace()
    request = CampaignRequest(
        name=name,
        intervention=intervention,
        channel=channel,
        agency=(agency or STATE.settings().agency).upper(),
        user=user,
        pilot_id=pilot,
        arm=arm,
        strict=strict,
    )
    with open_store(ws) as store:
        summary = create_campaign(
            store,
            ws,
            request,
            catalogue=_catalogue(ws),
            agencies=workspace_agencies(ws.root),
            templates=_templates(ws),
            facts=lambda ids: facts_for(ws, ids),
        )
    _show(summary, as_json, "Created")


@app.command("preview")
def preview(
    campaign_id: IdArg,
    locale: Annotated[str | None, typer.Option("--locale", help="Render in this locale.")] = None,
    count: Annotated[int, typer.Option("--count", "-n", help="How many samples.")] = 3,
    html: Annotated[bool, typer.Option("--html", help="Show the HTML too.")] = False,
    user: UserOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Render sample messages of a campaign (nothing is sent)."""
    ws = STATE.workspace()
    with open_store(ws) as store:
        with store.session() as session:
            campaign = get_campaign(session, campaign_id)
            content = _content(ws, _agency(ws, campaign.agency), campaign.intervention)
        samples = preview_campaign(store, campaign_id, user, content, locale=locale, count=count)
    if as_json:
        print_json([s.as_json() for s in samples])
        return
    if not samples:
        out.print("No message to preview.")
    for s in samples:
        out.rule(f"{s.message_id}  to {s.to}  [{s.locale}]")
        out.print(f"[bold]Subject:[/bold] {s.subject}\n", markup=True)
        out.print(s.text, markup=False)
        if html:
            out.print(s.html, markup=False)


@app.command("approve")
def approve(
    campaign_id: IdArg,
    reason: Annotated[str, typer.Option("--reason", help="Why (kept in the audit log).")] = "",
    user: UserOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Approve a draft campaign (a supervisor who did not create it: four eyes)."""
    ws = STATE.workspace()
    with open_store(ws) as store:
        summary = approve_campaign(
            store, campaign_id, user, catalogue=_catalogue(ws), reason=reason
        )
    _show(summary, as_json, "Approved")


@app.command("send")
def send(
    campaign_id: IdArg,
    smtp_host: Annotated[
        str | None, typer.Option("--smtp-host", help="SMTP server (default $INTERCOP_SMTP_HOST).")
    ] = None,
    smtp_port: Annotated[
        int | None, typer.Option("--smtp-port", help="SMTP port (default $INTERCOP_SMTP_PORT).")
    ] = None,
    smtp_user: Annotated[
        str | None,
        typer.Option("--smtp-user", help="SMTP login; the password is $INTERCOP_SMTP_PASSWORD."),
    ] = None,
    starttls: Annotated[
        bool | None,
        typer.Option(
            "--starttls/--no-starttls", help="Require or refuse STARTTLS (default: use if offered)."
        ),
    ] = None,
    webhook_url: Annotated[
        str | None, typer.Option("--webhook-url", help="Partner URL of the webhook channel.")
    ] = None,
    rate: Annotated[
        str | None, typer.Option("--rate", help="At most this many, e.g. 50/s or 1000/min.")
    ] = None,
    max_attempts: Annotated[
        int, typer.Option("--max-attempts", help="Tries per message before it is deferred.")
    ] = 3,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Render and compose everything, send nothing.")
    ] = False,
    resend_in_doubt: Annotated[
        bool,
        typer.Option(
            "--resend-in-doubt", help="Send again messages an interrupted run left in doubt."
        ),
    ] = False,
    user: UserOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Send an approved campaign: each message exactly once, even after a crash."""
    ws = STATE.workspace()
    secret = _setting("webhook_secret")
    config = ChannelConfig(
        smtp_host=smtp_host or _setting("smtp_host", "127.0.0.1"),
        smtp_port=int(smtp_port or _setting("smtp_port", 25)),
        smtp_user=smtp_user or _setting("smtp_user"),
        smtp_password=_setting("smtp_password"),
        starttls=starttls,
        smtp_timeout=float(_setting("smtp_timeout", 30.0)),
        webhook_url=webhook_url or _setting("webhook_url"),
        webhook_secret=secret.encode() if isinstance(secret, str) else secret,
    )
    options = SendOptions(
        rate=parse_rate(rate) if rate else None,
        max_attempts=max_attempts,
        dry_run=dry_run,
        resend_in_doubt=resend_in_doubt,
    )
    with open_store(ws) as store:
        with store.session() as session:
            campaign = get_campaign(session, campaign_id)
            content = _content(ws, _agency(ws, campaign.agency), campaign.intervention)
        channel = create_channel(campaign.channel, ws, config)
        with count_progress(f"campaign {campaign_id}") as progress:
            sender = Sender(store, channel, content, options, user=user, progress=progress)
            report = sender.send(campaign_id)
    if as_json:
        print_json(report.as_json())
        return
    verb = "Would send" if dry_run else "Sent"
    c = report.counts
    out.print(
        f"{verb} campaign {campaign_id} via {report.channel}: "
        f"{c['rendered'] if dry_run else c['sent']} message(s) in {report.seconds:.1f} s"
        + ("" if dry_run else f" ({report.rate:.0f}/s)")
    )
    if not dry_run:
        out.print(
            f"  failed {c['failed']}, deferred {c['deferred']}, suppressed {c['suppressed']}, "
            f"in doubt {c['in_doubt']}; finished: {'yes' if report.finished else 'no'}"
        )
    if report.by_locale:
        out.print(
            "  by locale: " + ", ".join(f"{k} {v}" for k, v in sorted(report.by_locale.items()))
        )
    for mid in report.in_doubt:
        out.print(f"  [yellow]in doubt[/yellow]: {mid} (resend with --resend-in-doubt)")


@app.command("status")
def status(campaign_id: IdArg, user: UserOpt = None, as_json: JsonOpt = False) -> None:
    """Counts by status and locale, bounces, and messages in doubt."""
    with open_store(STATE.workspace()) as store:
        summary = campaign_status(store, campaign_id, user)
    _show(summary, as_json, "Status")


@app.command("cancel")
def cancel(
    campaign_id: IdArg,
    reason: Annotated[str, typer.Option("--reason", help="Why (kept in the audit log).")],
    user: UserOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Cancel a campaign: nothing more of it is sent."""
    with open_store(STATE.workspace()) as store:
        summary = cancel_campaign(store, campaign_id, user, reason)
    _show(summary, as_json, "Cancelled")


@bounces_app.command("read")
def bounces_read(
    maildir: Annotated[
        Path | None, typer.Option("--maildir", help="Bounce Maildir (default <workspace>/bounces).")
    ] = None,
    user: UserOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Read delivery reports: mark messages bounced, suppress bad addresses."""
    ws = STATE.workspace()
    with open_store(ws) as store:
        with store.session() as session:
            who = require(session, user, "campaign.send")
        run = read_bounces(store, maildir or ws.root / "bounces", ws.secret_key(), user=who.name)
    if as_json:
        print_json(run.as_json())
        return
    r = run.as_json()
    out.print(
        f"Read {r['read']} report(s) ({r['already_read']} read before): hard {r['hard']}, "
        f"soft {r['soft']}, unknown {r['unknown']}; {r['suppressed']} address(es) suppressed"
    )


@contact_app.command("import")
def contact_import(
    path: Annotated[Path, typer.Argument(help="CSV with person_id, kind, recipient, value.")],
    agency: Annotated[
        str | None, typer.Option("--agency", help="Agency (default: $INTERCOP_AGENCY).")
    ] = None,
    user: UserOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Import contacts (postal, email, webhook); every line is checked before any is kept."""
    code = (agency or STATE.settings().agency).upper()
    with open_store(STATE.workspace()) as store, store.session() as session:
        who = require(session, user, "contact.import", code)
        result = import_contacts(session, path, agency=code, user=who.name)
        record(session, who.name, "contact.import", agency=code, object_type="file",
               object_id=path.name, detail={"added": result.added, **result.by_kind})  # fmt: skip
        session.commit()
    if as_json:
        print_json({"file": str(path), "added": result.added, "by_kind": result.by_kind})
        return
    out.print(f"Imported {result.added} contact(s) from {path.name}: {result.by_kind}")
