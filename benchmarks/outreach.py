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

The aiosmtpd server advertises PIPELINING (as Postfix and Exim do) except in the run
``smtp_no_pipelining``. Peers, in the same run and on the same server: the same
messages built with ``email.message.EmailMessage`` and written with
``mailbox.Maildir.add`` (no fsync) or sent with ``smtplib.SMTP.send_message``, with no
case store and no template rendering (each locale is rendered once beforehand, then
only the username and reference are replaced); and ``smtp_transport_only``, ready bytes
sent with ``smtplib.sendmail``: the most this server takes. Each measurement runs in
its own child process in a fresh workspace (its peak RSS is its own); the SMTP server's
CPU time per message is read from /proc.

Target (issue 4): >= 1,000 messages/s to the outbox and >= 500/s over SMTP on 2 cores.
Results: benchmarks/results/outreach.json (or outreach-<N>.json for other sizes).
"""

from __future__ import annotations

import argparse
import email.utils
import functools
import json
import mailbox
import os
import platform
import resource
import shutil
import smtplib
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

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
LOCALES = {"NL": "nl", "JP": "ja", "BR": "pt-BR", "DE": "de", "FI": "fi", "SE": "sv", "PT": "pt",
           "FR": "fr", "ES": "es"}  # fmt: skip


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
        rows = []
        for i in range(1, n + 1):
            pid = f"PER-{offset + i:07d}"
            rows.append({
                "campaign_id": campaign.id, "case_id": ids[pid], "person_id": pid,
                "channel": channel, "locale": LOCALES[COUNTRIES[(offset + i) % 10]],
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


class Sink:
    """aiosmtpd handler: accept and discard; advertise PIPELINING if asked (as Postfix
    and Exim do; aiosmtpd reads pipelined commands in order but does not announce it)."""

    def __init__(self, pipelining: bool) -> None:
        self.pipelining = pipelining

    async def handle_EHLO(self, server: object, session: Any, envelope: object, hostname: str,
                          responses: list[str]) -> list[str]:  # fmt: skip
        session.host_name = hostname
        if self.pipelining:
            responses.insert(-1, "250-PIPELINING")
        return responses

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        return "250 OK"


def serve_smtp(port: int, pipelining: bool) -> None:
    """Run the sink server until killed (in its own process: its CPU is not ours)."""
    from aiosmtpd.controller import Controller

    controller = Controller(Sink(pipelining), hostname="127.0.0.1", port=port)
    controller.start()
    threading.Event().wait()


def start_smtp(pipelining: bool) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    cmd = [sys.executable, __file__, "--serve-smtp", str(port)]
    proc = subprocess.Popen([*cmd, *(["--pipelining"] if pipelining else [])],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return proc, port
        except OSError:
            time.sleep(0.05)  # waiting for the server to listen
    proc.kill()
    raise RuntimeError("aiosmtpd did not start")


def process_cpu() -> float:
    """CPU seconds (user + system) of this process, all its threads."""
    t = os.times()
    return t.user + t.system


def peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def ours(channel: str, n: int, port: int, root: Path) -> dict[str, object]:
    """Our sender: a fresh workspace, n pending messages, one timed ``Sender.send``."""
    ws = init_workspace(root / "ws")
    with open_store(ws) as store:
        campaign = populate(store, ws, n, channel)
        config = ChannelConfig(smtp_host="127.0.0.1", smtp_port=port)
        content = Content(Templates(), facts, load_agencies()["NL"], "warning_email")
        sender = Sender(store, create_channel(channel, ws, config), content, SendOptions(),
                        user="olga")  # fmt: skip
        started, cpu = time.perf_counter(), process_cpu()
        report = sender.send(campaign)
        seconds, cpu = time.perf_counter() - started, process_cpu() - cpu
    assert report.counts["sent"] == n, report.as_json()
    return {"messages": n, "seconds": round(seconds, 2), "messages_per_s": round(n / seconds, 1),
            "cpu_ms_per_message": round(cpu * 1000 / n, 3), "by_locale": dict(report.by_locale),
            "peak_rss_mb": peak_rss_mb()}  # fmt: skip


def merge_texts() -> list[tuple[str, str, str, str]]:
    """The peers' 'mail merge': each locale's message rendered once (outside the timing)
    for a template person; per message only the username and reference are replaced."""
    agency = load_agencies()["NL"]
    templates = Templates()
    person = facts(["PER-0000000"])["PER-0000000"]
    out = []
    for country in COUNTRIES:
        locale = LOCALES[country]
        r = templates.render("warning_email", locale, facts=person, agency=agency,
                             reference="c0.m0")  # fmt: skip
        out.append((r.locale, r.subject, r.text, r.html))
    return out


def stdlib_message(i: int, texts: list[tuple[str, str, str, str]]) -> EmailMessage:
    agency = load_agencies_cached()
    locale, subject, text, html = texts[i % len(texts)]
    user, ref = f"user{i}", f"c0.m{i}"
    msg = EmailMessage()
    msg["From"] = f"{agency.name} <{agency.sender}>"
    msg["To"] = f"user{i}@example.org"
    msg["Reply-To"] = agency.reply_to
    msg["Subject"] = subject.replace("user0", user)
    msg["Date"] = email.utils.formatdate(localtime=False)
    msg["Message-ID"] = f"<{ref}@bench.invalid>"
    msg["Content-Language"] = locale
    msg.set_content(text.replace("user0", user).replace("c0.m0", ref))
    msg.add_alternative(html.replace("user0", user).replace("c0.m0", ref), subtype="html")
    return msg


@functools.cache
def load_agencies_cached() -> Any:
    return load_agencies()["NL"]


def peer(kind: str, n: int, port: int, root: Path) -> dict[str, object]:
    """Plain stdlib: EmailMessage + mailbox.Maildir.add or smtplib send_message; or only
    the SMTP transport of ready bytes (what the server allows at best)."""
    texts = merge_texts()
    started, cpu = time.perf_counter(), process_cpu()
    if kind == "maildir":
        box = mailbox.Maildir(root / "maildir", create=True)
        for i in range(1, n + 1):
            box.add(stdlib_message(i, texts))
    elif kind == "transport":
        # the server's ceiling: ten messages composed before the timing, only sent
        wire = [stdlib_message(i, texts).as_bytes().replace(b"\n", b"\r\n") for i in range(10)]
        started, cpu = time.perf_counter(), process_cpu()
        with smtplib.SMTP("127.0.0.1", port) as client:
            for i in range(1, n + 1):
                client.sendmail("bench@example.org", [f"user{i}@example.org"], wire[i % 10])
    else:
        with smtplib.SMTP("127.0.0.1", port) as client:
            for i in range(1, n + 1):
                client.send_message(stdlib_message(i, texts))
    seconds, cpu = time.perf_counter() - started, process_cpu() - cpu
    return {"messages": n, "seconds": round(seconds, 2), "messages_per_s": round(n / seconds, 1),
            "cpu_ms_per_message": round(cpu * 1000 / n, 3),
            "peak_rss_mb": peak_rss_mb()}  # fmt: skip


def child(args: argparse.Namespace) -> None:
    """One measurement in this (child) process, printed as JSON: its own peak RSS."""
    root = Path(args.root)
    mode = args.one
    if mode in ("outbox", "smtp"):
        result = ours(mode, args.messages, args.port, root)
    else:
        result = peer(mode, args.messages, args.port, root)
    print(json.dumps(result))


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure_one(mode: str, n: int, server: subprocess.Popen[bytes], port: int) -> dict[str, Any]:
    """One measurement in a child process; adds the SMTP server's CPU per message."""
    root = Path(tempfile.mkdtemp(prefix="intercop-outreach-"))
    try:
        cmd = [sys.executable, __file__, "--one", mode, "--messages", str(n),
               "--port", str(port), "--root", str(root)]  # fmt: skip
        before = cpu_seconds(server.pid)
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"{mode} failed: {done.stderr[-2000:]}")
        result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
        if mode in ("smtp", "smtplib", "transport"):
            server_ms = (cpu_seconds(server.pid) - before) * 1000 / n
            result["smtp_server_cpu_ms_per_message"] = round(server_ms, 3)
        return result
    finally:
        shutil.rmtree(root, ignore_errors=True)


def summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    rates = sorted(r["messages_per_s"] for r in runs)
    out = {
        "messages": runs[0]["messages"],
        "median_messages_per_s": round(statistics.median(rates), 1),
        "min_messages_per_s": rates[0],
        "max_messages_per_s": rates[-1],
        "median_seconds": statistics.median(r["seconds"] for r in runs),
        "peak_rss_mb": max(r["peak_rss_mb"] for r in runs),
    }
    out["cpu_ms_per_message"] = statistics.median(r["cpu_ms_per_message"] for r in runs)
    server = [
        r["smtp_server_cpu_ms_per_message"] for r in runs if "smtp_server_cpu_ms_per_message" in r
    ]
    if server:
        out["smtp_server_cpu_ms_per_message"] = statistics.median(server)
    return {**out, "runs": runs}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3, help="repetitions to the outbox")
    parser.add_argument("--smtp-repeat", type=int, default=1, help="repetitions over SMTP")
    parser.add_argument(
        "--peer-messages",
        type=int,
        default=10_000,
        help="messages per peer run and per SMTP run without PIPELINING",
    )
    parser.add_argument("--serve-smtp", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--pipelining", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--root", help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.environ.pop("INTERCOP_DATABASE_URL", None)
    if args.serve_smtp:
        serve_smtp(args.serve_smtp, args.pipelining)
        return
    if args.one:
        child(args)
        return
    n, small = args.messages, min(args.messages, args.peer_messages)
    load_at_start = os.getloadavg()
    servers = {flag: start_smtp(flag) for flag in (True, False)}
    plan = [  # (name, mode, messages, server with PIPELINING, repetitions)
        ("outbox", "outbox", n, True, args.repeat),
        ("smtp", "smtp", n, True, args.smtp_repeat),
        ("smtp_no_pipelining", "smtp", small, False, 1),
        ("peer_maildir", "maildir", small, True, 1),
        ("peer_smtplib", "smtplib", small, True, 1),
        ("smtp_transport_only", "transport", small, True, 1),
    ]
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name, *_ in plan}
    try:
        for rep in range(max(args.repeat, args.smtp_repeat)):
            for name, mode, count, flag, times in plan:
                if rep >= times:
                    continue
                result = measure_one(mode, count, *servers[flag])
                runs[name].append(result)
                rate, secs, mb = (result[k] for k in ("messages_per_s", "seconds", "peak_rss_mb"))
                print(f"run {rep + 1} {name}: {rate} msg/s ({secs} s, {mb} MB)", flush=True)
    finally:
        for proc, _ in servers.values():
            proc.terminate()
            proc.wait(timeout=30)
    doc = {
        "benchmark": "outreach",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "system": platform.platform(),
            "load_average_at_start": load_at_start,
            "load_average_at_end": os.getloadavg(),
        },
        "targets": {"outbox_per_s": 1000, "smtp_per_s": 500},
        "repeat": args.repeat,
        "results": {name: summary(r) for name, r in runs.items()},
        "included": "ours: Sender.send - reading pending rows, render (Jinja2 sandbox + Babel) "
        "in 10 locales, MIME compose, delivery (outbox: write + fsync + rename; smtp: one "
        "reused connection), every state commit incl. case -> contacted with its case event",
        "excluded": "persons, cases, message rows and facts are synthetic and made before the "
        "timing; peers: each locale rendered once outside the timing, then per message only "
        "str.replace of username and reference, no case store, no fsync (Maildir.add); "
        "smtp_transport_only: ten messages composed before the timing, only smtplib.sendmail",
        "smtp_server": "aiosmtpd Sink in its own process; advertises PIPELINING except for "
        "smtp_no_pipelining",
    }
    name = "outreach.json" if n == 100_000 else f"outreach-{n}.json"
    out = HERE / "results" / name
    out.write_text(json.dumps(doc, indent=2) + "\n")
    print(json.dumps({k: {kk: vv for kk, vv in v.items() if kk != "runs"}
                      for k, v in doc["results"].items()}, indent=2))  # fmt: skip


if __name__ == "__main__":
    main()
