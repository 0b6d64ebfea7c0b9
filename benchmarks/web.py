"""Benchmark: the web app under 50 concurrent clients over a workspace of 100,000+ persons.

The workspace is built the real way and cached in benchmarks/.work/web/: the default
synthetic takedown scenario at the scale that gives ~200,000 accounts (``intercop synth
takedowns --activity 0.1``), every file through ``intercop ingest``, ``intercop resolve``
(-> ~110,000 persons) and ``intercop triage`` (the cases of the queue); then analysts of
the owning agency (NL) with passwords and read-scoped API tokens.

The server is ``intercop serve --workers N`` (uvicorn, 1 and 2 worker processes) on
127.0.0.1. The clients run in a separate process: 50 asyncio tasks, each with its own
keep-alive connection and its own web session (signed in through the login form
beforehand), speaking minimal HTTP/1.1 over asyncio streams (so the client's CPU is
small next to the server's on this 2-core machine). Each task sends its next request as
soon as the last answer is read (closed loop), for ``--warmup`` seconds unmeasured and
then ``--duration`` seconds measured. The mix: the person page (HTML, audited read),
search by username, the triage queue (HTML) and the person over the REST API (Bearer
token). Latency is from the first byte written to the last byte of the body read.

Peers, in the same run with the same client and worker count: ``app_static`` (the same
app, only ``/static/app.css``: the framework, middleware and uvicorn without a handler)
and ``peer_hello`` (a bare Starlette app answering "hello": the ceiling of uvicorn and
this client on this machine).

Target (issue 6): p95 under 150 ms. Results: benchmarks/results/web.json (or
web-<accounts>.json for other sizes).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
BIN = Path(sys.executable).parent
INTERCOP = str(BIN / "intercop")
PASSWORD = "a long benchmark password"
ANALYSTS = [f"bench{i:02d}" for i in range(10)]
#: endpoint -> weight in the mix of the app runs
MIX = {"person_page": 4, "search": 2, "queue": 2, "api_person": 2}
TARGET_P95_MS = 150.0


# -- the servers --------------------------------------------------------------------------


def hello() -> Any:
    """The peer: a bare Starlette app answering every GET of ``/`` with "hello"."""
    from starlette.applications import Starlette
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route

    async def index(request: Any) -> PlainTextResponse:
        return PlainTextResponse("hello")

    return Starlette(routes=[Route("/", index)])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(kind: str, ws: Path, workers: int) -> tuple[subprocess.Popen[bytes], int]:
    """``intercop serve`` over ``ws`` (kind "app") or the hello peer, ready to answer."""
    port = free_port()
    env = {**os.environ, "INTERCOP_HOME": str(ws), "INTERCOP_WEB_SECURE_COOKIES": "false"}
    if kind == "app":
        cmd = [INTERCOP, "serve", "--host", "127.0.0.1", "--port", str(port),
               "--workers", str(workers)]  # fmt: skip
        probe = "/login"
    else:
        cmd = [sys.executable, "-m", "uvicorn", "web:hello", "--factory", "--app-dir", str(HERE),
               "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
               "--log-level", "warning", "--no-server-header"]  # fmt: skip
        probe = "/"
    # the server's warnings and tracebacks (a 500) go to a log beside the workspace
    log = (ws.parent / f"server-{kind}-{workers}.log").open("ab")
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=log)
    log.close()
    deadline = time.monotonic() + 120
    answered = 0
    while time.monotonic() < deadline and answered < 2 * workers:
        if proc.poll() is not None:
            raise RuntimeError(f"{kind} server exited; see {ws.parent}/server-{kind}-*.log")
        try:
            status, _, _ = asyncio.run(one_request("127.0.0.1", port, probe))
            answered += status == 200
        except OSError:
            time.sleep(0.1)  # not listening yet
    if answered < 2 * workers:
        proc.kill()
        raise RuntimeError(f"{kind} server did not start")
    time.sleep(1.0)  # every worker has imported the app
    return proc, port


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) of a process and its descendants (Linux /proc)."""
    total = 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        for task in Path(f"/proc/{pid}/task").iterdir():
            for child in (task / "children").read_text().split():
                total += tree_cpu(int(child))
    except (FileNotFoundError, ProcessLookupError):
        pass  # a process that ended between listing and reading
    return total


# -- minimal HTTP/1.1 over asyncio streams --------------------------------------------------


