"""Benchmark: 100,000 personalised messages to the outbox and over SMTP.

What is measured is the real sending path: ``intercop.outreach.sender.Sender`` reading
pending ``Message`` rows, rendering each message with the packaged Jinja2 templates in
the person's locale (Babel dates and numbers), composing the MIME e-mail, delivering it
(Maildir with fsync; SMTP to a local aiosmtpd server in its own process, discarding what
it receives) and committing every state change (``sending``/``sent``, the case moving to
``contacted`` with its case event) in the SQLite case store.

Not included (set up directly, outside the timing): the persons, cases and the
campaign's message rows are created synthetically (a 100k-person workspace takes long
to build), and the facts of each person are made in memory instead of read from the
vault with DuckDB.

Target (issue 4): >= 1,000 messages/s to the outbox and >= 500/s over SMTP on 2 cores.
Results: benchmarks/results/outreach.json (or outreach-<N>.json for other sizes).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from pathlib import Path

from intercop.access import add_user
from intercop.casework.agencies import load_agencies
from intercop.outreach.channels import ChannelConfig, create_channel
from intercop.outreach.facts import Facts
from intercop.outreach.mime import message_id_for, sender_domain
from intercop.outreach.render import Templates
from intercop.outreach.sender import Content, Sender, SendOptions
from intercop.store import Store, open_store
from intercop.store.models import Campaign, Case, Message
from intercop.workspace import Workspace, init_workspace

HERE = Path(__file__).parent
COUNTRIES = ("NL", "JP", "BR", "DE", "FI", "SE", "PT", "FR", "ES", "NL")


def facts(ids: Sequence[str]) -> Mapping[str, Facts]:
    """In-memory facts of synthetic persons (what ``facts_for`` would read from the vault)."""
    out = {}
    for pid in ids:
        n = int(pid[4:])
        out[pid] = Facts(pid, "QuantumStress", ("QuantumStress",), f"user{n}",
                         date(2022, 1 + n % 12, 1), "85.144.x.x", 1 + n % 3, n % 400,
                         n % 50, n % 4, COUNTRIES[n % 10], (), False)  # fmt: skip
    return out


def populate(store: Store, ws: Workspace, n: int, channel: str) -> int:
    """An approved campaign of ``n`` pending messages with their (approved) cases."""
    agency = load_agencies()["NL"]
    key = ws.secret_key()
    now = datetime.now(UTC)
    with store.session() as session:
        if not session.scalar(Case.__table__.select().limit(1).with_only_columns(Case.id)):
            for name, role in (("ana", "analyst"), ("olga", "officer"), ("sam", "supervisor")):
                add_user(session, name, role, "NL")
        campaign = Campaign(name=f"bench-{channel}", agency="NL", intervention="warning_email",
                            channel=channel, state="approved", options="{}", created_by="ana",
                            approved_by="sam", created_at=now, approved_at=now)  # fmt: skip
        session.add(campaign)
        session.flush()
        offset = 0 if channel == "outbox" else n
        cases = [
            {"person_id": f"PER-{offset + i:07d}", "agency": "NL", "state": "approved",
             "intervention": "warning_email", "reasons": "[]", "created_at": now,
             "updated_at": now, "updated_by": "ana"}
            for i in range(1, n + 1)
        ]  # fmt: skip
        session.execute(Case.__table__.insert(), cases)
        ids = dict(
            session.execute(
                Case.__table__.select().with_only_columns(Case.person_id, Case.id)
            ).all()
        )
        domain = sender_domain(agency.sender)
        locales = {"NL": "nl", "JP": "ja", "BR": "pt-BR", "DE": "de", "FI": "fi", "SE": "sv",
                   "PT": "pt", "FR": "fr", "ES": "es"}  # fmt: skip
        rows = []
        for i in range(1, n + 1):
            pid = f"PER-{offset + i:07d}"
            rows.append({
                "campaign_id": campaign.id, "case_id": ids[pid], "person_id": pid,
                "channel": channel, "locale": locales[COUNTRIES[(offset + i) % 10]],
                "recipient_kind": "person", "address": f"user{offset + i}@example.org",
                "address_hash": f"{offset + i:064x}", "status": "pending", "attempts": 0,
                "message_id": message_id_for(key, campaign.id, i, pid, domain),
                "created_at": now, "updated_at": now,
            })  # fmt: skip
        session.execute(Message.__table__.insert(), rows)
        session.commit()
        return campaign.id


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_smtp() -> tuple[subprocess.Popen[bytes], int]:
    """aiosmtpd in its own process, discarding messages (its CPU is not ours)."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}",
         "-c", "aiosmtpd.handlers.Sink"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return proc, port
        except OSError:
            time.sleep(0.05)  # waiting for the server to listen
    proc.kill()
    raise RuntimeError("aiosmtpd did not start")


def run(store: Store, ws: Workspace, channel: str, n: int, port: int) -> dict[str, object]:
    campaign = populate(store, ws, n, channel)
    config = ChannelConfig(smtp_host="127.0.0.1", smtp_port=port)
    content = Content(Templates(), facts, load_agencies()["NL"], "warning_email")
    sender = Sender(store, create_channel(channel, ws, config), content, SendOptions(),
                    user="olga")  # fmt: skip
    started = time.perf_counter()
    report = sender.send(campaign)
    seconds = time.perf_counter() - started
    assert report.counts["sent"] == n, report.as_json()
    return {
        "messages": n,
        "seconds": round(seconds, 2),
        "messages_per_s": round(n / seconds, 1),
        "by_locale": dict(report.by_locale),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--keep", action="store_true", help="keep the workspace")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="intercop-outreach-"))
    os.environ.pop("INTERCOP_DATABASE_URL", None)
    ws = init_workspace(root / "ws")
    smtp, port = start_smtp()
    try:
        with open_store(ws) as store:
            results = {
                "outbox": run(store, ws, "outbox", args.messages, port),
                "smtp": run(store, ws, "smtp", args.messages, port),
            }
    finally:
        smtp.terminate()
        smtp.wait(timeout=30)
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
    doc = {
        "benchmark": "outreach",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "system": platform.platform(),
        },
        "targets": {"outbox_per_s": 1000, "smtp_per_s": 500},
        "results": results,
        "included": "render (Jinja2+Babel), MIME compose, delivery, state commits, "
        "case -> contacted; persons/cases/messages and facts are synthetic",
    }
    name = "outreach.json" if args.messages == 100_000 else f"outreach-{args.messages}.json"
    out = HERE / "results" / name
    out.write_text(json.dumps(doc, indent=2) + "\n")
    print(json.dumps(doc, indent=2))


if __name__ == "__main__":
    main()
