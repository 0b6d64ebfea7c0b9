"""Kill ``intercop campaign send`` with SIGKILL in mid-campaign, run it again: exactly once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from intercop.cli.app import app
from intercop.outreach.addresses import vault_emails
from intercop.store import Store, open_store
from intercop.store.base import utc_now
from intercop.store.models import Case, Message
from intercop.workspace import Workspace
from tests.outreach.conftest import SmtpServer
from tests.store.backends import BACKENDS, case_store_url

INTERCOP = str(Path(sys.executable).parent / "intercop")
AUDIENCE = 40


@pytest.fixture(params=BACKENDS)
def env(request: pytest.FixtureRequest, resolved_copy: Workspace) -> Iterator[dict[str, str]]:
    with case_store_url(request.param, resolved_copy) as url:
        yield {
            **os.environ,
            "INTERCOP_HOME": str(resolved_copy.root),
            "INTERCOP_DATABASE_URL": url,
            "INTERCOP_USER": "olga",
        }


def cli(env: dict[str, str], *args: str) -> dict[str, object]:
    """The real entry point in a child process (what the kill test is about)."""
    done = subprocess.run([INTERCOP, *args], env=env, capture_output=True, text=True,
                          timeout=300, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout) if "--json" in args else {}


def local(env: dict[str, str], *args: str) -> dict[str, object]:
    """The same commands in this process (set-up only: a child costs seconds to start)."""
    result = CliRunner().invoke(app, list(args), env=env)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout) if "--json" in args else {}


def prepare(ws: Workspace, env: dict[str, str], channel: str) -> tuple[Store, int]:
    for name, role in (("ana", "analyst"), ("olga", "officer"), ("sam", "supervisor")):
        local(env, "user", "add", name, "--role", role, "--agency", "NL")
    persons = sorted(set(pq.read_table(ws.derived / "persons.parquet").column("person_id")
                         .to_pylist()))  # fmt: skip
    reachable = sorted(vault_emails(ws, persons))[:AUDIENCE]
    store = open_store(ws, env["INTERCOP_DATABASE_URL"])
    with store.session() as session:
        now = utc_now()
        for pid in reachable:
            session.add(Case(person_id=pid, agency="NL", state="recommended",
                             intervention="warning_email", reasons="[]", created_at=now,
                             updated_at=now, updated_by="ana"))  # fmt: skip
        session.commit()
    created = local(env, "campaign", "create", "--name", "K1", "--intervention", "warning_email",
                  "--channel", channel, "--agency", "NL", "--user", "ana", "--json")  # fmt: skip
    assert created["messages"] == AUDIENCE
    campaign = int(str(created["id"]))
    local(env, "campaign", "approve", str(campaign), "--user", "sam")
    return store, campaign


def statuses(store: Store, campaign: int) -> Counter[str]:
    with store.session() as session:
        return Counter(session.scalars(select(Message.status).where(
            Message.campaign_id == campaign)))  # fmt: skip


def kill_when(proc: subprocess.Popen[bytes], reached: object) -> None:
    """SIGKILL ``proc`` as soon as ``reached()`` is true (polled), before it finishes."""
    deadline = time.monotonic() + 120
    while not reached():  # type: ignore[operator]
        assert proc.poll() is None, "the sender finished before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.005)  # polling a condition, not waiting for time to pass
    os.kill(proc.pid, signal.SIGKILL)
    assert proc.wait(timeout=30) == -signal.SIGKILL


def test_outbox_sigkill_then_rerun_delivers_each_exactly_once(
    resolved_copy: Workspace, env: dict[str, str]
) -> None:
    store, campaign = prepare(resolved_copy, env, "outbox")
    new = resolved_copy.outbox / "new"
    command = [INTERCOP, "campaign", "send", str(campaign), "--rate", "40/s"]
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)  # fmt: skip
    kill_when(proc, lambda: new.is_dir() and len(os.listdir(new)) >= 5)
    first = statuses(store, campaign)
    assert first["pending"] + first["sending"] > 0  # really killed in the middle
    report = cli(env, "campaign", "send", str(campaign), "--json")
    assert report["finished"] is True
    assert statuses(store, campaign) == Counter({"sent": AUDIENCE})
    files = os.listdir(new)
    assert len(files) == AUDIENCE
    with store.session() as session:
        ids = set(session.scalars(select(Message.message_id)))
    seen = Counter()
    for name in files:
        head = (new / name).read_bytes().split(b"\n\n", 1)[0].decode()
        mid = next(line.split(": ", 1)[1] for line in head.splitlines()
                   if line.startswith("Message-ID: "))  # fmt: skip
        seen[mid] += 1
    assert set(seen) == ids and set(seen.values()) == {1}
    store.close()


def test_smtp_sigkill_then_rerun_never_doubles(
    resolved_copy: Workspace, env: dict[str, str], smtp_server: SmtpServer
) -> None:
    store, campaign = prepare(resolved_copy, env, "smtp")
    server = ["--smtp-host", smtp_server.host, "--smtp-port", str(smtp_server.port)]
    proc = subprocess.Popen([INTERCOP, "campaign", "send", str(campaign), *server,
                             "--rate", "40/s"], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)  # fmt: skip
    kill_when(proc, lambda: smtp_server.handler.count() >= 5)
    report = cli(env, "campaign", "send", str(campaign), *server, "--json")
    counts = statuses(store, campaign)
    received = Counter(smtp_server.handler.ids())
    assert set(received.values()) == {1}, "a message was delivered twice"
    assert counts["in_doubt"] <= 1 and report["in_doubt"] == 0
    assert counts["sent"] + counts["in_doubt"] == AUDIENCE
    with store.session() as session:
        rows = session.execute(select(Message.message_id, Message.status)).all()
    for mid, status in rows:
        if status == "sent":
            assert received[mid] == 1
        else:  # in doubt: received at most once, and reported
            assert status == "in_doubt" and received[mid] <= 1
    status = local(env, "campaign", "status", str(campaign), "--json")
    assert len(status["in_doubt"]) == counts["in_doubt"]  # type: ignore[arg-type]
    store.close()