async def read_response(reader: asyncio.StreamReader) -> tuple[int, dict[str, str], bytes]:
    """One response: status, headers (lower-case; Set-Cookie values joined by newline), body."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if ":" in line:
            name, _, value = line.partition(":")
            key = name.strip().lower()
            headers[key] = f"{headers[key]}\n{value.strip()}" if key in headers else value.strip()
    if "content-length" in headers:
        body = await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        parts = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            parts.append(await reader.readexactly(size + 2))
            if size == 0:
                break
        body = b"".join(p[:-2] for p in parts)
    else:
        body = b""
    return status, headers, body


def request_bytes(method: str, path: str, headers: dict[str, str], body: bytes = b"") -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", *(f"{k}: {v}" for k, v in
             headers.items())]  # fmt: skip
    if body:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


async def one_request(
    host: str, port: int, path: str, method: str = "GET", headers: dict[str, str] | None = None,
    body: bytes = b"",
) -> tuple[int, dict[str, str], bytes]:  # fmt: skip
    """One request on its own connection."""
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(request_bytes(method, path, {**(headers or {}), "Connection": "close"}, body))
        await writer.drain()
        return await read_response(reader)
    finally:
        writer.close()


def cookie_of(headers: dict[str, str], name: str) -> str:
    found = re.search(rf"(?:^|\n){name}=([^;\n]+)", headers.get("set-cookie", ""))
    if found is None:
        raise RuntimeError(f"no {name} cookie in {headers}")
    return found.group(1)


async def sign_in(port: int, user: str) -> str:
    """Sign in through the login form; returns the session cookie's value."""
    _, headers, page = await one_request("127.0.0.1", port, "/login")
    nonce = re.search(rb'name="nonce" value="([^"]+)"', page)
    if nonce is None:
        raise RuntimeError("no nonce on the login form")
    form = f"username={user}&password={PASSWORD.replace(' ', '+')}&nonce={nonce.group(1).decode()}"
    status, answer, _ = await one_request(
        "127.0.0.1", port, "/login", "POST",
        {"Cookie": f"intercop_login={cookie_of(headers, 'intercop_login')}",
         "Content-Type": "application/x-www-form-urlencoded"}, form.encode(),
    )  # fmt: skip
    if status != 303:
        raise RuntimeError(f"sign-in of {user} answered {status}")
    return cookie_of(answer, "intercop_session")


# -- the client process ---------------------------------------------------------------------


def percentile(ordered: list[float], q: float) -> float:
    """Nearest-rank percentile of sorted values."""
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


def summarise(latencies: list[float], statuses: Counter[int], seconds: float) -> dict[str, Any]:
    ordered = sorted(latencies)
    return {
        "requests": len(ordered),
        "per_s": round(len(ordered) / seconds, 1),
        "p50_ms": round(percentile(ordered, 50) * 1000, 1),
        "p95_ms": round(percentile(ordered, 95) * 1000, 1),
        "p99_ms": round(percentile(ordered, 99) * 1000, 1),
        "max_ms": round(ordered[-1] * 1000, 1) if ordered else None,
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
    }


async def client_run(plan: dict[str, Any]) -> dict[str, Any]:
    """``plan["clients"]`` closed-loop clients over ``plan["requests"]``; timed summary."""
    port, clients = int(plan["port"]), int(plan["clients"])
    cookies: list[str | None] = [None] * clients
    if plan["sign_in"]:
        for i in range(clients):  # one web session per client, as fifty analysts would have
            cookies[i] = await sign_in(port, ANALYSTS[i % len(ANALYSTS)])
    rng = random.Random(plan["seed"])
    warm_until = time.perf_counter() + float(plan["warmup"])
    stop_at = warm_until + float(plan["duration"])
    samples: dict[str, list[float]] = {name: [] for name in plan["requests"]}
    statuses: dict[str, Counter[int]] = {name: Counter() for name in plan["requests"]}
    names = [n for n, w in plan["weights"].items() for _ in range(int(w))]
    think = float(plan.get("think", 0.0))

    async def one_client(index: int) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        own = random.Random(rng.random())
        try:
            while time.perf_counter() < stop_at:
                name = own.choice(names)
                spec = plan["requests"][name]
                headers = dict(spec.get("headers", {}))
                if cookies[index] and not spec.get("token"):
                    headers["Cookie"] = f"intercop_session={cookies[index]}"
                if spec.get("token"):
                    headers["Authorization"] = f"Bearer {spec['token']}"
                path = own.choice(spec["paths"])
                if reader.at_eof():
                    # the server closed the idle connection (uvicorn keeps one 5 s after a
                    # think time): a browser opens a new one, and so does this client
                    writer.close()
                    reader, writer = await asyncio.open_connection("127.0.0.1", port)
                started = time.perf_counter()
                try:
                    writer.write(request_bytes("GET", path, headers))
                    await writer.drain()
                    status, answer, _ = await read_response(reader)
                except (OSError, asyncio.IncompleteReadError):
                    # the server dropped the connection: counted as status 0, not as a latency
                    status, answer = 0, {"connection": "close"}
                took = time.perf_counter() - started
                if started >= warm_until:
                    if status:
                        samples[name].append(took)
                    statuses[name][status] += 1
                if answer.get("connection", "").lower() == "close":
                    writer.close()
                    reader, writer = await asyncio.open_connection("127.0.0.1", port)
                if think > 0:  # an analyst reads the page before the next click
                    await asyncio.sleep(own.expovariate(1.0 / think))
        finally:
            writer.close()

    tasks = [asyncio.create_task(one_client(i)) for i in range(clients)]
    await asyncio.sleep(max(0.0, warm_until - time.perf_counter()))
    cpu_at_start = os.times()
    await asyncio.gather(*tasks)
    cpu = os.times()
    seconds = float(plan["duration"])
    everything = [t for s in samples.values() for t in s]
    total: Counter[int] = Counter()
    for c in statuses.values():
        total.update(c)
    return {
        "overall": summarise(everything, total, seconds),
        "endpoints": {n: summarise(samples[n], statuses[n], seconds) for n in samples},
        "client_cpu_s": round(cpu.user + cpu.system - cpu_at_start.user - cpu_at_start.system, 1),
    }


def run_clients(plan: dict[str, Any], server: subprocess.Popen[bytes]) -> dict[str, Any]:
    """The client in its own process; adds the server's CPU time over the whole run."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(plan, f)
    try:
        before = tree_cpu(server.pid)
        done = subprocess.run([sys.executable, __file__, "--client", f.name],
                              capture_output=True, text=True, check=False)  # fmt: skip
        server_cpu = tree_cpu(server.pid) - before
        if done.returncode != 0:
            raise RuntimeError(f"client failed: {done.stderr[-3000:]}")
        result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
        # the server's CPU over warm-up + measurement (+ sign-in): its share of the 2 cores
        result["server_cpu_s"] = round(server_cpu, 1)
        return result
    finally:
        Path(f.name).unlink(missing_ok=True)


# -- the workspace --------------------------------------------------------------------------


def build(
    root: Path, accounts: int, seed: int, workers: int, model: Path | None = None
) -> dict[str, Any]:
    """Synth, ingest, resolve and triage (cached); users and tokens made fresh each run.

    ``model``: a saved linkage model (``derived/model/splink_model.json`` of another
    workspace) that resolve loads instead of training one on this workspace.
    """
    sys.path.insert(0, str(HERE))
    from measure import measure
    from resolve import generate, ingest_all

    ws, meta = root / "ws", root / "build.json"
    scenario = root / "scenario"
    if meta.exists() and (ws / "derived").exists():
        built: dict[str, Any] = json.loads(meta.read_text())
        built["cached"] = True
    else:
        built = {"synth": generate(scenario, accounts, seed, workers)}
        print("ingesting ...", flush=True)
        built["ingest"] = ingest_all(scenario, ws)
        env = {"INTERCOP_HOME": str(ws)}
        if model is not None:
            target = ws / "derived" / "model" / "splink_model.json"
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(model, target)
            built["model"] = f"loaded, trained on another workspace: {model}"
        print("resolving ...", flush=True)
        run = measure([INTERCOP, "resolve", "--json"], env=env)
        resolved = json.loads((ws / "derived" / "resolve.json").read_text())
        built["resolve"] = {
            "seconds": round(run.seconds, 1),
            "peak_rss_mb": round(run.peak_rss_mb),
            "accounts": resolved["accounts"],
            "persons": resolved["persons"],
        }
        make_users(ws)
        print("triaging ...", flush=True)
        run = measure([INTERCOP, "triage", "--user", ANALYSTS[0], "--json"], env=env)
        built["triage"] = {"seconds": round(run.seconds, 1), "cases": cases_by_state(ws)}
        meta.write_text(json.dumps(built, indent=2) + "\n")
    built["tokens"] = make_tokens(ws)
    return built


def make_users(ws: Path) -> None:
    """An admin and the analysts of NL (the agency owning every dataset), with passwords."""
    from intercop.access import add_user
    from intercop.auth.passwords import set_password
    from intercop.store.database import open_store
    from intercop.workspace import open_workspace

    with open_store(open_workspace(ws)) as store, store.session() as s:
        add_user(s, "benchadm", "admin", "NL", acting="benchadm")
        for name in ANALYSTS:
            add_user(s, name, "analyst", "NL", acting="benchadm")
        s.commit()
        for name in ANALYSTS:
            set_password(s, name, PASSWORD, "benchadm")
        s.commit()


def make_tokens(ws: Path) -> list[str]:
    """A fresh read-scoped API token per analyst (plaintexts exist only now)."""
    from intercop.auth.tokens import create_token
    from intercop.store.database import open_store
    from intercop.workspace import open_workspace

    with open_store(open_workspace(ws)) as store, store.session() as s:
        tokens = [create_token(s, name, "read", "benchmark", acting=name)[0] for name in ANALYSTS]
        s.commit()
    return tokens


def cases_by_state(ws: Path) -> dict[str, int]:
    from sqlalchemy import func, select

    from intercop.store.database import open_store
    from intercop.store.models import Case
    from intercop.workspace import open_workspace

    with open_store(open_workspace(ws)) as store, store.session() as s:
        query = select(Case.agency, Case.state, func.count()).group_by(Case.agency, Case.state)
        rows = s.execute(query)
        return {f"{a}/{st}": int(n) for a, st, n in rows}


def samples(ws: Path, n: int, seed: int) -> tuple[list[str], list[str]]:
    """``n`` person ids and ``n`` usernames to ask for, drawn reproducibly."""
    import duckdb

    con = duckdb.connect()
    con.execute(f"SELECT setseed({(seed % 100) / 100})")
    persons = [r[0] for r in con.execute(
        f"SELECT DISTINCT person_id FROM '{ws}/derived/persons.parquet' ORDER BY person_id"
    ).fetchall()]  # fmt: skip
    names = [r[0] for r in con.execute(
        f"SELECT DISTINCT username FROM '{ws}/vault/*/canonical/accounts.parquet' "
        "WHERE username IS NOT NULL ORDER BY username"
    ).fetchall()]  # fmt: skip
    rng = random.Random(seed)
    return rng.sample(persons, min(n, len(persons))), rng.sample(names, min(n, len(names)))


def app_requests(ws: Path, tokens: list[str], seed: int) -> tuple[dict[str, Any], int]:
    from urllib.parse import quote

    persons, names = samples(ws, 5000, seed)
    requests = {
        "person_page": {"paths": [f"/persons/{p}" for p in persons]},
        "search": {"paths": [f"/search?q={quote(u)}" for u in names]},
        "queue": {"paths": ["/queue"]},
        "api_person": {"paths": [f"/api/v1/persons/{p}" for p in persons], "token": tokens[0],
                       "headers": {"Accept": "application/json"}},
    }  # fmt: skip
    return requests, len(persons)


# -- the runs -------------------------------------------------------------------------------


def measure_config(name: str, kind: str, ws: Path, workers: int, base: dict[str, Any]) -> Any:
    proc, port = start_server(kind, ws, workers)
    try:
        return run_clients({**base, "port": port}, proc)
    finally:
        stop_server(proc)


def median_of(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The run whose overall p95 is the median of the runs, beside the spread."""
    ordered = sorted(runs, key=lambda r: r["overall"]["p95_ms"])
    middle = ordered[len(ordered) // 2]
    return {
        "median_run": middle,
        "p95_ms_of_runs": [r["overall"]["p95_ms"] for r in runs],
        "per_s_of_runs": [r["overall"]["per_s"] for r in runs],
        "median_per_s": statistics.median(r["overall"]["per_s"] for r in runs),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--accounts", type=int, default=200_000, help="synthetic accounts")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--duration", type=float, default=30.0, help="measured seconds")
    parser.add_argument("--warmup", type=float, default=5.0)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workers", default="1,2", help="uvicorn worker counts to measure")
    parser.add_argument(
        "--think",
        default="0,1",
        help="mean think times in seconds (exponential) between a client's "
        "requests, one mode each; 0 = closed loop (the throughput ceiling)",
    )
    parser.add_argument(
        "--only",
        default="app,app_static,peer_hello",
        help="which of app, app_static, peer_hello to run (peers: closed loop)",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--work", type=Path, default=HERE / ".work")
    parser.add_argument("--model", type=Path, help="a saved linkage model to load, not train")
    parser.add_argument("--out", help="results file name in benchmarks/results/")
    parser.add_argument("--client", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.client:
        plan = json.loads(Path(args.client).read_text())
        print(json.dumps(asyncio.run(client_run(plan))))
        return
    os.environ.pop("INTERCOP_DATABASE_URL", None)
    root = args.work / f"web-{args.accounts}"
    root.mkdir(parents=True, exist_ok=True)
    built = build(root, args.accounts, args.seed, os.cpu_count() or 1, args.model)
    ws = root / "ws"
    requests, sampled = app_requests(ws, built.pop("tokens"), args.seed)
    base = {"clients": args.clients, "warmup": args.warmup, "duration": args.duration,
            "seed": args.seed}  # fmt: skip
    thinks = [float(t) for t in args.think.split(",")]
    wanted = set(args.only.split(","))
    plans: dict[str, tuple[str, dict[str, Any]]] = {}
    for think in thinks:
        mode = "" if think == 0 else f"/think={think:g}s"
        plans[f"app{mode}"] = ("app", {**base, "requests": requests, "weights": MIX,
                                       "sign_in": True, "think": think})  # fmt: skip
    plans["app_static"] = ("app", {**base, "requests": {"static": {"paths": ["/static/app.css"]}},
                                   "weights": {"static": 1}, "sign_in": False})  # fmt: skip
    plans["peer_hello"] = ("peer", {**base, "requests": {"hello": {"paths": ["/"]}},
                                    "weights": {"hello": 1}, "sign_in": False})  # fmt: skip
    plans = {k: v for k, v in plans.items() if k.split("/")[0] in wanted}
    load_at_start = os.getloadavg()
    worker_counts = [int(w) for w in args.workers.split(",")]
    runs: dict[str, list[dict[str, Any]]] = {}
    for rep in range(args.repeat):
        for workers in worker_counts:
            for name, (kind, plan) in plans.items():
                result = measure_config(name, kind, ws, workers, plan)
                runs.setdefault(f"{name}/workers={workers}", []).append(result)
                o = result["overall"]
                print(f"run {rep + 1} {name} workers={workers}: {o['per_s']} req/s, p50 "
                      f"{o['p50_ms']} p95 {o['p95_ms']} p99 {o['p99_ms']} ms {o['statuses']}",
                      flush=True)  # fmt: skip
    results = {key: median_of(r) for key, r in runs.items()}

    def best_of(keys: list[str]) -> dict[str, Any] | None:
        if not keys:
            return None
        best = min(keys, key=lambda k: results[k]["median_run"]["overall"]["p95_ms"])
        p95 = results[best]["median_run"]["overall"]["p95_ms"]
        return {"best": best, "p95_ms": p95, "met": p95 < TARGET_P95_MS}

    closed = [k for k in results if k.startswith("app/workers=")]
    thinking = [k for k in results if k.startswith("app/think=")]
    doc = {
        "benchmark": "web",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "system": platform.platform(),
            "load_average_at_start": load_at_start,
            "load_average_at_end": os.getloadavg(),
        },
        "workspace": {**built, "persons_sampled": sampled},
        "setup": {
            "clients": args.clients,
            "warmup_s": args.warmup,
            "duration_s": args.duration,
            "repeat": args.repeat,
            "mix": MIX,
            "server": "intercop serve (uvicorn, h11, asyncio loop) on 127.0.0.1; case store SQLite",
            "client": "separate process, "
            "asyncio streams, one keep-alive connection and web session per client, "
            "closed loop (think 0: the next request as soon as the answer is read) and, "
            "per --think, each client waiting an exponential think time between requests",
            "think_s": thinks,
        },
        "target": {
            "p95_ms": TARGET_P95_MS,
            "closed_loop": best_of(closed),
            "think_time": best_of(thinking),
        },
        "results": results,
        "peers": "app_static: the same app serving /static/app.css (no handler, no database); "
        "peer_hello: bare Starlette 'hello' under uvicorn, same client and worker count",
    }
    name = "web.json" if args.accounts == 200_000 else f"web-{args.accounts}.json"
    if args.out is not None:
        name = args.out
    out = HERE / "results" / name
    out.write_text(json.dumps(doc, indent=2) + "\n")
    print(json.dumps({k: {**v["median_run"]["overall"], "p95_ms_of_runs": v["p95_ms_of_runs"]}
                      for k, v in results.items()}, indent=2))  # fmt: skip


if __name__ == "__main__":
    main()
